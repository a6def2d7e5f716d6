"""Routine case reviews for a whole caseload or population at once, as NumPy columns.

:func:`schedule_columns` projects the current review cycle of many cases forward in one
vectorised pass against a ``np.busdaycalendar`` built from the
:class:`~casemgmt.policies.WorkingCalendar` (its weekend, the region's bank holidays and the
team's closures) for the years the cases need: ``np.busday_offset`` moves dates to working
days, daily reviews are slices of the tabulated working days (``np.is_busday``), and each
review's instant comes from a table of the time zone's UTC offset on each day (read from the
zone's rules as :meth:`~casemgmt.policies.WorkingCalendar.instant` reads local times).

Its dates are exactly those of the per-case :func:`~casemgmt.services.schedule` for the same
cycle: the same grid, the same moves to working days and the same merging of occurrences
moved onto one day.

The bulk path covers routine **case reviews** only, and each case's **current** cycle only:
a cycle starts on the day the case opened, a plan version was made or the risk tier changed
(:func:`case_cycles` finds it), and events that have not happened yet cannot be known, so a
later tier change or plan revision is not foreseen. Urgent reviews, MDT discussions, plan
reviews, goal due dates and deadlines come from the per-case :func:`schedule`.

NumPy is an optional dependency: ``pip install 'casemgmt[bulk]'``.
"""

from __future__ import annotations

import datetime as _dt
import importlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import attrs
import pendulum

import casemgmt.model
from casemgmt._applies import applies
from casemgmt.model import CareEventKind, Case, CaseId, CaseStatus, RiskTier
from casemgmt.policies import ReviewPolicy, Roll, WorkingCalendar
from casemgmt.policies._review import Cadence
from casemgmt.services._reviews import _resumptions, _tier_on

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# The public annotations name ``casemgmt.model.RiskTier`` in full: they cannot be evaluated
# without NumPy, and the documentation resolves the name as written (``RiskTier`` alone is
# also exported by ``casemgmt.policies``).

__all__ = ["CaseCycles", "ReviewColumns", "case_cycles", "schedule_columns"]

_NEEDS_NUMPY = "bulk review schedules need NumPy: pip install 'casemgmt[bulk]'"
_EPOCH = _dt.date(1970, 1, 1).toordinal()  # the proleptic ordinal of day 0 of datetime64[D]
_FIRST_YEAR = 1970
_LAST_YEAR = 2199
_YEARS = _LAST_YEAR - _FIRST_YEAR + 1
_TIERS = tuple(RiskTier)
_TIER_CODES: dict[object, int] = {
    **{tier: code for code, tier in enumerate(_TIERS)},
    **{tier.value: code for code, tier in enumerate(_TIERS)},
}


def _require_numpy() -> None:
    try:
        importlib.import_module("numpy")
    except ImportError as error:
        raise ImportError(_NEEDS_NUMPY) from error


@attrs.frozen(eq=False)
class ReviewColumns:
    """The routine case reviews of many cases, one row per review, ordered by case and then
    due date.

    Attributes:
        case: The row of each review's case in the inputs (``int64``).
        due: The due date (``datetime64[D]``).
        due_at: The due instant in UTC (``datetime64[s]``): the policy's review time, local
            time in the calendar's time zone on the due date, read as
            :meth:`~casemgmt.policies.WorkingCalendar.instant` reads it.
    """

    case: NDArray[np.int64]
    due: NDArray[np.datetime64]
    due_at: NDArray[np.datetime64]

    def __len__(self) -> int:
        return int(self.case.shape[0])

    def dates_of(self, row: int) -> tuple[pendulum.Date, ...]:
        """The due dates of the case in row ``row`` of the inputs, in order.

        Args:
            row: The case's row in the inputs.

        Returns:
            Its due dates, as :class:`pendulum.Date` objects.
        """
        first = int(self.case.searchsorted(row, side="left"))
        last = int(self.case.searchsorted(row, side="right"))
        days = self.due[first:last].view("int64").tolist()
        return tuple(pendulum.Date.fromordinal(day + _EPOCH) for day in days)


@attrs.frozen(eq=False)
class CaseCycles:
    """The current review cycle of each open case on a day: the input of
    :func:`schedule_columns`.

    Attributes:
        case_ids: The cases, in the order of the input.
        anchors: The first day of each case's current cycle (``datetime64[D]``).
        tiers: Each case's risk tier on that day.
    """

    case_ids: tuple[CaseId, ...]
    anchors: NDArray[np.datetime64]
    tiers: tuple[casemgmt.model.RiskTier, ...]

    def __len__(self) -> int:
        return len(self.case_ids)


