"""Properties of generated model objects (``casemgmt.testing.strategies``).

The invariant tests of the other modules build their objects by hand; these run the
transitions over whatever the shared strategies generate.
"""

# Test names carry the DOMAIN.md rule ids (C6, P1, ...) in their own case.
# ruff: noqa: N802

from __future__ import annotations

import functools

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casemgmt.errors import InvalidTransitionError
from casemgmt.model import (
    TRANSITIONS,
    ActorId,
    CarePlanStatus,
    Case,
    CaseAction,
    CaseEvent,
    CaseId,
    CaseManagerId,
    CaseRecord,
    CaseStatus,
    Client,
    Closure,
    ClosureReason,
    Goal,
    GoalAchievementStatus,
    Money,
    NhsNumber,
    Referral,
    ReferralId,
)
from casemgmt.testing import strategies as cs

LIVE_PLAN = (CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD)
SLOW = settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow], deadline=None)
BY = ActorId("tester")
AT = pendulum.datetime(2026, 1, 5, 9, tz="Europe/London")


@SLOW
@given(record=cs.case_records())
def test_generated_records_keep_the_rules_C6_P1_P3(record: CaseRecord) -> None:
    case = record.case
    if case.is_open:
        assert record.case_manager() is not None  # C6
    for plan in case.plans[:-1]:
        assert plan.status not in LIVE_PLAN  # P3
    for plan in case.plans:
        if plan.status is CarePlanStatus.ACTIVE:
            assert plan.agreement is not None  # P1
        goal_ids = {g.id for g in plan.goals}
        for intervention in plan.interventions:
            assert intervention.goal_ids <= goal_ids  # P4
    assert [p.version for p in case.plans] == sorted({p.version for p in case.plans})
    assert case.history == ()  # a snapshot
    closed = case.status is CaseStatus.CLOSED
    assert (case.closure is not None) is closed is (case.closed_on is not None)  # X1
    if closed and case.current_plan is not None:
        assert not any(i.is_live for i in case.current_plan.interventions)


@SLOW
@given(record=cs.case_records(), on=cs.dates())
def test_revising_a_generated_plan_keeps_history_P3(record: CaseRecord, on: pendulum.Date) -> None:
    case = record.case
    current = case.current_plan
    if current is None or current.status not in LIVE_PLAN:
        return
    if case.status not in TRANSITIONS[CaseAction.ADOPT_PLAN].sources:
        with pytest.raises(InvalidTransitionError) as info:
            case.adopt_plan(current.revise(on), by=BY, at=AT)
        assert info.value.state == case.status.value
        return
    revised, event = case.adopt_plan(current.revise(on), by=BY, at=AT)
    assert event.changes == ("plans",)
    assert revised.version == 1
    assert len(revised.plans) == len(case.plans) + 1
    assert revised.plans[-2].status is CarePlanStatus.REVOKED
    assert revised.plans[-2].version == current.version
    assert revised.plans[-1].agreement is None
    assert record.with_case(revised).case == revised


@SLOW
@given(record=cs.case_records())
def test_handover_of_a_generated_case_C7(record: CaseRecord) -> None:
    case = record.case
    newcomer = CaseManagerId("CM-newcomer")
    if case.status.is_terminal:
        with pytest.raises(InvalidTransitionError) as info:
            case.assign(newcomer, by=BY, at=AT)
        assert info.value.state == case.status.value
        return
    handed_over, event = case.assign(newcomer, by=BY, at=AT)
    assert event.changes == ("manager_id", "team_id")
    assert handed_over.status is case.status
    assert handed_over.manager_id == newcomer
    assert handed_over.plans == case.plans
    assert handed_over.assessments == case.assessments


@given(client=cs.clients())
def test_generated_client_repr_hides_personal_data(client: Client) -> None:
    skeleton = f"Client(id={client.id!r}, <personal data hidden>)"
    assert repr(client) == str(client) == skeleton
    if client.nhs_number is not None:
        assert client.nhs_number.value not in repr(client)


