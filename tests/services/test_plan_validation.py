"""Plan validation, one check at a time: every check of :data:`casemgmt.rules.CHECKS` fires
where it should (exact code, severity, rule and paths) and stays quiet on the boundary.

Most tests start from a generated plan that validates with no issue at all
(:func:`casemgmt.testing.strategies.fundable_plans`) and change one thing. The sweeps behind
the duplication (E8), weekly budget (F4) and spend authority (F2) checks are compared with
brute-force reference implementations.
"""

# Test names carry the DOMAIN.md rule ids (P1, F4, E8 ...) in their own case.
# ruff: noqa: N802

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from casemgmt.errors import InvariantError
from casemgmt.model import (
    CarePlan,
    CarePlanId,
    CarePlanStatus,
    ClientAgreement,
    ClientId,
    DateRange,
    Discipline,
    Frequency,
    FrequencyUnit,
    FundingStream,
    FundingStreamId,
    FundingStreamKind,
    Goal,
    GoalDomain,
    GoalId,
    GoalLifecycleStatus,
    Intervention,
    InterventionCategory,
    InterventionId,
    InterventionStatus,
    Money,
    OnwardReferral,
    Provider,
    ProviderId,
    ProviderKind,
    Registration,
    Regulator,
    SpendApproval,
    StaffingModel,
)
from casemgmt.policies import CASTLEFIELDS, OHSXTRA, PlanPolicy, SpendAuthorityScope
from casemgmt.rules import CHECKS, Severity
from casemgmt.services import PlanValidationReport, validate_plan
from casemgmt.testing.strategies import FundablePlan, fundable_plans

ERR, WARN, INFO = Severity.ERROR, Severity.WARNING, Severity.INFORMATION
PURSUED = (
    GoalLifecycleStatus.PROPOSED,
    GoalLifecycleStatus.PLANNED,
    GoalLifecycleStatus.ACCEPTED,
    GoalLifecycleStatus.ACTIVE,
    GoalLifecycleStatus.ON_HOLD,
)
CLOSED = tuple(s for s in GoalLifecycleStatus if s not in PURSUED)
LIVE = (
    InterventionStatus.NOT_STARTED,
    InterventionStatus.SCHEDULED,
    InterventionStatus.IN_PROGRESS,
    InterventionStatus.ON_HOLD,
)
FINISHED = (InterventionStatus.COMPLETED, InterventionStatus.STOPPED)
IGNORED = (InterventionStatus.CANCELLED, InterventionStatus.ENTERED_IN_ERROR)
KINDS = list(itertools.product(InterventionCategory, Discipline))
DAY = pendulum.Date(2026, 3, 2)
# The brute-force comparisons are cheap and their sweeps have many paths: more examples.
CHEAP = settings(max_examples=4 * settings().max_examples)


def _no_overrides(fundable: FundablePlan) -> FundablePlan:
    return attrs.evolve(fundable, policy=attrs.evolve(fundable.policy, severity_overrides={}))


# Generated plans that validate cleanly, with every check at its default severity.
PLANS = fundable_plans().map(_no_overrides)


# --------------------------------------------------------------------------- helpers


def _expect(
    report: PlanValidationReport, code: str, severity: Severity, rule_id: str, *paths: str
) -> None:
    """The report holds exactly one issue: this one."""
    assert [(i.code, i.severity, i.rule_id, i.paths) for i in report.issues] == [
        (code, severity, rule_id, paths)
    ], str(report)
    check = CHECKS[code]
    assert (check.severity, check.rule_id) == (severity, rule_id)


def _clean(report: PlanValidationReport) -> None:
    assert report.issues == (), str(report)


def _plan(fundable: FundablePlan, **changes: Any) -> FundablePlan:
    return attrs.evolve(fundable, plan=attrs.evolve(fundable.plan, **changes))


def _goal(fundable: FundablePlan, index: int, **changes: Any) -> FundablePlan:
    goals = list(fundable.plan.goals)
    goals[index] = attrs.evolve(goals[index], **changes)
    return _plan(fundable, goals=tuple(goals))


def _intervention(fundable: FundablePlan, index: int, **changes: Any) -> FundablePlan:
    interventions = list(fundable.plan.interventions)
    interventions[index] = attrs.evolve(interventions[index], **changes)
    return _plan(fundable, interventions=tuple(interventions))


def _add_goal(fundable: FundablePlan, **changes: Any) -> tuple[FundablePlan, int]:
    """Append a pursued, self-managed goal with a target, due on the day (valid as it is)."""
    plan = fundable.plan
    index = len(plan.goals)
    values: dict[str, Any] = {
        "id": GoalId(f"NG{index}"),
        "description": "Added goal",
        "domain": GoalDomain.WELLBEING,
        "start": plan.period.start,
        "lifecycle_status": GoalLifecycleStatus.ACTIVE,
        "target": "Measurable",
        "due": fundable.as_of,
        "self_managed": True,
    }
    values.update(changes)
    return _plan(fundable, goals=(*plan.goals, Goal(**values))), index


def _pursued_goal(fundable: FundablePlan) -> tuple[FundablePlan, GoalId]:
    for goal in fundable.plan.goals:
        if goal.lifecycle_status in PURSUED:
            return fundable, goal.id
    fundable, index = _add_goal(fundable)
    return fundable, fundable.plan.goals[index].id


def _unused_kind(
    fundable: FundablePlan,
    category: InterventionCategory | None = None,
    discipline: Discipline | None = None,
) -> tuple[InterventionCategory, Discipline]:
    """A kind of service no intervention (nor service elsewhere) is, unless both are given."""
    if category is not None and discipline is not None:
        return category, discipline
    used = {(i.category, i.discipline) for i in fundable.plan.interventions}
    used |= {(s.category, s.discipline) for s in fundable.services_elsewhere}
    return next(
        (c, d)
        for c, d in KINDS
        if (c, d) not in used and category in (None, c) and discipline in (None, d)
    )


def _add_service(
    fundable: FundablePlan,
    *,
    provider: dict[str, Any] | None = None,
    stream: dict[str, Any] | None = None,
    add_provider: bool = True,
    add_stream: bool = True,
    **changes: Any,
) -> tuple[FundablePlan, int]:
    """Append a valid intervention of a kind no other intervention is, serving a pursued
    goal, free, from the plan's start to the day, with its own registered provider (an
    organisation registered with the CQC) and its own long-term stream."""
    fundable, goal_id = _pursued_goal(fundable)
    plan = fundable.plan
    index = len(plan.interventions)
    category, discipline = _unused_kind(
        fundable, changes.get("category"), changes.get("discipline")
    )
    values: dict[str, Any] = {
        "id": InterventionId(f"N{index}"),
        "category": category,
        "discipline": discipline,
        "description": "Added service",
        "provider_id": ProviderId(f"NPR{index}"),
        "goal_ids": frozenset({goal_id}),
        "start": plan.period.start,
        "end": fundable.as_of,
        "unit_cost": Money.zero(),
        "frequency": Frequency(count=1, unit=FrequencyUnit.WEEK),
        "funding_stream_id": FundingStreamId(f"NFS{index}"),
    }
    values.update(changes)
    added = Intervention(**values)
    providers = fundable.providers
    if add_provider:
        provider_values: dict[str, Any] = {
            "id": added.provider_id,
            "name": "Added provider",
            "kind": ProviderKind.NHS_TRUST,
            "disciplines": frozenset({added.discipline}),
            "registrations": (Registration(body=Regulator.CQC, number="1-101"),),
        }
        provider_values.update(provider or {})
        providers = (*providers, Provider(**provider_values))
    funding = fundable.funding
    if add_stream:
        stream_values: dict[str, Any] = {
            "id": added.funding_stream_id or FundingStreamId(f"NFS{index}"),
            "name": "Added stream",
            "kind": FundingStreamKind.COURT_INTERIM_PAYMENT,
            "valid": DateRange(start=min(added.start, plan.period.start)),
            "permitted_categories": frozenset({added.category}),
            "long_term": True,
        }
        stream_values.update(stream or {})
        funding = (*funding, FundingStream(**stream_values))
    fundable = attrs.evolve(
        fundable,
        plan=attrs.evolve(plan, interventions=(*plan.interventions, added)),
        providers=providers,
        funding=funding,
    )
    return fundable, index