@applies("M1")
def case_cycles(
    cases: Iterable[Case], *, as_of: pendulum.Date, policy: ReviewPolicy | None = None
) -> CaseCycles:
    """The current routine-review cycle of each open case on ``as_of``.

    A cycle starts on the day the case opened, on the day of each plan version, on the
    day of each change of risk tier and, when ``policy`` pauses reviews on hold, on each
    return from a hold recorded in the case's history (the boundaries of the per-case
    :func:`~casemgmt.services.schedule`); the current one is the latest start on or before
    ``as_of``, and its tier is the one set by the latest change of tier on or before that
    start (``UNSCORED`` when none is recorded). Projecting it forward with
    :func:`schedule_columns` gives the routine reviews the case will have if nothing changes:
    a later plan revision or change of tier starts a new cycle that cannot be foreseen.

    Args:
        cases: The cases; closed ones, and ones opened after ``as_of``, are left out.
        as_of: The day asked about; plan versions and events after it are ignored.
        policy: When given, cases on hold are left out if the policy pauses routine reviews
            while a case is on hold (as the per-case schedule does).

    Returns:
        The cycles, in the order of the cases kept.

    Raises:
        ImportError: when NumPy is not installed.

    A case opened on 2 March 2026 whose risk became high on 16 March is in the cycle that
    started that day:

    >>> from casemgmt.model import CareEvent, CaseStatus, Referral
    >>> referral = Referral(id="R-1", client_id="CL-1", source_id="GP-1",
    ...                     received_on=pendulum.date(2026, 2, 20), reason="COPD")
    >>> high = CareEvent(kind=CareEventKind.RISK_TIER_CHANGE,
    ...                  occurred_on=pendulum.date(2026, 3, 16), risk_tier=RiskTier.HIGH)
    >>> case = Case(id="C-1", client_id="CL-1", programme="generic",
    ...             status=CaseStatus.ACTIVE, opened_on=pendulum.date(2026, 3, 2),
    ...             referrals=(referral,), manager_id="CM-1", events=(high,))
    >>> cycles = case_cycles([case], as_of=pendulum.date(2026, 3, 20))
    >>> cycles.case_ids, cycles.anchors.tolist(), cycles.tiers
    (('C-1',), [datetime.date(2026, 3, 16)], (<RiskTier.HIGH: 'high'>,))
    >>> case_cycles([case], as_of=pendulum.date(2026, 3, 10)).tiers
    (<RiskTier.UNSCORED: 'unscored'>,)
    """
    _require_numpy()
    import numpy as np

    paused = policy is not None and policy.pause_on_hold
    today = as_of.toordinal()
    ids: list[CaseId] = []
    anchors: list[int] = []
    tiers: list[RiskTier] = []
    for case in cases:
        opened = case.opened_on.toordinal()
        if not case.is_open or opened > today:
            continue
        if paused and case.status is CaseStatus.ON_HOLD:
            continue
        anchor = opened
        for plan in case.plans:
            created = plan.created_on.toordinal()
            if anchor < created <= today:
                anchor = created
        for event in case.events:
            if event.kind is CareEventKind.RISK_TIER_CHANGE:
                when = event.occurred_on.toordinal()
                if anchor < when <= today:
                    anchor = when
        if policy is not None:
            for when in _resumptions(case, policy):
                if anchor < when <= today:
                    anchor = when
        ids.append(case.id)
        anchors.append(anchor - _EPOCH)
        tiers.append(_tier_on(case, anchor))
    days = np.array(anchors, dtype=np.int64).view("datetime64[D]")
    return CaseCycles(case_ids=tuple(ids), anchors=days, tiers=tuple(tiers))


