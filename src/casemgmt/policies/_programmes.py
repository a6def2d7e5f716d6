"""Programmes: one value per programme bundling everything it decides, and the named presets
from the evidence.

Each service reads its own part of a :class:`Programme`; plan validation reads
:attr:`Programme.plan`. Every preset names the sources its values come from.
"""

from __future__ import annotations

import enum
import types
from collections.abc import Iterator, Mapping

import attrs

from casemgmt.errors import Problem
from casemgmt.model import (
    ConditionCategory,
    ConsentScope,
    GoalDomain,
    Money,
    ReferralSourceKind,
)
from casemgmt.model._base import Validated, problem
from casemgmt.policies._caseload import (
    DH_COMMUNITY_MATRON,
    EVERCARE_CASELOAD,
    GUIDED_CARE_CASELOAD,
    PACE_TEAM_CASELOAD,
    CaseloadPolicy,
)
from casemgmt.policies._closure import STANDARD_CLOSURE, ClosurePolicy
from casemgmt.policies._eligibility import (
    AbsentOrStrugglingAtWork,
    AgeAtLeast,
    ConditionCategoryIn,
    ConsentRecorded,
    DischargeCriteria,
    EligibilityPolicy,
    EmergencyAdmissionsAtLeast,
    LongTermConditionsAtLeast,
    NhsEmployee,
    NotAlreadyCaseManaged,
    NursingHomeLevelOfNeed,
    PredictedRiskAtLeast,
    ReferralSourceIn,
    RiskTiers,
)
from casemgmt.policies._plan import PlanPolicy
from casemgmt.policies._review import (
    GUIDED_CARE_REVIEWS,
    REHABILITATION_CODE_REVIEWS,
    STANDARD_REVIEWS,
    VIRTUAL_WARD_REVIEWS,
    ReviewPolicy,
)

__all__ = [
    "CASTLEFIELDS",
    "DEFAULT_RISK_TIERS",
    "EVERCARE",
    "GENERIC",
    "GUIDED_CARE",
    "OHSXTRA",
    "PACE",
    "PROGRAMMES",
    "REHABILITATION_CODE",
    "VIRTUAL_WARD",
    "WALES_APN",
    "CaseManagementContext",
    "Programme",
    "programme",
]


class CaseManagementContext(enum.Enum):
    """The three contexts of case management the library serves (DOMAIN.md)."""

    PERSONAL_INJURY = "personal-injury"
    LONG_TERM_CONDITIONS = "long-term-conditions"
    OCCUPATIONAL_HEALTH = "occupational-health"


@attrs.frozen(kw_only=True)
class Programme(Validated):
    """A case-management programme and everything it decides.

    Attributes:
        key: Stable lower-case key (``"castlefields"``), used by the CLI and in documents.
        name: Display name.
        context: Which of the three contexts it belongs to.
        sources: Ids of the source documents its values come from
            (:data:`casemgmt.rules.SOURCES`).
        eligibility: Whom it admits and when it discharges them (E1-E9, X1).
        plan: How it validates care plans.
        caseload: Its caseload limits, weights and allocation costs (C1-C8). Programmes
            whose evidence gives no caseload figure use the Department of Health's
            community-matron band (:data:`DH_COMMUNITY_MATRON`).
        reviews: When its cases are reviewed and how soon things must happen (M1-M7, A2).
            Programmes whose evidence gives no cadence use :data:`STANDARD_REVIEWS`.
        closure: What it asks before closing a case and when it re-opens one (X1-X4).
            No programme's evidence gives its own closure rules, so every preset uses
            :data:`STANDARD_CLOSURE`.
    """

    key: str
    name: str
    context: CaseManagementContext
    sources: tuple[str, ...] = ()
    eligibility: EligibilityPolicy = attrs.field(factory=EligibilityPolicy)
    plan: PlanPolicy = attrs.field(factory=PlanPolicy)
    caseload: CaseloadPolicy = DH_COMMUNITY_MATRON
    reviews: ReviewPolicy = STANDARD_REVIEWS
    closure: ClosurePolicy = STANDARD_CLOSURE

    def _invariants(self) -> Iterator[Problem]:
        if not self.key or not self.key.replace("-", "").isalnum() or self.key != self.key.lower():
            yield problem("key", "bad_key", "must be lower-case letters, digits and hyphens")
        if not self.name.strip():
            yield problem("name", "empty", "must not be empty")

    def with_plan_policy(self, plan: PlanPolicy) -> Programme:
        """Return the programme with a different plan policy (a local variant of a preset)."""
        return attrs.evolve(self, plan=plan)

    def with_caseload(self, caseload: CaseloadPolicy) -> Programme:
        """Return the programme with a different caseload policy."""
        return attrs.evolve(self, caseload=caseload)

    def with_reviews(self, reviews: ReviewPolicy) -> Programme:
        """Return the programme with a different review policy."""
        return attrs.evolve(self, reviews=reviews)

    def with_closure(self, closure: ClosurePolicy) -> Programme:
        """Return the programme with a different closure policy."""
        return attrs.evolve(self, closure=closure)

    def with_eligibility(self, eligibility: EligibilityPolicy) -> Programme:
        """Return the programme with different eligibility and discharge criteria."""
        return attrs.evolve(self, eligibility=eligibility)


