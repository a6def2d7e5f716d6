"""A return from a hold restarts the routine case-review grid (M1, issue 6's open point):
the per-case schedule and the bulk cycles agree on it."""

from __future__ import annotations

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.model import (
    ActorId,
    Assessment,
    AssessmentId,
    AssessmentKind,
    CarePlan,
    CarePlanId,
    CarePlanStatus,
    Case,
    CaseId,
    CaseManagerId,
    ClientId,
    ContactMode,
    DateRange,
    Referral,
    ReferralId,
    ReferralSourceId,
)
from casemgmt.policies import ENGLAND_AND_WALES, STANDARD_REVIEWS
from casemgmt.services import next_review, reviews_due

BY = ActorId("CM-1")
CLIENT = ClientId("CL-1")
POLICY = attrs.evolve(
    STANDARD_REVIEWS.with_mdt(None).with_initial_assessment(None), care_plan_review=None
)
"""Routine case reviews only: monthly for an unscored case."""


def _at(day: pendulum.Date, hour: int = 9) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, hour, tz="Europe/London")


def _active_case(opened: pendulum.Date) -> Case:
    referral = Referral(
        id=ReferralId("RF-1"),
        client_id=CLIENT,
        source_id=ReferralSourceId("GP-1"),
        received_on=opened,
        reason="frailty",
    )
    plan = CarePlan(
        id=CarePlanId("CP-1"),
        client_id=CLIENT,
        version=1,
        status=CarePlanStatus.ACTIVE,
        period=DateRange(start=opened),
        created_on=opened,
    )
    assessment = Assessment(
        id=AssessmentId("A-1"),
        client_id=CLIENT,
        kind=AssessmentKind.INITIAL,
        performed_on=opened,
        contact_mode=ContactMode.FACE_TO_FACE,
    )
    at = _at(opened)
    case = Case.refer(id=CaseId("C-1"), referral=referral, programme="generic", by=BY, at=at).case
    case = case.accept(CaseManagerId("CM-1"), by=BY, at=at.add(minutes=1)).case
    case = case.start_assessment(by=BY, at=at.add(minutes=2)).case
    case = case.record_assessment(assessment, by=BY, at=at.add(minutes=3)).case
    case = case.start_planning(by=BY, at=at.add(minutes=4)).case
    case = case.adopt_plan(plan, by=BY, at=at.add(minutes=5)).case
    return case.activate(by=BY, at=at.add(minutes=6)).case


def test_resuming_starts_a_new_cycle_so_the_hold_leaves_nothing_missed() -> None:
    opened = pendulum.date(2026, 1, 5)
    case = _active_case(opened)
    held = case.put_on_hold(by=BY, at=_at(pendulum.date(2026, 1, 20))).case
    resumed_on = pendulum.date(2026, 4, 14)
    resumed = held.resume(by=BY, at=_at(resumed_on)).case
    due = next_review(
        resumed, policy=POLICY, calendar=ENGLAND_AND_WALES, as_of=resumed_on.add(days=1)
    )
    assert due is not None
    # Monthly for an unscored case: the next review is a month after the return, and the
    # hold's skipped months are not reported as missed.
    assert due.due == pendulum.date(2026, 5, 14)
    assert due.missed == 0
    listing = reviews_due(
        [resumed], policy=POLICY, calendar=ENGLAND_AND_WALES, as_of=resumed_on.add(days=1)
    )
    assert listing.overdue == ()


def test_a_policy_that_does_not_pause_keeps_the_grid() -> None:
    opened = pendulum.date(2026, 1, 5)
    case = _active_case(opened)
    held = case.put_on_hold(by=BY, at=_at(pendulum.date(2026, 1, 20))).case
    resumed = held.resume(by=BY, at=_at(pendulum.date(2026, 4, 14))).case
    policy = attrs.evolve(POLICY, pause_on_hold=False)
    due = next_review(
        resumed, policy=policy, calendar=ENGLAND_AND_WALES, as_of=pendulum.date(2026, 4, 15)
    )
    assert due is not None
    assert due.overdue
    assert due.missed > 0


@given(
    hold_days=st.integers(min_value=1, max_value=200),
    gap=st.integers(min_value=1, max_value=200),
    later=st.integers(min_value=0, max_value=60),
)
def test_bulk_cycles_agree_with_the_schedule_after_a_hold(
    hold_days: int, gap: int, later: int
) -> None:
    pytest.importorskip("numpy")
    from casemgmt.services import case_cycles

    opened = pendulum.date(2026, 1, 5)
    held_on = opened.add(days=hold_days)
    resumed_on = held_on.add(days=gap)
    case = _active_case(opened)
    case = case.put_on_hold(by=BY, at=_at(held_on)).case
    case = case.resume(by=BY, at=_at(resumed_on)).case
    as_of = resumed_on.add(days=later)
    cycles = case_cycles([case], as_of=as_of, policy=POLICY)
    assert cycles.anchors.astype(str).tolist() == [resumed_on.isoformat()]
