"""Eligibility: whether one referred person qualifies for a programme, with every reason
(E1-E9).

The decision is made in three steps, each kept visible in the result: the programme's
criteria give the *model's* answer; impactability exclusions (E4) are recorded apart from
ineligibility; a clinician's review confirms or overrides the answer with a recorded
reason (E2). Consent (E9), duplicate case management (E8) and the referral route (E7) are
not clinical judgements, so an override cannot set them aside.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import MismatchError, Problem
from casemgmt.model import (
    Case,
    CaseManagerId,
    Client,
    ClientId,
    ConsentScope,
    Referral,
    ReferralId,
    ReferralOutcome,
    ReferralSource,
    ReferralSourceKind,
)
from casemgmt.model._base import Validated, problem
from casemgmt.policies import (
    ConsentRecorded,
    Criterion,
    EligibilityFacts,
    EligibilityPolicy,
    NotAlreadyCaseManaged,
    Programme,
    ReferralSourceIn,
    RiskTier,
)
from casemgmt.rules import rule

__all__ = [
    "ClinicianReview",
    "CriterionOutcome",
    "CriterionStatus",
    "EligibilityDecision",
    "EligibilityStatus",
    "ExclusionOutcome",
    "ReviewDecision",
    "assess_eligibility",
    "decide_eligibility",
    "eligibility_facts",
]


class CriterionStatus(enum.Enum):
    """How one criterion came out. ``MISSING``: a fact it needs is not recorded, so it is
    not met, and the reason says so."""

    MET = "met"
    NOT_MET = "not-met"
    MISSING = "missing"


@attrs.frozen(kw_only=True)
class CriterionOutcome:
    """One criterion's outcome, with its rule.

    Attributes:
        key: The criterion's key (``"age"``, ``"predicted-risk"`` ...).
        rule_id: The rule it implements (:data:`casemgmt.rules.RULES`).
        status: Met, not met, or not decidable because a fact is missing.
        message: The criterion and its outcome in words, without personal data.
    """

    key: str
    rule_id: str
    status: CriterionStatus
    message: str

    @property
    def met(self) -> bool:
        """True when the criterion holds."""
        return self.status is CriterionStatus.MET

    @property
    def citation(self) -> str:
        """The sources of the rule."""
        return rule(self.rule_id).citation


@attrs.frozen(kw_only=True)
class ExclusionOutcome:
    """An impactability exclusion that applies to the person (E4)."""

    key: str
    reason: str
    rule_id: str = "E4"


class EligibilityStatus(enum.Enum):
    """The answer, in order of precedence when several things are wrong.

    ``INELIGIBLE``: a criterion about the person is not met. ``INAPPROPRIATE``: the person
    qualifies but came by a referral route the programme does not take (E7).
    ``DUPLICATE``: already case-managed or receiving the same service elsewhere (E8).
    ``CONSENT_NEEDED``: everything else holds but consent is not recorded (E9); the referral
    stays open. ``EXCLUDED``: eligible, but an impactability exclusion applies (E4).
    """

    ELIGIBLE = "eligible"
    EXCLUDED = "excluded"
    INELIGIBLE = "ineligible"
    INAPPROPRIATE = "inappropriate"
    DUPLICATE = "duplicate"
    CONSENT_NEEDED = "consent-needed"


class ReviewDecision(enum.Enum):
    """What the reviewing clinician decided (E2)."""

    CONFIRM = "confirm"
    ADMIT = "admit"
    DECLINE = "decline"


@attrs.frozen(kw_only=True)
class ClinicianReview(Validated):
    """A clinician's confirmation or override of the model's answer (E2). An override
    (``ADMIT`` or ``DECLINE``) needs a reason.

    >>> ClinicianReview(
    ...     reviewer_id=CaseManagerId("CM-1"),
    ...     on=pendulum.Date(2026, 3, 2),
    ...     decision=ReviewDecision.ADMIT,
    ... )
    Traceback (most recent call last):
    ...
    casemgmt.errors.InvariantError: invalid ClinicianReview: reason: an override needs a reason
    """

    reviewer_id: CaseManagerId
    on: pendulum.Date
    decision: ReviewDecision
    reason: str | None = attrs.field(default=None, repr=False)

    def _invariants(self) -> Iterator[Problem]:
        if self.decision is not ReviewDecision.CONFIRM and not (self.reason or "").strip():
            yield problem("reason", "required", "an override needs a reason")


# Criteria that a clinical override may not set aside, and the status each one gives.
_NOT_CLINICAL: dict[type, EligibilityStatus] = {
    ReferralSourceIn: EligibilityStatus.INAPPROPRIATE,
    NotAlreadyCaseManaged: EligibilityStatus.DUPLICATE,
    ConsentRecorded: EligibilityStatus.CONSENT_NEEDED,
}
_PRECEDENCE = (
    EligibilityStatus.INELIGIBLE,
    EligibilityStatus.INAPPROPRIATE,
    EligibilityStatus.DUPLICATE,
    EligibilityStatus.CONSENT_NEEDED,
)
_OVERRIDABLE = frozenset(
    {EligibilityStatus.ELIGIBLE, EligibilityStatus.EXCLUDED, EligibilityStatus.INELIGIBLE}
)
_REFERRAL_OUTCOMES = {
    EligibilityStatus.ELIGIBLE: ReferralOutcome.ACCEPTED,
    EligibilityStatus.EXCLUDED: ReferralOutcome.INELIGIBLE,
    EligibilityStatus.INELIGIBLE: ReferralOutcome.INELIGIBLE,
    EligibilityStatus.INAPPROPRIATE: ReferralOutcome.INAPPROPRIATE,
    EligibilityStatus.DUPLICATE: ReferralOutcome.DUPLICATE,
}


@attrs.frozen(kw_only=True)
class EligibilityDecision:
    """Whether a person qualifies for a programme, and every reason.

    Attributes:
        programme: The programme's key.
        as_of: The day the decision applies to.
        client_id: Whom it is about; ``referral_id``: the referral, when there is one.
        outcomes: Every criterion's outcome, in the programme's order.
        exclusions: The impactability exclusions that apply (E4).
        tier: The predicted-risk tier, when the programme has tiers (E1).
        model_status: What the criteria and exclusions say.
        review: The clinician's review, when there is one (E2).
        status: The answer after the review.
    """

    programme: str
    as_of: pendulum.Date
    client_id: ClientId | None
    referral_id: ReferralId | None
    outcomes: tuple[CriterionOutcome, ...]
    exclusions: tuple[ExclusionOutcome, ...]
    tier: RiskTier | None
    model_status: EligibilityStatus
    review: ClinicianReview | None
    status: EligibilityStatus

    @property
    def eligible(self) -> bool:
        """True when the person may be taken on (after any review)."""
        return self.status is EligibilityStatus.ELIGIBLE

    @property
    def overridden(self) -> bool:
        """True when a clinician's review changed the model's answer."""
        return self.status is not self.model_status

    @property
    def failed(self) -> tuple[CriterionOutcome, ...]:
        """The criteria not met (including those not decidable for a missing fact)."""
        return tuple(o for o in self.outcomes if not o.met)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every reason behind the answer, in words without personal data."""
        reasons = [f"{o.key}: {o.message}" for o in self.failed]
        reasons += [f"excluded ({e.key}): {e.reason}" for e in self.exclusions]
        if self.review is not None:
            reasons.append(_review_reason(self))
        if not reasons:
            reasons.append("every criterion is met")
        return tuple(reasons)

    @property
    def referral_outcome(self) -> ReferralOutcome | None:
        """How to record the referral (E7): accepted, or turned down with the matching
        outcome. ``None`` while consent is awaited: the referral stays pending."""
        return _REFERRAL_OUTCOMES.get(self.status)

    @applies("E7")
    def record_on(self, referral: Referral, on: pendulum.Date) -> Referral:
        """Return ``referral`` decided as this decision says, with the reasons recorded
        (E7). A referral awaiting consent is returned unchanged.

        Raises:
            InvalidTransitionError: when the referral was already decided.
        """
        outcome = self.referral_outcome
        if outcome is None:
            return referral
        if outcome is ReferralOutcome.ACCEPTED:
            return referral.accept(on)
        return referral.turn_down(outcome, on, "; ".join(self.reasons))

    def explain(self) -> str:
        """The decision as text: the answer, then one line per criterion.

        Lines name criteria and outcomes only: no personal data.
        """
        tier = "" if self.tier is None else f", tier {self.tier.value}"
        lines = [f"{self.programme}: {self.status.value}{tier}"]
        for outcome in self.outcomes:
            mark = "ok  " if outcome.met else "FAIL"
            lines.append(f"  {mark} {outcome.key} [{outcome.rule_id}]: {outcome.message}")
        lines += [f"  EXCL {e.key} [E4]: {e.reason}" for e in self.exclusions]
        if self.review is not None:
            lines.append(f"  REVIEW [E2]: {_review_reason(self)}")
        return "\n".join(lines)


