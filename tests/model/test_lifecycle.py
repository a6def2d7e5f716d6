"""The case life cycle (C6, E7, P3, X1, X4): every row of the transition table, its guards,
the events a case's history is made of, optimistic concurrency and replay."""

# Test names carry the DOMAIN.md rule ids (C6, X4, ...) in their own case.
# ruff: noqa: N802

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import attrs
import pendulum
import pytest
from _model_builders import (
    CLIENT_ID,
    MANAGER_ID,
    found,
    invariant_error,
    make_assessment,
    make_case,
    make_intervention,
    make_plan,
    make_referral,
)
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.errors import ConcurrencyError, InvalidTransitionError
from casemgmt.model import (
    TRANSITIONS,
    ActorId,
    AssessmentId,
    CareEvent,
    CareEventKind,
    CarePlan,
    CarePlanStatus,
    Case,
    CaseAction,
    CaseChange,
    CaseEvent,
    CaseId,
    CaseManagerId,
    CaseStatus,
    Closure,
    ClosureReason,
    DischargeDestination,
    InterventionStatus,
    ReferralId,
    ReferralOutcome,
    Review,
    ReviewId,
    ReviewKind,
    StatusPeriod,
    TeamId,
    allowed_actions,
)

T0 = pendulum.datetime(2026, 1, 5, 9, tz="Europe/London")
BY = ActorId("CM-9")
CASE_ID = CaseId("CS-1")
OTHER_MANAGER = CaseManagerId("CM-2")
TURN_DOWNS = (
    ReferralOutcome.INELIGIBLE,
    ReferralOutcome.INAPPROPRIATE,
    ReferralOutcome.DUPLICATE,
    ReferralOutcome.WITHDRAWN,
)
STATE_CHANGING = tuple(a for a in CaseAction if TRANSITIONS[a].target is not None)
RECORDING = tuple(a for a in CaseAction if TRANSITIONS[a].target is None)


class Clock:
    """Instants an hour apart, so every change happens after the previous one."""

    def __init__(self) -> None:
        self.hours = 0

    def __call__(self) -> pendulum.DateTime:
        self.hours += 1
        return T0.add(hours=self.hours)


def stopped(plan: CarePlan, on: pendulum.Date) -> CarePlan:
    """``plan`` with every live intervention stopped on ``on`` (or on its first day, for one
    that had not started by then)."""
    return attrs.evolve(
        plan,
        interventions=tuple(
            i.stop(max(on, i.start)) if i.is_live else i for i in plan.interventions
        ),
    )


def referred(clock: Clock) -> Case:
    return Case.refer(
        id=CASE_ID, referral=make_referral(), programme="generic", by=BY, at=clock()
    ).case


def build(status: CaseStatus, clock: Clock | None = None) -> Case:
    """A case in ``status`` reached through the life cycle, with what the guards of the
    moves out of ``status`` need: an assessment from ``assessment`` on, a plan from
    ``planning`` on, and no live intervention once ``closing``."""
    clock = clock or Clock()
    case = referred(clock)
    steps: dict[CaseStatus, list[Callable[[Case], CaseChange]]] = {
        CaseStatus.REFERRED: [],
        CaseStatus.SCREENING: [lambda c: c.start_screening(by=BY, at=clock())],
        CaseStatus.DECLINED: [
            lambda c: c.decline(ReferralOutcome.INELIGIBLE, by=BY, at=clock(), why="under 18")
        ],
        CaseStatus.ACCEPTED: [lambda c: c.accept(MANAGER_ID, by=BY, at=clock())],
    }
    steps[CaseStatus.ASSESSMENT] = [
        *steps[CaseStatus.ACCEPTED],
        lambda c: c.start_assessment(by=BY, at=clock()),
        lambda c: c.record_assessment(make_assessment(), by=BY, at=clock()),
    ]
    steps[CaseStatus.PLANNING] = [
        *steps[CaseStatus.ASSESSMENT],
        lambda c: c.start_planning(by=BY, at=clock()),
        lambda c: c.adopt_plan(make_plan(), by=BY, at=clock()),
    ]
    steps[CaseStatus.ACTIVE] = [
        *steps[CaseStatus.PLANNING],
        lambda c: c.activate(by=BY, at=clock()),
    ]
    steps[CaseStatus.ON_HOLD] = [
        *steps[CaseStatus.ACTIVE],
        lambda c: c.put_on_hold(by=BY, at=clock()),
    ]
    steps[CaseStatus.CLOSING] = [
        *steps[CaseStatus.ACTIVE],
        lambda c: c.start_closing(by=BY, at=clock()),
        lambda c: c.replace_current_plan(stopped(_plan(c), T0.date()), by=BY, at=clock()),
    ]
    steps[CaseStatus.CLOSED] = [
        *steps[CaseStatus.CLOSING],
        lambda c: c.close(Closure(reason=ClosureReason.GOALS_ACHIEVED), by=BY, at=clock()),
    ]
    for step in steps[status]:
        case = step(case).case
    assert case.status is status
    return case


