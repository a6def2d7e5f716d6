"""The case life cycle: the transition table, the domain events a case's history is made of,
and the closure record.

Every change to a :class:`~casemgmt.model.Case` goes through an intent-named method
(``case.accept(...)``, ``case.close(...)``) that returns a :class:`CaseChange`: the new case and
the :class:`CaseEvent` recording who made the change, when, why, and what changed. The case
keeps every event in its append-only ``history``; its ``version`` is the number of events, and
:meth:`Case.replay <casemgmt.model.Case.replay>` rebuilds an equal case from them.

>>> TRANSITIONS[CaseAction.CLOSE].sources
frozenset({<CaseStatus.CLOSING: 'closing'>})
>>> [a.value for a in allowed_actions(CaseStatus.ON_HOLD) if TRANSITIONS[a].target]
['resume', 'start_closing']
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Mapping

import attrs
import pendulum

from casemgmt.errors import Problem
from casemgmt.model._base import Validated, problem
from casemgmt.model.assessment import Assessment
from casemgmt.model.codes import (
    CaseAction,
    CaseStatus,
    ClosureReason,
    DischargeDestination,
    ReferralOutcome,
)
from casemgmt.model.plan import CarePlan
from casemgmt.model.referral import _CLOSED_OUTCOMES as _TURN_DOWNS
from casemgmt.model.referral import Referral
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

__all__ = [
    "TRANSITIONS",
    "CaseEvent",
    "Closure",
    "StatusPeriod",
    "Transition",
    "allowed_actions",
]

_S = CaseStatus
_A = CaseAction


@attrs.frozen(kw_only=True)
class Transition:
    """One row of the transition table.

    Attributes:
        action: The change.
        sources: The states it may be made in (empty for :attr:`~CaseAction.REFER`, which
            starts a case).
        target: The state it leads to; ``None`` when the change records something and the
            state stays as it is.
        guard: What else must hold, in words (``""`` when nothing does).
    """

    action: CaseAction
    sources: frozenset[CaseStatus]
    target: CaseStatus | None
    guard: str = ""


_NON_TERMINAL = frozenset(s for s in CaseStatus if not s.is_terminal)
_OPEN = frozenset(s for s in CaseStatus if s.is_open)


def _row(
    action: CaseAction,
    sources: frozenset[CaseStatus] | set[CaseStatus],
    target: CaseStatus | None,
    guard: str = "",
) -> tuple[CaseAction, Transition]:
    return action, Transition(action=action, sources=frozenset(sources), target=target, guard=guard)


TRANSITIONS: Mapping[CaseAction, Transition] = types.MappingProxyType(
    dict(
        (
            _row(_A.REFER, set(), _S.REFERRED, "starts a case from a referral"),
            _row(_A.START_SCREENING, {_S.REFERRED}, _S.SCREENING),
            _row(
                _A.ACCEPT,
                {_S.REFERRED, _S.SCREENING},
                _S.ACCEPTED,
                "names the accountable case manager (C6); accepts the pending referrals",
            ),
            _row(
                _A.DECLINE,
                {_S.REFERRED, _S.SCREENING},
                _S.DECLINED,
                "records why: ineligible, inappropriate, duplicate or withdrawn (E7)",
            ),
            _row(_A.START_ASSESSMENT, {_S.ACCEPTED}, _S.ASSESSMENT),
            _row(_A.START_PLANNING, {_S.ASSESSMENT}, _S.PLANNING, "an assessment is recorded"),
            _row(_A.ACTIVATE, {_S.PLANNING}, _S.ACTIVE, "a care plan is adopted"),
            _row(_A.PUT_ON_HOLD, {_S.ACTIVE}, _S.ON_HOLD),
            _row(_A.RESUME, {_S.ON_HOLD, _S.CLOSING}, _S.ACTIVE, "a care plan is adopted"),
            _row(
                _A.START_CLOSING,
                {_S.ACCEPTED, _S.ASSESSMENT, _S.PLANNING, _S.ACTIVE, _S.ON_HOLD},
                _S.CLOSING,
            ),
            _row(
                _A.CLOSE,
                {_S.CLOSING},
                _S.CLOSED,
                "records the closure reason (X1); no intervention is still live",
            ),
            _row(
                _A.REOPEN,
                {_S.CLOSED},
                _S.ACCEPTED,
                "opens a new episode linked to this one (X4); not after a death",
            ),
            _row(_A.ASSIGN, _NON_TERMINAL, None, "hands the case to a case manager (C6, C7)"),
            _row(_A.ADD_REFERRAL, _NON_TERMINAL, None, "a referral for the same client"),
            _row(_A.RECORD_ASSESSMENT, _OPEN, None),
            _row(
                _A.ADOPT_PLAN,
                {_S.ASSESSMENT, _S.PLANNING, _S.ACTIVE, _S.ON_HOLD},
                None,
                "a new plan version; the previous one is kept, superseded (P3)",
            ),
            _row(
                _A.REPLACE_CURRENT_PLAN,
                {_S.PLANNING, _S.ACTIVE, _S.ON_HOLD, _S.CLOSING},
                None,
                "an edit of the current plan version",
            ),
            _row(_A.RECORD_REVIEW, _OPEN, None),
            _row(_A.RECORD_EVENT, _NON_TERMINAL, None),
        )
    )
)
"""The case life cycle, one :class:`Transition` per :class:`~casemgmt.model.CaseAction`:
the states each change may be made in, the state it leads to, and its guard. The life-cycle
diagram in the docs is drawn from this table."""


def allowed_actions(status: CaseStatus) -> tuple[CaseAction, ...]:
    """The actions a case in ``status`` allows, in the order of :class:`CaseAction`.

    >>> [a.value for a in allowed_actions(CaseStatus.CLOSED)]
    ['reopen']
    """
    return tuple(a for a in CaseAction if status in TRANSITIONS[a].sources)


@attrs.frozen(kw_only=True)
class Closure(Validated):
    """Why and how a case was closed (X1-X3, E7).

    Attributes:
        reason: The closure reason.
        destination: Where the person went, for :attr:`~ClosureReason.CARE_OPTIMISED`
            (and only for it).
        decided_by_mdt: The decision was made by the multidisciplinary team (X2).
        client_consulted: The client took part in the decision (X2).
        carer_consulted: The client's carer took part in the decision (X2).
        letter_sent_on: When the decision was explained to the client in writing (X3).
        note: Free text; never shown in ``repr``.

    >>> Closure(reason=ClosureReason.CARE_OPTIMISED)
    Traceback (most recent call last):
    ...
    casemgmt.errors.InvariantError: invalid Closure: destination: care optimised needs ...
    """

    reason: ClosureReason
    destination: DischargeDestination | None = None
    decided_by_mdt: bool = False
    client_consulted: bool = False
    carer_consulted: bool = False
    letter_sent_on: pendulum.Date | None = None
    note: str = attrs.field(default="", repr=False)

    def _invariants(self) -> Iterator[Problem]:
        optimised = self.reason is ClosureReason.CARE_OPTIMISED
        if optimised and self.destination is None:
            yield problem(
                "destination", "required", "care optimised needs where the person goes next"
            )
        if not optimised and self.destination is not None:
            yield problem(
                "destination", "unexpected", "only a care-optimised closure names a destination"
            )


# Which payload fields each action carries: required, then optional. Every other payload
# field must be None, so an event says exactly what its action changed.
_PAYLOAD: Mapping[CaseAction, tuple[tuple[str, ...], tuple[str, ...]]] = {
    _A.REFER: (("client_id", "programme", "referral"), ("manager_id", "team_id")),
    _A.START_SCREENING: ((), ()),
    _A.ACCEPT: (("manager_id",), ("team_id",)),
    _A.DECLINE: (("referral_outcome",), ()),
    _A.START_ASSESSMENT: ((), ()),
    _A.START_PLANNING: ((), ()),
    _A.ACTIVATE: ((), ()),
    _A.PUT_ON_HOLD: ((), ()),
    _A.RESUME: ((), ()),
    _A.START_CLOSING: ((), ()),
    _A.CLOSE: (("closure",), ()),
    _A.REOPEN: (
        ("client_id", "programme", "referral", "manager_id", "previous_case_id"),
        ("team_id",),
    ),
    _A.ASSIGN: (("manager_id",), ("team_id",)),
    _A.ADD_REFERRAL: (("referral",), ()),
    _A.RECORD_ASSESSMENT: (("assessment",), ()),
    _A.ADOPT_PLAN: (("plan",), ()),
    _A.REPLACE_CURRENT_PLAN: (("plan",), ()),
    _A.RECORD_REVIEW: (("review",), ()),
    _A.RECORD_EVENT: (("care_event",), ()),
}
_PAYLOAD_FIELDS = (
    "client_id",
    "programme",
    "previous_case_id",
    "referral",
    "manager_id",
    "team_id",
    "referral_outcome",
    "assessment",
    "plan",
    "review",
    "care_event",
    "closure",
)

# The case fields each action changes (besides the status, listed when it changes).
_CHANGES: Mapping[CaseAction, tuple[str, ...]] = {
    _A.REFER: ("id", "client_id", "programme", "opened_on", "referrals", "manager_id", "team_id"),
    _A.ACCEPT: ("manager_id", "team_id", "referrals"),
    _A.DECLINE: ("referrals",),
    _A.CLOSE: ("closure", "closed_on"),
    _A.REOPEN: (
        "id",
        "client_id",
        "programme",
        "opened_on",
        "referrals",
        "manager_id",
        "team_id",
        "previous_case_id",
    ),
    _A.ASSIGN: ("manager_id", "team_id"),
    _A.ADD_REFERRAL: ("referrals",),
    _A.RECORD_ASSESSMENT: ("assessments",),
    _A.ADOPT_PLAN: ("plans",),
    _A.REPLACE_CURRENT_PLAN: ("plans",),
    _A.RECORD_REVIEW: ("reviews",),
    _A.RECORD_EVENT: ("events",),
}


@attrs.frozen(kw_only=True)
class CaseEvent(Validated):
    """One change to a case: the audit record of who did what, when and why.

    A case's ``history`` is the list of its events, oldest first; event ``n`` took the case
    to version ``n``. The payload fields hold what the change brought in (the referral, the
    manager, the plan version, the closure ...): exactly those its action needs, every other
    one ``None``.

    Attributes:
        case_id: The case changed.
        version: The case's version after this change (1 for the first event).
        action: What was done.
        by: Who did it (a case manager's, a team's or a system's id).
        at: When, as an aware instant.
        from_status: The case's state before (``None`` when the event starts a case).
        to_status: The case's state after.
        why: Free-text reason; never shown in ``repr``.
        client_id: The client (starting events).
        programme: The programme key (starting events).
        previous_case_id: The earlier episode a re-opened case continues (X4).
        referral: The referral that starts the case or is added to it.
        manager_id: The accountable case manager from now on (C6).
        team_id: Their team, if any.
        referral_outcome: Why a referral was declined (E7).
        assessment: The assessment recorded.
        plan: The plan version adopted or the edited current version (P3).
        review: The review recorded.
        care_event: The care event recorded.
        closure: The closure record (X1-X3).
    """

    case_id: CaseId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    version: int = attrs.field(
        metadata={"schema": {"minimum": 1, "description": "At least 1 (invariant: not_positive)."}}
    )
    action: CaseAction
    by: ActorId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    at: pendulum.DateTime = attrs.field(eq=instant_key)
    from_status: CaseStatus | None
    to_status: CaseStatus
    why: str = attrs.field(default="", repr=False)
    client_id: ClientId | None = None
    programme: str | None = None
    previous_case_id: CaseId | None = None
    referral: Referral | None = None
    manager_id: CaseManagerId | None = None
    team_id: TeamId | None = None
    referral_outcome: ReferralOutcome | None = None
    assessment: Assessment | None = None
    plan: CarePlan | None = None
    review: Review | None = None
    care_event: CareEvent | None = None
    closure: Closure | None = None

    def _invariants(self) -> Iterator[Problem]:
        yield from id_problems("case_id", self.case_id)
        yield from id_problems("by", self.by)
        if self.version < 1:
            yield problem("version", "not_positive", "must be at least 1")
        required, optional = _PAYLOAD[self.action]
        for name in _PAYLOAD_FIELDS:
            present = getattr(self, name) is not None
            if name in required and not present:
                yield problem(name, "required", f"a {self.action.value} event needs it")
            elif present and name not in required and name not in optional:
                yield problem(name, "unexpected", f"a {self.action.value} event has none")
        starts = self.action in (_A.REFER, _A.REOPEN)
        if starts and self.version != 1:
            yield problem("version", "not_first", "an event that starts a case is version 1")
        if self.action is _A.REFER and self.from_status is not None:
            yield problem("from_status", "unexpected", "a referral starts the case")
        if not starts and self.from_status is None:
            yield problem("from_status", "required", "names the state the case was in")
        row = TRANSITIONS[self.action]
        if row.target is not None and self.to_status is not row.target:
            yield problem("to_status", "wrong_target", f"{self.action.value} leads elsewhere")
        if row.target is None and self.to_status is not self.from_status:
            yield problem("to_status", "changed", f"{self.action.value} keeps the state")
        if self.referral_outcome is not None and self.referral_outcome not in _TURN_DOWNS:
            yield problem(
                "referral_outcome",
                "not_a_turn_down",
                "must be ineligible, inappropriate, duplicate or withdrawn",
            )

    @property
    def changes(self) -> tuple[str, ...]:
        """The names of the case fields this event changed.

        >>> from casemgmt.model import ActorId, CaseId
        >>> CaseEvent(
        ...     case_id=CaseId("C-1"), version=4, action=CaseAction.PUT_ON_HOLD,
        ...     by=ActorId("CM-1"), at=pendulum.datetime(2026, 3, 2, 9, tz="Europe/London"),
        ...     from_status=CaseStatus.ACTIVE, to_status=CaseStatus.ON_HOLD,
        ... ).changes
        ('status',)
        """
        status = () if self.from_status is self.to_status else ("status",)
        return status + _CHANGES.get(self.action, ())

    @property
    def on(self) -> pendulum.Date:
        """The calendar day of :attr:`at`, in the instant's own time zone."""
        return self.at.date()


def _optional_instant_key(moment: pendulum.DateTime | None) -> object:
    return None if moment is None else instant_key(moment)


@attrs.frozen(kw_only=True)
class StatusPeriod:
    """How long a case was in one state (FHIR ``EpisodeOfCare.statusHistory``).

    Attributes:
        status: The state.
        start: When the case entered it.
        end: When it left it; ``None`` while it is still in it.
    """

    status: CaseStatus
    start: pendulum.DateTime = attrs.field(eq=instant_key)
    end: pendulum.DateTime | None = attrs.field(eq=_optional_instant_key)
