"""The case aggregate (C6, C7, P3, X4) and the self-contained case record."""

# Test names carry the DOMAIN.md rule ids (C6, P1, ...) in their own case.
# ruff: noqa: N802

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import attrs
import pendulum
import pytest
from _model_builders import (
    AT,
    BY,
    CLIENT_ID,
    MANAGER_ID,
    NOT_DATE_IDS,
    NOT_DATES,
    PROVIDER_ID,
    STREAM_ID,
    assert_rejected,
    day,
    found,
    invariant_error,
    later,
    make_agreement,
    make_assessment,
    make_case,
    make_case_manager,
    make_client,
    make_closure,
    make_funding_stream,
    make_intervention,
    make_plan,
    make_provider,
    make_record,
    make_referral,
    make_source,
)
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.errors import ConcurrencyError, InvalidTransitionError
from casemgmt.model import (
    TRANSITIONS,
    AssessmentId,
    AssessmentKind,
    CareEvent,
    CareEventKind,
    CarePlan,
    CarePlanStatus,
    Case,
    CaseAction,
    CaseChange,
    CaseId,
    CaseManagerId,
    CaseStatus,
    ClientId,
    ClosureReason,
    FundingStreamId,
    InterventionId,
    InterventionStatus,
    ProviderId,
    ReferralId,
    ReferralSourceId,
    Review,
    ReviewId,
    ReviewKind,
    RiskTier,
    TeamId,
)

OPEN = [s for s in CaseStatus if s.is_open]
NOT_OPEN = [s for s in CaseStatus if not s.is_open]
OTHER_CLIENT = ClientId("CL-2")


def _active_plan(version: int = 1) -> CarePlan:
    return make_plan(version=version).record_agreement(make_agreement()).activate()


def _finished_plan(version: int = 1) -> CarePlan:
    """A completed plan whose intervention has completed too: what a closed case keeps."""
    plan = make_plan(
        version=version,
        interventions=(make_intervention(status=InterventionStatus.COMPLETED),),
    )
    return plan.record_agreement(make_agreement()).activate().complete()


def _closed(**overrides: Any) -> Case:
    fields: dict[str, Any] = {
        "status": CaseStatus.CLOSED,
        "closed_on": day(2026, 6, 1),
        "closure": make_closure(),
    }
    return make_case(**{**fields, **overrides})


# ---------------------------------------------------------------------------------------------
# Case invariants


def test_open_states() -> None:
    assert set(OPEN) == {
        CaseStatus.ACCEPTED,
        CaseStatus.ASSESSMENT,
        CaseStatus.PLANNING,
        CaseStatus.ACTIVE,
        CaseStatus.ON_HOLD,
        CaseStatus.CLOSING,
    }


@pytest.mark.rule("C6")
@pytest.mark.parametrize("status", OPEN)
def test_open_case_needs_accountable_manager_C6(status: CaseStatus) -> None:
    """C6: every open case has a named accountable case manager."""
    assert_rejected(
        lambda: make_case(status=status, manager_id=None), "Case", "manager_id", "required"
    )
    case = make_case(status=status)
    assert case.is_open
    assert case.manager_id == MANAGER_ID


