"""Eligibility for one person (E1-E9): every criterion's outcome, the precedence of the
answers, the clinician's review (E2), exclusions (E4), recording the referral (E7), and the
facts read from a client's record."""

from __future__ import annotations

from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.errors import InvariantError, MismatchError
from casemgmt.model import (
    Address,
    Case,
    CaseId,
    CaseManagerId,
    CaseStatus,
    Client,
    ClientId,
    Condition,
    ConditionCategory,
    Consent,
    ConsentDecision,
    ConsentScope,
    Employment,
    EmploymentStatus,
    PersonName,
    Referral,
    ReferralId,
    ReferralOutcome,
    ReferralSource,
    ReferralSourceId,
    ReferralSourceKind,
    RiskInputs,
    SicknessAbsence,
)
from casemgmt.policies import (
    GUIDED_CARE,
    OHSXTRA,
    PACE,
    PROGRAMMES,
    WALES_APN,
    AgeAtLeast,
    ConditionCategoryIn,
    ConsentRecorded,
    EligibilityFacts,
    EligibilityPolicy,
    Exclusion,
    InCatchment,
    NotAlreadyCaseManaged,
    PredictedRiskAtLeast,
    Programme,
    ReferralSourceIn,
    RiskTier,
    age_cutoff,
)
from casemgmt.rules import RULES
from casemgmt.services import (
    ClinicianReview,
    CriterionStatus,
    EligibilityStatus,
    ReviewDecision,
    assess_eligibility,
    decide_eligibility,
    eligibility_facts,
)
from casemgmt.testing.strategies import dates, eligibility_policies
from casemgmt.testing.strategies import eligibility_facts as facts_strategy

DAY = pendulum.Date(2026, 1, 5)
CONSENTED = frozenset({ConsentScope.CASE_MANAGEMENT})
SAFE: dict[str, Any] = {
    "consents": CONSENTED,
    "already_case_managed": False,
    "same_service_elsewhere": False,
}


def _programme(policy: EligibilityPolicy) -> Programme:
    return GUIDED_CARE.with_eligibility(policy)


def _client(**changes: object) -> Client:
    values: dict[str, object] = {
        "id": ClientId("CL-1"),
        "name": PersonName(given="Ada", family="Lovelace"),
        "date_of_birth": pendulum.Date(1950, 6, 1),
        "consents": (
            Consent(
                scope=ConsentScope.CASE_MANAGEMENT,
                decision=ConsentDecision.PERMIT,
                recorded_on=pendulum.Date(2025, 12, 1),
            ),
        ),
    }
    values.update(changes)
    return Client(**values)  # type: ignore[arg-type]


def _referral(client_id: str = "CL-1", source_id: str = "RS-1") -> Referral:
    return Referral(
        id=ReferralId("RF-1"),
        client_id=ClientId(client_id),
        source_id=ReferralSourceId(source_id),
        received_on=pendulum.Date(2025, 12, 20),
        reason="frequent admissions",
    )


def _review(decision: ReviewDecision, reason: str | None = "seen at home") -> ClinicianReview:
    return ClinicianReview(
        reviewer_id=CaseManagerId("CM-1"), on=DAY, decision=decision, reason=reason
    )


# --- the decision follows the criteria ---------------------------------------------------


@pytest.mark.rule("E1", "E4")
@given(facts_strategy(), eligibility_policies())
def test_outcomes_follow_each_criterion_and_status_follows_outcomes(
    facts: EligibilityFacts, policy: EligibilityPolicy
) -> None:
    decision = decide_eligibility(facts, programme=_programme(policy), as_of=DAY)
    assert [o.key for o in decision.outcomes] == [c.key for c in policy.criteria]
    for criterion, outcome in zip(policy.criteria, decision.outcomes, strict=True):
        result = criterion.test(facts)
        expected = {
            None: CriterionStatus.MISSING,
            True: CriterionStatus.MET,
            False: CriterionStatus.NOT_MET,
        }
        assert outcome.status is expected[result]
        assert outcome.rule_id in RULES
        assert outcome.citation
    every_met = all(o.met for o in decision.outcomes)
    excluded = [e.key for e in policy.exclusions if e.when.test(facts) is True]
    assert [e.key for e in decision.exclusions] == excluded
    if every_met:
        expected_status = EligibilityStatus.EXCLUDED if excluded else EligibilityStatus.ELIGIBLE
        assert decision.status is expected_status
    else:
        assert decision.status not in (EligibilityStatus.ELIGIBLE, EligibilityStatus.EXCLUDED)
    assert decision.eligible == (every_met and not excluded)
    assert len(decision.reasons) >= len(decision.failed) + len(decision.exclusions)
    tiers = policy.tiers
    assert decision.tier == (None if tiers is None else tiers.tier(facts.predicted_risk))