def _review_reason(decision: EligibilityDecision) -> str:
    review = decision.review
    assert review is not None
    if review.decision is ReviewDecision.CONFIRM:
        return "confirmed by a clinician"
    applied = "applied" if decision.overridden else "not applied"
    settled = decision.status in (EligibilityStatus.ELIGIBLE, EligibilityStatus.INELIGIBLE)
    why = (
        ""
        if settled or decision.status is EligibilityStatus.EXCLUDED
        else " (consent, referral route and duplication are not clinical judgements)"
    )
    return f"clinician override to {review.decision.value}, {applied}{why}: {review.reason}"


def _outcome(criterion: Criterion, facts: EligibilityFacts) -> CriterionOutcome:
    result = criterion.test(facts)
    described = criterion.describe()
    if result is None:
        missing = " or ".join(f.replace("_", " ") for f in criterion.reads)
        status, message = CriterionStatus.MISSING, f"{described}: {missing} not recorded"
    elif result:
        status, message = CriterionStatus.MET, f"{described}: met"
    else:
        status, message = CriterionStatus.NOT_MET, f"{described}: not met"
    return CriterionOutcome(
        key=criterion.key, rule_id=criterion.rule_id, status=status, message=message
    )


def _model_status(
    policy: EligibilityPolicy,
    outcomes: tuple[CriterionOutcome, ...],
    exclusions: tuple[ExclusionOutcome, ...],
) -> tuple[EligibilityStatus, EligibilityStatus | None]:
    """The criteria's answer, and the answer the non-clinical failures alone give (what an
    override to admit leaves standing)."""
    found = set()
    for criterion, outcome in zip(policy.criteria, outcomes, strict=True):
        if not outcome.met:
            found.add(_NOT_CLINICAL.get(type(criterion), EligibilityStatus.INELIGIBLE))
    blocking = next((s for s in _PRECEDENCE[1:] if s in found), None)
    for status in _PRECEDENCE:
        if status in found:
            return status, blocking
    return (EligibilityStatus.EXCLUDED if exclusions else EligibilityStatus.ELIGIBLE), None


