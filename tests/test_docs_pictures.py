"""The caseload chart and the review calendar of the docs (docs/_ext/caseload_chart.py,
docs/_ext/review_calendar.py) draw what the library computes: every holder with their
load and cases, a breach flagged exactly when caseload_status finds one, every review the
services list on its day with the overdue ones marked, and the working-day calendar's
weekends and bank holidays shaded. The SVG is well formed and the same on every build."""

from __future__ import annotations

import importlib
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from casemgmt._schedule_cli import default_as_of
from casemgmt.model import CaseId
from casemgmt.policies import LimitScope, WorkingCalendar
from casemgmt.serialization import load_json
from casemgmt.services import (
    CaseBook,
    CaseloadStatus,
    Team,
    caseload_status,
    reviews_due,
    schedule,
    team_caseload_status,
)
from casemgmt.testing.strategies import case_books, dates, teams

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[1]
AS_OF = pendulum.date(2026, 11, 23)  # the day `make demo` reports both examples on


def _import(name: str) -> Any:
    """An extension module (not a package of the library: imported from docs/_ext)."""
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


@pytest.fixture(scope="module")
def chart() -> Any:
    return _import("caseload_chart")


@pytest.fixture(scope="module")
def cal() -> Any:
    return _import("review_calendar")


@pytest.fixture(scope="module")
def team() -> Team:
    return load_json(Team, (ROOT / "examples" / "team" / "team.json").read_bytes())


@pytest.fixture(scope="module")
def book() -> CaseBook:
    return load_json(CaseBook, (ROOT / "examples" / "reviews" / "cases.json").read_bytes())


def _groups(root: ET.Element, cls: str) -> Iterator[ET.Element]:
    return (g for g in root.iter(f"{SVG}g") if g.get("class") == cls)


