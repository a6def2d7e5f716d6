"""Allocation against the exact optimum (C1-C8): on small generated instances the objective
of ``allocate`` is compared with a mixed-integer programme of the documented objective, built
here independently of the library and solved by scipy's HiGHS (tests only)."""

from __future__ import annotations

import importlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casemgmt.model import (
    CaseManager,
    CaseManagerId,
    Complexity,
    Intensity,
    PersonName,
    Profession,
    Specialism,
    TeamId,
)
from casemgmt.policies import (
    AllocationCosts,
    CaseloadPolicy,
    HighRiskBasis,
    LimitScope,
    RiskTier,
    SpecialismMatch,
)
from casemgmt.services import (
    EXACT_UP_TO,
    Allocation,
    AllocationMethod,
    CaseProfile,
    allocate,
    caseload_status,
)
from casemgmt.services._allocation import EXACT_LIMIT

DAY = pendulum.Date(2026, 11, 23)
LOCALITIES = ("N1", "N7", "E2")
SPECIALISMS = (Specialism.BRAIN_INJURY, Specialism.MENTAL_HEALTH, Specialism.OLDER_PEOPLE)
DISTANCES = {("N1", "N7"): 4.0, ("E2", "N7"): 12.0}
EPS = 1e-9
# scipy ships no type information: the solver is reached through Any.
_optimize: Any = importlib.import_module("scipy.optimize")


@attrs.frozen
class Problem:
    """One generated allocation problem."""

    policy: CaseloadPolicy
    managers: tuple[CaseManager, ...]
    caseloads: Mapping[CaseManagerId, tuple[CaseProfile, ...]]
    referrals: tuple[CaseProfile, ...]


def _manager(
    index: int,
    fte: float,
    specialisms: frozenset[Specialism],
    locality: str | None,
    team: str | None,
    non_clinical: float | None,
) -> CaseManager:
    return CaseManager(
        id=CaseManagerId(f"CM-{index}"),
        name=PersonName(given="A", family="B"),
        profession=Profession.VOCATIONAL_REHABILITATION_PRACTITIONER,
        specialisms=specialisms,
        fte=fte,
        locality=locality,
        team_id=None if team is None else TeamId(team),
        non_clinical_share=non_clinical,
    )


@st.composite
def problems(draw: st.DrawFn, max_referrals: int = EXACT_UP_TO) -> Problem:
    """Small teams with caseloads within every limit, and a batch of referrals."""

    basis = draw(st.sampled_from(HighRiskBasis))
    scope = draw(st.sampled_from(LimitScope))
    soft = draw(st.integers(min_value=2, max_value=12))
    hard = soft + draw(st.integers(min_value=0, max_value=4))
    share = draw(st.sampled_from([0.15, 0.25, 0.5]))
    costs = AllocationCosts(
        specialism_mismatch=draw(st.sampled_from([0.0, 30.0, 75.0])),
        broken_continuity=draw(st.sampled_from([0.0, 50.0])),
        other_locality=draw(st.sampled_from([10.0, 25.0])),
        over_soft_limit=draw(st.sampled_from([0.0, 5.0, 40.0])),
        distances_km=DISTANCES,
    )
    policy = CaseloadPolicy(
        key="generated",
        soft_limit=soft,
        hard_limit=hard,
        scope=scope,
        high_risk_share=share,
        high_risk_warning_share=0.0,
        high_risk_basis=basis,
        non_clinical_share=draw(st.sampled_from([0.0, 0.2])),
        specialism_match=draw(st.sampled_from(SpecialismMatch)),
        costs=costs,
    )
    count = draw(st.integers(min_value=1, max_value=5))
    managers = tuple(
        _manager(
            index,
            draw(st.sampled_from([0.4, 0.5, 0.8, 1.0])),
            draw(st.frozensets(st.sampled_from(SPECIALISMS), max_size=2)),
            draw(st.none() | st.sampled_from(LOCALITIES)),
            draw(st.none() | st.sampled_from(["T1", "T2"])),
            draw(st.none() | st.sampled_from([0.0, 0.3])),
        )
        for index in range(count)
    )
    ids = [str(m.id) for m in managers]

    def profile(case_id: str) -> CaseProfile:
        return CaseProfile(
            id=case_id,
            risk_tier=draw(st.sampled_from(RiskTier)),
            complexity=draw(st.sampled_from(Complexity)),
            intensity=draw(st.sampled_from(Intensity)),
            rural=draw(st.booleans()),
            locality=draw(st.none() | st.sampled_from(LOCALITIES)),
            needs=draw(st.frozensets(st.sampled_from(SPECIALISMS), max_size=1)),
            previous_manager_id=draw(
                st.none() | st.sampled_from([*ids, "CM-gone"]).map(CaseManagerId)
            ),
        )

    caseloads = {
        m.id: tuple(profile(f"H-{m.id}-{k}") for k in range(draw(st.integers(0, 10))))
        for m in managers
    }
    referrals = tuple(profile(f"R-{k:02d}") for k in range(draw(st.integers(0, max_referrals))))
    return Problem(
        policy=policy,
        managers=managers,
        caseloads=_within_limits(policy, managers, caseloads),
        referrals=referrals,
    )


