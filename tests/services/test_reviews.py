"""Review scheduling (M1-M7, A2, P3): cadences on working-day calendars, the window rule,
event-triggered reviews, deadlines and the rules of the calendar."""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
from collections.abc import Sequence

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casemgmt.errors import InvariantError
from casemgmt.model import (
    Assessment,
    AssessmentId,
    AssessmentKind,
    CareEvent,
    CareEventKind,
    CarePlan,
    CarePlanId,
    CarePlanStatus,
    Case,
    CaseId,
    CaseManagerId,
    CaseStatus,
    ContactMode,
    DateRange,
    FrequencyUnit,
    Goal,
    GoalAchievementStatus,
    GoalDomain,
    GoalId,
    GoalLifecycleStatus,
    Referral,
    ReferralId,
    ReferralOutcome,
    ReferralSourceId,
    RehabilitationCodeTrack,
    Review,
    ReviewId,
    ReviewKind,
    RiskTier,
)
from casemgmt.policies import (
    DAILY,
    ENGLAND_AND_WALES,
    FORTNIGHTLY,
    MONTHLY,
    NORTHERN_IRELAND,
    PROGRAMMES,
    QUARTERLY,
    REHABILITATION_CODE_REVIEWS,
    REVIEW_POLICIES,
    SCOTLAND,
    STANDARD_REVIEWS,
    VIRTUAL_WARD_REVIEWS,
    WEEKLY,
    Cadence,
    Clock,
    ReviewPolicy,
    Roll,
    TierCadences,
    WorkingCalendar,
)
from casemgmt.services import CaseBook, DueKind, next_review, reviews_due, schedule
from casemgmt.testing.strategies import case_books

from ._review_builders import BARE, BY, CLIENT, at, day, make_case, tier_change

EVERY_DAY = WorkingCalendar(region=None, weekend=frozenset())

CADENCES = st.sampled_from(
    [
        DAILY,
        WEEKLY,
        FORTNIGHTLY,
        MONTHLY,
        QUARTERLY,
        Cadence(every=3, unit=FrequencyUnit.DAY),
        Cadence(every=1, unit=FrequencyUnit.YEAR),
    ]
)
CALENDARS = st.sampled_from(
    [
        ENGLAND_AND_WALES,
        SCOTLAND,
        NORTHERN_IRELAND,
        WorkingCalendar(region=None),
        WorkingCalendar(closures=frozenset({pendulum.Date(2027, 1, 4)})),
    ]
)
TIERS = st.sampled_from(RiskTier)


def _days(low: str = "1990-01-01", high: str = "2150-12-31") -> st.SearchStrategy[pendulum.Date]:
    return st.dates(
        min_value=dt.date.fromisoformat(low), max_value=dt.date.fromisoformat(high)
    ).map(lambda d: pendulum.Date(d.year, d.month, d.day))


@st.composite
def policies(draw: st.DrawFn) -> ReviewPolicy:
    return attrs.evolve(
        BARE,
        cadences=TierCadences(
            high=draw(CADENCES),
            medium=draw(CADENCES),
            low=draw(CADENCES),
            unscored=draw(st.none() | CADENCES),
        ),
        mdt=draw(st.none() | CADENCES),
        care_plan_review=draw(st.none() | CADENCES),
        roll=draw(st.sampled_from(Roll)),
        out_of_hours_cover=draw(st.booleans()),
    )


def held(on: pendulum.Date, kind: ReviewKind = ReviewKind.CASE_REVIEW, n: int = 0) -> Review:
    return Review(
        id=ReviewId(f"RV-{on.isoformat()}-{n}"),
        kind=kind,
        held_on=on,
        contact_mode=ContactMode.TELEPHONE,
    )


def plan(
    created: pendulum.Date,
    *,
    version: int = 1,
    next_review: pendulum.Date | None = None,
    goals: Sequence[Goal] = (),
) -> CarePlan:
    return CarePlan(
        id=CarePlanId(f"CP-{version}"),
        client_id=CLIENT,
        version=version,
        status=CarePlanStatus.ACTIVE,
        period=DateRange(start=created),
        created_on=created,
        goals=tuple(goals),
        next_review=next_review,
    )


def goal(due: pendulum.Date, n: int = 1, achievement: GoalAchievementStatus | None = None) -> Goal:
    return Goal(
        id=GoalId(f"G-{n}"),
        description="Walk to the shop",
        domain=GoalDomain.INDEPENDENCE,
        start=due.subtract(days=60),
        lifecycle_status=GoalLifecycleStatus.ACTIVE,
        due=due,
        achievement_status=achievement,
    )


def longest_closed_run(calendar: WorkingCalendar, start: pendulum.Date, end: pendulum.Date) -> int:
    """The longest run of consecutive non-working days from ``start`` to ``end``, computed
    day by day, independently of the scheduler."""
    longest = run = 0
    for offset in range((end - start).in_days() + 1):
        current = start.add(days=offset)
        run = 0 if calendar.is_working_day(current) else run + 1
        longest = max(longest, run)
    return longest


