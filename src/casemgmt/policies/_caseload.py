"""What a programme decides about caseloads (C1-C9): limits, the high-risk share, case
weights and the costs that steer allocation.

Every number the evidence gives is cited on the preset that uses it; every number it does not
give (the case weights, the allocation costs) is marked as an assumption and is a field a host
can change.
"""

from __future__ import annotations

import enum
import math
import types
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from casemgmt._applies import applies
from casemgmt.errors import Problem
from casemgmt.model import Complexity, Intensity
from casemgmt.model._base import Validated, problem
from casemgmt.policies._eligibility import RiskTier

__all__ = [
    "AllocationCosts",
    "UNWEIGHTED",
    "CASELOAD_POLICIES",
    "CaseWeights",
    "CaseloadPolicy",
    "DH_COMMUNITY_MATRON",
    "EVERCARE_CASELOAD",
    "GUIDED_CARE_CASELOAD",
    "HighRiskBasis",
    "LimitScope",
    "PACE_TEAM_CASELOAD",
    "SpecialismMatch",
]


class LimitScope(enum.Enum):
    """Whom a caseload limit applies to: each case manager (community matrons, Guided Care
    nurses) or a whole team that shares accountability (PACE, seed 002)."""

    CASE_MANAGER = "case-manager"
    TEAM = "team"


class HighRiskBasis(enum.Enum):
    """What the high-risk share (C3) is a share of.

    ``CASELOAD``: of the patients actually on the caseload, after the change. This is the
    literal reading of Sargent et al (2008), but a small caseload can then take no high-risk
    patient at all (one of three is 33%), and a discharge of a low-risk patient can push the
    share over. ``CAPACITY``: of the soft limit, so at most ``floor(share x soft limit)``
    high-risk patients (7 of a caseload of 50 at 15%); discharges never breach it. The
    presets use ``CAPACITY``.
    """

    CASELOAD = "caseload"
    CAPACITY = "capacity"


class SpecialismMatch(enum.Enum):
    """Whether a case manager must hold every specialism a case needs (C8).

    ``REQUIRED``: a case manager without one is not a candidate. ``PREFERRED``: a candidate,
    at the cost :attr:`AllocationCosts.specialism_mismatch`, so the case is placed with a
    specialist when one has room and with someone rather than no one otherwise.
    """

    REQUIRED = "required"
    PREFERRED = "preferred"


def _read_only(value: object) -> Any:
    if isinstance(value, Mapping):
        return types.MappingProxyType(dict(value))
    return value


def _factor_problems(
    name: str, factors: Mapping[Any, float], keys: type[enum.Enum]
) -> Iterator[Problem]:
    for key in keys:
        if key not in factors:
            yield problem(f"{name}.{key.value}", "required", "needs a weight")
    for key, value in factors.items():
        if not (math.isfinite(value) and value > 0.0):
            label = key.value if isinstance(key, enum.Enum) else str(key)
            yield problem(f"{name}.{label}", "out_of_range", "must be a positive number")


@attrs.frozen(kw_only=True)
class CaseWeights(Validated):
    """How much of a case manager's capacity a case takes (C4), as a product of factors.

    A typical case (medium risk, moderate complexity, standard intensity, urban) weighs 1, so
    weighted limits read in the evidence's unit, patients. The evidence lists what makes a
    caseload manageable (condition mix, share at high risk, circumstances, urban or rural
    location, engagement) but gives no numbers: the defaults are assumptions to calibrate.

    >>> from casemgmt.model import Complexity, Intensity
    >>> w = CaseWeights()
    >>> w.weight(RiskTier.HIGH, Complexity.HIGH, Intensity.STANDARD, rural=True)
    3.75
    >>> w.weight(RiskTier.LOW, Complexity.MODERATE, Intensity.STANDARD, rural=False)
    0.5
    """

    by_tier: Mapping[RiskTier, float] = attrs.field(
        converter=_read_only,
        factory=lambda: {
            RiskTier.HIGH: 2.0,
            RiskTier.MEDIUM: 1.0,
            RiskTier.LOW: 0.5,
            RiskTier.UNSCORED: 1.0,
        },
    )
    by_complexity: Mapping[Complexity, float] = attrs.field(
        converter=_read_only,
        factory=lambda: {Complexity.LOW: 0.75, Complexity.MODERATE: 1.0, Complexity.HIGH: 1.5},
    )
    by_intensity: Mapping[Intensity, float] = attrs.field(
        converter=_read_only,
        factory=lambda: {Intensity.LOW: 0.75, Intensity.STANDARD: 1.0, Intensity.INTENSIVE: 1.5},
    )
    rural: float = 1.25

    def _invariants(self) -> Iterator[Problem]:
        yield from _factor_problems("by_tier", self.by_tier, RiskTier)
        yield from _factor_problems("by_complexity", self.by_complexity, Complexity)
        yield from _factor_problems("by_intensity", self.by_intensity, Intensity)
        if not (math.isfinite(self.rural) and self.rural > 0.0):
            yield problem("rural", "out_of_range", "must be a positive number")

    @applies("C4")
    def weight(
        self, tier: RiskTier, complexity: Complexity, intensity: Intensity, *, rural: bool
    ) -> float:
        """The weight of one case."""
        value = self.by_tier[tier] * self.by_complexity[complexity] * self.by_intensity[intensity]
        return value * self.rural if rural else value


