"""Bulk review schedules: the columns of ``schedule_columns`` are the per-case ``schedule``'s
dates, case by case, with the instants of ``WorkingCalendar.instant``; ``case_cycles``
finds each case's current cycle."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence

import attrs
import numpy as np
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from casemgmt.model import (
    CareEvent,
    CareEventKind,
    CarePlan,
    CarePlanId,
    CarePlanStatus,
    CaseId,
    CaseStatus,
    DateRange,
    FrequencyUnit,
    RiskTier,
)
from casemgmt.policies import (
    DAILY,
    ENGLAND_AND_WALES,
    FORTNIGHTLY,
    MONTHLY,
    NORTHERN_IRELAND,
    QUARTERLY,
    SCOTLAND,
    WEEKLY,
    BankHolidayRegion,
    Cadence,
    ReviewPolicy,
    Roll,
    TierCadences,
    WorkingCalendar,
)
from casemgmt.services import (
    DueKind,
    ReviewColumns,
    case_cycles,
    schedule,
    schedule_columns,
)

from ._review_builders import BARE, CLIENT, day, make_case, tier_change

EPOCH = dt.date(1970, 1, 1).toordinal()

CADENCES = st.sampled_from(
    [
        DAILY,
        WEEKLY,
        FORTNIGHTLY,
        Cadence(every=3, unit=FrequencyUnit.DAY),
        MONTHLY,
        QUARTERLY,
        Cadence(every=1, unit=FrequencyUnit.YEAR),
    ]
)
ZONES = st.sampled_from(
    ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
)


def plan(created: pendulum.Date, version: int, status: CarePlanStatus) -> CarePlan:
    return CarePlan(
        id=CarePlanId(f"CP-{version}"),
        client_id=CLIENT,
        version=version,
        status=status,
        period=DateRange(start=created),
        created_on=created,
    )


def datetime64(days: Sequence[pendulum.Date]) -> NDArray[np.datetime64]:
    return np.array([d.toordinal() - EPOCH for d in days], dtype=np.int64).view("datetime64[D]")


def epoch_seconds(columns: ReviewColumns) -> list[int]:
    seconds: list[int] = columns.due_at.view(np.int64).tolist()
    return seconds


@st.composite
def policies(draw: st.DrawFn) -> ReviewPolicy:
    return ReviewPolicy(
        key="bulk",
        cadences=TierCadences(
            high=draw(CADENCES),
            medium=draw(CADENCES),
            low=draw(st.none() | CADENCES),
            unscored=draw(st.none() | CADENCES),
        ),
        mdt=None,
        initial_assessment=None,
        roll=draw(st.sampled_from(Roll)),
        out_of_hours_cover=draw(st.booleans()),
        review_hour=draw(st.sampled_from([0, 1, 2, 9, 23]) | st.integers(0, 23)),
        review_minute=draw(st.sampled_from([0, 30]) | st.integers(0, 59)),
    )


@st.composite
def calendars(draw: st.DrawFn, near: pendulum.Date) -> WorkingCalendar:
    zone = draw(ZONES)
    kind = draw(st.sampled_from(["region", "weekends", "closure", "other-weekend"]))
    if kind == "region":
        return WorkingCalendar(region=draw(st.sampled_from(BankHolidayRegion)), timezone=zone)
    if kind == "weekends":
        return WorkingCalendar(region=None, timezone=zone)
    if kind == "closure":
        closure = near.add(days=draw(st.integers(0, 120)))
        return WorkingCalendar(closures=frozenset({closure}), timezone=zone)
    weekend = draw(st.sampled_from([frozenset({5, 6}), frozenset({7}), frozenset()]))
    return WorkingCalendar(region=BankHolidayRegion.SCOTLAND, weekend=weekend, timezone=zone)


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[
    list[pendulum.Date],
    list[RiskTier],
    ReviewPolicy,
    WorkingCalendar,
    list[tuple[pendulum.Date, pendulum.Date]] | None,
    list[pendulum.Date],
]:
    """Anchors near one another (so a common window meets several), tiers, a policy, a
    calendar, and each case's window: ``None`` for the default start."""
    base = draw(st.dates(dt.date(1990, 1, 1), dt.date(2150, 12, 31)))
    first = pendulum.Date(base.year, base.month, base.day)
    count = draw(st.integers(1, 5))
    anchors = [first.add(days=draw(st.integers(0, 500))) for _ in range(count)]
    tiers = [draw(st.sampled_from(RiskTier)) for _ in range(count)]
    policy = draw(policies())
    calendar = draw(calendars(first))
    shape = draw(st.sampled_from(["default", "common", "per-case"]))
    if shape == "default":
        end = first.add(days=draw(st.integers(-30, 900)))
        return anchors, tiers, policy, calendar, None, [end] * count
    if shape == "common":
        start = first.add(days=draw(st.integers(-40, 600)))
        end = start.add(days=draw(st.integers(0, 800)))
        return anchors, tiers, policy, calendar, [(start, end)] * count, [end] * count
    windows = []
    for anchor in anchors:
        start = anchor.add(days=draw(st.integers(-40, 400)))
        windows.append((start, start.add(days=draw(st.integers(0, 800)))))
    return anchors, tiers, policy, calendar, windows, [w[1] for w in windows]