@applies("M1", "M2", "M3", "M7")
def schedule_columns(
    anchors: NDArray[np.datetime64] | Sequence[pendulum.Date],
    tiers: Sequence[casemgmt.model.RiskTier] | NDArray[np.str_],
    *,
    policy: ReviewPolicy,
    calendar: WorkingCalendar,
    end: pendulum.Date | NDArray[np.datetime64],
    start: pendulum.Date | NDArray[np.datetime64] | None = None,
) -> ReviewColumns:
    """The routine case reviews of many cases due from ``start`` to ``end``, as columns.

    Each case is reviewed at the cadence of its tier
    (:meth:`~casemgmt.policies.TierCadences.for_tier`) on the grid of a cycle that started
    on its anchor, exactly as the per-case :func:`~casemgmt.services.schedule` reviews a
    case whose current cycle started that day: the ``k``-th review is ``k`` cadences after
    the anchor (a month later with the day clipped to the end of a shorter month, anchored to
    the start), moved to a working day by the policy's roll (a backward move that would
    reach the anchor moves forward instead), occurrences moved onto the same day are one
    review, and a daily cadence means every working day (every day with out-of-hours cover).
    Tiers without a cadence have no reviews.

    Args:
        anchors: The first day of each case's current cycle (``datetime64[D]``, or dates).
        tiers: Each case's risk tier (:class:`~casemgmt.model.RiskTier` members, or an array
            of their values such as ``"high"``).
        policy: The programme's review policy.
        calendar: The team's working-day calendar and time zone.
        end: The last due date wanted: one day for every case, or one per case.
        start: The first due date wanted, likewise; ``None``: from the day after the anchor.

    Returns:
        One row per review, ordered by case and then due date.

    Raises:
        ImportError: when NumPy is not installed.
        ValueError: when the inputs differ in length, a tier is unknown, an anchor or window
            day is missing (``NaT``) or outside 1970-2199, or ``end`` is before ``start``.

    A high-risk case reviewed every working day and a low-risk case reviewed monthly, both
    from Friday 30 January 2026:

    >>> from casemgmt.policies import ENGLAND_AND_WALES, STANDARD_REVIEWS
    >>> day = pendulum.date(2026, 1, 30)
    >>> columns = schedule_columns(
    ...     [day, day], [RiskTier.HIGH, RiskTier.LOW], policy=STANDARD_REVIEWS,
    ...     calendar=ENGLAND_AND_WALES, end=pendulum.date(2026, 4, 5))
    >>> len(columns), [d.isoformat() for d in columns.dates_of(0)[:3]]
    (46, ['2026-02-02', '2026-02-03', '2026-02-04'])
    >>> [d.isoformat() for d in columns.dates_of(1)]
    ['2026-03-02', '2026-03-30']
    >>> [str(t) for t in columns.due_at[-2:]]  # 09:00 GMT, then 09:00 BST
    ['2026-03-02T09:00:00', '2026-03-30T08:00:00']
    """
    _require_numpy()
    import numpy as np

    anchor = _days(anchors, "anchors")
    n = int(anchor.shape[0])
    codes = _tier_codes(tiers, n)
    high = _window(end, n, "end")
    if start is None:
        low = anchor + 1
    else:
        low = _window(start, n, "start")
        if bool((high < low).any()):
            raise ValueError("end must not be before start")
        low = np.maximum(low, anchor + 1)
    empty = ReviewColumns(
        case=np.zeros(0, dtype=np.int64),
        due=np.zeros(0, dtype="datetime64[D]"),
        due_at=np.zeros(0, dtype="datetime64[s]"),
    )
    if n == 0:
        return empty
    table = _Table.of(calendar, anchor, np.maximum(high, anchor))
    forward = policy.roll is Roll.FORWARD
    counts = np.zeros(n, dtype=np.int64)
    parts: list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]] = []
    for cadence, members in _by_cadence(policy, codes):
        rows, dues = table.dues(
            cadence,
            anchor[members],
            low[members],
            high[members],
            forward=forward,
            cover=policy.out_of_hours_cover,
        )
        per_case = np.bincount(rows, minlength=members.shape[0]).astype(np.int64)
        counts[members] = per_case
        parts.append((members, per_case, dues))
    total = int(counts.sum())
    if total == 0:
        return empty
    due = _gather(counts, parts, total)
    instants = table.instants(calendar.timezone, policy.review_hour, policy.review_minute)
    at = instants[due - table.first]
    return ReviewColumns(
        case=np.repeat(np.arange(n, dtype=np.int64), counts),
        due=due.view("datetime64[D]"),
        due_at=at.view("datetime64[s]"),
    )


# ---------------------------------------------------------------------------------------
# Inputs.