def _reviewed(
    model: EligibilityStatus,
    blocking: EligibilityStatus | None,
    review: ClinicianReview | None,
) -> EligibilityStatus:
    if review is None or review.decision is ReviewDecision.CONFIRM:
        return model
    if model not in _OVERRIDABLE:
        return model
    if review.decision is ReviewDecision.ADMIT:
        # The override settles the clinical question only: missing consent, duplication
        # or a wrong referral route still stand.
        return blocking or EligibilityStatus.ELIGIBLE
    return EligibilityStatus.INELIGIBLE if model is EligibilityStatus.ELIGIBLE else model


@applies("E1", "E2", "E4", "E5", "E7", "E8", "E9")
def decide_eligibility(
    facts: EligibilityFacts,
    *,
    programme: Programme,
    as_of: pendulum.Date,
    review: ClinicianReview | None = None,
    client_id: ClientId | None = None,
    referral_id: ReferralId | None = None,
) -> EligibilityDecision:
    """Decide eligibility from facts already gathered (the core of
    :func:`assess_eligibility`, for hosts that hold facts rather than entities).

    >>> from casemgmt.policies import WALES_APN
    >>> facts = EligibilityFacts(
    ...     age=50, emergency_admissions_12m=1, predicted_risk=0.6,
    ...     consents=frozenset({ConsentScope.CASE_MANAGEMENT}),
    ...     already_case_managed=False, same_service_elsewhere=False,
    ... )
    >>> decision = decide_eligibility(facts, programme=WALES_APN, as_of=pendulum.Date(2026, 1, 5))
    >>> decision.status.value, decision.tier.value
    ('ineligible', 'high')
    >>> decision.reasons
    ('emergency-admissions: at least 2 emergency admissions in 12 months: not met',)
    """
    policy = programme.eligibility
    outcomes = tuple(_outcome(c, facts) for c in policy.criteria)
    exclusions = tuple(
        ExclusionOutcome(key=e.key, reason=e.reason) for e in policy.exclusions if e.applies(facts)
    )
    model, blocking = _model_status(policy, outcomes, exclusions)
    return EligibilityDecision(
        programme=programme.key,
        as_of=as_of,
        client_id=client_id,
        referral_id=referral_id,
        outcomes=outcomes,
        exclusions=exclusions,
        tier=None if policy.tiers is None else policy.tiers.tier(facts.predicted_risk),
        model_status=model,
        review=review,
        status=_reviewed(model, blocking, review),
    )


