"""Properties of generated model objects (``casemgmt.testing.strategies``).

The invariant tests of the other modules build their objects by hand; these run the
transitions over whatever the shared strategies generate.
"""

# Test names carry the DOMAIN.md rule ids (C6, P1, ...) in their own case.
# ruff: noqa: N802

from __future__ import annotations

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casemgmt.errors import InvalidTransitionError
from casemgmt.model import (
    CarePlanStatus,
    CaseManagerId,
    CaseRecord,
    CaseStatus,
    Client,
    Goal,
    GoalAchievementStatus,
    Money,
    NhsNumber,
)
from casemgmt.testing import strategies as cs

LIVE_PLAN = (CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD)
SLOW = settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow], deadline=None)


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


@SLOW
@given(record=cs.case_records(), on=cs.dates())
def test_revising_a_generated_plan_keeps_history_P3(record: CaseRecord, on: pendulum.Date) -> None:
    case = record.case
    current = case.current_plan
    if current is None or current.status not in LIVE_PLAN:
        return
    revised = case.adopt_plan(current.revise(on))
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
    if case.status is CaseStatus.CLOSED:
        with pytest.raises(InvalidTransitionError):
            case.assign(newcomer)
        return
    handed_over = case.assign(newcomer)
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