def _committed(fundable: FundablePlan) -> list[int]:
    return [
        index
        for index, intervention in enumerate(fundable.plan.interventions)
        if intervention.status not in IGNORED
    ]


def _at(index: int, field: str | None = None) -> str:
    return f"$.interventions[{index}]" if field is None else f"$.interventions[{index}].{field}"


def _noon(day: pendulum.Date) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, 12, tz="Europe/London")


# ------------------------------------------------------------------ generated plans


@given(fundable=fundable_plans())
def test_a_fundable_plan_has_no_issue_at_all(fundable: FundablePlan) -> None:
    report = fundable.validate()
    _clean(report)
    assert report.ok
    assert (report.plan_id, report.plan_version, report.as_of) == (
        fundable.plan.id,
        fundable.plan.version,
        fundable.as_of,
    )


@given(fundable=PLANS, as_programme=st.booleans())
def test_a_programme_validates_as_its_plan_policy(
    fundable: FundablePlan, as_programme: bool
) -> None:
    fundable = _plan(fundable, next_review=None)
    policy = OHSXTRA if as_programme else OHSXTRA.plan
    by_programme = validate_plan(
        fundable.plan,
        funding=fundable.funding,
        providers=fundable.providers,
        policy=policy,
        as_of=fundable.as_of,
    )
    by_policy = attrs.evolve(fundable, policy=OHSXTRA.plan).validate()
    assert by_programme == by_policy


# ------------------------------------------------------------------------------- P1


@pytest.mark.rule("P1")
@given(fundable=PLANS, status=st.sampled_from(["active", "on-hold", "completed"]))
def test_a_plan_in_force_records_the_agreement_P1(fundable: FundablePlan, status: str) -> None:
    plan = _plan(fundable, agreement=None, status=CarePlanStatus(status))
    _expect(plan.validate(), "agreement-missing", ERR, "P1", "$.agreement")


@pytest.mark.rule("P1")
@given(fundable=PLANS)
def test_a_draft_awaiting_agreement_is_information_P1(fundable: FundablePlan) -> None:
    draft = _plan(fundable, status=CarePlanStatus.DRAFT)
    _clean(draft.validate())
    pending = _plan(draft, agreement=None)
    report = pending.validate()
    _expect(report, "agreement-pending", INFO, "P1", "$.agreement")
    assert report.ok


@given(fundable=PLANS, status=st.sampled_from(["revoked", "entered-in-error"]))
def test_an_ended_plan_needs_no_agreement_P1(fundable: FundablePlan, status: str) -> None:
    _clean(_plan(fundable, agreement=None, status=CarePlanStatus(status)).validate())


@pytest.mark.rule("P1")
@given(fundable=PLANS, days=st.integers(min_value=1, max_value=400))
def test_the_agreement_is_not_after_the_day_P1(fundable: FundablePlan, days: int) -> None:
    later = ClientAgreement(agreed_at=_noon(fundable.as_of.add(days=days)))
    _expect(
        _plan(fundable, agreement=later).validate(),
        "agreement-after-as-of",
        ERR,
        "P1",
        "$.agreement.agreed_at",
    )
    on_the_day = ClientAgreement(agreed_at=_noon(fundable.as_of).add(hours=11, minutes=59))
    _clean(_plan(fundable, agreement=on_the_day).validate())


@pytest.mark.parametrize(
    ("agreed_at", "late"),
    [
        # 23:30 UTC in summer is 00:30 the next day in London: after the day.
        (pendulum.datetime(2026, 7, 1, 23, 30, tz="UTC"), True),
        # 23:30 UTC in winter is 23:30 the same day in London.
        (pendulum.datetime(2026, 1, 1, 23, 30, tz="UTC"), False),
        (pendulum.datetime(2026, 7, 1, 23, 59, tz="Europe/London"), False),
    ],
)
def test_the_agreement_day_is_the_day_in_London_P1(
    agreed_at: pendulum.DateTime, late: bool
) -> None:
    as_of = agreed_at.date()
    plan = _tiny_plan(as_of).plan
    plan = attrs.evolve(plan, agreement=ClientAgreement(agreed_at=agreed_at))
    report = validate_plan(plan, funding=(), providers=(), policy=PlanPolicy(), as_of=as_of)
    assert [i.code for i in report.issues] == (["agreement-after-as-of"] if late else [])


# ------------------------------------------------------------------------------- P2


@pytest.mark.rule("P2")
@given(fundable=PLANS, data=st.data())
def test_every_intervention_states_its_frequency_P2(
    fundable: FundablePlan, data: st.DataObject
) -> None:
    committed = _committed(fundable)
    if committed:
        index = data.draw(st.sampled_from(committed))
        fundable = _intervention(fundable, index, frequency=None)
    else:
        fundable, index = _add_service(fundable, frequency=None)
    _expect(
        fundable.validate(), "intervention-frequency-missing", ERR, "P2", _at(index, "frequency")
    )


@pytest.mark.rule("P2")
@given(fundable=PLANS, status=st.sampled_from(LIVE + FINISHED))
def test_every_intervention_states_its_end_P2(
    fundable: FundablePlan, status: InterventionStatus
) -> None:
    fundable, index = _add_service(fundable, end=None, status=status)
    _expect(fundable.validate(), "intervention-end-missing", ERR, "P2", _at(index, "end"))


@pytest.mark.rule("P2")
@given(
    fundable=PLANS,
    early=st.integers(min_value=0, max_value=30),
    late=st.integers(min_value=0, max_value=30),
)
def test_every_intervention_runs_within_the_plan_P2(
    fundable: FundablePlan, early: int, late: int
) -> None:
    period = fundable.plan.period
    last = period.end or fundable.as_of.add(days=1000)
    start, end = period.start.subtract(days=early), last.add(days=late)
    fundable, index = _add_service(fundable, start=start, end=end)
    outside = []
    if early:
        outside.append(_at(index, "start"))
    if late and period.end is not None:
        outside.append(_at(index, "end"))
    report = fundable.validate()
    if outside:
        _expect(report, "intervention-outside-plan-period", WARN, "P2", *outside)
        assert report.ok
    else:
        _clean(report)


# ------------------------------------------------------------------------------- P3


@given(fundable=PLANS, status=st.sampled_from(["active", "on-hold", "draft"]))
def test_an_unfinished_plan_has_a_review_date_P3(fundable: FundablePlan, status: str) -> None:
    fundable = _plan(fundable, next_review=None, status=CarePlanStatus(status))
    _expect(fundable.validate(), "review-date-missing", ERR, "P3", "$.next_review")


@given(fundable=PLANS, status=st.sampled_from(["completed", "revoked", "entered-in-error"]))
def test_a_finished_plan_needs_no_review_P3(fundable: FundablePlan, status: str) -> None:
    _clean(_plan(fundable, next_review=None, status=CarePlanStatus(status)).validate())


@pytest.mark.rule("P3")
@given(fundable=PLANS, days=st.integers(min_value=1, max_value=100))
def test_the_review_is_not_overdue_P3(fundable: FundablePlan, days: int) -> None:
    due = fundable.as_of.subtract(days=days)
    plan = fundable.plan
    fundable = _plan(fundable, created_on=min(plan.created_on, due), next_review=due)
    report = fundable.validate()
    _expect(report, "review-overdue", WARN, "P3", "$.next_review")
    assert report.ok
    _clean(_plan(fundable, next_review=fundable.as_of).validate())


# ------------------------------------------------------------------------------- P4