@applies("E8", "E9")
def eligibility_facts(
    client: Client,
    *,
    as_of: pendulum.Date,
    referral_source: ReferralSourceKind | None = None,
    open_cases: Iterable[Case] = (),
    services_elsewhere: Iterable[str] = (),
) -> EligibilityFacts:
    """Gather the facts criteria read from a client's record on ``as_of``.

    Args:
        client: The person.
        as_of: The day of the decision: age, consents and sickness absence are taken on it,
            and a risk score computed after it is ignored.
        referral_source: The kind of source that referred them, when known.
        open_cases: The host's case-management episodes for this client, any programme;
            an open one makes them already case-managed (E8).
        services_elsewhere: Names of the same kind of service the client receives from
            other organisations (E8); any makes ``same_service_elsewhere`` true.
    """
    risk = client.risk
    scored = risk.predicted_risk is not None and (risk.scored_on is None or risk.scored_on <= as_of)
    employment = client.employment
    absent: bool | None = None
    if employment is not None:
        absence = employment.absence
        absent = absence is not None and (
            absence.struggling_at_work
            or (
                absence.started_on <= as_of
                and (absence.ended_on is None or as_of <= absence.ended_on)
            )
        )
    age = client.age_on(as_of)
    return EligibilityFacts(
        age=age if age >= 0 else None,
        predicted_risk=risk.predicted_risk if scored else None,
        emergency_admissions_12m=risk.emergency_admissions_12m,
        long_term_conditions=client.long_term_condition_count,
        nursing_home_level_of_need=risk.nursing_home_level_of_need,
        condition_categories=frozenset(c.category for c in client.conditions),
        nhs_employee=None if employment is None else employment.nhs_employee,
        absent_or_struggling=absent,
        referral_source=referral_source,
        consents=frozenset(s for s in ConsentScope if client.has_consent(s, as_of)),
        postcode=None if client.address is None else client.address.postcode,
        already_case_managed=any(c.client_id == client.id and c.is_open for c in open_cases),
        same_service_elsewhere=any(True for _ in services_elsewhere),
    )


@applies("E1", "E2", "E4", "E5", "E7", "E8", "E9")
def assess_eligibility(
    client: Client,
    referral: Referral | None = None,
    *,
    programme: Programme,
    as_of: pendulum.Date,
    source: ReferralSource | None = None,
    open_cases: Iterable[Case] = (),
    services_elsewhere: Iterable[str] = (),
    review: ClinicianReview | None = None,
) -> EligibilityDecision:
    """Decide whether ``client`` qualifies for ``programme`` on ``as_of``, with every reason.

    Args:
        client: The person referred (or found by case-finding).
        referral: The referral being decided, when there is one.
        programme: The programme, whose :attr:`~casemgmt.policies.Programme.eligibility`
            holds the criteria, exclusions and tiers.
        as_of: The day of the decision.
        source: The referral's source; its kind is what a referral-route criterion reads.
        open_cases: The client's case-management episodes known to the host (E8).
        services_elsewhere: The same kind of service received elsewhere (E8).
        review: A clinician's confirmation or override (E2).

    Returns:
        The decision: every criterion's outcome, the exclusions, the tier, the model's and
        the final answer.

    Raises:
        MismatchError: when the referral is for another client, or ``source`` is
            not the referral's source.
    """
    problems = []
    if referral is not None and referral.client_id != client.id:
        problems.append(problem("referral.client_id", "other_client", "is another client"))
    if source is not None and referral is not None and source.id != referral.source_id:
        problems.append(problem("source.id", "other_source", "is not the referral's source"))
    if problems:
        raise MismatchError("assess_eligibility", problems)
    facts = eligibility_facts(
        client,
        as_of=as_of,
        referral_source=None if source is None else source.kind,
        open_cases=open_cases,
        services_elsewhere=services_elsewhere,
    )
    return decide_eligibility(
        facts,
        programme=programme,
        as_of=as_of,
        review=review,
        client_id=client.id,
        referral_id=None if referral is None else referral.id,
    )
