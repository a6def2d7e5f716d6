"""Caseload status and acceptance (C1-C8): weighted load against the limits, the high-risk
cap under both bases, accountability across a team, each reason a case manager can or
cannot take a case, and the profile derived from a case record."""

from __future__ import annotations

import math

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casemgmt.model import (
    Address,
    Assessment,
    AssessmentDomain,
    AssessmentId,
    AssessmentKind,
    CaseManagerId,
    CaseRecord,
    Complexity,
    ContactMode,
    DomainFinding,
    Intensity,
    NeedLevel,
    Specialism,
)
from casemgmt.policies import (
    DH_COMMUNITY_MATRON,
    EVERCARE_CASELOAD,
    GUIDED_CARE,
    GUIDED_CARE_CASELOAD,
    PACE,
    PACE_TEAM_CASELOAD,
    CaseloadPolicy,
    HighRiskBasis,
    RiskTier,
    SpecialismMatch,
)
from casemgmt.rules import Severity
from casemgmt.services import (
    CONDITION_SPECIALISMS,
    CaseloadFinding,
    CaseProfile,
    can_accept,
    case_profile,
    caseload_status,
    team_caseload_status,
)
from casemgmt.testing.strategies import case_records

from ._caseload_builders import cm

DAY = pendulum.Date(2026, 11, 23)
BY_CASELOAD = attrs.evolve(DH_COMMUNITY_MATRON, high_risk_basis=HighRiskBasis.CASELOAD)
REQUIRED = attrs.evolve(DH_COMMUNITY_MATRON, specialism_match=SpecialismMatch.REQUIRED)


def cases(count: int, tier: RiskTier = RiskTier.MEDIUM, prefix: str = "C") -> list[CaseProfile]:
    """``count`` typical cases (weight 1 at medium risk) of one tier."""
    return [CaseProfile(id=f"{prefix}{tier.value}{k}", risk_tier=tier) for k in range(count)]


def codes(findings: tuple[CaseloadFinding, ...]) -> dict[str, tuple[str, Severity]]:
    return {f.code: (f.rule_id, f.severity) for f in findings}


profiles = st.builds(
    CaseProfile,
    id=st.from_regex(r"C[0-9]{1,4}", fullmatch=True),
    risk_tier=st.sampled_from(RiskTier),
    complexity=st.sampled_from(Complexity),
    intensity=st.sampled_from(Intensity),
    rural=st.booleans(),
)


# -- caseload_status --------------------------------------------------------------------------