@given(facts_strategy(), eligibility_policies())
def test_messages_never_carry_the_postcode(
    facts: EligibilityFacts, policy: EligibilityPolicy
) -> None:
    decision = decide_eligibility(facts, programme=_programme(policy), as_of=DAY)
    text = decision.explain() + "\n".join(decision.reasons)
    if facts.postcode:
        assert facts.postcode not in text


@given(dates(), dates(), st.integers(0, 110))
def test_age_cutoff_agrees_with_age_on(born: pendulum.Date, day: pendulum.Date, years: int) -> None:
    """E5: the date comparison a population screen uses gives the same answer as the age
    in whole years (29 February births included)."""
    client = _client(date_of_birth=born, consents=())
    assert (client.age_on(day) >= years) == (born <= age_cutoff(years, day))


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (pendulum.Date(1960, 2, 29), pendulum.Date(2025, 2, 28), 64),
        (pendulum.Date(1960, 2, 29), pendulum.Date(2025, 3, 1), 65),
        (pendulum.Date(1960, 2, 29), pendulum.Date(2024, 2, 29), 64),
        (pendulum.Date(1961, 1, 5), pendulum.Date(2026, 1, 5), 65),
        (pendulum.Date(1961, 1, 6), pendulum.Date(2026, 1, 5), 64),
    ],
)
def test_leap_day_and_birthday_ages(born: pendulum.Date, day: pendulum.Date, age: int) -> None:
    facts = eligibility_facts(_client(date_of_birth=born), as_of=day)
    assert facts.age == age
    decision = decide_eligibility(facts, programme=GUIDED_CARE, as_of=day)
    assert decision.outcomes[0].met == (age >= 65)


def test_over_65_read_strictly_needs_66() -> None:
    from casemgmt.policies import AgeComparison

    strict = AgeAtLeast(years=65, comparison=AgeComparison.OVER)
    assert strict.test(EligibilityFacts(age=65)) is False
    assert strict.test(EligibilityFacts(age=66)) is True
    assert AgeAtLeast(years=65).test(EligibilityFacts(age=65)) is True


# --- precedence of the answers ------------------------------------------------------------

_STATUS_CASES = [
    ({"age": 40}, EligibilityStatus.INELIGIBLE),
    ({"referral_source": ReferralSourceKind.FAMILY}, EligibilityStatus.INAPPROPRIATE),
    ({"already_case_managed": True}, EligibilityStatus.DUPLICATE),
    ({"same_service_elsewhere": True}, EligibilityStatus.DUPLICATE),
    ({"consents": frozenset()}, EligibilityStatus.CONSENT_NEEDED),
    ({}, EligibilityStatus.ELIGIBLE),
]
_POLICY = EligibilityPolicy(
    criteria=(
        AgeAtLeast(years=65),
        ReferralSourceIn(sources=frozenset({ReferralSourceKind.GP_OR_CLINICIAN})),
        ConsentRecorded(),
        NotAlreadyCaseManaged(),
    )
)
_GOOD = EligibilityFacts(age=70, referral_source=ReferralSourceKind.GP_OR_CLINICIAN, **SAFE)


@pytest.mark.rule("E8")
@pytest.mark.parametrize(("change", "status"), _STATUS_CASES)
def test_each_kind_of_failure_has_its_own_status(
    change: dict[str, Any], status: EligibilityStatus
) -> None:
    facts = attrs.evolve(_GOOD, **change)
    assert decide_eligibility(facts, programme=_programme(_POLICY), as_of=DAY).status is status


def test_ineligibility_wins_over_every_other_answer() -> None:
    facts = EligibilityFacts(
        age=40,
        referral_source=ReferralSourceKind.FAMILY,
        consents=frozenset(),
        already_case_managed=True,
        same_service_elsewhere=False,
    )
    decision = decide_eligibility(facts, programme=_programme(_POLICY), as_of=DAY)
    assert decision.status is EligibilityStatus.INELIGIBLE
    assert [o.key for o in decision.failed] == [c.key for c in _POLICY.criteria]