def _days(values: object, name: str) -> NDArray[np.int64]:
    """Days since 1970-01-01 of a ``datetime64`` array or a sequence of dates."""
    import numpy as np

    if isinstance(values, np.ndarray):
        if values.dtype.kind != "M" or values.ndim != 1:
            raise ValueError(f"{name} must be a 1-d datetime64 array or a sequence of dates")
        days = values.astype("datetime64[D]")
        if bool(np.isnat(days).any()):
            raise ValueError(f"{name} must not hold NaT")
        result: NDArray[np.int64] = days.view(np.int64)
    elif isinstance(values, Sequence):
        ordinals: list[int] = []
        for value in values:
            if not isinstance(value, _dt.date):
                raise ValueError(f"{name} must be a datetime64 array or a sequence of dates")
            ordinals.append(value.toordinal() - _EPOCH)
        result = np.array(ordinals, dtype=np.int64)
    else:
        raise ValueError(f"{name} must be a datetime64 array or a sequence of dates")
    if result.shape[0]:
        years = result.view("datetime64[D]").astype("datetime64[Y]").view(np.int64) + 1970
        if int(years.min()) < _FIRST_YEAR or int(years.max()) > _LAST_YEAR:
            raise ValueError(f"{name}: review schedules cover {_FIRST_YEAR} to {_LAST_YEAR}")
    return result


def _window(value: object, n: int, name: str) -> NDArray[np.int64]:
    """One window bound per case: a day for every case, or one per case."""
    import numpy as np

    if isinstance(value, _dt.date):
        day = _days([value], name)
        return np.full(n, int(day[0]), dtype=np.int64)
    days = _days(value, name)
    if days.shape[0] != n:
        raise ValueError(f"{name} has {days.shape[0]} days for {n} anchors")
    return days


def _tier_codes(tiers: object, n: int) -> NDArray[np.int8]:
    """The index in :data:`_TIERS` of each case's tier."""
    import numpy as np

    if isinstance(tiers, np.ndarray) and tiers.dtype.kind == "U":
        if tiers.shape != (n,):
            raise ValueError(f"tiers has {tiers.size} values for {n} anchors")
        codes = np.full(n, -1, dtype=np.int8)
        for code, tier in enumerate(_TIERS):
            codes[tiers == tier.value] = code
        if bool((codes < 0).any()):
            unknown = str(tiers[codes < 0][0])
            raise ValueError(f"tiers: unknown risk tier {unknown!r}")
        return codes
    if not isinstance(tiers, Sequence | np.ndarray):
        raise ValueError("tiers must be a sequence of risk tiers or an array of their values")
    if len(tiers) != n:
        raise ValueError(f"tiers has {len(tiers)} values for {n} anchors")
    try:
        found = [_TIER_CODES[tier] for tier in tiers]
    except (KeyError, TypeError) as error:
        raise ValueError(f"tiers: unknown risk tier {error.args[0]!r}") from None
    return np.array(found, dtype=np.int8)


def _by_cadence(
    policy: ReviewPolicy, codes: NDArray[np.int8]
) -> list[tuple[Cadence, NDArray[np.int64]]]:
    """The cases of each distinct cadence (tiers sharing a cadence are one group)."""
    import numpy as np

    groups: dict[Cadence, list[int]] = {}
    for code, tier in enumerate(_TIERS):
        cadence = policy.cadences.for_tier(tier)
        if cadence is not None:
            groups.setdefault(cadence, []).append(code)
    found: list[tuple[Cadence, NDArray[np.int64]]] = []
    for cadence, tier_codes in groups.items():
        members = np.flatnonzero(np.isin(codes, tier_codes)).astype(np.int64)
        if members.shape[0]:
            found.append((cadence, members))
    return found