@pytest.mark.rule("P4")
@given(fundable=PLANS)
def test_every_intervention_serves_a_goal_P4(fundable: FundablePlan) -> None:
    fundable, index = _add_service(fundable, goal_ids=frozenset())
    _expect(fundable.validate(), "intervention-without-goal", ERR, "P4", _at(index, "goal_ids"))


@pytest.mark.rule("P4")
@given(
    fundable=PLANS,
    goal_status=st.sampled_from(CLOSED),
    status=st.sampled_from(LIVE + FINISHED),
)
def test_a_live_intervention_serves_a_goal_still_pursued_P4(
    fundable: FundablePlan, goal_status: GoalLifecycleStatus, status: InterventionStatus
) -> None:
    fundable, goal = _add_goal(fundable, lifecycle_status=goal_status, target=None, due=None)
    served = frozenset({fundable.plan.goals[goal].id})
    fundable, index = _add_service(fundable, goal_ids=served, status=status)
    report = fundable.validate()
    if status in LIVE:
        _expect(report, "intervention-serves-closed-goal", WARN, "P4", _at(index, "goal_ids"))
    else:
        _clean(report)  # a finished service may have served a goal since closed


@pytest.mark.rule("P4", "P8")
@given(fundable=PLANS, status=st.sampled_from(PURSUED[:-1]))
def test_every_goal_pursued_is_served_P4_P8(
    fundable: FundablePlan, status: GoalLifecycleStatus
) -> None:
    fundable, index = _add_goal(fundable, lifecycle_status=status, self_managed=False)
    _expect(fundable.validate(), "goal-unserved", ERR, "P4", f"$.goals[{index}]")
    goal_id = fundable.plan.goals[index].id
    # Self-managed (P8), referred on, or served by a live intervention: served.
    _clean(_goal(fundable, index, self_managed=True).validate())
    served = frozenset({goal_id})
    referral = OnwardReferral(to="Falls clinic", sent_on=fundable.as_of, goal_ids=served)
    _clean(_plan(fundable, onward_referrals=(*fundable.plan.onward_referrals, referral)).validate())
    _clean(_add_service(fundable, goal_ids=served)[0].validate())


@given(fundable=PLANS, status=st.sampled_from(FINISHED + IGNORED))
def test_only_a_live_intervention_serves_a_goal_P4(
    fundable: FundablePlan, status: InterventionStatus
) -> None:
    fundable, goal = _add_goal(fundable, self_managed=False)
    served = frozenset({fundable.plan.goals[goal].id})
    fundable, _ = _add_service(fundable, goal_ids=served, status=status)
    _expect(fundable.validate(), "goal-unserved", ERR, "P4", f"$.goals[{goal}]")


@given(fundable=PLANS)
def test_a_goal_on_hold_needs_no_service_but_a_target_and_due_date_P4_P6(
    fundable: FundablePlan,
) -> None:
    fundable, index = _add_goal(
        fundable, lifecycle_status=GoalLifecycleStatus.ON_HOLD, self_managed=False
    )
    _clean(fundable.validate())
    where = f"$.goals[{index}]"
    report = _goal(fundable, index, target=None).validate()
    _expect(report, "goal-target-missing", ERR, "P6", f"{where}.target")
    report = _goal(fundable, index, due=None).validate()
    _expect(report, "goal-due-missing", ERR, "P6", f"{where}.due")


# ------------------------------------------------------------------------------- P5


@pytest.mark.rule("P5")
@given(fundable=PLANS, late=st.integers(min_value=1, max_value=200))
def test_an_onward_referral_is_acknowledged_in_time_P5(fundable: FundablePlan, late: int) -> None:
    window = fundable.policy.referral_acknowledgement_days
    sent = fundable.as_of.subtract(days=window + late)
    referrals = fundable.plan.onward_referrals
    index = len(referrals)
    unacknowledged = OnwardReferral(to="Housing", sent_on=sent)
    overdue = _plan(fundable, onward_referrals=(*referrals, unacknowledged))
    report = overdue.validate()
    path = f"$.onward_referrals[{index}].acknowledged_on"
    _expect(report, "onward-referral-unacknowledged", WARN, "P5", path)
    assert report.ok
    # Acknowledged, however late, or still inside the window (the last day included): fine.
    acknowledged = unacknowledged.acknowledge(sent.add(days=window + late))
    _clean(_plan(fundable, onward_referrals=(*referrals, acknowledged)).validate())
    in_time = OnwardReferral(to="Housing", sent_on=fundable.as_of.subtract(days=window))
    _clean(_plan(fundable, onward_referrals=(*referrals, in_time)).validate())


# ------------------------------------------------------------------------------- P6


def _pursued_indexes(fundable: FundablePlan) -> list[int]:
    return [i for i, g in enumerate(fundable.plan.goals) if g.lifecycle_status in PURSUED]


@pytest.mark.rule("P6")
@given(fundable=PLANS, data=st.data(), blank=st.sampled_from([None, "", "   "]))
def test_every_goal_pursued_has_a_target_P6(
    fundable: FundablePlan, data: st.DataObject, blank: str | None
) -> None:
    fundable, _ = _add_goal(fundable)
    index = data.draw(st.sampled_from(_pursued_indexes(fundable)))
    report = _goal(fundable, index, target=blank).validate()
    _expect(report, "goal-target-missing", ERR, "P6", f"$.goals[{index}].target")


@pytest.mark.rule("P6")
@given(fundable=PLANS, data=st.data())
def test_every_goal_pursued_has_a_due_date_P6(fundable: FundablePlan, data: st.DataObject) -> None:
    fundable, _ = _add_goal(fundable)
    index = data.draw(st.sampled_from(_pursued_indexes(fundable)))
    report = _goal(fundable, index, due=None).validate()
    _expect(report, "goal-due-missing", ERR, "P6", f"$.goals[{index}].due")


@pytest.mark.rule("P6")
@given(fundable=PLANS, data=st.data(), days=st.integers(min_value=1, max_value=300))
def test_a_goal_is_due_inside_the_plan_P6(
    fundable: FundablePlan, data: st.DataObject, days: int
) -> None:
    fundable, _ = _add_goal(fundable)
    index = data.draw(st.sampled_from(_pursued_indexes(fundable)))
    goal = fundable.plan.goals[index]
    period = fundable.plan.period
    after = data.draw(st.booleans()) and period.end is not None
    due = period.end.add(days=days) if after and period.end else period.start.subtract(days=days)
    report = _goal(fundable, index, due=due, start=min(goal.start, due)).validate()
    _expect(report, "goal-due-outside-plan", ERR, "P6", f"$.goals[{index}].due")
    # The plan's first and last days are inside it.
    last = period.end or fundable.as_of
    _clean(_goal(fundable, index, due=last).validate())


@pytest.mark.rule("P6")
@given(fundable=PLANS, data=st.data())
def test_a_goal_pursued_is_not_overdue_P6(fundable: FundablePlan, data: st.DataObject) -> None:
    start, as_of = fundable.plan.period.start, fundable.as_of
    assume(start < as_of)
    fundable, _ = _add_goal(fundable)
    index = data.draw(st.sampled_from(_pursued_indexes(fundable)))
    goal = fundable.plan.goals[index]
    due = data.draw(st.integers(min_value=1, max_value=(as_of - start).days))
    due_on = as_of.subtract(days=due)
    report = _goal(fundable, index, due=due_on, start=min(goal.start, due_on)).validate()
    _expect(report, "goal-due-passed", ERR, "P6", f"$.goals[{index}].due")
    _clean(_goal(fundable, index, due=as_of, start=min(goal.start, as_of)).validate())


@given(fundable=PLANS, status=st.sampled_from(CLOSED))
def test_a_closed_goal_needs_nothing_P6(
    fundable: FundablePlan, status: GoalLifecycleStatus
) -> None:
    early = fundable.plan.period.start.subtract(days=400)
    fundable, _ = _add_goal(
        fundable, lifecycle_status=status, target=None, due=early, start=early, self_managed=False
    )
    _clean(fundable.validate())


