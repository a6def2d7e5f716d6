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

import attrs

from casemgmt.policies import HighRiskBasis
from casemgmt.services._allocation import (
    Instance,
    State,
    displace_for_priority,
    improve,
    place_cheapest,
    priority_order,
    rescue_high_risk,
)

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


@attrs.define
class _Relaxation:
    """The relaxation's data: one row per group of identical referrals."""

    np: Any
    inst: Instance
    groups: list[list[int]]
    count: Any
    weight: Any
    share_coef: Any
    penalty: Any
    full: Any  # groups x managers: the cost, inf where not a candidate
    b_ub: Any  # hard, soft and share right-hand sides

    @classmethod
    def of(cls, inst: Instance, np: Any) -> _Relaxation:
        by_key: dict[tuple[int, float, bool, float], list[int]] = {}
        for i in range(len(inst.referrals)):
            key = (inst.classes[i], inst.weight[i], inst.is_high[i], inst.penalty[i])
            by_key.setdefault(key, []).append(i)
        keys = list(by_key)
        groups = [by_key[k] for k in keys]
        high = np.array([k[2] for k in keys], dtype=float)
        policy = inst.policy
        load = np.array(inst.load)
        if policy.high_risk_basis is HighRiskBasis.CASELOAD:
            share = policy.high_risk_share
            share_rhs = share * np.array(inst.count, dtype=float) - np.array(inst.high)
            share_coef = high - share
        else:
            caps = [c if c is not None else 10**9 for c in inst.high_cap]
            share_rhs = np.array(caps, dtype=float) - np.array(inst.high)
            share_coef = high
        full = np.full((len(groups), len(inst.managers)), np.inf)
        for g, members in enumerate(groups):
            for cost, j in inst.candidates[members[0]]:
                full[g, j] = cost
        return cls(
            np=np,
            inst=inst,
            groups=groups,
            count=np.array([len(m) for m in groups], dtype=float),
            weight=np.array([k[1] for k in keys]),
            share_coef=share_coef,
            penalty=np.array([k[3] for k in keys]),
            full=full,
            # a pool already over a limit takes nothing more that counts against it
            b_ub=np.concatenate(
                [
                    np.maximum(np.array(inst.hard) - load, 0.0),
                    np.array(inst.soft) - load,
                    np.maximum(share_rhs, 0.0),
                ]
            ),
        )

    def solve(self, active: Any, sparse: Any, optimize: Any) -> tuple[Any, Any]:
        """Solve over the ``active`` candidates: (group, manager, x) per edge, and the
        solver's result."""
        np = self.np
        inst = self.inst
        ei, ej = np.nonzero(active)
        n_edges, n_groups, n_pools = ei.size, len(self.groups), len(inst.pool_names)
        n_vars = n_edges + n_groups + n_pools  # placements, unplaced, over the soft limit
        cols = np.arange(n_vars)
        edge_cols = cols[:n_edges]
        over_cols = cols[n_edges + n_groups :]
        ep = np.array(inst.pool_of, dtype=np.int64)[ej]
        rate = inst.policy.costs.over_soft_limit
        cost = np.concatenate([self.full[ei, ej], self.penalty, np.full(n_pools, rate)])
        a_eq = sparse.csr_matrix(
            (
                np.ones(n_edges + n_groups),
                (np.concatenate([ei, np.arange(n_groups)]), cols[: n_edges + n_groups]),
            ),
            shape=(n_groups, n_vars),
        )
        w = self.weight[ei]
        a_hard = sparse.csr_matrix((w, (ep, edge_cols)), shape=(n_pools, n_vars))
        a_soft = sparse.csr_matrix(
            (
                np.concatenate([w, -np.ones(n_pools)]),
                (np.concatenate([ep, np.arange(n_pools)]), np.concatenate([edge_cols, over_cols])),
            ),
            shape=(n_pools, n_vars),
        )
        a_share = sparse.csr_matrix((self.share_coef[ei], (ep, edge_cols)), shape=(n_pools, n_vars))
        result = optimize.linprog(
            cost,
            A_ub=sparse.vstack([a_hard, a_soft, a_share]).tocsr(),
            b_ub=self.b_ub,
            A_eq=a_eq,
            b_eq=self.count,
            bounds=(0, None),
            method="highs",
        )
        if result.status != 0:  # pragma: no cover - the model is always feasible
            raise RuntimeError(f"the allocation relaxation failed: {result.message}")
        return (ei, ej, result.x[:n_edges]), result

    def entering(self, active: Any, result: Any) -> Any:
        """Candidates outside the model whose reduced cost is negative."""
        np = self.np
        n_pools = len(self.inst.pool_names)
        pool_of = np.array(self.inst.pool_of, dtype=np.int64)
        duals = result.ineqlin.marginals  # <= 0 for the <= rows
        capacity = (duals[:n_pools] + duals[n_pools : 2 * n_pools])[pool_of]
        risk = duals[2 * n_pools :][pool_of]
        price = (
            self.full
            - result.eqlin.marginals[:, None]
            - capacity[None, :] * self.weight[:, None]
            - risk[None, :] * self.share_coef[:, None]
        )
        return (~active) & np.isfinite(self.full) & (price < -1e-7)


def solve_lp(inst: Instance) -> tuple[State, float]:
    """Solve ``inst`` through its relaxation: the final state and the relaxation's value."""
    np = _import("numpy")
    sparse = _import("scipy.sparse")
    optimize = _import("scipy.optimize")
    model = _Relaxation.of(inst, np)
    active = np.zeros_like(model.full, dtype=bool)
    for g, members in enumerate(model.groups):
        for _, j in inst.candidates[members[0]][:_START_CANDIDATES]:
            active[g, j] = True
    for _ in range(_ROUNDS):
        edges, result = model.solve(active, sparse, optimize)
        entering = model.entering(active, result)
        if not entering.any():
            break
        active |= entering
    state = _round(model, edges)
    # the objective counts only the load above soft limits that the allocation adds
    return state, float(result.fun) - state.baseline


def _round(model: _Relaxation, edges: tuple[Any, Any, Any]) -> State:
    # Whole placements first, then the largest fractions where they still fit, then the
    # greedy for the rest, then local search.
    np = model.np
    inst = model.inst
    ei, ej, x = edges
    state = State(inst)
    taken = [0] * len(model.groups)

    def place(e: int, *, check: bool) -> bool:
        g = int(ei[e])
        members = model.groups[g]
        if taken[g] >= len(members):
            return False
        i, j = members[taken[g]], int(ej[e])
        if check and not state.fits(i, inst.pool_of[j]):
            return False
        state.put(i, j)
        taken[g] += 1
        return True

    whole = np.floor(x + 1e-7).astype(np.int64)
    for e in np.nonzero(whole)[0].tolist():
        for _ in range(int(whole[e])):  # within every limit but the caseload share
            place(e, check=False)
    rest = x - whole
    for e in np.argsort(-rest, kind="stable").tolist():
        if rest[e] <= 1e-7:
            break
        place(e, check=True)
    _release_over_share(inst, state)
    for i in priority_order(inst):
        if state.assign[i] < 0:
            place_cheapest(state, i)
    rescue_high_risk(state)
    displace_for_priority(state)
    improve(state, swaps=True)
    return state


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