def _pools(policy: CaseloadPolicy, managers: Sequence[CaseManager]) -> dict[str, list[int]]:
    pools: dict[str, list[int]] = {}
    for j, m in enumerate(managers):
        if policy.scope is LimitScope.TEAM:
            key = str(m.team_id) if m.team_id is not None else f"solo {m.id}"
        else:
            key = str(m.id)
        pools.setdefault(key, []).append(j)
    return pools


def _limits(policy: CaseloadPolicy, manager: CaseManager) -> tuple[float, float, float]:
    """Soft limit, hard limit and (CAPACITY basis) the high-risk cap of one pool."""
    if policy.scope is LimitScope.TEAM:
        soft, hard = policy.soft_limit, policy.hard_limit
    else:
        soft, hard = policy.scaled(manager.fte, manager.non_clinical_share)
    return soft, hard, math.floor(policy.high_risk_share * soft + EPS)


def _share_ok(policy: CaseloadPolicy, cap: float, high: int, count: int) -> bool:
    if policy.high_risk_basis is HighRiskBasis.CAPACITY:
        return high <= cap
    return high <= policy.high_risk_share * count + EPS


def _within_limits(
    policy: CaseloadPolicy,
    managers: Sequence[CaseManager],
    caseloads: Mapping[CaseManagerId, tuple[CaseProfile, ...]],
) -> dict[CaseManagerId, tuple[CaseProfile, ...]]:
    """Keep, pool by pool, only the cases that fit: no pre-existing breach."""
    out: dict[CaseManagerId, tuple[CaseProfile, ...]] = {}
    for members in _pools(policy, managers).values():
        _, hard, cap = _limits(policy, managers[members[0]])
        load, high, count = 0.0, 0, 0
        for j in members:
            kept = []
            held = caseloads[managers[j].id]
            for case in sorted(held, key=lambda c: (c.is_high_risk, c.id)):
                w = case.weight(policy)
                h = high + case.is_high_risk
                if load + w <= hard + EPS and _share_ok(policy, cap, h, count + 1):
                    kept.append(case)
                    load, high, count = load + w, h, count + 1
            out[managers[j].id] = tuple(kept)
    return out


def candidate_pairs(problem: Problem) -> list[tuple[int, int, float]]:
    """(referral, manager, cost) for every allowed pair: travel, a missing specialism
    (excluded when required) and broken continuity with a previous manager in the team."""
    policy, managers = problem.policy, problem.managers
    costs = policy.costs
    ids = {m.id for m in managers}
    pairs: list[tuple[int, int, float]] = []
    for i, r in enumerate(problem.referrals):
        previous = r.previous_manager_id if r.previous_manager_id in ids else None
        for j, m in enumerate(managers):
            missing = not r.needs <= m.specialisms
            if missing and policy.specialism_match is SpecialismMatch.REQUIRED:
                continue
            cost = costs.travel(r.locality, m.locality)
            cost += costs.specialism_mismatch if missing else 0.0
            if previous is not None and previous != m.id:
                cost += costs.broken_continuity
            pairs.append((i, j, cost))
    return pairs