def _plan(case: Case) -> CarePlan:
    assert case.current_plan is not None
    return case.current_plan


def perform(case: Case, action: CaseAction, at: pendulum.DateTime, **kw: Any) -> CaseChange:
    """Make ``action`` on ``case`` with a plausible payload."""
    if action is CaseAction.START_SCREENING:
        return case.start_screening(by=BY, at=at, **kw)
    if action is CaseAction.ACCEPT:
        return case.accept(MANAGER_ID, TeamId("T-1"), by=BY, at=at, **kw)
    if action is CaseAction.DECLINE:
        why = kw.pop("why", "") or "moved away"
        return case.decline(ReferralOutcome.WITHDRAWN, by=BY, at=at, why=why, **kw)
    if action is CaseAction.START_ASSESSMENT:
        return case.start_assessment(by=BY, at=at, **kw)
    if action is CaseAction.START_PLANNING:
        return case.start_planning(by=BY, at=at, **kw)
    if action is CaseAction.ACTIVATE:
        return case.activate(by=BY, at=at, **kw)
    if action is CaseAction.PUT_ON_HOLD:
        return case.put_on_hold(by=BY, at=at, **kw)
    if action is CaseAction.RESUME:
        return case.resume(by=BY, at=at, **kw)
    if action is CaseAction.START_CLOSING:
        return case.start_closing(by=BY, at=at, **kw)
    if action is CaseAction.CLOSE:
        closure = Closure(reason=ClosureReason.RISK_BELOW_THRESHOLD, decided_by_mdt=True)
        return case.close(closure, by=BY, at=at, **kw)
    if action is CaseAction.REOPEN:
        return case.reopen(
            new_id=CaseId("CS-2"),
            referral=make_referral(id=ReferralId("RF-9")),
            manager_id=OTHER_MANAGER,
            by=BY,
            at=at,
            **kw,
        )
    if action is CaseAction.ASSIGN:
        return case.assign(OTHER_MANAGER, by=BY, at=at, **kw)
    if action is CaseAction.ADD_REFERRAL:
        return case.add_referral(make_referral(id=ReferralId("RF-2")), by=BY, at=at, **kw)
    if action is CaseAction.RECORD_ASSESSMENT:
        assessment = make_assessment(id=AssessmentId("AS-2"))
        return case.record_assessment(assessment, by=BY, at=at, **kw)
    if action is CaseAction.ADOPT_PLAN:
        version = case.current_plan.version + 1 if case.current_plan else 1
        return case.adopt_plan(make_plan(version=version), by=BY, at=at, **kw)
    if action is CaseAction.REPLACE_CURRENT_PLAN:
        plan = case.current_plan or make_plan()
        return case.replace_current_plan(plan.schedule_review(at.date()), by=BY, at=at, **kw)
    if action is CaseAction.RECORD_REVIEW:
        review = Review(id=ReviewId("RV-1"), kind=ReviewKind.CASE_REVIEW, held_on=at.date())
        return case.record_review(review, by=BY, at=at, **kw)
    if action is CaseAction.RECORD_EVENT:
        event = CareEvent(kind=CareEventKind.HOSPITAL_ADMISSION, occurred_on=at.date())
        return case.record_event(event, by=BY, at=at, **kw)
    raise AssertionError(f"no way to perform {action}")  # REFER is a classmethod