# ------------------------------------------------------------------------------- P7


def _without_domain(fundable: FundablePlan, domain: GoalDomain) -> FundablePlan:
    goals = tuple(
        attrs.evolve(g, domain=GoalDomain.HEALTH) if g.domain is domain else g
        for g in fundable.plan.goals
    )
    return _plan(fundable, goals=goals)


@pytest.mark.rule("P7")
@given(fundable=PLANS, status=st.sampled_from(["active", "on-hold", "draft"]))
def test_a_vocational_programme_needs_a_vocational_goal_P7(
    fundable: FundablePlan, status: str
) -> None:
    vocational = OHSXTRA.plan.required_goal_domains
    policy = attrs.evolve(fundable.policy, required_goal_domains=vocational)
    fundable = _without_domain(fundable, GoalDomain.EMPLOYMENT)
    fundable = _without_domain(fundable, GoalDomain.EDUCATION)
    fundable = attrs.evolve(fundable, policy=policy)
    fundable = _plan(fundable, status=CarePlanStatus(status))
    _expect(fundable.validate(), "vocational-goal-missing", ERR, "P7", "$.goals")
    # A closed vocational goal does not count; one on hold does.
    closed = GoalLifecycleStatus.COMPLETED
    _expect(
        _add_goal(fundable, domain=GoalDomain.EMPLOYMENT, lifecycle_status=closed)[0].validate(),
        "vocational-goal-missing",
        ERR,
        "P7",
        "$.goals",
    )
    on_hold = GoalLifecycleStatus.ON_HOLD
    _clean(_add_goal(fundable, domain=GoalDomain.EDUCATION, lifecycle_status=on_hold)[0].validate())


@pytest.mark.rule("P7")
@given(fundable=PLANS)
def test_a_completed_plan_needs_no_vocational_goal_P7(fundable: FundablePlan) -> None:
    fundable = _without_domain(fundable, GoalDomain.EMPLOYMENT)
    required = attrs.evolve(
        fundable.policy, required_goal_domains=frozenset({GoalDomain.EMPLOYMENT})
    )
    completed = _plan(attrs.evolve(fundable, policy=required), status=CarePlanStatus.COMPLETED)
    _clean(completed.validate())


# ------------------------------------------------------------------------------- P9


@pytest.mark.rule("P9")
@given(fundable=PLANS, data=st.data())
def test_every_provider_is_known_P9(fundable: FundablePlan, data: st.DataObject) -> None:
    if not _committed(fundable):
        fundable, _ = _add_service(fundable)
    plan = fundable.plan
    committed = _committed(fundable)
    gone = plan.interventions[data.draw(st.sampled_from(committed))].provider_id
    fundable = attrs.evolve(
        fundable, providers=tuple(p for p in fundable.providers if p.id != gone)
    )
    report = fundable.validate()
    expected = [
        ("provider-unknown", ERR, "P9", (_at(i, "provider_id"),))
        for i in committed
        if plan.interventions[i].provider_id == gone
    ]
    assert [(i.code, i.severity, i.rule_id, i.paths) for i in report.issues] == expected


@pytest.mark.rule("P9")
@given(fundable=PLANS, regulated=st.booleans())
def test_the_provider_delivers_the_discipline_P9(fundable: FundablePlan, regulated: bool) -> None:
    # Registered with the CQC, the organisation is registered for any discipline.
    discipline = Discipline.NURSING if regulated else Discipline.SUPPORT_WORK
    other = Discipline.EQUIPMENT
    fundable, index = _add_service(
        fundable, discipline=discipline, provider={"disciplines": frozenset({other})}
    )
    _expect(
        fundable.validate(), "provider-discipline-mismatch", ERR, "P9", _at(index, "discipline")
    )


@pytest.mark.rule("P9")
@pytest.mark.parametrize(
    ("kind", "bodies", "discipline", "registered"),
    [
        (ProviderKind.CARE_AGENCY, [Regulator.CQC], Discipline.NURSING, True),
        (ProviderKind.NHS_TRUST, [Regulator.RQIA], Discipline.PHYSIOTHERAPY, True),
        (ProviderKind.CARE_AGENCY, [], Discipline.NURSING, False),
        (ProviderKind.CARE_AGENCY, [Regulator.HCPC], Discipline.NURSING, False),
        (ProviderKind.INDEPENDENT_PRACTITIONER, [Regulator.NMC], Discipline.NURSING, True),
        (ProviderKind.INDEPENDENT_PRACTITIONER, [Regulator.CQC], Discipline.NURSING, False),
        (ProviderKind.DIRECT_EMPLOYMENT, [Regulator.CQC], Discipline.PHYSIOTHERAPY, False),
        (ProviderKind.INDEPENDENT_PRACTITIONER, [Regulator.HCPC], Discipline.PHYSIOTHERAPY, True),
        (ProviderKind.INDEPENDENT_PRACTITIONER, [Regulator.NMC], Discipline.PHYSIOTHERAPY, False),
        (ProviderKind.INDEPENDENT_PRACTITIONER, [], Discipline.SUPPORT_WORK, True),
        (ProviderKind.INDEPENDENT_PRACTITIONER, [Regulator.SSSC], Discipline.SOCIAL_WORK, True),
        (ProviderKind.INDEPENDENT_PRACTITIONER, [], Discipline.COUNSELLING, True),
    ],
)
def test_a_regulated_discipline_needs_the_right_registration_P9(
    kind: ProviderKind, bodies: list[Regulator], discipline: Discipline, registered: bool
) -> None:
    registrations = tuple(Registration(body=b, number=f"{b.value}-1") for b in bodies)
    fundable, index = _add_service(
        _tiny_plan(DAY),
        discipline=discipline,
        provider={"kind": kind, "registrations": registrations},
    )
    report = fundable.validate()
    if registered:
        _clean(report)
    else:
        path = _at(index, "provider_id")
        _expect(report, "provider-registration-missing", ERR, "P9", path)


@pytest.mark.rule("P9")
@given(fundable=PLANS, data=st.data())
def test_an_unregistered_provider_is_reported_P9(
    fundable: FundablePlan, data: st.DataObject
) -> None:
    discipline = data.draw(st.sampled_from([Discipline.NURSING, Discipline.OCCUPATIONAL_THERAPY]))
    kind = data.draw(st.sampled_from(ProviderKind))
    fundable, index = _add_service(
        fundable, discipline=discipline, provider={"kind": kind, "registrations": ()}
    )
    path = _at(index, "provider_id")
    _expect(fundable.validate(), "provider-registration-missing", ERR, "P9", path)


@given(fundable=PLANS)
def test_without_providers_registrations_go_unchecked_P9(fundable: FundablePlan) -> None:
    fundable, _ = _add_service(fundable, add_provider=False)  # an unknown provider, too
    report = validate_plan(
        fundable.plan, funding=fundable.funding, policy=fundable.policy, as_of=fundable.as_of
    )
    _expect(report, "provider-registration-unchecked", INFO, "P9", "$.interventions")
    assert report.ok
    no_interventions = _plan(fundable, interventions=(), goals=(), onward_referrals=())
    _clean(
        validate_plan(no_interventions.plan, funding=(), policy=PlanPolicy(), as_of=fundable.as_of)
    )
    # An empty collection means no provider is known.
    with_none = attrs.evolve(fundable, providers=())
    assert "provider-unknown" in with_none.validate().codes


# ------------------------------------------------------------------------------- F1


@pytest.mark.rule("F1")
@given(fundable=PLANS, data=st.data())
def test_every_intervention_names_its_stream_F1(
    fundable: FundablePlan, data: st.DataObject
) -> None:
    committed = _committed(fundable)
    if committed:
        index = data.draw(st.sampled_from(committed))
        fundable = _intervention(fundable, index, funding_stream_id=None)
    else:
        fundable, index = _add_service(fundable, funding_stream_id=None, add_stream=False)
    path = _at(index, "funding_stream_id")
    _expect(fundable.validate(), "intervention-unfunded", ERR, "F1", path)