def test_missing_fact_is_reported_as_missing_not_as_failed() -> None:
    decision = decide_eligibility(EligibilityFacts(**SAFE), programme=PACE, as_of=DAY)
    age = decision.outcomes[0]
    assert age.status is CriterionStatus.MISSING
    assert "age not recorded" in age.message


# --- exclusions (E4) ------------------------------------------------------------------------

_EXCLUSION = Exclusion(
    key="end-of-life",
    when=ConditionCategoryIn(categories=frozenset({ConditionCategory.FRAILTY})),
    reason="judged unlikely to benefit from preventive case management",
)


@pytest.mark.rule("E4")
def test_exclusion_is_recorded_apart_from_ineligibility() -> None:
    policy = EligibilityPolicy(criteria=(AgeAtLeast(years=65),), exclusions=(_EXCLUSION,))
    frail = EligibilityFacts(age=80, condition_categories=frozenset({ConditionCategory.FRAILTY}))
    decision = decide_eligibility(frail, programme=_programme(policy), as_of=DAY)
    assert decision.status is EligibilityStatus.EXCLUDED
    assert not decision.failed
    assert decision.reasons == (f"excluded (end-of-life): {_EXCLUSION.reason}",)
    assert decision.referral_outcome is ReferralOutcome.INELIGIBLE
    unknown = decide_eligibility(EligibilityFacts(age=80), programme=_programme(policy), as_of=DAY)
    assert unknown.status is EligibilityStatus.ELIGIBLE  # a missing fact never excludes


# --- the clinician's review (E2) -------------------------------------------------------------


@pytest.mark.rule("E2")
def test_override_needs_a_reason() -> None:
    with pytest.raises(InvariantError, match="reason"):
        _review(ReviewDecision.DECLINE, reason="  ")
    assert _review(ReviewDecision.CONFIRM, reason=None).reason is None


@pytest.mark.rule("E2")
@pytest.mark.parametrize(
    ("change", "review", "final"),
    [
        ({}, ReviewDecision.CONFIRM, EligibilityStatus.ELIGIBLE),
        ({}, ReviewDecision.DECLINE, EligibilityStatus.INELIGIBLE),
        ({"age": 60}, ReviewDecision.ADMIT, EligibilityStatus.ELIGIBLE),
        ({"age": 60}, ReviewDecision.CONFIRM, EligibilityStatus.INELIGIBLE),
        ({"consents": frozenset()}, ReviewDecision.ADMIT, EligibilityStatus.CONSENT_NEEDED),
        ({"already_case_managed": True}, ReviewDecision.ADMIT, EligibilityStatus.DUPLICATE),
        (
            {"referral_source": ReferralSourceKind.SELF},
            ReviewDecision.ADMIT,
            EligibilityStatus.INAPPROPRIATE,
        ),
    ],
)
def test_review_overrides_only_clinical_answers(
    change: dict[str, Any], review: ReviewDecision, final: EligibilityStatus
) -> None:
    facts = attrs.evolve(_GOOD, **change)
    decision = decide_eligibility(
        facts, programme=_programme(_POLICY), as_of=DAY, review=_review(review)
    )
    assert decision.status is final
    assert decision.overridden == (decision.status is not decision.model_status)
    assert any("clinician" in r for r in decision.reasons)
    if review is not ReviewDecision.CONFIRM and not decision.overridden:
        assert any("not applied" in r for r in decision.reasons)


@pytest.mark.rule("E2")
@given(facts_strategy(), eligibility_policies())
def test_an_override_to_admit_never_sets_aside_consent_duplication_or_route(
    facts: EligibilityFacts, policy: EligibilityPolicy
) -> None:
    """E2 with E7-E9: whatever else fails, an admitted person has consent, is not already
    case-managed and came by an accepted route."""
    review = _review(ReviewDecision.ADMIT)
    decision = decide_eligibility(facts, programme=_programme(policy), as_of=DAY, review=review)
    non_clinical = (ConsentRecorded, NotAlreadyCaseManaged, ReferralSourceIn)
    blocked = [
        c for c in policy.criteria if isinstance(c, non_clinical) and c.test(facts) is not True
    ]
    assert decision.eligible == (not blocked)