@pytest.mark.parametrize("status", NOT_OPEN)
def test_case_not_open_needs_no_manager_C6(status: CaseStatus) -> None:
    closed = status is CaseStatus.CLOSED
    case = make_case(
        status=status,
        manager_id=None,
        closed_on=day(2026, 6, 1) if closed else None,
        closure=make_closure() if closed else None,
    )
    assert not case.is_open


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"id": CaseId("case 1")}, "id", "bad_id"),
        ({"programme": " "}, "programme", "empty"),
        ({"referrals": ()}, "referrals", "empty"),
        ({"status": CaseStatus.CLOSED, "closure": make_closure()}, "closed_on", "required"),
        ({"closed_on": day(2026, 6, 1)}, "closed_on", "unexpected"),
        ({"status": CaseStatus.CLOSED, "closed_on": day(2026, 6, 1)}, "closure", "required"),
        ({"closure": make_closure()}, "closure", "unexpected"),
        (
            {
                "status": CaseStatus.CLOSED,
                "closed_on": day(2026, 6, 1),
                "closure": make_closure(),
                "plans": (_active_plan(),),
            },
            "plans[0].interventions[0].status",
            "live_at_closure",
        ),
        (
            {"status": CaseStatus.CLOSED, "closed_on": day(2026, 1, 5)},
            "closed_on",
            "before_start",
        ),
        ({"previous_case_id": CaseId("CS-1")}, "previous_case_id", "self_reference"),
        (
            {"referrals": (make_referral(), make_referral())},
            "referrals[1].id",
            "duplicate_id",
        ),
        (
            {"assessments": (make_assessment(), make_assessment())},
            "assessments[1].id",
            "duplicate_id",
        ),
        (
            {
                "referrals": (
                    make_referral(),
                    make_referral(id=ReferralId("RF-2"), client_id=OTHER_CLIENT),
                )
            },
            "referrals[1].client_id",
            "other_client",
        ),
        (
            {"assessments": (make_assessment(client_id=OTHER_CLIENT),)},
            "assessments[0].client_id",
            "other_client",
        ),
        ({"plans": (make_plan(client_id=OTHER_CLIENT),)}, "plans[0].client_id", "other_client"),
        (
            {"plans": (_active_plan().complete(), make_plan(version=1))},
            "plans[1].version",
            "not_increasing",
        ),
        (
            {"plans": (make_plan(), make_plan(version=2))},
            "plans[0].status",
            "superseded_live",
        ),
        ({"id": 1}, "id", "wrong_type"),
        ({"client_id": None}, "client_id", "wrong_type"),
        ({"programme": None}, "programme", "wrong_type"),
        ({"status": "active"}, "status", "wrong_type"),
        ({"referrals": [make_referral()]}, "referrals", "wrong_type"),
        ({"referrals": (make_source(),)}, "referrals", "wrong_type"),
        ({"manager_id": 5}, "manager_id", "wrong_type"),
        ({"team_id": ("T-1",)}, "team_id", "wrong_type"),
        ({"assessments": [make_assessment()]}, "assessments", "wrong_type"),
        ({"plans": [make_plan()]}, "plans", "wrong_type"),
        ({"previous_case_id": 3}, "previous_case_id", "wrong_type"),
        ({"closure": ClosureReason.DEATH}, "closure", "wrong_type"),
        ({"history": [AT]}, "history", "wrong_type"),
    ],
)
def test_case_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_case(**overrides), "Case", path, code)


@pytest.mark.parametrize("field", ["opened_on", "closed_on"])
@pytest.mark.parametrize("value", NOT_DATES, ids=NOT_DATE_IDS)
def test_case_dates_must_be_pendulum_dates(field: str, value: Any) -> None:
    assert_rejected(
        lambda: _closed(**{field: value}),
        "Case",
        field,
    )


def test_case_reports_every_broken_invariant() -> None:
    error = invariant_error(
        lambda: make_case(
            id=CaseId("CS-1"),
            programme="",
            status=CaseStatus.ON_HOLD,
            manager_id=None,
            closed_on=day(2025, 1, 1),
            previous_case_id=CaseId("CS-1"),
            referrals=(make_referral(), make_referral(client_id=OTHER_CLIENT)),
            assessments=(make_assessment(client_id=OTHER_CLIENT), make_assessment()),
            plans=(make_plan(version=2), make_plan(version=2, client_id=OTHER_CLIENT)),
        )
    )
    assert found(error) == {
        ("programme", "empty"),
        ("manager_id", "required"),
        ("closed_on", "unexpected"),
        ("closed_on", "before_start"),
        ("previous_case_id", "self_reference"),
        ("referrals[1].id", "duplicate_id"),
        ("assessments[1].id", "duplicate_id"),
        ("referrals[1].client_id", "other_client"),
        ("assessments[0].client_id", "other_client"),
        ("plans[1].client_id", "other_client"),
        ("plans[1].version", "not_increasing"),
        ("plans[0].status", "superseded_live"),
    }


@pytest.mark.rule("X4")
def test_closed_case_and_return_to_programme_X4() -> None:
    """X4: a client may return; the new episode links the earlier one."""
    closed = _closed()
    assert not closed.is_open
    again = make_case(id=CaseId("CS-2"), previous_case_id=closed.id, opened_on=day(2027, 1, 1))
    assert again.previous_case_id == closed.id
    same_day = _closed(closed_on=day(2026, 1, 6))
    assert same_day.closed_on == same_day.opened_on


