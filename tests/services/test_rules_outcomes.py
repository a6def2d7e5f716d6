"""Outcome rules of service use, health and experience (O1, O2).

The service-use outcomes of O1 are recorded on the case (hospital admissions, discharges and
A&E attendances, each with its day) and measured by the programme report's
:class:`~casemgmt.services.ServiceUse` (admissions, attendances, stays and lengths of stay
while on the caseload; tests/services/test_report_service_use.py tests its rules in full);
admissions to nursing homes are not recorded. No function computes the health and
experience outcomes of O2 (quality of life, independence, satisfaction): the library holds
goals in the independence and well-being domains scored with Goal Attainment Scaling (O2,
independence only: there is no quality-of-life or satisfaction measure).
"""

from __future__ import annotations

from collections import Counter

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
    CaseAction,
    DateRange,
    GasScale,
    Goal,
    GoalDomain,
    GoalId,
    GoalLifecycleStatus,
    RiskTier,
)
from casemgmt.serialization import dump_json, load_json
from casemgmt.services import goal_attainment, programme_report, t_score

from ._review_builders import BY, CLIENT, at, make_case

OPENED = pendulum.Date(2026, 1, 5)

SERVICE_USE = (
    CareEventKind.HOSPITAL_ADMISSION,
    CareEventKind.HOSPITAL_DISCHARGE,
    CareEventKind.EMERGENCY_DEPARTMENT_ATTENDANCE,
)


@pytest.mark.rule("O1")
@given(
    events=st.lists(
        st.tuples(st.sampled_from(SERVICE_USE), st.integers(min_value=0, max_value=365)),
        max_size=8,
    )
)
def test_admissions_discharges_and_a_and_e_attendances_are_recorded_with_their_days(
    events: list[tuple[CareEventKind, int]],
) -> None:
    """O1: every hospital admission, hospital discharge and A&E attendance of a
    case-managed client is kept on the case with its day, in the case's history and its
    JSON document, and the programme report counts the admissions and attendances of the
    case's time on the caseload (:class:`~casemgmt.services.ServiceUse`)."""
    case = make_case(OPENED, RiskTier.HIGH)
    before = len(case.events)  # the opening risk tier
    ordered = sorted(events, key=lambda e: e[1])
    for kind, offset in ordered:
        on = OPENED.add(days=offset)
        case = case.record_event(CareEvent(kind=kind, occurred_on=on), by=BY, at=at(on)).case

    recorded = case.events[before:]
    assert [(e.kind, e.occurred_on) for e in recorded] == [
        (kind, OPENED.add(days=offset)) for kind, offset in ordered
    ]
    assert [e.action for e in case.history] == [CaseAction.RECORD_EVENT] * len(ordered)
    counts = Counter(e.kind for e in recorded)
    assert counts == Counter(kind for kind, _ in events)
    assert load_json(Case, dump_json(case)) == case

    use = programme_report([case], as_of=OPENED.add(days=365)).service_use
    assert use.admissions == counts[CareEventKind.HOSPITAL_ADMISSION]
    assert use.attendances == counts[CareEventKind.EMERGENCY_DEPARTMENT_ATTENDANCE]
    assert use.stays_completed <= counts[CareEventKind.HOSPITAL_DISCHARGE]


def _goal(n: int, domain: GoalDomain, level: int | None) -> Goal:
    scale = GasScale(
        much_less="needs help to wash and dress",
        somewhat_less="washes with help, dresses alone",
        expected="washes and dresses alone",
        somewhat_more="also cooks a simple meal",
        much_more="also shops alone",
        attained=level,
    )
    return Goal(
        id=GoalId(f"G-{n}"),
        description="Independent in personal care",
        domain=domain,
        start=OPENED,
        lifecycle_status=GoalLifecycleStatus.ACTIVE,
        gas=scale,
    )


@pytest.mark.rule("O2")
@given(
    goals=st.lists(
        st.tuples(
            st.sampled_from((GoalDomain.INDEPENDENCE, GoalDomain.WELLBEING, GoalDomain.HEALTH)),
            st.none() | st.integers(min_value=-2, max_value=2),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_independence_and_well_being_are_measured_as_goal_attainment(
    goals: list[tuple[GoalDomain, int | None]],
) -> None:
    """O2 (what the library represents): independence, well-being and health outcomes are
    goals of the plan in those domains, scored at review on a Goal Attainment Scale; the
    plan's T-score summarises them, and a goal not yet scored does not count. Quality of
    life and satisfaction have no measure in the library."""
    plan = CarePlan(
        id=CarePlanId("CP-1"),
        client_id=CLIENT,
        version=1,
        status=CarePlanStatus.ACTIVE,
        period=DateRange(start=OPENED),
        created_on=OPENED,
        goals=tuple(_goal(n, domain, level) for n, (domain, level) in enumerate(goals)),
    )
    result = goal_attainment(plan)
    assert {g.domain for g in plan.goals} <= {
        GoalDomain.INDEPENDENCE,
        GoalDomain.WELLBEING,
        GoalDomain.HEALTH,
    }
    levels = [level for _, level in goals if level is not None]
    assert [g.attained for g in result.scored] == levels
    if levels:
        assert result.t_score == pytest.approx(t_score(levels))
    else:
        assert result.t_score is None