def later(case: Case) -> pendulum.DateTime:
    """An instant after every event of ``case``."""
    return case.history[-1].at.add(days=1) if case.history else T0.add(days=365)


# -- the transition table ---------------------------------------------------------------------


def test_the_table_has_one_row_per_action_and_allowed_actions_reads_it() -> None:
    assert set(TRANSITIONS) == set(CaseAction)
    for action, row in TRANSITIONS.items():
        assert row.action is action
    for status in CaseStatus:
        expected = tuple(a for a in CaseAction if status in TRANSITIONS[a].sources)
        assert allowed_actions(status) == expected
    # The terminal states: a declined case allows nothing, a closed one only a new episode.
    assert allowed_actions(CaseStatus.DECLINED) == ()
    assert allowed_actions(CaseStatus.CLOSED) == (CaseAction.REOPEN,)
    assert all(CaseAction.REFER not in allowed_actions(s) for s in CaseStatus)


def test_recording_actions_are_allowed_in_every_state_that_is_not_terminal() -> None:
    for status in CaseStatus:
        if status.is_terminal:
            assert not set(allowed_actions(status)) & set(RECORDING)
        else:
            for action in (CaseAction.ASSIGN, CaseAction.ADD_REFERRAL, CaseAction.RECORD_EVENT):
                assert action in allowed_actions(status)


def test_refer_starts_a_referred_case_at_version_1() -> None:
    case, event = Case.refer(
        id=CASE_ID, referral=make_referral(), programme="generic", by=BY, at=T0, why="GP letter"
    )
    assert TRANSITIONS[CaseAction.REFER].sources == frozenset()
    assert case.status is TRANSITIONS[CaseAction.REFER].target is CaseStatus.REFERRED
    assert (case.version, case.history) == (1, (event,))
    assert (event.from_status, event.to_status, event.why) == (
        None,
        CaseStatus.REFERRED,
        "GP letter",
    )
    assert case.opened_on == T0.date()
    assert case.manager_id is None  # C6 binds from acceptance on
    assert case.allowed_actions == allowed_actions(CaseStatus.REFERRED)


@pytest.mark.parametrize("action", [a for a in CaseAction if a is not CaseAction.REFER])
def test_every_row_of_the_table(action: CaseAction) -> None:
    row = TRANSITIONS[action]
    for status in CaseStatus:
        case = build(status)
        at = later(case)
        if status in row.sources:
            new, event = perform(case, action, at, why="row test")
            assert event.action is action
            assert event.from_status is status
            assert event.to_status is new.status is (row.target or status)
            assert event.at == at
            assert event.by == BY
            assert event.why == "row test"
            if action is CaseAction.REOPEN:
                assert new.id != case.id
                assert new.version == 1
            else:
                assert new.id == case.id
                assert new.version == case.version + 1
                assert new.history == (*case.history, event)
        else:
            with pytest.raises(InvalidTransitionError) as info:
                perform(case, action, at)
            error = info.value
            assert (error.entity, error.action, error.state) == ("Case", action.value, status.value)
            assert {CaseStatus(s) for s in error.allowed_from} == row.sources
            assert error.allowed_from == tuple(sorted(s.value for s in row.sources))
            assert error.allowed_now == tuple(a.value for a in allowed_actions(status))
            assert error.code == "invalid_transition"


@pytest.mark.parametrize("action", [a for a in CaseAction if a is not CaseAction.REFER])
def test_an_event_lists_the_fields_it_changed(action: CaseAction) -> None:
    """``changes`` names every case field that differs after the change (and ``status`` exactly
    when the state moved)."""
    for status in sorted(TRANSITIONS[action].sources, key=list(CaseStatus).index):
        case = build(status)
        new, event = perform(case, action, later(case))
        if action is CaseAction.REOPEN:
            continue  # a new case: compared in test_reopen_*
        differ = {
            f.name
            for f in attrs.fields(Case)
            if f.name != "history" and getattr(case, f.name) != getattr(new, f.name)
        }
        assert differ <= set(event.changes), (status, differ, event.changes)
        assert ("status" in event.changes) == (case.status is not new.status)