@pytest.mark.rule("X1")
def test_closed_case_needs_a_closure_X1() -> None:
    """X1: a closed case says why it was closed; an open one has no closure yet."""
    error = assert_rejected(
        lambda: make_case(status=CaseStatus.CLOSED, closed_on=day(2026, 6, 1)),
        "Case",
        "closure",
        "required",
    )
    assert found(error) == {("closure", "required")}
    for status in CaseStatus:
        if status is not CaseStatus.CLOSED:
            build = functools.partial(make_case, status=status, closure=make_closure())
            assert_rejected(build, "Case", "closure", "unexpected")
    death = _closed(closure=make_closure(reason=ClosureReason.DEATH))
    assert death.closure is not None
    assert death.closure.reason is ClosureReason.DEATH


@pytest.mark.parametrize(
    "live", [s for s in InterventionStatus if make_intervention(status=s).is_live]
)
def test_closed_case_has_no_live_intervention_X1(live: InterventionStatus) -> None:
    """X1: every intervention of a closed case's current plan has ended; earlier plan
    versions are history and are not checked again."""
    current = make_plan(
        version=2,
        interventions=(
            make_intervention(status=InterventionStatus.COMPLETED),
            make_intervention(id=InterventionId("IV-2"), status=live),
        ),
    )
    error = assert_rejected(
        lambda: _closed(plans=(_finished_plan(), current)),
        "Case",
        "plans[1].interventions[1].status",
        "live_at_closure",
    )
    assert found(error) == {("plans[1].interventions[1].status", "live_at_closure")}
    first, second = current.interventions
    stopped = attrs.evolve(current, interventions=(first, second.stop(day(2026, 5, 1))))
    closed = _closed(plans=(_finished_plan(), stopped))
    assert not any(i.is_live for i in closed.plans[-1].interventions)
    # The same live intervention is fine while the case is open.
    assert make_case(plans=(_finished_plan(), current)).current_plan == current


# ---------------------------------------------------------------------------------------------
# Case transitions: the state-preserving edits


@pytest.mark.rule("C6")
def test_assign_C6_C7() -> None:
    """C6/C7: assignment names the accountable manager; a handover keeps what is known."""
    referred = make_case(status=CaseStatus.REFERRED, manager_id=None)
    assigned, event = referred.assign(CaseManagerId("CM-2"), TeamId("T-1"), by=BY, at=AT)
    assert assigned.manager_id == "CM-2"
    assert assigned.team_id == "T-1"
    assert assigned.status is CaseStatus.REFERRED
    assert referred.manager_id is None
    assert (event.action, event.by, event.at, event.manager_id) == (
        CaseAction.ASSIGN,
        BY,
        AT,
        "CM-2",
    )
    case = make_case(
        assessments=(make_assessment(),), plans=(_active_plan(),), team_id=TeamId("T-1")
    )
    handed_over = case.assign(CaseManagerId("CM-3"), by=BY, at=AT, why="leaving").case
    assert handed_over.manager_id == "CM-3"
    assert handed_over.team_id == "T-1"  # kept when not given
    assert handed_over.assessments == case.assessments
    assert handed_over.plans == case.plans
    assert handed_over.referrals == case.referrals
    assert handed_over.history[-1].why == "leaving"


@pytest.mark.parametrize("status", [CaseStatus.CLOSED, CaseStatus.DECLINED])
def test_assign_refused_on_a_closed_or_declined_case(status: CaseStatus) -> None:
    """A closed or declined case is over: assigning it is refused, naming the states that
    allow it (a return to the programme re-opens a new episode, X4)."""
    case = (
        _closed(manager_id=None)
        if status is CaseStatus.CLOSED
        else make_case(status=status, manager_id=None)
    )
    with pytest.raises(InvalidTransitionError) as info:
        case.assign(MANAGER_ID, by=BY, at=AT)
    assert info.value.entity == "Case"
    assert info.value.action == "assign"
    assert info.value.state == status.value
    assert set(info.value.allowed_from) == {s.value for s in CaseStatus if not s.is_terminal}
    assert info.value.allowed_now == tuple(a.value for a in case.allowed_actions)
    assert "allowed from: " in str(info.value)


