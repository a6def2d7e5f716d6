"""Allocation of referrals and hand-over of a caseload (C1-C8): every referral placed or
unplaced with its reasons, limits and caps never breached by the library's placements, a
required specialism never missing, continuity kept, the highest risk placed first, the
same answer whatever the input order, and hand-overs that keep each case's history."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casemgmt.errors import InvalidTransitionError, InvariantError
from casemgmt.model import (
    ActorId,
    Case,
    CaseAction,
    CaseId,
    CaseManager,
    CaseManagerId,
    CaseStatus,
    ClientId,
    Closure,
    ClosureReason,
    Complexity,
    Intensity,
    Referral,
    ReferralId,
    ReferralSourceId,
    Specialism,
)
from casemgmt.policies import (
    DH_COMMUNITY_MATRON,
    EVERCARE_CASELOAD,
    PACE_TEAM_CASELOAD,
    UNWEIGHTED,
    AllocationCosts,
    CaseloadPolicy,
    HighRiskBasis,
    LimitScope,
    RiskTier,
    SpecialismMatch,
)
from casemgmt.rules import Severity
from casemgmt.services import (
    EXACT_LIMIT,
    Allocation,
    AllocationMethod,
    CaseloadStatus,
    CaseProfile,
    allocate,
    can_accept,
    caseload_status,
    reassign_caseload,
)
from casemgmt.testing.strategies import cases

from ._caseload_builders import cm

DAY = pendulum.Date(2026, 11, 23)
BY = ActorId("team-lead")
AT = pendulum.datetime(2026, 11, 23, 9, tz="Europe/London")
LOCALITIES = ("N1", "N7", "E2")
SPECIALISMS = (Specialism.BRAIN_INJURY, Specialism.MENTAL_HEALTH, Specialism.OLDER_PEOPLE)
METHODS = (AllocationMethod.AUTO, AllocationMethod.GREEDY, AllocationMethod.LP)
Caseloads = Mapping[CaseManagerId, Sequence[CaseProfile]]


def typical(count: int, tier: RiskTier = RiskTier.MEDIUM, prefix: str = "H") -> list[CaseProfile]:
    return [CaseProfile(id=f"{prefix}-{tier.value}-{k}", risk_tier=tier) for k in range(count)]


@attrs.frozen
class World:
    """A generated team, its caseloads, a batch of referrals and a policy."""

    policy: CaseloadPolicy
    managers: tuple[CaseManager, ...]
    caseloads: dict[CaseManagerId, tuple[CaseProfile, ...]]
    referrals: tuple[CaseProfile, ...]


@st.composite
def worlds(draw: st.DrawFn, min_managers: int = 1, max_referrals: int = 10) -> World:
    """1-5 case managers with random FTE, specialisms, localities and teams, caseloads of
    0-10 cases (possibly already in breach) and 0-10 referrals, under either basis, scope
    and specialism match."""
    soft = draw(st.integers(min_value=2, max_value=12))
    policy = CaseloadPolicy(
        key="generated",
        soft_limit=soft,
        hard_limit=soft + draw(st.integers(min_value=0, max_value=4)),
        scope=draw(st.sampled_from(LimitScope)),
        high_risk_share=draw(st.sampled_from([0.15, 0.25, 0.5])),
        high_risk_warning_share=0.1,
        high_risk_basis=draw(st.sampled_from(HighRiskBasis)),
        specialism_match=draw(st.sampled_from(SpecialismMatch)),
        weights=draw(st.sampled_from([UNWEIGHTED, DH_COMMUNITY_MATRON.weights])),
        costs=AllocationCosts(
            distances_km={("N1", "N7"): 4.0, ("E2", "N7"): 12.0},
            over_soft_limit=draw(st.sampled_from([0.0, 5.0, 40.0])),
        ),
    )
    count = draw(st.integers(min_value=min_managers, max_value=5))
    managers = tuple(
        cm(
            f"CM-{k}",
            *draw(st.frozensets(st.sampled_from(SPECIALISMS), max_size=2)),
            fte=draw(st.sampled_from([0.4, 0.5, 0.8, 1.0])),
            locality=draw(st.none() | st.sampled_from(LOCALITIES)),
            team=draw(st.none() | st.sampled_from(["T1", "T2"])),
            non_clinical=draw(st.none() | st.sampled_from([0.0, 0.3])),
        )
        for k in range(count)
    )
    previous = st.none() | st.sampled_from([*(m.id for m in managers), CaseManagerId("CM-gone")])

    def profile(case_id: str) -> CaseProfile:
        return CaseProfile(
            id=case_id,
            risk_tier=draw(st.sampled_from(RiskTier)),
            complexity=draw(st.sampled_from(Complexity)),
            intensity=draw(st.sampled_from(Intensity)),
            rural=draw(st.booleans()),
            locality=draw(st.none() | st.sampled_from(LOCALITIES)),
            needs=draw(st.frozensets(st.sampled_from(SPECIALISMS), max_size=1)),
            previous_manager_id=draw(previous),
        )

    caseloads = {
        m.id: tuple(profile(f"H-{m.id}-{k}") for k in range(draw(st.integers(0, 10))))
        for m in managers
    }
    referrals = tuple(profile(f"R-{k:02d}") for k in range(draw(st.integers(0, max_referrals))))
    return World(policy=policy, managers=managers, caseloads=caseloads, referrals=referrals)


def pools(policy: CaseloadPolicy, managers: Sequence[CaseManager]) -> dict[str, list[CaseManager]]:
    """The managers whose cases count against each pool's limits."""
    out: dict[str, list[CaseManager]] = {}
    for m in managers:
        if policy.scope is LimitScope.TEAM:
            key = str(m.team_id) if m.team_id is not None else f"{m.id} (no team)"
        else:
            key = str(m.id)
        out.setdefault(key, []).append(m)
    return out


