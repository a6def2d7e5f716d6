"""iCalendar export: every event starts at its entry's instant (across the clock changes, in
London and elsewhere), UIDs are unique, lines are folded and escaped as RFC 5545 says, and
the file is the same whenever it is made from the same entries.

Files are read back with the ``icalendar`` package, both with its own time-zone database
and with the ``VTIMEZONE`` the file carries.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import icalendar
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.model import (
    CareEvent,
    CareEventKind,
    CarePlan,
    CarePlanId,
    CarePlanStatus,
    Case,
    CaseId,
    CaseManagerId,
    CaseRecord,
    CaseStatus,
    ClientId,
    DateRange,
    Goal,
    GoalDomain,
    GoalId,
    GoalLifecycleStatus,
    Referral,
    ReferralId,
    ReferralSourceId,
    RiskTier,
)
from casemgmt.policies import (
    ENGLAND_AND_WALES,
    REHABILITATION_CODE_CLOCKS,
    URGENT_REVIEW,
    VIRTUAL_WARD_REVIEWS,
    Clock,
    ReviewPolicy,
    WorkingCalendar,
)
from casemgmt.serialization import load_json, to_icalendar
from casemgmt.serialization._ical import escape_text, fold_line
from casemgmt.services import DueKind, DueReview, ScheduledReview, reviews_due, schedule

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STAMP = pendulum.datetime(2026, 3, 1, 8, 30)
LONDON = ENGLAND_AND_WALES
SPRING_WEEK = (pendulum.date(2026, 3, 27), pendulum.date(2026, 4, 2))
AUTUMN_WEEK = (pendulum.date(2026, 10, 23), pendulum.date(2026, 10, 29))
SPRING_SUNDAY = pendulum.date(2026, 3, 29)
AUTUMN_SUNDAY = pendulum.date(2026, 10, 25)
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# ----------------------------------------------------------------------- helpers


def _entry(
    due: pendulum.Date,
    *,
    case_id: str = "VW-0001",
    kind: DueKind = DueKind.CASE_REVIEW,
    title: str = "daily case review",
    rule_id: str | None = "M2",
    hour: int = 9,
    minute: int = 0,
    calendar: WorkingCalendar = LONDON,
    clock: Clock | None = None,
    goal_id: str | None = None,
) -> ScheduledReview:
    return ScheduledReview(
        case_id=CaseId(case_id),
        manager_id=CaseManagerId("CM-01"),
        kind=kind,
        title=title,
        rule_id=rule_id,
        due=due,
        due_at=calendar.instant(due, hour, minute),
        clock=clock,
        goal_id=None if goal_id is None else GoalId(goal_id),
    )


def _high_risk_case(opened: pendulum.Date, *, admitted: pendulum.Date | None = None) -> Case:
    referral = Referral(
        id=ReferralId("R-1"),
        client_id=ClientId("CL-1"),
        source_id=ReferralSourceId("GP-1"),
        received_on=opened.subtract(days=3),
        reason="heart failure",
    )
    events = [
        CareEvent(kind=CareEventKind.RISK_TIER_CHANGE, occurred_on=opened, risk_tier=RiskTier.HIGH)
    ]
    if admitted is not None:
        events.append(CareEvent(kind=CareEventKind.HOSPITAL_ADMISSION, occurred_on=admitted))
    return Case(
        id=CaseId("VW-0001"),
        client_id=ClientId("CL-1"),
        programme="virtual-ward",
        status=CaseStatus.ACTIVE,
        opened_on=opened,
        referrals=(referral,),
        manager_id=CaseManagerId("CM-01"),
        events=tuple(events),
    )


def _every_day_at(hour: int, minute: int) -> ReviewPolicy:
    """Daily rounds on every day (out-of-hours cover, M7) at ``hour:minute``."""
    return attrs.evolve(
        VIRTUAL_WARD_REVIEWS.with_cover(), review_hour=hour, review_minute=minute
    ).with_initial_assessment(None)


def _parse(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text)


def _events(calendar: icalendar.Calendar) -> list[Any]:
    return list(calendar.walk("VEVENT"))


def _start(event: Any) -> _dt.datetime:
    start = event.decoded("DTSTART")
    assert isinstance(start, _dt.datetime)
    assert start.tzinfo is not None
    return start


def _start_by_own_timezone(parsed: icalendar.Calendar, event: Any) -> _dt.datetime:
    """DTSTART read with the file's own VTIMEZONE, not the reader's time-zone database."""
    start = _start(event)
    if "TZID" not in event["DTSTART"].params:
        return start
    (zone,) = parsed.walk("VTIMEZONE")
    assert isinstance(zone, icalendar.Timezone)
    own = zone.to_tz(lookup_tzid=False)
    return start.replace(tzinfo=None).replace(tzinfo=own, fold=0)


def _calendar_name(parsed: icalendar.Calendar) -> str:
    """X-WR-CALNAME, unescaped (icalendar leaves an X- property's value as it was read)."""
    return _unescape(str(parsed["X-WR-CALNAME"]))


def _unescape(value: str) -> str:
    """An RFC 5545 TEXT value read back (3.3.11)."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def _lines(text: str) -> list[str]:
    assert text.endswith("\r\n")
    return text[:-2].split("\r\n")


def _unfold(text: str) -> list[str]:
    return _lines(text.replace("\r\n ", ""))


def _assert_starts_match(text: str, entries: Sequence[ScheduledReview | DueReview]) -> None:
    parsed = _parse(text)
    events = _events(parsed)
    assert len(events) == len(entries)
    by_uid_order = sorted(entries, key=lambda e: (e.due_at.timestamp(), e.case_id, e.title))
    for entry, event in zip(by_uid_order, events, strict=True):
        assert _start(event).timestamp() == entry.due_at.timestamp(), event["UID"]
        assert _start_by_own_timezone(parsed, event).timestamp() == entry.due_at.timestamp()


# ----------------------------------------------------------------------- the calendar


def test_the_calendar_has_its_properties_and_the_london_rules() -> None:
    text = to_icalendar([_entry(pendulum.date(2026, 11, 23))], calendar=LONDON, stamp=STAMP)
    lines = _lines(text)
    assert lines[:6] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//casemgmt//reviews//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:casemgmt reviews",
        "X-WR-TIMEZONE:Europe/London",
    ]
    assert lines[-1] == "END:VCALENDAR"
    zone = lines[lines.index("BEGIN:VTIMEZONE") : lines.index("END:VTIMEZONE") + 1]
    assert zone == [
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
    ]
    (event,) = _events(_parse(text))
    assert event["SUMMARY"] == "VW-0001: daily case review"
    assert event["CATEGORIES"].cats == ["case-review"]
    assert event.decoded("DURATION") == _dt.timedelta(minutes=30)
    assert event["DESCRIPTION"] == "Rule: M2"
    assert "DTSTART;TZID=Europe/London:20261123T090000" in lines


def test_every_line_ends_in_crlf() -> None:
    entries = [
        _entry(pendulum.date(2026, 11, d), title="review, with; text\nand more") for d in (2, 3)
    ]
    text = to_icalendar(entries, calendar=LONDON, stamp=STAMP)
    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")


def test_the_duration_is_the_one_asked_for() -> None:
    text = to_icalendar(
        [_entry(pendulum.date(2026, 11, 23))], calendar=LONDON, stamp=STAMP, duration_minutes=45
    )
    assert "DURATION:PT45M" in _lines(text)


def test_an_empty_schedule_is_a_calendar_without_events() -> None:
    parsed = _parse(to_icalendar([], calendar=LONDON, stamp=STAMP, name="Nothing, yet"))
    assert _events(parsed) == []
    assert _calendar_name(parsed) == "Nothing, yet"


# ----------------------------------------------------------------------- instants


@pytest.mark.parametrize("week", [SPRING_WEEK, AUTUMN_WEEK], ids=["spring", "autumn"])
@pytest.mark.parametrize(("hour", "minute"), [(9, 0), (1, 30), (2, 30), (0, 0), (23, 45)])
def test_events_start_at_their_instants_in_the_weeks_of_the_clock_changes(
    week: tuple[pendulum.Date, pendulum.Date], hour: int, minute: int
) -> None:
    first, last = week
    case = _high_risk_case(first.subtract(days=14))
    planned = schedule(
        case,
        policy=_every_day_at(hour, minute),
        calendar=LONDON,
        start=first,
        end=last,
    )
    items = planned.items()
    assert len({i.due for i in items}) == 7  # every day of the week, the Sunday included
    text = to_icalendar(items, calendar=LONDON, stamp=STAMP)
    _assert_starts_match(text, items)


def test_a_review_at_0130_on_the_sundays_the_clocks_change() -> None:
    entries = [_entry(d, hour=1, minute=30) for d in (SPRING_SUNDAY, AUTUMN_SUNDAY)]
    # RFC 5545: 01:30 does not exist in spring (read as 02:30 BST); in autumn it happens
    # twice, and is the first of the two (BST).
    spring, autumn = (e.due_at.in_timezone("UTC") for e in entries)
    assert (spring.hour, spring.minute) == (1, 30)
    assert (autumn.hour, autumn.minute) == (0, 30)
    text = to_icalendar(entries, calendar=LONDON, stamp=STAMP)
    assert "DTSTART;TZID=Europe/London:20260329T023000" in _lines(text)
    assert "DTSTART;TZID=Europe/London:20261025T013000" in _lines(text)
    _assert_starts_match(text, entries)


def test_the_second_0130_of_the_autumn_sunday_is_written_in_utc() -> None:
    second = pendulum.datetime(2026, 10, 25, 1, 30, tz="Europe/London", fold=1)
    assert second.utcoffset() == _dt.timedelta(0)
    entry = attrs.evolve(_entry(AUTUMN_SUNDAY), due_at=second)
    text = to_icalendar([entry], calendar=LONDON, stamp=STAMP)
    assert "DTSTART:20261025T013000Z" in _lines(text)
    _assert_starts_match(text, [entry])


def test_an_instant_in_another_zone_is_written_in_the_calendars_zone() -> None:
    entry = attrs.evolve(
        _entry(pendulum.date(2026, 7, 1)),
        due_at=pendulum.datetime(2026, 7, 1, 4, 0, tz="America/New_York"),
    )
    text = to_icalendar([entry], calendar=LONDON, stamp=STAMP)
    assert "DTSTART;TZID=Europe/London:20260701T090000" in _lines(text)
    _assert_starts_match(text, [entry])


def test_items_due_start_at_their_instants() -> None:
    """DueReview items (overdue and due) are exported as well as schedule entries."""
    case = _high_risk_case(pendulum.date(2026, 3, 16), admitted=pendulum.date(2026, 3, 27))
    due = reviews_due(
        [case],
        policy=VIRTUAL_WARD_REVIEWS,
        calendar=LONDON,
        as_of=pendulum.date(2026, 3, 30),
        until=pendulum.date(2026, 4, 5),
    )
    assert due.overdue
    assert due.due
    text = to_icalendar(due.items, calendar=LONDON, stamp=STAMP)
    _assert_starts_match(text, due.items)


@pytest.mark.parametrize(
    "zone",
    ["America/New_York", "Australia/Sydney", "Asia/Kolkata", "Europe/Dublin", "UTC"],
)
def test_other_zones_carry_their_own_transitions(zone: str) -> None:
    calendar = WorkingCalendar(timezone=zone)
    days = [pendulum.date(2026, m, d) for m, d in ((3, 8), (4, 5), (10, 4), (11, 1), (12, 31))]
    entries = [_entry(d, hour=h, minute=30, calendar=calendar) for d in days for h in (1, 2, 9)]
    text = to_icalendar(entries, calendar=calendar, stamp=STAMP)
    assert f"TZID:{zone}" in _lines(text)
    assert "RRULE" not in text
    _assert_starts_match(text, entries)


def test_london_before_the_current_rules_carries_its_transitions() -> None:
    """The London rule of the VTIMEZONE dates from 1996; earlier entries get the zone's own
    transitions (1985 changed in October on the fourth Sunday, not the last)."""
    days = [pendulum.date(1985, 10, 27), pendulum.date(1985, 10, 20), pendulum.date(1995, 10, 22)]
    entries = [_entry(d, hour=h, calendar=LONDON) for d in days for h in (0, 1, 9)]
    text = to_icalendar(entries, calendar=LONDON, stamp=STAMP)
    assert "RRULE" not in text
    _assert_starts_match(text, entries)


# ----------------------------------------------------------------------- identifiers


def test_uids_are_stable_and_unique() -> None:
    day = pendulum.date(2026, 11, 27)
    entries = [
        _entry(day, kind=DueKind.GOAL_DUE, title="goal due", rule_id=None, goal_id="G-A"),
        _entry(day, kind=DueKind.GOAL_DUE, title="goal due", rule_id=None, goal_id="G-B"),
        _entry(day, kind=DueKind.GOAL_DUE, title="goal due", rule_id=None, goal_id="G-C"),
        _entry(day),
        _entry(day, case_id="VW-0002"),
    ]
    events = _events(_parse(to_icalendar(entries, calendar=LONDON, stamp=STAMP)))
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    assert sorted(uids) == [
        "VW-0001-case-review-20261127@casemgmt",
        "VW-0001-goal-due-20261127-2@casemgmt",
        "VW-0001-goal-due-20261127-3@casemgmt",
        "VW-0001-goal-due-20261127@casemgmt",
        "VW-0002-case-review-20261127@casemgmt",
    ]
    goals = {str(e["UID"]): str(e["DESCRIPTION"]) for e in events}
    assert goals["VW-0001-goal-due-20261127@casemgmt"] == "Rule: none\nGoal: G-A"


def test_the_same_entries_in_any_order_give_the_same_file() -> None:
    case = _high_risk_case(pendulum.date(2026, 10, 1), admitted=pendulum.date(2026, 10, 20))
    items = schedule(
        case,
        policy=VIRTUAL_WARD_REVIEWS,
        calendar=LONDON,
        start=pendulum.date(2026, 10, 1),
        end=pendulum.date(2026, 12, 31),
    ).items()
    text = to_icalendar(items, calendar=LONDON, stamp=STAMP)
    assert to_icalendar(items, calendar=LONDON, stamp=STAMP) == text
    assert to_icalendar(reversed(items), calendar=LONDON, stamp=STAMP) == text
    assert to_icalendar(iter(items[1::2] + items[::2]), calendar=LONDON, stamp=STAMP) == text


# ----------------------------------------------------------------------- DTSTAMP


@pytest.mark.parametrize(
    "stamp",
    [
        pendulum.datetime(2026, 11, 23),
        pendulum.datetime(2026, 7, 1, 10, 15, 5, tz="Europe/London"),
        pendulum.datetime(2026, 12, 31, 23, 30, tz="Pacific/Auckland"),
    ],
)
def test_dtstamp_is_the_given_stamp_in_utc(stamp: pendulum.DateTime) -> None:
    text = to_icalendar([_entry(pendulum.date(2026, 11, 23))], calendar=LONDON, stamp=stamp)
    utc = stamp.in_timezone("UTC")
    assert f"DTSTAMP:{utc.format('YYYYMMDD[T]HHmmss')}Z" in _lines(text)
    (event,) = _events(_parse(text))
    assert event.decoded("DTSTAMP").timestamp() == stamp.timestamp()


def test_a_stamp_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="stamp"):
        to_icalendar([], calendar=LONDON, stamp=pendulum.naive(2026, 11, 23))


def test_an_entry_without_a_zone_is_refused() -> None:
    naive = attrs.evolve(_entry(pendulum.date(2026, 11, 23)), due_at=pendulum.naive(2026, 11, 23))
    with pytest.raises(ValueError, match="due_at"):
        to_icalendar([naive], calendar=LONDON, stamp=STAMP)


def test_an_event_lasts_a_minute_at_least() -> None:
    with pytest.raises(ValueError, match="duration"):
        to_icalendar([], calendar=LONDON, stamp=STAMP, duration_minutes=0)


# ----------------------------------------------------------------------- description


@pytest.mark.parametrize("clock", [URGENT_REVIEW, REHABILITATION_CODE_CLOCKS[0]])
def test_clock_items_say_where_their_figure_comes_from(clock: Clock) -> None:
    entry = _entry(
        pendulum.date(2026, 11, 23),
        kind=DueKind.URGENT_REVIEW if clock is URGENT_REVIEW else DueKind.DEADLINE,
        title=clock.title,
        rule_id=clock.rule_id,
        clock=clock,
    )
    (event,) = _events(_parse(to_icalendar([entry], calendar=LONDON, stamp=STAMP)))
    verified = "Verified: yes" if clock.verified else "Verified: no (unverified figure)"
    assert str(event["DESCRIPTION"]).split("\n") == [
        f"Rule: {clock.rule_id or 'none'}",
        f"Clock: {clock.key} ({clock})",
        f"Source: {clock.source}",
        verified,
    ]
    assert event["SUMMARY"] == f"VW-0001: {clock.title}"


def test_no_personal_data_reaches_the_file() -> None:
    record = load_json(
        CaseRecord, (EXAMPLES / "virtual-ward-older-person.json").read_text(encoding="utf-8")
    )
    case = record.case
    items = schedule(
        case,
        policy=VIRTUAL_WARD_REVIEWS,
        calendar=LONDON,
        start=case.opened_on,
        end=case.opened_on.add(months=6),
    ).items()
    assert items
    text = to_icalendar(items, calendar=LONDON, stamp=STAMP)
    client = record.client
    unfolded = "\n".join(_unfold(text))
    personal = [client.name.given, client.name.family, str(client.id)]
    if client.nhs_number is not None:
        personal.append(client.nhs_number.value)
    if client.address is not None and client.address.postcode:
        personal.append(client.address.postcode)
    for value in personal:
        assert value not in unfolded
    for referral in case.referrals:
        assert referral.reason[:20] not in unfolded


# ----------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain", "plain"),
        ("a,b;c", "a\\,b\\;c"),
        ("back\\slash", "back\\\\slash"),
        ("one\ntwo\r\nthree\rfour", "one\\ntwo\\nthree\\nfour"),
        ("tab\tkept", "tab\tkept"),
        ("bell\x07 and nul\x00 dropped", "bell and nul dropped"),
        ("\\n is not a line break", "\\\\n is not a line break"),
    ],
)
def test_text_is_escaped(raw: str, escaped: str) -> None:
    assert escape_text(raw) == escaped


@pytest.mark.parametrize(
    "title",
    [
        "review; with, punctuation",
        "C:\\path\\to; a, file",
        "first line\nsecond line\nthird; line",
        "urgent review after A&E attendance on 2026-11-19",
        "révision du plan — 护理计划评审 🩺",
    ],
)
def test_escaped_text_reads_back_unchanged(title: str) -> None:
    entry = _entry(pendulum.date(2026, 11, 23), title=title)
    (event,) = _events(_parse(to_icalendar([entry], calendar=LONDON, stamp=STAMP, name=title)))
    assert str(event["SUMMARY"]) == f"VW-0001: {title}"


def _expected_text(raw: str) -> str:
    return CONTROL.sub("", raw).replace("\r\n", "\n").replace("\r", "\n")


@given(title=st.text(min_size=0, max_size=300), name=st.text(max_size=120))
def test_lines_are_folded_at_75_octets_and_unfold_to_the_content(title: str, name: str) -> None:
    entry = _entry(pendulum.date(2026, 11, 23), title=title)
    text = to_icalendar([entry], calendar=LONDON, stamp=STAMP, name=name)
    for line in _lines(text):
        assert len(line.encode("utf-8")) <= 75
    unfolded = _unfold(text)
    assert f"SUMMARY:{escape_text(f'VW-0001: {title}')}" in unfolded
    assert f"X-WR-CALNAME:{escape_text(name)}" in unfolded
    parsed = _parse(text)
    (event,) = _events(parsed)
    assert str(event["SUMMARY"]) == _expected_text(f"VW-0001: {title}")
    assert _calendar_name(parsed) == _expected_text(name)


@given(st.text(st.characters(exclude_characters="\r\n", codec="utf-8"), max_size=400))
def test_folding_never_splits_a_character(line: str) -> None:
    folded = fold_line(line)
    parts = folded.split("\r\n")
    for index, part in enumerate(parts):
        assert len(part.encode("utf-8")) <= 75
        if index:
            assert part.startswith(" ")
            assert len(part) > 1
    assert folded.replace("\r\n ", "") == line


def test_folding_counts_octets_not_characters() -> None:
    line = "SUMMARY:" + "€" * 60  # three octets each
    parts = fold_line(line).split("\r\n")
    assert [len(p.encode("utf-8")) for p in parts] == [74, 73, 43]
    assert "".join(p.removeprefix(" ") for p in parts) == line


# ----------------------------------------------------------------------- a whole plan


def test_a_plans_goals_and_reviews_across_christmas() -> None:
    """Goal dates and plan reviews moved off the bank holidays export at their moved
    instants; goals due the same day get distinct UIDs."""
    opened = pendulum.date(2026, 10, 5)
    plan = CarePlan(
        id=CarePlanId("P-1"),
        client_id=ClientId("CL-1"),
        version=1,
        status=CarePlanStatus.ACTIVE,
        period=DateRange(start=opened, end=pendulum.date(2027, 3, 31)),
        created_on=opened,
        next_review=pendulum.date(2026, 12, 25),
        goals=tuple(
            Goal(
                id=GoalId(f"G-{n}"),
                description="synthetic goal",
                domain=GoalDomain.HEALTH,
                start=opened,
                lifecycle_status=GoalLifecycleStatus.ACTIVE,
                due=pendulum.date(2026, 12, 25),
            )
            for n in (1, 2)
        ),
    )
    case = attrs.evolve(_high_risk_case(opened), plans=(plan,))
    items = schedule(
        case,
        policy=VIRTUAL_WARD_REVIEWS,
        calendar=LONDON,
        start=pendulum.date(2026, 12, 21),
        end=pendulum.date(2027, 1, 3),
    ).items()
    moved = [i for i in items if i.kind in (DueKind.GOAL_DUE, DueKind.CARE_PLAN_REVIEW)]
    assert {i.due for i in moved} == {pendulum.date(2026, 12, 29)}
    text = to_icalendar(items, calendar=LONDON, stamp=STAMP)
    _assert_starts_match(text, items)
    uids = [str(e["UID"]) for e in _events(_parse(text))]
    assert len(set(uids)) == len(uids)
    assert "VW-0001-goal-due-20261229-2@casemgmt" in uids