@settings(max_examples=60)
@given(scenarios(), st.booleans(), st.booleans(), st.booleans())
def test_the_columns_are_the_per_case_schedule(
    scenario: tuple[
        list[pendulum.Date],
        list[RiskTier],
        ReviewPolicy,
        WorkingCalendar,
        list[tuple[pendulum.Date, pendulum.Date]] | None,
        list[pendulum.Date],
    ],
    anchors_as_array: bool,
    tiers_as_values: bool,
    window_as_array: bool,
) -> None:
    anchors, tiers, policy, calendar, windows, ends = scenario
    common = windows is None or len(set(windows)) == 1
    anchor_input: NDArray[np.datetime64] | list[pendulum.Date]
    anchor_input = datetime64(anchors) if anchors_as_array else anchors
    tier_input: NDArray[np.str_] | list[RiskTier]
    tier_input = np.array([t.value for t in tiers]) if tiers_as_values else tiers
    if windows is None:
        end_input = ends[0] if common and not window_as_array else datetime64(ends)
        columns = schedule_columns(
            anchor_input, tier_input, policy=policy, calendar=calendar, end=end_input
        )
    elif common and not window_as_array:
        columns = schedule_columns(
            anchor_input,
            tier_input,
            policy=policy,
            calendar=calendar,
            start=windows[0][0],
            end=windows[0][1],
        )
    else:
        columns = schedule_columns(
            anchor_input,
            tier_input,
            policy=policy,
            calendar=calendar,
            start=datetime64([w[0] for w in windows]),
            end=datetime64([w[1] for w in windows]),
        )
    assert columns.case.dtype == np.int64
    assert columns.due.dtype == np.dtype("datetime64[D]")
    assert columns.due_at.dtype == np.dtype("datetime64[s]")
    assert columns.case.tolist() == sorted(columns.case.tolist())
    expected_instants: list[int] = []
    for row, (anchor, tier) in enumerate(zip(anchors, tiers, strict=True)):
        start, end = (anchor, ends[row]) if windows is None else windows[row]
        expected: tuple[pendulum.Date, ...] = ()
        if end >= start:
            case = make_case(anchor, tier)
            planned = schedule(case, policy=policy, calendar=calendar, start=start, end=end)
            assert {s.kind for s in planned.streams} <= {DueKind.CASE_REVIEW}
            expected = planned.dates
        assert columns.dates_of(row) == expected, (row, anchor, tier, start, end)
        expected_instants += [
            calendar.instant(d, policy.review_hour, policy.review_minute).int_timestamp
            for d in expected
        ]
    assert len(columns) == len(expected_instants)
    assert epoch_seconds(columns) == expected_instants


@settings(max_examples=25)
@given(
    opened=st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
    changes=st.lists(st.tuples(st.integers(-30, 400), st.sampled_from(RiskTier)), max_size=4),
    after=st.integers(0, 500),
    policy=policies(),
)
def test_the_current_cycle_projects_the_case_reviews_from_as_of(
    opened: dt.date,
    changes: list[tuple[int, RiskTier]],
    after: int,
    policy: ReviewPolicy,
) -> None:
    """With no event after ``as_of``, the per-case schedule from ``as_of`` on is the
    projection of the current cycle."""
    opened_on = pendulum.Date(opened.year, opened.month, opened.day)
    events = [tier_change(opened_on.add(days=offset), tier) for offset, tier in changes]
    as_of = max([opened_on, *(e.occurred_on for e in events)]).add(days=after)
    case = make_case(opened_on, None, events=events)
    cycles = case_cycles([case], as_of=as_of)
    end = as_of.add(days=400)
    columns = schedule_columns(
        cycles.anchors, cycles.tiers, policy=policy, calendar=SCOTLAND, start=as_of, end=end
    )
    planned = schedule(case, policy=policy, calendar=SCOTLAND, start=as_of, end=end)
    assert columns.dates_of(0) == planned.dates


# ---------------------------------------------------------------------------------------
# Examples.


