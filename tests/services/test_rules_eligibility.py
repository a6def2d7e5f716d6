"""Eligibility rules stated independently of the criteria objects: each programme admits
whom DOMAIN.md says it admits (E5), risk-targeted programmes target predicted rather than
past risk (E3), and discharge criteria are set with the admission criteria (E6).

The expected answers below are written from the rule statements, not from the presets'
criteria, so a preset that drifted from its evidence would fail here.
"""

from __future__ import annotations

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.model import ConditionCategory, ConsentScope, ReferralSourceKind, RiskTier
from casemgmt.policies import (
    DEFAULT_RISK_TIERS,
    EVERCARE,
    GUIDED_CARE,
    OHSXTRA,
    PACE,
    PROGRAMMES,
    VIRTUAL_WARD,
    WALES_APN,
    DischargeCriteria,
    EligibilityFacts,
    PredictedRiskAtLeast,
    Programme,
)
from casemgmt.services import EligibilityStatus, decide_eligibility

DAY = pendulum.Date(2026, 1, 5)

# Consent to everything and no other case management: the safeguards (E8, E9) hold, so
# the answer turns on the programme's own criteria alone.
_SAFE = EligibilityFacts(
    consents=frozenset(ConsentScope),
    already_case_managed=False,
    same_service_elsewhere=False,
)

_OHSXTRA_CONDITIONS = frozenset(
    {ConditionCategory.MUSCULOSKELETAL, ConditionCategory.MENTAL_HEALTH}
)


def _high(risk: float) -> bool:
    return DEFAULT_RISK_TIERS.tier(risk) is RiskTier.HIGH


def _at_risk(risk: float) -> bool:
    return DEFAULT_RISK_TIERS.tier(risk) in (RiskTier.HIGH, RiskTier.MEDIUM)


@st.composite
def _people(draw: st.DrawFn) -> EligibilityFacts:
    """Facts with every fact a criterion reads recorded, ages and counts near the limits."""
    return attrs.evolve(
        _SAFE,
        age=draw(st.sampled_from([49, 50, 51, 54, 55, 56, 64, 65, 66]) | st.integers(0, 110)),
        predicted_risk=draw(st.sampled_from([0.0, 0.19, 0.2, 0.49, 0.5, 1.0]) | st.floats(0, 1)),
        emergency_admissions_12m=draw(st.integers(0, 6)),
        long_term_conditions=draw(st.integers(0, 6)),
        nursing_home_level_of_need=draw(st.booleans()),
        condition_categories=draw(
            st.frozensets(st.sampled_from(ConditionCategory), min_size=1, max_size=3)
        ),
        nhs_employee=draw(st.booleans()),
        absent_or_struggling=draw(st.booleans()),
        referral_source=draw(st.sampled_from(ReferralSourceKind)),
    )


def _admits(programme: Programme, facts: EligibilityFacts) -> bool:
    """E5 as DOMAIN.md states it ("over N" read as "N or older", as the programmes' own
    definitions do; "high predicted use" and "highest risk" as the high tier; "at risk" as
    the medium tier or above)."""
    age = facts.age
    risk = facts.predicted_risk
    assert age is not None
    assert risk is not None
    if programme is GUIDED_CARE:
        return age >= 65 and (facts.long_term_conditions or 0) >= 2 and _high(risk)
    if programme is PACE:
        return age >= 55 and facts.nursing_home_level_of_need is True
    if programme is EVERCARE:
        return age >= 65 and _at_risk(risk)
    if programme is WALES_APN:
        return age >= 50 and (facts.emergency_admissions_12m or 0) >= 2
    if programme is VIRTUAL_WARD:
        return _high(risk)
    assert programme is OHSXTRA
    return (
        facts.nhs_employee is True
        and not facts.condition_categories.isdisjoint(_OHSXTRA_CONDITIONS)
        and facts.absent_or_struggling is True
    )


_E5_PROGRAMMES = [GUIDED_CARE, PACE, EVERCARE, WALES_APN, VIRTUAL_WARD, OHSXTRA]


@pytest.mark.rule("E5")
@pytest.mark.parametrize("programme", _E5_PROGRAMMES, ids=[p.key for p in _E5_PROGRAMMES])
@given(facts=_people())
def test_each_programme_admits_whom_its_evidence_describes(
    programme: Programme, facts: EligibilityFacts
) -> None:
    if programme is OHSXTRA:
        # OHSxtra also takes referrals only from OH, GPs and the employee (an E7 matter).
        facts = attrs.evolve(facts, referral_source=ReferralSourceKind.EMPLOYER_OCCUPATIONAL_HEALTH)
    decision = decide_eligibility(facts, programme=programme, as_of=DAY)
    expected = _admits(programme, facts)
    assert decision.eligible is expected, decision.explain()
    if not expected:
        assert decision.status is EligibilityStatus.INELIGIBLE
        # Every failed criterion is one of the programme's own (E5) or its risk threshold
        # (E1), never a safeguard, which these facts satisfy.
        assert decision.failed
        assert {o.rule_id for o in decision.failed} <= {"E1", "E5"}


_RISK_TARGETED = [
    p
    for p in PROGRAMMES.values()
    if any(isinstance(c, PredictedRiskAtLeast) for c in p.eligibility.criteria)
]


@pytest.mark.rule("E3")
@pytest.mark.parametrize("programme", _RISK_TARGETED, ids=[p.key for p in _RISK_TARGETED])
@given(facts=_people(), admissions=st.integers(0, 30))
def test_risk_targeted_programmes_read_predicted_not_past_admissions(
    programme: Programme, facts: EligibilityFacts, admissions: int
) -> None:
    """A person with many admissions this year but a low predicted risk is not taken on for
    it, and one with none but a high predicted risk is not turned away for it."""
    with_history = attrs.evolve(facts, emergency_admissions_12m=admissions)
    without = attrs.evolve(facts, emergency_admissions_12m=0)
    one = decide_eligibility(with_history, programme=programme, as_of=DAY)
    other = decide_eligibility(without, programme=programme, as_of=DAY)
    assert (one.status, one.tier, one.outcomes) == (other.status, other.tier, other.outcomes)
    risk = [c for c in programme.eligibility.criteria if isinstance(c, PredictedRiskAtLeast)]
    assert facts.predicted_risk is not None
    if facts.predicted_risk < risk[0].threshold:
        assert not one.eligible
        assert "predicted-risk" in {o.key for o in one.failed}


def test_the_risk_targeted_presets_are_the_ones_the_evidence_targets_by_risk() -> None:
    assert {p.key for p in _RISK_TARGETED} == {"guided-care", "evercare", "virtual-ward"}


@pytest.mark.rule("E6")
@given(
    threshold=st.none() | st.floats(0, 1),
    risk=st.none() | st.floats(0, 1),
)
def test_a_discharge_threshold_indicates_discharge_only_below_it(
    threshold: float | None, risk: float | None
) -> None:
    criteria = DischargeCriteria(risk_below=threshold)
    expected = threshold is not None and risk is not None and risk < threshold
    assert criteria.risk_indicates_discharge(risk) is expected
