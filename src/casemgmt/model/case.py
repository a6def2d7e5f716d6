"""The case: the aggregate that ties a client's referrals, assessments and plan versions to
an accountable case manager; and the case record, a self-contained document of a case with
every entity it refers to.

>>> from casemgmt.model.codes import CaseStatus
>>> CaseStatus.ON_HOLD.is_open
True
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pendulum

from casemgmt.errors import InvalidTransitionError, Problem
from casemgmt.model._base import Validated, duplicates, problem
from casemgmt.model.assessment import Assessment
from casemgmt.model.client import Client
from casemgmt.model.codes import CareEventKind, CarePlanStatus, CaseStatus, RiskTier
from casemgmt.model.funding import FundingStream
from casemgmt.model.plan import CarePlan
from casemgmt.model.referral import Referral, ReferralSource
from casemgmt.model.review import CareEvent, Review
from casemgmt.model.values import CaseId, CaseManagerId, ClientId, TeamId, id_problems
from casemgmt.model.workforce import CaseManager, Provider

__all__ = ["Case", "CaseRecord"]

_LIVE_PLAN = frozenset({CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD})


@attrs.frozen(kw_only=True)
class Case(Validated):
    """A case-management episode for one client.

    ``plans`` holds every version of the care plan, oldest first; the last is the current one
    and only it may still be draft, active or on hold (P3). ``previous_case_id`` links a
    re-opened episode to the earlier one (X4). ``reviews`` are the reviews held and
    ``events`` what happened in the client's care or claim, in any order; the review
    schedule (:func:`casemgmt.services.next_review`) reads both.

    Invariants: an open case has an accountable case manager (C6); a closed case has a
    closing date, and only a closed one; every referral, assessment and plan is about this
    case's client; plan versions rise.
    """

    id: CaseId
    client_id: ClientId
    programme: str
    status: CaseStatus
    opened_on: pendulum.Date
    referrals: tuple[Referral, ...]
    manager_id: CaseManagerId | None = None
    team_id: TeamId | None = None
    assessments: tuple[Assessment, ...] = ()
    plans: tuple[CarePlan, ...] = ()
    closed_on: pendulum.Date | None = None
    previous_case_id: CaseId | None = None
    reviews: tuple[Review, ...] = ()
    events: tuple[CareEvent, ...] = ()

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

    def assign(self, manager_id: CaseManagerId, team_id: TeamId | None = None) -> Case:
        """Return the case with ``manager_id`` as its accountable case manager (C6, C7)."""
        if self.status is CaseStatus.CLOSED:
            raise InvalidTransitionError("Case", "assign", self.status.value)
        return attrs.evolve(self, manager_id=manager_id, team_id=team_id or self.team_id)

    def record_assessment(self, assessment: Assessment) -> Case:
        """Return the case with another assessment."""
        return attrs.evolve(self, assessments=(*self.assessments, assessment))

    def record_review(self, review: Review) -> Case:
        """Return the case with another review held."""
        return attrs.evolve(self, reviews=(*self.reviews, review))

    def record_event(self, event: CareEvent) -> Case:
        """Return the case with another event in the client's care or claim."""
        return attrs.evolve(self, events=(*self.events, event))

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

    def add_referral(self, referral: Referral) -> Case:
        """Return the case with another referral for the same client."""
        return attrs.evolve(self, referrals=(*self.referrals, referral))

    def adopt_plan(self, plan: CarePlan) -> Case:
        """Return the case with ``plan`` as its current plan version (P3).

        The previous version, if still live, is kept in the history marked as superseded.
        """
        current = self.current_plan
        history = self.plans
        if current is not None and current.status in _LIVE_PLAN:
            history = (*history[:-1], current.supersede())
        return attrs.evolve(self, plans=(*history, plan))

    def replace_current_plan(self, plan: CarePlan) -> Case:
        """Return the case with its current plan version replaced by ``plan`` (an edit of the
        same version: a goal added, the agreement recorded, the plan activated)."""
        if not self.plans:
            raise InvalidTransitionError("Case", "replace_current_plan", "without a plan")
        return attrs.evolve(self, plans=(*self.plans[:-1], plan))


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