@given(fundable=PLANS, data=st.data())
def test_every_stream_named_is_supplied_F1(fundable: FundablePlan, data: st.DataObject) -> None:
    if not _committed(fundable):
        fundable, _ = _add_service(fundable)
    plan = fundable.plan
    named = {plan.interventions[i].funding_stream_id for i in _committed(fundable)}
    gone = data.draw(st.sampled_from(sorted(s for s in named if s is not None)))
    fundable = attrs.evolve(fundable, funding=tuple(s for s in fundable.funding if s.id != gone))
    expected = [
        ("funding-stream-unknown", ERR, "F1", (_at(i, "funding_stream_id"),))
        for i in _committed(fundable)
        if plan.interventions[i].funding_stream_id == gone
    ]
    report = fundable.validate()
    assert [(i.code, i.severity, i.rule_id, i.paths) for i in report.issues] == expected


@pytest.mark.rule("F1")
@given(
    fundable=PLANS,
    before=st.integers(min_value=-5, max_value=5),
    after=st.integers(min_value=-5, max_value=5),
)
def test_the_stream_is_active_over_the_intervention_F1(
    fundable: FundablePlan, before: int, after: int
) -> None:
    start = fundable.plan.period.start.add(days=10)
    end = start.add(days=20)
    if fundable.plan.period.end is not None:
        assume(end <= fundable.plan.period.end)
    valid = DateRange(start=start.add(days=before), end=end.add(days=after))
    fundable, index = _add_service(fundable, start=start, end=end, stream={"valid": valid})
    inactive = []
    if before > 0:
        inactive.append(_at(index, "start"))
    if after < 0:
        inactive.append(_at(index, "end"))
    report = fundable.validate()
    if inactive:
        _expect(report, "funding-stream-inactive", ERR, "F1", *inactive)
    else:
        _clean(report)


@pytest.mark.rule("F1")
@given(fundable=PLANS, category=st.sampled_from(InterventionCategory))
def test_the_stream_pays_for_the_category_F1(
    fundable: FundablePlan, category: InterventionCategory
) -> None:
    fundable, index = _add_service(fundable)
    added = fundable.plan.interventions[index]
    permitted = frozenset({category, added.category})
    funding = (
        *fundable.funding[:-1],
        attrs.evolve(fundable.funding[-1], permitted_categories=permitted),
    )
    _clean(attrs.evolve(fundable, funding=funding).validate())
    others = frozenset(InterventionCategory) - {added.category}
    funding = (
        *fundable.funding[:-1],
        attrs.evolve(fundable.funding[-1], permitted_categories=others),
    )
    report = attrs.evolve(fundable, funding=funding).validate()
    _expect(report, "funding-category-not-permitted", ERR, "F1", _at(index, "category"))


# ------------------------------------------------------------------------------- F2


def _paid(cost: int, *, per: FrequencyUnit = FrequencyUnit.WEEK) -> dict[str, Any]:
    return {"unit_cost": Money(minor=cost), "frequency": Frequency(count=1, unit=per)}


@pytest.mark.rule("F2")
@given(fundable=PLANS, authority=st.integers(min_value=0, max_value=50_000))
def test_a_commitment_above_the_authority_needs_approval_F2(
    fundable: FundablePlan, authority: int
) -> None:
    stream = {"spend_authority_per_week": Money(minor=authority)}
    at_limit, _ = _add_service(fundable, stream=stream, **_paid(authority))
    _clean(at_limit.validate())
    over, index = _add_service(fundable, stream=stream, **_paid(authority + 1))
    _expect(over.validate(), "spend-approval-missing", ERR, "F2", _at(index, "approval"))
    approval = SpendApproval(approved_by="Panel", approved_on=fundable.as_of)
    _clean(_intervention(over, index, approval=approval).validate())


@pytest.mark.rule("F2")
@given(fundable=PLANS, scope=st.sampled_from(SpendAuthorityScope))
def test_the_authority_limits_the_plan_or_each_intervention_F2(
    fundable: FundablePlan, scope: SpendAuthorityScope
) -> None:
    fundable = attrs.evolve(
        fundable, policy=attrs.evolve(fundable.policy, spend_authority_scope=scope)
    )
    # Two services of 150 a week each on one stream with an authority of 200.
    fundable, first = _add_service(
        fundable, stream={"spend_authority_per_week": Money.gbp("200")}, **_paid(15_000)
    )
    stream_id = fundable.plan.interventions[first].funding_stream_id
    fundable, second = _add_service(
        fundable, funding_stream_id=stream_id, add_stream=False, **_paid(15_000)
    )
    funding = list(fundable.funding)
    funding[-1] = attrs.evolve(
        funding[-1],
        permitted_categories=funding[-1].permitted_categories
        | {fundable.plan.interventions[second].category},
    )
    report = attrs.evolve(fundable, funding=tuple(funding)).validate()
    if scope is SpendAuthorityScope.PLAN:
        paths = (_at(first, "approval"), _at(second, "approval"))
        _expect(report, "spend-approval-missing", ERR, "F2", *paths)
    else:
        _clean(report)


@pytest.mark.rule("F2")
@pytest.mark.parametrize("own", [False, True])
def test_the_programme_delegates_an_authority_where_the_stream_sets_none_F2(own: bool) -> None:
    # Castlefields: GBP 200 a week. A stream's own authority takes precedence.
    fundable = attrs.evolve(_tiny_plan(DAY), policy=CASTLEFIELDS.plan)
    stream = {"spend_authority_per_week": Money.gbp("500")} if own else {}
    fundable, index = _add_service(fundable, stream=stream, **_paid(20_001))
    report = fundable.validate()
    if own:
        _clean(report)
    else:
        _expect(report, "spend-approval-missing", ERR, "F2", _at(index, "approval"))
    in_euro = attrs.evolve(fundable, policy=PlanPolicy(spend_authority_per_week=Money.of(1, "EUR")))
    assert "spend-approval-missing" not in in_euro.validate().codes


@given(fundable=PLANS)
def test_a_commitment_ended_before_the_day_needs_no_approval_F2(fundable: FundablePlan) -> None:
    start = fundable.plan.period.start
    assume(start < fundable.as_of)
    stream = {"spend_authority_per_week": Money.zero()}
    ended, _ = _add_service(
        fundable, stream=stream, end=fundable.as_of.subtract(days=1), **_paid(100)
    )
    _clean(ended.validate())


# ------------------------------------------------------------------------------- F3


@pytest.mark.rule("F3")
@given(fundable=PLANS, long_term=st.booleans(), staffing=st.sampled_from(StaffingModel))
def test_direct_recruitment_needs_long_term_funding_F3(
    fundable: FundablePlan, long_term: bool, staffing: StaffingModel
) -> None:
    fundable, index = _add_service(fundable, staffing=staffing, stream={"long_term": long_term})
    report = fundable.validate()
    if staffing is StaffingModel.DIRECT_RECRUITMENT and not long_term:
        _expect(report, "direct-recruitment-short-term-funding", WARN, "F3", _at(index, "staffing"))
    else:
        _clean(report)


# ------------------------------------------------------------------------------- F4


@given(fundable=PLANS, data=st.data(), currency=st.sampled_from(["EUR", "USD", "JPY"]))
def test_the_cost_is_in_the_streams_currency_F4(
    fundable: FundablePlan, data: st.DataObject, currency: str
) -> None:
    committed = _committed(fundable)
    if committed:
        index = data.draw(st.sampled_from(committed))
        cost = fundable.plan.interventions[index].unit_cost
        fundable = _intervention(
            fundable, index, unit_cost=Money(minor=cost.minor, currency=currency)
        )
    else:
        fundable, index = _add_service(fundable, unit_cost=Money.zero(currency))
    _expect(fundable.validate(), "funding-currency-mismatch", ERR, "F4", _at(index, "unit_cost"))


