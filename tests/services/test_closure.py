"""Closure decisions (X1-X6, E6, E7, M4, P3): one property per rule, the discharge letter,
and a case driven through its life cycle to closure and back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from casemgmt.errors import InvalidTransitionError, InvariantError, MismatchError
from casemgmt.model import (
    ActorId,
    Assessment,
    AssessmentId,
    AssessmentKind,
    CarePlan,
    CarePlanId,
    CarePlanStatus,
    Carer,
    CarerId,
    Case,
    CaseId,
    CaseManagerId,
    CaseStatus,
    Client,
    ClientAgreement,
    ClientId,
    Closure,
    ClosureReason,
    ContactMode,
    DateRange,
    DischargeDestination,
    Discipline,
    GasScale,
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
    PersonName,
    ProviderId,
    Referral,
    ReferralId,
    ReferralSourceId,
    Review,
    ReviewId,
    ReviewKind,
    RiskInputs,
)
from casemgmt.policies import (
    GENERIC,
    STANDARD_CLOSURE,
    VIRTUAL_WARD,
    DischargeCriteria,
    Programme,
)
from casemgmt.services import (
    ClosureDecision,
    evaluate_closure,
    evaluate_reopening,
    past_time_limit,
)

R = ClosureReason
CLIENT = ClientId("CL-1")
OPENED = pendulum.Date(2026, 1, 5)
DECIDED = pendulum.Date(2026, 6, 1)
MANAGER = CaseManagerId("CM-1")
BY = ActorId("CM-1")
LIVE = frozenset(
    {
        InterventionStatus.NOT_STARTED,
        InterventionStatus.SCHEDULED,
        InterventionStatus.IN_PROGRESS,
        InterventionStatus.ON_HOLD,
    }
)
PURSUED = frozenset(
    {
        GoalLifecycleStatus.PROPOSED,
        GoalLifecycleStatus.PLANNED,
        GoalLifecycleStatus.ACCEPTED,
        GoalLifecycleStatus.ACTIVE,
        GoalLifecycleStatus.ON_HOLD,
    }
)
# Reasons whose only requirements are the preconditions (and, for some, a final review).
PLAIN = (R.DEATH, R.SELF_DISCHARGE, R.FUNDING_ENDED)


# -- builders ------------------------------------------------------------------------------


def referral(received: pendulum.Date = OPENED, n: int = 1) -> Referral:
    return Referral(
        id=ReferralId(f"RF-{n}"),
        client_id=CLIENT,
        source_id=ReferralSourceId("GP-1"),
        received_on=received,
        reason="falls at home",
    )


def scale(attained: int | None) -> GasScale:
    return GasScale(
        much_less="a",
        somewhat_less="b",
        expected="c",
        somewhat_more="d",
        much_more="e",
        attained=attained,
    )


def goal(
    n: int,
    status: GoalLifecycleStatus = GoalLifecycleStatus.COMPLETED,
    achievement: GoalAchievementStatus | None = GoalAchievementStatus.ACHIEVED,
    gas: GasScale | None = None,
) -> Goal:
    return Goal(
        id=GoalId(f"G-{n}"),
        description=f"Walk to the corner shop {n}",
        domain=GoalDomain.INDEPENDENCE,
        start=OPENED,
        lifecycle_status=status,
        achievement_status=achievement,
        gas=gas,
    )


def intervention(n: int, status: InterventionStatus = InterventionStatus.COMPLETED) -> Intervention:
    return Intervention(
        id=InterventionId(f"I-{n}"),
        category=InterventionCategory.THERAPY,
        discipline=Discipline.PHYSIOTHERAPY,
        description="Physiotherapy at home",
        provider_id=ProviderId("P-1"),
        goal_ids=frozenset(),
        start=OPENED,
        end=pendulum.Date(2026, 5, 20),
        unit_cost=Money.gbp("40"),
        status=status,
    )


def plan(
    goals: Sequence[Goal] = (), interventions: Sequence[Intervention] = (), version: int = 1
) -> CarePlan:
    return CarePlan(
        id=CarePlanId(f"CP-{version}"),
        client_id=CLIENT,
        version=version,
        status=CarePlanStatus.ACTIVE,
        period=DateRange(start=OPENED),
        created_on=OPENED,
        goals=tuple(goals),
        interventions=tuple(interventions),
    )


def review(on: pendulum.Date, kind: ReviewKind = ReviewKind.CASE_REVIEW, n: int = 1) -> Review:
    return Review(id=ReviewId(f"RV-{n}"), kind=kind, held_on=on)


FINAL = review(DECIDED.subtract(days=3))


def snapshot(
    *,
    status: CaseStatus = CaseStatus.CLOSING,
    plans: Sequence[CarePlan] = (),
    reviews: Sequence[Review] = (FINAL,),
    opened: pendulum.Date = OPENED,
    case_id: str = "C-1",
) -> Case:
    """A case as a host migrating from another system would build it (no history)."""
    return Case(
        id=CaseId(case_id),
        client_id=CLIENT,
        programme="generic",
        status=status,
        opened_on=opened,
        referrals=(referral(opened),),
        manager_id=MANAGER if status.is_open else None,
        plans=tuple(plans),
        reviews=tuple(reviews),
    )


def person(
    *, carers: int = 0, risk: float | None = None, scored: pendulum.Date = DECIDED
) -> Client:
    return Client(
        id=CLIENT,
        name=PersonName(given="Ada", family="Lovelace"),
        date_of_birth=pendulum.Date(1940, 12, 10),
        carers=tuple(
            Carer(
                id=CarerId(f"CR-{k}"),
                relationship="daughter",
                name=PersonName(given="Byron", family="King"),
            )
            for k in range(carers)
        ),
        risk=RiskInputs(predicted_risk=risk, scored_on=None if risk is None else scored),
    )


def programme_with(discharge: DischargeCriteria, base: Programme = GENERIC) -> Programme:
    return base.with_eligibility(attrs.evolve(base.eligibility, discharge=discharge))


def mdt_closure(reason: ClosureReason, **facts: object) -> Closure:
    agreed: dict[str, object] = {
        "decided_by_mdt": True,
        "client_consulted": True,
        "carer_consulted": True,
    }
    agreed.update(facts)
    return Closure(reason=reason, **agreed)  # type: ignore[arg-type]


def blocking_keys(decision: ClosureDecision) -> set[str]:
    return {f.key for f in decision.blocking}


# -- preconditions -------------------------------------------------------------------------

reasons = st.sampled_from(ClosureReason)
intervention_statuses = st.lists(st.sampled_from(InterventionStatus), max_size=5)
goal_statuses = st.lists(st.sampled_from(GoalLifecycleStatus), max_size=5)


@given(reason=reasons, statuses=intervention_statuses)
def test_a_live_intervention_blocks_every_closure_and_names_its_path(
    reason: ClosureReason, statuses: list[InterventionStatus]
) -> None:
    case = snapshot(
        plans=[plan(interventions=[intervention(k, s) for k, s in enumerate(statuses)])]
    )
    decision = evaluate_closure(case, reason, programme=GENERIC, as_of=DECIDED, client=person())
    failed = {f.path for f in decision.blocking if f.key == "interventions-ended"}
    live = {f"plans[0].interventions[{k}]" for k, s in enumerate(statuses) if s in LIVE}
    assert failed == live
    if live:
        assert not decision.permitted
        assert decision.closure is None
        assert decision.letter is None


@given(reason=reasons, statuses=goal_statuses)
def test_a_pursued_goal_blocks_every_closure_and_names_its_path(
    reason: ClosureReason, statuses: list[GoalLifecycleStatus]
) -> None:
    goals = [goal(k, s, achievement=None) for k, s in enumerate(statuses)]
    case = snapshot(plans=[plan(goals=goals)])
    decision = evaluate_closure(case, reason, programme=GENERIC, as_of=DECIDED, client=person())
    failed = {f.path for f in decision.blocking if f.key == "goals-resolved"}
    assert failed == {f"plans[0].goals[{k}]" for k, s in enumerate(statuses) if s in PURSUED}
    if failed:
        assert not decision.permitted


@given(status=st.sampled_from(CaseStatus), reason=st.sampled_from(PLAIN))
def test_only_an_open_case_closes_and_closing_first_is_a_reminder(
    status: CaseStatus, reason: ClosureReason
) -> None:
    assume(status not in (CaseStatus.CLOSED, CaseStatus.DECLINED))  # need more than a snapshot
    case = snapshot(status=status)
    decision = evaluate_closure(case, reason, programme=GENERIC, as_of=DECIDED, client=person())
    open_finding = next(f for f in decision.findings if f.key == "case-open")
    assert open_finding.passed is status.is_open
    assert ("case-open" in blocking_keys(decision)) is (not status.is_open)
    reminder = {f.key for f in decision.reminders}
    assert ("closing-started" in reminder) is (status.is_open and status is not CaseStatus.CLOSING)


@pytest.mark.rule("M4")
@given(
    reason=reasons,
    days_before=st.integers(min_value=-10, max_value=60),
    kind=st.sampled_from(ReviewKind),
)
def test_the_final_review_is_held_within_the_policy_days_before_the_decision(
    reason: ClosureReason, days_before: int, kind: ReviewKind
) -> None:
    case = snapshot(reviews=[review(DECIDED.subtract(days=days_before), kind)])
    decision = evaluate_closure(case, reason, programme=GENERIC, as_of=DECIDED, client=person())
    held = 0 <= days_before <= 28 and kind is not ReviewKind.URGENT_REVIEW
    failed = "final-review" in blocking_keys(decision)
    assert failed is (STANDARD_CLOSURE.needs_final_review(reason) and not held)
    if failed:
        message = next(f.message for f in decision.blocking if f.key == "final-review")
        assert message.endswith("[unverified figure]")


# -- each reason ---------------------------------------------------------------------------


@pytest.mark.rule("X1")
@given(
    reason=st.sampled_from(PLAIN),
    finished=st.lists(st.sampled_from(sorted(set(InterventionStatus) - LIVE, key=str)), max_size=3),
    with_client=st.booleans(),
)
def test_death_self_discharge_and_funding_ended_need_only_the_preconditions(
    reason: ClosureReason, finished: list[InterventionStatus], with_client: bool
) -> None:
    case = snapshot(
        plans=[plan(interventions=[intervention(k, s) for k, s in enumerate(finished)])]
    )
    client = person(carers=1) if with_client else None
    decision = evaluate_closure(case, reason, programme=GENERIC, as_of=DECIDED, client=client)
    assert decision.permitted
    assert decision.closure == Closure(reason=reason)
    if reason is R.DEATH:
        assert decision.letter is None
        assert decision.return_until is None
    else:
        assert decision.letter is not None
        assert decision.return_until == DECIDED.add(months=6)


@given(reviews_held=st.lists(st.integers(min_value=-400, max_value=400), max_size=3))
def test_death_needs_no_final_review(reviews_held: list[int]) -> None:
    held = [review(DECIDED.add(days=d), n=k) for k, d in enumerate(reviews_held)]
    decision = evaluate_closure(snapshot(reviews=held), R.DEATH, programme=GENERIC, as_of=DECIDED)
    assert decision.permitted
    assert [f.key for f in decision.findings if not f.passed] == []


@pytest.mark.rule("X1", "X2")
@given(
    destination=st.none() | st.sampled_from(DischargeDestination),
    mdt=st.booleans(),
    client_consulted=st.booleans(),
    carer_consulted=st.booleans(),
    carers=st.integers(min_value=0, max_value=2),
)
def test_care_optimised_needs_a_destination_and_the_mdt_with_client_and_carer(
    destination: DischargeDestination | None,
    mdt: bool,
    client_consulted: bool,
    carer_consulted: bool,
    carers: int,
) -> None:
    # A care-optimised Closure cannot be built without a destination: propose the bare reason.
    proposed: ClosureReason | Closure = (
        R.CARE_OPTIMISED
        if destination is None
        else Closure(
            reason=R.CARE_OPTIMISED,
            destination=destination,
            decided_by_mdt=mdt,
            client_consulted=client_consulted,
            carer_consulted=carer_consulted,
        )
    )
    decision = evaluate_closure(
        snapshot(), proposed, programme=GENERIC, as_of=DECIDED, client=person(carers=carers)
    )
    expected = (
        destination is not None and mdt and client_consulted and (carer_consulted or carers == 0)
    )
    assert decision.permitted is expected
    if destination is not None:
        keys = blocking_keys(decision)
        assert ("mdt-decision" in keys) is (not mdt)
        assert ("client-consulted" in keys) is (not client_consulted)
        assert ("carer-consulted" in keys) is (not carer_consulted and carers > 0)
    else:
        assert "destination" in blocking_keys(decision)
    if expected:
        assert decision.closure is not None
        assert decision.closure.destination is destination


@pytest.mark.rule("X2")
def test_without_the_client_a_carer_cannot_be_ruled_out() -> None:
    closure = mdt_closure(R.CARE_OPTIMISED, destination=DischargeDestination.INDEPENDENT)
    unknown = attrs.evolve(closure, carer_consulted=False)
    assert evaluate_closure(snapshot(), closure, programme=GENERIC, as_of=DECIDED).permitted
    decision = evaluate_closure(snapshot(), unknown, programme=GENERIC, as_of=DECIDED)
    assert blocking_keys(decision) == {"carer-consulted"}


unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@pytest.mark.rule("X1")
@given(
    threshold=st.none() | unit,
    score=st.none() | unit,
    scored_days_after=st.integers(min_value=-30, max_value=5),
)
def test_risk_below_threshold_iff_a_threshold_is_set_and_the_score_is_below_it(
    threshold: float | None, score: float | None, scored_days_after: int
) -> None:
    programme = programme_with(DischargeCriteria(risk_below=threshold))
    client = person(risk=score, scored=DECIDED.add(days=scored_days_after))
    decision = evaluate_closure(
        snapshot(),
        mdt_closure(R.RISK_BELOW_THRESHOLD),
        programme=programme,
        as_of=DECIDED,
        client=client,
    )
    scored = score is not None and scored_days_after <= 0
    expected = threshold is not None and scored and score is not None and score < threshold
    assert decision.permitted is expected
    if threshold is None:
        assert "discharge-criterion" in blocking_keys(decision)
    elif not expected:
        assert "risk-below-threshold" in blocking_keys(decision)


@pytest.mark.rule("X2")
def test_risk_below_threshold_is_an_mdt_decision_and_reads_the_programme_threshold() -> None:
    client = person(risk=0.1)
    bare = evaluate_closure(
        snapshot(), R.RISK_BELOW_THRESHOLD, programme=VIRTUAL_WARD, as_of=DECIDED, client=client
    )
    assert blocking_keys(bare) == {"mdt-decision", "client-consulted"}
    decided = evaluate_closure(
        snapshot(),
        mdt_closure(R.RISK_BELOW_THRESHOLD),
        programme=VIRTUAL_WARD,
        as_of=DECIDED,
        client=client,
    )
    assert decided.permitted
    assert (
        evaluate_closure(
            snapshot(),
            mdt_closure(R.RISK_BELOW_THRESHOLD),
            programme=GENERIC,
            as_of=DECIDED,
            client=client,
        )
        .blocking[0]
        .path
        == "programme.eligibility.discharge.risk_below"
    )


@pytest.mark.rule("E7")
@given(
    reason=st.sampled_from((R.INELIGIBLE, R.INAPPROPRIATE_REFERRAL)),
    note=st.sampled_from(("", "   ", "not registered with a local GP")),
    why=st.sampled_from(("", "  ", "needs acute care")),
    as_closure=st.booleans(),
)
def test_an_ineligible_or_inappropriate_referral_needs_a_written_reason(
    reason: ClosureReason, note: str, why: str, as_closure: bool
) -> None:
    proposed: ClosureReason | Closure = Closure(reason=reason, note=note) if as_closure else reason
    decision = evaluate_closure(snapshot(), proposed, programme=GENERIC, as_of=DECIDED, why=why)
    written = bool(why.strip()) or (as_closure and bool(note.strip()))
    assert decision.permitted is written
    if written:
        assert decision.closure is not None
        assert decision.closure.note.strip()
        assert decision.return_until is None
    else:
        assert decision.blocking[0].rule_id == "E7"
        assert note not in decision.blocking[0].message or not note


goal_outcomes = st.tuples(
    st.sampled_from((GoalLifecycleStatus.COMPLETED, GoalLifecycleStatus.CANCELLED)),
    st.none() | st.sampled_from(GoalAchievementStatus),
    st.none() | st.integers(min_value=-2, max_value=2),
)


@pytest.mark.rule("E6")
@given(outcomes=st.lists(goal_outcomes, max_size=4), on_goals=st.booleans())
def test_goals_achieved_iff_every_goal_was_achieved_or_met_its_expected_level(
    outcomes: list[tuple[GoalLifecycleStatus, GoalAchievementStatus | None, int | None]],
    on_goals: bool,
) -> None:
    goals = [
        goal(k, status, achievement, gas=None if level is None else scale(level))
        for k, (status, achievement, level) in enumerate(outcomes)
    ]
    programme = programme_with(DischargeCriteria(on_goals_achieved=on_goals))
    decision = evaluate_closure(
        snapshot(plans=[plan(goals=goals)]),
        mdt_closure(R.GOALS_ACHIEVED),
        programme=programme,
        as_of=DECIDED,
        client=person(),
    )
    counted = [o for o in outcomes if o[0] is GoalLifecycleStatus.COMPLETED]
    achieved = [
        o
        for o in counted
        if o[1] in (GoalAchievementStatus.ACHIEVED, GoalAchievementStatus.SUSTAINING)
        or (o[2] is not None and o[2] >= 0)
    ]
    expected = on_goals and bool(counted) and len(achieved) == len(counted)
    assert decision.permitted is expected
    missed = {f.path for f in decision.blocking if f.key == "goals-achieved"}
    for k, outcome in enumerate(outcomes):
        if outcome in counted and outcome not in achieved:
            assert f"plans[0].goals[{k}]" in missed


@pytest.mark.rule("X6")
@given(
    months=st.none() | st.integers(min_value=1, max_value=24),
    age_days=st.integers(min_value=0, max_value=800),
    status=st.sampled_from(
        [s for s in CaseStatus if s not in (CaseStatus.CLOSED, CaseStatus.DECLINED)]
    ),
)
def test_a_case_is_flagged_past_its_time_limit_iff_open_and_past_the_limit(
    months: int | None, age_days: int, status: CaseStatus
) -> None:
    programme = programme_with(DischargeCriteria(time_limit_months=months))
    case = snapshot(status=status)
    as_of = OPENED.add(days=age_days)
    flags = past_time_limit([case], programme=programme, as_of=as_of)
    past = months is not None and as_of >= OPENED.add(months=months)
    assert bool(flags) is (status.is_open and past)
    if flags:
        assert months is not None
        assert flags[0].days_past == (as_of - OPENED.add(months=months)).days
        assert flags[0].rule_id == "X6"
        assert str(flags[0]).startswith("C-1: time limit of")
    if status is CaseStatus.CLOSING:
        decision = evaluate_closure(
            case,
            R.TIME_LIMIT_REACHED,
            programme=programme,
            as_of=as_of,
            client=person(),
        )
        limit_met = "time-limit" not in blocking_keys(decision)
        assert limit_met is past


@pytest.mark.rule("X6")
def test_an_ongoing_programme_never_closes_for_a_time_limit() -> None:
    decision = evaluate_closure(snapshot(), R.TIME_LIMIT_REACHED, programme=GENERIC, as_of=DECIDED)
    assert not decision.permitted
    assert decision.blocking[0].rule_id == "X6"
    assert past_time_limit([snapshot()], programme=GENERIC, as_of=DECIDED.add(years=10)) == ()


def test_time_limit_flags_come_longest_past_first() -> None:
    programme = programme_with(DischargeCriteria(time_limit_months=3))
    cases = [
        snapshot(case_id="C-1", opened=pendulum.Date(2026, 2, 1)),
        snapshot(case_id="C-2", opened=pendulum.Date(2026, 1, 1)),
        snapshot(case_id="C-3", opened=pendulum.Date(2026, 5, 1)),
    ]
    flags = past_time_limit(cases, programme=programme, as_of=pendulum.Date(2026, 5, 11))
    assert [(str(f.case_id), f.days_past) for f in flags] == [("C-2", 40), ("C-1", 10)]


# -- all at once ---------------------------------------------------------------------------


@given(
    live=st.integers(min_value=0, max_value=3),
    pursued=st.integers(min_value=0, max_value=3),
    reviewed=st.booleans(),
    mdt=st.booleans(),
    client_consulted=st.booleans(),
    carer_consulted=st.booleans(),
)
def test_the_findings_list_every_failure_at_once(
    live: int,
    pursued: int,
    reviewed: bool,
    mdt: bool,
    client_consulted: bool,
    carer_consulted: bool,
) -> None:
    interventions = [intervention(k, InterventionStatus.IN_PROGRESS) for k in range(live)]
    goals = [goal(k, GoalLifecycleStatus.ACTIVE, None) for k in range(pursued)]
    case = snapshot(
        plans=[plan(goals=goals, interventions=interventions)],
        reviews=[FINAL] if reviewed else [],
    )
    closure = Closure(
        reason=R.CARE_OPTIMISED,
        destination=DischargeDestination.LESS_INTENSIVE_SUPPORT,
        decided_by_mdt=mdt,
        client_consulted=client_consulted,
        carer_consulted=carer_consulted,
    )
    decision = evaluate_closure(
        case, closure, programme=GENERIC, as_of=DECIDED, client=person(carers=1)
    )
    expected = (
        [("interventions-ended", f"plans[0].interventions[{k}]") for k in range(live)]
        + [("goals-resolved", f"plans[0].goals[{k}]") for k in range(pursued)]
        + ([] if reviewed else [("final-review", "reviews")])
        + ([] if mdt else [("mdt-decision", "closure.decided_by_mdt")])
        + ([] if client_consulted else [("client-consulted", "closure.client_consulted")])
        + ([] if carer_consulted else [("carer-consulted", "closure.carer_consulted")])
    )
    assert [(f.key, f.path) for f in decision.blocking] == expected
    assert decision.permitted is (not expected)
    failures = len(expected) + len(decision.reminders)
    assert decision.reasons == (
        tuple(f"{f.key}: {f.message}" for f in (*decision.blocking, *decision.reminders))
        if failures
        else ("every condition is met",)
    )
    for finding in decision.findings:
        assert finding.citation  # every rule id is in the catalogue


def test_the_explanation_lists_every_finding_without_personal_data() -> None:
    case = snapshot(plans=[plan(interventions=[intervention(1, InterventionStatus.IN_PROGRESS)])])
    decision = evaluate_closure(
        case, R.CARE_OPTIMISED, programme=GENERIC, as_of=DECIDED, client=person(carers=1)
    )
    text = decision.explain()
    assert text.splitlines()[0] == "C-1: closing as care-optimised is not permitted"
    assert len(text.splitlines()) == 1 + len(decision.findings)
    assert "FAIL interventions-ended [P3]" in text
    assert "Lovelace" not in text
    assert "Physiotherapy at home" not in text


def test_a_client_of_another_case_is_refused() -> None:
    other = attrs.evolve(person(), id=ClientId("CL-2"))
    with pytest.raises(MismatchError):
        evaluate_closure(snapshot(), R.DEATH, programme=GENERIC, as_of=DECIDED, client=other)


@pytest.mark.rule("X3")
def test_a_policy_can_want_the_letter_sent_before_closing() -> None:
    strict = GENERIC.with_closure(attrs.evolve(STANDARD_CLOSURE, letter_before_closing=True))
    unsent = evaluate_closure(snapshot(), R.SELF_DISCHARGE, programme=strict, as_of=DECIDED)
    assert blocking_keys(unsent) == {"letter"}
    sent = evaluate_closure(
        snapshot(),
        Closure(reason=R.SELF_DISCHARGE, letter_sent_on=DECIDED),
        programme=strict,
        as_of=DECIDED,
    )
    assert sent.permitted
    assert sent.reminders == ()


# -- the policy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"reopen_for": frozenset({R.DEATH})}, "reopen_for"),
        ({"reopen_for": frozenset({R.INAPPROPRIATE_REFERRAL})}, "reopen_for"),
        ({"mdt_decision_for": frozenset({R.RISK_BELOW_THRESHOLD})}, "mdt_decision_for"),
        ({"mdt_decision_for": frozenset({R.CARE_OPTIMISED, R.DEATH})}, "mdt_decision_for"),
        ({"letter_for": frozenset({R.DEATH})}, "letter_for"),
        ({"reopen_within_months": 0}, "reopen_within_months"),
        ({"final_review_within_days": -1}, "final_review_within_days"),
        ({"final_review_kinds": frozenset()}, "final_review_kinds"),
        ({"source": " "}, "source"),
    ],
)
def test_a_closure_policy_refuses_rules_that_cannot_hold(
    changes: dict[str, Any], path: str
) -> None:
    with pytest.raises(InvariantError) as raised:
        attrs.evolve(STANDARD_CLOSURE, **changes)
    assert [p.path for p in raised.value.problems] == [path]


def test_every_preset_uses_the_standard_closure_policy() -> None:
    from casemgmt.policies import PROGRAMMES

    assert all(p.closure is STANDARD_CLOSURE for p in PROGRAMMES.values())
    local = STANDARD_CLOSURE.with_reopening(12).with_final_review(14)
    assert GENERIC.with_closure(local).closure.reopen_within_months == 12
    assert local.final_review_within_days == 14
    assert local.reopen_for == STANDARD_CLOSURE.reopen_for


# -- re-opening ----------------------------------------------------------------------------


def closed(reason: ClosureReason, on: pendulum.Date = DECIDED) -> Case:
    closure = (
        mdt_closure(reason, destination=DischargeDestination.INDEPENDENT)
        if reason is R.CARE_OPTIMISED
        else Closure(reason=reason)
    )
    return attrs.evolve(snapshot(), status=CaseStatus.CLOSED, closure=closure, closed_on=on)


@pytest.mark.rule("X4")
@given(reason=reasons, days_after=st.integers(min_value=-5, max_value=400))
def test_a_return_reopens_the_case_iff_its_reason_allows_and_it_is_within_the_window(
    reason: ClosureReason, days_after: int
) -> None:
    as_of = DECIDED.add(days=days_after)
    decision = evaluate_reopening(closed(reason), programme=GENERIC, as_of=as_of)
    until = DECIDED.add(months=6)
    allowed = reason not in (R.DEATH, R.INELIGIBLE, R.INAPPROPRIATE_REFERRAL)
    assert decision.permitted is (allowed and DECIDED <= as_of <= until)
    assert decision.return_until == (until if allowed else None)
    assert decision.reasons


@pytest.mark.rule("X4")
@given(days_after=st.integers(min_value=0, max_value=4000), policy_months=st.integers(1, 120))
def test_a_death_is_never_reopened(days_after: int, policy_months: int) -> None:
    programme = GENERIC.with_closure(STANDARD_CLOSURE.with_reopening(policy_months))
    decision = evaluate_reopening(
        closed(R.DEATH), programme=programme, as_of=DECIDED.add(days=days_after)
    )
    assert not decision.permitted
    assert decision.findings[1].key == "reason-allows-return"
    assert not decision.findings[1].passed


def test_an_open_case_is_not_reopened() -> None:
    decision = evaluate_reopening(snapshot(), programme=GENERIC, as_of=DECIDED)
    assert not decision.permitted
    assert [f.key for f in decision.findings] == ["case-closed"]


# -- the letter ----------------------------------------------------------------------------


def letter_case() -> Case:
    goals = [
        goal(1, achievement=GoalAchievementStatus.ACHIEVED, gas=scale(1)),
        goal(2, achievement=GoalAchievementStatus.SUSTAINING),
        goal(3, GoalLifecycleStatus.CANCELLED, achievement=None),
        goal(4, GoalLifecycleStatus.ENTERED_IN_ERROR, achievement=None),
    ]
    interventions = [
        intervention(1, InterventionStatus.COMPLETED),
        intervention(2, InterventionStatus.STOPPED),
        intervention(3, InterventionStatus.CANCELLED),
    ]
    return snapshot(plans=[plan(goals=goals, interventions=interventions)])


@pytest.mark.rule("X3")
def test_the_letter_says_why_who_decided_each_goal_the_services_and_how_to_return() -> None:
    closure = mdt_closure(R.CARE_OPTIMISED, destination=DischargeDestination.INDEPENDENT)
    decision = evaluate_closure(
        letter_case(), closure, programme=VIRTUAL_WARD, as_of=DECIDED, client=person(carers=1)
    )
    letter = decision.letter
    assert letter is not None
    assert letter.reason is R.CARE_OPTIMISED
    assert letter.decided_on == DECIDED
    assert letter.decided_by == "the multidisciplinary team, with you and your carer,"
    assert letter.destination is DischargeDestination.INDEPENDENT
    assert [str(g.goal_id) for g in letter.goals] == ["G-1", "G-2", "G-3"]
    assert [g.outcome for g in letter.goals] == [
        "achieved; goal attainment level +1 (somewhat more than expected)",
        "achieved and sustained",
        "no longer pursued",
    ]
    assert [str(s.intervention_id) for s in letter.services] == ["I-1", "I-2"]
    assert letter.return_until == pendulum.Date(2026, 12, 1)
    assert letter.text() == (
        "Your case management with Virtual Ward (Croydon, Wandsworth, Devon) has ended\n"
        "\n"
        "On 1 June 2026 the multidisciplinary team, with you and your carer, decided to\n"
        "close your case, because your care has been optimised: you are well enough to\n"
        "live independently.\n"
        "\n"
        "Your goals\n"
        "- Goal G-1 (independence): achieved; goal attainment level +1 (somewhat more\n"
        "  than expected)\n"
        "- Goal G-2 (independence): achieved and sustained\n"
        "- Goal G-3 (independence): no longer pursued\n"
        "\n"
        "Services that end\n"
        "- physiotherapy (therapy): ended on 20 May 2026\n"
        "- physiotherapy (therapy): ended on 20 May 2026\n"
        "\n"
        "Coming back\n"
        "If you need us again on or before 1 December 2026, contact us and we will\n"
        "re-open your case without a new referral. After that date you will need a new\n"
        "referral, for example from your GP."
    )


@pytest.mark.rule("X3")
def test_the_letter_text_holds_no_personal_data_unless_asked_for_goal_descriptions() -> None:
    client = person(carers=1)
    decision = evaluate_closure(
        letter_case(), R.SELF_DISCHARGE, programme=GENERIC, as_of=DECIDED, client=client
    )
    assert decision.letter is not None
    text = " ".join(decision.letter.text().split())
    for private in ("Ada", "Lovelace", "Byron", "CL-1", "C-1", "corner shop", "at home"):
        assert private not in text
    assert "On 1 June 2026 you decided to close your case" in text
    quoted = decision.letter.text(with_goal_descriptions=True)
    assert '"Walk to the corner shop 1"' in quoted
    assert "Lovelace" not in quoted
    assert "corner shop" not in repr(decision.letter)


def test_a_letter_after_an_inappropriate_referral_asks_for_a_new_referral() -> None:
    decision = evaluate_closure(
        snapshot(),
        R.INAPPROPRIATE_REFERRAL,
        programme=GENERIC,
        as_of=DECIDED,
        why="needs acute mental health care",
    )
    assert decision.letter is not None
    assert decision.letter.return_until is None
    text = " ".join(decision.letter.text().split())
    assert "this programme is not the right service for your needs" in text
    assert "you will need a new referral" in text
    assert "acute mental health" not in text
    assert decision.letter.decided_by == "your case manager"


# -- end to end ----------------------------------------------------------------------------


def at(day: pendulum.Date, hour: int = 9) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, hour, tz="Europe/London")


@pytest.mark.rule("X3", "X4", "M4")
def test_a_case_driven_to_closure_closes_as_decided_and_reopens_within_the_window() -> None:
    client = person(carers=1, risk=0.12, scored=pendulum.Date(2026, 5, 25))
    case, _ = Case.refer(
        id=CaseId("C-9"),
        referral=referral(),
        programme="virtual-ward",
        by=ActorId("triage"),
        at=at(OPENED),
    )
    case, _ = case.accept(MANAGER, by=ActorId("CM-9"), at=at(OPENED, 11))
    case, _ = case.start_assessment(by=BY, at=at(pendulum.Date(2026, 1, 7)))
    assessment = Assessment(
        id=AssessmentId("A-1"),
        client_id=CLIENT,
        kind=AssessmentKind.INITIAL,
        performed_on=pendulum.Date(2026, 1, 7),
        contact_mode=ContactMode.FACE_TO_FACE,
    )
    case, _ = case.record_assessment(assessment, by=BY, at=at(pendulum.Date(2026, 1, 7), 12))
    case, _ = case.start_planning(by=BY, at=at(pendulum.Date(2026, 1, 8)))
    draft = attrs.evolve(
        plan(
            goals=[
                goal(
                    1,
                    GoalLifecycleStatus.ACTIVE,
                    GoalAchievementStatus.IN_PROGRESS,
                    gas=scale(None),
                )
            ],
            interventions=[intervention(1, InterventionStatus.IN_PROGRESS)],
        ),
        status=CarePlanStatus.DRAFT,
        agreement=ClientAgreement(agreed_at=at(pendulum.Date(2026, 1, 8), 15)),
    ).activate()
    case, _ = case.adopt_plan(draft, by=BY, at=at(pendulum.Date(2026, 1, 8), 16))
    case, _ = case.activate(by=BY, at=at(pendulum.Date(2026, 1, 9)))
    case, _ = case.start_closing(by=BY, at=at(pendulum.Date(2026, 5, 26)), why="risk has dropped")

    proposal = mdt_closure(R.RISK_BELOW_THRESHOLD)
    left = evaluate_closure(case, proposal, programme=VIRTUAL_WARD, as_of=DECIDED, client=client)
    assert [(f.key, f.path) for f in left.blocking] == [
        ("interventions-ended", "plans[0].interventions[0]"),
        ("goals-resolved", "plans[0].goals[0]"),
        ("final-review", "reviews"),
    ]

    current = case.current_plan
    assert current is not None
    ended = attrs.evolve(
        current,
        interventions=(current.interventions[0].stop(pendulum.Date(2026, 5, 29)),),
        goals=(
            current.goals[0]
            .score_attainment(1, pendulum.Date(2026, 5, 29))
            .complete(pendulum.Date(2026, 5, 29), GoalAchievementStatus.ACHIEVED),
        ),
    )
    case, _ = case.replace_current_plan(ended, by=BY, at=at(pendulum.Date(2026, 5, 29)))
    final = review(pendulum.Date(2026, 5, 29), ReviewKind.MDT_DISCUSSION, n=7)
    case, _ = case.record_review(final, by=BY, at=at(pendulum.Date(2026, 5, 29), 14))

    decision = evaluate_closure(
        case, proposal, programme=VIRTUAL_WARD, as_of=DECIDED, client=client
    )
    assert decision.permitted, decision.explain()
    assert [f.key for f in decision.reminders] == ["letter"]
    assert decision.letter is not None
    assert "goal attainment level +1" in decision.letter.text()
    closure = decision.closure_with_letter(DECIDED)
    case, event = case.close(closure, by=BY, at=at(DECIDED, 15), expected_version=case.version)
    assert case.status is CaseStatus.CLOSED
    assert case.closure == closure
    assert event.closure is not None
    assert event.closure.letter_sent_on == DECIDED
    assert Case.replay(case.history) == case

    back = evaluate_reopening(case, programme=VIRTUAL_WARD, as_of=pendulum.Date(2026, 9, 1))
    assert back.permitted
    assert back.return_until == pendulum.Date(2026, 12, 1)
    episode, _ = case.reopen(
        new_id=CaseId("C-10"),
        referral=referral(pendulum.Date(2026, 9, 1), n=2),
        manager_id=MANAGER,
        by=BY,
        at=at(pendulum.Date(2026, 9, 1)),
    )
    assert episode.previous_case_id == case.id
    late = evaluate_reopening(case, programme=VIRTUAL_WARD, as_of=pendulum.Date(2026, 12, 2))
    assert not late.permitted
    assert "fresh referral" in late.reasons[-1]


def test_a_refused_decision_has_no_closure_to_record() -> None:
    decision = evaluate_closure(snapshot(), R.CARE_OPTIMISED, programme=GENERIC, as_of=DECIDED)
    with pytest.raises(InvalidTransitionError):
        decision.closure_with_letter(DECIDED)


# -- the letter and the return window agree ------------------------------------------------


def _letter_day(day: pendulum.Date) -> str:
    return f"{day.day} {day.format('MMMM')} {day.year}"


def _permitted_proposal(reason: ClosureReason) -> Closure:
    """A proposal of ``reason`` that a closing snapshot with a recent final review meets."""
    if reason is R.CARE_OPTIMISED:
        return mdt_closure(reason, destination=DischargeDestination.INDEPENDENT)
    if reason in (R.INELIGIBLE, R.INAPPROPRIATE_REFERRAL):
        return Closure(reason=reason, note="not registered with a local GP")
    if reason is R.RISK_BELOW_THRESHOLD:
        return mdt_closure(reason)
    return Closure(reason=reason)


@pytest.mark.rule("X3", "X4")
@given(
    reason=st.sampled_from(
        [r for r in ClosureReason if r not in (R.GOALS_ACHIEVED, R.TIME_LIMIT_REACHED)]
    ),
    decided_after=st.integers(min_value=0, max_value=3000),
    closes_after=st.none() | st.integers(min_value=0, max_value=400),
    returns_after=st.integers(min_value=-5, max_value=4000),
    months=st.integers(min_value=1, max_value=120),
)
def test_the_letter_promises_the_return_window_that_reopening_enforces(
    reason: ClosureReason,
    decided_after: int,
    closes_after: int | None,
    returns_after: int,
    months: int,
) -> None:
    """For any decision day and any closing day on or after it, the return-by date of the
    decision and of its letter is the one evaluate_reopening enforces after case.close on
    that day; without ``closes_on`` the decision is for a closure on the decision day."""
    decided = DECIDED.add(days=decided_after)
    programme = programme_with(
        DischargeCriteria(risk_below=0.5),
        GENERIC.with_closure(STANDARD_CLOSURE.with_reopening(months)),
    )
    case = snapshot(reviews=[review(decided.subtract(days=3))])
    closes_on = None if closes_after is None else decided.add(days=closes_after)
    decision = evaluate_closure(
        case,
        _permitted_proposal(reason),
        programme=programme,
        as_of=decided,
        client=person(risk=0.1, scored=decided),
        closes_on=closes_on,
    )
    assert decision.permitted, decision.explain()
    assert decision.closure is not None
    closing_day = decided if closes_on is None else closes_on
    assert decision.closes_on == closing_day
    closed_case, _ = case.close(decision.closure, by=BY, at=at(closing_day, 15))
    back_on = closing_day.add(days=returns_after)
    back = evaluate_reopening(closed_case, programme=programme, as_of=back_on)

    assert back.return_until == decision.return_until
    until = decision.return_until
    assert back.permitted is (until is not None and closing_day <= back_on <= until)
    letter = decision.letter
    if letter is None:
        assert reason is R.DEATH
        return
    assert letter.return_until == back.return_until
    assert letter.closes_on == closing_day
    text = " ".join(letter.text().split())
    if until is not None:
        assert f"on or before {_letter_day(until)}," in text
    else:
        assert "you will need a new referral" in text
    # The letter names the closing day exactly when it is not the day of the decision.
    assert (f"Your case closes on {_letter_day(closing_day)}." in text) is (closing_day != decided)


@pytest.mark.rule("X4")
def test_a_case_reported_closed_a_day_after_the_decision_gets_the_later_date() -> None:
    """The reported disagreement: decided on 1 September 2026, closed on the 2nd. The
    decision for the 2nd promises until 2 March 2027, as the re-opening check allows."""
    decided = pendulum.Date(2026, 9, 1)
    case = snapshot(reviews=[review(decided)])
    for_the_day = evaluate_closure(case, R.SELF_DISCHARGE, programme=GENERIC, as_of=decided)
    assert for_the_day.return_until == pendulum.Date(2027, 3, 1)
    next_day = decided.add(days=1)
    decision = evaluate_closure(
        case, R.SELF_DISCHARGE, programme=GENERIC, as_of=decided, closes_on=next_day
    )
    assert decision.letter is not None
    assert decision.letter.return_until == pendulum.Date(2027, 3, 2)
    assert decision.closure is not None
    closed_case, _ = case.close(decision.closure, by=BY, at=at(next_day))
    back = evaluate_reopening(closed_case, programme=GENERIC, as_of=pendulum.Date(2027, 3, 2))
    assert back.permitted
    assert back.return_until == decision.letter.return_until
    with pytest.raises(ValueError, match="closes_on"):
        evaluate_closure(
            case,
            R.SELF_DISCHARGE,
            programme=GENERIC,
            as_of=decided,
            closes_on=decided.subtract(days=1),
        )