def test_assign_checks_type_and_C6() -> None:
    case = make_case()
    assert_rejected(lambda: case.assign(5, by=BY, at=AT), "CaseEvent", "manager_id")  # type: ignore[arg-type]
    assert_rejected(
        lambda: case.assign(None, by=BY, at=AT),  # type: ignore[arg-type]
        "CaseEvent",
        "manager_id",
        "required",
    )


@pytest.mark.rule("A2")
def test_record_assessment_A2() -> None:
    """A2: the initial assessment establishes the baseline; later ones are kept too."""
    case = make_case()
    assessed = case.record_assessment(make_assessment(), by=BY, at=AT).case
    review = make_assessment(
        id=AssessmentId("AS-2"), kind=AssessmentKind.REVIEW, performed_on=day(2026, 4, 1)
    )
    reviewed = assessed.record_assessment(review, by=BY, at=later(1)).case
    assert [a.id for a in reviewed.assessments] == ["AS-1", "AS-2"]
    assert case.assessments == ()
    assert reviewed.version == 2
    assert_rejected(
        lambda: assessed.record_assessment(make_assessment(), by=BY, at=later(1)),
        "Case",
        "assessments[1].id",
        "duplicate_id",
    )
    assert_rejected(
        lambda: case.record_assessment(make_assessment(client_id=OTHER_CLIENT), by=BY, at=AT),
        "Case",
        "assessments[0].client_id",
        "other_client",
    )


def test_add_referral() -> None:
    case = make_case()
    second = make_referral(id=ReferralId("RF-2"), received_on=day(2026, 3, 1))
    assert len(case.add_referral(second, by=BY, at=AT).case.referrals) == 2
    assert_rejected(
        lambda: case.add_referral(make_referral(), by=BY, at=AT),
        "Case",
        "referrals[1].id",
        "duplicate_id",
    )
    assert_rejected(
        lambda: case.add_referral(
            make_referral(id=ReferralId("RF-3"), client_id=OTHER_CLIENT), by=BY, at=AT
        ),
        "Case",
        "referrals[1].client_id",
        "other_client",
    )


def test_adopt_first_plan() -> None:
    case = make_case()
    assert case.current_plan is None
    planned, event = case.adopt_plan(make_plan(), by=BY, at=AT)
    assert planned.current_plan == make_plan()
    assert len(planned.plans) == 1
    assert event.plan == make_plan()


@pytest.mark.rule("P3")
def test_adopt_plan_supersedes_live_plan_and_keeps_history_P3() -> None:
    """P3: the plan is a live document; each revision is kept as a superseded version."""
    v1 = _active_plan()
    case = make_case(plans=(v1,))
    v2 = v1.revise(day(2026, 3, 1))
    revised = case.adopt_plan(v2, by=BY, at=AT).case
    assert [p.version for p in revised.plans] == [1, 2]
    assert revised.plans[0].status is CarePlanStatus.REVOKED
    assert revised.plans[0].agreement == v1.agreement  # history is kept as it was agreed
    assert revised.plans[0].goals == v1.goals
    assert revised.current_plan == v2
    assert case.plans == (v1,)  # the original case is unchanged
    v3 = v2.revise(day(2026, 5, 1))
    again = revised.adopt_plan(v3, by=BY, at=later(1)).case
    assert [p.status for p in again.plans] == [
        CarePlanStatus.REVOKED,
        CarePlanStatus.REVOKED,
        CarePlanStatus.DRAFT,
    ]
    # Replaying the history rebuilds the versions from the plans adopted, not the snapshot.
    assert [e.plan for e in again.history] == [v2, v3]


@pytest.mark.parametrize("status", ["draft", "on-hold"])
def test_adopt_plan_supersedes_draft_and_held_plans_P3(status: str) -> None:
    v1 = make_plan() if status == "draft" else _active_plan().hold()
    adopted = make_case(plans=(v1,)).adopt_plan(v1.revise(day(2026, 3, 1)), by=BY, at=AT).case
    assert adopted.plans[0].status is CarePlanStatus.REVOKED


