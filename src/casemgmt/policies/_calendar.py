"""Working-day calendars: weekends, the UK's bank holidays by nation, and local closures.

Bank holidays come from the `holidays <https://pypi.org/project/holidays/>`_ package, always
with the nation's subdivision: the United Kingdom has no single list (Scotland keeps
2 January and St Andrew's Day, Northern Ireland St Patrick's Day and the Twelfth, England and
Wales Easter Monday), and the country-level list without a subdivision is wrong for all three.

>>> import pendulum
>>> wales = WorkingCalendar(region=BankHolidayRegion.ENGLAND_AND_WALES)
>>> scotland = WorkingCalendar(region=BankHolidayRegion.SCOTLAND)
>>> easter_monday = pendulum.date(2026, 4, 6)
>>> wales.is_working_day(easter_monday), scotland.is_working_day(easter_monday)
(False, True)
>>> wales.roll(pendulum.date(2026, 4, 3), Roll.FORWARD)  # Good Friday, then the weekend
Date(2026, 4, 7)
>>> wales.add_working_days(pendulum.date(2026, 12, 24), 1)
Date(2026, 12, 29)
"""

from __future__ import annotations

import bisect
import datetime as _dt
import enum
import functools
import itertools
from collections.abc import Iterator, Mapping

import attrs
import pendulum

from casemgmt.errors import Problem
from casemgmt.model._base import Validated, problem

__all__ = [
    "ENGLAND_AND_WALES",
    "NORTHERN_IRELAND",
    "SCOTLAND",
    "BankHolidayRegion",
    "Roll",
    "WorkingCalendar",
]

_FIRST_YEAR = 1970
_LAST_YEAR = 2199
_BLOCK = 8  # calendars are tabulated in blocks of years, so a few tables serve every query


class BankHolidayRegion(enum.Enum):
    """The three bank-holiday calendars of the United Kingdom (GOV.UK publishes one list for
    each). The value of :attr:`subdivision` is the ``holidays`` package's code."""

    ENGLAND_AND_WALES = "england-and-wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"

    @property
    def subdivision(self) -> str:
        """The ISO 3166-2 code the ``holidays`` package uses for the region."""
        return _SUBDIVISIONS[self]


_SUBDIVISIONS = {
    BankHolidayRegion.ENGLAND_AND_WALES: "ENG",
    BankHolidayRegion.SCOTLAND: "SCT",
    BankHolidayRegion.NORTHERN_IRELAND: "NIR",
}


class Roll(enum.Enum):
    """Where a date that falls on a non-working day moves to."""

    FORWARD = "forward"
    """To the next working day."""
    BACKWARD = "backward"
    """To the previous working day (a review held early rather than late)."""