@pytest.mark.rule("E2")
def test_admitted_by_override_keeps_the_failed_criteria_visible() -> None:
    facts = attrs.evolve(_GOOD, age=60)
    decision = decide_eligibility(
        facts, programme=_programme(_POLICY), as_of=DAY, review=_review(ReviewDecision.ADMIT)
    )
    assert decision.eligible
    assert decision.overridden
    assert decision.model_status is EligibilityStatus.INELIGIBLE
    assert [o.key for o in decision.failed] == ["age"]
    assert "REVIEW [E2]: clinician override to admit, applied: seen at home" in decision.explain()


# --- recording the referral (E7) -------------------------------------------------------------


@pytest.mark.rule("E7")
def test_record_on_turns_down_with_every_reason() -> None:
    facts = attrs.evolve(_GOOD, age=60)
    decision = decide_eligibility(facts, programme=_programme(_POLICY), as_of=DAY)
    recorded = decision.record_on(_referral(), DAY)
    assert recorded.outcome is ReferralOutcome.INELIGIBLE
    assert recorded.outcome_reason == "; ".join(decision.reasons)
    assert "age" in (recorded.outcome_reason or "")


def test_record_on_accepts_or_leaves_pending() -> None:
    eligible = decide_eligibility(_GOOD, programme=_programme(_POLICY), as_of=DAY)
    assert eligible.record_on(_referral(), DAY).outcome is ReferralOutcome.ACCEPTED
    waiting = decide_eligibility(
        attrs.evolve(_GOOD, consents=frozenset()),
        programme=_programme(_POLICY),
        as_of=DAY,
    )
    assert waiting.referral_outcome is None
    assert waiting.record_on(_referral(), DAY).is_pending


def test_inappropriate_and_duplicate_referrals_get_their_outcomes() -> None:
    cases: list[tuple[dict[str, Any], ReferralOutcome]] = [
        ({"referral_source": ReferralSourceKind.SELF}, ReferralOutcome.INAPPROPRIATE),
        ({"already_case_managed": True}, ReferralOutcome.DUPLICATE),
    ]
    for change, outcome in cases:
        facts = attrs.evolve(_GOOD, **change)
        decision = decide_eligibility(facts, programme=_programme(_POLICY), as_of=DAY)
        assert decision.record_on(_referral(), DAY).outcome is outcome


# --- facts from the record -------------------------------------------------------------------


@pytest.mark.rule("E8")
def test_facts_from_a_client_record() -> None:
    client = _client(
        conditions=(
            Condition(category=ConditionCategory.MUSCULOSKELETAL, long_term=True, label="back"),
            Condition(category=ConditionCategory.OTHER, long_term=False, label="sprain"),
        ),
        risk=RiskInputs(predicted_risk=0.4, scored_on=DAY, emergency_admissions_12m=2),
        address=Address(lines=("1 Road",), postcode="wa7 1aa"),
        employment=Employment(
            status=EmploymentStatus.EMPLOYED,
            nhs_employee=True,
            absence=SicknessAbsence(started_on=pendulum.Date(2025, 12, 1)),
        ),
    )
    other_case = Case(
        id=CaseId("CA-9"),
        client_id=ClientId("CL-1"),
        programme="ohsxtra",
        status=CaseStatus.ACTIVE,
        opened_on=pendulum.Date(2025, 1, 1),
        referrals=(
            Referral(
                id=ReferralId("RF-9"),
                client_id=ClientId("CL-1"),
                source_id=ReferralSourceId("RS-9"),
                received_on=pendulum.Date(2024, 12, 1),
                reason="back pain",
                outcome=ReferralOutcome.ACCEPTED,
                outcome_on=pendulum.Date(2025, 1, 1),
            ),
        ),
        manager_id=CaseManagerId("CM-2"),
    )
    facts = eligibility_facts(
        client,
        as_of=DAY,
        referral_source=ReferralSourceKind.SELF,
        open_cases=[other_case],
        services_elsewhere=["occupational health"],
    )
    assert facts.age == 75
    assert facts.predicted_risk == 0.4
    assert facts.emergency_admissions_12m == 2
    assert facts.long_term_conditions == 1
    assert facts.condition_categories == {
        ConditionCategory.MUSCULOSKELETAL,
        ConditionCategory.OTHER,
    }
    assert facts.nhs_employee is True
    assert facts.absent_or_struggling is True
    assert facts.consents == CONSENTED
    assert InCatchment(districts=frozenset({"WA7"})).test(facts) is True
    assert InCatchment(districts=frozenset({"WA71"})).test(facts) is False
    assert facts.already_case_managed is True
    assert facts.same_service_elsewhere is True


