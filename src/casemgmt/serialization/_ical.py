"""iCalendar (RFC 5545) export of review schedules: one event per review due, for a case
manager's calendar application.

The file is written by hand (no dependency): ``VCALENDAR`` with a ``VTIMEZONE`` for the
calendar's time zone and one ``VEVENT`` per entry. Every line ends in CRLF and is folded
at 75 octets of UTF-8 without splitting a character; text values are escaped (backslash,
semicolon, comma, line breaks), and control characters, which RFC 5545 text cannot hold,
are left out.

Time zones
    For ``Europe/London`` the ``VTIMEZONE`` is the usual pair of rules: GMT to BST at
    01:00 GMT on the last Sunday of March, back at 02:00 BST on the last Sunday of October
    (the rule since 1996; a file with an entry before 1997 gets the London transitions
    instead, as below). For any other zone the ``VTIMEZONE`` lists the zone's own
    transitions from the time-zone database, one observance each, from the year before the
    first entry to the year after the last, so the file is exact for every entry in it.

Times
    ``DTSTART`` is the local time of the entry's instant in the calendar's zone, with its
    ``TZID``. RFC 5545 reads a local time that happens twice (when the clocks go back) as
    the first of the two, as :meth:`~casemgmt.policies.WorkingCalendar.instant` does; an
    instant in the second of them is written in UTC (``...Z``) so it is never misread.

Identifiers
    ``UID`` is ``{case_id}-{kind}-{due:%Y%m%d}@casemgmt``, with ``-2``, ``-3`` ... before
    the ``@`` for the second and later entries of the same case, kind and day (two goals due
    the same day). Entries are written in order of instant, case, kind, title and goal, so
    the same entries in any order give the same file.

No personal data
    ``SUMMARY`` is the case id and the entry's title, ``DESCRIPTION`` the rule, the goal's
    id for a goal's due date and, for an item from a clock, the clock's key, allowance and
    source and whether its figure is verified: schedule
    entries carry no name, NHS number or address, and the file adds none.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Iterator

import pendulum

from casemgmt.policies import WorkingCalendar
from casemgmt.services import DueKind, DueReview, ScheduledReview

__all__ = ["to_icalendar"]

PRODID = "-//casemgmt//reviews//EN"
"""The ``PRODID`` of every file written."""

_LONDON = "Europe/London"
_LONDON_RULES_FROM = 1997  # the first whole year under the rule of the London VTIMEZONE
_LONDON_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    "TZID:Europe/London",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19960331T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19961027T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)
_LINE_OCTETS = 75
_SCAN_STEP = 6 * 3600  # seconds between the offsets compared when looking for transitions
_KIND_ORDER = {kind: index for index, kind in enumerate(DueKind)}
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_BREAK = re.compile("\r\n|\r|\n")


def to_icalendar(
    entries: Iterable[ScheduledReview | DueReview],
    *,
    calendar: WorkingCalendar,
    stamp: pendulum.DateTime,
    name: str = "casemgmt reviews",
    duration_minutes: int = 30,
) -> str:
    """The entries as an iCalendar file (RFC 5545): one event each, in the calendar's zone.

    Args:
        entries: Schedule entries (:meth:`casemgmt.services.ReviewSchedule.items`) or items
            due (:attr:`casemgmt.services.ReviewsDue.items`), in any order.
        calendar: The calendar the entries were scheduled on: its time zone is the file's.
        stamp: When the file is made (``DTSTAMP``, written in UTC). The library never reads
            the clock: pass the instant, such as the day reported on at midnight UTC, to
            make the same file from the same entries.
        name: The calendar's name (``X-WR-CALNAME``).
        duration_minutes: How long each event lasts (``DURATION``), 1 or more.

    Returns:
        The file's text, with CRLF line endings: write it as UTF-8 without translating
        newlines (``Path.write_bytes(text.encode())`` or ``open(..., newline="")``).

    Raises:
        ValueError: when ``stamp`` or an entry's ``due_at`` has no time zone, or
            ``duration_minutes`` is less than 1.

    >>> from casemgmt.model import CaseId
    >>> from casemgmt.policies import ENGLAND_AND_WALES
    >>> day = pendulum.date(2026, 11, 23)
    >>> entry = ScheduledReview(
    ...     case_id=CaseId("VW-0101"), manager_id=None, kind=DueKind.CASE_REVIEW,
    ...     title="daily case review", rule_id="M2", due=day,
    ...     due_at=ENGLAND_AND_WALES.instant(day, 9))
    >>> text = to_icalendar([entry], calendar=ENGLAND_AND_WALES,
    ...                     stamp=pendulum.datetime(2026, 11, 23))
    >>> event = text.split("BEGIN:VEVENT\\r\\n")[1]
    >>> print(event.replace("\\r\\n", "\\n"), end="")
    UID:VW-0101-case-review-20261123@casemgmt
    DTSTAMP:20261123T000000Z
    DTSTART;TZID=Europe/London:20261123T090000
    DURATION:PT30M
    SUMMARY:VW-0101: daily case review
    CATEGORIES:case-review
    DESCRIPTION:Rule: M2
    END:VEVENT
    END:VCALENDAR
    """
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError("stamp must be an aware instant")
    if duration_minutes < 1:
        raise ValueError("duration_minutes must be 1 or more")
    zone_name = calendar.timezone
    zone = pendulum.timezone(zone_name)
    ordered = sorted(entries, key=_order)
    starts = [_local(entry.due_at, zone) for entry in ordered]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{escape_text(zone_name)}",
    ]
    years = [start.year for start in starts] or [stamp.year]
    lines.extend(_vtimezone(zone_name, zone, min(years), max(years)))
    stamp_text = _utc_text(stamp)
    used: set[str] = set()
    for entry, start in zip(ordered, starts, strict=True):
        lines.extend(
            _vevent(
                entry,
                start,
                zone_name=zone_name,
                zone=zone,
                uid=_uid(entry, used),
                stamp=stamp_text,
                duration=duration_minutes,
            )
        )
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)


# ---------------------------------------------------------------------- text


def escape_text(value: str) -> str:
    """``value`` as an RFC 5545 ``TEXT`` value: backslash, semicolon and comma escaped,
    each line break (CRLF, CR or LF) written ``\\n``, control characters left out.

    >>> print(escape_text("Ward 3; bay 2, bed 1\\nA\\\\B"))
    Ward 3\\; bay 2\\, bed 1\\nA\\\\B
    """
    text = _UNSAFE.sub("", value)
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _LINE_BREAK.sub("\\\\n", text)


def fold_line(line: str) -> str:
    """``line`` folded into lines of at most 75 octets of UTF-8 (RFC 5545, 3.1): each
    continuation starts with a space, and no character is split across lines.

    >>> folded = fold_line("SUMMARY:" + "é" * 40)
    >>> [len(part.encode()) for part in folded.split("\\r\\n")]
    [74, 15]
    """
    data = line.encode("utf-8")
    if len(data) <= _LINE_OCTETS:
        return line
    parts: list[str] = []
    start = 0
    room = _LINE_OCTETS
    while start < len(data):
        end = min(start + room, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a continuation byte
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start = end
        room = _LINE_OCTETS - 1  # the leading space of a continuation line
    return "\r\n ".join(parts)


# ---------------------------------------------------------------------- events


def _order(entry: ScheduledReview | DueReview) -> tuple[object, ...]:
    due_at = entry.due_at
    if due_at.tzinfo is None or due_at.utcoffset() is None:
        raise ValueError(f"{entry.case_id}: due_at must be an aware instant")
    return (
        due_at.timestamp(),
        str(entry.case_id),
        _KIND_ORDER[entry.kind],
        entry.title,
        str(entry.goal_id or ""),
        entry.rule_id or "",
    )


def _local(moment: _dt.datetime, zone: _dt.tzinfo) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(moment.timestamp(), zone)


def _uid(entry: ScheduledReview | DueReview, used: set[str]) -> str:
    base = f"{entry.case_id}-{entry.kind.value}-{entry.due.strftime('%Y%m%d')}"
    uid = base
    number = 1
    while uid in used:
        number += 1
        uid = f"{base}-{number}"
    used.add(uid)
    return f"{uid}@casemgmt"


def _vevent(
    entry: ScheduledReview | DueReview,
    start: _dt.datetime,
    *,
    zone_name: str,
    zone: _dt.tzinfo,
    uid: str,
    stamp: str,
    duration: int,
) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid)}",
        f"DTSTAMP:{stamp}",
        _dtstart(start, zone_name, zone),
        f"DURATION:PT{duration}M",
        f"SUMMARY:{escape_text(f'{entry.case_id}: {entry.title}')}",
        f"CATEGORIES:{escape_text(entry.kind.value)}",
        f"DESCRIPTION:{escape_text(_description(entry))}",
        "END:VEVENT",
    ]


def _dtstart(start: _dt.datetime, zone_name: str, zone: _dt.tzinfo) -> str:
    wall = start.replace(tzinfo=None)
    # RFC 5545 reads a repeated local time as its first occurrence.
    if wall.replace(tzinfo=zone, fold=0).timestamp() == start.timestamp():
        return f"DTSTART;TZID={zone_name}:{_local_text(wall)}"
    return f"DTSTART:{_utc_text(start)}"


def _description(entry: ScheduledReview | DueReview) -> str:
    lines = [f"Rule: {entry.rule_id or 'none'}"]
    if entry.goal_id is not None:
        lines.append(f"Goal: {entry.goal_id}")
    clock = entry.clock
    if clock is not None:
        lines.append(f"Clock: {clock.key} ({clock})")
        lines.append(f"Source: {clock.source}")
        lines.append("Verified: yes" if clock.verified else "Verified: no (unverified figure)")
    return "\n".join(lines)


def _local_text(moment: _dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _utc_text(moment: _dt.datetime) -> str:
    return moment.astimezone(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")


# ---------------------------------------------------------------------- time zones


def _vtimezone(name: str, zone: _dt.tzinfo, first_year: int, last_year: int) -> list[str]:
    if name == _LONDON and first_year >= _LONDON_RULES_FROM:
        return list(_LONDON_VTIMEZONE)
    low = _dt.datetime(max(1, first_year - 1), 1, 1, tzinfo=_dt.UTC)
    high = _dt.datetime(min(9999, last_year + 1), 12, 31, tzinfo=_dt.UTC)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{escape_text(name)}"]
    initial = _dt.datetime.fromtimestamp(low.timestamp(), zone)
    offset = _offset(initial)
    lines += _observance(initial, offset, offset)
    for moment, before in _transitions(zone, int(low.timestamp()), int(high.timestamp())):
        after = _dt.datetime.fromtimestamp(moment, zone)
        lines += _observance(after, before, _offset(after))
    lines.append("END:VTIMEZONE")
    return lines


def _offset(moment: _dt.datetime) -> _dt.timedelta:
    offset = moment.utcoffset()
    assert offset is not None  # an aware datetime of a tzinfo that gives offsets
    return offset


def _transitions(zone: _dt.tzinfo, low: int, high: int) -> Iterator[tuple[int, _dt.timedelta]]:
    """Each change of UTC offset from ``low`` to ``high`` (POSIX seconds): the first second
    of the new offset, and the offset before it."""

    def offset_at(second: int) -> _dt.timedelta:
        return _offset(_dt.datetime.fromtimestamp(second, zone))

    previous = low
    before = offset_at(low)
    while previous < high:
        current = min(previous + _SCAN_STEP, high)
        now = offset_at(current)
        if now != before:
            old, new = previous, current
            while new - old > 1:
                middle = (old + new) // 2
                if offset_at(middle) == before:
                    old = middle
                else:
                    new = middle
            yield new, before
            before = offset_at(new)
            current = new
        previous = current


def _observance(after: _dt.datetime, before: _dt.timedelta, offset: _dt.timedelta) -> list[str]:
    kind = "DAYLIGHT" if after.dst() else "STANDARD"
    onset = after.astimezone(_dt.UTC).replace(tzinfo=None) + before
    return [
        f"BEGIN:{kind}",
        f"TZOFFSETFROM:{_offset_text(before)}",
        f"TZOFFSETTO:{_offset_text(offset)}",
        f"TZNAME:{escape_text(after.tzname() or _offset_text(offset))}",
        f"DTSTART:{_local_text(onset)}",
        f"END:{kind}",
    ]


def _offset_text(offset: _dt.timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{hours:02d}{minutes:02d}"
    return f"{text}{seconds:02d}" if seconds else text