@pytest.mark.rule("F4")
@given(
    fundable=PLANS,
    unit=st.sampled_from(FrequencyUnit),
    budget=st.integers(min_value=0, max_value=100_000),
)
def test_the_weekly_commitment_stays_within_the_budget_F4(
    fundable: FundablePlan, unit: FrequencyUnit, budget: int
) -> None:
    # A weekly cost at the budget's weekly equivalent is fine; a penny over is not.
    limit = budget * Frequency(count=1, unit=unit).per_week()
    within = limit.numerator // limit.denominator
    stream = {
        "budget_per_period": Money(minor=budget),
        "budget_period": unit,
        "spend_authority_per_week": Money(minor=10**9),
    }
    at_limit, _ = _add_service(fundable, stream=stream, **_paid(within))
    _clean(at_limit.validate())
    over, index = _add_service(fundable, stream=stream, **_paid(within + 1))
    _expect(over.validate(), "weekly-budget-exceeded", ERR, "F4", _at(index))


@pytest.mark.rule("F4")
@given(fundable=PLANS, weeks=st.integers(min_value=1, max_value=20))
def test_the_total_commitment_stays_within_the_total_budget_F4(
    fundable: FundablePlan, weeks: int
) -> None:
    start = fundable.plan.period.start
    end = start.add(days=7 * weeks - 1)
    if fundable.plan.period.end is not None:
        assume(end <= fundable.plan.period.end)
    cost = 1_000
    stream: dict[str, Any] = {
        "total_budget": Money(minor=cost * weeks),
        "spend_authority_per_week": Money(minor=10**9),
    }
    at_limit, index = _add_service(fundable, stream=stream, end=end, **_paid(cost))
    _clean(at_limit.validate())
    stream["total_budget"] = Money(minor=cost * weeks - 1)
    over, index = _add_service(fundable, stream=stream, end=end, **_paid(cost))
    _expect(over.validate(), "total-budget-exceeded", ERR, "F4", _at(index))


# ------------------------------------------------------------------------------- E8


@pytest.mark.rule("E8")
@given(fundable=PLANS, gap=st.integers(min_value=-3, max_value=3), same=st.booleans())
def test_a_service_is_not_commissioned_twice_E8(
    fundable: FundablePlan, gap: int, same: bool
) -> None:
    start = fundable.plan.period.start
    end = fundable.plan.period.end
    assume(end is None or end >= start.add(days=20))
    fundable, first = _add_service(fundable, end=start.add(days=10))
    kind = fundable.plan.interventions[first]
    provider = kind.provider_id if same else ProviderId("NPR-OTHER")
    fundable, second = _add_service(
        fundable,
        category=kind.category,
        discipline=kind.discipline,
        start=start.add(days=10 + gap),
        end=start.add(days=20),
        provider_id=provider,
        add_provider=not same,
    )
    report = fundable.validate()
    if gap <= 0 and not same:
        _expect(report, "duplicate-service", WARN, "E8", _at(second), _at(first))
    else:
        _clean(report)


@given(fundable=PLANS, gap=st.integers(min_value=-3, max_value=3), same=st.booleans())
def test_a_service_received_elsewhere_is_not_duplicated_E8(
    fundable: FundablePlan, gap: int, same: bool
) -> None:
    start = fundable.plan.period.start
    end = fundable.plan.period.end
    assume(end is None or end >= start.add(days=10))
    fundable, index = _add_service(fundable, end=start.add(days=10))
    ours = fundable.plan.interventions[index]
    theirs = attrs.evolve(
        ours,
        id=InterventionId("ELSEWHERE-1"),
        provider_id=ours.provider_id if same else ProviderId("GP-PRACTICE"),
        start=start.add(days=10 + gap),
        end=None,
        goal_ids=frozenset(),
        funding_stream_id=None,
    )
    report = attrs.evolve(fundable, services_elsewhere=(theirs,)).validate()
    if gap <= 0 and not same:
        _expect(report, "duplicate-service-elsewhere", WARN, "E8", _at(index))
        assert "ELSEWHERE-1" in report.issues[0].message
    else:
        _clean(report)
    cancelled = attrs.evolve(theirs, status=InterventionStatus.CANCELLED)
    _clean(attrs.evolve(fundable, services_elsewhere=(cancelled,)).validate())


BASE = pendulum.Date(2026, 1, 5)


CROWDED_KINDS = list(
    itertools.product(
        [InterventionCategory.THERAPY, InterventionCategory.NURSING],
        [Discipline.PHYSIOTHERAPY, Discipline.NURSING],
    )
)


@st.composite
def _crowded_services(draw: st.DrawFn, prefix: str, size: int) -> list[Intervention]:
    """Many services of few kinds (one, or four) from few providers (two, or three), with
    random, often open, dates."""
    kinds = CROWDED_KINDS[: draw(st.sampled_from([1, 4]))]
    providers = ["PA", "PB", "PC"][: draw(st.sampled_from([2, 3]))]
    found = []
    for number in range(draw(st.integers(min_value=0, max_value=size))):
        # Few days, so that services often start on the very day another ends.
        start = BASE.add(days=draw(st.integers(min_value=0, max_value=12)))
        length = draw(st.none() | st.integers(min_value=0, max_value=6))
        category, discipline = draw(st.sampled_from(kinds))
        found.append(
            Intervention(
                id=InterventionId(f"{prefix}{number}"),
                category=category,
                discipline=discipline,
                description="Crowded",
                provider_id=ProviderId(draw(st.sampled_from(providers))),
                goal_ids=frozenset({GoalId("G1")}) if prefix == "I" else frozenset(),
                start=start,
                end=None if length is None else start.add(days=length),
                unit_cost=Money.zero(),
                status=draw(st.sampled_from(InterventionStatus)),
            )
        )
    return found


def _end(service: Intervention) -> int:
    return 10**9 if service.end is None else service.end.toordinal()


def _tiny_plan(as_of: pendulum.Date, interventions: Sequence[Intervention] = ()) -> FundablePlan:
    """A plan with one self-managed goal and the given interventions."""
    goal = Goal(
        id=GoalId("G1"),
        description="Stay well",
        domain=GoalDomain.HEALTH,
        start=BASE.subtract(days=60),
        lifecycle_status=GoalLifecycleStatus.ACTIVE,
        target="Fewer admissions",
        due=as_of.add(days=100),
        self_managed=True,
    )
    plan = CarePlan(
        id=CarePlanId("CP1"),
        client_id=ClientId("CL1"),
        version=1,
        status=CarePlanStatus.ACTIVE,
        period=DateRange(start=min(as_of, BASE).subtract(days=60)),
        created_on=min(as_of, BASE).subtract(days=60),
        goals=(goal,),
        interventions=tuple(interventions),
        agreement=ClientAgreement(agreed_at=_noon(min(as_of, BASE).subtract(days=60))),
        next_review=as_of,
    )
    return FundablePlan(plan=plan, funding=(), providers=(), policy=PlanPolicy(), as_of=as_of)


@CHEAP
@given(services=_crowded_services("I", 25))
def test_duplicates_match_a_pairwise_comparison_E8(services: list[Intervention]) -> None:
    report = validate_plan(
        _tiny_plan(BASE, services).plan, funding=(), policy=PlanPolicy(), as_of=BASE
    )
    found = {i.paths[0]: i.paths for i in report.issues if i.code == "duplicate-service"}
    committed = [(i, s) for i, s in enumerate(services) if s.status not in IGNORED]

    def before(a: tuple[int, Intervention], b: tuple[int, Intervention]) -> bool:
        # Sorted by (start, index): the later service of an overlapping pair is flagged.
        (ia, sa), (ib, sb) = a, b
        same_kind = (sa.category, sa.discipline) == (sb.category, sb.discipline)
        earlier = (sa.start, ia) < (sb.start, ib)
        return (
            same_kind
            and earlier
            and sa.provider_id != sb.provider_id
            and _end(sa) >= sb.start.toordinal()
        )

    expected = {_at(i) for i, s in committed if any(before(other, (i, s)) for other in committed)}
    assert set(found) == expected
    for main, paths in found.items():
        assert len(paths) == 2
        index, other = (int(p.split("[")[1].rstrip("]")) for p in (main, paths[1]))
        assert before((other, services[other]), (index, services[index]))