_VOCATIONAL = frozenset({GoalDomain.EMPLOYMENT, GoalDomain.EDUCATION})

DEFAULT_RISK_TIERS = RiskTiers(high=0.5, medium=0.2)
"""Predicted-risk tiers used by the presets: high from 0.5, medium from 0.2. The evidence
names tiers (Wales APN's high, medium and low risk groups) but gives no cut-offs, so these
are starting values for a host to replace with its own model's calibration."""

# Every programme asks for consent to case management (E9) and checks that the person is
# not already case-managed or receiving the same service elsewhere (E8).
_SAFEGUARDS = (ConsentRecorded(), NotAlreadyCaseManaged())


def _risk_programme(threshold: float) -> tuple[PredictedRiskAtLeast, DischargeCriteria]:
    # X1: a risk-targeted programme discharges when the risk falls below its own threshold.
    return PredictedRiskAtLeast(threshold=threshold), DischargeCriteria(risk_below=threshold)


_HIGH_RISK, _HIGH_RISK_DISCHARGE = _risk_programme(DEFAULT_RISK_TIERS.high)
_AT_RISK, _AT_RISK_DISCHARGE = _risk_programme(DEFAULT_RISK_TIERS.medium)

GENERIC = Programme(
    key="generic",
    name="Generic case management",
    context=CaseManagementContext.LONG_TERM_CONDITIONS,
    eligibility=EligibilityPolicy(criteria=_SAFEGUARDS),
)
"""No programme-specific values: the library's defaults (consent, and no duplicate case
management)."""

CASTLEFIELDS = Programme(
    key="castlefields",
    name="Castlefields Health Centre, Runcorn",
    context=CaseManagementContext.LONG_TERM_CONDITIONS,
    sources=("002",),
    eligibility=EligibilityPolicy(criteria=_SAFEGUARDS, tiers=DEFAULT_RISK_TIERS),
    plan=PlanPolicy(spend_authority_per_week=Money.gbp("200")),
)
"""Pooled health and social care budget: social workers could commit up to GBP 200 a week
without a further referral (F2; King's Fund 2011, p 23).
The evidence states no admission criteria, so only the safeguards apply."""

GUIDED_CARE = Programme(
    key="guided-care",
    caseload=GUIDED_CARE_CASELOAD,
    reviews=GUIDED_CARE_REVIEWS,
    name="Guided Care",
    context=CaseManagementContext.LONG_TERM_CONDITIONS,
    sources=("002",),
    eligibility=EligibilityPolicy(
        criteria=(
            AgeAtLeast(years=65),
            LongTermConditionsAtLeast(count=2),
            _HIGH_RISK,
            *_SAFEGUARDS,
        ),
        tiers=DEFAULT_RISK_TIERS,
        discharge=_HIGH_RISK_DISCHARGE,
    ),
)
"""Guided Care (Johns Hopkins): people over 65 with multiple co-morbidities at risk of heavy
service use in the coming year, the highest risk targeted (E5; King's Fund 2011, seed 002)."""

PACE = Programme(
    key="pace",
    caseload=PACE_TEAM_CASELOAD,
    name="Program of All-inclusive Care for the Elderly (PACE)",
    context=CaseManagementContext.LONG_TERM_CONDITIONS,
    sources=("002",),
    eligibility=EligibilityPolicy(
        criteria=(AgeAtLeast(years=55), NursingHomeLevelOfNeed(), *_SAFEGUARDS),
    ),
)
"""PACE: people over 55 whom the state certifies as needing nursing-home care, able to live
in the community with support (E5; King's Fund 2011, seed 002). Living in the community is the
programme's premise and is not screened for."""

EVERCARE = Programme(
    key="evercare",
    caseload=EVERCARE_CASELOAD,
    name="Evercare",
    context=CaseManagementContext.LONG_TERM_CONDITIONS,
    sources=("002",),
    eligibility=EligibilityPolicy(
        criteria=(AgeAtLeast(years=65), _AT_RISK, *_SAFEGUARDS),
        tiers=DEFAULT_RISK_TIERS,
        discharge=_AT_RISK_DISCHARGE,
    ),
)
"""Evercare: advanced practice nurses for people over 65 at risk of unplanned admission
(E5; King's Fund 2011, seed 002)."""