def optimum(problem: Problem) -> float:
    """The minimum of the documented objective, by a MILP solved with HiGHS: placement
    costs, penalties of the unplaced, and the load added above the soft limits.

    Variables: binary x per candidate pair, then a continuous overload y per pool."""
    policy, managers, refs = problem.policy, problem.managers, problem.referrals
    pairs = candidate_pairs(problem)
    pools = list(_pools(policy, managers).values())
    pool_of = {j: p for p, members in enumerate(pools) for j in members}
    n_x, n_y = len(pairs), len(pools)
    rate = policy.costs.over_soft_limit
    penalty = [policy.costs.unplaced[r.risk_tier] for r in refs]
    # sum of penalties + sum (cost - penalty) x + rate y - overload already there
    c = np.array([cost - penalty[i] for i, _, cost in pairs] + [rate] * n_y, dtype=float)
    constant = math.fsum(penalty)
    rows: list[np.ndarray] = []
    upper: list[float] = []
    for i in range(len(refs)):  # each referral at most once
        rows.append(np.array([float(ri == i) for ri, _, _ in pairs] + [0.0] * n_y))
        upper.append(1.0)
    capacity = policy.high_risk_basis is HighRiskBasis.CAPACITY
    for p, members in enumerate(pools):
        soft, hard, cap = _limits(policy, managers[members[0]])
        held = [
            case
            for j in members
            for case in problem.caseloads.get(managers[j].id, ())
            if case.on_caseload(DAY)
        ]
        load0 = math.fsum(case.weight(policy) for case in held)
        high0 = sum(case.is_high_risk for case in held)
        mine = np.array([float(pool_of[j] == p) for _, j, _ in pairs])
        weight = mine * np.array([refs[i].weight(policy) for i, _, _ in pairs])
        high = mine * np.array([float(refs[i].is_high_risk) for i, _, _ in pairs])
        share = 0.0 if capacity else policy.high_risk_share * mine
        over = np.zeros(n_y)
        over[p] = -1.0
        rows.append(np.concatenate([weight, np.zeros(n_y)]))  # hard limit
        rows.append(np.concatenate([weight, over]))  # y >= load - soft
        rows.append(np.concatenate([high - share, np.zeros(n_y)]))  # high-risk share
        share_rhs = cap - high0 if capacity else policy.high_risk_share * len(held) - high0
        upper.extend([hard - load0 + 1e-7, soft - load0, share_rhs + 1e-7])
        constant -= rate * max(0.0, load0 - soft)
    result = _optimize.milp(
        c,
        constraints=_optimize.LinearConstraint(np.array(rows), -np.inf, np.array(upper)),
        integrality=np.array([1] * n_x + [0] * n_y),
        bounds=_optimize.Bounds(np.zeros(n_x + n_y), np.array([1.0] * n_x + [np.inf] * n_y)),
        options={"mip_rel_gap": 0.0},
    )
    assert result.success, result.message
    return constant + float(result.fun)


def _tolerance(value: float) -> float:
    return 1e-6 * max(1.0, abs(value))


def _check_feasible(problem: Problem, result: Allocation) -> None:
    """Every referral once; no pool over its hard limit or its high-risk cap."""
    placed = [a.referral_id for a in result.assignments]
    unplaced = [u.referral_id for u in result.unplaced]
    assert sorted(placed + unplaced) == sorted(r.id for r in problem.referrals)
    by_id = {r.id: r for r in problem.referrals}
    managers = {m.id: m for m in problem.managers}
    for members in _pools(problem.policy, problem.managers).values():
        mine = {problem.managers[j].id for j in members}
        held = [c for j in members for c in problem.caseloads[problem.managers[j].id]]
        held += [by_id[a.referral_id] for a in result.assignments if a.manager_id in mine]
        first = managers[problem.managers[members[0]].id]
        team = problem.policy.scope is LimitScope.TEAM
        status = caseload_status(None if team else first, held, policy=problem.policy, as_of=DAY)
        assert status.ok, status.findings


@settings(max_examples=60)
@given(problems())
def test_auto_allocation_is_within_two_percent_of_the_optimum(problem: Problem) -> None:
    """C1-C8: on small instances, allocate (exact up to EXACT_UP_TO referrals) is within 2%
    of the optimum of the documented objective, and exactly optimal when it says so."""
    best = optimum(problem)
    result = allocate(
        problem.referrals, problem.managers, problem.caseloads, policy=problem.policy, as_of=DAY
    )
    _check_feasible(problem, result)
    assert result.objective >= best - _tolerance(best)
    assert result.objective <= best * 1.02 + _tolerance(best)
    if result.proven_optimal:
        assert result.objective == pytest.approx(best, rel=1e-6, abs=1e-6)


@settings(max_examples=40)
@given(problems())
def test_greedy_and_lp_are_feasible_and_never_beat_the_optimum(problem: Problem) -> None:
    """C1-C8: GREEDY and LP allocations are feasible and cost no less than the optimum, and
    the LP relaxation's bound is at most the optimum."""
    best = optimum(problem)
    for method in (AllocationMethod.GREEDY, AllocationMethod.LP):
        result = allocate(
            problem.referrals,
            problem.managers,
            problem.caseloads,
            policy=problem.policy,
            as_of=DAY,
            method=method,
        )
        _check_feasible(problem, result)
        assert result.objective >= best - _tolerance(best)
        if method is AllocationMethod.LP:
            assert result.lower_bound is not None
            assert result.lower_bound <= best + _tolerance(best)
            assert result.lower_bound <= result.objective + _tolerance(best)


def test_exact_limit_is_above_auto_threshold() -> None:
    """C1: AUTO's exact range lies inside what EXACT accepts."""
    assert EXACT_UP_TO <= EXACT_LIMIT