def test_facts_ignore_the_future_and_what_has_ended() -> None:
    client = _client(
        risk=RiskInputs(predicted_risk=0.9, scored_on=DAY.add(days=1)),
        employment=Employment(
            status=EmploymentStatus.EMPLOYED,
            absence=SicknessAbsence(
                started_on=pendulum.Date(2025, 10, 1), ended_on=pendulum.Date(2025, 11, 1)
            ),
        ),
        consents=(
            Consent(
                scope=ConsentScope.CASE_MANAGEMENT,
                decision=ConsentDecision.PERMIT,
                recorded_on=pendulum.Date(2025, 1, 1),
                withdrawn_on=pendulum.Date(2025, 12, 1),
            ),
        ),
    )
    facts = eligibility_facts(client, as_of=DAY)
    assert facts.predicted_risk is None  # scored after the day of the decision
    assert facts.absent_or_struggling is False  # the absence ended
    assert facts.nhs_employee is False
    assert facts.consents == frozenset()  # withdrawn
    assert eligibility_facts(_client(), as_of=DAY).nhs_employee is None  # no employment


def test_assess_eligibility_checks_the_entities_belong_together() -> None:
    source = ReferralSource(id=ReferralSourceId("RS-2"), kind=ReferralSourceKind.SELF)
    with pytest.raises(MismatchError) as raised:
        assess_eligibility(
            _client(), _referral(client_id="CL-2"), programme=PACE, as_of=DAY, source=source
        )
    assert [p.path for p in raised.value.problems] == ["referral.client_id", "source.id"]
    assert "Ada" not in str(raised.value)


@pytest.mark.rule("E5")
def test_assess_eligibility_end_to_end_for_wales_apn() -> None:
    source = ReferralSource(id=ReferralSourceId("RS-1"), kind=ReferralSourceKind.GP_OR_CLINICIAN)
    client = _client(
        date_of_birth=pendulum.Date(1975, 1, 5),
        risk=RiskInputs(predicted_risk=0.55, scored_on=DAY, emergency_admissions_12m=2),
    )
    decision = assess_eligibility(
        client, _referral(), programme=WALES_APN, as_of=DAY, source=source
    )
    assert decision.eligible, decision.explain()
    assert decision.tier is RiskTier.HIGH
    assert decision.client_id == "CL-1"
    assert decision.referral_id == "RF-1"
    younger = _client(date_of_birth=pendulum.Date(1976, 1, 6), risk=client.risk)  # 49
    assert not assess_eligibility(younger, programme=WALES_APN, as_of=DAY).eligible


@pytest.mark.rule("E5", "E9")
def test_ohsxtra_needs_record_sharing_consent_too() -> None:
    facts = EligibilityFacts(
        nhs_employee=True,
        condition_categories=frozenset({ConditionCategory.MENTAL_HEALTH}),
        absent_or_struggling=True,
        referral_source=ReferralSourceKind.EMPLOYER_OCCUPATIONAL_HEALTH,
        **SAFE,
    )
    decision = decide_eligibility(facts, programme=OHSXTRA, as_of=DAY)
    assert decision.status is EligibilityStatus.CONSENT_NEEDED
    both = frozenset({ConsentScope.CASE_MANAGEMENT, ConsentScope.RECORD_SHARING})
    shared = attrs.evolve(facts, consents=both)
    assert decide_eligibility(shared, programme=OHSXTRA, as_of=DAY).eligible


@pytest.mark.parametrize("key", sorted(PROGRAMMES))
def test_every_preset_asks_for_consent_and_detects_duplicates(key: str) -> None:
    """E9 and E8 apply to every programme."""
    kinds = {type(c) for c in PROGRAMMES[key].eligibility.criteria}
    assert {ConsentRecorded, NotAlreadyCaseManaged} <= kinds


@pytest.mark.rule("E6")
def test_risk_programmes_discharge_below_their_admission_threshold() -> None:
    """X1: the fourth discharge route is the risk falling below the programme's threshold."""
    for preset in PROGRAMMES.values():
        risk = [c for c in preset.eligibility.criteria if isinstance(c, PredictedRiskAtLeast)]
        if risk:
            assert preset.eligibility.discharge.risk_below == risk[0].threshold
