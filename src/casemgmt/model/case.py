"""The case: the aggregate that ties a client's referrals, assessments and plan versions to
an accountable case manager; and the case record, a self-contained document of a case with
every entity it refers to.

>>> from casemgmt.model.codes import CaseStatus
>>> CaseStatus.ON_HOLD.is_open
True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any, NamedTuple

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import ConcurrencyError, InvalidTransitionError, InvariantError, Problem
from casemgmt.model._base import Validated, duplicates, problem
from casemgmt.model.assessment import Assessment
from casemgmt.model.client import Client
from casemgmt.model.codes import (
    CareEventKind,
    CarePlanStatus,
    CaseAction,
    CaseStatus,
    ClosureReason,
    ReferralOutcome,
    RiskTier,
)
from casemgmt.model.funding import FundingStream
from casemgmt.model.lifecycle import (
    TRANSITIONS,
    CaseEvent,
    Closure,
    StatusPeriod,
    allowed_actions,
)
from casemgmt.model.plan import CarePlan
from casemgmt.model.referral import Referral, ReferralSource
from casemgmt.model.review import CareEvent, Review
from casemgmt.model.values import (
    ID_PATTERN,
    ActorId,
    CaseId,
    CaseManagerId,
    ClientId,
    TeamId,
    id_problems,
    instant_key,
)
from casemgmt.model.workforce import CaseManager, Provider

__all__ = ["Case", "CaseChange", "CaseRecord"]

_LIVE_PLAN = frozenset({CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD})


class CaseChange(NamedTuple):
    """What every change to a case returns: the new state of the case and the event that
    records the change (also appended to the new case's ``history``).

    A named tuple, so ``case, event = case.accept(...)`` unpacks it.
    """

    case: Case
    event: CaseEvent


@attrs.frozen(kw_only=True)
class Case(Validated):
    """A case-management episode for one client.

    ``plans`` holds every version of the care plan, oldest first; the last is the current one
    and only it may still be draft, active or on hold (P3). ``previous_case_id`` links a
    re-opened episode to the earlier one (X4). ``reviews`` are the reviews held and
    ``events`` what happened in the client's care or claim, in any order; the review
    schedule (:func:`casemgmt.services.next_review`) reads both. ``closure`` says why a
    closed case was closed.

    ``history`` is the case's audit trail: one :class:`~casemgmt.model.CaseEvent` per change,
    oldest first, each naming who, when, why and what changed. A case changes only through
    its intent-named methods (the transition table :data:`~casemgmt.model.TRANSITIONS`), each
    of which returns a :class:`CaseChange` and appends its event. ``version`` is the number of
    events; pass ``expected_version`` to any change to refuse it, with a
    :class:`~casemgmt.errors.ConcurrencyError`, when someone else changed the case since you
    read it. :meth:`replay` rebuilds an equal case from a history that starts with
    :meth:`refer` or :meth:`reopen`. A case built directly (a snapshot, as a host migrating
    from another system would) starts with an empty history and records changes from then on.

    Invariants: an open case has an accountable case manager (C6); a closed case has a
    closing date and a closure, and only a closed one; a closed case's current plan has no
    live intervention; every referral, assessment and plan is about this case's client;
    plan versions rise; the history is numbered from 1, is about this case, runs forward in
    time, and ends in the case's state.

    >>> import pendulum
    >>> from casemgmt.model import ActorId, CaseManagerId, ClientId, Referral, ReferralId
    >>> from casemgmt.model import ReferralSourceId
    >>> at = pendulum.datetime(2026, 3, 2, 9, tz="Europe/London")
    >>> referral = Referral(
    ...     id=ReferralId("RF-1"), client_id=ClientId("CL-1"),
    ...     source_id=ReferralSourceId("GP-1"), received_on=at.date(), reason="falls",
    ... )
    >>> case, event = Case.refer(
    ...     id=CaseId("C-1"), referral=referral, programme="generic", by=ActorId("triage"), at=at,
    ... )
    >>> case, event = case.accept(
    ...     CaseManagerId("CM-1"), by=ActorId("CM-9"), at=at.add(hours=2), why="meets criteria",
    ...     expected_version=1,
    ... )
    >>> case.status.value, case.version, event.changes
    ('accepted', 2, ('status', 'manager_id', 'team_id', 'referrals'))
    >>> Case.replay(case.history) == case
    True
    >>> case.close(Closure(reason=ClosureReason.DEATH), by=ActorId("CM-1"), at=at.add(days=1))
    Traceback (most recent call last):
    ...
    casemgmt.errors.InvalidTransitionError: cannot close a Case that is accepted; ...
    """

    id: CaseId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    client_id: ClientId
    programme: str = attrs.field(
        metadata={"schema": {"pattern": r"\S", "description": "Not blank (invariant: empty)."}}
    )
    status: CaseStatus
    opened_on: pendulum.Date
    referrals: tuple[Referral, ...] = attrs.field(
        metadata={"schema": {"minItems": 1, "description": "At least one (invariant: empty)."}}
    )
    manager_id: CaseManagerId | None = None
    team_id: TeamId | None = None
    assessments: tuple[Assessment, ...] = ()
    plans: tuple[CarePlan, ...] = ()
    closed_on: pendulum.Date | None = None
    previous_case_id: CaseId | None = None
    reviews: tuple[Review, ...] = ()
    events: tuple[CareEvent, ...] = ()
    closure: Closure | None = None
    history: tuple[CaseEvent, ...] = ()

    def _invariants(self) -> Iterator[Problem]:
        return _case_invariants(self)

    @property
    def current_plan(self) -> CarePlan | None:
        """The latest plan version, or ``None`` before planning."""
        return self.plans[-1] if self.plans else None

    @property
    def is_open(self) -> bool:
        """True from acceptance until closure."""
        return self.status.is_open

    @property
    def version(self) -> int:
        """The number of changes recorded in :attr:`history`."""
        return len(self.history)

    @property
    def allowed_actions(self) -> tuple[CaseAction, ...]:
        """The changes the case allows in its current state (the transition table)."""
        return allowed_actions(self.status)

    def risk_tier_on(self, day: pendulum.Date) -> RiskTier | None:
        """The risk tier set by the latest change of risk tier on or before ``day``
        (``None`` when no change is recorded by then)."""
        tier: RiskTier | None = None
        latest: pendulum.Date | None = None
        for event in self.events:
            if (
                event.kind is CareEventKind.RISK_TIER_CHANGE
                and event.occurred_on <= day
                and (latest is None or event.occurred_on >= latest)
            ):
                latest, tier = event.occurred_on, event.risk_tier
        return tier

    def status_history(self) -> tuple[StatusPeriod, ...]:
        """The states the case went through, with when it entered and left each, as recorded
        in :attr:`history` (FHIR ``EpisodeOfCare.statusHistory``). Changes that keep the
        state do not start a new period."""
        periods: list[StatusPeriod] = []
        for event in self.history:
            if periods and periods[-1].status is event.to_status:
                continue
            if periods:
                periods[-1] = attrs.evolve(periods[-1], end=event.at)
            periods.append(StatusPeriod(status=event.to_status, start=event.at, end=None))
        return tuple(periods)

    # -- starting a case --------------------------------------------------------------------

    @classmethod
    def refer(
        cls,
        *,
        id: CaseId,
        referral: Referral,
        programme: str,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        manager_id: CaseManagerId | None = None,
        team_id: TeamId | None = None,
    ) -> CaseChange:
        """Start a case from ``referral``: the first event of its history. The case is
        ``referred`` and opens on the day of ``at``."""
        event = CaseEvent(
            case_id=id,
            version=1,
            action=CaseAction.REFER,
            by=by,
            at=at,
            from_status=None,
            to_status=CaseStatus.REFERRED,
            why=why,
            client_id=referral.client_id,
            programme=programme,
            referral=referral,
            manager_id=manager_id,
            team_id=team_id,
        )
        return CaseChange(_start(event), event)

    @applies("X4")
    def reopen(
        self,
        *,
        new_id: CaseId,
        referral: Referral,
        manager_id: CaseManagerId,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        team_id: TeamId | None = None,
        expected_version: int | None = None,
    ) -> CaseChange:
        """Open a new episode for the client of this closed case, linked to it (X4): the
        client returns to the programme. The new case is ``accepted`` with ``manager_id``
        accountable; this case stays closed and unchanged.

        Whether the programme takes the client back is the programme's rule
        (:func:`casemgmt.services.evaluate_reopening`); the model only refuses what can
        never be: re-opening a case that is not closed, or one closed by a death.
        """
        self._check(CaseAction.REOPEN, expected_version)
        if self.closure is not None and self.closure.reason is ClosureReason.DEATH:
            raise InvalidTransitionError(
                "Case",
                CaseAction.REOPEN.value,
                "closed after a death",
                sorted(s.value for s in TRANSITIONS[CaseAction.REOPEN].sources),
            )
        if self.closed_on is not None and at.date() < self.closed_on:
            raise InvariantError(
                "Case", [problem("at", "before_closure", "a case re-opens after it closed")]
            )
        event = CaseEvent(
            case_id=new_id,
            version=1,
            action=CaseAction.REOPEN,
            by=by,
            at=at,
            from_status=self.status,
            to_status=CaseStatus.ACCEPTED,
            why=why,
            client_id=self.client_id,
            programme=self.programme,
            referral=referral,
            manager_id=manager_id,
            team_id=team_id,
            previous_case_id=self.id,
        )
        return CaseChange(_start(event), event)

    @classmethod
    def replay(cls, events: Iterable[CaseEvent]) -> Case:
        """Rebuild a case from its history: the first event must start it
        (:attr:`~CaseAction.REFER` or :attr:`~CaseAction.REOPEN`), and every later one must
        be allowed in the state the case is in by then.

        Raises:
            InvariantError: when the events do not start a case, or are not one case's
                history in order (versions from 1, one case id, forward in time).
            InvalidTransitionError: when an event was not allowed in the state it met.
        """
        stream = iter(events)
        first = next(stream, None)
        if first is None or first.action not in _STARTS:
            raise InvariantError(
                "Case",
                [problem("history[0]", "not_a_start", "a history starts with refer or reopen")],
            )
        case = _start(first)
        for event in stream:
            case = _apply(case, event)
        return case

    # -- moving between states ----------------------------------------------------------------

    def start_screening(
        self,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Start checking the referral against the programme's criteria."""
        return self._change(CaseAction.START_SCREENING, by, at, why, expected_version)

    @applies("C6")
    def accept(
        self,
        manager_id: CaseManagerId,
        team_id: TeamId | None = None,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Accept the case onto the caseload of ``manager_id``, who is accountable from now
        on (C6); the pending referrals are accepted on the day of ``at``."""
        return self._change(
            CaseAction.ACCEPT, by, at, why, expected_version, manager_id=manager_id, team_id=team_id
        )

    @applies("E7")
    def decline(
        self,
        outcome: ReferralOutcome,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str,
        expected_version: int | None = None,
    ) -> CaseChange:
        """Decline the referral as ineligible, inappropriate, a duplicate, or withdrawn by
        the client, with ``why`` recorded on each pending referral (E7)."""
        return self._change(
            CaseAction.DECLINE, by, at, why, expected_version, referral_outcome=outcome
        )

    def start_assessment(
        self,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Start the (initial needs) assessment."""
        return self._change(CaseAction.START_ASSESSMENT, by, at, why, expected_version)

    def start_planning(
        self,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Start agreeing a care plan; needs a recorded assessment."""
        return self._change(CaseAction.START_PLANNING, by, at, why, expected_version)

    def activate(
        self,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Start delivering the plan; needs an adopted care plan."""
        return self._change(CaseAction.ACTIVATE, by, at, why, expected_version)

    def put_on_hold(
        self,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Pause the case (a hospital stay, the client's request)."""
        return self._change(CaseAction.PUT_ON_HOLD, by, at, why, expected_version)

    def resume(
        self,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Make the case active again after a hold, or when a closure is not going ahead."""
        return self._change(CaseAction.RESUME, by, at, why, expected_version)

    def start_closing(
        self,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Start closing the case: end or transfer its interventions, resolve its goals and
        hold the final review (:func:`casemgmt.services.evaluate_closure` lists what is left)."""
        return self._change(CaseAction.START_CLOSING, by, at, why, expected_version)

    @applies("X1")
    def close(
        self,
        closure: Closure,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Close the case on the day of ``at`` for ``closure.reason`` (X1); every
        intervention of the current plan must have ended."""
        return self._change(CaseAction.CLOSE, by, at, why, expected_version, closure=closure)

    # -- recording without changing state -------------------------------------------------

    @applies("C6", "C7")
    def assign(
        self,
        manager_id: CaseManagerId,
        team_id: TeamId | None = None,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Make ``manager_id`` the accountable case manager (C6, C7); the team stays unless
        ``team_id`` is given."""
        return self._change(
            CaseAction.ASSIGN, by, at, why, expected_version, manager_id=manager_id, team_id=team_id
        )

    def add_referral(
        self,
        referral: Referral,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Add another referral for the same client."""
        return self._change(
            CaseAction.ADD_REFERRAL, by, at, why, expected_version, referral=referral
        )

    def record_assessment(
        self,
        assessment: Assessment,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Record an assessment."""
        return self._change(
            CaseAction.RECORD_ASSESSMENT, by, at, why, expected_version, assessment=assessment
        )

    @applies("P3")
    def adopt_plan(
        self,
        plan: CarePlan,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Make ``plan`` the current plan version (P3). The previous version, if still live,
        is kept in the history marked as superseded."""
        return self._change(CaseAction.ADOPT_PLAN, by, at, why, expected_version, plan=plan)

    def replace_current_plan(
        self,
        plan: CarePlan,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Replace the current plan version by ``plan``: an edit of the same version (a goal
        added, the agreement recorded, the plan activated, an intervention stopped)."""
        return self._change(
            CaseAction.REPLACE_CURRENT_PLAN, by, at, why, expected_version, plan=plan
        )

    def record_review(
        self,
        review: Review,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Record a review that was held."""
        return self._change(CaseAction.RECORD_REVIEW, by, at, why, expected_version, review=review)

    def record_event(
        self,
        event: CareEvent,
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = "",
        expected_version: int | None = None,
    ) -> CaseChange:
        """Record an event in the client's care or claim (an admission, a change of risk
        tier, a Rehabilitation Code step)."""
        return self._change(
            CaseAction.RECORD_EVENT, by, at, why, expected_version, care_event=event
        )

    # -- the machinery ------------------------------------------------------------------------

    def _check(self, action: CaseAction, expected_version: int | None) -> None:
        if expected_version is not None and expected_version != self.version:
            raise ConcurrencyError(self.id, expected=expected_version, actual=self.version)
        _check_allowed(self, action)

    def _change(
        self,
        action: CaseAction,
        by: ActorId,
        at: pendulum.DateTime,
        why: str,
        expected_version: int | None,
        **payload: Any,
    ) -> CaseChange:
        self._check(action, expected_version)
        event = CaseEvent(
            case_id=self.id,
            version=self.version + 1,
            action=action,
            by=by,
            at=at,
            from_status=self.status,
            to_status=TRANSITIONS[action].target or self.status,
            why=why,
            **payload,
        )
        return CaseChange(_apply(self, event), event)


_STARTS = frozenset({CaseAction.REFER, CaseAction.REOPEN})
_STATUS_ONLY = frozenset(
    {
        CaseAction.START_SCREENING,
        CaseAction.START_ASSESSMENT,
        CaseAction.START_PLANNING,
        CaseAction.ACTIVATE,
        CaseAction.PUT_ON_HOLD,
        CaseAction.RESUME,
        CaseAction.START_CLOSING,
    }
)
_NEEDS_PLAN = frozenset({CaseAction.ACTIVATE, CaseAction.RESUME})


def _check_allowed(case: Case, action: CaseAction) -> None:
    row = TRANSITIONS[action]
    if case.status not in row.sources:
        raise InvalidTransitionError(
            "Case",
            action.value,
            case.status.value,
            sorted(s.value for s in row.sources),
            [a.value for a in case.allowed_actions],
        )
    missing = ""
    if action in _NEEDS_PLAN and not case.plans:
        missing = "without a care plan"
    elif action is CaseAction.START_PLANNING and not case.assessments:
        missing = "without an assessment"
    elif action is CaseAction.CLOSE and _live_interventions(case):
        missing = "with live interventions"
    if missing:
        raise InvalidTransitionError(
            "Case",
            action.value,
            f"{case.status.value} {missing}",
            sorted(s.value for s in row.sources),
            [a.value for a in case.allowed_actions if a is not action],
        )


def _live_interventions(case: Case) -> bool:
    current = case.current_plan
    return current is not None and any(i.is_live for i in current.interventions)


# How many events of a history are already known to be valid: the history of the case a
# change is applied to was checked when that case was built, so building the next case need
# only check the new event against the last (replaying n events is then linear, not
# quadratic). Set only around the construction in _apply.
_CHECKED_HISTORY: ContextVar[int] = ContextVar("casemgmt_checked_history", default=0)


def _start(event: CaseEvent) -> Case:
    # The payload of a starting event is complete (CaseEvent's invariants).
    assert event.client_id is not None
    assert event.programme is not None
    assert event.referral is not None
    case = Case(
        id=event.case_id,
        client_id=event.client_id,
        programme=event.programme,
        status=event.to_status,
        opened_on=event.on,
        referrals=(event.referral,),
        manager_id=event.manager_id,
        team_id=event.team_id,
        previous_case_id=event.previous_case_id,
        history=(event,),
    )
    if event.action is CaseAction.REOPEN and event.referral.is_pending:
        # The returning client is accepted straight away, so the new episode's referral is too.
        case = attrs.evolve(case, referrals=(event.referral.accept(event.on),))
    return case


def _apply(case: Case, event: CaseEvent) -> Case:
    """The case after ``event``: the one place a change takes effect, for the methods and
    for :meth:`Case.replay` alike."""
    action = event.action
    if action in _STARTS:
        raise InvariantError(
            "Case", [problem("history", "second_start", "only the first event starts a case")]
        )
    _check_allowed(case, action)
    changes: dict[str, Any] = {"status": event.to_status, "history": (*case.history, event)}
    if action is CaseAction.ACCEPT or action is CaseAction.ASSIGN:
        changes["manager_id"] = event.manager_id
        changes["team_id"] = event.team_id or case.team_id
        if action is CaseAction.ACCEPT:
            changes["referrals"] = tuple(
                r.accept(event.on) if r.is_pending else r for r in case.referrals
            )
    elif action is CaseAction.DECLINE:
        assert event.referral_outcome is not None
        outcome = event.referral_outcome
        changes["referrals"] = tuple(
            r.turn_down(outcome, event.on, event.why) if r.is_pending else r for r in case.referrals
        )
    elif action is CaseAction.CLOSE:
        changes["closure"] = event.closure
        changes["closed_on"] = event.on
    elif action is CaseAction.ADD_REFERRAL:
        changes["referrals"] = (*case.referrals, event.referral)
    elif action is CaseAction.RECORD_ASSESSMENT:
        changes["assessments"] = (*case.assessments, event.assessment)
    elif action is CaseAction.RECORD_REVIEW:
        changes["reviews"] = (*case.reviews, event.review)
    elif action is CaseAction.RECORD_EVENT:
        changes["events"] = (*case.events, event.care_event)
    elif action is CaseAction.ADOPT_PLAN:
        current = case.current_plan
        history = case.plans
        if current is not None and current.status in _LIVE_PLAN:
            history = (*history[:-1], current.supersede())
        changes["plans"] = (*history, event.plan)
    elif action is CaseAction.REPLACE_CURRENT_PLAN:
        if not case.plans:
            raise InvalidTransitionError(
                "Case", action.value, f"{case.status.value} without a care plan"
            )
        changes["plans"] = (*case.plans[:-1], event.plan)
    else:
        assert action in _STATUS_ONLY
    token = _CHECKED_HISTORY.set(len(case.history))
    try:
        return attrs.evolve(case, **changes)
    finally:
        _CHECKED_HISTORY.reset(token)


def _case_invariants(case: Case) -> Iterator[Problem]:
    yield from id_problems("id", case.id)
    if not case.programme.strip():
        yield problem("programme", "empty", "must name the programme")
    if not case.referrals:
        yield problem("referrals", "empty", "a case starts from at least one referral")
    if case.status.is_open and case.manager_id is None:
        yield problem("manager_id", "required", "an open case needs an accountable case manager")
    if case.status is CaseStatus.CLOSED and case.closed_on is None:
        yield problem("closed_on", "required", "a closed case needs its closing date")
    if case.status is not CaseStatus.CLOSED and case.closed_on is not None:
        yield problem("closed_on", "unexpected", "only a closed case has a closing date")
    if case.closed_on is not None and case.closed_on < case.opened_on:
        yield problem("closed_on", "before_start", "is before the case was opened")
    if case.previous_case_id is not None and case.previous_case_id == case.id:
        yield problem("previous_case_id", "self_reference", "must name an earlier episode")
    yield from duplicates("referrals", [r.id for r in case.referrals])
    yield from duplicates("assessments", [a.id for a in case.assessments])
    yield from duplicates("reviews", [r.id for r in case.reviews])
    about_client: tuple[tuple[str, tuple[Referral | Assessment | CarePlan, ...]], ...] = (
        ("referrals", case.referrals),
        ("assessments", case.assessments),
        ("plans", case.plans),
    )
    for name, items in about_client:
        for index, item in enumerate(items):
            if item.client_id != case.client_id:
                yield problem(f"{name}[{index}].client_id", "other_client", "is another client")
    for index in range(1, len(case.plans)):
        if case.plans[index].version <= case.plans[index - 1].version:
            yield problem(f"plans[{index}].version", "not_increasing", "must exceed the previous")
    for index, plan in enumerate(case.plans[:-1]):
        if plan.status in _LIVE_PLAN:
            yield problem(
                f"plans[{index}].status", "superseded_live", "only the latest plan may be live"
            )
    closed = case.status is CaseStatus.CLOSED
    if closed and case.closure is None:
        yield problem("closure", "required", "a closed case says why it was closed")
    if not closed and case.closure is not None:
        yield problem("closure", "unexpected", "only a closed case has a closure")
    current = case.current_plan
    if closed and current is not None:
        for index, intervention in enumerate(current.interventions):
            if intervention.is_live:
                where = f"plans[{len(case.plans) - 1}].interventions[{index}].status"
                yield problem(where, "live_at_closure", "must end before the case closes")
    yield from _history_problems(case)


def _history_problems(case: Case) -> Iterator[Problem]:
    history = case.history
    first = min(_CHECKED_HISTORY.get(), len(history))
    previous: CaseEvent | None = history[first - 1] if first else None
    for index in range(first, len(history)):
        event = history[index]
        where = f"history[{index}]"
        if event.version != index + 1:
            yield problem(f"{where}.version", "out_of_sequence", f"must be {index + 1}")
        if event.case_id != case.id:
            yield problem(f"{where}.case_id", "other_case", "is another case's event")
        if previous is not None:
            if event.action in _STARTS:
                yield problem(f"{where}.action", "second_start", "only the first event starts")
            if event.from_status is not previous.to_status:
                yield problem(
                    f"{where}.from_status", "broken_chain", "is not the state left by the last"
                )
            if instant_key(event.at) < instant_key(previous.at):
                yield problem(f"{where}.at", "before_previous", "is before the previous event")
        previous = event
    if previous is not None and previous.to_status is not case.status:
        yield problem("status", "not_in_history", "differs from the state the history ends in")


@attrs.frozen(kw_only=True)
class CaseRecord(Validated):
    """A case with every entity it refers to: the document a host stores, exchanges or
    exports (FHIR ``Bundle``), and what ``make demo`` loads.

    Invariants: the client is the case's client, and every id the case uses (referral
    sources, case managers, providers, funding streams) resolves to an entity of the record.
    """

    case: Case
    client: Client
    referral_sources: tuple[ReferralSource, ...] = ()
    case_managers: tuple[CaseManager, ...] = ()
    providers: tuple[Provider, ...] = ()
    funding_streams: tuple[FundingStream, ...] = ()

    def _invariants(self) -> Iterator[Problem]:
        if self.client.id != self.case.client_id:
            yield problem("case.client_id", "other_client", "is not the record's client")
        yield from duplicates("referral_sources", [s.id for s in self.referral_sources])
        yield from duplicates("case_managers", [m.id for m in self.case_managers])
        yield from duplicates("providers", [p.id for p in self.providers])
        yield from duplicates("funding_streams", [f.id for f in self.funding_streams])
        sources = {s.id for s in self.referral_sources}
        managers = {m.id for m in self.case_managers}
        providers = {p.id for p in self.providers}
        streams = {f.id for f in self.funding_streams}
        case = self.case
        for index, referral in enumerate(case.referrals):
            if referral.source_id not in sources:
                yield _unresolved(f"case.referrals[{index}].source_id", "referral source")
        if case.manager_id is not None and case.manager_id not in managers:
            yield _unresolved("case.manager_id", "case manager")
        for index, assessment in enumerate(case.assessments):
            if assessment.performed_by is not None and assessment.performed_by not in managers:
                yield _unresolved(f"case.assessments[{index}].performed_by", "case manager")
        for p_index, plan in enumerate(case.plans):
            for i_index, intervention in enumerate(plan.interventions):
                where = f"case.plans[{p_index}].interventions[{i_index}]"
                if intervention.provider_id not in providers:
                    yield _unresolved(f"{where}.provider_id", "provider")
                stream = intervention.funding_stream_id
                if stream is not None and stream not in streams:
                    yield _unresolved(f"{where}.funding_stream_id", "funding stream")

    def case_manager(self) -> CaseManager | None:
        """The accountable case manager's record, if one is assigned."""
        for manager in self.case_managers:
            if manager.id == self.case.manager_id:
                return manager
        return None

    def with_case(self, case: Case) -> CaseRecord:
        """Return the record holding a new state of the case."""
        return attrs.evolve(self, case=case)


def _unresolved(path: str, what: str) -> Problem:
    return problem(path, "unresolved_reference", f"names no {what} in this record")