def test_the_review_hour_follows_the_clock_changes() -> None:
    # Weekly from Monday 16 March 2026: the clocks go forward on 29 March and back on
    # 25 October, so the 09:00 review is 09:00Z in winter and 08:00Z in summer.
    columns = schedule_columns(
        [day("2026-03-16")],
        [RiskTier.MEDIUM],
        policy=BARE,
        calendar=ENGLAND_AND_WALES,
        end=day("2026-11-02"),
    )
    instants = dict(
        zip(
            [d.isoformat() for d in columns.dates_of(0)],
            [str(t) for t in columns.due_at],
            strict=True,
        )
    )
    assert instants["2026-03-23"] == "2026-03-23T09:00:00"
    assert instants["2026-03-30"] == "2026-03-30T08:00:00"
    assert instants["2026-10-19"] == "2026-10-19T08:00:00"
    assert instants["2026-10-26"] == "2026-10-26T09:00:00"


def test_a_review_time_in_the_gap_or_the_overlap_reads_as_rfc_5545() -> None:
    # Every day (out-of-hours cover) at 01:30: on 29 March 2026 01:30 does not exist in
    # London (read with GMT, the offset before the gap: 01:30Z); on 25 October it happens
    # twice (the first, BST: 00:30Z).
    policy = attrs.evolve(BARE.with_cover(), review_hour=1, review_minute=30)
    columns = schedule_columns(
        [day("2026-03-27"), day("2026-10-23")],
        [RiskTier.HIGH, RiskTier.HIGH],
        policy=policy,
        calendar=ENGLAND_AND_WALES,
        end=datetime64([day("2026-03-30"), day("2026-10-26")]),
    )
    assert [str(t) for t in columns.due_at] == [
        "2026-03-28T01:30:00",
        "2026-03-29T01:30:00",
        "2026-03-30T00:30:00",
        "2026-10-24T00:30:00",
        "2026-10-25T00:30:00",
        "2026-10-26T01:30:00",
    ]


def test_cases_are_in_input_order_and_each_case_by_due_date() -> None:
    anchors = [day("2026-01-05"), day("2026-01-05"), day("2026-01-07"), day("2026-01-02")]
    tiers = [RiskTier.LOW, RiskTier.HIGH, RiskTier.MEDIUM, RiskTier.HIGH]
    columns = schedule_columns(
        anchors, tiers, policy=BARE, calendar=ENGLAND_AND_WALES, end=day("2026-02-06")
    )
    assert [d.isoformat() for d in columns.dates_of(0)] == ["2026-02-05"]
    assert len(columns.dates_of(1)) == 24  # 6 January to 6 February
    assert [d.isoformat() for d in columns.dates_of(2)] == [
        "2026-01-14",
        "2026-01-21",
        "2026-01-28",
        "2026-02-04",
    ]
    assert columns.dates_of(3)[0] == day("2026-01-05")
    assert columns.case.tolist() == sorted(columns.case.tolist())
    assert columns.dates_of(7) == ()


def test_tiers_without_a_cadence_have_no_reviews() -> None:
    policy = attrs.evolve(BARE, cadences=TierCadences(high=DAILY, medium=None, low=None))
    columns = schedule_columns(
        np.array(["2026-01-05", "2026-01-05"], dtype="datetime64[D]"),
        np.array(["unscored", "medium"]),
        policy=policy,
        calendar=ENGLAND_AND_WALES,
        end=day("2027-01-05"),
    )
    assert [d.isoformat() for d in columns.dates_of(0)][:2] == ["2026-02-05", "2026-03-05"]
    assert columns.dates_of(1) == ()