def test_changes_of_some_events() -> None:
    accepted = build(CaseStatus.ACCEPTED)
    event = accepted.history[-1]
    assert event.changes == ("status", "manager_id", "team_id", "referrals")
    assigned = accepted.assign(OTHER_MANAGER, by=BY, at=later(accepted)).event
    assert assigned.changes == ("manager_id", "team_id")
    closed = build(CaseStatus.CLOSED).history[-1]
    assert closed.changes == ("status", "closure", "closed_on")
    assert build(CaseStatus.SCREENING).history[-1].changes == ("status",)


# -- guards -----------------------------------------------------------------------------------


def test_start_planning_needs_an_assessment() -> None:
    clock = Clock()
    case = build(CaseStatus.ACCEPTED, clock).start_assessment(by=BY, at=clock()).case
    assert CaseAction.START_PLANNING in case.allowed_actions  # the state allows it ...
    with pytest.raises(InvalidTransitionError) as info:
        case.start_planning(by=BY, at=clock())
    error = info.value  # ... the guard does not
    assert error.state == "assessment without an assessment"
    assert error.allowed_from == ("assessment",)
    assert CaseAction.START_PLANNING.value not in error.allowed_now
    recorded = case.record_assessment(make_assessment(), by=BY, at=clock()).case
    assert recorded.start_planning(by=BY, at=clock()).case.status is CaseStatus.PLANNING


def test_activate_needs_a_plan() -> None:
    clock = Clock()
    case = build(CaseStatus.ASSESSMENT, clock).start_planning(by=BY, at=clock()).case
    with pytest.raises(InvalidTransitionError, match="without a care plan") as info:
        case.activate(by=BY, at=clock())
    assert info.value.allowed_now == tuple(
        a.value for a in allowed_actions(CaseStatus.PLANNING) if a is not CaseAction.ACTIVATE
    )
    with pytest.raises(InvalidTransitionError, match="without a care plan"):
        case.replace_current_plan(make_plan(), by=BY, at=clock())


def test_resume_needs_a_plan() -> None:
    # A closure that does not go ahead, for a case closing before it had a plan.
    clock = Clock()
    closing = build(CaseStatus.ACCEPTED, clock).start_closing(by=BY, at=clock()).case
    with pytest.raises(InvalidTransitionError, match="closing without a care plan"):
        closing.resume(by=BY, at=clock())
    # A snapshot on hold without a plan (a migrated case).
    snapshot = make_case(status=CaseStatus.ON_HOLD)
    with pytest.raises(InvalidTransitionError, match="on-hold without a care plan"):
        snapshot.resume(by=BY, at=clock())
    resumed = build(CaseStatus.CLOSING).resume(by=BY, at=later(build(CaseStatus.CLOSING)))
    assert resumed.case.status is CaseStatus.ACTIVE


# -- accept, decline, close, reopen ------------------------------------------------------------


def test_accept_names_the_accountable_manager_and_accepts_pending_referrals__C6() -> None:
    clock = Clock()
    case = referred(clock)
    case = case.add_referral(make_referral(id=ReferralId("RF-2")), by=BY, at=clock()).case
    at = clock()
    case = case.accept(MANAGER_ID, TeamId("T-1"), by=BY, at=at).case
    assert (case.manager_id, case.team_id) == (MANAGER_ID, TeamId("T-1"))
    assert [r.outcome for r in case.referrals] == [ReferralOutcome.ACCEPTED] * 2
    assert {r.outcome_on for r in case.referrals} == {at.date()}
    # A referral added after acceptance stays pending: accepting is done once.
    later_referral = make_referral(id=ReferralId("RF-3"))
    case = case.add_referral(later_referral, by=BY, at=clock()).case
    assert case.referrals[-1].is_pending
    # Handing over keeps the team unless a new one is named (C7).
    case = case.assign(OTHER_MANAGER, by=BY, at=clock()).case
    assert (case.manager_id, case.team_id) == (OTHER_MANAGER, TeamId("T-1"))


