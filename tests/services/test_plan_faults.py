"""Fault injection: a generated valid plan yields no error; injecting k distinct faults
(1..10, generated) yields exactly those k codes at the right paths.

Every fault breaks exactly one thing and causes exactly one issue. Faults cannot interact:
each either adds its own elements (a goal, a service of a kind no other service is, with its
own provider and funding stream, a referral) or changes an element of the generated plan no
other fault has touched (touched goals and services are marked ``description="fault"``),
and only in ways that cannot tip another check (a service that loses its frequency, stream
or currency stops counting against a budget, which only ever lowers a sum).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import attrs
import pendulum
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.model import (
    CarePlanStatus,
    ClientAgreement,
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
from casemgmt.rules import CHECKS
from casemgmt.testing.strategies import FundablePlan, fundable_plans

Draw = Callable[[st.SearchStrategy[Any]], Any]
Injected = tuple[FundablePlan, str, tuple[str, ...]]
Fault = Callable[[FundablePlan, Draw], Injected]

PURSUED = frozenset(
    {
        GoalLifecycleStatus.PROPOSED,
        GoalLifecycleStatus.PLANNED,
        GoalLifecycleStatus.ACCEPTED,
        GoalLifecycleStatus.ACTIVE,
        GoalLifecycleStatus.ON_HOLD,
    }
)
CLOSED = sorted(set(GoalLifecycleStatus) - PURSUED, key=lambda s: s.value)
IGNORED = frozenset({InterventionStatus.CANCELLED, InterventionStatus.ENTERED_IN_ERROR})
KINDS = list(itertools.product(InterventionCategory, Discipline))
REGULATED = (Discipline.NURSING, Discipline.PHYSIOTHERAPY, Discipline.SOCIAL_WORK)
TOUCHED = "fault"


# --------------------------------------------------------------------------- helpers


def _plan(fundable: FundablePlan, **changes: Any) -> FundablePlan:
    return attrs.evolve(fundable, plan=attrs.evolve(fundable.plan, **changes))


def _at(index: int, field: str | None = None) -> str:
    return f"$.interventions[{index}]" if field is None else f"$.interventions[{index}].{field}"


def _original(element_id: str) -> bool:
    return not element_id.startswith("F")


def _add_goal(fundable: FundablePlan, **changes: Any) -> tuple[FundablePlan, int]:
    """Append a goal: pursued, self-managed, with a target, due on the day (valid as is)."""
    plan = fundable.plan
    index = len(plan.goals)
    values: dict[str, Any] = {
        "id": GoalId(f"FG{index}"),
        "description": TOUCHED,
        "domain": GoalDomain.WELLBEING,
        "start": plan.period.start,
        "lifecycle_status": GoalLifecycleStatus.ACTIVE,
        "target": "Measurable",
        "due": fundable.as_of,
        "self_managed": True,
    }
    values.update(changes)
    return _plan(fundable, goals=(*plan.goals, Goal(**values))), index


def _served_goal(fundable: FundablePlan, draw: Draw) -> tuple[FundablePlan, GoalId]:
    """A goal of the generated plan being pursued (never one a fault added), or a new one."""
    pursued = [
        g.id for g in fundable.plan.goals if g.lifecycle_status in PURSUED and _original(g.id)
    ]
    if pursued:
        return fundable, draw(st.sampled_from(pursued))
    fundable, index = _add_goal(fundable)
    return fundable, fundable.plan.goals[index].id


def _unused_kind(
    fundable: FundablePlan, draw: Draw, disciplines: Sequence[Discipline] = ()
) -> tuple[InterventionCategory, Discipline]:
    used = {(i.category, i.discipline) for i in fundable.plan.interventions}
    used |= {(s.category, s.discipline) for s in fundable.services_elsewhere}
    free = [k for k in KINDS if k not in used and (not disciplines or k[1] in disciplines)]
    kind: tuple[InterventionCategory, Discipline] = draw(st.sampled_from(free))
    return kind


def _add_service(
    fundable: FundablePlan,
    draw: Draw,
    *,
    provider: dict[str, Any] | None = None,
    stream: dict[str, Any] | None = None,
    add_provider: bool = True,
    add_stream: bool = True,
    **changes: Any,
) -> tuple[FundablePlan, int]:
    """Append a valid service of a kind no other service is, serving a goal of the generated
    plan, free, inside the plan, with its own provider (an organisation registered with the
    CQC, so registered for any discipline) and its own long-term stream."""
    fundable, goal_id = _served_goal(fundable, draw)
    plan = fundable.plan
    index = len(plan.interventions)
    category, discipline = _unused_kind(fundable, draw)
    start = draw(st.integers(0, (fundable.as_of - plan.period.start).days))
    start_on = plan.period.start.add(days=start)
    values: dict[str, Any] = {
        "id": InterventionId(f"FI{index}"),
        "category": category,
        "discipline": discipline,
        "description": TOUCHED,
        "provider_id": ProviderId(f"FPR{index}"),
        "goal_ids": frozenset({goal_id}),
        "start": start_on,
        "end": fundable.as_of.add(days=draw(st.integers(0, 30))),
        "unit_cost": Money.zero(),
        "frequency": Frequency(count=1, unit=FrequencyUnit.WEEK),
        "funding_stream_id": FundingStreamId(f"FFS{index}"),
        "status": draw(
            st.sampled_from([InterventionStatus.NOT_STARTED, InterventionStatus.IN_PROGRESS])
        ),
    }
    if plan.period.end is not None:
        values["end"] = min(values["end"], plan.period.end)
    values.update(changes)
    added = Intervention(**values)
    providers = fundable.providers
    if add_provider:
        provider_values: dict[str, Any] = {
            "id": added.provider_id,
            "name": "Fault provider",
            "kind": ProviderKind.CARE_AGENCY,
            "disciplines": frozenset({added.discipline}),
            "registrations": (Registration(body=Regulator.CQC, number="1-101"),),
        }
        provider_values.update(provider or {})
        providers = (*providers, Provider(**provider_values))
    funding = fundable.funding
    if add_stream:
        stream_values: dict[str, Any] = {
            "id": FundingStreamId(f"FFS{index}"),
            "name": "Fault stream",
            "kind": FundingStreamKind.FINANCIAL_DEPUTY,
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


def _clean_goals(fundable: FundablePlan) -> list[int]:
    """Goals of the generated plan being pursued that no fault has touched."""
    return [
        i
        for i, g in enumerate(fundable.plan.goals)
        if _original(g.id) and g.lifecycle_status in PURSUED and g.description != TOUCHED
    ]


def _change_goal(fundable: FundablePlan, index: int, **changes: Any) -> FundablePlan:
    goals = list(fundable.plan.goals)
    goals[index] = attrs.evolve(goals[index], description=TOUCHED, **changes)
    return _plan(fundable, goals=tuple(goals))


def _goal_to_break(fundable: FundablePlan, draw: Draw) -> tuple[FundablePlan, int]:
    """A pursued goal to break: one of the generated plan no fault touched, or a new one."""
    clean = _clean_goals(fundable)
    if clean and draw(st.booleans()):
        return fundable, draw(st.sampled_from(clean))
    return _add_goal(fundable)


def _clean_services(fundable: FundablePlan, *, unique_kind: bool = False) -> list[int]:
    """Committed services of the generated plan that no fault has touched."""
    plan = fundable.plan
    kinds = Counter(
        (i.category, i.discipline) for i in plan.interventions if i.status not in IGNORED
    )
    return [
        index
        for index, i in enumerate(plan.interventions)
        if _original(i.id)
        and i.status not in IGNORED
        and i.description != TOUCHED
        and (not unique_kind or kinds[(i.category, i.discipline)] == 1)
    ]


def _change_service(fundable: FundablePlan, index: int, **changes: Any) -> FundablePlan:
    interventions = list(fundable.plan.interventions)
    interventions[index] = attrs.evolve(interventions[index], description=TOUCHED, **changes)
    return _plan(fundable, interventions=tuple(interventions))


def _service_to_break(
    fundable: FundablePlan, draw: Draw, *, unique_kind: bool = False, **fresh: Any
) -> tuple[FundablePlan, int, bool]:
    """A service to break: one of the generated plan no fault touched (``True``), or a new
    valid one (``False``) built with ``fresh``."""
    clean = _clean_services(fundable, unique_kind=unique_kind)
    if clean and draw(st.booleans()):
        return fundable, draw(st.sampled_from(clean)), True
    fundable, index = _add_service(fundable, draw, **fresh)
    return fundable, index, False


def _approved(fundable: FundablePlan) -> SpendApproval:
    return SpendApproval(approved_by="Panel", approved_on=fundable.as_of)


# ------------------------------------------------------------------ plan-level faults


def agreement_missing(fundable: FundablePlan, draw: Draw) -> Injected:
    return _plan(fundable, agreement=None), "agreement-missing", ("$.agreement",)


def agreement_pending(fundable: FundablePlan, draw: Draw) -> Injected:
    draft = _plan(fundable, agreement=None, status=CarePlanStatus.DRAFT)
    return draft, "agreement-pending", ("$.agreement",)


def agreement_after_as_of(fundable: FundablePlan, draw: Draw) -> Injected:
    day = fundable.as_of.add(days=draw(st.integers(1, 60)))
    later = pendulum.datetime(day.year, day.month, day.day, tz="Europe/London")
    agreement = ClientAgreement(agreed_at=later.add(minutes=draw(st.integers(0, 22 * 60))))
    return _plan(fundable, agreement=agreement), "agreement-after-as-of", ("$.agreement.agreed_at",)


def review_date_missing(fundable: FundablePlan, draw: Draw) -> Injected:
    return _plan(fundable, next_review=None), "review-date-missing", ("$.next_review",)


def review_overdue(fundable: FundablePlan, draw: Draw) -> Injected:
    due = fundable.as_of.subtract(days=draw(st.integers(1, 90)))
    created = min(fundable.plan.created_on, due)
    overdue = _plan(fundable, created_on=created, next_review=due)
    return overdue, "review-overdue", ("$.next_review",)


def vocational_goal_missing(fundable: FundablePlan, draw: Draw) -> Injected:
    # Applied after every other fault: no goal of the required domain remains.
    domain = draw(st.sampled_from(GoalDomain))
    other = GoalDomain.HOUSING if domain is not GoalDomain.HOUSING else GoalDomain.HEALTH
    goals = tuple(
        attrs.evolve(g, domain=other) if g.domain is domain else g for g in fundable.plan.goals
    )
    policy = attrs.evolve(fundable.policy, required_goal_domains=frozenset({domain}))
    return (
        attrs.evolve(_plan(fundable, goals=goals), policy=policy),
        "vocational-goal-missing",
        ("$.goals",),
    )


# ---------------------------------------------------------------------- goal faults


def goal_target_missing(fundable: FundablePlan, draw: Draw) -> Injected:
    fundable, index = _goal_to_break(fundable, draw)
    target = draw(st.sampled_from([None, "", "  "]))
    broken = _change_goal(fundable, index, target=target)
    return broken, "goal-target-missing", (f"$.goals[{index}].target",)


def goal_due_missing(fundable: FundablePlan, draw: Draw) -> Injected:
    fundable, index = _goal_to_break(fundable, draw)
    return _change_goal(fundable, index, due=None), "goal-due-missing", (f"$.goals[{index}].due",)


def goal_due_outside_plan(fundable: FundablePlan, draw: Draw) -> Injected:
    fundable, index = _goal_to_break(fundable, draw)
    period = fundable.plan.period
    days = draw(st.integers(1, 100))
    if period.end is not None and draw(st.booleans()):
        due = period.end.add(days=days)
    else:
        due = period.start.subtract(days=days)
    start = min(fundable.plan.goals[index].start, due)
    broken = _change_goal(fundable, index, due=due, start=start)
    return broken, "goal-due-outside-plan", (f"$.goals[{index}].due",)


def goal_due_passed(fundable: FundablePlan, draw: Draw) -> Injected:
    # Needs a plan that started before the day (the test draws only such plans).
    fundable, index = _goal_to_break(fundable, draw)
    start = fundable.plan.period.start
    due = fundable.as_of.subtract(days=draw(st.integers(1, (fundable.as_of - start).days)))
    goal_start = min(fundable.plan.goals[index].start, due)
    broken = _change_goal(fundable, index, due=due, start=goal_start)
    return broken, "goal-due-passed", (f"$.goals[{index}].due",)


def goal_unserved(fundable: FundablePlan, draw: Draw) -> Injected:
    status = draw(st.sampled_from(sorted(PURSUED - {GoalLifecycleStatus.ON_HOLD}, key=str)))
    fundable, index = _add_goal(fundable, lifecycle_status=status, self_managed=False)
    return fundable, "goal-unserved", (f"$.goals[{index}]",)


# ------------------------------------------------------------------- service faults


def intervention_frequency_missing(fundable: FundablePlan, draw: Draw) -> Injected:
    fundable, index, _ = _service_to_break(fundable, draw)
    broken = _change_service(fundable, index, frequency=None)
    return broken, "intervention-frequency-missing", (_at(index, "frequency"),)


def intervention_end_missing(fundable: FundablePlan, draw: Draw) -> Injected:
    fundable, index = _add_service(fundable, draw, end=None)
    return fundable, "intervention-end-missing", (_at(index, "end"),)


def intervention_outside_plan_period(fundable: FundablePlan, draw: Draw) -> Injected:
    period = fundable.plan.period
    early = draw(st.integers(0, 30))
    late = draw(st.integers(0, 30)) if period.end is not None else 0
    if not early and not late:
        early = 1
    start = period.start.subtract(days=early)
    end = (period.end or fundable.as_of).add(days=late)
    fundable, index = _add_service(fundable, draw, start=start, end=end)
    paths = [_at(index, "start")] if early else []
    if late:
        paths.append(_at(index, "end"))
    return fundable, "intervention-outside-plan-period", tuple(paths)


def intervention_without_goal(fundable: FundablePlan, draw: Draw) -> Injected:
    fundable, index = _add_service(fundable, draw, goal_ids=frozenset())
    return fundable, "intervention-without-goal", (_at(index, "goal_ids"),)


def intervention_serves_closed_goal(fundable: FundablePlan, draw: Draw) -> Injected:
    status = draw(st.sampled_from(CLOSED))
    fundable, goal = _add_goal(fundable, lifecycle_status=status, target=None, due=None)
    closed = frozenset({fundable.plan.goals[goal].id})
    fundable, index = _add_service(fundable, draw, goal_ids=closed)
    return fundable, "intervention-serves-closed-goal", (_at(index, "goal_ids"),)


def provider_unknown(fundable: FundablePlan, draw: Draw) -> Injected:
    # A service alone of its kind, so that a new provider duplicates nothing (E8).
    fundable, index, _ = _service_to_break(fundable, draw, unique_kind=True, add_provider=False)
    broken = _change_service(fundable, index, provider_id=ProviderId(f"FGONE{index}"))
    return broken, "provider-unknown", (_at(index, "provider_id"),)


def provider_discipline_mismatch(fundable: FundablePlan, draw: Draw) -> Injected:
    # The organisation is registered with the CQC, so registered for every discipline.
    fundable, index = _add_service(fundable, draw)
    delivered = fundable.plan.interventions[index].discipline
    other = draw(st.sampled_from([d for d in Discipline if d is not delivered]))
    providers = list(fundable.providers)
    providers[-1] = attrs.evolve(providers[-1], disciplines=frozenset({other}))
    broken = attrs.evolve(fundable, providers=tuple(providers))
    return broken, "provider-discipline-mismatch", (_at(index, "discipline"),)


def provider_registration_missing(fundable: FundablePlan, draw: Draw) -> Injected:
    category, discipline = _unused_kind(fundable, draw, REGULATED)
    kind = draw(st.sampled_from(ProviderKind))
    fundable, index = _add_service(
        fundable,
        draw,
        category=category,
        discipline=discipline,
        provider={"kind": kind, "registrations": ()},
    )
    return fundable, "provider-registration-missing", (_at(index, "provider_id"),)


def intervention_unfunded(fundable: FundablePlan, draw: Draw) -> Injected:
    fundable, index, _ = _service_to_break(fundable, draw, add_stream=False)
    broken = _change_service(fundable, index, funding_stream_id=None)
    return broken, "intervention-unfunded", (_at(index, "funding_stream_id"),)


def funding_stream_unknown(fundable: FundablePlan, draw: Draw) -> Injected:
    fundable, index, _ = _service_to_break(fundable, draw, add_stream=False)
    broken = _change_service(fundable, index, funding_stream_id=FundingStreamId(f"FGONE{index}"))
    return broken, "funding-stream-unknown", (_at(index, "funding_stream_id"),)


def funding_stream_inactive(fundable: FundablePlan, draw: Draw) -> Injected:
    fundable, index = _add_service(fundable, draw)
    service = fundable.plan.interventions[index]
    start, end = service.start, service.end
    assert end is not None
    # The stream starts a day late, ends a day early, or starts after the service ends.
    mode = draw(st.sampled_from(["start", "end", "both"])) if end > start.add(days=1) else "both"
    paths: tuple[str, ...]
    if mode == "start":
        valid, paths = DateRange(start=start.add(days=1)), (_at(index, "start"),)
    elif mode == "end":
        valid, paths = DateRange(start=start, end=end.subtract(days=1)), (_at(index, "end"),)
    else:
        valid, paths = DateRange(start=end.add(days=1)), (_at(index, "start"), _at(index, "end"))
    funding = (*fundable.funding[:-1], attrs.evolve(fundable.funding[-1], valid=valid))
    return attrs.evolve(fundable, funding=funding), "funding-stream-inactive", paths


def funding_category_not_permitted(fundable: FundablePlan, draw: Draw) -> Injected:
    fundable, index = _add_service(fundable, draw)
    category = fundable.plan.interventions[index].category
    other = draw(st.sampled_from([c for c in InterventionCategory if c is not category]))
    stream = attrs.evolve(fundable.funding[-1], permitted_categories=frozenset({other}))
    broken = attrs.evolve(fundable, funding=(*fundable.funding[:-1], stream))
    return broken, "funding-category-not-permitted", (_at(index, "category"),)


def direct_recruitment_short_term_funding(fundable: FundablePlan, draw: Draw) -> Injected:
    streams = {s.id: s for s in fundable.funding}
    short_term = [
        i
        for i in _clean_services(fundable)
        if (stream := streams.get(fundable.plan.interventions[i].funding_stream_id))  # type: ignore[arg-type]
        and not stream.long_term
    ]
    if short_term and draw(st.booleans()):
        index = draw(st.sampled_from(short_term))
    else:
        fundable, index = _add_service(fundable, draw, stream={"long_term": False})
    broken = _change_service(fundable, index, staffing=StaffingModel.DIRECT_RECRUITMENT)
    return broken, "direct-recruitment-short-term-funding", (_at(index, "staffing"),)


def funding_currency_mismatch(fundable: FundablePlan, draw: Draw) -> Injected:
    fundable, index, _ = _service_to_break(fundable, draw)
    cost = fundable.plan.interventions[index].unit_cost
    currency = draw(st.sampled_from(["EUR", "USD", "CHF", "JPY"]))
    broken = _change_service(fundable, index, unit_cost=Money(minor=cost.minor, currency=currency))
    return broken, "funding-currency-mismatch", (_at(index, "unit_cost"),)


def weekly_budget_exceeded(fundable: FundablePlan, draw: Draw) -> Injected:
    # One live service on a stream of its own, running on the day, a penny or more over.
    cost = draw(st.integers(1, 50_000))
    unit = draw(st.sampled_from(FrequencyUnit))
    per_week = Frequency(count=1, unit=unit).per_week()
    budget = int((cost - 1) / per_week) - draw(st.integers(0, 10))
    stream = {"budget_per_period": Money(minor=max(budget, 0)), "budget_period": unit}
    fundable, index = _add_service(
        fundable,
        draw,
        stream=stream,
        unit_cost=Money(minor=cost),
        approval=_approved(fundable),
    )
    return fundable, "weekly-budget-exceeded", (_at(index),)


def total_budget_exceeded(fundable: FundablePlan, draw: Draw) -> Injected:
    cost = draw(st.integers(7, 50_000))
    fundable, index = _add_service(
        fundable, draw, unit_cost=Money(minor=cost), approval=_approved(fundable)
    )
    service = fundable.plan.interventions[index]
    assert service.end is not None
    total = Fraction(cost * ((service.end - service.start).days + 1), 7)
    budget = -(-total.numerator // total.denominator) - 1 - draw(st.integers(0, 10))
    stream = attrs.evolve(fundable.funding[-1], total_budget=Money(minor=max(budget, 0)))
    broken = attrs.evolve(fundable, funding=(*fundable.funding[:-1], stream))
    return broken, "total-budget-exceeded", (_at(index),)


def spend_approval_missing(fundable: FundablePlan, draw: Draw) -> Injected:
    cost = draw(st.integers(1, 50_000))
    authority = Money(minor=cost - 1 - draw(st.integers(0, cost - 1)))
    fundable, index = _add_service(
        fundable, draw, stream={"spend_authority_per_week": authority}, unit_cost=Money(minor=cost)
    )
    return fundable, "spend-approval-missing", (_at(index, "approval"),)


def duplicate_service(fundable: FundablePlan, draw: Draw) -> Injected:
    fundable, first = _add_service(fundable, draw)
    original = fundable.plan.interventions[first]
    assert original.end is not None
    later = draw(st.integers(0, (original.end - original.start).days))
    fundable, second = _add_service(
        fundable,
        draw,
        category=original.category,
        discipline=original.discipline,
        start=original.start.add(days=later),
        end=original.end,
    )
    return fundable, "duplicate-service", (_at(second), _at(first))


def duplicate_service_elsewhere(fundable: FundablePlan, draw: Draw) -> Injected:
    fundable, index = _add_service(fundable, draw)
    ours = fundable.plan.interventions[index]
    assert ours.end is not None
    theirs = attrs.evolve(
        ours,
        id=InterventionId(f"ELSEWHERE-{index}"),
        provider_id=ProviderId("GP-PRACTICE"),
        start=ours.end.subtract(days=draw(st.integers(0, 30))),
        end=None,
        goal_ids=frozenset(),
        funding_stream_id=None,
    )
    broken = attrs.evolve(fundable, services_elsewhere=(*fundable.services_elsewhere, theirs))
    return broken, "duplicate-service-elsewhere", (_at(index),)


def onward_referral_unacknowledged(fundable: FundablePlan, draw: Draw) -> Injected:
    referrals = list(fundable.plan.onward_referrals)
    window = fundable.policy.referral_acknowledgement_days
    sent = fundable.as_of.subtract(days=window + draw(st.integers(1, 100)))
    untouched = [i for i, r in enumerate(referrals) if r.to != TOUCHED]
    if untouched and draw(st.booleans()):
        index = draw(st.sampled_from(untouched))
        referrals[index] = attrs.evolve(
            referrals[index], to=TOUCHED, sent_on=sent, acknowledged_on=None
        )
    else:
        index = len(referrals)
        referrals.append(OnwardReferral(to=TOUCHED, sent_on=sent))
    broken = _plan(fundable, onward_referrals=tuple(referrals))
    return (
        broken,
        "onward-referral-unacknowledged",
        (f"$.onward_referrals[{index}].acknowledged_on",),
    )


# Faults in a group break the same element: at most one of each group is injected.
GROUPS: tuple[tuple[Fault, ...], ...] = (
    (agreement_missing, agreement_pending, agreement_after_as_of),
    (review_date_missing, review_overdue),
    (vocational_goal_missing,),
    (goal_target_missing,),
    (goal_due_missing,),
    (goal_due_outside_plan,),
    (goal_due_passed,),
    (goal_unserved,),
    (intervention_frequency_missing,),
    (intervention_end_missing,),
    (intervention_outside_plan_period,),
    (intervention_without_goal,),
    (intervention_serves_closed_goal,),
    (provider_unknown,),
    (provider_discipline_mismatch,),
    (provider_registration_missing,),
    (intervention_unfunded,),
    (funding_stream_unknown,),
    (funding_stream_inactive,),
    (funding_category_not_permitted,),
    (direct_recruitment_short_term_funding,),
    (funding_currency_mismatch,),
    (weekly_budget_exceeded,),
    (total_budget_exceeded,),
    (spend_approval_missing,),
    (duplicate_service,),
    (duplicate_service_elsewhere,),
    (onward_referral_unacknowledged,),
)
FAULTS = {fault.__name__.replace("_", "-"): fault for group in GROUPS for fault in group}
LAST = frozenset({vocational_goal_missing})  # looks at every goal: after the faults adding some

# Plans that started before the day, so that a goal can fall due between the two.
PLANS = fundable_plans().filter(lambda f: f.plan.period.start < f.as_of)


def test_the_catalogue_injects_every_check_but_one() -> None:
    assert len(FAULTS) >= 15
    assert set(FAULTS) == set(CHECKS) - {"provider-registration-unchecked"}


@given(fundable=fundable_plans())
def test_generated_valid_plan_has_no_issue(fundable: FundablePlan) -> None:
    report = fundable.validate()
    assert report.issues == (), str(report)
    assert report.ok


@given(fundable=PLANS, data=st.data())
def test_each_fault_alone_yields_exactly_its_issue(
    fundable: FundablePlan, data: st.DataObject
) -> None:
    code = data.draw(st.sampled_from(sorted(FAULTS)))
    broken, found, paths = FAULTS[code](fundable, data.draw)
    assert found == code
    report = broken.validate()
    severity = broken.policy.severity_overrides.get(code, CHECKS[code].severity)
    expected = [(code, severity, CHECKS[code].rule_id, paths)]
    assert [(i.code, i.severity, i.rule_id, i.paths) for i in report.issues] == expected


@given(fundable=PLANS, data=st.data())
def test_injected_faults_yield_exactly_their_issues(
    fundable: FundablePlan, data: st.DataObject
) -> None:
    groups = data.draw(
        st.lists(st.sampled_from(GROUPS), min_size=1, max_size=10, unique_by=id),
        label="groups",
    )
    faults = [data.draw(st.sampled_from(group)) for group in groups]
    faults.sort(key=lambda fault: fault in LAST)
    injected: Counter[tuple[str, tuple[str, ...]]] = Counter()
    for fault in faults:
        fundable, code, paths = fault(fundable, data.draw)
        injected[(code, paths)] += 1
    assert len(injected) == len(faults)
    report = fundable.validate()
    assert Counter((i.code, i.paths) for i in report.issues) == injected, str(report)
    overrides = fundable.policy.severity_overrides
    for issue in report.issues:
        assert issue.severity is overrides.get(issue.code, CHECKS[issue.code].severity)
        assert issue.rule_id == CHECKS[issue.code].rule_id
    assert report.ok is all(
        overrides.get(code, CHECKS[code].severity).value != "error" for code, _ in injected
    )