UNWEIGHTED = CaseWeights(
    by_tier=dict.fromkeys(RiskTier, 1.0),
    by_complexity=dict.fromkeys(Complexity, 1.0),
    by_intensity=dict.fromkeys(Intensity, 1.0),
    rural=1.0,
)
"""Every case weighs 1: limits count patients, as the evidence's own figures do."""


@attrs.frozen(kw_only=True)
class AllocationCosts(Validated):
    """The costs that :func:`casemgmt.services.allocate` minimises, in one unit ("points").

    The objective, in order of weight: place as many referrals as possible, highest risk
    first (``unplaced``, large enough that no assignment cost outweighs a place), then avoid
    specialism mismatch (C8), broken continuity (C7), travel and load above the soft limit.
    The evidence ranks these concerns but prices none of them: the numbers are assumptions.

    Attributes:
        unplaced: Cost of leaving a referral of each tier unplaced. The defaults make one
            high-risk place worth more than every lower-risk place its weight could hold.
        specialism_mismatch: Cost of a case manager without a specialism the case needs
            (with :attr:`SpecialismMatch.PREFERRED`).
        broken_continuity: Cost of giving a returning client someone other than their
            previous case manager when that case manager is still in the team.
        travel_per_km: Cost per kilometre between the client's and the case manager's
            localities, for pairs listed in ``distances_km``.
        other_locality: Cost of a different locality when the pair has no listed distance.
        over_soft_limit: Cost per weighted point of load above a case manager's soft limit;
            it spreads load (C1, C2).
        distances_km: Travel distances between localities, in either order.
    """

    unplaced: Mapping[RiskTier, float] = attrs.field(
        converter=_read_only,
        factory=lambda: {
            RiskTier.HIGH: 100_000.0,
            RiskTier.MEDIUM: 10_000.0,
            RiskTier.UNSCORED: 10_000.0,
            RiskTier.LOW: 1_000.0,
        },
    )
    specialism_mismatch: float = 30.0
    broken_continuity: float = 50.0
    travel_per_km: float = 1.0
    other_locality: float = 10.0
    over_soft_limit: float = 5.0
    distances_km: Mapping[tuple[str, str], float] = attrs.field(converter=_read_only, factory=dict)

    def _invariants(self) -> Iterator[Problem]:
        yield from _factor_problems("unplaced", self.unplaced, RiskTier)
        for name in (
            "specialism_mismatch",
            "broken_continuity",
            "travel_per_km",
            "other_locality",
            "over_soft_limit",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                yield problem(name, "out_of_range", "must be a number of at least 0")
        for (a, b), km in self.distances_km.items():
            if not (math.isfinite(km) and km >= 0.0):
                yield problem(f"distances_km.{a}|{b}", "out_of_range", "must be at least 0")

    def travel(self, a: str | None, b: str | None) -> float:
        """The travel cost between two localities (0 when either is unknown or they match).

        >>> AllocationCosts(distances_km={("N1", "N7"): 4.0}).travel("N7", "N1")
        4.0
        """
        if a is None or b is None or a == b:
            return 0.0
        km = self.distances_km.get((a, b))
        if km is None:
            km = self.distances_km.get((b, a))
        return self.other_locality if km is None else km * self.travel_per_km


@attrs.frozen(kw_only=True)
class CaseloadPolicy(Validated):
    """How many cases a case manager (or team) may hold, and how allocation weighs them.

    Limits are in weighted points (:class:`CaseWeights`; a typical case is 1) for one
    whole-time case manager whose non-clinical work takes ``non_clinical_share`` of their
    time. A case manager's own limits scale with their FTE and with the clinical time their
    own non-clinical share leaves (C4). Team limits (:attr:`LimitScope.TEAM`) do not scale.

    Attributes:
        key: Stable key of the policy.
        soft_limit: Above this the caseload is heavy: a warning, and allocation spreads
            load away from it.
        hard_limit: Never exceeded by the library's allocation and hand-over.
        limit_rule: The rule id the limits come from (C1, C2 or C5).
        scope: Whether limits apply per case manager or per team.
        high_risk_share: The most of a caseload that may be high-risk (C3, hard).
        high_risk_warning_share: A share above which the status warns (C3, soft).
        high_risk_basis: What the share is of (:class:`HighRiskBasis`).
        non_clinical_share: The share of time the limits assume goes to admin, training and
            meetings (C4).
        weights: Case weights (C4).
        specialism_match: Whether a needed specialism is required or preferred (C8).
        costs: What allocation minimises.
        sources: Source documents of the numbers.
    """

    key: str
    soft_limit: float
    hard_limit: float
    limit_rule: str = "C1"
    scope: LimitScope = LimitScope.CASE_MANAGER
    high_risk_share: float = 0.15
    high_risk_warning_share: float = 0.10
    high_risk_basis: HighRiskBasis = HighRiskBasis.CAPACITY
    non_clinical_share: float = 0.0
    weights: CaseWeights = attrs.field(factory=CaseWeights)
    specialism_match: SpecialismMatch = SpecialismMatch.PREFERRED
    costs: AllocationCosts = attrs.field(factory=AllocationCosts)
    sources: tuple[str, ...] = ("002",)

    def _invariants(self) -> Iterator[Problem]:
        for name in ("soft_limit", "hard_limit"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0.0):
                yield problem(name, "out_of_range", "must be a positive number")
        if self.soft_limit > self.hard_limit:
            yield problem("soft_limit", "above_hard", "must not be above the hard limit")
        for name in ("high_risk_share", "high_risk_warning_share"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0.0 <= value <= 1.0):
                yield problem(name, "out_of_range", "must be between 0 and 1")
        if self.high_risk_warning_share > self.high_risk_share:
            yield problem(
                "high_risk_warning_share", "above_cap", "must not be above high_risk_share"
            )
        if not (math.isfinite(self.non_clinical_share) and 0.0 <= self.non_clinical_share < 1.0):
            yield problem("non_clinical_share", "out_of_range", "must be at least 0 and below 1")
        if self.limit_rule not in {"C1", "C2", "C5"}:
            yield problem("limit_rule", "unknown_rule", "must be C1, C2 or C5")

    @applies("C4")
    def scaled(self, fte: float, non_clinical_share: float | None) -> tuple[float, float]:
        """The soft and hard limits of one case manager (C4): scaled by FTE and by the
        clinical time left after their own non-clinical share, relative to the policy's.
        Team limits are returned unscaled.

        >>> DH_COMMUNITY_MATRON.scaled(0.5, None)
        (25.0, 40.0)
        >>> DH_COMMUNITY_MATRON.scaled(1.0, 0.25)
        (37.5, 60.0)
        """
        if self.scope is LimitScope.TEAM:
            return self.soft_limit, self.hard_limit
        own = self.non_clinical_share if non_clinical_share is None else non_clinical_share
        factor = fte * (1.0 - own) / (1.0 - self.non_clinical_share)
        return self.soft_limit * factor, self.hard_limit * factor


DH_COMMUNITY_MATRON = CaseloadPolicy(key="dh-community-matron", soft_limit=50, hard_limit=80)
"""Department of Health (2005): community matrons hold 50 to 80 patients and more than 80 is
unsustainable (C1); case managers above 50 report stress (C2, Sargent et al 2008), hence the
soft limit of 50. High-risk patients at most 15% (C3)."""

EVERCARE_CASELOAD = CaseloadPolicy(key="evercare", soft_limit=50, hard_limit=50, limit_rule="C2")
"""Evercare: about 50 patients is the upper manageable limit (C2, Boaden et al 2006)."""

GUIDED_CARE_CASELOAD = CaseloadPolicy(
    key="guided-care", soft_limit=50, hard_limit=60, limit_rule="C5"
)
"""Guided Care: 50 to 60 patients per nurse (C5)."""

PACE_TEAM_CASELOAD = CaseloadPolicy(
    key="pace", soft_limit=250, hard_limit=300, limit_rule="C5", scope=LimitScope.TEAM
)
"""PACE: about 250 to 300 people per multidisciplinary team, which shares accountability
(C5, C6)."""

CASELOAD_POLICIES: Mapping[str, CaseloadPolicy] = types.MappingProxyType(
    {
        p.key: p
        for p in (DH_COMMUNITY_MATRON, EVERCARE_CASELOAD, GUIDED_CARE_CASELOAD, PACE_TEAM_CASELOAD)
    }
)
"""The caseload presets by key."""
