"""Monitoring and review rules without a test of their own elsewhere (M2-M5): virtual-ward
rounds by risk status, monthly monitoring, MDT discussions, and a review amending the plan.

The review schedule is computed on a calendar where every day is a working day, so that the
expected dates follow from the cadence alone (the moves to working days are tested in
``test_reviews.py``).
"""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.model import (
    CarePlan,
    CarePlanId,
    CarePlanStatus,
    CaseStatus,
    ClientAgreement,
    DateRange,
    Discipline,
    Goal,
    GoalAchievementStatus,
    GoalDomain,
    GoalId,
    GoalLifecycleStatus,
    Intervention,
    InterventionCategory,
    InterventionId,
    InterventionStatus,
    Money,
    ProviderId,
    Review,
    ReviewId,
    ReviewKind,
    RiskTier,
)
from casemgmt.policies import (
    FORTNIGHTLY,
    GUIDED_CARE_REVIEWS,
    MONTHLY,
    QUARTERLY,
    REHABILITATION_CODE_REVIEWS,
    VIRTUAL_WARD_REVIEWS,
    WEEKLY,
    Cadence,
    ReviewPolicy,
    TierCadences,
    WorkingCalendar,
)
from casemgmt.services import DueKind, next_review, schedule

from ._review_builders import BARE, BY, CLIENT, at, make_case

EVERY_DAY = WorkingCalendar(region=None, weekend=frozenset())
"""Every day is a working day: no review moves."""

opened_days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2140, 12, 31)).map(
    lambda d: pendulum.Date(d.year, d.month, d.day)
)


def case_reviews(
    policy: ReviewPolicy, opened: pendulum.Date, tier: RiskTier, months: int
) -> tuple[str, str | None, tuple[pendulum.Date, ...]]:
    """The routine case-review stream of a case opened on ``opened`` in ``tier``."""
    case = make_case(opened, tier)
    planned = schedule(
        case, policy=policy, calendar=EVERY_DAY, start=opened, end=opened.add(months=months)
    )
    streams = [s for s in planned.streams if s.kind is DueKind.CASE_REVIEW]
    assert len(streams) == 1
    return streams[0].title, streams[0].rule_id, streams[0].dates


def monthly_from(opened: pendulum.Date, months: int) -> tuple[pendulum.Date, ...]:
    # Anchored to the opening day: the 31st is followed by the 28th (or 29th), then the 31st.
    return tuple(opened.add(months=k) for k in range(1, months + 1))


# -- M2 -------------------------------------------------------------------------------------