@pytest.mark.rule("E8")
@CHEAP
@given(services=_crowded_services("I", 8), elsewhere=_crowded_services("X", 16))
def test_duplicates_elsewhere_match_a_pairwise_comparison_E8(
    services: list[Intervention], elsewhere: list[Intervention]
) -> None:
    report = validate_plan(
        _tiny_plan(BASE, services).plan,
        funding=(),
        policy=PlanPolicy(),
        as_of=BASE,
        services_elsewhere=elsewhere,
    )
    found = [i.paths for i in report.issues if i.code == "duplicate-service-elsewhere"]

    def duplicates(ours: Intervention, theirs: Intervention) -> bool:
        return (
            theirs.status not in IGNORED
            and (ours.category, ours.discipline) == (theirs.category, theirs.discipline)
            and ours.provider_id != theirs.provider_id
            and ours.start.toordinal() <= _end(theirs)
            and theirs.start.toordinal() <= _end(ours)
        )

    expected = [
        (_at(i),)
        for i, ours in enumerate(services)
        if ours.status not in IGNORED and any(duplicates(ours, t) for t in elsewhere)
    ]
    assert found == expected
    for issue in report.issues:
        if issue.code == "duplicate-service-elsewhere":
            ours = services[int(issue.path.split("[")[1].rstrip("]"))]
            witnesses = [t.id for t in elsewhere if duplicates(ours, t)]
            assert any(f"service {w} " in issue.message for w in witnesses)


# ------------------------------------------------------- the sweeps behind F4 and F2


@st.composite
def _commitments(draw: st.DrawFn) -> list[Intervention]:
    """Services on stream FS1 with random weekly costs and dates around BASE: few days, so
    that services often start the day after another ends, or on the day it ends."""
    found = []
    for number in range(draw(st.integers(min_value=0, max_value=8))):
        start = BASE.add(days=draw(st.integers(min_value=-5, max_value=8)))
        length = draw(st.none() | st.integers(min_value=0, max_value=5))
        found.append(
            Intervention(
                id=InterventionId(f"I{number}"),
                category=InterventionCategory.THERAPY,
                discipline=Discipline.PHYSIOTHERAPY,
                description="Paid",
                provider_id=ProviderId("PA"),
                goal_ids=frozenset({GoalId("G1")}),
                start=start,
                end=None if length is None else start.add(days=length),
                unit_cost=Money(minor=draw(st.integers(min_value=0, max_value=1_000))),
                frequency=Frequency(
                    count=draw(st.integers(min_value=1, max_value=3)),
                    unit=draw(st.sampled_from(FrequencyUnit)),
                    every=draw(st.integers(min_value=1, max_value=3)),
                ),
                funding_stream_id=FundingStreamId("FS1"),
                status=draw(st.sampled_from(InterventionStatus)),
                approval=draw(
                    st.none() | st.just(SpendApproval(approved_by="Panel", approved_on=BASE))
                ),
            )
        )
    return found


def _stream(**amounts: Any) -> FundingStream:
    return FundingStream(
        id=FundingStreamId("FS1"),
        name="Pooled budget",
        kind=FundingStreamKind.POOLED_BUDGET,
        valid=DateRange(start=BASE.subtract(days=100)),
        permitted_categories=frozenset({InterventionCategory.THERAPY}),
        **amounts,
    )


def _weekly(service: Intervention) -> Fraction:
    assert service.frequency is not None
    return Fraction(service.unit_cost.minor) * service.frequency.per_week()


def _live(services: Sequence[Intervention]) -> list[tuple[int, Intervention]]:
    # Completed and stopped services no longer commit money each week.
    return [(i, s) for i, s in enumerate(services) if s.status in LIVE]


def _first_peak(
    services: Sequence[tuple[int, Intervention]], as_of: pendulum.Date
) -> tuple[Fraction, list[int]]:
    """The highest weekly sum of the services running on a day from ``as_of`` on, and the
    services running on the first day it is reached (brute force, one day at a time, up to
    the day after the last start or end)."""
    last = max([as_of, *(s.start for _, s in services), *(s.end for _, s in services if s.end)])
    peak, at_peak = Fraction(0), list[int]()
    day = as_of
    while day <= last.add(days=1):
        running = [(i, s) for i, s in services if s.start <= day and (s.end or day) >= day]
        weekly = sum((_weekly(s) for _, s in running), Fraction(0))
        if weekly > peak or (not at_peak and weekly == peak):
            peak, at_peak = weekly, [i for i, _ in running]
        day = day.add(days=1)
    return peak, at_peak


@pytest.mark.rule("F4")
@CHEAP
@given(
    services=_commitments(),
    budget=st.integers(min_value=0, max_value=5_000),
    unit=st.sampled_from(FrequencyUnit),
)
def test_the_weekly_peak_matches_a_day_by_day_sum_F4(
    services: list[Intervention], budget: int, unit: FrequencyUnit
) -> None:
    stream = _stream(budget_per_period=Money(minor=budget), budget_period=unit)
    report = validate_plan(
        _tiny_plan(BASE, services).plan, funding=(stream,), policy=PlanPolicy(), as_of=BASE
    )
    found = [i.paths for i in report.issues if i.code == "weekly-budget-exceeded"]
    peak, running = _first_peak(_live(services), BASE)
    limit = budget * Frequency(count=1, unit=unit).per_week()
    assert found == ([tuple(_at(i) for i in running)] if peak > limit else [])


@pytest.mark.rule("F4")
@given(services=_commitments(), budget=st.integers(min_value=0, max_value=200_000))
def test_the_total_matches_a_sum_over_every_bounded_service_F4(
    services: list[Intervention], budget: int
) -> None:
    # Every committed service with an end counts, finished ones too: money spent is spent.
    stream = _stream(total_budget=Money(minor=budget))
    report = validate_plan(
        _tiny_plan(BASE, services).plan, funding=(stream,), policy=PlanPolicy(), as_of=BASE
    )
    found = [i.paths for i in report.issues if i.code == "total-budget-exceeded"]
    bounded = [(i, s) for i, s in enumerate(services) if s.status not in IGNORED and s.end]
    total = sum(
        (_weekly(s) * ((s.end - s.start).days + 1) / 7 for _, s in bounded if s.end), Fraction(0)
    )
    assert found == ([tuple(_at(i) for i, _ in bounded)] if total > budget else [])


@pytest.mark.rule("F2")
@CHEAP
@given(services=_commitments(), authority=st.integers(min_value=0, max_value=5_000))
def test_the_plan_spend_authority_matches_a_day_by_day_sum_F2(
    services: list[Intervention], authority: int
) -> None:
    stream = _stream(spend_authority_per_week=Money(minor=authority))
    report = validate_plan(
        _tiny_plan(BASE, services).plan, funding=(stream,), policy=PlanPolicy(), as_of=BASE
    )
    found = [i.paths for i in report.issues if i.code == "spend-approval-missing"]
    unapproved = [(i, s) for i, s in _live(services) if s.approval is None]
    peak, running = _first_peak(unapproved, BASE)
    assert found == ([tuple(_at(i, "approval") for i in running)] if peak > authority else [])


@given(
    services=_commitments(),
    authority=st.integers(min_value=0, max_value=20_000),
)
def test_the_spend_authority_per_intervention_F2(
    services: list[Intervention], authority: int
) -> None:
    stream = _stream(spend_authority_per_week=Money(minor=authority))
    policy = PlanPolicy(spend_authority_scope=SpendAuthorityScope.INTERVENTION)
    report = validate_plan(
        _tiny_plan(BASE, services).plan, funding=(stream,), policy=policy, as_of=BASE
    )
    found = [i.paths for i in report.issues if i.code == "spend-approval-missing"]
    expected = [
        (_at(i, "approval"),)
        for i, s in _live(services)
        if s.approval is None and (s.end or BASE) >= BASE and _weekly(s) > authority
    ]
    assert found == expected