@given(number=cs.nhs_numbers(synthetic=False))
def test_generated_nhs_numbers_round_trip(number: NhsNumber) -> None:
    assert NhsNumber.parse(number.formatted()) == number
    assert number.value not in repr(number)


@given(goal=cs.goals())
def test_generated_goal_transitions(goal: Goal) -> None:
    on = goal.start.add(days=1)
    if goal.is_pursued:
        assert goal.complete(on, GoalAchievementStatus.ACHIEVED).status_date == on
        assert goal.cancel(on).is_pursued is False
    else:
        with pytest.raises(InvalidTransitionError) as info:
            goal.activate()
        assert info.value.state == goal.lifecycle_status.value


@given(a=cs.money(), b=cs.money(), c=cs.money())
def test_generated_money_sums(a: Money, b: Money, c: Money) -> None:
    assert (a + b) + c == a + (b + c)
    assert a + b - b == a


@given(client=st.from_type(Client))
def test_client_strategy_is_registered_with_hypothesis(client: Client) -> None:
    assert isinstance(client, Client)


@given(closure=st.from_type(Closure), event=st.from_type(CaseEvent))
def test_closure_and_event_strategies_are_registered(closure: Closure, event: CaseEvent) -> None:
    assert isinstance(closure, Closure)
    assert isinstance(event, CaseEvent)


@given(closure=cs.closures())
def test_generated_closures_name_a_destination_only_when_care_is_optimised_X1(
    closure: Closure,
) -> None:
    optimised = closure.reason is ClosureReason.CARE_OPTIMISED
    assert (closure.destination is not None) is optimised


@given(reason=st.sampled_from(ClosureReason), on=cs.dates(), data=st.data())
def test_closures_keep_the_reason_and_letter_day_asked_for_X3(
    reason: ClosureReason, on: pendulum.Date, data: st.DataObject
) -> None:
    closure = data.draw(cs.closures(reason=reason, letter_from=on))
    assert closure.reason is reason
    assert closure.letter_sent_on is None or closure.letter_sent_on >= on


@SLOW
@given(event=cs.case_events())
def test_generated_events_follow_the_transition_table(event: CaseEvent) -> None:
    row = TRANSITIONS[event.action]
    if event.action is CaseAction.REFER:
        assert event.from_status is None
    else:
        assert event.from_status in row.sources
    assert event.to_status is (row.target or event.from_status)
    assert (event.version == 1) is (event.action in (CaseAction.REFER, CaseAction.REOPEN))
    assert event.at.tzinfo is not None
    if event.closure is not None:
        assert event.action is CaseAction.CLOSE


@settings(max_examples=10, deadline=None)
@given(action=st.sampled_from(CaseAction), data=st.data())
def test_case_events_can_be_fixed_to_an_action(action: CaseAction, data: st.DataObject) -> None:
    event = data.draw(cs.case_events(action=action))
    assert event.action is action


@SLOW
@given(case=cs.cases(status=CaseStatus.CLOSED))
def test_a_generated_closed_case_can_be_reopened_unless_after_a_death_X4(case: Case) -> None:
    assert case.closure is not None
    assert case.closed_on is not None
    closed_on = case.closed_on
    # The client is referred again on the day the case closed: a fresh, pending referral.
    referral = Referral(
        id=ReferralId("RF-again"),
        client_id=case.client_id,
        source_id=case.referrals[0].source_id,
        received_on=closed_on,
        reason="referred again",
    )
    at = pendulum.datetime(closed_on.year, closed_on.month, closed_on.day, 12, tz="Europe/London")
    reopen = functools.partial(
        case.reopen,
        new_id=CaseId(case.id + "-2"),
        referral=referral,
        manager_id=CaseManagerId("CM-back"),
        by=BY,
        at=at,
    )
    if case.closure.reason is ClosureReason.DEATH:
        with pytest.raises(InvalidTransitionError):
            reopen()
        return
    again, event = reopen()
    assert again.previous_case_id == case.id
    assert (again.status, again.version, event.action) == (
        CaseStatus.ACCEPTED,
        1,
        CaseAction.REOPEN,
    )
    assert again.referrals[0].id == "RF-again"
    assert again.client_id == case.client_id