def cadence_span(cadence: Cadence) -> int:
    """The most days between two nominal dates of ``cadence``."""
    if cadence.months:
        return 31 * cadence.months if cadence.months < 12 else 366 * (cadence.months // 12)
    return cadence.days


# --------------------------------------------------------------------- the calendar rules


@pytest.mark.rule("M7")
@given(
    policy=policies(),
    calendar=CALENDARS,
    opened=_days(),
    tier=TIERS,
    changes=st.lists(st.tuples(st.integers(1, 300), TIERS), max_size=3),
    admissions=st.lists(st.integers(0, 300), max_size=2),
    goal_days=st.lists(st.integers(0, 300), max_size=2),
)
def test_no_review_falls_on_a_non_working_day_unless_the_policy_has_cover(
    policy: ReviewPolicy,
    calendar: WorkingCalendar,
    opened: pendulum.Date,
    tier: RiskTier,
    changes: list[tuple[int, RiskTier]],
    admissions: list[int],
    goal_days: list[int],
) -> None:
    events = [tier_change(opened.add(days=n), t) for n, t in changes]
    events += [
        CareEvent(kind=CareEventKind.HOSPITAL_ADMISSION, occurred_on=opened.add(days=n))
        for n in admissions
    ]
    goals = [goal(opened.add(days=n), i) for i, n in enumerate(goal_days)]
    case = make_case(opened, tier, events=events, plans=[plan(opened, goals=goals)])
    planned = schedule(
        case, policy=policy, calendar=calendar, start=opened, end=opened.add(days=400)
    )
    for stream in planned.streams:
        assert stream.kind.is_review
        for due in stream.dates:
            if calendar.is_working_day(due):
                continue
            # M7: only with out-of-hours cover, and only daily reviews and urgent reviews.
            assert policy.out_of_hours_cover
            if stream.kind is DueKind.CASE_REVIEW:
                tier_then = case.risk_tier_on(due) or RiskTier.UNSCORED
                cadence = policy.cadences.for_tier(tier_then)
                assert cadence is not None
                assert cadence.is_daily
            elif stream.kind is DueKind.MDT_DISCUSSION:
                assert policy.mdt == DAILY
            elif stream.kind is DueKind.CARE_PLAN_REVIEW:
                assert policy.care_plan_review == DAILY
            else:
                assert stream.kind is DueKind.URGENT_REVIEW


@pytest.mark.rule("M1")
@given(
    policy=policies(),
    calendar=CALENDARS,
    opened=_days(),
    tier=TIERS,
)
def test_the_gap_between_reviews_never_exceeds_the_cadence_plus_the_holiday_shift(
    policy: ReviewPolicy, calendar: WorkingCalendar, opened: pendulum.Date, tier: RiskTier
) -> None:
    cadence = policy.cadences.for_tier(tier)
    case = make_case(opened, tier)
    end = opened.add(days=800)
    planned = schedule(case, policy=policy, calendar=calendar, start=opened, end=end)
    streams = [s for s in planned.streams if s.kind is DueKind.CASE_REVIEW]
    if cadence is None:
        assert not streams
        return
    (stream,) = streams
    shift = longest_closed_run(calendar, opened.subtract(days=10), end.add(days=10))
    allowed = cadence_span(cadence) + shift
    if cadence.is_daily:
        allowed = 1 if policy.out_of_hours_cover else 1 + shift
    previous = opened
    for due in stream.dates:
        assert 0 < (due - previous).in_days() <= allowed
        previous = due
    # And the schedule runs to the end of the window.
    assert (end - previous).in_days() <= allowed


@pytest.mark.parametrize("roll", list(Roll))
@given(anchor=_days("1990-01-01", "2100-12-31"))
@settings(max_examples=25)
def test_monthly_reviews_never_drift_over_forty_years(roll: Roll, anchor: pendulum.Date) -> None:
    policy = attrs.evolve(BARE, roll=roll)
    case = make_case(anchor, RiskTier.LOW)
    end = anchor.add(years=40)
    dues = (
        schedule(
            case, policy=policy, calendar=ENGLAND_AND_WALES, start=anchor, end=end.add(days=10)
        )
        .streams[0]
        .dates
    )
    expected = []
    for k in range(1, 481):
        year, month0 = divmod(anchor.year * 12 + anchor.month - 1 + k, 12)
        length = stdlib_calendar.monthrange(year, month0 + 1)[1]
        nominal = pendulum.Date(year, month0 + 1, min(anchor.day, length))
        step = 1 if roll is Roll.FORWARD else -1
        due = nominal
        while not ENGLAND_AND_WALES.is_working_day(due):
            due = due.add(days=step)
        if due <= anchor:
            due = ENGLAND_AND_WALES.roll(nominal, Roll.FORWARD)
        expected.append(due)
    assert list(dues[:480]) == expected


def test_month_ends_and_leap_years() -> None:
    every_day = attrs.evolve(BARE, out_of_hours_cover=True)

    def dues(anchor: str, cadence: Cadence, count: int) -> list[str]:
        policy = attrs.evolve(every_day, cadences=TierCadences(low=cadence))
        case = make_case(day(anchor), RiskTier.LOW)
        stream = schedule(
            case, policy=policy, calendar=EVERY_DAY, start=day(anchor), end=day(anchor).add(years=6)
        ).streams[0]
        return [d.isoformat() for d in stream.dates[:count]]

    assert dues("2024-01-31", MONTHLY, 3) == ["2024-02-29", "2024-03-31", "2024-04-30"]
    assert dues("2023-01-31", MONTHLY, 3) == ["2023-02-28", "2023-03-31", "2023-04-30"]
    yearly = Cadence(every=1, unit=FrequencyUnit.YEAR)
    assert dues("2024-02-29", yearly, 5) == [
        "2025-02-28",
        "2026-02-28",
        "2027-02-28",
        "2028-02-29",
        "2029-02-28",
    ]
    assert dues("2099-12-31", Cadence(every=2, unit=FrequencyUnit.MONTH), 2) == [
        "2100-02-28",  # 2100 is not a leap year
        "2100-04-30",
    ]


def _last_sunday(year: int, month: int) -> pendulum.Date:
    last = pendulum.Date(year, month, 31)
    return last.subtract(days=last.isoweekday() % 7)


@given(year=st.integers(2000, 2150), autumn=st.booleans(), hour=st.integers(0, 23))
def test_reviews_keep_their_local_time_through_the_weeks_of_the_clock_changes(
    year: int, autumn: bool, hour: int
) -> None:
    policy = attrs.evolve(BARE, out_of_hours_cover=True, review_hour=hour)
    change = _last_sunday(year, 10 if autumn else 3)
    case = make_case(change.subtract(days=10), RiskTier.HIGH)
    items = schedule(
        case,
        policy=policy,
        calendar=ENGLAND_AND_WALES,
        start=change.subtract(days=3),
        end=change.add(days=3),
    ).items()
    assert [i.due for i in items] == [change.add(days=n) for n in range(-3, 4)]
    for item in items:
        summer = (item.due > change) if not autumn else (item.due < change)
        if item.due == change:
            # The Sunday itself: BST from 01:00 GMT in spring, GMT from 01:00 GMT in autumn;
            # 01:xx does not exist in spring (it is read as 02:xx BST) and is BST in autumn.
            summer = hour >= 1 if not autumn else hour < 2
        assert item.due_at.utcoffset() == dt.timedelta(hours=1 if summer else 0)
        expected_hour = 2 if (not autumn and item.due == change and hour == 1) else hour
        assert (item.due_at.date(), item.due_at.hour) == (item.due, expected_hour)


@pytest.mark.rule("M6", "M7")
@given(
    calendar=CALENDARS,
    event_day=_days("2000-01-01", "2140-12-31"),
    allowance=st.integers(0, 5),
    working_days=st.booleans(),
    cover=st.booleans(),
    kind=st.sampled_from(
        [CareEventKind.HOSPITAL_ADMISSION, CareEventKind.EMERGENCY_DEPARTMENT_ATTENDANCE]
    ),
)
def test_an_admission_or_a_and_e_attendance_is_reviewed_within_its_window(
    calendar: WorkingCalendar,
    event_day: pendulum.Date,
    allowance: int,
    working_days: bool,
    cover: bool,
    kind: CareEventKind,
) -> None:
    clock = attrs.evolve(STANDARD_REVIEWS.urgent_review, days=allowance, working_days=working_days)
    policy = attrs.evolve(BARE, urgent_review=clock, out_of_hours_cover=cover)
    opened = event_day.subtract(days=30)
    case = make_case(
        opened,
        RiskTier.LOW,
        events=[CareEvent(kind=kind, occurred_on=event_day)],
        reviews=[held(opened.add(days=1))],
    )
    due = next(
        i
        for i in reviews_due(
            [case], policy=policy, calendar=calendar, as_of=event_day, until=event_day.add(days=40)
        ).items
        if i.kind is DueKind.URGENT_REVIEW
    )
    assert due.rule_id == "M6"
    if cover:
        assert due.due == event_day.add(days=allowance)
    elif working_days:
        assert calendar.is_working_day(due.due)
        if allowance:
            assert calendar.working_days_between(event_day, due.due) == allowance
        else:
            assert due.due == calendar.roll(event_day, Roll.FORWARD)
    else:
        assert calendar.is_working_day(due.due)
        window = [event_day.add(days=n) for n in range(allowance + 1)]
        if any(calendar.is_working_day(d) for d in window):
            assert event_day <= due.due <= event_day.add(days=allowance)
        else:
            assert due.due == calendar.roll(event_day, Roll.FORWARD)
    # Any review on or after the event meets it.
    seen = case.record_review(
        held(event_day, ReviewKind.URGENT_REVIEW, 1), by=BY, at=at(event_day)
    ).case
    after = reviews_due(
        [seen], policy=policy, calendar=calendar, as_of=event_day, until=event_day.add(days=40)
    )
    assert all(i.kind is not DueKind.URGENT_REVIEW for i in after.items)


# --------------------------------------------------------------- the window rule and cycles

MONDAY = day("2026-03-02")


@pytest.mark.rule("M1")
def test_a_review_in_a_window_meets_that_occurrence_and_a_late_one_meets_the_next() -> None:
    weekly = make_case(MONDAY, RiskTier.MEDIUM)
    due = next_review(weekly, as_of=MONDAY, policy=BARE, calendar=ENGLAND_AND_WALES)
    assert due is not None
    assert (due.due, due.overdue, due.rule_id) == (day("2026-03-09"), False, "M1")
    assert due.title == "weekly case review"
    # Early in the first window: it meets the review due on the 9th.
    early = weekly.record_review(held(day("2026-03-04")), by=BY, at=at(day("2026-03-04"))).case
    due = next_review(early, as_of=day("2026-03-10"), policy=BARE, calendar=ENGLAND_AND_WALES)
    assert due is not None
    assert (due.due, due.overdue) == (day("2026-03-16"), False)
    # Nothing held: on the 20th the review of the 9th is 11 days overdue, two missed.
    due = next_review(weekly, as_of=day("2026-03-20"), policy=BARE, calendar=ENGLAND_AND_WALES)
    assert due is not None
    assert (due.due, due.days_overdue, due.working_days_overdue, due.missed) == (
        day("2026-03-09"),
        11,
        9,
        2,
    )
    # A late review (on the 11th) falls in the window of the 16th and meets it; the 9th
    # stays missed, and the next review is the 23rd.
    late = weekly.record_review(held(day("2026-03-11")), by=BY, at=at(day("2026-03-11"))).case
    due = next_review(late, as_of=day("2026-03-12"), policy=BARE, calendar=ENGLAND_AND_WALES)
    assert due is not None
    assert due.due == day("2026-03-23")
    # Reviews after as_of are not yet known.
    assert next_review(
        late, as_of=day("2026-03-10"), policy=BARE, calendar=ENGLAND_AND_WALES
    ) == next_review(weekly, as_of=day("2026-03-10"), policy=BARE, calendar=ENGLAND_AND_WALES)


@pytest.mark.rule("M1")
def test_a_plan_revision_restarts_the_cycle_and_a_tier_change_changes_the_cadence() -> None:
    weekly = make_case(MONDAY, RiskTier.MEDIUM)
    revised = attrs.evolve(weekly, plans=(plan(day("2026-03-12")),))
    due = next_review(revised, as_of=day("2026-03-12"), policy=BARE, calendar=ENGLAND_AND_WALES)
    assert due is not None
    # A week after the revision, not the 16th; the review of the 9th, missed in the old
    # cycle, is superseded by the new one.
    assert (due.due, due.overdue) == (day("2026-03-19"), False)
    riskier = weekly.record_event(
        tier_change(day("2026-03-12"), RiskTier.HIGH), by=BY, at=at(day("2026-03-12"))
    ).case
    due = next_review(riskier, as_of=day("2026-03-12"), policy=BARE, calendar=ENGLAND_AND_WALES)
    assert due is not None
    assert (due.due, due.title) == (day("2026-03-13"), "daily case review")
    planned = schedule(
        riskier, start=MONDAY, end=day("2026-03-18"), policy=BARE, calendar=ENGLAND_AND_WALES
    )
    assert [(s.title, [d.isoformat() for d in s.dates]) for s in planned.streams] == [
        ("weekly case review", ["2026-03-09"]),
        ("daily case review", ["2026-03-13", "2026-03-16", "2026-03-17", "2026-03-18"]),
    ]


@pytest.mark.rule("M6")
def test_on_hold_closed_and_declined_cases() -> None:
    admitted = CareEvent(kind=CareEventKind.HOSPITAL_ADMISSION, occurred_on=day("2026-03-05"))
    paused = make_case(MONDAY, RiskTier.HIGH, status=CaseStatus.ON_HOLD, events=[admitted])
    due = next_review(paused, as_of=day("2026-03-05"), policy=BARE, calendar=ENGLAND_AND_WALES)
    assert due is not None
    assert due.kind is DueKind.URGENT_REVIEW  # routine reviews pause; urgent ones do not
    running = next_review(
        paused,
        as_of=day("2026-03-05"),
        policy=attrs.evolve(BARE, pause_on_hold=False),
        calendar=ENGLAND_AND_WALES,
    )
    assert running is not None
    assert running.kind is DueKind.CASE_REVIEW
    closed = make_case(
        MONDAY,
        RiskTier.HIGH,
        status=CaseStatus.CLOSED,
        closed_on=day("2026-03-04"),
        manager="none",
    )
    assert (
        next_review(closed, as_of=day("2026-03-10"), policy=BARE, calendar=ENGLAND_AND_WALES)
        is None
    )
    history = schedule(
        closed, start=MONDAY, end=day("2026-03-31"), policy=BARE, calendar=ENGLAND_AND_WALES
    )
    assert history.streams == ()
    assert (
        reviews_due(
            [closed], as_of=day("2026-03-10"), policy=BARE, calendar=ENGLAND_AND_WALES
        ).items
        == ()
    )


# ------------------------------------------------------------ one-off items and deadlines


@pytest.mark.rule("A2")
def test_the_initial_assessment_is_due_soon_after_the_referral_a2() -> None:
    case = make_case(MONDAY, RiskTier.LOW, referred=day("2026-02-26"))
    due = next_review(
        case,
        as_of=day("2026-02-27"),
        policy=STANDARD_REVIEWS.with_mdt(None),
        calendar=ENGLAND_AND_WALES,
    )
    assert due is not None
    assert (due.kind, due.rule_id, due.due) == (
        DueKind.INITIAL_ASSESSMENT,
        "A2",
        day("2026-03-12"),  # ten working days after Thursday 26 February
    )
    assert not due.verified  # the figure is this library's assumption
    assessed = case.record_assessment(
        Assessment(
            id=AssessmentId("A-1"),
            client_id=CLIENT,
            kind=AssessmentKind.INITIAL,
            performed_on=day("2026-03-03"),
            contact_mode=ContactMode.FACE_TO_FACE,
        ),
        by=BY,
        at=at(day("2026-03-03")),
    ).case
    items = reviews_due(
        [assessed],
        policy=STANDARD_REVIEWS,
        calendar=ENGLAND_AND_WALES,
        as_of=day("2026-03-04"),
        until=day("2026-03-31"),
    ).items
    assert DueKind.INITIAL_ASSESSMENT not in {i.kind for i in items}


def ina_starts(case: Case, clock: Clock) -> pendulum.Date | None:
    """When the initial-assessment clock starts, as the policies describe it: the earliest
    referral received, or for the Rehabilitation Code's INA the case manager's appointment
    (the earliest acceptance of a referral; the opening day of an open snapshot without
    one; not yet, for a case not accepted)."""
    if clock.key != "ina-after-appointment":
        return min(r.received_on for r in case.referrals)
    accepted = [
        r.outcome_on
        for r in case.referrals
        if r.outcome is ReferralOutcome.ACCEPTED and r.outcome_on is not None
    ]
    if accepted:
        return min(accepted)
    return case.opened_on if case.is_open else None


def ina_due(calendar: WorkingCalendar, start: pendulum.Date, clock: Clock) -> pendulum.Date:
    """The case manager's own deadline "within" ``clock`` of ``start``, counted with the
    calendar's public methods (which tabulate their own years): working days counted, or
    calendar days ending on a working day, moved back into the allowance when it can be."""
    if clock.working_days:
        return calendar.add_working_days(start, clock.days)
    due = start.add(days=clock.days)
    back = calendar.roll(due, Roll.BACKWARD)
    return back if back >= start else calendar.roll(due, Roll.FORWARD)


@pytest.mark.rule("A2")
@settings(max_examples=40)
@given(
    book=case_books(max_cases=2),
    policy=st.sampled_from(sorted(REVIEW_POLICIES.values(), key=lambda p: p.key)),
    data=st.data(),
)
def test_a_referral_however_long_before_the_case_opened_is_counted_from_its_own_day(
    book: CaseBook, policy: ReviewPolicy, data: st.DataObject
) -> None:
    """Referrals received any time from 1970 to the day they were: schedule, next_review
    and reviews_due never fail, and the initial assessment is due when the calendar's own
    count says, whichever day the clock starts on."""
    calendar = book.calendar()
    for drawn in book.cases:
        referrals = tuple(
            attrs.evolve(r, received_on=data.draw(_days("1970-01-01", r.received_on.isoformat())))
            for r in drawn.referrals
        )
        case = attrs.evolve(drawn, referrals=referrals)
        as_of = case.opened_on.add(days=data.draw(st.integers(min_value=0, max_value=400)))
        until = as_of.add(days=60)
        planned = schedule(case, policy=policy, calendar=calendar, start=as_of, end=until)
        assert all(as_of <= d <= until for d in planned.dates)
        due = reviews_due([case], policy=policy, calendar=calendar, as_of=as_of, until=until)
        following = next_review(case, policy=policy, calendar=calendar, as_of=as_of)
        if following is None:
            assert due.items == ()
        else:
            assert (following in due.items) is (following.due <= until)
        clock = policy.initial_assessment
        assert clock is not None  # every preset has one
        starts = ina_starts(case, clock)
        ina = [i.due for i in due.items if i.kind is DueKind.INITIAL_ASSESSMENT]
        in_window = [
            d for s in planned.streams if s.kind is DueKind.INITIAL_ASSESSMENT for d in s.dates
        ]
        ended = case.status in (CaseStatus.CLOSED, CaseStatus.DECLINED)
        if ended or starts is None:
            assert ina == in_window == []
            continue
        expected = ina_due(calendar, starts, clock)
        assessed = min((a.performed_on for a in case.assessments), default=None)
        outstanding = assessed is None or assessed > as_of
        assert ina == ([expected] if outstanding and expected <= until else [])
        listed = (assessed is None or assessed > until) and as_of <= expected <= until
        assert in_window == ([expected] if listed else [])


MARCH_10 = day("2025-03-10")


@pytest.mark.rule("A2")
def test_the_reported_referral_of_2012_on_a_case_opened_in_2025() -> None:
    """The calendar once started at the case's opening year (less a block of years): a
    referral of 2012 on a case opened in 2025 raised IndexError in schedule, and next_review
    read its deadline from the wrong end of the table; one of 2016 happened to fit."""
    for received in (day("2012-03-01"), day("2016-03-01")):
        case = make_case(day("2025-03-03"), RiskTier.LOW, referred=received)
        policy = STANDARD_REVIEWS.with_mdt(None)
        overdue = next_review(case, policy=policy, calendar=ENGLAND_AND_WALES, as_of=MARCH_10)
        assert overdue is not None
        assert overdue.kind is DueKind.INITIAL_ASSESSMENT
        assert overdue.due == ENGLAND_AND_WALES.add_working_days(received, 10)
        assert overdue.overdue
        planned = schedule(
            case,
            policy=policy,
            calendar=ENGLAND_AND_WALES,
            start=day("2025-03-03"),
            end=day("2025-04-30"),
        )
        assert DueKind.INITIAL_ASSESSMENT not in {s.kind for s in planned.streams}
        assert [d.isoformat() for d in planned.dates] == ["2025-04-03"]  # the monthly review


@pytest.mark.rule("A2")
@given(
    received=_days("1990-01-01", "2150-12-31"),
    waited=st.integers(min_value=0, max_value=4000),
    calendar=CALENDARS,
)
def test_the_immediate_needs_assessment_counts_from_the_case_managers_appointment(
    received: pendulum.Date, waited: int, calendar: WorkingCalendar
) -> None:
    """Under the Rehabilitation Code the INA is due 21 days after the case manager's
    appointment (the day the case is accepted), however long the referral waited; the
    standard clock still counts ten working days from the referral."""
    referral = Referral(
        id=ReferralId("R-1"),
        client_id=CLIENT,
        source_id=ReferralSourceId("SRC-1"),
        received_on=received,
        reason="injured at work",
    )
    case, _ = Case.refer(
        id=CaseId("C-1"), referral=referral, programme="rehabilitation-code", by=BY, at=at(received)
    )
    policy = REHABILITATION_CODE_REVIEWS
    clock = policy.initial_assessment
    assert clock is not None
    waiting = next_review(case, policy=policy, calendar=calendar, as_of=received)
    assert waiting is None  # no case manager yet: the clock has not started
    appointed = received.add(days=waited)
    case, _ = case.accept(CaseManagerId("CM-1"), by=BY, at=at(appointed))
    items = reviews_due(
        [case], policy=policy, calendar=calendar, as_of=appointed, until=appointed.add(days=40)
    ).items
    ina = [i for i in items if i.kind is DueKind.INITIAL_ASSESSMENT]
    assert [i.due for i in ina] == [ina_due(calendar, appointed, clock)]
    assert appointed < ina[0].due <= appointed.add(days=21)
    standard = STANDARD_REVIEWS.initial_assessment
    assert standard is not None
    expected = ina_due(calendar, received, standard)
    items = reviews_due(
        [case],
        policy=STANDARD_REVIEWS,
        calendar=calendar,
        as_of=appointed,
        until=max(appointed, expected),
    ).items
    assert [i.due for i in items if i.kind is DueKind.INITIAL_ASSESSMENT] == [expected]


def test_days_a_schedule_counts_from_must_be_in_the_calendars_years() -> None:
    """Before 1970 nothing can be counted: a clear error, not a wrong day; an item already
    met needs no counting. Past 2199 an item is left out."""
    early = make_case(day("2025-03-03"), RiskTier.LOW, referred=day("1969-12-31"))
    policy = STANDARD_REVIEWS.with_mdt(None)
    with pytest.raises(ValueError, match="1970"):
        next_review(early, policy=policy, calendar=ENGLAND_AND_WALES, as_of=MARCH_10)
    assessed = attrs.evolve(
        early,
        assessments=(
            Assessment(
                id=AssessmentId("A-1"),
                client_id=CLIENT,
                kind=AssessmentKind.INITIAL,
                performed_on=day("2025-03-04"),
                contact_mode=ContactMode.FACE_TO_FACE,
            ),
        ),
    )
    due = next_review(assessed, policy=policy, calendar=ENGLAND_AND_WALES, as_of=MARCH_10)
    assert due is not None
    assert due.kind is DueKind.CASE_REVIEW
    late_goal = make_case(
        day("2199-01-02"),
        RiskTier.LOW,
        plans=[plan(day("2199-01-02"), goals=[goal(day("2199-12-31"))])],
    )
    planned = schedule(
        late_goal,
        policy=BARE,
        calendar=ENGLAND_AND_WALES,
        start=day("2199-12-01"),
        end=day("2199-12-31"),
    )
    assert day("2199-12-31") in planned.dates  # a Tuesday
    far = make_case(
        day("2026-01-05"),
        RiskTier.LOW,
        plans=[
            plan(
                day("2026-01-05"),
                goals=[
                    goal(day("2199-12-31")),
                    goal(day("2150-06-01"), 2),
                    goal(day("2200-01-02"), 3),  # after the calendars' last year: left out
                ],
            )
        ],
    )
    items = reviews_due(
        [far],
        policy=BARE,
        calendar=ENGLAND_AND_WALES,
        as_of=day("2026-02-20"),
        until=day("2199-12-31"),
    ).items
    assert [i.due for i in items if i.kind is DueKind.GOAL_DUE] == [
        day("2150-06-01"),
        day("2199-12-31"),
    ]


def test_rehabilitation_code_clocks_run_from_their_events_and_stop_on_the_reply() -> None:
    requested = CareEvent(
        kind=CareEventKind.REHABILITATION_REQUESTED, occurred_on=day("2026-11-02")
    )
    triage = CareEvent(kind=CareEventKind.TRIAGE_REPORT_RECEIVED, occurred_on=day("2026-11-05"))
    case = make_case(
        day("2026-11-02"),
        RiskTier.LOW,
        events=[requested, triage],
        track=RehabilitationCodeTrack.LOWER_VALUE,
    )
    policy = REHABILITATION_CODE_REVIEWS.with_mdt(None).with_initial_assessment(None)
    items = reviews_due(
        [case],
        policy=policy,
        calendar=ENGLAND_AND_WALES,
        as_of=day("2026-11-23"),
        until=day("2026-11-30"),
    ).items
    deadlines = {
        i.clock.key: i for i in items if i.clock is not None and i.kind is DueKind.DEADLINE
    }
    response = deadlines["rc2015-compensator-response"]
    assert response.due == day("2026-11-23")  # 21 calendar days; due today
    assert response.verified
    funding = deadlines["rc2015-lower-value-funding"]
    assert funding.due == day("2026-11-20")  # 15 days after the triage report
    assert funding.overdue
    assert not funding.verified
    assert "[unverified figure]" in str(funding)
    answered = case.record_event(
        CareEvent(kind=CareEventKind.COMPENSATOR_RESPONDED, occurred_on=day("2026-11-20")),
        by=BY,
        at=at(day("2026-11-20")),
    ).case
    items = reviews_due(
        [answered], policy=policy, calendar=ENGLAND_AND_WALES, as_of=day("2026-11-23")
    ).items
    keys = {i.clock.key for i in items if i.clock is not None}
    assert "rc2015-compensator-response" not in keys
    # The lower-value clock applies only on the lower-value track.
    other_track = attrs.evolve(
        case,
        referrals=tuple(
            attrs.evolve(
                r, rehabilitation_code_track=RehabilitationCodeTrack.IMMEDIATE_NEEDS_ASSESSMENT
            )
            for r in case.referrals
        ),
    )
    items = reviews_due(
        [other_track], policy=policy, calendar=ENGLAND_AND_WALES, as_of=day("2026-11-23")
    ).items
    assert "rc2015-lower-value-funding" not in {i.clock.key for i in items if i.clock}


def test_goal_due_dates_and_the_plans_own_review_date() -> None:
    open_goal = goal(day("2026-04-04"), 1)  # a Saturday
    achieved = goal(day("2026-04-10"), 2, achievement=GoalAchievementStatus.ACHIEVED)
    case = make_case(
        MONDAY,
        RiskTier.LOW,
        plans=[plan(MONDAY, next_review=day("2026-04-13"), goals=[open_goal, achieved])],
    )
    streams = schedule(
        case, policy=BARE, calendar=ENGLAND_AND_WALES, start=MONDAY, end=day("2026-07-31")
    ).streams
    by_kind = {s.kind: s for s in streams}
    assert [d.isoformat() for d in by_kind[DueKind.GOAL_DUE].dates] == ["2026-04-07"]
    assert by_kind[DueKind.GOAL_DUE].goal_id == GoalId("G-1")
    # The plan's own date first, then every three months from it (Easter Monday is 6 April).
    assert [d.isoformat() for d in by_kind[DueKind.CARE_PLAN_REVIEW].dates] == [
        "2026-04-13",
        "2026-07-13",
    ]
    no_cadence = attrs.evolve(BARE, care_plan_review=None)
    streams = schedule(
        case, policy=no_cadence, calendar=ENGLAND_AND_WALES, start=MONDAY, end=day("2026-07-31")
    ).streams
    plan_reviews = [s for s in streams if s.kind is DueKind.CARE_PLAN_REVIEW]
    assert [[d.isoformat() for d in s.dates] for s in plan_reviews] == [["2026-04-13"]]


def test_reviews_due_groups_by_case_manager_and_looks_to_the_end_of_the_week() -> None:
    cases = [
        make_case(MONDAY, RiskTier.HIGH, case_id="C-1", manager="CM-2"),
        make_case(MONDAY, RiskTier.MEDIUM, case_id="C-2", manager="CM-1"),
        make_case(MONDAY, RiskTier.LOW, case_id="C-3", manager="CM-1"),
    ]
    week = reviews_due(cases, policy=BARE, calendar=ENGLAND_AND_WALES, as_of=day("2026-03-09"))
    assert week.until == day("2026-03-15")  # the Sunday ending the week
    groups = week.by_manager()
    assert list(groups) == [CaseManagerId("CM-1"), CaseManagerId("CM-2")]
    assert [i.case_id for i in groups[CaseManagerId("CM-1")]] == [CaseId("C-2")]
    assert [i.case_id for i in week.for_manager(CaseManagerId("CM-2"))] == [CaseId("C-1")]
    assert [i.case_id for i in week.overdue] == [CaseId("C-1")]  # daily, none held
    assert [(i.case_id, i.due) for i in week.due] == [(CaseId("C-2"), day("2026-03-09"))]
    with pytest.raises(ValueError, match="until"):
        reviews_due(
            cases, policy=BARE, calendar=ENGLAND_AND_WALES, as_of=MONDAY, until=day("2026-03-01")
        )
    with pytest.raises(ValueError, match="end"):
        schedule(
            cases[0], policy=BARE, calendar=ENGLAND_AND_WALES, start=MONDAY, end=day("2026-03-01")
        )


# ---------------------------------------------------------------- policies and the model


@pytest.mark.rule("M2", "M3")
def test_every_programme_has_a_review_policy_with_cited_cadences() -> None:
    assert set(REVIEW_POLICIES) == {p.reviews.key for p in PROGRAMMES.values()} | {"standard"}
    assert PROGRAMMES["virtual-ward"].reviews is VIRTUAL_WARD_REVIEWS
    assert VIRTUAL_WARD_REVIEWS.cadence_rule == "M2"
    assert PROGRAMMES["guided-care"].reviews.cadences.for_tier(RiskTier.HIGH) == MONTHLY
    assert STANDARD_REVIEWS.cadences == TierCadences(
        high=DAILY, medium=WEEKLY, low=MONTHLY, unscored=MONTHLY
    )
    clocks = {c.key: c for c in REHABILITATION_CODE_REVIEWS.clocks}
    assert (
        clocks["rc2015-compensator-response"].days,
        clocks["rc2015-compensator-response"].verified,
    ) == (21, True)
    assert (
        clocks["rc2015-lower-value-funding"].days,
        clocks["rc2015-lower-value-funding"].verified,
    ) == (15, False)
    assert all(c.source for c in clocks.values())
    assert str(FORTNIGHTLY) == "fortnightly"
    assert str(Cadence(every=3, unit=FrequencyUnit.DAY)) == "every 3 days"
    assert str(clocks["rc2015-compensator-response"]) == "within 21 days"


def test_bad_policies_and_events_are_refused_with_every_problem() -> None:
    with pytest.raises(InvariantError) as caught:
        ReviewPolicy(
            key="Bad Key",
            cadence_rule="M9",
            review_hour=24,
            review_minute=60,
            clocks=(
                Clock(key="a", title="x", days=1, source="s", verified=False),
                Clock(key="a", title="x", days=1, source="s", verified=False),
            ),
        )
    paths = {p.path for p in caught.value.problems}
    assert paths == {
        "key",
        "cadence_rule",
        "review_hour",
        "review_minute",
        "clocks[0]",
        "clocks[1]",
        "clocks",
    }
    with pytest.raises(InvariantError, match="every"):
        Cadence(every=0, unit=FrequencyUnit.WEEK)
    with pytest.raises(InvariantError, match="risk_tier"):
        CareEvent(kind=CareEventKind.RISK_TIER_CHANGE, occurred_on=MONDAY)
    with pytest.raises(InvariantError, match="risk_tier"):
        CareEvent(
            kind=CareEventKind.HOSPITAL_ADMISSION, occurred_on=MONDAY, risk_tier=RiskTier.HIGH
        )
    with pytest.raises(InvariantError, match="reviews"):
        make_case(MONDAY, reviews=[held(MONDAY), held(MONDAY)])


def test_the_risk_tier_on_a_day_is_the_latest_change_by_then() -> None:
    case = make_case(
        MONDAY,
        RiskTier.LOW,
        events=[tier_change(day("2026-04-01"), RiskTier.HIGH)],
    )
    assert case.risk_tier_on(MONDAY.subtract(days=1)) is None
    assert case.risk_tier_on(day("2026-03-31")) is RiskTier.LOW
    assert case.risk_tier_on(day("2026-04-01")) is RiskTier.HIGH


def test_a_long_closure_gives_the_same_dates_wherever_the_window_starts() -> None:
    closed = WorkingCalendar(
        closures=frozenset(
            pendulum.Date(2026, 3, 1).add(days=n)
            for n in range(25)  # 1-25 March
        )
    )
    case = make_case(day("2026-01-05"), RiskTier.MEDIUM)
    end = day("2026-04-30")
    whole = schedule(case, policy=BARE, calendar=closed, start=day("2026-01-05"), end=end)
    for start in ("2026-03-20", "2026-03-26"):
        part = schedule(case, policy=BARE, calendar=closed, start=day(start), end=end)
        assert part.dates == tuple(d for d in whole.dates if d >= day(start))
    assert day("2026-03-26") in whole.dates  # the reviews of 2-23 March all move to the 26th


@settings(max_examples=20)
@given(review=st.from_type(Review), event=st.from_type(CareEvent))
def test_reviews_and_events_have_registered_strategies(review: Review, event: CareEvent) -> None:
    assert isinstance(review.kind, ReviewKind)
    assert (event.risk_tier is not None) == (event.kind is CareEventKind.RISK_TIER_CHANGE)