@pytest.mark.rule("E7")
@given(outcome=st.sampled_from(TURN_DOWNS), why=st.text(min_size=1).filter(str.strip))
def test_decline_turns_down_pending_referrals_with_the_reason__E7(
    outcome: ReferralOutcome, why: str
) -> None:
    clock = Clock()
    case = build(CaseStatus.SCREENING, clock)
    case = case.add_referral(make_referral(id=ReferralId("RF-2")), by=BY, at=clock()).case
    at = clock()
    declined, event = case.decline(outcome, by=BY, at=at, why=why)
    assert declined.status is CaseStatus.DECLINED
    assert declined.status.is_terminal
    assert event.referral_outcome is outcome
    assert event.why == why
    for referral in declined.referrals:
        assert (referral.outcome, referral.outcome_on, referral.outcome_reason) == (
            outcome,
            at.date(),
            why,
        )
    assert declined.allowed_actions == ()
    assert declined.closure is None
    assert declined.closed_on is None


def test_decline_needs_a_reason_and_a_turn_down_outcome__E7() -> None:
    case = build(CaseStatus.REFERRED)
    error = invariant_error(
        lambda: case.decline(ReferralOutcome.INELIGIBLE, by=BY, at=later(case), why="")
    )
    assert ("outcome_reason", "required") in found(error)
    for outcome in (ReferralOutcome.ACCEPTED, ReferralOutcome.PENDING):
        error = invariant_error(
            lambda o=outcome: case.decline(o, by=BY, at=later(case), why="no")  # type: ignore[misc]
        )
        assert ("referral_outcome", "not_a_turn_down") in found(error)


def test_close_records_the_closure_and_the_day__X1() -> None:
    case = build(CaseStatus.CLOSING)
    at = later(case)
    closure = Closure(
        reason=ClosureReason.CARE_OPTIMISED,
        destination=DischargeDestination.MORE_INTENSIVE_SUPPORT,
        decided_by_mdt=True,
        client_consulted=True,
        carer_consulted=True,
        letter_sent_on=at.date(),
        note="moved to a nursing home",
    )
    closed, event = case.close(closure, by=BY, at=at)
    assert (closed.status, closed.closure, closed.closed_on) == (
        CaseStatus.CLOSED,
        closure,
        at.date(),
    )
    assert event.closure == closure
    assert "nursing" not in repr(closure)  # the note is free text, kept out of repr
    assert not closed.is_open
    assert closed.allowed_actions == (CaseAction.REOPEN,)


def test_close_refuses_live_interventions() -> None:
    clock = Clock()
    case = build(CaseStatus.ACTIVE, clock).start_closing(by=BY, at=clock()).case
    assert _plan(case).interventions[0].is_live
    with pytest.raises(InvalidTransitionError, match="closing with live interventions") as info:
        case.close(Closure(reason=ClosureReason.SELF_DISCHARGE), by=BY, at=clock())
    assert info.value.allowed_from == ("closing",)
    assert CaseAction.CLOSE.value not in info.value.allowed_now
    # A snapshot cannot be built closed with a live intervention either.
    error = invariant_error(
        lambda: attrs.evolve(
            case,
            status=CaseStatus.CLOSED,
            closure=Closure(reason=ClosureReason.SELF_DISCHARGE),
            closed_on=case.opened_on,
            history=(),
        )
    )
    assert ("plans[0].interventions[0].status", "live_at_closure") in found(error)


@pytest.mark.parametrize("reason", list(ClosureReason))
def test_a_closure_names_a_destination_only_when_care_is_optimised__X1(
    reason: ClosureReason,
) -> None:
    if reason is ClosureReason.CARE_OPTIMISED:
        assert ("destination", "required") in found(invariant_error(lambda: Closure(reason=reason)))
        closure = Closure(reason=reason, destination=DischargeDestination.INDEPENDENT)
        assert closure.destination is DischargeDestination.INDEPENDENT
    else:
        assert Closure(reason=reason).destination is None
        error = invariant_error(
            lambda: Closure(reason=reason, destination=DischargeDestination.SPECIALIST_CARE)
        )
        assert ("destination", "unexpected") in found(error)