def _finished_service(status: InterventionStatus) -> FundablePlan:
    """A plan with one service above every weekly limit, finished but dated to run on."""
    service = Intervention(
        id=InterventionId("I1"),
        category=InterventionCategory.THERAPY,
        discipline=Discipline.PHYSIOTHERAPY,
        description="Finished early",
        provider_id=ProviderId("PA"),
        goal_ids=frozenset({GoalId("G1")}),
        start=BASE.subtract(days=14),
        end=BASE.add(days=14),
        unit_cost=Money.gbp("100"),
        frequency=Frequency(count=1, unit=FrequencyUnit.WEEK),
        funding_stream_id=FundingStreamId("FS1"),
        status=status,
    )
    stream = _stream(budget_per_period=Money.gbp("1"), spend_authority_per_week=Money.gbp("1"))
    physio = Provider(
        id=ProviderId("PA"),
        name="Riverside Physiotherapy",
        kind=ProviderKind.INDEPENDENT_PRACTITIONER,
        disciplines=frozenset({Discipline.PHYSIOTHERAPY}),
        registrations=(Registration(body=Regulator.HCPC, number="PH12345"),),
    )
    return attrs.evolve(_tiny_plan(BASE, [service]), funding=(stream,), providers=(physio,))


@pytest.mark.parametrize("status", FINISHED)
def test_a_finished_service_commits_nothing_each_week_F2_F4(status: InterventionStatus) -> None:
    fundable = _finished_service(status)
    _clean(fundable.validate())
    total = _stream(total_budget=Money.gbp("1"))
    report = attrs.evolve(fundable, funding=(total,)).validate()
    _expect(report, "total-budget-exceeded", ERR, "F4", _at(0))


@pytest.mark.parametrize("status", FINISHED)
def test_a_finished_service_needs_no_approval_per_intervention_either_F2(
    status: InterventionStatus,
) -> None:
    fundable = _finished_service(status)
    policy = PlanPolicy(spend_authority_scope=SpendAuthorityScope.INTERVENTION)
    _clean(attrs.evolve(fundable, policy=policy).validate())


# ---------------------------------------------------------------- cancelled services


@given(fundable=PLANS, status=st.sampled_from(IGNORED))
def test_cancelled_interventions_are_ignored(
    fundable: FundablePlan, status: InterventionStatus
) -> None:
    # Everything wrong with it, a duplicate of another service, far above every budget.
    fundable, index = _add_service(fundable)
    kind = fundable.plan.interventions[index]
    fundable, _ = _add_service(
        fundable,
        status=status,
        category=kind.category,
        discipline=kind.discipline,
        provider_id=ProviderId("PR-GONE"),
        goal_ids=frozenset(),
        start=fundable.plan.period.start.subtract(days=100),
        end=None,
        frequency=None,
        unit_cost=Money(minor=10**9, currency="EUR"),
        funding_stream_id=FundingStreamId("FS-GONE"),
        staffing=StaffingModel.DIRECT_RECRUITMENT,
        add_provider=False,
        add_stream=False,
    )
    _clean(fundable.validate())


# ----------------------------------------------------------- policy and the report


@given(fundable=PLANS, severity=st.sampled_from(Severity))
def test_a_policy_may_change_a_checks_severity(fundable: FundablePlan, severity: Severity) -> None:
    policy = attrs.evolve(fundable.policy, severity_overrides={"review-date-missing": severity})
    report = _plan(attrs.evolve(fundable, policy=policy), next_review=None).validate()
    assert [(i.code, i.severity, i.rule_id) for i in report.issues] == [
        ("review-date-missing", severity, "P3")
    ]
    assert report.ok is (severity is not Severity.ERROR)


def test_a_policy_rejects_an_unknown_check_code() -> None:
    with pytest.raises(InvariantError) as raised:
        PlanPolicy(severity_overrides={"no-such-check": Severity.ERROR})
    assert [p.path for p in raised.value.problems] == ["severity_overrides['no-such-check']"]
    assert [p.code for p in raised.value.problems] == ["unknown_check"]


@given(fundable=PLANS)
def test_funding_streams_and_providers_have_distinct_ids(fundable: FundablePlan) -> None:
    funding = (*fundable.funding, fundable.funding[0])
    with pytest.raises(InvariantError) as raised:
        attrs.evolve(fundable, funding=funding).validate()
    assert [p.path for p in raised.value.problems] == [f"funding[{len(funding) - 1}].id"]
    providers = (fundable.providers[0], *fundable.providers)
    with pytest.raises(InvariantError) as raised:
        attrs.evolve(fundable, providers=providers).validate()
    assert [p.path for p in raised.value.problems] == ["providers[1].id"]


def _many_faults(fundable: FundablePlan) -> FundablePlan:
    """A warning, an information and errors, all at once."""
    fundable = _plan(fundable, status=CarePlanStatus.DRAFT, agreement=None, next_review=None)
    fundable, _ = _add_service(
        fundable, staffing=StaffingModel.DIRECT_RECRUITMENT, stream={"long_term": False}
    )
    fundable, _ = _add_goal(fundable, target=None)
    return fundable


@given(fundable=PLANS)
def test_the_report_lists_errors_then_warnings_then_information(fundable: FundablePlan) -> None:
    report = _many_faults(fundable).validate()
    assert [i.code for i in report.issues] == [
        "review-date-missing",
        "goal-target-missing",
        "direct-recruitment-short-term-funding",
        "agreement-pending",
    ]
    assert [i.severity for i in report.issues] == [ERR, ERR, WARN, INFO]
    assert report.errors == report.issues[:2]
    assert report.warnings == report.issues[2:3]
    assert report.information == report.issues[3:]
    assert not report.ok
    assert report.summary().endswith("not ok (2 errors, 1 warning, 1 information)")


@given(fundable=PLANS)
def test_a_report_with_only_warnings_and_information_is_ok(fundable: FundablePlan) -> None:
    fundable = _plan(fundable, status=CarePlanStatus.DRAFT, agreement=None)
    fundable, _ = _add_service(
        fundable, staffing=StaffingModel.DIRECT_RECRUITMENT, stream={"long_term": False}
    )
    report = fundable.validate()
    assert [i.severity for i in report.issues] == [WARN, INFO]
    assert report.ok


@given(fundable=PLANS)
def test_a_report_places_its_paths_under_a_prefix(fundable: FundablePlan) -> None:
    fundable, _ = _add_service(
        fundable, start=fundable.plan.period.start.subtract(days=1), end=fundable.plan.period.end
    )
    report = _many_faults(fundable).validate()
    nested = report.under("$.case.plans[0]")
    assert [i.paths for i in nested.issues] == [
        tuple(p.replace("$", "$.case.plans[0]", 1) for p in i.paths) for i in report.issues
    ]
    assert all(p.startswith("$.case.plans[0].") for i in nested.issues for p in i.paths)
    assert [attrs.evolve(i, paths=()) for i in nested.issues] == [
        attrs.evolve(i, paths=()) for i in report.issues
    ]
    outside = next(i for i in nested.issues if i.code == "intervention-outside-plan-period")
    assert outside.path.startswith("$.case.plans[0].interventions[")


def test_every_check_has_a_focused_test() -> None:
    # Each code appears in an exact expectation of this module: ("code", SEVERITY, ...).
    text = " ".join(Path(__file__).read_text(encoding="utf-8").split())
    tested = {c for c in CHECKS if any(f'"{c}", {s},' in text for s in ("ERR", "WARN", "INFO"))}
    assert sorted(set(CHECKS) - tested) == []