def statuses(
    policy: CaseloadPolicy, managers: Sequence[CaseManager], caseloads: Caseloads
) -> dict[str, CaseloadStatus]:
    """Each pool's caseload status, computed with caseload_status."""
    team = policy.scope is LimitScope.TEAM
    return {
        key: caseload_status(
            None if team else members[0],
            [c for m in members for c in caseloads.get(m.id, ())],
            policy=policy,
            as_of=DAY,
            holder=key,
        )
        for key, members in pools(policy, managers).items()
    }


def after(world: World, result: Allocation) -> dict[CaseManagerId, list[CaseProfile]]:
    """The caseloads with the allocation's placements added."""
    by_id = {r.id: r for r in world.referrals}
    held = {m.id: list(world.caseloads.get(m.id, ())) for m in world.managers}
    for a in result.assignments:
        held[a.manager_id].append(by_id[a.referral_id])
    return held


def breached(status: CaseloadStatus) -> set[str]:
    return {f.code for f in status.findings if f.severity is Severity.ERROR}


def run(world: World, method: AllocationMethod = AllocationMethod.AUTO) -> Allocation:
    return allocate(
        world.referrals,
        world.managers,
        world.caseloads,
        policy=world.policy,
        as_of=DAY,
        method=method,
    )


def placement_cost(
    policy: CaseloadPolicy, ref: CaseProfile, manager: CaseManager, ids: set[str]
) -> float:
    costs = policy.costs
    cost = costs.travel(ref.locality, manager.locality)
    if not ref.needs <= manager.specialisms:
        cost += costs.specialism_mismatch
    previous = ref.previous_manager_id
    if previous is not None and previous in ids and previous != manager.id:
        cost += costs.broken_continuity
    return cost


# -- properties -------------------------------------------------------------------------------


@pytest.mark.rule("C1", "C3", "C8")
@settings(max_examples=40)
@given(worlds(), st.sampled_from(METHODS))
def test_allocation_keeps_every_limit_and_accounts_for_every_referral(
    world: World, method: AllocationMethod
) -> None:
    """C1: each referral is placed or unplaced exactly once; no pool within its hard limit or
    high-risk cap (C3) is pushed over it; a required specialism is never missing (C8)."""
    result = run(world, method)
    placed = [a.referral_id for a in result.assignments]
    unplaced = [u.referral_id for u in result.unplaced]
    assert sorted(placed + unplaced) == sorted(r.id for r in world.referrals)
    assert len(set(placed + unplaced)) == len(world.referrals)
    before = statuses(world.policy, world.managers, world.caseloads)
    now = statuses(world.policy, world.managers, after(world, result))
    for key, status in now.items():
        assert breached(status) <= breached(before[key]), (key, status.findings)
    managers = {m.id: m for m in world.managers}
    by_id = {r.id: r for r in world.referrals}
    if world.policy.specialism_match is SpecialismMatch.REQUIRED:
        for a in result.assignments:
            assert by_id[a.referral_id].needs <= managers[a.manager_id].specialisms
    reported = {s.holder: s for s in result.statuses}
    assert set(reported) == set(now)
    for key, status in now.items():
        assert reported[key].cases == status.cases
        assert reported[key].load == pytest.approx(status.load)
        assert reported[key].high_risk == status.high_risk


