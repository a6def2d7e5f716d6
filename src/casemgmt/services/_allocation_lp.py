"""The ``LP`` allocation method: the linear relaxation solved by HiGHS (scipy), rounded down,
repaired and improved by the greedy moves.

Identical referrals (same candidate costs, weight, risk and penalty) form one group, so the
relaxation has a variable per group and candidate case manager. It starts from each group's
cheapest candidates and adds any other whose reduced cost is negative (column generation),
so the value it reports is the true relaxation of the whole problem: a lower bound on every
allocation's objective.
"""

from __future__ import annotations

import importlib
from typing import Any

from casemgmt.policies import HighRiskBasis
from casemgmt.services._allocation import Instance, State, improve, place_cheapest, priority_order

__all__ = ["solve_lp"]

_START_CANDIDATES = 20
_ROUNDS = 20


def _import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as error:  # pragma: no cover - exercised without the extra
        raise ImportError(
            "the LP allocation method needs scipy: pip install 'casemgmt[allocation]'"
        ) from error


def solve_lp(inst: Instance) -> tuple[State, float]:
    """Solve ``inst`` through its relaxation: the final state and the relaxation's value."""
    np = _import("numpy")
    sparse = _import("scipy.sparse")
    optimize = _import("scipy.optimize")
    policy = inst.policy
    n_pools = len(inst.pool_names)
    groups: dict[tuple[int, float, bool, float], list[int]] = {}
    for i in range(len(inst.referrals)):
        key = (inst.classes[i], inst.weight[i], inst.is_high[i], inst.penalty[i])
        groups.setdefault(key, []).append(i)
    keys = list(groups)
    g_count = np.array([len(groups[k]) for k in keys], dtype=float)
    g_weight = np.array([k[1] for k in keys])
    g_high = np.array([k[2] for k in keys], dtype=float)
    g_penalty = np.array([k[3] for k in keys])
    n_groups = len(keys)
    pool_of = np.array(inst.pool_of, dtype=np.int64)
    by_share = policy.high_risk_basis is HighRiskBasis.CASELOAD
    share = policy.high_risk_share
    over_rate = policy.costs.over_soft_limit
    load = np.array(inst.load)
    # right-hand sides per pool
    hard_rhs = np.array(inst.hard) - load
    soft_rhs = np.array(inst.soft) - load
    if by_share:
        share_rhs = share * np.array(inst.count, dtype=float) - np.array(inst.high, dtype=float)
        share_coef = g_high - share
    else:
        caps = [c if c is not None else 10**9 for c in inst.high_cap]
        share_rhs = np.array(caps, dtype=float) - np.array(inst.high, dtype=float)
        share_coef = g_high
    share_rhs = np.maximum(share_rhs, 0.0)  # a pool already over its cap takes no more risk
    hard_rhs = np.maximum(hard_rhs, 0.0)
    # the full cost matrix per group: inf where not a candidate
    full = np.full((n_groups, len(inst.managers)), np.inf)
    for g, key in enumerate(keys):
        for cost, j in inst.candidates[groups[key][0]]:
            full[g, j] = cost
    active = np.zeros_like(full, dtype=bool)
    for g, key in enumerate(keys):
        for _, j in inst.candidates[groups[key][0]][:_START_CANDIDATES]:
            active[g, j] = True
    bound = 0.0
    x_edges: Any = None
    for _ in range(_ROUNDS):
        ei, ej = np.nonzero(active)
        n_edges = ei.size
        n_vars = n_edges + n_groups + n_pools  # x, unplaced, over-soft
        cols = np.arange(n_vars)
        cost = np.concatenate([full[ei, ej], g_penalty, np.full(n_pools, over_rate)])
        rows_eq = np.concatenate([ei, np.arange(n_groups)])
        a_eq = sparse.csr_matrix(
            (np.ones(n_edges + n_groups), (rows_eq, cols[: n_edges + n_groups])),
            shape=(n_groups, n_vars),
        )
        ep = pool_of[ej]
        a_hard = sparse.csr_matrix((g_weight[ei], (ep, cols[:n_edges])), shape=(n_pools, n_vars))
        a_soft = sparse.csr_matrix(
            (
                np.concatenate([g_weight[ei], -np.ones(n_pools)]),
                (
                    np.concatenate([ep, np.arange(n_pools)]),
                    np.concatenate([cols[:n_edges], n_edges + n_groups + np.arange(n_pools)]),
                ),
            ),
            shape=(n_pools, n_vars),
        )
        a_share = sparse.csr_matrix((share_coef[ei], (ep, cols[:n_edges])), shape=(n_pools, n_vars))
        result = optimize.linprog(
            cost,
            A_ub=sparse.vstack([a_hard, a_soft, a_share]).tocsr(),
            b_ub=np.concatenate([hard_rhs, soft_rhs, share_rhs]),
            A_eq=a_eq,
            b_eq=g_count,
            bounds=(0, None),
            method="highs",
        )
        if result.status != 0:  # pragma: no cover - the model is always feasible
            raise RuntimeError(f"the allocation relaxation failed: {result.message}")
        bound = float(result.fun)
        x_edges = (ei, ej, result.x[:n_edges])
        # reduced costs of every candidate not yet in the model
        u = result.eqlin.marginals  # per group
        duals = result.ineqlin.marginals  # <= 0 for <= rows
        lam_hard = duals[:n_pools]
        lam_soft = duals[n_pools : 2 * n_pools]
        lam_share = duals[2 * n_pools :]
        price = (
            full
            - u[:, None]
            - (lam_hard + lam_soft)[pool_of][None, :] * g_weight[:, None]
            - lam_share[pool_of][None, :] * share_coef[:, None]
        )
        entering = (~active) & np.isfinite(full) & (price < -1e-7)
        if not entering.any():
            break
        active |= entering
    ei, ej, x = x_edges
    state = State(inst)
    whole = np.floor(x + 1e-7).astype(np.int64)
    taken = [0] * n_groups
    for e in np.nonzero(whole)[0].tolist():
        g = int(ei[e])
        members = groups[keys[g]]
        for _ in range(int(whole[e])):
            if taken[g] < len(members):
                state.put(members[taken[g]], int(ej[e]))
                taken[g] += 1
    # the fractional rest: largest fraction first, where it still fits
    rest = x - whole
    for e in np.argsort(-rest, kind="stable").tolist():
        if rest[e] <= 1e-7:
            break
        g = int(ei[e])
        members = groups[keys[g]]
        if taken[g] < len(members):
            i = members[taken[g]]
            if state.fits(i, inst.pool_of[int(ej[e])]):
                state.put(i, int(ej[e]))
                taken[g] += 1
    _release_over_share(inst, state)
    for i in priority_order(inst):
        if state.assign[i] < 0:
            place_cheapest(state, i)
    improve(state, swaps=True)
    return state, bound


def _release_over_share(inst: Instance, state: State) -> None:
    # Rounding down can leave a pool with too few cases for its high-risk ones (CASELOAD
    # basis): release its costliest high-risk placements until the share holds.
    for p in range(len(inst.pool_names)):
        if state.share_ok(p, state.high[p], state.count[p]):
            continue
        held = [
            i
            for i, j in enumerate(state.assign)
            if j >= 0 and inst.pool_of[j] == p and inst.is_high[i]
        ]
        held.sort(key=lambda i: (-state.cost_of(i, state.assign[i]), i))
        for i in held:
            if state.share_ok(p, state.high[p], state.count[p]):
                break
            state.take(i)