@attrs.frozen(kw_only=True, cache_hash=True)
class WorkingCalendar(Validated):
    """Which days a team works, and the time zone its instants are in.

    Attributes:
        region: Whose bank holidays are non-working days; ``None`` for none (weekends and
            closures only).
        weekend: ISO weekday numbers that are never working days (6 Saturday, 7 Sunday).
        closures: Further non-working days of the team (a closure day, a training day).
        timezone: The IANA time zone of the team's instants.

    Every working-day query is answered from a table built once per block of eight years,
    so it costs a list look-up, not a call into ``holidays``. Years from 1970 to 2199 are
    supported.

    >>> WorkingCalendar(weekend=frozenset({8}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    casemgmt.errors.InvariantError: invalid WorkingCalendar: weekend: ISO weekdays run ...
    """

    region: BankHolidayRegion | None = BankHolidayRegion.ENGLAND_AND_WALES
    weekend: frozenset[int] = frozenset({6, 7})
    closures: frozenset[pendulum.Date] = frozenset()
    timezone: str = "Europe/London"

    def _invariants(self) -> Iterator[Problem]:
        if any(not 1 <= day <= 7 for day in self.weekend):
            yield problem(
                "weekend", "out_of_range", "ISO weekdays run from 1 (Monday) to 7 (Sunday)"
            )
        elif len(self.weekend) == 7:
            yield problem("weekend", "no_working_days", "leaves no working day in the week")
        try:
            pendulum.timezone(self.timezone)
        except Exception:  # pendulum raises its own error types for unknown zones
            yield problem("timezone", "unknown_timezone", "is not an IANA time zone")
        for day in self.closures:
            if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
                yield problem("closures", "out_of_range", "must fall between 1970 and 2199")
                break

    def bank_holidays(self, year: int) -> Mapping[pendulum.Date, str]:
        """The region's bank holidays in ``year``, by date, with their names (weekend days
        included as the ``holidays`` package lists them, such as a Saturday Boxing Day)."""
        if self.region is None:
            return {}
        return _bank_holidays(self.region, year)

    def is_working_day(self, day: pendulum.Date) -> bool:
        """True when ``day`` is not a weekend day, bank holiday or closure."""
        span = self.span(day.year, day.year)
        return span.working[day.toordinal() - span.base] == 1

    def roll(self, day: pendulum.Date, direction: Roll) -> pendulum.Date:
        """``day`` itself when it is a working day, else the next or previous working day."""
        span = self.span(day.year - 1, day.year + 1)
        ordinal = span.roll(day.toordinal(), direction is Roll.FORWARD)
        return span.date(ordinal)

    def add_working_days(self, day: pendulum.Date, count: int) -> pendulum.Date:
        """The ``count``-th working day after ``day`` (``count`` ≥ 0; with 0, ``day`` rolled
        forward to a working day)."""
        if count < 0:
            raise ValueError("count must not be negative")
        span = self.span(day.year, day.year + 1 + count // 200)
        return span.date(span.add_working_days(day.toordinal(), count))

    def working_days_between(self, start: pendulum.Date, end: pendulum.Date) -> int:
        """How many working days fall after ``start`` and on or before ``end`` (0 when
        ``end`` is not after ``start``)."""
        if end <= start:
            return 0
        span = self.span(start.year, end.year)
        return span.count(start.toordinal() + 1, end.toordinal())

    def working_days(self, start: pendulum.Date, end: pendulum.Date) -> tuple[pendulum.Date, ...]:
        """Every working day from ``start`` to ``end``, both included."""
        if end < start:
            return ()
        span = self.span(start.year, end.year)
        first, last = span.working_slice(start.toordinal(), end.toordinal())
        return tuple(span.days[o - span.base] for o in span.working_ords[first:last])

    def instant(self, day: pendulum.Date, hour: int, minute: int = 0) -> pendulum.DateTime:
        """``hour:minute`` local time on ``day`` in the calendar's time zone, as RFC 5545
        reads local times: a time that happens twice (when the clocks go back) is the first
        of the two, and a time that does not exist (when they go forward) is read with the
        offset before the gap, so 01:30 on the spring Sunday is 02:30 BST.

        >>> calendar = WorkingCalendar()
        >>> calendar.instant(pendulum.date(2026, 3, 29), 1, 30).isoformat()
        '2026-03-29T02:30:00+01:00'
        >>> calendar.instant(pendulum.date(2026, 10, 25), 1, 30).isoformat()
        '2026-10-25T01:30:00+01:00'
        """
        zone = _zone(self.timezone)
        first = pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=zone, fold=0)
        if first.hour == hour and first.minute == minute:
            return first
        return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=zone, fold=1)

    def span(self, first_year: int, last_year: int) -> CalendarSpan:
        """The tabulated calendar covering ``first_year`` to ``last_year`` at least (with a
        year to spare on each side). Raises ``ValueError`` outside 1970-2199."""
        low = max(_FIRST_YEAR, (first_year - 1) // _BLOCK * _BLOCK)
        high = min(_LAST_YEAR, ((last_year + 1) // _BLOCK + 1) * _BLOCK - 1)
        if first_year < _FIRST_YEAR or last_year > _LAST_YEAR:
            raise ValueError(f"working calendars cover {_FIRST_YEAR} to {_LAST_YEAR}")
        return _span(self, low, high)


ENGLAND_AND_WALES = WorkingCalendar(region=BankHolidayRegion.ENGLAND_AND_WALES)
"""Monday to Friday, except England and Wales bank holidays; Europe/London."""
SCOTLAND = WorkingCalendar(region=BankHolidayRegion.SCOTLAND)
"""Monday to Friday, except Scottish bank holidays; Europe/London."""
NORTHERN_IRELAND = WorkingCalendar(region=BankHolidayRegion.NORTHERN_IRELAND)
"""Monday to Friday, except Northern Ireland bank holidays; Europe/London."""


@attrs.frozen(eq=False)
class CalendarSpan:
    """A calendar tabulated over whole years: the working-day look-ups the schedulers use.

    Days are addressed by their proleptic Gregorian ordinal (``date.toordinal()``).

    Attributes:
        base: The ordinal of the first day of the span.
        working: One byte per day: 1 for a working day, 0 otherwise.
        days: One shared :class:`pendulum.Date` per day of the span.
        working_ords: The ordinals of the working days, in order.
        next_working: For each day, the index in ``working_ords`` of the first working day
            on or after it.
        longest_closure: The longest run of consecutive non-working days in the span: the
            furthest a date can move to reach a working day.
    """

    base: int
    working: bytes
    days: tuple[pendulum.Date, ...]
    working_ords: tuple[int, ...]
    next_working: tuple[int, ...]
    longest_closure: int = 0

    @property
    def end(self) -> int:
        """The ordinal after the last day of the span."""
        return self.base + len(self.working)

    def date(self, ordinal: int) -> pendulum.Date:
        """The shared date object of ``ordinal``."""
        return self.days[ordinal - self.base]

    def roll(self, ordinal: int, forward: bool) -> int:
        """``ordinal`` if a working day, else the next (``forward``) or previous one."""
        index = self.next_working[ordinal - self.base]
        ords = self.working_ords
        if forward:
            return ords[index]
        if ords[index] == ordinal:
            return ordinal
        return ords[index - 1]

    def add_working_days(self, ordinal: int, count: int) -> int:
        """The ``count``-th working day after ``ordinal`` (0: ``ordinal`` rolled forward)."""
        index = self.next_working[ordinal - self.base]
        if count and self.working_ords[index] != ordinal:
            count -= 1  # the first working day after a non-working one is the next one
        return self.working_ords[index + count]

    def count(self, first: int, last: int) -> int:
        """How many working days fall from ``first`` to ``last``, both included."""
        low, high = self.working_slice(first, last)
        return max(0, high - low)

    def working_slice(self, first: int, last: int) -> tuple[int, int]:
        """The slice of ``working_ords`` holding the working days from ``first`` to
        ``last``, both included."""
        low = self.next_working[first - self.base]
        high = bisect.bisect_right(self.working_ords, last, low)
        return low, high


@functools.lru_cache(maxsize=256)
def _bank_holidays(region: BankHolidayRegion, year: int) -> Mapping[pendulum.Date, str]:
    import holidays  # imported on first use: it loads every country's data

    found = holidays.country_holidays("GB", subdiv=region.subdivision, years=year)
    return {pendulum.Date(d.year, d.month, d.day): str(name) for d, name in sorted(found.items())}


@functools.lru_cache(maxsize=64)
def _span(calendar: WorkingCalendar, first_year: int, last_year: int) -> CalendarSpan:
    base = pendulum.Date(first_year, 1, 1).toordinal()
    end = pendulum.Date(last_year + 1, 1, 1).toordinal()
    closed = {d.toordinal() for d in calendar.closures}
    if calendar.region is not None:
        for year in range(first_year, last_year + 1):
            closed.update(d.toordinal() for d in _bank_holidays(calendar.region, year))
    # ISO weekday of an ordinal: ordinal 1 (1 January of year 1) was a Monday.
    weekend = {day % 7 for day in calendar.weekend}
    working = bytes(0 if (o % 7) in weekend or o in closed else 1 for o in range(base, end))
    days = tuple(
        pendulum.Date(d.year, d.month, d.day) for d in map(_dt.date.fromordinal, range(base, end))
    )
    working_ords = tuple(o for o in range(base, end) if working[o - base])
    next_working: list[int] = []
    index = 0
    for o in range(base, end):
        while index < len(working_ords) and working_ords[index] < o:
            index += 1
        next_working.append(index)
    gaps = [b - a - 1 for a, b in itertools.pairwise(working_ords)]
    return CalendarSpan(
        base=base,
        working=working,
        days=days,
        working_ords=working_ords,
        next_working=tuple(next_working),
        longest_closure=max(gaps, default=0),
    )


@functools.lru_cache(maxsize=16)
def _zone(name: str) -> pendulum.Timezone | pendulum.FixedTimezone:
    return pendulum.timezone(name)
