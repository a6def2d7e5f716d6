"""Care plans, goals and interventions (rules P1-P9; FHIR ``CarePlan`` and ``Goal``).

A care plan is a live document (P3): :meth:`CarePlan.revise` returns the next version, and
the case keeps every earlier one. Goals separate *lifecycle* (is it pursued?) from
*achievement* (how is it going?) exactly as FHIR ``Goal`` does, and may carry a Goal
Attainment Scale (O4).

>>> from casemgmt.model.values import GoalId
>>> goal = Goal(
...     id=GoalId("G1"),
...     description="Walk to the corner shop",
...     domain=GoalDomain.INDEPENDENCE,
...     start=pendulum.Date(2026, 1, 5),
...     target="Walks 400 m with a stick",
...     due=pendulum.Date(2026, 4, 5),
... )
>>> goal.activate().lifecycle_status
<GoalLifecycleStatus.ACTIVE: 'active'>
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import InvalidTransitionError, Problem
from casemgmt.model._base import Validated, duplicates, problem
from casemgmt.model.codes import (
    AgreementParty,
    CarePlanStatus,
    Discipline,
    GoalAchievementStatus,
    GoalDomain,
    GoalLifecycleStatus,
    GoalPriority,
    InterventionCategory,
    InterventionStatus,
    StaffingModel,
)
from casemgmt.model.values import (
    ID_PATTERN,
    CarePlanId,
    ClientId,
    DateRange,
    Frequency,
    FundingStreamId,
    GoalId,
    InterventionId,
    Money,
    ProviderId,
    id_problems,
    instant_key,
)

__all__ = [
    "CarePlan",
    "ClientAgreement",
    "GasScale",
    "Goal",
    "Intervention",
    "OnwardReferral",
    "SpendApproval",
]

GAS_LEVELS = (-2, -1, 0, 1, 2)


@attrs.frozen(kw_only=True)
class GasScale(Validated):
    """A Goal Attainment Scale for one goal (Kiresuk and Sherman 1968; Turner-Stokes 2009).

    Five levels, each described in observable terms: ``-2`` much less than expected, ``-1``
    somewhat less, ``0`` the expected outcome, ``+1`` somewhat more, ``+2`` much more.
    ``baseline`` is the level at the start (usually -1, or -2 when deterioration is not
    possible); ``attained`` the level scored at review. ``weight`` is the goal's weight in
    the T-score (importance x difficulty in Turner-Stokes' scheme; 1 when unweighted).
    """

    much_less: str = attrs.field(
        metadata={"schema": {"pattern": r"\S", "description": "Not blank (invariant: empty)."}}
    )
    somewhat_less: str = attrs.field(
        metadata={"schema": {"pattern": r"\S", "description": "Not blank (invariant: empty)."}}
    )
    expected: str = attrs.field(
        metadata={"schema": {"pattern": r"\S", "description": "Not blank (invariant: empty)."}}
    )
    somewhat_more: str = attrs.field(
        metadata={"schema": {"pattern": r"\S", "description": "Not blank (invariant: empty)."}}
    )
    much_more: str = attrs.field(
        metadata={"schema": {"pattern": r"\S", "description": "Not blank (invariant: empty)."}}
    )
    baseline: int = attrs.field(
        default=-1,
        metadata={
            "schema": {
                "minimum": -2,
                "maximum": -1,
                "description": "-2 or -1 (invariant: out_of_range).",
            }
        },
    )
    attained: int | None = attrs.field(
        default=None,
        metadata={
            "schema": {
                "minimum": -2,
                "maximum": 2,
                "description": "A GAS level, -2 to 2 (O4; invariant: out_of_range).",
            }
        },
    )
    weight: int = attrs.field(
        default=1,
        metadata={"schema": {"minimum": 1, "description": "At least 1 (invariant: not_positive)."}},
    )

    def _invariants(self) -> Iterator[Problem]:
        descriptions = [
            self.much_less,
            self.somewhat_less,
            self.expected,
            self.somewhat_more,
            self.much_more,
        ]
        names = ("much_less", "somewhat_less", "expected", "somewhat_more", "much_more")
        for name, text in zip(names, descriptions, strict=True):
            if not text.strip():
                yield problem(name, "empty", "every level needs a description")
        if len({d.strip().casefold() for d in descriptions}) < len(descriptions):
            yield problem("expected", "not_distinct", "the five levels must differ")
        if self.baseline not in (-2, -1):
            yield problem("baseline", "out_of_range", "must be -2 or -1")
        if self.attained is not None and self.attained not in GAS_LEVELS:
            yield problem("attained", "out_of_range", "must be one of -2, -1, 0, 1, 2")
        if self.weight < 1:
            yield problem("weight", "not_positive", "must be at least 1")

    @applies("O4")
    def score(self, level: int) -> GasScale:
        """Return the scale with ``level`` recorded as attained."""
        return attrs.evolve(self, attained=level)


_PURSUED = frozenset(
    {
        GoalLifecycleStatus.PROPOSED,
        GoalLifecycleStatus.PLANNED,
        GoalLifecycleStatus.ACCEPTED,
        GoalLifecycleStatus.ACTIVE,
        GoalLifecycleStatus.ON_HOLD,
    }
)


@attrs.frozen(kw_only=True)
class Goal(Validated):
    """A goal of the plan.

    ``target`` states the measurable target and ``due`` when it should be met (P6).
    ``self_managed`` marks a goal the client pursues without a commissioned service (P8).

    Invariants: ``due`` is not before ``start``; ``status_date`` is not before ``start``.
    """

    id: GoalId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    description: str = attrs.field(
        repr=False,
        metadata={"schema": {"pattern": r"\S", "description": "Not blank (invariant: empty)."}},
    )
    domain: GoalDomain
    start: pendulum.Date
    lifecycle_status: GoalLifecycleStatus = GoalLifecycleStatus.PROPOSED
    achievement_status: GoalAchievementStatus | None = None
    priority: GoalPriority | None = None
    target: str | None = attrs.field(default=None, repr=False)
    due: pendulum.Date | None = None
    self_managed: bool = False
    gas: GasScale | None = None
    status_date: pendulum.Date | None = None

    def _invariants(self) -> Iterator[Problem]:
        yield from id_problems("id", self.id)
        if not self.description.strip():
            yield problem("description", "empty", "must not be empty")
        if self.due is not None and self.due < self.start:
            yield problem("due", "before_start", "is before the goal's start")
        if self.status_date is not None and self.status_date < self.start:
            yield problem("status_date", "before_start", "is before the goal's start")

    @property
    def is_pursued(self) -> bool:
        """True while the goal is proposed, planned, accepted, active or on hold."""
        return self.lifecycle_status in _PURSUED

    def _move(
        self,
        action: str,
        to: GoalLifecycleStatus,
        on: pendulum.Date | None = None,
        achievement: GoalAchievementStatus | None = None,
    ) -> Goal:
        if self.lifecycle_status not in _PURSUED:
            raise InvalidTransitionError(
                "Goal", action, self.lifecycle_status.value, sorted(s.value for s in _PURSUED)
            )
        return attrs.evolve(
            self,
            lifecycle_status=to,
            status_date=on or self.status_date,
            achievement_status=achievement or self.achievement_status,
        )

    def activate(self) -> Goal:
        """Return the goal being actively pursued."""
        return self._move("activate", GoalLifecycleStatus.ACTIVE)

    def hold(self) -> Goal:
        """Return the goal put on hold."""
        return self._move("hold", GoalLifecycleStatus.ON_HOLD)

    def complete(self, on: pendulum.Date, achievement: GoalAchievementStatus) -> Goal:
        """Return the goal completed on ``on`` with its final achievement status."""
        return self._move("complete", GoalLifecycleStatus.COMPLETED, on, achievement)

    def cancel(self, on: pendulum.Date) -> Goal:
        """Return the goal no longer pursued."""
        return self._move("cancel", GoalLifecycleStatus.CANCELLED, on)

    @applies("M5")
    def record_progress(self, achievement: GoalAchievementStatus, on: pendulum.Date) -> Goal:
        """Return the goal with a new achievement status recorded at a review."""
        return attrs.evolve(self, achievement_status=achievement, status_date=on)

    @applies("O4")
    def score_attainment(self, level: int, on: pendulum.Date) -> Goal:
        """Return the goal with its GAS level scored (the goal needs a :class:`GasScale`)."""
        if self.gas is None:
            raise InvalidTransitionError("Goal", "score_attainment", "without a GAS scale")
        return attrs.evolve(self, gas=self.gas.score(level), status_date=on)


@attrs.frozen(kw_only=True)
class SpendApproval(Validated):
    """A recorded approval for a commitment above a stream's spend authority (F2)."""

    approved_by: str = attrs.field(
        metadata={"schema": {"pattern": r"\S", "description": "Not blank (invariant: empty)."}}
    )
    approved_on: pendulum.Date
    reference: str | None = None

    def _invariants(self) -> Iterator[Problem]:
        if not self.approved_by.strip():
            yield problem("approved_by", "empty", "must name who approved")


_LIVE_INTERVENTION = frozenset(
    {
        InterventionStatus.NOT_STARTED,
        InterventionStatus.SCHEDULED,
        InterventionStatus.IN_PROGRESS,
        InterventionStatus.ON_HOLD,
    }
)


@attrs.frozen(kw_only=True)
class Intervention(Validated):
    """A service commissioned for the client: what, by whom, how often, for how long, at
    what cost and paid by which stream.

    ``frequency`` and ``end`` may be left empty in a draft; plan validation (P2) reports them.
    ``unit_cost`` is the cost of one occurrence.

    Invariants: the ids it names are identifiers; ``end`` is not before ``start``;
    ``unit_cost`` is not negative.
    """

    id: InterventionId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    category: InterventionCategory
    discipline: Discipline
    description: str = attrs.field(repr=False)
    provider_id: ProviderId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    goal_ids: frozenset[GoalId]
    start: pendulum.Date
    unit_cost: Money = attrs.field(
        metadata={
            "schema": {
                "properties": {"amount": {"pattern": r"^(?:[^-]|-0+(?:\.0+)?$)"}},
                "description": "Not negative (invariant: negative).",
            }
        }
    )
    frequency: Frequency | None = None
    end: pendulum.Date | None = None
    funding_stream_id: FundingStreamId | None = attrs.field(
        default=None, metadata={"schema": {"pattern": ID_PATTERN}}
    )
    status: InterventionStatus = InterventionStatus.NOT_STARTED
    staffing: StaffingModel | None = None
    approval: SpendApproval | None = None

    def _invariants(self) -> Iterator[Problem]:
        yield from id_problems("id", self.id)
        yield from id_problems("provider_id", self.provider_id)
        if self.funding_stream_id is not None:
            yield from id_problems("funding_stream_id", self.funding_stream_id)
        if self.end is not None and self.end < self.start:
            yield problem("end", "before_start", "is before the intervention's start")
        if self.unit_cost.is_negative:
            yield problem("unit_cost", "negative", "must not be negative")

    @property
    def dates(self) -> DateRange:
        """The days the intervention runs."""
        return DateRange(start=self.start, end=self.end)

    @property
    def is_live(self) -> bool:
        """True while not started, scheduled, in progress or on hold."""
        return self.status in _LIVE_INTERVENTION

    def weekly_cost(self) -> Money | None:
        """Average committed cost per week (``None`` while the frequency is unknown)."""
        if self.frequency is None:
            return None
        return self.unit_cost * self.frequency.per_week()

    @applies("M5")
    def extend(self, end: pendulum.Date) -> Intervention:
        """Return the intervention extended (or curtailed) to ``end`` (M5)."""
        return attrs.evolve(self, end=end)

    def stop(self, on: pendulum.Date) -> Intervention:
        """Return the intervention stopped, ending on ``on``."""
        if not self.is_live:
            raise InvalidTransitionError(
                "Intervention",
                "stop",
                self.status.value,
                sorted(s.value for s in _LIVE_INTERVENTION),
            )
        return attrs.evolve(self, status=InterventionStatus.STOPPED, end=on)


LONDON = pendulum.timezone("Europe/London")


@attrs.frozen(kw_only=True)
class ClientAgreement(Validated):
    """The record that the plan was agreed with the client (P1).

    ``agreed_at`` is the instant of agreement, timezone-aware; :attr:`agreed_on` is its
    calendar day in Europe/London.

    >>> ClientAgreement(agreed_at=pendulum.datetime(2026, 3, 28, 23, 30, tz="UTC")).agreed_on
    Date(2026, 3, 28)
    >>> ClientAgreement(agreed_at=pendulum.datetime(2026, 3, 29, 23, 30, tz="UTC")).agreed_on
    Date(2026, 3, 30)
    """

    agreed_at: pendulum.DateTime = attrs.field(eq=instant_key)
    agreed_by: AgreementParty = AgreementParty.CLIENT
    carer_involved: bool = False
    gp_involved: bool = False

    @property
    def agreed_on(self) -> pendulum.Date:
        """The day of agreement in Europe/London."""
        return self.agreed_at.in_timezone(LONDON).date()


@attrs.frozen(kw_only=True)
class OnwardReferral(Validated):
    """A referral made from the plan to another service, tracked until acknowledged (P5)."""

    to: str = attrs.field(
        metadata={"schema": {"pattern": r"\S", "description": "Not blank (invariant: empty)."}}
    )
    sent_on: pendulum.Date
    acknowledged_on: pendulum.Date | None = None
    goal_ids: frozenset[GoalId] = frozenset()

    def _invariants(self) -> Iterator[Problem]:
        if not self.to.strip():
            yield problem("to", "empty", "must name the service referred to")
        if self.acknowledged_on is not None and self.acknowledged_on < self.sent_on:
            yield problem("acknowledged_on", "before_start", "is before the referral was sent")

    @applies("P5")
    def acknowledge(self, on: pendulum.Date) -> OnwardReferral:
        """Return the referral acknowledged by the receiving service on ``on``."""
        return attrs.evolve(self, acknowledged_on=on)


_EDITABLE_PLAN = frozenset({CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD})


@attrs.frozen(kw_only=True)
class CarePlan(Validated):
    """One version of a client's care plan.

    ``next_review`` is the date the plan is next due to be reviewed (P3, M1); plan validation
    reports a plan in force without one.

    Invariants: goal and intervention ids are unique; every goal an intervention or onward
    referral names is a goal of this plan; ``version`` is at least 1; an agreement is not
    before the plan was created.
    """

    id: CarePlanId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    client_id: ClientId
    version: int = attrs.field(
        metadata={"schema": {"minimum": 1, "description": "At least 1 (invariant: not_positive)."}}
    )
    status: CarePlanStatus
    period: DateRange
    created_on: pendulum.Date
    goals: tuple[Goal, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    agreement: ClientAgreement | None = None
    onward_referrals: tuple[OnwardReferral, ...] = ()
    next_review: pendulum.Date | None = None

    def _invariants(self) -> Iterator[Problem]:
        yield from id_problems("id", self.id)
        if self.version < 1:
            yield problem("version", "not_positive", "must be at least 1")
        yield from duplicates("goals", [g.id for g in self.goals])
        yield from duplicates("interventions", [i.id for i in self.interventions])
        known = {g.id for g in self.goals}
        for index, intervention in enumerate(self.interventions):
            if not intervention.goal_ids <= known:
                yield problem(
                    f"interventions[{index}].goal_ids",
                    "unknown_goal",
                    "names a goal that is not in the plan",
                )
        for index, referral in enumerate(self.onward_referrals):
            if not referral.goal_ids <= known:
                yield problem(
                    f"onward_referrals[{index}].goal_ids",
                    "unknown_goal",
                    "names a goal that is not in the plan",
                )
        if self.agreement is not None and self.agreement.agreed_on < self.created_on:
            yield problem("agreement.agreed_at", "before_start", "is before the plan was created")
        if self.next_review is not None and self.next_review < self.created_on:
            yield problem("next_review", "before_start", "is before the plan was created")

    def goal(self, goal_id: GoalId) -> Goal:
        """The goal with ``goal_id`` (``KeyError`` when absent)."""
        for goal in self.goals:
            if goal.id == goal_id:
                return goal
        raise KeyError(goal_id)

    @applies("F4")
    def committed_weekly_cost(self) -> dict[FundingStreamId | None, Money]:
        """Weekly cost of live interventions with a known frequency, per funding stream."""
        totals: dict[FundingStreamId | None, Money] = {}
        for intervention in self.interventions:
            cost = intervention.weekly_cost()
            if cost is None or not intervention.is_live:
                continue
            key = intervention.funding_stream_id
            totals[key] = totals[key] + cost if key in totals else cost
        return totals

    def _require(self, action: str, allowed: frozenset[CarePlanStatus]) -> None:
        if self.status not in allowed:
            raise InvalidTransitionError(
                "CarePlan", action, self.status.value, sorted(s.value for s in allowed)
            )

    def add_goal(self, goal: Goal) -> CarePlan:
        """Return the plan with another goal."""
        self._require("add_goal", _EDITABLE_PLAN)
        return attrs.evolve(self, goals=(*self.goals, goal))

    def add_intervention(self, intervention: Intervention) -> CarePlan:
        """Return the plan with another intervention."""
        self._require("add_intervention", _EDITABLE_PLAN)
        return attrs.evolve(self, interventions=(*self.interventions, intervention))

    def replace_goal(self, goal: Goal) -> CarePlan:
        """Return the plan with the goal of the same id replaced by ``goal``."""
        self._require("replace_goal", _EDITABLE_PLAN)
        self.goal(goal.id)
        return attrs.evolve(self, goals=tuple(goal if g.id == goal.id else g for g in self.goals))

    @applies("P1")
    def record_agreement(self, agreement: ClientAgreement) -> CarePlan:
        """Return the plan with the client's agreement recorded (P1)."""
        self._require("record_agreement", frozenset({CarePlanStatus.DRAFT}))
        return attrs.evolve(self, agreement=agreement)

    @applies("P1")
    def activate(self) -> CarePlan:
        """Return the plan in force. The client's agreement must be recorded first (P1)."""
        self._require("activate", frozenset({CarePlanStatus.DRAFT, CarePlanStatus.ON_HOLD}))
        if self.agreement is None:
            raise InvalidTransitionError(
                "CarePlan", "activate", "not yet agreed with the client (P1)", ["agreed draft"]
            )
        return attrs.evolve(self, status=CarePlanStatus.ACTIVE)

    def hold(self) -> CarePlan:
        """Return the plan suspended."""
        self._require("hold", frozenset({CarePlanStatus.ACTIVE}))
        return attrs.evolve(self, status=CarePlanStatus.ON_HOLD)

    def complete(self) -> CarePlan:
        """Return the plan completed."""
        self._require("complete", frozenset({CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD}))
        return attrs.evolve(self, status=CarePlanStatus.COMPLETED)

    def schedule_review(self, on: pendulum.Date) -> CarePlan:
        """Return the plan with its next review due on ``on``."""
        return attrs.evolve(self, next_review=on)

    @applies("P1", "P3", "M5")
    def revise(self, on: pendulum.Date) -> CarePlan:
        """Return the next version of the plan: a draft created on ``on``, with the same
        content and no agreement yet (the revised plan is agreed afresh, P1 and P3). A next
        review date before ``on`` is dropped: the revision is that review.

        The case keeps this version in its history (:meth:`Case.adopt_plan`).
        """
        self._require("revise", _EDITABLE_PLAN)
        return attrs.evolve(
            self,
            version=self.version + 1,
            status=CarePlanStatus.DRAFT,
            created_on=on,
            agreement=None,
            next_review=self.next_review if self.next_review and self.next_review >= on else None,
        )

    @applies("P3")
    def supersede(self) -> CarePlan:
        """Return this version marked as replaced by a later one (FHIR status ``revoked``)."""
        self._require("supersede", _EDITABLE_PLAN)
        return attrs.evolve(self, status=CarePlanStatus.REVOKED)