def test_adopt_plan_keeps_a_completed_plan_completed() -> None:
    done = _active_plan().complete()
    case = make_case(plans=(done,)).adopt_plan(make_plan(version=2), by=BY, at=AT).case
    assert case.plans[0].status is CarePlanStatus.COMPLETED
    assert case.current_plan is not None
    assert case.current_plan.version == 2


def test_adopt_plan_rejects_older_version_or_other_client() -> None:
    case = make_case(plans=(_active_plan(version=3),))
    assert_rejected(
        lambda: case.adopt_plan(make_plan(version=3), by=BY, at=AT),
        "Case",
        "plans[1].version",
        "not_increasing",
    )
    assert_rejected(
        lambda: case.adopt_plan(make_plan(version=4, client_id=OTHER_CLIENT), by=BY, at=AT),
        "Case",
        "plans[1].client_id",
        "other_client",
    )


ADOPTS = sorted(TRANSITIONS[CaseAction.ADOPT_PLAN].sources, key=lambda s: s.value)


@pytest.mark.parametrize("status", [s for s in CaseStatus if s not in ADOPTS])
def test_adopt_plan_refused_outside_assessment_planning_and_delivery(status: CaseStatus) -> None:
    """A plan is adopted from the assessment on, while the case is worked: not before the
    case is accepted and assessed, nor while it is closing or after it ended."""
    overrides: dict[str, Any] = {"status": status}
    if status is CaseStatus.CLOSED:
        overrides.update(closed_on=day(2026, 6, 1), closure=make_closure())
    if not status.is_open:
        overrides["manager_id"] = None
    case = make_case(**overrides)
    with pytest.raises(InvalidTransitionError) as info:
        case.adopt_plan(make_plan(), by=BY, at=AT)
    assert info.value.action == "adopt_plan"
    assert info.value.state == status.value
    assert info.value.allowed_from == ("active", "assessment", "on-hold", "planning")
    assert "adopt_plan" not in info.value.allowed_now


@pytest.mark.parametrize("status", ADOPTS)
def test_adopt_plan_allowed_while_the_case_is_worked(status: CaseStatus) -> None:
    adopted = make_case(status=status).adopt_plan(make_plan(), by=BY, at=AT).case
    assert (adopted.status, adopted.current_plan) == (status, make_plan())


def test_replace_current_plan() -> None:
    draft = make_plan()
    case = make_case(plans=(draft,))
    agreed = case.replace_current_plan(draft.record_agreement(make_agreement()), by=BY, at=AT)
    active = agreed.case.replace_current_plan(
        agreed.case.plans[-1].activate(), by=BY, at=later(1)
    ).case
    assert len(active.plans) == 1
    assert active.plans[0].status is CarePlanStatus.ACTIVE
    two = active.adopt_plan(active.plans[0].revise(day(2026, 3, 1)), by=BY, at=later(2)).case
    edited = two.replace_current_plan(
        two.plans[-1].add_intervention(make_intervention(id=InterventionId("IV-2"))),
        by=BY,
        at=later(3),
    ).case
    assert len(edited.plans) == 2
    assert edited.plans[0] == two.plans[0]
    assert len(edited.plans[1].interventions) == 2
    assert [e.action for e in edited.history] == [
        CaseAction.REPLACE_CURRENT_PLAN,
        CaseAction.REPLACE_CURRENT_PLAN,
        CaseAction.ADOPT_PLAN,
        CaseAction.REPLACE_CURRENT_PLAN,
    ]
    assert_rejected(
        lambda: two.replace_current_plan(make_plan(version=1), by=BY, at=later(3)),
        "Case",
        "plans[1].version",
        "not_increasing",
    )


def test_replace_current_plan_needs_a_plan() -> None:
    with pytest.raises(InvalidTransitionError) as info:
        make_case().replace_current_plan(make_plan(), by=BY, at=AT)
    assert info.value.action == "replace_current_plan"
    assert "without a care plan" in info.value.state