@settings(max_examples=40)
@given(worlds(), st.sampled_from(METHODS))
def test_objective_accounts_for_each_cost(world: World, method: AllocationMethod) -> None:
    """C8: the objective is the placements' costs (specialism, continuity, travel), the
    penalties of the unplaced by tier, and the load the allocation adds above soft limits."""
    result = run(world, method)
    policy = world.policy
    managers = {m.id: m for m in world.managers}
    ids = {str(m.id) for m in world.managers}
    by_id = {r.id: r for r in world.referrals}
    for a in result.assignments:
        ref = by_id[a.referral_id]
        assert a.cost == pytest.approx(placement_cost(policy, ref, managers[a.manager_id], ids))
    assert result.placement_cost == pytest.approx(math.fsum(a.cost for a in result.assignments))
    assert result.unplaced_cost == pytest.approx(
        math.fsum(policy.costs.unplaced[by_id[u.referral_id].risk_tier] for u in result.unplaced)
    )
    rate = policy.costs.over_soft_limit
    before = statuses(policy, world.managers, world.caseloads)
    over = math.fsum(
        rate * (max(0.0, s.load - s.soft_limit) - max(0.0, before[key].load - s.soft_limit))
        for key, s in statuses(policy, world.managers, after(world, result)).items()
    )
    assert result.over_soft_cost == pytest.approx(over, abs=1e-9)
    assert result.objective == pytest.approx(
        result.placement_cost + result.unplaced_cost + result.over_soft_cost
    )


@settings(max_examples=40)
@given(worlds(), st.sampled_from(METHODS))
def test_no_unplaced_referral_could_have_been_accepted(
    world: World, method: AllocationMethod
) -> None:
    """C1: a referral is left unplaced only when no case manager can accept it after the
    allocation, and its reasons name the rule that stops it (C8, the limit rule, C3)."""
    result = run(world, method)
    held = after(world, result)
    by_id = {r.id: r for r in world.referrals}
    grouped = pools(world.policy, world.managers)
    pool_of = {m.id: key for key, members in grouped.items() for m in members}
    for u in result.unplaced:
        ref = by_id[u.referral_id]
        for m in world.managers:
            pool = [c for other in grouped[pool_of[m.id]] for c in held[other.id]]
            decision = can_accept(m, ref, held[m.id], policy=world.policy, as_of=DAY, pool=pool)
            assert not decision.accepted, (u.referral_id, m.id)
        rules = {f.rule_id for f in u.findings if f.severity is Severity.ERROR}
        assert rules
        assert rules <= {"C8", "C3", world.policy.limit_rule}


@settings(max_examples=25)
@given(worlds(), st.sampled_from(METHODS), st.randoms(use_true_random=False))
def test_input_order_never_changes_the_allocation(
    world: World, method: AllocationMethod, rng: random.Random
) -> None:
    """C1-C8: permuting referrals, case managers and caseloads gives the identical result."""
    referrals = list(world.referrals)
    managers = list(world.managers)
    rng.shuffle(referrals)
    rng.shuffle(managers)
    keys = list(world.caseloads)
    rng.shuffle(keys)
    caseloads = {k: world.caseloads[k] for k in keys}
    first = run(world, method)
    second = allocate(referrals, managers, caseloads, policy=world.policy, as_of=DAY, method=method)
    assert second == first


@settings(max_examples=25)
@given(worlds(max_referrals=7))
def test_lp_is_feasible_and_bounded_by_the_exact_optimum(world: World) -> None:
    """C1: the LP method's allocation costs at least its lower bound, which is at most the
    exact optimum."""
    lp = run(world, AllocationMethod.LP)
    exact = run(world, AllocationMethod.EXACT)
    assert lp.lower_bound is not None
    tolerance = 1e-6 * max(1.0, abs(exact.objective))
    assert lp.objective >= lp.lower_bound - tolerance
    assert exact.objective <= lp.objective + tolerance
    if exact.proven_optimal:
        assert lp.lower_bound <= exact.objective + tolerance


# -- examples ---------------------------------------------------------------------------------


@pytest.mark.rule("C8")
def test_required_specialism_goes_to_the_specialist() -> None:
    """C8: a case needing a required specialism goes to the one case manager who holds it."""
    policy = attrs.evolve(DH_COMMUNITY_MATRON, specialism_match=SpecialismMatch.REQUIRED)
    team = [cm("CM-1", locality="N1"), cm("CM-2", Specialism.BRAIN_INJURY, locality="E2")]
    ref = CaseProfile(id="R1", locality="N1", needs=frozenset({Specialism.BRAIN_INJURY}))
    for method in METHODS:
        result = allocate([ref], team, {}, policy=policy, as_of=DAY, method=method)
        assert result.manager_of("R1") == "CM-2"