def test_reopen_opens_a_new_linked_episode__X4() -> None:
    closed = build(CaseStatus.CLOSED)
    at = later(closed)
    referral = make_referral(id=ReferralId("RF-9"), received_on=at.date())
    new, event = closed.reopen(
        new_id=CaseId("CS-2"),
        referral=referral,
        manager_id=OTHER_MANAGER,
        team_id=TeamId("T-2"),
        by=BY,
        at=at,
        why="readmitted twice",
        expected_version=closed.version,
    )
    assert new.previous_case_id == closed.id
    assert (new.id, new.version, new.status) == (CaseId("CS-2"), 1, CaseStatus.ACCEPTED)
    assert (new.client_id, new.programme) == (closed.client_id, closed.programme)
    assert (new.manager_id, new.team_id) == (OTHER_MANAGER, TeamId("T-2"))  # C6 from day one
    assert new.referrals == (referral.accept(new.opened_on),)  # accepted with the episode
    assert new.opened_on == at.date()
    assert new.plans == ()
    assert new.closure is None
    assert (event.action, event.from_status, event.previous_case_id) == (
        CaseAction.REOPEN,
        CaseStatus.CLOSED,
        closed.id,
    )
    assert new.history == (event,)
    assert Case.replay(new.history) == new
    assert closed.status is CaseStatus.CLOSED  # the earlier episode is untouched


def test_reopen_refuses_after_a_death_and_before_the_closure__X4() -> None:
    clock = Clock()
    closing = build(CaseStatus.CLOSING, clock)
    dead = closing.close(Closure(reason=ClosureReason.DEATH), by=BY, at=clock()).case
    with pytest.raises(InvalidTransitionError, match="closed after a death"):
        perform(dead, CaseAction.REOPEN, clock())
    closed = build(CaseStatus.CLOSED)
    error = invariant_error(lambda: perform(closed, CaseAction.REOPEN, T0.subtract(days=1)))
    assert ("at", "before_closure") in found(error)


def test_reopen_refuses_a_case_that_is_not_closed() -> None:
    for status in CaseStatus:
        if status is CaseStatus.CLOSED:
            continue
        with pytest.raises(InvalidTransitionError) as info:
            perform(build(status), CaseAction.REOPEN, T0.add(days=30))
        assert info.value.allowed_from == ("closed",)


# -- concurrency and time ---------------------------------------------------------------------


@pytest.mark.parametrize("action", [CaseAction.ASSIGN, CaseAction.START_CLOSING])
def test_a_stale_expected_version_is_refused(action: CaseAction) -> None:
    case = build(CaseStatus.ACTIVE)
    at = later(case)
    assert perform(case, action, at, expected_version=case.version).case.version == case.version + 1
    for stale in (case.version - 1, case.version + 1, 0):
        with pytest.raises(ConcurrencyError) as info:
            perform(case, action, at, expected_version=stale)
        error = info.value
        assert (error.case_id, error.expected, error.actual) == (case.id, stale, case.version)
        assert error.code == "stale_version"


def test_the_version_is_checked_before_the_state() -> None:
    # A stale client learns it must reload, not that its action is not allowed.
    closed = build(CaseStatus.CLOSED)
    with pytest.raises(ConcurrencyError):
        perform(closed, CaseAction.ASSIGN, later(closed), expected_version=1)
    with pytest.raises(ConcurrencyError):
        perform(closed, CaseAction.REOPEN, later(closed), expected_version=1)


@given(back=st.integers(min_value=1, max_value=10_000))
def test_an_event_before_the_previous_one_is_refused(back: int) -> None:
    case = build(CaseStatus.ACCEPTED)
    at = case.history[-1].at.subtract(minutes=back)
    error = invariant_error(lambda: case.start_assessment(by=BY, at=at))
    assert (f"history[{case.version}].at", "before_previous") in found(error)


def test_instants_compare_across_time_zones() -> None:
    case = build(CaseStatus.ACCEPTED)
    same = case.history[-1].at.in_timezone("America/New_York")
    # The same instant in another zone is not before the previous event.
    moved = case.start_assessment(by=BY, at=same).case
    assert moved.history[-1].at == case.history[-1].at
    assert Case.replay(moved.history) == moved


