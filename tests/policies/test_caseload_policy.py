"""Caseload policies carry their evidence and refuse values that cannot be right (C1-C5):
the presets' limits, the high-risk share, and limits scaled by FTE and non-clinical time."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.errors import InvariantError
from casemgmt.model import Complexity, Intensity
from casemgmt.policies import (
    CASELOAD_POLICIES,
    DH_COMMUNITY_MATRON,
    EVERCARE_CASELOAD,
    GUIDED_CARE_CASELOAD,
    PACE_TEAM_CASELOAD,
    UNWEIGHTED,
    AllocationCosts,
    CaseloadPolicy,
    CaseWeights,
    HighRiskBasis,
    LimitScope,
    RiskTier,
    SpecialismMatch,
)


@pytest.mark.rule("C1")
def test_dh_community_matron_preset_is_50_to_80() -> None:
    """C1: community matrons hold 50 to 80 patients; more than 80 is unsustainable."""
    assert (DH_COMMUNITY_MATRON.soft_limit, DH_COMMUNITY_MATRON.hard_limit) == (50, 80)
    assert DH_COMMUNITY_MATRON.limit_rule == "C1"
    assert DH_COMMUNITY_MATRON.scope is LimitScope.CASE_MANAGER


def test_evercare_preset_is_50() -> None:
    """C2: about 50 patients is Evercare's upper manageable limit."""
    assert (EVERCARE_CASELOAD.soft_limit, EVERCARE_CASELOAD.hard_limit) == (50, 50)
    assert EVERCARE_CASELOAD.limit_rule == "C2"


def test_guided_care_preset_is_50_to_60() -> None:
    """C5: Guided Care nurses hold 50 to 60 patients each."""
    assert (GUIDED_CARE_CASELOAD.soft_limit, GUIDED_CARE_CASELOAD.hard_limit) == (50, 60)
    assert GUIDED_CARE_CASELOAD.limit_rule == "C5"
    assert GUIDED_CARE_CASELOAD.scope is LimitScope.CASE_MANAGER


@pytest.mark.rule("C5")
def test_pace_preset_is_250_to_300_per_team() -> None:
    """C5: PACE teams hold 250 to 300 people, the limit applying to the whole team."""
    assert (PACE_TEAM_CASELOAD.soft_limit, PACE_TEAM_CASELOAD.hard_limit) == (250, 300)
    assert PACE_TEAM_CASELOAD.limit_rule == "C5"
    assert PACE_TEAM_CASELOAD.scope is LimitScope.TEAM


@pytest.mark.parametrize("policy", list(CASELOAD_POLICIES.values()), ids=list(CASELOAD_POLICIES))
def test_presets_cap_high_risk_at_15_percent_of_capacity(policy: CaseloadPolicy) -> None:
    """C3: every preset caps high-risk patients at 15% of its (soft) capacity, cites 002."""
    assert policy.high_risk_share == 0.15
    assert policy.high_risk_warning_share <= policy.high_risk_share
    assert policy.high_risk_basis is HighRiskBasis.CAPACITY
    assert "002" in policy.sources
    assert CASELOAD_POLICIES[policy.key] is policy


def test_preset_registry_holds_the_four_presets() -> None:
    """C1: the presets are registered by key (C1, C2 and C5 limits)."""
    assert set(CASELOAD_POLICIES) == {"dh-community-matron", "evercare", "guided-care", "pace"}


def test_invalid_policy_lists_every_problem() -> None:
    """C1: an impossible caseload policy raises one InvariantError naming every field."""
    with pytest.raises(InvariantError) as raised:
        CaseloadPolicy(
            key="bad",
            soft_limit=90,
            hard_limit=80,
            limit_rule="C9",
            high_risk_share=1.5,
            high_risk_warning_share=-0.1,
            non_clinical_share=1.0,
        )
    found = {(p.path, p.code) for p in raised.value.problems}
    assert found == {
        ("soft_limit", "above_hard"),
        ("limit_rule", "unknown_rule"),
        ("high_risk_share", "out_of_range"),
        ("high_risk_warning_share", "out_of_range"),
        ("non_clinical_share", "out_of_range"),
    }