@pytest.mark.rule("C7")
def test_returning_client_goes_to_their_previous_case_manager() -> None:
    """C7: a returning client is placed with their previous case manager when they have room,
    even when someone nearer could take them."""
    team = [cm("CM-1", locality="N1"), cm("CM-2", locality="E2")]
    ref = CaseProfile(id="R1", locality="N1", previous_manager_id=CaseManagerId("CM-2"))
    for method in METHODS:
        result = allocate([ref], team, {}, policy=DH_COMMUNITY_MATRON, as_of=DAY, method=method)
        assert result.manager_of("R1") == "CM-2"
        codes = {f.code: f.severity for f in result.assignments[0].findings}
        assert codes["continuity-kept"] is Severity.INFORMATION


def test_returning_client_whose_case_manager_is_full_goes_elsewhere() -> None:
    """C7: when the previous case manager is full the client is placed with someone else,
    and the broken continuity is reported."""
    team = [cm("CM-1"), cm("CM-2")]
    ref = CaseProfile(id="R1", previous_manager_id=CaseManagerId("CM-2"))
    loads = {CaseManagerId("CM-2"): typical(50)}
    result = allocate([ref], team, loads, policy=EVERCARE_CASELOAD, as_of=DAY)
    assert result.manager_of("R1") == "CM-1"
    codes = {f.code: (f.rule_id, f.severity) for f in result.assignments[0].findings}
    assert codes["continuity-broken"] == ("C7", Severity.WARNING)
    assert result.placement_cost == EVERCARE_CASELOAD.costs.broken_continuity


