"""``casemgmt schedule``: the overdue items and the period's schedule against the library's own
results, the JSON output, the iCalendar file, the default days (never the clock), exit
statuses and inputs that cannot be used.

The tests call :func:`casemgmt.cli.main` and read what it printed. Inputs are the example
case book in ``examples/reviews`` and small case books built in ``tmp_path``.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from pathlib import Path
from typing import Any

import attrs
import icalendar
import pendulum
import pytest

from casemgmt import _schedule_cli
from casemgmt.cli import main
from casemgmt.model import (
    ActorId,
    Assessment,
    AssessmentId,
    AssessmentKind,
    CareEvent,
    CareEventKind,
    Case,
    CaseId,
    CaseManager,
    CaseManagerId,
    CaseStatus,
    ClientId,
    ContactMode,
    PersonName,
    Profession,
    Referral,
    ReferralId,
    ReferralSourceId,
    Registration,
    Regulator,
    Review,
    ReviewId,
    ReviewKind,
    RiskTier,
)
from casemgmt.policies import PROGRAMMES, BankHolidayRegion, Programme
from casemgmt.serialization import dump_json, load_json, to_document
from casemgmt.services import CaseBook, DueReview, ScheduledReview, reviews_due, schedule

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE = EXAMPLES / "reviews" / "cases.json"
TEAM = EXAMPLES / "team" / "team.json"
AS_OF = pendulum.Date(2026, 11, 23)
DAY = AS_OF.isoformat()
WEEK_END = pendulum.Date(2026, 11, 29)

MARKER = "Zebedee"
"""Planted in bad input: no message may repeat it."""

DAY_LINE = re.compile(
    r"^(?P<weekday>Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<date>\d{4}-\d{2}-\d{2})"
    r"(?: \((?P<note>[^)]*(?:\([^)]*\))?)\))?(?P<empty>: nothing due)?$"
)
ITEM_LINE = re.compile(r"^  (?P<time>\d{2}:\d{2})  (?P<case>\S+)\s+(?P<what>.+)$")
OVERDUE_LINE = re.compile(
    r"^  (?P<case>\S+)\s+(?P<what>.+): due (?P<due>\d{4}-\d{2}-\d{2}), "
    r"(?P<days>\d+) days? overdue \((?P<working>\d+) working days?\)(, (?P<missed>\d+) missed)?"
    r"(?P<flag> \[unverified figure\])?$"
)


# ----------------------------------------------------------------------- helpers


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    status = main(["schedule", *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


def _example() -> CaseBook:
    return load_json(CaseBook, EXAMPLE.read_text(encoding="utf-8"))


def _overdue(book: CaseBook, manager: str, as_of: pendulum.Date = AS_OF) -> tuple[DueReview, ...]:
    return reviews_due(
        book.cases_of(manager),
        policy=book.review_policy(),
        calendar=book.calendar(),
        as_of=as_of,
    ).overdue


def _scheduled(
    book: CaseBook,
    manager: str,
    start: pendulum.Date = AS_OF,
    end: pendulum.Date = WEEK_END,
) -> list[ScheduledReview]:
    return [
        item
        for case in book.cases_of(manager)
        for item in schedule(
            case, policy=book.review_policy(), calendar=book.calendar(), start=start, end=end
        ).items()
    ]


def _what(item: ScheduledReview | DueReview) -> str:
    rule = f" ({item.rule_id})" if item.rule_id else ""
    flag = "" if item.clock is None or item.clock.verified else " [unverified figure]"
    return f"{item.title}{rule}{flag}"


def _due_lines(text: str) -> list[tuple[str, str, str, str]]:
    """(date, time, case, what) for every item listed under "Due"."""
    found: list[tuple[str, str, str, str]] = []
    day = ""
    for line in text.partition("\nDue from ")[2].splitlines()[1:]:
        heading = DAY_LINE.match(line)
        if heading is not None:
            day = heading["date"]
            continue
        item = ITEM_LINE.match(line)
        assert item is not None, line
        found.append((day, item["time"], item["case"], item["what"]))
    return found


def _sorted_due_lines(text: str) -> list[tuple[str, str, str, str]]:
    """The items listed under "Due", checked to be in order of day and time, sorted."""
    found = _due_lines(text)
    assert [(day, time) for day, time, *_ in found] == sorted((d, t) for d, t, *_ in found)
    return sorted(found)


def _expected_due_lines(items: list[ScheduledReview]) -> list[tuple[str, str, str, str]]:
    return sorted(
        (
            i.due.isoformat(),
            i.due_at.in_timezone("Europe/London").format("HH:mm"),
            str(i.case_id),
            _what(i),
        )
        for i in items
    )


def _referral(case_id: str, received: pendulum.Date) -> Referral:
    return Referral(
        id=ReferralId(f"R-{case_id}"),
        client_id=ClientId(f"CL-{case_id}"),
        source_id=ReferralSourceId("GP-1"),
        received_on=received,
        reason="synthetic",
    )


def _case(
    case_id: str,
    *,
    opened: pendulum.Date,
    manager: str = "CM-01",
    tier: RiskTier = RiskTier.MEDIUM,
    assessed: bool = True,
) -> Case:
    assessments = (
        (
            Assessment(
                id=AssessmentId(f"A-{case_id}"),
                client_id=ClientId(f"CL-{case_id}"),
                kind=AssessmentKind.INITIAL,
                performed_on=opened,
                contact_mode=ContactMode.FACE_TO_FACE,
            ),
        )
        if assessed
        else ()
    )
    return Case(
        id=CaseId(case_id),
        client_id=ClientId(f"CL-{case_id}"),
        programme="virtual-ward",
        status=CaseStatus.ACTIVE,
        opened_on=opened,
        referrals=(_referral(case_id, opened.subtract(days=2)),),
        manager_id=CaseManagerId(manager),
        assessments=assessments,
        events=(
            CareEvent(kind=CareEventKind.RISK_TIER_CHANGE, occurred_on=opened, risk_tier=tier),
        ),
    )


def _write(path: Path, book: CaseBook) -> Path:
    path.write_text(dump_json(book, indent=2), encoding="utf-8")
    return path


def _write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def _ics_events(path: Path) -> list[Any]:
    parsed = icalendar.Calendar.from_ical(path.read_bytes())
    return list(parsed.walk("VEVENT"))


# ----------------------------------------------------------------------- the example


def test_the_example_is_a_valid_cases_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate-document", "cases", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out == "ok\n"
    book = _example()
    assert book.programme == "virtual-ward"
    assert book.region is BankHolidayRegion.ENGLAND_AND_WALES
    assert book.manager_ids == ("CM-01", "CM-02", "CM-03")
    assert all(m.registration is not None for m in book.case_managers)
    assert 8 <= len(book.cases) <= 12
    statuses = {c.status for c in book.cases}
    assert {CaseStatus.ACTIVE, CaseStatus.ON_HOLD, CaseStatus.CLOSED} <= statuses
    tiers = {e.risk_tier for c in book.cases for e in c.events if e.risk_tier is not None}
    assert tiers == {RiskTier.HIGH, RiskTier.MEDIUM, RiskTier.LOW}
    kinds = {r.kind for c in book.cases for r in c.reviews}
    assert {ReviewKind.CASE_REVIEW, ReviewKind.MDT_DISCUSSION, ReviewKind.CARE_PLAN_REVIEW} <= kinds
    events = {e.kind for c in book.cases for e in c.events}
    assert {
        CareEventKind.HOSPITAL_ADMISSION,
        CareEventKind.EMERGENCY_DEPARTMENT_ATTENDANCE,
    } <= events
    plans = [c.current_plan for c in book.cases if c.current_plan is not None]
    assert any(p.next_review is not None and any(g.due for g in p.goals) for p in plans)


def test_the_example_round_trips() -> None:
    book = _example()
    assert load_json(CaseBook, dump_json(book)) == book


def test_text_lists_the_overdue_items_and_the_week_by_day(
    capsys: pytest.CaptureFixture[str],
) -> None:
    book = _example()
    overdue = _overdue(book, "CM-01")
    assert overdue, "the example has something overdue for CM-01"
    status, out, err = _run(capsys, EXAMPLE, "--manager", "CM-01")
    assert status == 1
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == f"Review schedule: {EXAMPLE}"
    assert lines[1] == "Case manager CM-01: 5 cases, 4 open"
    assert lines[2].startswith(
        "Programme virtual-ward: review policy virtual-ward (case reviews M2)"
    )
    assert "England and Wales bank holidays, Europe/London" in lines[2]
    assert lines[3] == f"As of {DAY} (the latest date in the file); period {DAY} to 2026-11-29"
    assert f"Overdue on {DAY}: {len(overdue)}" in lines
    printed = [m for m in map(OVERDUE_LINE.match, lines) if m is not None]
    assert len(printed) == len(overdue)
    for match, item in zip(printed, overdue, strict=True):
        assert match["case"] == item.case_id
        assert f"{match['what']}{match['flag'] or ''}" == _what(item)
        assert match["due"] == item.due.isoformat()
        assert int(match["days"]) == item.days_overdue
        assert int(match["working"]) == item.working_days_overdue
        routine = item.kind.value in {"case-review", "mdt-discussion", "care-plan-review"}
        assert match["missed"] == (str(item.missed) if routine else None)
        assert (match["flag"] is not None) is not item.verified
    assert any(m["flag"] for m in printed), "the unverified urgent-review allowance is flagged"
    expected = _scheduled(book, "CM-01")
    assert f"Due from {DAY} to 2026-11-29: {len(expected)}" in lines
    assert _sorted_due_lines(out) == _expected_due_lines(expected)


@pytest.mark.parametrize("manager", ["CM-01", "CM-02", "CM-03"])
def test_every_manager_gets_their_own_cases_only(
    capsys: pytest.CaptureFixture[str], manager: str
) -> None:
    book = _example()
    status, out, _ = _run(capsys, EXAMPLE, "--manager", manager, "--to", "2026-12-31")
    own = {str(c.id) for c in book.cases_of(manager)}
    listed = {case for _, _, case, _ in _due_lines(out)}
    assert listed <= own
    expected = _scheduled(book, manager, AS_OF, pendulum.Date(2026, 12, 31))
    assert _sorted_due_lines(out) == _expected_due_lines(expected)
    assert status == (1 if _overdue(book, manager) else 0)


def test_bank_holidays_are_shown_and_nothing_is_due_on_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = _run(
        capsys, EXAMPLE, "--manager", "CM-01", "--from", "2026-12-21", "--to", "2027-01-03"
    )
    headings = {m["date"]: m for m in map(DAY_LINE.match, out.splitlines()) if m is not None}
    for day, name in [
        ("2026-12-25", "Christmas Day"),
        ("2026-12-28", "Boxing Day (observed)"),
        ("2027-01-01", "New Year's Day"),
    ]:
        assert headings[day]["note"] == f"bank holiday: {name}"
        assert headings[day]["empty"]
    due_days = {day for day, *_ in _due_lines(out)}
    assert "2026-12-29" in due_days  # the goal due on Christmas Day moved to the 29th
    assert not due_days & {"2026-12-25", "2026-12-26", "2026-12-27", "2026-12-28"}
    assert re.search(r"^  09:00  VW-0101\s+goal G-RESPITE$", out, re.M)


def test_the_region_chooses_the_bank_holidays(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    book = attrs.evolve(_example(), region=BankHolidayRegion.SCOTLAND)
    path = _write(tmp_path / "cases.json", book)
    start, end = pendulum.Date(2026, 11, 30), pendulum.Date(2026, 12, 6)
    _, out, _ = _run(
        capsys, path, "--manager", "CM-02", "--from", start.isoformat(), "--to", end.isoformat()
    )
    assert "Scotland bank holidays" in out
    assert re.search(r"^Mon 2026-11-30 \(bank holiday: Saint Andrew's Day\)", out, re.M)
    assert _sorted_due_lines(out) == _expected_due_lines(_scheduled(book, "CM-02", start, end))
    assert not any(day == "2026-11-30" for day, *_ in _due_lines(out))


def test_json_has_the_same_information(capsys: pytest.CaptureFixture[str]) -> None:
    book = _example()
    status, out, err = _run(capsys, EXAMPLE, "--manager", "CM-02", "--format", "json")
    assert status == 1
    assert err == ""
    report = json.loads(out)
    assert report["manager"] == "CM-02"
    assert report["programme"] == "virtual-ward"
    assert report["review_policy"] == "virtual-ward"
    assert report["region"] == "england-and-wales"
    assert report["timezone"] == "Europe/London"
    assert report["as_of"] == DAY
    assert report["as_of_source"] == "latest-recorded-date"
    assert (report["start"], report["end"]) == (DAY, "2026-11-29")
    assert report["cases"] == [
        {"id": c.id, "status": c.status.value} for c in book.cases_of("CM-02")
    ]
    assert report["ok"] is False
    overdue = _overdue(book, "CM-02")
    assert [
        (o["case_id"], o["kind"], o["due"], o["days_overdue"], o["missed"], o["verified"])
        for o in report["overdue"]
    ] == [
        (i.case_id, i.kind.value, i.due.isoformat(), i.days_overdue, i.missed, i.verified)
        for i in overdue
    ]
    expected = sorted(
        (i.due.isoformat(), i.case_id, i.kind.value, i.title, i.due_at.isoformat())
        for i in _scheduled(book, "CM-02")
    )
    listed = sorted(
        (day["date"], i["case_id"], i["kind"], i["title"], i["due_at"])
        for day in report["due"]
        for i in day["items"]
    )
    assert listed == expected
    for day in report["due"]:
        assert all(i["due"] == day["date"] for i in day["items"])
        assert day["working_day"] is True
        assert day["holiday"] is None
    assert report["bank_holidays"] == []
    assert report["ics"] is None


def test_json_lists_the_bank_holidays_of_the_period(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(
        capsys,
        EXAMPLE,
        "--manager",
        "CM-01",
        "--from",
        "2026-12-21",
        "--to",
        "2027-01-03",
        "--format",
        "json",
    )
    report = json.loads(out)
    assert report["bank_holidays"] == [
        {"date": "2026-12-25", "name": "Christmas Day"},
        {"date": "2026-12-26", "name": "Boxing Day"},
        {"date": "2026-12-28", "name": "Boxing Day (observed)"},
        {"date": "2027-01-01", "name": "New Year's Day"},
    ]


# ----------------------------------------------------------------------- iCalendar


def test_ics_has_the_periods_items_at_their_instants(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "cm01.ics"
    status, out, err = _run(
        capsys, EXAMPLE, "--manager", "CM-01", "--to", "2026-12-31", "--ics", path
    )
    assert status == 1
    assert err == ""
    expected = _scheduled(_example(), "CM-01", AS_OF, pendulum.Date(2026, 12, 31))
    events = _ics_events(path)
    assert len(events) == len(expected)
    assert sorted(e.decoded("DTSTART").timestamp() for e in events) == sorted(
        i.due_at.timestamp() for i in expected
    )
    assert sorted(str(e["SUMMARY"]) for e in events) == sorted(
        f"{i.case_id}: {i.title}" for i in expected
    )
    stamp = _dt.datetime(2026, 11, 23, tzinfo=_dt.UTC)
    assert {e.decoded("DTSTAMP") for e in events} == {stamp}
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    data = path.read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"X-WR-CALNAME:casemgmt reviews: CM-01" in data
    assert "Review schedule" in out


def test_ics_is_the_same_file_every_time(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first, second = tmp_path / "a.ics", tmp_path / "b.ics"
    _run(capsys, EXAMPLE, "--manager", "CM-02", "--ics", first)
    _run(capsys, EXAMPLE, "--manager", "CM-02", "--ics", second, "--format", "json")
    assert first.read_bytes() == second.read_bytes()


def test_json_names_the_ics_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "cm03.ics"
    _, out, _ = _run(capsys, EXAMPLE, "--manager", "CM-03", "--ics", path, "--format", "json")
    assert json.loads(out)["ics"] == str(path)
    assert path.exists()


def test_an_ics_file_that_cannot_be_written_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "missing-folder" / "cm01.ics"
    status, out, err = _run(capsys, EXAMPLE, "--manager", "CM-01", "--ics", path)
    assert status == 2
    assert out == ""
    assert err == f"casemgmt: {path}: cannot write the file (No such file or directory)\n"


# ----------------------------------------------------------------------- the days


def test_the_default_day_is_the_latest_date_recorded(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    book = _example()
    assert _schedule_cli.default_as_of(book) == AS_OF
    later = pendulum.Date(2026, 12, 2)
    case = book.cases[0]
    moved = case.record_review(
        Review(id=ReviewId("RV-LATE"), kind=ReviewKind.CASE_REVIEW, held_on=later),
        by=ActorId("CM-01"),
        at=pendulum.datetime(later.year, later.month, later.day, 17, tz="Europe/London"),
    ).case
    changed = attrs.evolve(book, cases=(moved, *book.cases[1:]))
    assert _schedule_cli.default_as_of(changed) == later
    path = _write(tmp_path / "cases.json", changed)
    _, out, _ = _run(capsys, path, "--manager", "CM-01")
    assert f"As of {later} (the latest date in the file); period {later} to 2026-12-06" in out


def test_plan_and_goal_dates_to_come_do_not_move_the_default_day() -> None:
    book = _example()
    future = [
        d
        for c in book.cases
        for p in c.plans
        for d in (p.next_review, *(g.due for g in p.goals))
        if d is not None and d > AS_OF
    ]
    assert future
    assert _schedule_cli.default_as_of(book) == AS_OF


def test_the_defaults_never_read_the_clock(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def clock(*args: object, **kwargs: object) -> None:
        raise AssertionError("the clock was read")

    for name in ("now", "today", "tomorrow", "yesterday"):
        monkeypatch.setattr(pendulum, name, clock)
    monkeypatch.setattr(pendulum.DateTime, "now", clock)
    monkeypatch.setattr(pendulum.Date, "today", clock)
    by_default = _run(capsys, EXAMPLE, "--manager", "CM-01", "--format", "json")
    given = _run(
        capsys,
        EXAMPLE,
        "--manager",
        "CM-01",
        "--as-of",
        DAY,
        "--from",
        DAY,
        "--to",
        "2026-11-29",
        "--format",
        "json",
    )
    assert by_default[0] == given[0] == 1
    default_report, given_report = json.loads(by_default[1]), json.loads(given[1])
    assert default_report.pop("as_of_source") == "latest-recorded-date"
    assert given_report.pop("as_of_source") == "option"
    assert default_report == given_report


@pytest.mark.parametrize(
    ("as_of", "end"),
    [("2026-11-23", "2026-11-29"), ("2026-11-29", "2026-11-29"), ("2026-11-30", "2026-12-06")],
)
def test_the_period_ends_on_the_sunday_of_the_as_of_week(
    capsys: pytest.CaptureFixture[str], as_of: str, end: str
) -> None:
    _, out, _ = _run(capsys, EXAMPLE, "--manager", "CM-01", "--as-of", as_of)
    assert f"As of {as_of} (given); period {as_of} to {end}" in out


def test_from_and_to_choose_the_period_and_as_of_the_overdue_day(
    capsys: pytest.CaptureFixture[str],
) -> None:
    book = _example()
    as_of = pendulum.Date(2026, 11, 12)
    start, end = pendulum.Date(2026, 11, 16), pendulum.Date(2026, 11, 20)
    _, out, _ = _run(
        capsys,
        EXAMPLE,
        "--manager",
        "CM-03",
        "--as-of",
        as_of.isoformat(),
        "--from",
        start.isoformat(),
        "--to",
        end.isoformat(),
    )
    assert f"Overdue on {as_of}: {len(_overdue(book, 'CM-03', as_of)) or 'nothing'}" in out
    assert _sorted_due_lines(out) == _expected_due_lines(_scheduled(book, "CM-03", start, end))


def test_nothing_overdue_exits_0(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    opened = pendulum.Date(2026, 11, 9)
    book = CaseBook(
        programme="virtual-ward",
        cases=(_case("VW-1", opened=opened, tier=RiskTier.LOW),),  # monthly: due 9 December
    )
    path = _write(tmp_path / "cases.json", book)
    status, out, err = _run(capsys, path, "--manager", "CM-01", "--as-of", DAY)
    assert status == 0
    assert err == ""
    assert f"Overdue on {DAY}: nothing" in out
    assert "Due from 2026-11-23 to 2026-11-29: nothing" in out
    report = json.loads(_run(capsys, path, "--manager", "CM-01", "--format", "json")[1])
    assert report["ok"] is True
    assert report["as_of"] == "2026-11-09"


def test_a_book_without_case_managers_knows_them_from_its_cases(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    opened = pendulum.Date(2026, 11, 2)
    book = CaseBook(
        programme="guided-care",
        cases=(
            _case("GC-1", opened=opened, manager="N-2"),
            _case("GC-2", opened=opened, manager="N-1", assessed=False),
        ),
    )
    assert book.manager_ids == ("N-1", "N-2")
    path = _write(tmp_path / "cases.json", book)
    status, out, _ = _run(capsys, path, "--manager", "N-1", "--as-of", "2026-11-30")
    assert status == 1  # the initial assessment is overdue (A2)
    assert re.search(r"^  GC-2\s+initial assessment \(A2\): due ", out, re.M)
    assert "GC-1" not in out


# ----------------------------------------------------------------------- bad inputs


def test_an_unknown_manager_exits_2_listing_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = _run(capsys, EXAMPLE, "--manager", "CM-09")
    assert status == 2
    assert out == ""
    assert err == (
        f"casemgmt: {EXAMPLE}: no case manager 'CM-09' in the document; "
        "known case managers: CM-01, CM-02, CM-03\n"
    )


def test_the_manager_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, EXAMPLE)
    assert status == 2
    assert out == ""
    assert "--manager" in err


def test_a_period_ending_before_it_starts_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(
        capsys, EXAMPLE, "--manager", "CM-01", "--from", "2026-12-01", "--to", "2026-11-30"
    )
    assert status == 2
    assert out == ""
    assert "the period ends (2026-11-30) before it starts (2026-12-01)" in err


def test_days_outside_the_calendars_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, EXAMPLE, "--manager", "CM-01", "--to", "2250-01-01")
    assert status == 2
    assert out == ""
    assert "between 1970 and 2199" in err


@pytest.mark.parametrize("value", ["2026-02-30", "23/11/2026", "today"])
def test_a_bad_date_is_a_usage_error(capsys: pytest.CaptureFixture[str], value: str) -> None:
    status, _, err = _run(capsys, EXAMPLE, "--manager", "CM-01", "--as-of", value)
    assert status == 2
    assert "not a date as YYYY-MM-DD" in err


def test_an_empty_book_needs_a_day(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    nurse = CaseManager(
        id=CaseManagerId("CM-01"),
        name=PersonName(given="Sam", family="Lee"),
        profession=Profession.NURSE,
        registration=Registration(body=Regulator.NMC, number="01A2345E"),
    )
    path = _write(
        tmp_path / "cases.json",
        CaseBook(programme="virtual-ward", case_managers=(nurse,), cases=()),
    )
    status, out, err = _run(capsys, path, "--manager", "CM-01")
    assert status == 2
    assert out == ""
    assert err == f"casemgmt: {path}: records no date to report on: give --as-of YYYY-MM-DD\n"
    status, out, _ = _run(capsys, path, "--manager", "CM-01", "--as-of", DAY)
    assert status == 0
    assert "Case manager CM-01: 0 cases, 0 open" in out


def test_a_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "missing.json"
    status, out, err = _run(capsys, path, "--manager", "CM-01")
    assert status == 2
    assert out == ""
    assert err == f"casemgmt: {path}: cannot read the file (No such file or directory)\n"


@pytest.mark.parametrize(
    "content",
    [
        f"not json {MARKER}".encode(),
        b"",
        b'{"schema_version": 1, "document_kind": "cases", "programme": NaN}',
        b"\xff\xfe{}",
    ],
    ids=["text", "empty", "nan", "utf16"],
)
def test_text_that_is_not_json_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "cases.json"
    path.write_bytes(content)
    status, out, err = _run(capsys, path, "--manager", "CM-01")
    assert status == 2
    assert out == ""
    assert err.startswith(f"casemgmt: {path}: $")
    assert MARKER not in err


def test_another_kind_of_document_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, TEAM, "--manager", "CM-01")
    assert status == 2
    assert out == ""
    assert f"casemgmt: {TEAM}: $.document_kind: expected 'cases'" in err.splitlines()


def test_an_invalid_document_names_every_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = to_document(_example())
    document["programme"] = MARKER
    document["cases"][1]["id"] = document["cases"][0]["id"]
    document["cases"][2]["manager_id"] = "CM-99"
    document["cases"][3]["reviews"] = [{"id": "RV-1", "kind": MARKER, "held_on": DAY}]
    document["case_managers"][0]["nickname"] = MARKER
    path = _write_json(tmp_path / "cases.json", document)
    status, out, err = _run(capsys, path, "--manager", "CM-01")
    assert status == 2
    assert out == ""
    prefix = f"casemgmt: {path}: "
    lines = err.splitlines()
    assert all(line.startswith(prefix) for line in lines)
    paths = {line.removeprefix(prefix).partition(": ")[0] for line in lines}
    assert "$.cases[3].reviews[0].kind" in paths
    assert any(p.startswith("$.case_managers[0].") for p in paths)
    assert MARKER not in err.replace(f"{path}", "")


def test_case_book_invariants_are_reported_with_paths(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = to_document(_example())
    document["programme"] = MARKER
    document["cases"][1]["id"] = document["cases"][0]["id"]
    document["cases"][2]["manager_id"] = "CM-99"
    path = _write_json(tmp_path / "cases.json", document)
    status, _, err = _run(capsys, path, "--manager", "CM-01")
    assert status == 2
    assert f"casemgmt: {path}: $.programme: must be one of " in err
    assert "virtual-ward" in err
    assert f"casemgmt: {path}: $.cases[1].id: repeats an earlier id" in err
    assert f"casemgmt: {path}: $.cases[2].manager_id: names no case manager" in err
    assert MARKER not in err.replace(f"{path}", "")


def test_help_documents_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedule", "--help"]) == 0
    out = capsys.readouterr().out
    assert "exit status:" in out
    assert "0  nothing is overdue" in out
    assert "1  something is overdue" in out
    assert "2  the input cannot be used" in out
    assert "never read from the clock" in out


def test_the_case_book_serves_its_programme() -> None:
    book = _example()
    programme: Programme = PROGRAMMES[book.programme]
    assert book.review_policy() is programme.reviews
    assert book.calendar().region is book.region
    assert {c.manager_id for c in book.cases_of("CM-02")} == {"CM-02"}
    assert book.case_manager("CM-02") is book.case_managers[1]
    assert book.case_manager("CM-99") is None