@pytest.mark.parametrize(
    ("changes", "path", "code"),
    [
        ({"soft_limit": 0}, "soft_limit", "out_of_range"),
        ({"hard_limit": float("nan")}, "hard_limit", "out_of_range"),
        ({"soft_limit": float("inf"), "hard_limit": float("inf")}, "soft_limit", "out_of_range"),
        ({"high_risk_warning_share": 0.2}, "high_risk_warning_share", "above_cap"),
        ({"non_clinical_share": -0.1}, "non_clinical_share", "out_of_range"),
        ({"limit_rule": "C3"}, "limit_rule", "unknown_rule"),
    ],
)
def test_each_invalid_field_is_named(changes: dict[str, object], path: str, code: str) -> None:
    """C1: each impossible value of a caseload policy is refused with its field path."""
    arguments: dict[str, object] = {"key": "bad", "soft_limit": 50, "hard_limit": 80, **changes}
    with pytest.raises(InvariantError) as raised:
        CaseloadPolicy(**arguments)  # type: ignore[arg-type]
    assert (path, code) in {(p.path, p.code) for p in raised.value.problems}


def test_invalid_weights_list_every_missing_and_non_positive_factor() -> None:
    """C4: case weights need a positive factor for every tier, complexity and intensity."""
    with pytest.raises(InvariantError) as raised:
        CaseWeights(
            by_tier={RiskTier.HIGH: 2.0},
            by_complexity=dict.fromkeys(Complexity, 0.0),
            by_intensity={**dict.fromkeys(Intensity, 1.0), Intensity.LOW: float("nan")},
            rural=-1.0,
        )
    paths = {p.path for p in raised.value.problems}
    assert {"by_tier.medium", "by_tier.low", "by_tier.unscored"} <= paths
    assert {f"by_complexity.{c.value}" for c in Complexity} <= paths
    assert {"by_intensity.low", "rural"} <= paths
    assert "by_tier.high" not in paths


def test_invalid_costs_list_every_problem() -> None:
    """C8: allocation costs must be non-negative, with a positive penalty for every tier."""
    with pytest.raises(InvariantError) as raised:
        AllocationCosts(
            unplaced={RiskTier.HIGH: -1.0},
            specialism_mismatch=-1.0,
            broken_continuity=float("nan"),
            travel_per_km=float("inf"),
            other_locality=-0.5,
            over_soft_limit=-2.0,
            distances_km={("N1", "N7"): -4.0},
        )
    paths = {p.path for p in raised.value.problems}
    assert paths >= {
        "unplaced.high",
        "unplaced.medium",
        "unplaced.low",
        "unplaced.unscored",
        "specialism_mismatch",
        "broken_continuity",
        "travel_per_km",
        "other_locality",
        "over_soft_limit",
        "distances_km.N1|N7",
    }


def test_policy_mappings_are_read_only() -> None:
    """C4: a policy's weights cannot be changed behind its back."""
    weights = {**dict.fromkeys(RiskTier, 1.0)}
    policy_weights = CaseWeights(by_tier=weights)
    weights[RiskTier.HIGH] = 99.0
    assert policy_weights.by_tier[RiskTier.HIGH] == 1.0
    with pytest.raises(TypeError):
        policy_weights.by_tier[RiskTier.HIGH] = 5.0  # type: ignore[index]


def test_unweighted_counts_patients() -> None:
    """C1: with UNWEIGHTED every case weighs one patient."""
    for tier in RiskTier:
        for complexity in Complexity:
            for intensity in Intensity:
                for rural in (False, True):
                    assert UNWEIGHTED.weight(tier, complexity, intensity, rural=rural) == 1.0


