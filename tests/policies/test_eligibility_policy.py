"""Eligibility policies refuse values that cannot be right, and the presets carry their
evidence (E1, E5, E6)."""

from __future__ import annotations

import pytest
from hypothesis import given

from casemgmt.errors import InvariantError
from casemgmt.model import ConditionCategory
from casemgmt.policies import (
    DEFAULT_RISK_TIERS,
    PROGRAMMES,
    AgeAtLeast,
    ConditionCategoryIn,
    DischargeCriteria,
    EligibilityFacts,
    EligibilityPolicy,
    Exclusion,
    InCatchment,
    PredictedRiskAtLeast,
    RiskTier,
    RiskTiers,
)
from casemgmt.rules import RULES, SOURCES
from casemgmt.testing.strategies import criteria, eligibility_facts


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (lambda: AgeAtLeast(years=-1), "years"),
        (lambda: PredictedRiskAtLeast(threshold=1.5), "threshold"),
        (lambda: PredictedRiskAtLeast(threshold=float("nan")), "threshold"),
        (lambda: ConditionCategoryIn(categories=frozenset()), "categories"),
        (lambda: InCatchment(districts=frozenset({"wa7"})), "districts"),
        (lambda: InCatchment(districts=frozenset({"WA 7"})), "districts"),
        (lambda: RiskTiers(high=0.2, medium=0.5), "medium"),
        (lambda: DischargeCriteria(time_limit_months=0), "time_limit_months"),
        (lambda: EligibilityFacts(predicted_risk=float("inf")), "predicted_risk"),
        (lambda: EligibilityFacts(age=-3), "age"),
        (
            lambda: EligibilityPolicy(criteria=(AgeAtLeast(years=50), AgeAtLeast(years=60))),
            "criteria[1]",
        ),
    ],
)
def test_impossible_values_are_refused(build: object, path: str) -> None:
    with pytest.raises(InvariantError) as raised:
        build()  # type: ignore[operator]
    assert path in [p.path for p in raised.value.problems]


def test_exclusion_keys_are_unique_and_reasoned() -> None:
    frail = ConditionCategoryIn(categories=frozenset({ConditionCategory.FRAILTY}))
    with pytest.raises(InvariantError, match="reason"):
        Exclusion(key="frail", when=frail, reason=" ")
    one = Exclusion(key="frail", when=frail, reason="judged unable to benefit")
    with pytest.raises(InvariantError, match="repeats an exclusion key"):
        EligibilityPolicy(exclusions=(one, one))


@given(criteria(), eligibility_facts())
def test_every_criterion_cites_a_rule_and_reads_its_facts(
    criterion: object, facts: EligibilityFacts
) -> None:
    from casemgmt.policies import Criterion

    assert isinstance(criterion, Criterion)
    assert criterion.rule_id in RULES
    assert all(hasattr(facts, name) for name in criterion.reads)
    result = criterion.test(facts)
    assert result in (True, False, None)
    if all(getattr(facts, name) is None for name in criterion.reads):
        assert result is None
    assert criterion.describe()


@pytest.mark.rule("E1")
@pytest.mark.parametrize("risk", [0.0, 0.19999, 0.2, 0.49999, 0.5, 1.0, None])
def test_default_tiers_cut_at_their_thresholds(risk: float | None) -> None:
    tier = DEFAULT_RISK_TIERS.tier(risk)
    if risk is None:
        assert tier is RiskTier.UNSCORED
    elif risk >= 0.5:
        assert tier is RiskTier.HIGH
    elif risk >= 0.2:
        assert tier is RiskTier.MEDIUM
    else:
        assert tier is RiskTier.LOW


@pytest.mark.rule("E6")
@pytest.mark.parametrize("key", sorted(PROGRAMMES))
def test_presets_name_their_evidence(key: str) -> None:
    """E6: every preset sets admission and discharge criteria, and cites its sources."""
    preset = PROGRAMMES[key]
    assert preset.eligibility.criteria
    assert isinstance(preset.eligibility.discharge, DischargeCriteria)
    assert all(s in SOURCES for s in preset.sources)
    if key != "generic":
        assert preset.sources


@pytest.mark.rule("E5")
def test_presets_read_the_ages_of_the_evidence() -> None:
    """E5: Guided Care and Evercare over 65, PACE over 55, Wales APN over 50, read as
    'at least' (the programmes' own definitions include the birthday)."""
    ages = {
        key: c.minimum_age
        for key, p in PROGRAMMES.items()
        for c in p.eligibility.criteria
        if isinstance(c, AgeAtLeast)
    }
    assert ages == {"guided-care": 65, "evercare": 65, "pace": 55, "wales-apn": 50}