# -- events -----------------------------------------------------------------------------------


def _event(**overrides: Any) -> CaseEvent:
    fields: dict[str, Any] = {
        "case_id": CASE_ID,
        "version": 2,
        "action": CaseAction.PUT_ON_HOLD,
        "by": BY,
        "at": T0,
        "from_status": CaseStatus.ACTIVE,
        "to_status": CaseStatus.ON_HOLD,
    }
    return CaseEvent(**{**fields, **overrides})


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"action": CaseAction.CLOSE, "to_status": CaseStatus.CLOSED}, "closure", "required"),
        ({"manager_id": MANAGER_ID}, "manager_id", "unexpected"),
        ({"action": CaseAction.ACCEPT, "to_status": CaseStatus.ACCEPTED}, "manager_id", "required"),
        ({"to_status": CaseStatus.ACTIVE}, "to_status", "wrong_target"),
        ({"action": CaseAction.RECORD_EVENT, "care_event": None}, "care_event", "required"),
        (
            {
                "action": CaseAction.ASSIGN,
                "manager_id": MANAGER_ID,
                "to_status": CaseStatus.ON_HOLD,
            },
            "to_status",
            "changed",
        ),
        ({"from_status": None}, "from_status", "required"),
        ({"version": 0}, "version", "not_positive"),
        ({"case_id": "not an id!"}, "case_id", "invalid"),
        (
            {
                "action": CaseAction.DECLINE,
                "to_status": CaseStatus.DECLINED,
                "from_status": CaseStatus.REFERRED,
                "referral_outcome": ReferralOutcome.ACCEPTED,
            },
            "referral_outcome",
            "not_a_turn_down",
        ),
        (
            {
                "action": CaseAction.REFER,
                "to_status": CaseStatus.REFERRED,
                "client_id": CLIENT_ID,
                "programme": "generic",
                "referral": make_referral(),
            },
            "version",
            "not_first",
        ),
        (
            {
                "action": CaseAction.REFER,
                "version": 1,
                "to_status": CaseStatus.REFERRED,
                "client_id": CLIENT_ID,
                "programme": "generic",
                "referral": make_referral(),
            },
            "from_status",
            "unexpected",
        ),
    ],
)
def test_an_event_carries_exactly_its_payload(
    overrides: dict[str, Any], path: str, code: str
) -> None:
    error = invariant_error(lambda: _event(**overrides))
    assert error.entity == "CaseEvent"
    paths = {p.path for p in error.problems}
    assert path in paths, error.problems
    if code != "invalid":  # id problems have their own codes
        assert (path, code) in found(error)


def test_a_valid_event_and_its_day() -> None:
    event = _event(why="admitted to hospital")
    assert event.on == T0.date()
    assert event.changes == ("status",)
    assert "hospital" not in repr(event)


# -- history ----------------------------------------------------------------------------------


def test_status_history_has_one_period_per_state__fhir_statusHistory() -> None:
    clock = Clock()
    case = referred(clock)
    case = case.start_screening(by=BY, at=clock()).case
    case = case.accept(MANAGER_ID, by=BY, at=clock()).case
    case = case.assign(OTHER_MANAGER, by=BY, at=clock()).case  # keeps the state
    case = case.start_assessment(by=BY, at=clock()).case
    periods = case.status_history()
    assert [p.status for p in periods] == [
        CaseStatus.REFERRED,
        CaseStatus.SCREENING,
        CaseStatus.ACCEPTED,
        CaseStatus.ASSESSMENT,
    ]
    at = [e.at for e in case.history]
    assert periods[0] == StatusPeriod(status=CaseStatus.REFERRED, start=at[0], end=at[1])
    assert periods[2] == StatusPeriod(status=CaseStatus.ACCEPTED, start=at[2], end=at[4])
    assert periods[-1].end is None
    assert make_case().status_history() == ()  # a snapshot has no recorded history