def _expand(
    counts: NDArray[np.int64], origins: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For ``counts[i]`` items of each row ``i``, numbered from ``origins[i]``: each item's
    row and its number."""
    import numpy as np

    rows = np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)
    shift = np.repeat(origins - (np.cumsum(counts) - counts), counts)
    numbers: NDArray[np.int64] = np.arange(rows.shape[0], dtype=np.int64) + shift
    return rows, numbers


def _gather(
    counts: NDArray[np.int64],
    parts: list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]],
    total: int,
) -> NDArray[np.int64]:
    """The due dates of every group placed in case order (each case is in one group)."""
    import numpy as np

    if len(parts) == 1 and parts[0][0].shape[0] == counts.shape[0]:
        return parts[0][2]  # one group holding every case: already in order
    starts = np.cumsum(counts) - counts
    due = np.empty(total, dtype=np.int64)
    for members, per_case, dues in parts:
        # Each case's rows move from where they are in the group to where they go.
        shift = starts[members] - (np.cumsum(per_case) - per_case)
        due[np.arange(dues.shape[0], dtype=np.int64) + np.repeat(shift, per_case)] = dues
    return due


# ---------------------------------------------------------------------------------------
# The working-day calendar as a NumPy business-day calendar.


@attrs.frozen(eq=False)
class _Table:
    """The calendar over the years the cases need: a ``busdaycalendar`` holding the
    non-working days of those years, their working days, and the longest stretch from one
    working day to the next (how far a move to a working day can go)."""

    busdays: np.busdaycalendar
    years: NDArray[np.bool_]  # the years covered, from :data:`_FIRST_YEAR`
    first: int  # the day (since 1970-01-01) of 1 January of the first year covered
    last: int  # the day after 31 December of the last year covered
    gap: int  # the most days from one working day to the next
    working: NDArray[np.int64]  # the working days from :attr:`first` to :attr:`last`

    @classmethod
    def of(
        cls, calendar: WorkingCalendar, earliest: NDArray[np.int64], latest: NDArray[np.int64]
    ) -> _Table:
        """The table covering each case's ``earliest`` to ``latest`` day, with enough years
        on each side for any move to a working day."""
        import numpy as np

        weekmask = "".join("0" if day in calendar.weekend else "1" for day in range(1, 8))
        first_year = _year(earliest)
        last_year = _year(latest)
        pad = 1
        while True:
            low = np.clip(first_year - pad - _FIRST_YEAR, 0, _YEARS - 1)
            high = np.clip(last_year + pad - _FIRST_YEAR + 1, 1, _YEARS)
            ends = np.bincount(low, minlength=_YEARS + 1) - np.bincount(high, minlength=_YEARS + 1)
            years = np.cumsum(ends)[:_YEARS] > 0
            table = cls._build(calendar, weekmask, years)
            if 2 * table.gap + 62 <= 365 * pad or pad * 365 > _YEARS * 366:
                return table
            pad += 1 + (2 * table.gap + 62) // 365

    @classmethod
    def _build(cls, calendar: WorkingCalendar, weekmask: str, years: NDArray[np.bool_]) -> _Table:
        import numpy as np

        covered = [int(y) + _FIRST_YEAR for y in np.flatnonzero(years)]
        closed: set[int] = set()
        for year in covered:
            closed.update(day.toordinal() for day in calendar.bank_holidays(year))
        low = _dt.date(covered[0], 1, 1).toordinal()
        high = _dt.date(covered[-1] + 1, 1, 1).toordinal()
        closed.update(d.toordinal() for d in calendar.closures if low <= d.toordinal() < high)
        holidays = np.array(sorted(closed), dtype=np.int64) - _EPOCH
        busdays = np.busdaycalendar(weekmask=weekmask, holidays=holidays.view("datetime64[D]"))
        first, last = low - _EPOCH, high - _EPOCH
        days = np.arange(first, last, dtype=np.int64).view("datetime64[D]")
        working = np.flatnonzero(np.is_busday(days, busdaycal=busdays))
        gap = int(np.diff(working).max()) if working.shape[0] > 1 else last - first
        if working.shape[0]:
            gap = max(gap, int(working[0]) + 1, last - first - int(working[-1]))
        return cls(
            busdays=busdays, years=years, first=first, last=last, gap=gap, working=working + first
        )

    def roll(self, days: NDArray[np.int64], forward: bool) -> NDArray[np.int64]:
        """Each day if a working day, else the next (``forward``) or previous working day."""
        import numpy as np

        rolled = np.busday_offset(
            days.view("datetime64[D]"),
            0,
            roll="forward" if forward else "backward",
            busdaycal=self.busdays,
        )
        result: NDArray[np.int64] = rolled.view(np.int64)
        return result

    def dues(
        self,
        cadence: Cadence,
        anchor: NDArray[np.int64],
        low: NDArray[np.int64],
        high: NDArray[np.int64],
        *,
        forward: bool,
        cover: bool,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The due dates from ``low`` to ``high`` of cycles of ``cadence`` started on each
        ``anchor`` (``low`` is after the anchor): each due date's row and the dates, in
        order."""
        import numpy as np

        if cadence.is_daily:
            if cover:
                return _expand(np.maximum(high - low + 1, 0), low)
            # The working days from ``low`` to ``high``: a slice of the table's working days.
            first = self.working.searchsorted(low, side="left")
            counts = np.maximum(self.working.searchsorted(high, side="right") - first, 0)
            rows, index = _expand(counts, first)
            return rows, self.working[index]
        # An occurrence moves by less than ``gap`` days: forward never before its nominal
        # date, backward never after it unless the move would reach the anchor.
        ahead = 0 if forward else self.gap
        if cadence.days:
            step = cadence.days
            k_low = np.maximum(1, -((anchor - low + self.gap) // step))
            k_high = (high + ahead - anchor) // step
            rows, k = _expand(np.maximum(k_high - k_low + 1, 0), k_low)
            nominal = anchor[rows] + k * step
        else:
            months = cadence.months
            anchor_month = _month(anchor)
            day = anchor - _month_start(anchor_month)
            k_low = np.maximum(1, -((anchor_month - _month(low - self.gap)) // months))
            k_high = (_month(high + ahead) - anchor_month) // months
            rows, k = _expand(np.maximum(k_high - k_low + 1, 0), k_low)
            month = anchor_month[rows] + k * months
            start = _month_start(month)
            length = _month_start(month + 1) - start
            nominal = start + np.minimum(day[rows], length - 1)
        due = self.roll(nominal, forward)
        if not forward:
            early = due <= anchor[rows]
            if bool(early.any()):
                due[early] = self.roll(nominal[early], forward=True)
        # Due dates rise with k; an occurrence moved onto the previous one's day is merged.
        keep = (due >= low[rows]) & (due <= high[rows])
        keep[1:] &= (due[1:] != due[:-1]) | (rows[1:] != rows[:-1])
        return rows[keep], due[keep]

    def instants(self, timezone: str, hour: int, minute: int) -> NDArray[np.int64]:
        """For each day from :attr:`first`, the instant (seconds since the epoch) of
        ``hour:minute`` local time in ``timezone``, read as RFC 5545 reads it (the first of a
        repeated time, the offset before a gap), for the years covered."""
        import numpy as np

        zone = pendulum.timezone(timezone)
        offsets = np.zeros(self.last - self.first, dtype=np.int64)
        for index in np.flatnonzero(self.years).tolist():
            year = index + _FIRST_YEAR
            base = _dt.date(year, 1, 1).toordinal() - _EPOCH - self.first
            length = _dt.date(year + 1, 1, 1).toordinal() - _dt.date(year, 1, 1).toordinal()
            offsets[base : base + length] = [
                _utc_offset(year, day, hour, minute, zone) for day in range(length)
            ]
        local = (
            np.arange(self.first, self.last, dtype=np.int64) * 86_400 + (hour * 60 + minute) * 60
        )
        instants: NDArray[np.int64] = local - offsets
        return instants


def _utc_offset(year: int, day: int, hour: int, minute: int, zone: _dt.tzinfo) -> int:
    """The UTC offset in seconds of ``hour:minute`` on day ``day`` (from 0) of ``year``;
    ``fold=0`` reads a repeated time as the first and a skipped one with the offset before
    the gap (PEP 495), as RFC 5545 reads them."""
    date = _dt.date.fromordinal(_dt.date(year, 1, 1).toordinal() + day)
    local = _dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=zone)
    offset = local.utcoffset()
    return 0 if offset is None else int(offset.total_seconds())


def _year(days: NDArray[np.int64]) -> NDArray[np.int64]:
    import numpy as np

    years: NDArray[np.int64] = days.view("datetime64[D]").astype("datetime64[Y]").view(np.int64)
    return years + 1970


def _month(days: NDArray[np.int64]) -> NDArray[np.int64]:
    """Months since January 1970 of each day."""
    import numpy as np

    months: NDArray[np.int64] = days.view("datetime64[D]").astype("datetime64[M]").view(np.int64)
    return months


def _month_start(months: NDArray[np.int64]) -> NDArray[np.int64]:
    """The day of the first of each month (months since January 1970)."""
    import numpy as np

    days: NDArray[np.int64] = months.view("datetime64[M]").astype("datetime64[D]").view(np.int64)
    return days