def test_default_weight_of_a_typical_case_is_one() -> None:
    """C4: a medium-risk, moderate, standard, urban case weighs 1, so limits read in patients."""
    weights = CaseWeights()
    assert (
        weights.weight(RiskTier.MEDIUM, Complexity.MODERATE, Intensity.STANDARD, rural=False) == 1.0
    )
    assert weights.weight(RiskTier.HIGH, Complexity.MODERATE, Intensity.STANDARD, rural=True) > 2


def test_travel_is_symmetric_and_falls_back_to_other_locality() -> None:
    """C4: travel costs per km in either order, a flat cost for unlisted pairs, 0 when same."""
    costs = AllocationCosts(distances_km={("N1", "N7"): 4.0}, travel_per_km=2.0)
    assert costs.travel("N1", "N7") == costs.travel("N7", "N1") == 8.0
    assert costs.travel("N1", "E2") == costs.other_locality
    assert costs.travel("N1", "N1") == 0.0
    assert costs.travel(None, "N1") == costs.travel("N1", None) == 0.0


def test_specialism_match_defaults_to_preferred() -> None:
    """C8: by default a missing specialism is a cost, not a bar."""
    assert DH_COMMUNITY_MATRON.specialism_match is SpecialismMatch.PREFERRED


def test_scaled_limits_of_the_dh_preset() -> None:
    """C4: a half-time matron holds 25 to 40; a quarter of time non-clinical leaves 37.5 to 60."""
    assert DH_COMMUNITY_MATRON.scaled(0.5, None) == (25.0, 40.0)
    assert DH_COMMUNITY_MATRON.scaled(1.0, 0.25) == (37.5, 60.0)


def test_team_limits_do_not_scale() -> None:
    """C5: PACE's team limits are the team's, whatever one member's FTE."""
    assert PACE_TEAM_CASELOAD.scaled(0.2, 0.5) == (250, 300)


_shares = st.floats(min_value=0.0, max_value=0.9)
_ftes = st.floats(min_value=0.05, max_value=1.0)


@st.composite
def _policies(draw: st.DrawFn) -> CaseloadPolicy:
    soft = draw(st.floats(min_value=1.0, max_value=500.0))
    return CaseloadPolicy(
        key="generated",
        soft_limit=soft,
        hard_limit=soft + draw(st.floats(min_value=0.0, max_value=200.0)),
        non_clinical_share=draw(_shares),
    )


@pytest.mark.rule("C4")
@given(_policies(), _ftes, st.none() | _shares)
def test_scaled_limits_are_proportional_to_fte(
    policy: CaseloadPolicy, fte: float, own: float | None
) -> None:
    """C4: a case manager's limits are proportional to their FTE."""
    soft, hard = policy.scaled(fte, own)
    whole_soft, whole_hard = policy.scaled(1.0, own)
    assert soft == pytest.approx(whole_soft * fte, rel=1e-9)
    assert hard == pytest.approx(whole_hard * fte, rel=1e-9)
    assert soft <= hard * (1 + 1e-12)


@given(_policies())
def test_scaled_limits_at_full_time_and_the_policy_share_are_the_policy_limits(
    policy: CaseloadPolicy,
) -> None:
    """C4: a whole-time case manager with the policy's own non-clinical share has its limits."""
    assert policy.scaled(1.0, None) == (policy.soft_limit, policy.hard_limit)
    soft, hard = policy.scaled(1.0, policy.non_clinical_share)
    assert soft == pytest.approx(policy.soft_limit, rel=1e-12)
    assert hard == pytest.approx(policy.hard_limit, rel=1e-12)


@pytest.mark.rule("C4")
@given(_policies(), _ftes, _shares, _shares)
def test_more_non_clinical_time_never_raises_limits(
    policy: CaseloadPolicy, fte: float, a: float, b: float
) -> None:
    """C4: non-clinical time (admin, training, meetings) only ever lowers the limits."""
    low, high = sorted((a, b))
    assert policy.scaled(fte, high)[1] <= policy.scaled(fte, low)[1] * (1 + 1e-12)