def _texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def _figure(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


# ---------------------------------------------------------------------- caseload chart


def _expected_statuses(team: Team, as_of: pendulum.Date) -> list[CaseloadStatus]:
    """Each holder's status straight from the library: caseload_status per case manager,
    or the team statuses under a team-scoped policy."""
    policy = team.caseload_policy()
    if policy.scope is LimitScope.CASE_MANAGER:
        caseloads = team.caseloads()
        return [
            caseload_status(m, caseloads.get(m.id, ()), policy=policy, as_of=as_of)
            for m in team.managers
        ]
    status = team_caseload_status(team.managers, team.caseloads(), policy=policy, as_of=as_of)
    return list(status.members)


def _check_chart(chart: Any, team: Team, as_of: pendulum.Date) -> None:
    svg = chart.caseload_svg(team, as_of=as_of)
    assert svg == chart.caseload_svg(team, as_of=as_of)  # deterministic
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert (root.findtext(f"{SVG}title") or "").startswith("Caseloads of the team")
    rows = {g.get("data-holder", ""): g for g in _groups(root, "cc-holder")}
    expected = _expected_statuses(team, as_of)
    assert sorted(rows) == sorted(s.holder for s in expected)
    summary = chart.caseload_summary(team, as_of=as_of)
    for status in expected:
        row = rows[status.holder]
        texts = _texts(row)
        assert status.holder in texts
        assert f"{status.cases} cases" in texts
        assert _figure(status.load) in texts  # the weighted load, labelled on its bar
        assert str(status.high_risk) in texts
        assert row.get("data-load") == _figure(status.load)
        assert row.get("data-cases") == str(status.cases)
        # A breach is flagged (in words, not only in colour) exactly when the library says.
        breach = not status.ok
        assert row.get("data-breach") == str(breach).lower()
        assert any(t.startswith("BREACH") for t in texts) == breach
        assert (f"{status.holder} is in breach: " in " ".join(summary)) == breach
        assert ("within limits" in texts) == (not status.findings)
        for finding in status.findings:
            assert any(t.endswith(f"({finding.rule_id})") for t in texts)


def test_the_example_team_is_drawn_as_the_library_counts_it(chart: Any, team: Team) -> None:
    _check_chart(chart, team, AS_OF)
    # The example shows one breach (CM-02's high-risk cases) and warnings: keep it so.
    rows = {r.status.holder: r for r in chart.chart_rows(team, as_of=AS_OF)}
    assert [h for h, r in rows.items() if r.breach] == ["CM-02"]
    assert rows["CM-01"].warning
    assert not rows["CM-05"].breach
    assert not rows["CM-05"].warning


def test_the_summary_names_every_holder(chart: Any, team: Team) -> None:
    text = " ".join(chart.caseload_summary(team, as_of=AS_OF))
    assert "CM-02 is in breach: more high-risk cases than the high-risk share allows" in text
    assert "CM-05 is within every limit." in text
    for holder in ("CM-01", "CM-02", "CM-03", "CM-04", "CM-05"):
        assert holder in text


def test_limits_scale_with_fte_in_the_chart(chart: Any, team: Team) -> None:
    """CM-03 works 0.6 FTE: their hard limit marker sits at 48, left of the others' 80."""
    root = ET.fromstring(chart.caseload_svg(team, as_of=AS_OF))
    rows = {g.get("data-holder"): g for g in _groups(root, "cc-holder")}

    def markers(holder: str) -> list[float]:
        return sorted(float(line.get("x1", "0")) for line in rows[holder].iter(f"{SVG}line"))

    part_time, whole_time = markers("CM-03"), markers("CM-01")
    # The first two markers are the soft and hard limits of the load panel.
    assert part_time[0] < whole_time[0]
    assert part_time[1] < whole_time[1]


@settings(max_examples=40)
@given(team=teams(max_members=4), as_of=dates(min_value=pendulum.Date(2020, 1, 1)))
def test_any_team_is_drawn_as_the_library_counts_it(
    chart: Any, team: Team, as_of: pendulum.Date
) -> None:
    _check_chart(chart, team, as_of)


def test_a_team_with_a_breach_of_the_hard_limit_is_flagged(chart: Any, team: Team) -> None:
    """Loading CM-05 with many more cases takes them over the hard limit (C1)."""
    member = team.members[4]
    extra = tuple(attrs.evolve(c, id=f"{c.id}-X{k}") for k in range(3) for c in member.cases)
    heavy = attrs.evolve(
        team,
        members=(*team.members[:4], attrs.evolve(member, cases=member.cases + extra)),
    )
    status = _expected_statuses(heavy, AS_OF)[4]
    assert any(f.code == "over-hard-limit" for f in status.findings)
    _check_chart(chart, heavy, AS_OF)


# ---------------------------------------------------------------------- review calendar


def _kind(calendar: WorkingCalendar, day: pendulum.Date) -> str:
    if calendar.is_working_day(day):
        return "working"
    if day in calendar.bank_holidays(day.year):
        return "holiday"
    if day.isoweekday() in calendar.weekend:
        return "weekend"
    return "closed"


def _check_calendar(
    cal: Any, book: CaseBook, manager: str, as_of: pendulum.Date, months: int
) -> ET.Element:
    svg = cal.review_calendar_svg(book, manager, as_of=as_of, months=months)
    assert svg == cal.review_calendar_svg(book, manager, as_of=as_of, months=months)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert manager in (root.findtext(f"{SVG}title") or "")
    days = {g.get("data-date", ""): g for g in _groups(root, "rc-day")}
    shown = cal.months_shown(as_of, months)
    assert shown[0] == (as_of.year, as_of.month)
    assert len(shown) == months
    (first_year, first_month), (last_year, last_month) = shown[0], shown[-1]
    first = pendulum.date(first_year, first_month, 1)
    last = pendulum.date(last_year, last_month, 1).end_of("month")
    # Every day of the months shown, once, shaded as the library's calendar says.
    assert sorted(days) == [first.add(days=k).isoformat() for k in range((last - first).days + 1)]
    calendar = book.calendar()
    for iso, group in days.items():
        day = pendulum.Date.fromisoformat(iso)
        kind = _kind(calendar, day)
        assert group.get("data-kind") == kind
        fill = next(group.iter(f"{SVG}rect")).get("fill")
        if kind == "working":
            assert fill == "none"
        elif kind == "weekend":
            assert fill == "currentColor"
        else:
            assert fill == "url(#rc-hatch)"
        holiday = calendar.bank_holidays(day.year).get(day)
        if holiday is not None:
            assert any(t.startswith(holiday[:8]) for t in _texts(group))
    # The day counted on is outlined and labelled.
    outlined = [g for g in days.values() if g.get("data-as-of") == "true"]
    assert [g.get("data-date") for g in outlined] == [as_of.isoformat()]
    assert "as of" in _texts(outlined[0])
    # Every item the services list is on its day; the overdue ones are marked in words.
    cases = book.cases_of(manager)
    policy = book.review_policy()
    overdue = reviews_due(cases, policy=policy, calendar=calendar, as_of=as_of, until=as_of)
    planned = [
        item
        for case in cases
        for item in schedule(case, policy=policy, calendar=calendar, start=as_of, end=last).items()
    ]
    expected: dict[tuple[str, str], bool] = {}
    for item in planned:
        expected.setdefault((item.due.isoformat(), str(item.case_id)), False)
    for missed in overdue.overdue:
        if missed.due >= first:
            expected[(missed.due.isoformat(), str(missed.case_id))] = True
    drawn: dict[tuple[str, str], bool] = {}
    for iso, group in days.items():
        for entry in _groups(group, "rc-entry"):
            late = entry.get("data-overdue") == "true"
            drawn[(iso, entry.get("data-case", ""))] = late
            text = " ".join(_texts(entry))
            assert ("!" in text and "overdue" in text) == late
        for more in _groups(group, "rc-more"):
            late = more.get("data-overdue") == "true"
            assert ("overdue" in " ".join(_texts(more))) == late
            for case_id in more.get("data-cases", "").split():
                drawn[(iso, case_id)] = late
    assert drawn == expected
    return root


def test_the_example_calendar_shows_the_services_reviews(cal: Any, book: CaseBook) -> None:
    root = _check_calendar(cal, book, "CM-01", AS_OF, 2)
    days = {g.get("data-date"): g for g in _groups(root, "rc-day")}
    # The urgent review after VW-0102's admission is overdue since Friday 20 November.
    late = list(_groups(days["2026-11-20"], "rc-entry"))
    assert [(e.get("data-case"), e.get("data-overdue")) for e in late] == [("VW-0102", "true")]
    # Christmas and Boxing Day are bank holidays; 28 December is the substitute day.
    for iso in ("2026-12-25", "2026-12-26", "2026-12-28"):
        assert days[iso].get("data-kind") == "holiday"
        assert not list(_groups(days[iso], "rc-entry"))
    assert days["2026-11-28"].get("data-kind") == "weekend"


def test_the_example_summary(cal: Any, book: CaseBook) -> None:
    text = " ".join(cal.review_summary(book, "CM-01", as_of=AS_OF))
    assert "Overdue: VW-0102 urgent review after hospital admission" in text
    assert "3 days overdue" in text
    assert "Christmas Day (25 December 2026)" in text


@pytest.mark.parametrize("months", [1, 3])
@pytest.mark.parametrize("manager", ["CM-01", "CM-02", "CM-03"])
def test_every_example_manager_and_span(
    cal: Any, book: CaseBook, manager: str, months: int
) -> None:
    _check_calendar(cal, book, manager, AS_OF, months)


def test_a_crowded_day_lists_the_rest_as_more(cal: Any, book: CaseBook) -> None:
    """Nine copies of a case with a daily review: the cells overflow into "+n more"."""
    original = book.cases_of("CM-01")[0]
    copies = tuple(attrs.evolve(original, id=CaseId(f"{original.id}-{k}")) for k in range(9))
    crowded = attrs.evolve(book, cases=(*book.cases, *copies))
    root = _check_calendar(cal, crowded, "CM-01", AS_OF, 1)
    assert any(True for _ in _groups(root, "rc-more"))


@settings(max_examples=30)
@given(
    book=case_books(max_cases=3),
    offset=st.integers(min_value=-40, max_value=60),
    fallback=dates(min_value=pendulum.Date(2000, 1, 1), max_value=pendulum.Date(2100, 1, 1)),
)
def test_any_case_book_is_drawn_as_the_services_schedule_it(
    cal: Any, book: CaseBook, offset: int, fallback: pendulum.Date
) -> None:
    assume(book.manager_ids)
    day = default_as_of(book) or fallback  # a case manager with no cases: any day
    _check_calendar(cal, book, str(book.manager_ids[0]), day.add(days=offset), 2)


def test_months_shown_roll_over_the_year(cal: Any) -> None:
    assert cal.months_shown(pendulum.date(2026, 11, 30), 4) == (
        (2026, 11),
        (2026, 12),
        (2027, 1),
        (2027, 2),
    )
    with pytest.raises(ValueError, match="at least 1"):
        cal.months_shown(AS_OF, 0)