@pytest.mark.rule("M2")
@given(opened=opened_days, tier=st.sampled_from(RiskTier))
def test_a_virtual_ward_discusses_each_patient_daily_weekly_or_monthly_by_risk(
    opened: pendulum.Date, tier: RiskTier
) -> None:
    """M2: on a virtual ward the round discusses a high-risk patient every day, a
    medium-risk one every week and a low-risk (or unscored) one every month; each round
    cites M2."""
    title, rule_id, dates = case_reviews(VIRTUAL_WARD_REVIEWS, opened, tier, months=3)
    end = opened.add(months=3)
    assert rule_id == "M2"
    if tier is RiskTier.HIGH:
        expected = tuple(opened.add(days=k) for k in range(1, (end - opened).in_days() + 1))
        assert title == "daily case review"
    elif tier is RiskTier.MEDIUM:
        expected = tuple(
            opened.add(days=7 * k) for k in range(1, (end - opened).in_days() // 7 + 1)
        )
        assert title == "weekly case review"
    else:
        expected = monthly_from(opened, 3)
        assert title == "monthly case review"
    assert dates == expected


# -- M3 -------------------------------------------------------------------------------------


@pytest.mark.rule("M3")
@given(opened=opened_days, tier=st.sampled_from(RiskTier))
def test_guided_care_and_personal_injury_case_managers_review_monthly(
    opened: pendulum.Date, tier: RiskTier
) -> None:
    """M3: a Guided Care nurse monitors every patient monthly, whatever the risk; a
    personal-injury case manager under the Rehabilitation Code visits monthly (weekly for
    the highest risk, the library's assumption). Both cite M3."""
    title, rule_id, dates = case_reviews(GUIDED_CARE_REVIEWS, opened, tier, months=12)
    assert (title, rule_id) == ("monthly case review", "M3")
    assert dates == monthly_from(opened, 12)
    title, rule_id, dates = case_reviews(REHABILITATION_CODE_REVIEWS, opened, tier, months=12)
    assert rule_id == "M3"
    if tier is RiskTier.HIGH:
        assert title == "weekly case review"
    else:
        assert (title, dates) == ("monthly case review", monthly_from(opened, 12))


# -- M4 -------------------------------------------------------------------------------------

NO_ROUTINE = TierCadences(high=None, medium=None, low=None, unscored=None)


def _held(on: pendulum.Date, kind: ReviewKind) -> Review:
    return Review(id=ReviewId(f"RV-{kind.value}"), kind=kind, held_on=on)


@pytest.mark.rule("M4")
@given(
    opened=opened_days,
    cadence=st.sampled_from([WEEKLY, FORTNIGHTLY, MONTHLY, QUARTERLY]),
    offset=st.integers(min_value=1, max_value=7),
)
def test_mdt_discussions_recur_at_their_cadence_and_only_an_mdt_meeting_meets_one(
    opened: pendulum.Date, cadence: Cadence, offset: int
) -> None:
    """M4: each case is discussed at the multi-agency (MDT) meeting at the programme's
    cadence from the day it opened; a case review held in the meantime does not count as
    the discussion, an MDT discussion does."""
    policy = attrs.evolve(BARE, cadences=NO_ROUTINE, mdt=cadence)
    case = make_case(opened, RiskTier.MEDIUM)
    planned = schedule(
        case, policy=policy, calendar=EVERY_DAY, start=opened, end=opened.add(years=1)
    )
    (stream,) = planned.streams
    assert (stream.kind, stream.rule_id) == (DueKind.MDT_DISCUSSION, "M4")
    nominal = [
        opened.add(days=cadence.days * k) if cadence.days else opened.add(months=cadence.months * k)
        for k in range(1, 60)
    ]
    assert list(stream.dates) == [d for d in nominal if d <= opened.add(years=1)]
    first, second = stream.dates[0], stream.dates[1]
    held_on = opened.add(days=offset)  # within the first discussion's window
    as_of = first.add(days=1)

    reviewed = attrs.evolve(case, reviews=(_held(held_on, ReviewKind.CASE_REVIEW),))
    due = next_review(reviewed, policy=policy, calendar=EVERY_DAY, as_of=as_of)
    assert due is not None
    assert (due.kind, due.rule_id, due.due, due.overdue) == (
        DueKind.MDT_DISCUSSION,
        "M4",
        first,
        True,
    )
    discussed = attrs.evolve(case, reviews=(_held(held_on, ReviewKind.MDT_DISCUSSION),))
    due = next_review(discussed, policy=policy, calendar=EVERY_DAY, as_of=as_of)
    assert due is not None
    assert (due.due, due.overdue) == (second, False)


# -- M5 -------------------------------------------------------------------------------------

START = pendulum.Date(2026, 1, 12)
END = pendulum.Date(2026, 4, 5)


def _plan() -> CarePlan:
    goal = Goal(
        id=GoalId("G-1"),
        description="Back at work four days a week",
        domain=GoalDomain.EMPLOYMENT,
        start=START,
        lifecycle_status=GoalLifecycleStatus.ACTIVE,
        achievement_status=GoalAchievementStatus.IN_PROGRESS,
    )
    physio = Intervention(
        id=InterventionId("IV-1"),
        category=InterventionCategory.THERAPY,
        discipline=Discipline.PHYSIOTHERAPY,
        description="Physiotherapy",
        provider_id=ProviderId("P-1"),
        goal_ids=frozenset({goal.id}),
        start=START,
        end=END,
        unit_cost=Money.gbp("60"),
        status=InterventionStatus.IN_PROGRESS,
    )
    return CarePlan(
        id=CarePlanId("CP-1"),
        client_id=CLIENT,
        version=1,
        status=CarePlanStatus.ACTIVE,
        period=DateRange(start=START),
        created_on=START,
        goals=(goal,),
        interventions=(physio,),
        agreement=ClientAgreement(agreed_at=pendulum.datetime(2026, 1, 12, 10, tz="Europe/London")),
    )


@pytest.mark.rule("M5")
@given(
    review_after=st.integers(min_value=1, max_value=80),
    new_end_after=st.integers(min_value=0, max_value=365),
    progress=st.sampled_from(GoalAchievementStatus),
)
def test_a_review_extends_or_curtails_a_service_and_records_goal_progress(
    review_after: int, new_end_after: int, progress: GoalAchievementStatus
) -> None:
    """M5: at a review the plan is revised: a service is extended or curtailed to a new end
    and the goal's progress recorded, in a new version of the plan; the version in force
    before the review is kept unchanged (superseded)."""
    first = _plan()
    case = make_case(START, RiskTier.MEDIUM, plans=(first,), status=CaseStatus.ACTIVE)
    reviewed_on = START.add(days=review_after)
    new_end = START.add(days=new_end_after)
    draft = first.revise(reviewed_on)
    (physio,) = draft.interventions
    (goal,) = draft.goals
    amended = attrs.evolve(
        draft,
        interventions=(physio.extend(new_end),),
        goals=(goal.record_progress(progress, reviewed_on),),
    )
    case = case.adopt_plan(amended, by=BY, at=at(reviewed_on)).case

    old, new = case.plans
    assert old == attrs.evolve(first, status=CarePlanStatus.REVOKED)
    assert old.interventions[0].end == END
    assert new.version == first.version + 1
    assert new.interventions[0].end == new_end
    new_days, old_days = new.interventions[0].dates.days, first.interventions[0].dates.days
    assert new_days is not None
    assert old_days is not None
    assert (new_end > END) is (new_days > old_days)
    assert new.interventions[0] == attrs.evolve(first.interventions[0], end=new_end)
    assert (new.goals[0].achievement_status, new.goals[0].status_date) == (progress, reviewed_on)