@pytest.mark.parametrize("status", [s for s in CaseStatus if not s.is_open])
def test_record_review_refused_unless_open(status: CaseStatus) -> None:
    """Reviews (M1-M6) are held while the case is open: from acceptance until closure."""
    overrides: dict[str, Any] = {"status": status, "manager_id": None}
    if status is CaseStatus.CLOSED:
        overrides.update(closed_on=day(2026, 6, 1), closure=make_closure())
    with pytest.raises(InvalidTransitionError) as info:
        make_case(**overrides).record_review(_review(), by=BY, at=AT)
    assert info.value.action == "record_review"
    assert set(info.value.allowed_from) == {s.value for s in CaseStatus if s.is_open}


@pytest.mark.rule("P3")
@given(
    steps=st.lists(
        st.sampled_from(["revise", "agree", "activate", "hold", "complete"]), max_size=12
    )
)
def test_plan_history_keeps_one_live_version_P3(steps: list[str]) -> None:
    case = make_case().adopt_plan(make_plan(), by=BY, at=AT).case
    adopted = 1
    done = 0
    on = day(2026, 1, 5)
    for hour, step in enumerate(steps, start=1):
        on = on.add(days=10)
        at = later(hour)
        current = case.current_plan
        assert current is not None
        try:
            if step == "revise":
                case = case.adopt_plan(current.revise(on), by=BY, at=at).case
                adopted += 1
            elif step == "agree":
                agreement = make_agreement(
                    agreed_at=pendulum.datetime(on.year, on.month, on.day, 12, tz="UTC")
                )
                case = case.replace_current_plan(
                    current.record_agreement(agreement), by=BY, at=at
                ).case
            elif step == "activate":
                case = case.replace_current_plan(current.activate(), by=BY, at=at).case
            elif step == "hold":
                case = case.replace_current_plan(current.hold(), by=BY, at=at).case
            else:
                case = case.replace_current_plan(current.complete(), by=BY, at=at).case
        except InvalidTransitionError:
            continue
        done += 1
    assert [p.version for p in case.plans] == list(range(1, adopted + 1))
    for earlier in case.plans[:-1]:
        assert earlier.status in (CarePlanStatus.REVOKED, CarePlanStatus.COMPLETED)
    for plan in case.plans:
        if plan.status in (CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD):
            assert plan.agreement is not None  # P1
    assert case.version == 1 + done  # one event per change that went through
    assert [e.at for e in case.history] == sorted(e.at for e in case.history)


# ---------------------------------------------------------------------------------------------
# Every edit leaves one event; stale edits are refused


def _review(review_id: str = "RV-1") -> Review:
    return Review(
        id=ReviewId(review_id),
        kind=ReviewKind.CASE_REVIEW,
        held_on=day(2026, 2, 1),
        held_by=MANAGER_ID,
    )


def _edits(case: Case) -> dict[CaseAction, Callable[..., CaseChange]]:
    """Each state-preserving edit of ``case``, with arguments that change something."""
    current = case.current_plan
    assert current is not None
    return {
        CaseAction.ASSIGN: lambda **kw: case.assign(CaseManagerId("CM-2"), TeamId("T-2"), **kw),
        CaseAction.ADD_REFERRAL: lambda **kw: case.add_referral(
            make_referral(id=ReferralId("RF-2")), **kw
        ),
        CaseAction.RECORD_ASSESSMENT: lambda **kw: case.record_assessment(
            make_assessment(id=AssessmentId("AS-2")), **kw
        ),
        CaseAction.ADOPT_PLAN: lambda **kw: case.adopt_plan(current.revise(day(2026, 3, 1)), **kw),
        CaseAction.REPLACE_CURRENT_PLAN: lambda **kw: case.replace_current_plan(
            current.hold(), **kw
        ),
        CaseAction.RECORD_REVIEW: lambda **kw: case.record_review(_review(), **kw),
        CaseAction.RECORD_EVENT: lambda **kw: case.record_event(
            CareEvent(
                kind=CareEventKind.RISK_TIER_CHANGE,
                occurred_on=day(2026, 2, 2),
                risk_tier=RiskTier.HIGH,
            ),
            **kw,
        ),
    }


EDITS = list(_edits(make_case(plans=(_active_plan(),))))


def _changed_fields(before: Case, after: Case) -> set[str]:
    return {
        f.name
        for f in attrs.fields(Case)
        if f.name != "history" and getattr(before, f.name) != getattr(after, f.name)
    }