def test_no_cases_no_reviews() -> None:
    columns = schedule_columns([], [], policy=BARE, calendar=SCOTLAND, end=day("2026-12-31"))
    assert len(columns) == 0
    assert columns.case.dtype == np.int64
    assert columns.due.dtype == np.dtype("datetime64[D]")
    assert columns.due_at.dtype == np.dtype("datetime64[s]")
    nothing = schedule_columns(
        [day("2026-03-02")], [RiskTier.LOW], policy=BARE, calendar=SCOTLAND, end=day("2026-03-02")
    )
    assert len(nothing) == 0
    assert case_cycles([], as_of=day("2026-03-02")).anchors.shape == (0,)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tiers": ["high", "urgent"]}, "unknown risk tier 'urgent'"),
        ({"tiers": np.array(["high", "urgent"])}, "unknown risk tier 'urgent'"),
        ({"tiers": [RiskTier.HIGH]}, "1 values for 2 anchors"),
        ({"anchors": np.array([1, 2])}, "datetime64 array"),
        ({"anchors": np.array(["2026-01-01", "NaT"], dtype="datetime64[D]")}, "NaT"),
        ({"anchors": [day("1969-12-31"), day("2026-01-01")]}, "1970 to 2199"),
        ({"start": day("2026-12-01"), "end": day("2026-11-30")}, "before start"),
        ({"end": datetime64([day("2026-11-30")])}, "1 days for 2 anchors"),
    ],
)
def test_bad_inputs_are_refused(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "anchors": [day("2026-01-01"), day("2026-01-02")],
        "tiers": [RiskTier.HIGH, RiskTier.LOW],
        "end": day("2026-12-31"),
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        schedule_columns(policy=BARE, calendar=ENGLAND_AND_WALES, **arguments)  # type: ignore[arg-type]


def test_without_numpy_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(ImportError, match=r"pip install 'casemgmt\[bulk\]'"):
        schedule_columns(
            [day("2026-01-01")],
            [RiskTier.HIGH],
            policy=BARE,
            calendar=ENGLAND_AND_WALES,
            end=day("2026-12-31"),
        )
    with pytest.raises(ImportError, match=r"pip install 'casemgmt\[bulk\]'"):
        case_cycles([], as_of=day("2026-01-01"))


def test_the_current_cycle_starts_at_the_latest_boundary_by_as_of() -> None:
    opened = day("2026-01-05")
    case = make_case(
        opened,
        RiskTier.LOW,
        events=[
            tier_change(day("2025-12-01"), RiskTier.MEDIUM),  # before opening: sets no start
            tier_change(day("2026-02-02"), RiskTier.HIGH),
            tier_change(day("2026-04-06"), RiskTier.MEDIUM),
            CareEvent(kind=CareEventKind.HOSPITAL_ADMISSION, occurred_on=day("2026-03-20")),
        ],
        plans=[
            plan(day("2026-01-20"), 1, CarePlanStatus.COMPLETED),
            plan(day("2026-03-02"), 2, CarePlanStatus.ACTIVE),
        ],
    )
    expected = {
        "2026-01-05": ("2026-01-05", RiskTier.LOW),
        "2026-01-19": ("2026-01-05", RiskTier.LOW),
        "2026-01-20": ("2026-01-20", RiskTier.LOW),
        "2026-02-10": ("2026-02-02", RiskTier.HIGH),
        "2026-03-25": ("2026-03-02", RiskTier.HIGH),  # the plan; the admission is no start
        "2026-04-06": ("2026-04-06", RiskTier.MEDIUM),
        "2027-01-01": ("2026-04-06", RiskTier.MEDIUM),
    }
    for as_of, (anchor, tier) in expected.items():
        cycles = case_cycles([case], as_of=day(as_of))
        assert cycles.case_ids == (CaseId("C-1"),)
        assert [str(a) for a in cycles.anchors] == [anchor], as_of
        assert cycles.tiers == (tier,), as_of
    assert len(case_cycles([case], as_of=day("2026-01-04"))) == 0  # not yet opened


def test_only_open_cases_have_a_cycle() -> None:
    opened = day("2026-01-05")
    cases = [
        make_case(opened, RiskTier.LOW, case_id="C-1"),
        make_case(
            opened,
            RiskTier.LOW,
            status=CaseStatus.CLOSED,
            closed_on=day("2026-02-01"),
            case_id="C-2",
        ),
        make_case(opened, None, status=CaseStatus.ON_HOLD, case_id="C-3"),
    ]
    as_of = day("2026-03-01")
    assert case_cycles(cases, as_of=as_of).case_ids == ("C-1", "C-3")
    assert case_cycles(cases, as_of=as_of).tiers == (RiskTier.LOW, RiskTier.UNSCORED)
    assert case_cycles(cases, as_of=as_of, policy=BARE).case_ids == ("C-1",)
    keeps = attrs.evolve(BARE, pause_on_hold=False)
    assert case_cycles(cases, as_of=as_of, policy=keeps).case_ids == ("C-1", "C-3")


def test_a_scottish_new_year_and_a_backward_roll() -> None:
    # Monthly from 2 December 2025, rolled back: 2 January 2026 is a Scottish bank holiday
    # (a Friday), so the review is held on Wednesday 31 December; in Northern Ireland on
    # the 2nd.
    policy = attrs.evolve(BARE, roll=Roll.BACKWARD)
    for calendar, expected in ((SCOTLAND, "2025-12-31"), (NORTHERN_IRELAND, "2026-01-02")):
        columns = schedule_columns(
            [day("2025-12-02")],
            [RiskTier.LOW],
            policy=policy,
            calendar=calendar,
            end=day("2026-01-31"),
        )
        assert [d.isoformat() for d in columns.dates_of(0)] == [expected]