@pytest.mark.rule("C4")
@given(st.lists(profiles, max_size=40))
def test_load_is_the_sum_of_case_weights(held: list[CaseProfile]) -> None:
    """C4: the weighted load is the sum of the cases' weights; high-risk cases are counted."""
    status = caseload_status(cm("CM-1"), held, policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert status.load == pytest.approx(math.fsum(c.weight(DH_COMMUNITY_MATRON) for c in held))
    assert status.cases == len(held)
    assert status.high_risk == sum(c.risk_tier is RiskTier.HIGH for c in held)
    assert status.headroom == pytest.approx(80.0 - status.load)
    assert status.ok == (status.load <= 80.0 + 1e-9 and status.high_risk <= 7)


def test_typical_cases_weigh_one_each() -> None:
    """C4: fifty typical cases load a community matron to exactly her soft limit."""
    status = caseload_status(cm("CM-1"), cases(50), policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert (status.load, status.utilisation, status.headroom) == (50.0, 1.0, 30.0)
    assert status.findings == ()
    assert status.ok


@pytest.mark.rule("C1", "C5")
@pytest.mark.parametrize(
    ("policy", "rule"),
    [(DH_COMMUNITY_MATRON, "C1"), (EVERCARE_CASELOAD, "C2"), (GUIDED_CARE_CASELOAD, "C5")],
)
def test_over_the_hard_limit_is_a_breach_of_the_policys_rule(
    policy: CaseloadPolicy, rule: str
) -> None:
    """C1: a caseload above the hard limit is an error under the rule the limit comes from."""
    over = int(policy.hard_limit) + 1
    status = caseload_status(cm("CM-1"), cases(over), policy=policy, as_of=DAY)
    breach = next(f for f in status.findings if f.code == "over-hard-limit")
    assert (breach.rule_id, breach.severity) == (rule, Severity.ERROR)
    assert (breach.measured, breach.limit) == (over, policy.hard_limit)
    assert not status.ok
    assert status.headroom == -1.0
    at_limit = caseload_status(cm("CM-1"), cases(int(policy.hard_limit)), policy=policy, as_of=DAY)
    assert "over-hard-limit" not in codes(at_limit.findings)


@pytest.mark.rule("C2")
@pytest.mark.parametrize(
    ("policy", "rule"), [(DH_COMMUNITY_MATRON, "C2"), (GUIDED_CARE_CASELOAD, "C5")]
)
def test_over_the_soft_limit_is_a_warning(policy: CaseloadPolicy, rule: str) -> None:
    """C2: above the soft limit the caseload is heavy: a warning, not a breach."""
    status = caseload_status(cm("CM-1"), cases(55), policy=policy, as_of=DAY)
    assert codes(status.findings) == {"over-soft-limit": (rule, Severity.WARNING)}
    assert status.ok


@pytest.mark.rule("C2")
def test_evercare_has_no_heavy_band() -> None:
    """C2: Evercare's soft and hard limits are both 50: over 50 is a breach, never a warning."""
    status = caseload_status(cm("CM-1"), cases(51), policy=EVERCARE_CASELOAD, as_of=DAY)
    assert codes(status.findings) == {"over-hard-limit": ("C2", Severity.ERROR)}


def test_limits_scale_with_fte_and_non_clinical_time() -> None:
    """C4: a half-time matron's hard limit is 40; more non-clinical time lowers it further."""
    half = caseload_status(cm("CM-1", fte=0.5), cases(41), policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert (half.soft_limit, half.hard_limit) == (25.0, 40.0)
    assert "over-hard-limit" in codes(half.findings)
    busy = caseload_status(
        cm("CM-1", non_clinical=0.25), cases(61), policy=DH_COMMUNITY_MATRON, as_of=DAY
    )
    assert (busy.soft_limit, busy.hard_limit) == (37.5, 60.0)
    assert "over-hard-limit" in codes(busy.findings)


@pytest.mark.rule("C3")
def test_high_risk_cap_on_capacity_basis() -> None:
    """C3: 15% of a soft limit of 50 allows 7 high-risk patients; the 8th is a breach."""
    seven = caseload_status(
        cm("CM-1"), cases(7, RiskTier.HIGH), policy=DH_COMMUNITY_MATRON, as_of=DAY
    )
    assert seven.high_risk_cap == 7
    assert codes(seven.findings) == {"high-risk-above-warning": ("C3", Severity.WARNING)}
    eight = caseload_status(
        cm("CM-1"), cases(8, RiskTier.HIGH), policy=DH_COMMUNITY_MATRON, as_of=DAY
    )
    breach = next(f for f in eight.findings if f.code == "high-risk-over-cap")
    assert (breach.rule_id, breach.severity, breach.measured, breach.limit) == (
        "C3",
        Severity.ERROR,
        8,
        7,
    )


def test_high_risk_warning_on_capacity_basis() -> None:
    """C3: at most 10% of capacity (5 of 50) passes without a warning."""
    five = caseload_status(
        cm("CM-1"), cases(5, RiskTier.HIGH), policy=DH_COMMUNITY_MATRON, as_of=DAY
    )
    assert five.findings == ()
    six = caseload_status(
        cm("CM-1"), cases(6, RiskTier.HIGH), policy=DH_COMMUNITY_MATRON, as_of=DAY
    )
    assert codes(six.findings) == {"high-risk-above-warning": ("C3", Severity.WARNING)}


def test_high_risk_cap_on_capacity_basis_ignores_how_many_are_held() -> None:
    """C3: on the capacity basis one high-risk patient alone on a caseload is allowed."""
    status = caseload_status(
        cm("CM-1"), cases(1, RiskTier.HIGH), policy=DH_COMMUNITY_MATRON, as_of=DAY
    )
    assert status.ok
    assert status.high_risk_share == 1.0


@pytest.mark.rule("C3")
def test_high_risk_cap_on_caseload_basis() -> None:
    """C3: on the caseload basis the cap is 15% of the patients held: 3 of 20, not 4."""
    held = cases(17) + cases(3, RiskTier.HIGH)
    three = caseload_status(cm("CM-1"), held, policy=BY_CASELOAD, as_of=DAY)
    assert three.ok
    assert three.high_risk_cap == 3
    held = cases(16) + cases(4, RiskTier.HIGH)
    four = caseload_status(cm("CM-1"), held, policy=BY_CASELOAD, as_of=DAY)
    assert codes(four.findings)["high-risk-over-cap"] == ("C3", Severity.ERROR)
    alone = caseload_status(cm("CM-1"), cases(1, RiskTier.HIGH), policy=BY_CASELOAD, as_of=DAY)
    assert not alone.ok


def test_cases_not_on_the_caseload_that_day_are_ignored() -> None:
    """C1: cases not yet opened, or closed on or before the day, do not count."""
    held = [
        CaseProfile(id="OPEN", opened_on=DAY.subtract(days=10)),
        CaseProfile(id="TODAY", opened_on=DAY),
        CaseProfile(id="UNDATED"),
        CaseProfile(id="CLOSES-TOMORROW", closed_on=DAY.add(days=1)),
        CaseProfile(id="LATER", opened_on=DAY.add(days=1)),
        CaseProfile(id="CLOSED", opened_on=DAY.subtract(days=30), closed_on=DAY),
        CaseProfile(id="LONG-GONE", closed_on=DAY.subtract(days=3), risk_tier=RiskTier.HIGH),
    ]
    status = caseload_status(cm("CM-1"), held, policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert (status.cases, status.load, status.high_risk) == (4, 4.0, 0)


def test_status_summary_and_holder() -> None:
    """C1: the status names its holder and reports load, limits and the high-risk cap."""
    status = caseload_status(cm("CM-7"), cases(3), policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert status.holder == "CM-7"
    assert status.summary() == (
        "CM-7: 3 cases, load 3.0 of 50.0 (hard 80.0), headroom 77.0, high-risk 0/7"
    )


# -- team_caseload_status ---------------------------------------------------------------------


@pytest.mark.rule("C6")
def test_cases_held_by_an_unknown_manager_have_no_accountable_manager() -> None:
    """C6: each open case listed under an id outside the team is an accountability breach."""
    team = [cm("CM-1"), cm("CM-2")]
    caseloads = {
        CaseManagerId("CM-1"): cases(3, prefix="A"),
        CaseManagerId("CM-9"): [
            CaseProfile(id="LOST-1"),
            CaseProfile(id="LOST-2"),
            CaseProfile(id="DONE", closed_on=DAY.subtract(days=1)),
        ],
    }
    status = team_caseload_status(team, caseloads, policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert [(f.rule_id, f.code, f.severity) for f in status.findings] == [
        ("C6", "no-accountable-manager", Severity.ERROR)
    ] * 2
    assert "LOST-1" in status.findings[0].message
    assert not status.ok
    assert [m.holder for m in status.members] == ["CM-1", "CM-2"]
    assert status.cases == 3


def test_a_team_whose_cases_are_all_held_is_ok() -> None:
    """C6: when every case is held by a team member the team has no accountability finding."""
    team = [cm("CM-1"), cm("CM-2")]
    caseloads = {CaseManagerId("CM-1"): cases(3), CaseManagerId("CM-2"): cases(2, prefix="B")}
    status = team_caseload_status(team, caseloads, policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert status.findings == ()
    assert status.ok
    assert (status.cases, status.load, status.headroom) == (5, 5.0, 155.0)


@pytest.mark.rule("C5")
def test_team_scope_pools_caseloads_by_team() -> None:
    """C5: under PACE the limits apply to each team's pooled caseload, not to each member."""
    team = [
        cm("CM-1", team="T1", fte=0.2),
        cm("CM-2", team="T1"),
        cm("CM-3", team="T2"),
        cm("CM-4"),
    ]
    caseloads = {
        CaseManagerId("CM-1"): cases(200, prefix="A"),
        CaseManagerId("CM-2"): cases(110, prefix="B"),
        CaseManagerId("CM-3"): cases(10, prefix="C"),
    }
    status = team_caseload_status(team, caseloads, policy=PACE_TEAM_CASELOAD, as_of=DAY)
    by_holder = {m.holder: m for m in status.members}
    assert set(by_holder) == {"T1", "T2", "CM-4 (no team)"}
    t1 = by_holder["T1"]
    assert (t1.cases, t1.soft_limit, t1.hard_limit) == (310, 250, 300)
    assert codes(t1.findings)["over-hard-limit"] == ("C5", Severity.ERROR)
    assert by_holder["T2"].ok
    assert by_holder["CM-4 (no team)"].cases == 0
    assert not status.ok
    assert status.headroom == 290 + 300


# -- can_accept -------------------------------------------------------------------------------


@pytest.mark.rule("C2")
def test_cannot_accept_above_the_hard_limit() -> None:
    """C2: an Evercare nurse with 50 patients cannot take another."""
    decision = can_accept(
        cm("CM-1"), CaseProfile(id="NEW"), cases(50), policy=EVERCARE_CASELOAD, as_of=DAY
    )
    assert not decision.accepted
    assert codes(decision.findings) == {"over-hard-limit": ("C2", Severity.ERROR)}
    assert decision.load_after == 51.0
    assert "cannot accept NEW" in decision.explain()


def test_can_accept_up_to_the_hard_limit_with_a_heavy_caseload_warning() -> None:
    """C1: taking the 80th patient is allowed, with a warning that the caseload is heavy."""
    decision = can_accept(
        cm("CM-1"), CaseProfile(id="NEW"), cases(79), policy=DH_COMMUNITY_MATRON, as_of=DAY
    )
    assert decision.accepted
    assert codes(decision.findings) == {"over-soft-limit": ("C2", Severity.WARNING)}


def test_cannot_accept_a_high_risk_case_over_the_cap() -> None:
    """C3: with 7 high-risk patients of 50 capacity, an 8th high-risk case is refused."""
    held = cases(7, RiskTier.HIGH) + cases(10)
    new = CaseProfile(id="NEW", risk_tier=RiskTier.HIGH)
    decision = can_accept(cm("CM-1"), new, held, policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert not decision.accepted
    assert codes(decision.findings)["high-risk-over-cap"] == ("C3", Severity.ERROR)
    low = CaseProfile(id="LOW", risk_tier=RiskTier.LOW)
    assert can_accept(cm("CM-1"), low, held, policy=DH_COMMUNITY_MATRON, as_of=DAY).accepted


def test_caseload_basis_refuses_a_high_risk_case_on_a_small_caseload() -> None:
    """C3: on the caseload basis a high-risk case needs enough other patients to stay at 15%."""
    new = CaseProfile(id="NEW", risk_tier=RiskTier.HIGH)
    small = can_accept(cm("CM-1"), new, cases(5), policy=BY_CASELOAD, as_of=DAY)
    assert codes(small.findings)["high-risk-over-cap"] == ("C3", Severity.ERROR)
    enough = can_accept(cm("CM-1"), new, cases(6), policy=BY_CASELOAD, as_of=DAY)
    assert enough.accepted


@pytest.mark.parametrize("policy", [DH_COMMUNITY_MATRON, BY_CASELOAD])
@pytest.mark.parametrize("tier", [RiskTier.MEDIUM, RiskTier.LOW, RiskTier.UNSCORED])
def test_a_lower_risk_case_is_never_refused_for_an_existing_high_risk_breach(
    policy: CaseloadPolicy, tier: RiskTier
) -> None:
    """C3: a caseload already over its high-risk cap may still take a case that is not high."""
    held = cases(10, RiskTier.HIGH)
    decision = can_accept(
        cm("CM-1"), CaseProfile(id="NEW", risk_tier=tier), held, policy=policy, as_of=DAY
    )
    assert decision.accepted
    assert codes(decision.findings)["high-risk-over-cap"] == ("C3", Severity.WARNING)
    high = can_accept(
        cm("CM-1"),
        CaseProfile(id="NEW", risk_tier=RiskTier.HIGH),
        held,
        policy=policy,
        as_of=DAY,
    )
    assert not high.accepted


@pytest.mark.rule("C1")
@given(st.lists(profiles, max_size=30, unique_by=lambda c: c.id), profiles)
def test_acceptance_agrees_with_the_status_after(held: list[CaseProfile], new: CaseProfile) -> None:
    """C1: a case is accepted exactly when the hard limit and, for a high-risk case, the cap
    hold after it is added."""
    new = attrs.evolve(new, id="NEW")
    policy = attrs.evolve(DH_COMMUNITY_MATRON, soft_limit=10, hard_limit=15)
    decision = can_accept(cm("CM-1"), new, held, policy=policy, as_of=DAY)
    after = caseload_status(cm("CM-1"), [*held, new], policy=policy, as_of=DAY)
    over_hard = after.load > after.hard_limit + 1e-9
    over_cap = new.is_high_risk and after.high_risk > after.high_risk_cap
    assert decision.accepted == (not over_hard and not over_cap)
    assert decision.load_after == pytest.approx(after.load)


@pytest.mark.rule("C8")
def test_required_specialism_missing_is_a_refusal() -> None:
    """C8: with a required specialism, a case manager without it cannot take the case."""
    new = CaseProfile(id="NEW", needs=frozenset({Specialism.BRAIN_INJURY}))
    refused = can_accept(cm("CM-1"), new, [], policy=REQUIRED, as_of=DAY)
    assert not refused.accepted
    assert codes(refused.findings) == {"specialism-missing": ("C8", Severity.ERROR)}
    assert "brain-injury" in refused.findings[0].message
    holder = cm("CM-2", Specialism.BRAIN_INJURY, Specialism.MENTAL_HEALTH)
    matched = can_accept(holder, new, [], policy=REQUIRED, as_of=DAY)
    assert matched.accepted
    assert codes(matched.findings) == {"specialism-matched": ("C8", Severity.INFORMATION)}


@pytest.mark.rule("C8")
def test_preferred_specialism_missing_is_a_warning() -> None:
    """C8: with a preferred specialism, a case manager without it may take the case."""
    new = CaseProfile(id="NEW", needs=frozenset({Specialism.BRAIN_INJURY}))
    decision = can_accept(cm("CM-1"), new, [], policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert decision.accepted
    assert codes(decision.findings) == {"specialism-missing": ("C8", Severity.WARNING)}


@pytest.mark.rule("C7")
def test_continuity_kept_is_information_and_broken_is_a_warning() -> None:
    """C7: the client's previous case manager keeps continuity; anyone else breaks it."""
    new = CaseProfile(id="NEW", previous_manager_id=CaseManagerId("CM-1"))
    kept = can_accept(cm("CM-1"), new, [], policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert codes(kept.findings) == {"continuity-kept": ("C7", Severity.INFORMATION)}
    broken = can_accept(cm("CM-2"), new, [], policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert broken.accepted
    assert codes(broken.findings) == {"continuity-broken": ("C7", Severity.WARNING)}
    first = can_accept(cm("CM-2"), CaseProfile(id="N2"), [], policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert first.findings == ()


def test_team_scope_checks_the_team_pool() -> None:
    """C5: under a team-scoped policy the limit applies to the whole team's caseload."""
    own = cases(10)
    pool = own + cases(290, prefix="T")
    member = cm("CM-1", team="T1", fte=0.2)
    new = CaseProfile(id="NEW")
    full = can_accept(member, new, own, policy=PACE_TEAM_CASELOAD, as_of=DAY, pool=pool)
    assert not full.accepted
    assert codes(full.findings)["over-hard-limit"] == ("C5", Severity.ERROR)
    alone = can_accept(member, new, own, policy=PACE_TEAM_CASELOAD, as_of=DAY)
    assert alone.accepted


# -- case_profile -----------------------------------------------------------------------------


@pytest.mark.rule("C4")
@settings(max_examples=15)
@given(case_records())
def test_profile_from_a_record(record: CaseRecord) -> None:
    """C4: the profile takes the tier recorded on the case (else the programme's tier of the
    client's risk), the needs from the conditions, the locality from the postcode district
    and the case's own manager (C7)."""
    profile = case_profile(record, programme=GUIDED_CARE, as_of=DAY)
    tiers = GUIDED_CARE.eligibility.tiers
    assert tiers is not None
    assert profile.id == str(record.case.id)
    assert profile.client_id == record.client.id
    recorded = record.case.risk_tier_on(DAY)
    assert profile.risk_tier is (recorded or tiers.tier(record.client.risk.predicted_risk))
    assert profile.needs == {
        CONDITION_SPECIALISMS[c.category]
        for c in record.client.conditions
        if c.category in CONDITION_SPECIALISMS
    }
    address = record.client.address
    if address is None or address.postcode is None:
        assert profile.locality is None
    else:
        assert profile.locality == address.postcode.split()[0]
    assert profile.previous_manager_id == record.case.manager_id
    assert (profile.opened_on, profile.closed_on) == (record.case.opened_on, record.case.closed_on)
    assert (profile.intensity, profile.rural) == (Intensity.STANDARD, False)
    unscored = case_profile(record, programme=PACE, as_of=DAY, rural=True)
    assert unscored.risk_tier is (recorded or RiskTier.UNSCORED)
    assert unscored.rural


def _assessment(record: CaseRecord, key: str, day: pendulum.Date, *needs: NeedLevel) -> Assessment:
    return Assessment(
        id=AssessmentId(key),
        client_id=record.client.id,
        kind=AssessmentKind.REVIEW,
        performed_on=day,
        contact_mode=ContactMode.FACE_TO_FACE,
        findings=tuple(
            DomainFinding(domain=domain, need=need)
            for domain, need in zip(AssessmentDomain, needs, strict=False)
        ),
    )


@settings(max_examples=3)
@given(case_records())
def test_profile_complexity_and_district_from_the_record(record: CaseRecord) -> None:
    """C4: complexity follows the latest assessment by the day; the locality is the district."""
    client = attrs.evolve(
        record.client,
        address=Address(lines=("1 High St",), postcode="cf10 1ep"),
        risk=attrs.evolve(record.client.risk, predicted_risk=0.6, scored_on=DAY),
    )
    high = NeedLevel.HIGH
    a_high = _assessment(record, "A-1", DAY.subtract(days=20), high, NeedLevel.CRITICAL, high)
    a_low = _assessment(record, "A-2", DAY.subtract(days=5), NeedLevel.LOW, NeedLevel.NONE)
    a_later = _assessment(record, "A-3", DAY.add(days=5), high, high, high)

    def with_assessments(*done: Assessment) -> CaseRecord:
        case = attrs.evolve(record.case, assessments=done, events=())
        return attrs.evolve(record, client=client, case=case)

    none = case_profile(with_assessments(), programme=GUIDED_CARE, as_of=DAY)
    assert (none.complexity, none.locality, none.risk_tier) == (
        Complexity.MODERATE,
        "CF10",
        RiskTier.HIGH,
    )
    only_high = case_profile(with_assessments(a_high, a_later), programme=GUIDED_CARE, as_of=DAY)
    assert only_high.complexity is Complexity.HIGH
    latest_low = case_profile(
        with_assessments(a_high, a_low, a_later), programme=GUIDED_CARE, as_of=DAY
    )
    assert latest_low.complexity is Complexity.LOW
    moderate = _assessment(record, "A-4", DAY, NeedLevel.MODERATE)
    assert (
        case_profile(with_assessments(a_low, moderate), programme=GUIDED_CARE, as_of=DAY).complexity
        is Complexity.MODERATE
    )