@pytest.mark.parametrize("status", list(CaseStatus))
def test_status_periods_chain_and_replay_rebuilds_the_case(status: CaseStatus) -> None:
    case = build(status)
    periods = case.status_history()
    assert periods[0].start == case.history[0].at
    assert periods[-1].status is case.status
    for before, after in itertools.pairwise(periods):
        assert before.end == after.start
        assert before.status is not after.status
    assert Case.replay(case.history) == case
    assert Case.replay(iter(case.history)) == case
    assert [e.version for e in case.history] == list(range(1, case.version + 1))


def test_replay_needs_a_starting_event() -> None:
    case = build(CaseStatus.ACTIVE)
    for events in ((), case.history[1:]):
        error = invariant_error(lambda e=events: Case.replay(e))  # type: ignore[misc]
        assert ("history[0]", "not_a_start") in found(error)


def test_replay_refuses_a_tampered_history() -> None:
    case = build(CaseStatus.ACTIVE)
    history = list(case.history)

    other_case = [*history[:2], attrs.evolve(history[2], case_id=CaseId("CS-X")), *history[3:]]
    assert ("history[2].case_id", "other_case") in found(
        invariant_error(lambda: Case.replay(other_case))
    )
    skipped = [*history[:2], *(attrs.evolve(e, version=e.version + 1) for e in history[2:])]
    assert ("history[2].version", "out_of_sequence") in found(
        invariant_error(lambda: Case.replay(skipped))
    )
    swapped = [history[0], *history[2:]]  # the acceptance is missing
    with pytest.raises(InvalidTransitionError):
        Case.replay(swapped)
    backwards = [*history[:3], attrs.evolve(history[3], at=history[2].at.subtract(hours=1))]
    assert ("history[3].at", "before_previous") in found(
        invariant_error(lambda: Case.replay(backwards))
    )
    restarted = [*history, history[0]]
    assert ("history", "second_start") in found(invariant_error(lambda: Case.replay(restarted)))
    reopened = build(CaseStatus.CLOSED).reopen(
        new_id=CaseId("CS-2"),
        referral=make_referral(id=ReferralId("RF-9")),
        manager_id=MANAGER_ID,
        by=BY,
        at=T0.add(days=30),
    )
    second_start = [*history, reopened.event]
    assert ("history", "second_start") in found(invariant_error(lambda: Case.replay(second_start)))


def test_a_snapshot_records_changes_from_then_on() -> None:
    snapshot = make_case(plans=(make_plan(status=CarePlanStatus.ACTIVE),))
    assert snapshot.version == 0
    assert snapshot.history == ()
    held, event = snapshot.put_on_hold(by=BY, at=T0, expected_version=0)
    assert (event.version, held.version, held.status) == (1, 1, CaseStatus.ON_HOLD)
    # Replay needs the full story; a snapshot's history does not start the case.
    assert ("history[0]", "not_a_start") in found(
        invariant_error(lambda: Case.replay(held.history))
    )


def test_plan_versions_are_kept_and_only_the_latest_is_live__P3() -> None:
    clock = Clock()
    case = build(CaseStatus.ACTIVE, clock)
    current = _plan(case)
    revised = current.revise(clock().date())
    case = case.adopt_plan(revised, by=BY, at=clock()).case
    assert [p.version for p in case.plans] == [1, 2]
    assert case.plans[0].status is CarePlanStatus.REVOKED
    assert case.current_plan == revised
    error = invariant_error(lambda: case.adopt_plan(make_plan(version=2), by=BY, at=clock()))
    assert ("plans[2].version", "not_increasing") in found(error)
    # Stopping the interventions of the current version lets the case close.
    today = clock().date()
    stopped_plan = stopped(revised, today)
    assert all(i.status is InterventionStatus.STOPPED for i in stopped_plan.interventions)
    case = case.start_closing(by=BY, at=clock()).case
    case = case.replace_current_plan(stopped_plan, by=BY, at=clock()).case
    closed = case.close(Closure(reason=ClosureReason.FUNDING_ENDED), by=BY, at=clock()).case
    assert closed.plans[-1].version == 2
    assert closed.status is CaseStatus.CLOSED
    assert make_intervention().is_live  # the builder's intervention is live: the stop mattered