@pytest.mark.parametrize("action", EDITS)
def test_each_edit_appends_one_event_naming_what_it_changed(action: CaseAction) -> None:
    """The audit trail: an edit leaves exactly one event, numbered as the case's new version,
    whose ``changes`` are exactly the fields that changed; the state stays as it was."""
    start = make_case(plans=(_active_plan(),), team_id=TeamId("T-1"))
    first = start.record_review(_review("RV-0"), by=BY, at=AT).case
    case, event = _edits(first)[action](by=BY, at=later(2), why="why not")
    assert case.history == (*first.history, event)
    assert case.version == first.version + 1 == event.version == 2
    assert (event.action, event.by, event.why) == (action, BY, "why not")
    assert event.at == later(2)
    assert event.from_status is event.to_status is CaseStatus.ACTIVE
    assert event.case_id == case.id
    assert "status" not in event.changes
    assert set(event.changes) == _changed_fields(first, case)
    assert len(event.changes) == len(set(event.changes))
    assert first.version == 1  # the case it was made from is unchanged


@pytest.mark.parametrize("action", EDITS)
def test_a_stale_edit_is_refused_C_concurrency(action: CaseAction) -> None:
    """Optimistic concurrency: an edit based on an older version is refused with both
    versions named, and nothing changes; the current version lets it through."""
    case = make_case(plans=(_active_plan(),))
    case = case.record_review(_review("RV-0"), by=BY, at=AT).case
    case = case.record_assessment(make_assessment(), by=BY, at=later(1)).case
    assert case.version == 2
    for stale in (0, 1, 3):
        with pytest.raises(ConcurrencyError) as info:
            _edits(case)[action](by=BY, at=later(2), expected_version=stale)
        assert (info.value.case_id, info.value.expected, info.value.actual) == (
            case.id,
            stale,
            2,
        )
        assert info.value.code == "stale_version"
    changed = _edits(case)[action](by=BY, at=later(2), expected_version=2).case
    assert changed.version == 3


def test_concurrency_is_checked_before_the_transition() -> None:
    """A stale writer learns that the case moved on, even when their change would also be
    refused in the state it is in now."""
    closed = _closed(manager_id=None)
    with pytest.raises(ConcurrencyError):
        closed.assign(MANAGER_ID, by=BY, at=AT, expected_version=5)
    with pytest.raises(InvalidTransitionError):
        closed.assign(MANAGER_ID, by=BY, at=AT, expected_version=0)


def test_an_edit_may_not_go_back_in_time() -> None:
    """A case's history runs forward: an edit stamped before the last event is refused."""
    case = make_case().record_review(_review(), by=BY, at=later(5)).case
    assert_rejected(
        lambda: case.record_assessment(make_assessment(), by=BY, at=later(4)),
        "Case",
        "history[1].at",
        "before_previous",
    )
    same_instant = case.record_assessment(make_assessment(), by=BY, at=later(5)).case
    assert same_instant.version == 2


# ---------------------------------------------------------------------------------------------
# CaseRecord


def test_valid_case_record() -> None:
    record = make_record()
    assert record.case_manager() == make_case_manager()
    assert (
        make_record(case=make_case(status=CaseStatus.REFERRED, manager_id=None)).case_manager()
        is None
    )


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"client": make_client(id=OTHER_CLIENT)}, "case.client_id", "other_client"),
        (
            {"referral_sources": (make_source(), make_source())},
            "referral_sources[1].id",
            "duplicate_id",
        ),
        (
            {"case_managers": (make_case_manager(), make_case_manager())},
            "case_managers[1].id",
            "duplicate_id",
        ),
        ({"providers": (make_provider(), make_provider())}, "providers[1].id", "duplicate_id"),
        (
            {"funding_streams": (make_funding_stream(), make_funding_stream())},
            "funding_streams[1].id",
            "duplicate_id",
        ),
        ({"referral_sources": ()}, "case.referrals[0].source_id", "unresolved_reference"),
        ({"case_managers": ()}, "case.manager_id", "unresolved_reference"),
        ({"case_managers": ()}, "case.assessments[0].performed_by", "unresolved_reference"),
        ({"providers": ()}, "case.plans[0].interventions[0].provider_id", "unresolved_reference"),
        (
            {"funding_streams": ()},
            "case.plans[0].interventions[0].funding_stream_id",
            "unresolved_reference",
        ),
        ({"case": make_client()}, "case", "wrong_type"),
        ({"client": None}, "client", "wrong_type"),
        ({"referral_sources": [make_source()]}, "referral_sources", "wrong_type"),
        ({"case_managers": (make_provider(),)}, "case_managers", "wrong_type"),
        ({"providers": [make_provider()]}, "providers", "wrong_type"),
        ({"funding_streams": (None,)}, "funding_streams", "wrong_type"),
    ],
)
def test_case_record_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_record(**overrides), "CaseRecord", path, code)