def test_previous_case_manager_outside_the_team_costs_nothing() -> None:
    """C7: continuity is only broken when the previous case manager is still in the team."""
    team = [cm("CM-1", locality="N1"), cm("CM-2", locality="E2")]
    ref = CaseProfile(id="R1", locality="N1", previous_manager_id=CaseManagerId("CM-9"))
    result = allocate([ref], team, {}, policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert (result.manager_of("R1"), result.objective) == ("CM-1", 0.0)


@pytest.mark.parametrize(
    ("method", "basis"),
    [pytest.param(method, basis) for basis in HighRiskBasis for method in METHODS],
)
def test_highest_risk_is_placed_first_when_places_are_short(
    method: AllocationMethod, basis: HighRiskBasis
) -> None:
    """C3: with one place left, the high-risk referral takes it and the low-risk one waits
    (E1: the highest risk first)."""
    policy = CaseloadPolicy(
        key="small",
        soft_limit=10,
        hard_limit=10,
        high_risk_share=0.5,
        high_risk_basis=basis,
        weights=UNWEIGHTED,
    )
    team = [cm("CM-1")]
    loads = {CaseManagerId("CM-1"): typical(9, RiskTier.LOW)}
    referrals = [
        CaseProfile(id="R-A", risk_tier=RiskTier.LOW),
        CaseProfile(id="R-B", risk_tier=RiskTier.HIGH),
        CaseProfile(id="R-C", risk_tier=RiskTier.MEDIUM),
    ]
    result = allocate(referrals, team, loads, policy=policy, as_of=DAY, method=method)
    assert [a.referral_id for a in result.assignments] == ["R-B"]
    assert [u.referral_id for u in result.unplaced] == ["R-A", "R-C"]
    for u in result.unplaced:
        assert [(f.rule_id, f.code) for f in u.findings] == [("C1", "no-capacity")]


def test_auto_above_the_exact_range_places_the_high_risk_referral() -> None:
    """C3: on the caseload basis with one place left and nine referrals (AUTO uses GREEDY),
    the high-risk referral is placed rather than a medium-risk one."""
    policy = attrs.evolve(
        DH_COMMUNITY_MATRON, high_risk_basis=HighRiskBasis.CASELOAD, weights=UNWEIGHTED
    )
    loads = {CaseManagerId("CM-1"): typical(79, RiskTier.LOW)}
    referrals = [CaseProfile(id="R-HIGH", risk_tier=RiskTier.HIGH)] + [
        CaseProfile(id=f"R-M{k}", risk_tier=RiskTier.MEDIUM) for k in range(8)
    ]
    result = allocate(referrals, [cm("CM-1")], loads, policy=policy, as_of=DAY)
    assert result.method is AllocationMethod.GREEDY
    assert result.manager_of("R-HIGH") == "CM-1"


def test_medium_risk_is_placed_before_low_risk() -> None:
    """C3: with one place left and no high-risk referral, the medium-risk one is placed."""
    policy = CaseloadPolicy(key="small", soft_limit=4, hard_limit=4, weights=UNWEIGHTED)
    loads = {CaseManagerId("CM-1"): typical(3)}
    referrals = [
        CaseProfile(id="R-A", risk_tier=RiskTier.LOW),
        CaseProfile(id="R-B", risk_tier=RiskTier.MEDIUM),
    ]
    result = allocate(referrals, [cm("CM-1")], loads, policy=policy, as_of=DAY)
    assert result.manager_of("R-B") == "CM-1"
    assert result.manager_of("R-A") is None


def test_unplaced_for_want_of_a_competent_case_manager_cites_c8() -> None:
    """C8: with a required specialism nobody holds, the referral is unplaced under C8."""
    policy = attrs.evolve(DH_COMMUNITY_MATRON, specialism_match=SpecialismMatch.REQUIRED)
    ref = CaseProfile(id="R1", needs=frozenset({Specialism.SPINAL_CORD_INJURY}))
    result = allocate([ref], [cm("CM-1"), cm("CM-2")], {}, policy=policy, as_of=DAY)
    [unplaced] = result.unplaced
    [finding] = unplaced.findings
    assert (finding.rule_id, finding.code, finding.severity) == (
        "C8",
        "no-competent-manager",
        Severity.ERROR,
    )
    assert "spinal-cord-injury" in finding.message
    assert "R1 unplaced" in result.explain()


def test_unplaced_for_want_of_capacity_cites_the_limit_rule() -> None:
    """C2: when every Evercare nurse holds 50 patients the referral is unplaced under C2."""
    loads = {CaseManagerId("CM-1"): typical(50), CaseManagerId("CM-2"): typical(50, prefix="B")}
    result = allocate(
        [CaseProfile(id="R1")],
        [cm("CM-1"), cm("CM-2")],
        loads,
        policy=EVERCARE_CASELOAD,
        as_of=DAY,
    )
    [unplaced] = result.unplaced
    assert [(f.rule_id, f.code) for f in unplaced.findings] == [("C2", "no-capacity")]
    assert "2 candidate(s)" in unplaced.findings[0].message


def test_unplaced_for_the_high_risk_cap_cites_c3() -> None:
    """C3: a high-risk referral for a matron already holding 7 high-risk patients (15% of 50)
    is unplaced under C3, while a medium-risk one is still placed."""
    loads = {CaseManagerId("CM-1"): typical(7, RiskTier.HIGH)}
    referrals = [
        CaseProfile(id="R-H", risk_tier=RiskTier.HIGH),
        CaseProfile(id="R-M", risk_tier=RiskTier.MEDIUM),
    ]
    result = allocate(referrals, [cm("CM-1")], loads, policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert result.manager_of("R-M") == "CM-1"
    [unplaced] = result.unplaced
    assert unplaced.referral_id == "R-H"
    assert [(f.rule_id, f.code) for f in unplaced.findings] == [("C3", "high-risk-cap")]


@pytest.mark.rule("C5")
def test_team_scope_fills_the_team_not_the_member() -> None:
    """C5: under PACE a member with few cases takes nothing when the team is full."""
    team = [cm("CM-1", team="T1"), cm("CM-2", team="T1"), cm("CM-3", team="T2")]
    loads = {
        CaseManagerId("CM-1"): typical(300),
        CaseManagerId("CM-3"): typical(299, prefix="B"),
    }
    referrals = [CaseProfile(id="R1"), CaseProfile(id="R2")]
    result = allocate(referrals, team, loads, policy=PACE_TEAM_CASELOAD, as_of=DAY)
    assert [a.manager_id for a in result.assignments] == ["CM-3"]
    assert [(f.rule_id, f.code) for f in result.unplaced[0].findings] == [("C5", "no-capacity")]


@pytest.mark.rule("C2")
def test_load_is_spread_away_from_heavy_caseloads() -> None:
    """C2: of two otherwise equal matrons, the one below the soft limit takes the referral."""
    loads = {CaseManagerId("CM-1"): typical(60), CaseManagerId("CM-2"): typical(40, prefix="B")}
    result = allocate(
        [CaseProfile(id="R1")],
        [cm("CM-1"), cm("CM-2")],
        loads,
        policy=DH_COMMUNITY_MATRON,
        as_of=DAY,
    )
    assert result.manager_of("R1") == "CM-2"
    assert result.over_soft_cost == 0.0


def test_overload_already_there_is_not_charged_but_added_overload_is() -> None:
    """C2: load above a soft limit before the allocation costs nothing; each point added costs."""
    loads = {CaseManagerId("CM-1"): typical(60), CaseManagerId("CM-2"): typical(50, prefix="B")}
    team = [cm("CM-1", locality="N1"), cm("CM-2", locality="E2")]
    ref = CaseProfile(id="R1", locality="N1")
    result = allocate([ref], team, loads, policy=DH_COMMUNITY_MATRON, as_of=DAY)
    rate = DH_COMMUNITY_MATRON.costs.over_soft_limit
    assert result.manager_of("R1") == "CM-1"
    assert (result.placement_cost, result.over_soft_cost) == (0.0, rate)
    [load_after] = [f for f in result.assignments[0].findings if f.code == "load-after"]
    assert (load_after.rule_id, load_after.severity) == ("C2", Severity.WARNING)


def test_repeated_ids_are_refused_all_at_once() -> None:
    """C6: repeated referral or case-manager ids raise one InvariantError listing each."""
    referrals = [CaseProfile(id="R1"), CaseProfile(id="R1"), CaseProfile(id="R2")]
    with pytest.raises(InvariantError) as raised:
        allocate(
            [*referrals, CaseProfile(id="R2")],
            [cm("CM-1"), cm("CM-2"), cm("CM-1")],
            {},
            policy=DH_COMMUNITY_MATRON,
            as_of=DAY,
        )
    assert [(p.path, p.code) for p in raised.value.problems] == [
        ("referrals[1].id", "duplicate"),
        ("referrals[3].id", "duplicate"),
        ("managers[2].id", "duplicate"),
    ]


def test_repeated_ids_are_refused_with_their_own_positions_when_some_are_not_waiting() -> None:
    """C6: repeated ids are reported at their position in the caller's list, every one of
    them, whether or not the referral is waiting on the day."""
    later = CaseProfile(id="R-LATER", opened_on=DAY.add(days=1))
    with pytest.raises(InvariantError) as raised:
        allocate(
            [later, later, CaseProfile(id="R1"), CaseProfile(id="R1")],
            [cm("CM-1"), cm("CM-1")],
            {},
            policy=DH_COMMUNITY_MATRON,
            as_of=DAY,
        )
    assert [p.path for p in raised.value.problems] == [
        "referrals[1].id",
        "referrals[3].id",
        "managers[1].id",
    ]


def test_referrals_not_waiting_are_unplaced_and_cost_nothing() -> None:
    """C6: a referral opened after the day, or closed by it, is unplaced as not waiting and
    left out of the objective."""
    referrals = [
        CaseProfile(id="R-NOW"),
        CaseProfile(id="R-LATER", opened_on=DAY.add(days=1), risk_tier=RiskTier.HIGH),
        CaseProfile(id="R-CLOSED", closed_on=DAY),
    ]
    full = {CaseManagerId("CM-1"): typical(50)}
    result = allocate(referrals, [cm("CM-1")], full, policy=EVERCARE_CASELOAD, as_of=DAY)
    reasons = {u.referral_id: [(f.rule_id, f.code) for f in u.findings] for u in result.unplaced}
    assert reasons == {
        "R-NOW": [("C2", "no-capacity")],
        "R-LATER": [("C6", "not-waiting")],
        "R-CLOSED": [("C6", "not-waiting")],
    }
    assert result.unplaced_cost == EVERCARE_CASELOAD.costs.unplaced[RiskTier.MEDIUM]


def test_exact_refuses_more_than_its_limit() -> None:
    """C1: EXACT refuses a batch larger than EXACT_LIMIT; AUTO falls back to GREEDY."""
    referrals = [CaseProfile(id=f"R{k:03d}") for k in range(EXACT_LIMIT + 1)]
    with pytest.raises(ValueError, match="EXACT"):
        allocate(
            referrals,
            [cm("CM-1"), cm("CM-2")],
            {},
            policy=DH_COMMUNITY_MATRON,
            as_of=DAY,
            method=AllocationMethod.EXACT,
        )
    auto = allocate(referrals, [cm("CM-1"), cm("CM-2")], {}, policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert auto.method is AllocationMethod.GREEDY
    assert len(auto.assignments) == EXACT_LIMIT + 1


def test_empty_batch_and_empty_team() -> None:
    """C6: no referrals gives an empty allocation; no case managers leaves everyone unplaced."""
    empty = allocate([], [cm("CM-1")], {}, policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert (empty.assignments, empty.unplaced, empty.objective) == ((), (), 0.0)
    nobody = allocate([CaseProfile(id="R1")], [], {}, policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert [u.referral_id for u in nobody.unplaced] == ["R1"]
    assert all(f.severity is Severity.ERROR for f in nobody.unplaced[0].findings)


# -- hand-over --------------------------------------------------------------------------------


def test_handover_places_every_case_when_colleagues_have_room() -> None:
    """C7: when a case manager leaves and colleagues have room, every open case is handed over,
    the closed ones stay out of it."""
    leaving = CaseManagerId("CM-1")
    held = [
        *typical(6, RiskTier.MEDIUM, prefix="A"),
        *typical(2, RiskTier.HIGH, prefix="A"),
        CaseProfile(id="DONE", closed_on=DAY.subtract(days=2)),
    ]
    loads = {leaving: held, CaseManagerId("CM-2"): typical(30, prefix="B")}
    team = [cm("CM-1"), cm("CM-2"), cm("CM-3")]
    handover = reassign_caseload(leaving, team, loads, policy=DH_COMMUNITY_MATRON, as_of=DAY)
    assert handover.complete
    assert handover.leaving == leaving
    moved = {a.referral_id for a in handover.allocation.assignments}
    assert moved == {c.id for c in held} - {"DONE"}
    assert all(a.manager_id != leaving for a in handover.allocation.assignments)
    assert handover.new_manager("DONE") is None


def test_handover_keeps_the_high_risk_cap() -> None:
    """C3: a hand-over leaves high-risk cases with the leaving manager rather than breach a
    colleague's cap."""
    leaving = CaseManagerId("CM-1")
    loads = {
        leaving: typical(3, RiskTier.HIGH, prefix="A"),
        CaseManagerId("CM-2"): typical(6, RiskTier.HIGH, prefix="B"),
    }
    handover = reassign_caseload(
        leaving, [cm("CM-1"), cm("CM-2")], loads, policy=DH_COMMUNITY_MATRON, as_of=DAY
    )
    assert not handover.complete
    assert len(handover.allocation.assignments) == 1
    assert len(handover.allocation.unplaced) == 2


def test_handover_keeps_the_leaving_managers_team_within_its_share() -> None:
    """C3: a hand-over never pushes the leaving case manager's own team over its high-risk
    share when keeping the cases in the team would avoid it (C7)."""
    policy = attrs.evolve(PACE_TEAM_CASELOAD, high_risk_basis=HighRiskBasis.CASELOAD)
    team = [
        cm("CM-A", team="T1", locality="N1"),
        cm("CM-B", team="T1", locality="E2"),
        cm("CM-C", team="T2", locality="N1"),
    ]
    loads: dict[CaseManagerId, list[CaseProfile]] = {
        CaseManagerId("CM-A"): [
            CaseProfile(id=f"A{k}", risk_tier=RiskTier.LOW, locality="N1") for k in range(20)
        ],
        CaseManagerId("CM-B"): typical(3, RiskTier.HIGH),
    }
    before = statuses(policy, team, loads)
    assert all(s.ok for s in before.values())
    handover = reassign_caseload(CaseManagerId("CM-A"), team, loads, policy=policy, as_of=DAY)
    assert handover.complete
    assert all(s.ok for s in handover.allocation.statuses), [
        (s.holder, s.high_risk, s.cases) for s in handover.allocation.statuses
    ]


@pytest.mark.rule("C7")
@settings(max_examples=40)
@given(worlds(min_managers=2), st.sampled_from(METHODS))
def test_handover_never_pushes_a_colleague_over_a_limit(
    world: World, method: AllocationMethod
) -> None:
    """C7: a hand-over moves each open case of the leaving manager at most once, only to
    colleagues, and pushes no colleague's pool over its hard limit or high-risk cap (C1, C3)."""
    leaving = world.managers[0].id
    handover = reassign_caseload(
        leaving, world.managers, world.caseloads, policy=world.policy, as_of=DAY, method=method
    )
    held = world.caseloads[leaving]
    alloc = handover.allocation
    ids = [a.referral_id for a in alloc.assignments] + [u.referral_id for u in alloc.unplaced]
    assert sorted(ids) == sorted(c.id for c in held)
    assert all(a.manager_id != leaving for a in alloc.assignments)
    staying = [m for m in world.managers if m.id != leaving]
    others = {k: v for k, v in world.caseloads.items() if k != leaving}
    by_id = {c.id: c for c in held}
    now: dict[CaseManagerId, list[CaseProfile]] = {k: list(v) for k, v in others.items()}
    for a in alloc.assignments:
        now[a.manager_id].append(by_id[a.referral_id])
    # judged as reassign_caseload sees the team: without the leaving manager's cases (under
    # a team scope the cases stay within the team first)
    before = statuses(world.policy, staying, others)
    for key, status in statuses(world.policy, staying, now).items():
        assert breached(status) <= breached(before[key]), (key, status.findings)
    assert handover.complete == (not alloc.unplaced)


@st.composite
def handover_cases(draw: st.DrawFn) -> list[Case]:
    """1-6 active cases held by CM-1, with referrals, assessments and a plan."""
    return draw(
        st.lists(
            cases(
                status=CaseStatus.ACTIVE,
                manager_ids=[CaseManagerId("CM-1")],
                max_plan_versions=1,
            ),
            min_size=1,
            max_size=6,
            unique_by=lambda c: c.id,
        )
    )


@pytest.mark.rule("C7")
@settings(max_examples=15)
@given(handover_cases(), st.integers(min_value=0, max_value=4))
def test_applying_a_handover_changes_only_the_accountable_manager(
    held: list[Case], room: int
) -> None:
    """C7: applying a hand-over keeps each case's referrals, assessments and plans and changes
    only its case manager; cases not handed over stay with the leaving manager (C6)."""
    leaving = CaseManagerId("CM-1")
    policy = CaseloadPolicy(key="small", soft_limit=4, hard_limit=4, weights=UNWEIGHTED)
    profiles = [CaseProfile(id=str(c.id), client_id=c.client_id) for c in held]
    loads = {leaving: profiles, CaseManagerId("CM-2"): typical(4 - room)}
    handover = reassign_caseload(leaving, [cm("CM-1"), cm("CM-2")], loads, policy=policy, as_of=DAY)
    assert len(handover.allocation.assignments) == min(room, len(held))
    unrelated = attrs.evolve(held[0], id=CaseId(held[0].id + "-other"))
    applied = handover.apply([*held, unrelated], by=BY, at=AT)
    assert applied[-1] is unrelated
    for old, new in zip(held, applied, strict=False):
        target = handover.new_manager(str(old.id))
        if target is None:
            assert new is old
            assert new.manager_id == leaving
        else:
            assert new == attrs.evolve(old, manager_id=target, history=new.history)
            assert (new.referrals, new.assessments, new.plans) == (
                old.referrals,
                old.assessments,
                old.plans,
            )
            # The hand-over is on the record: one assign event, by whom, when and why (C7).
            (event,) = new.history
            assert (event.action, event.manager_id, event.by, event.at) == (
                CaseAction.ASSIGN,
                target,
                BY,
                AT,
            )
            assert "handover" in event.why
            assert event.changes == ("manager_id", "team_id")


def test_a_handover_records_the_reason_given_and_refuses_a_closed_case_c7() -> None:
    leaving = CaseManagerId("CM-1")
    policy = CaseloadPolicy(key="small", soft_limit=4, hard_limit=4, weights=UNWEIGHTED)
    loads = {leaving: [CaseProfile(id="CS-1")], CaseManagerId("CM-2"): []}
    handover = reassign_caseload(leaving, [cm("CM-1"), cm("CM-2")], loads, policy=policy, as_of=DAY)
    assert handover.new_manager("CS-1") == "CM-2"
    case = _held_case()
    (moved,) = handover.apply([case], by=BY, at=AT, why="CM-1 retires")
    assert moved.manager_id == "CM-2"
    assert moved.history[-1].why == "CM-1 retires"
    closed = _held_case(closed=True)
    with pytest.raises(InvalidTransitionError) as info:
        handover.apply([closed], by=BY, at=AT)
    assert (info.value.action, info.value.state) == ("assign", "closed")


def _held_case(*, closed: bool = False) -> Case:
    referral = Referral(
        id=ReferralId("RF-1"),
        client_id=ClientId("CL-1"),
        source_id=ReferralSourceId("RS-1"),
        received_on=DAY.subtract(days=90),
        reason="falls",
    )
    return Case(
        id=CaseId("CS-1"),
        client_id=ClientId("CL-1"),
        programme="generic",
        status=CaseStatus.CLOSED if closed else CaseStatus.ACTIVE,
        opened_on=DAY.subtract(days=90),
        referrals=(referral.accept(DAY.subtract(days=89)),),
        manager_id=CaseManagerId("CM-1"),
        closed_on=DAY.subtract(days=1) if closed else None,
        closure=Closure(reason=ClosureReason.SELF_DISCHARGE) if closed else None,
    )