WALES_APN = Programme(
    key="wales-apn",
    name="Wales advanced practice nurse programme",
    context=CaseManagementContext.LONG_TERM_CONDITIONS,
    sources=("002",),
    eligibility=EligibilityPolicy(
        criteria=(AgeAtLeast(years=50), EmergencyAdmissionsAtLeast(count=2), *_SAFEGUARDS),
        tiers=DEFAULT_RISK_TIERS,
    ),
)
"""Wales APN: people over 50 with two or more admissions in the year before, assigned to
high, medium and low risk groups (E1, E5; King's Fund 2011 citing Huws et al 2008, seed 002)."""

VIRTUAL_WARD = Programme(
    key="virtual-ward",
    name="Virtual Ward (Croydon, Wandsworth, Devon)",
    reviews=VIRTUAL_WARD_REVIEWS,
    context=CaseManagementContext.LONG_TERM_CONDITIONS,
    sources=("002",),
    eligibility=EligibilityPolicy(
        criteria=(_HIGH_RISK, *_SAFEGUARDS),
        tiers=DEFAULT_RISK_TIERS,
        discharge=_HIGH_RISK_DISCHARGE,
    ),
)
"""Virtual wards: people at the highest predicted risk, discussed at daily to monthly rounds
and discharged once their risk has dropped (E5, X1; King's Fund 2011, seed 002)."""

OHSXTRA = Programme(
    key="ohsxtra",
    name="OHSxtra occupational health case management",
    context=CaseManagementContext.OCCUPATIONAL_HEALTH,
    sources=("004",),
    eligibility=EligibilityPolicy(
        criteria=(
            NhsEmployee(),
            ConditionCategoryIn(
                categories=frozenset(
                    {ConditionCategory.MUSCULOSKELETAL, ConditionCategory.MENTAL_HEALTH}
                )
            ),
            AbsentOrStrugglingAtWork(),
            ReferralSourceIn(
                sources=frozenset(
                    {
                        ReferralSourceKind.EMPLOYER_OCCUPATIONAL_HEALTH,
                        ReferralSourceKind.GP_OR_CLINICIAN,
                        ReferralSourceKind.SELF,
                    }
                )
            ),
            ConsentRecorded(
                scopes=frozenset({ConsentScope.CASE_MANAGEMENT, ConsentScope.RECORD_SHARING})
            ),
            NotAlreadyCaseManaged(),
        ),
        discharge=DischargeCriteria(on_goals_achieved=True),
    ),
    plan=PlanPolicy(required_goal_domains=_VOCATIONAL),
)
"""OHSxtra: NHS employees with musculoskeletal or mental-health problems, absent from or
struggling at work (E5); record sharing with OH needs consent too (E9); the outcome that
matters is return to work, so a plan needs an employment or education goal (P7) (seed 004)."""

REHABILITATION_CODE = Programme(
    key="rehabilitation-code",
    name="Personal injury rehabilitation (Rehabilitation Code)",
    reviews=REHABILITATION_CODE_REVIEWS,
    context=CaseManagementContext.PERSONAL_INJURY,
    sources=("000", "003"),
    eligibility=EligibilityPolicy(
        criteria=(
            ReferralSourceIn(
                sources=frozenset(
                    {
                        ReferralSourceKind.REHABILITATION_CODE_JOINT,
                        ReferralSourceKind.CLAIMANT_SOLICITOR,
                        ReferralSourceKind.INSURER,
                        ReferralSourceKind.FINANCIAL_DEPUTY,
                    }
                )
            ),
            *_SAFEGUARDS,
        ),
        discharge=DischargeCriteria(on_goals_achieved=True),
    ),
)
"""Personal-injury rehabilitation under a joint solicitor and insurer instruction (or a
claimant solicitor, insurer or deputy, seed 003), from the initial needs assessment to
closure when the rehabilitation goals are met."""

PROGRAMMES: Mapping[str, Programme] = types.MappingProxyType(
    {
        p.key: p
        for p in (
            GENERIC,
            CASTLEFIELDS,
            EVERCARE,
            GUIDED_CARE,
            OHSXTRA,
            PACE,
            REHABILITATION_CODE,
            VIRTUAL_WARD,
            WALES_APN,
        )
    }
)
"""Every preset, by key."""


def programme(key: str) -> Programme:
    """The preset with ``key`` (``KeyError`` naming the key when there is none).

    >>> programme("castlefields").plan.spend_authority_per_week
    Money(minor=20000, currency='GBP')
    """
    return PROGRAMMES[key]