def test_case_record_reports_every_unresolved_reference() -> None:
    v1 = make_plan(
        interventions=(
            make_intervention(),
            make_intervention(id=InterventionId("IV-2"), provider_id=ProviderId("PR-9")),
        )
    )
    v1 = v1.record_agreement(make_agreement()).activate().complete()
    v2 = make_plan(
        version=2,
        interventions=(
            make_intervention(funding_stream_id=FundingStreamId("FS-9")),
            make_intervention(id=InterventionId("IV-2"), funding_stream_id=None),
            make_intervention(
                id=InterventionId("IV-3"),
                provider_id=ProviderId("PR-8"),
                funding_stream_id=FundingStreamId("FS-8"),
            ),
        ),
    )
    case = make_case(
        manager_id=CaseManagerId("CM-9"),
        referrals=(
            make_referral(),
            make_referral(id=ReferralId("RF-2"), source_id=ReferralSourceId("RS-9")),
        ),
        assessments=(
            make_assessment(performed_by=CaseManagerId("CM-8")),
            make_assessment(id=AssessmentId("AS-2"), performed_by=None),
            make_assessment(id=AssessmentId("AS-3")),
        ),
        plans=(v1, v2),
    )
    error = invariant_error(lambda: make_record(case=case))
    assert error.entity == "CaseRecord"
    assert found(error) == {
        ("case.referrals[1].source_id", "unresolved_reference"),
        ("case.manager_id", "unresolved_reference"),
        ("case.assessments[0].performed_by", "unresolved_reference"),
        ("case.plans[0].interventions[1].provider_id", "unresolved_reference"),
        ("case.plans[1].interventions[0].funding_stream_id", "unresolved_reference"),
        ("case.plans[1].interventions[2].provider_id", "unresolved_reference"),
        ("case.plans[1].interventions[2].funding_stream_id", "unresolved_reference"),
    }
    for problem in error.problems:
        assert "9" not in problem.message
        assert "8" not in problem.message


def test_case_record_reports_every_broken_invariant() -> None:
    error = invariant_error(
        lambda: make_record(
            client=make_client(id=OTHER_CLIENT),
            referral_sources=(make_source(id=ReferralSourceId("RS-2")),),
            case_managers=(make_case_manager(), make_case_manager()),
            providers=(),
        )
    )
    assert found(error) == {
        ("case.client_id", "other_client"),
        ("case_managers[1].id", "duplicate_id"),
        ("case.referrals[0].source_id", "unresolved_reference"),
        ("case.plans[0].interventions[0].provider_id", "unresolved_reference"),
    }


def test_case_record_with_case() -> None:
    record = make_record()
    reassigned = record.with_case(record.case.assign(MANAGER_ID, by=BY, at=AT).case)
    assert reassigned.case.manager_id == MANAGER_ID
    assert reassigned.case.version == 1
    assert_rejected(
        lambda: record.with_case(record.case.assign(CaseManagerId("CM-7"), by=BY, at=AT).case),
        "CaseRecord",
        "case.manager_id",
        "unresolved_reference",
    )
    other = make_case_manager(id=CaseManagerId("CM-7"))
    record2 = make_record(case_managers=(make_case_manager(), other))
    handed_over = record2.with_case(record2.case.assign(other.id, by=BY, at=AT).case)
    assert handed_over.case_manager() == other


def test_record_defaults_resolve() -> None:
    record = make_record()
    plan = record.case.current_plan
    assert plan is not None
    assert plan.interventions[0].provider_id == PROVIDER_ID
    assert plan.interventions[0].funding_stream_id == STREAM_ID
    assert record.client.id == CLIENT_ID
