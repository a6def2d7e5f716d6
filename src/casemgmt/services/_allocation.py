"""Allocating referrals to case managers, and handing over a leaving case manager's caseload
(C1-C8).

The objective (:class:`~casemgmt.policies.AllocationCosts`): place as many referrals as
possible, highest risk first; then minimise specialism mismatch (C8), broken continuity
(C7), travel, and load above the soft limits. Hard limits, the high-risk cap (C3) and a
required specialism are constraints, never traded.

Three methods share that objective:

- ``GREEDY``: places referrals in order of risk, each with the cheapest case manager that
  can take it, then improves the result by moving and swapping referrals until no single
  move or swap lowers the cost. Pure Python; milliseconds for a week's referrals.
- ``EXACT``: branch and bound from the greedy result; proves the optimum for small
  batches, within a node budget.
- ``LP``: solves the linear relaxation with HiGHS (scipy, the ``allocation`` extra),
  keeps its whole placements, and repairs the rest with the greedy moves; also reports the
  relaxation's lower bound. For thousands of referrals.

``AUTO`` (the default) uses ``EXACT`` for up to :data:`EXACT_UP_TO` referrals and
``GREEDY`` above. The result never depends on the order of the inputs or on what else is
installed: referrals and case managers are taken in id order and every tie is broken by id.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterator, Mapping, Sequence

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import InvariantError, Problem
from casemgmt.model import ActorId, Case, CaseManager, CaseManagerId
from casemgmt.model._base import problem
from casemgmt.policies import CaseloadPolicy, HighRiskBasis, LimitScope, SpecialismMatch
from casemgmt.rules import Severity
from casemgmt.services._caseload import (
    CaseloadFinding,
    CaseloadStatus,
    CaseProfile,
    capacity_of,
    caseload_status,
    fit_findings,
    team_key,
)

__all__ = [
    "Allocation",
    "AllocationMethod",
    "Assignment",
    "EXACT_LIMIT",
    "EXACT_UP_TO",
    "Handover",
    "Unplaced",
    "allocate",
    "reassign_caseload",
]

_EPS = 1e-9

EXACT_UP_TO = 8
"""``AUTO`` proves the optimum for batches of up to this many referrals."""

_EXACT_NODES = 200_000

EXACT_LIMIT = 64
"""``EXACT`` refuses larger batches: the search is exponential in the batch size."""


class AllocationMethod(enum.Enum):
    """How :func:`allocate` searches (see the module documentation)."""

    AUTO = "auto"
    GREEDY = "greedy"
    EXACT = "exact"
    LP = "lp"


@attrs.frozen(kw_only=True)
class Assignment:
    """A referral placed with a case manager: the cost it adds to the objective and the
    reasons (specialism, continuity, travel, load)."""

    referral_id: str
    manager_id: CaseManagerId
    cost: float
    findings: tuple[CaseloadFinding, ...]


@attrs.frozen(kw_only=True)
class Unplaced:
    """A referral left without a case manager, and why."""

    referral_id: str
    findings: tuple[CaseloadFinding, ...]


@attrs.frozen(kw_only=True)
class Allocation:
    """The result of :func:`allocate`: every referral is assigned or unplaced, with reasons.

    The total cost minimised is :attr:`objective`: ``placement_cost + unplaced_cost +
    over_soft_cost``, the last counting only load the allocation adds above soft limits.

    Attributes:
        lower_bound: A proven lower bound on the objective when the method computes one
            (``EXACT`` when it proves optimality, ``LP``); ``None`` otherwise.
        statuses: Every holder's caseload after the allocation.
    """

    as_of: pendulum.Date
    method: AllocationMethod
    assignments: tuple[Assignment, ...]
    unplaced: tuple[Unplaced, ...]
    placement_cost: float
    unplaced_cost: float
    over_soft_cost: float
    lower_bound: float | None
    statuses: tuple[CaseloadStatus, ...]

    @property
    def objective(self) -> float:
        """The total cost (lower is better)."""
        return self.placement_cost + self.unplaced_cost + self.over_soft_cost

    @property
    def proven_optimal(self) -> bool:
        """True when the objective equals a proven lower bound."""
        bound = self.lower_bound
        return bound is not None and self.objective <= bound + 1e-6 * max(1.0, abs(bound))

    def manager_of(self, referral_id: str) -> CaseManagerId | None:
        """The case manager a referral went to, or ``None`` when it is unplaced."""
        for a in self.assignments:
            if a.referral_id == referral_id:
                return a.manager_id
        return None

    def explain(self) -> str:
        """Every placement and every unplaced referral with its reasons, one per line."""
        lines = [
            f"{len(self.assignments)} placed, {len(self.unplaced)} unplaced; "
            f"objective {self.objective:.1f} ({self.method.value})"
        ]
        for a in self.assignments:
            lines.append(f"{a.referral_id} -> {a.manager_id} (cost {a.cost:.1f})")
            lines.extend(f"  {f}" for f in a.findings)
        for u in self.unplaced:
            lines.append(f"{u.referral_id} unplaced")
            lines.extend(f"  {f}" for f in u.findings)
        return "\n".join(lines)


# -- the instance --------------------------------------------------------------------------


@attrs.define
class Instance:
    """An allocation problem in plain lists, indexed by position (referrals and case
    managers in id order). Shared by the greedy, exact and LP methods."""

    policy: CaseloadPolicy
    referrals: list[CaseProfile]
    managers: list[CaseManager]
    pool_of: list[int]  # manager index -> pool index
    pool_names: list[str]
    soft: list[float]
    hard: list[float]
    high_cap: list[int | None]
    load: list[float]  # initial, per pool
    count: list[int]
    high: list[int]
    weight: list[float]  # per referral
    is_high: list[bool]
    penalty: list[float]
    candidates: list[list[tuple[float, int]]]  # per referral: (cost, manager) by cost, id
    classes: list[int]  # per referral: index of its candidate list (identical referrals)
    cost_maps: list[dict[int, float]]  # per candidate list: manager -> cost
    in_team: frozenset[CaseManagerId]

    def cost(self, i: int, j: int) -> float | None:
        """The placement cost of referral ``i`` with manager ``j`` (``None``: not a
        candidate)."""
        return self.cost_maps[self.classes[i]].get(j)


def _duplicate_problems(path: str, ids: Sequence[str]) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, value in enumerate(ids):
        if value in seen:
            yield problem(f"{path}[{index}].id", "duplicate", "repeats an id")
        seen.add(value)


def _refuse_repeats(referrals: Sequence[CaseProfile], managers: Sequence[CaseManager]) -> None:
    problems = [
        *_duplicate_problems("referrals", [r.id for r in referrals]),
        *_duplicate_problems("managers", [str(m.id) for m in managers]),
    ]
    if problems:
        raise InvariantError("allocation input", problems)


def _candidate_lists(
    refs: list[CaseProfile], mans: list[CaseManager], policy: CaseloadPolicy
) -> tuple[list[list[tuple[float, int]]], list[int]]:
    # One cost-ordered candidate list per distinct (locality, needs, previous manager):
    # referrals that share them share a list.
    costs = policy.costs
    in_team = {m.id for m in mans}
    required = policy.specialism_match is SpecialismMatch.REQUIRED
    memo: dict[tuple[object, ...], int] = {}
    lists: list[list[tuple[float, int]]] = []
    classes: list[int] = []
    for ref in refs:
        previous = ref.previous_manager_id if ref.previous_manager_id in in_team else None
        key = (ref.locality, ref.needs, previous)
        found = memo.get(key)
        if found is None:
            row: list[tuple[float, int]] = []
            for j, manager in enumerate(mans):
                missing = not ref.needs <= manager.specialisms
                if missing and required:
                    continue
                cost = costs.travel(ref.locality, manager.locality)
                if missing:
                    cost += costs.specialism_mismatch
                if previous is not None and previous != manager.id:
                    cost += costs.broken_continuity
                row.append((cost, j))
            row.sort()
            found = memo[key] = len(lists)
            lists.append(row)
        classes.append(found)
    return lists, classes


def build_instance(
    referrals: Sequence[CaseProfile],
    managers: Sequence[CaseManager],
    caseloads: Mapping[CaseManagerId, Sequence[CaseProfile]],
    policy: CaseloadPolicy,
    as_of: pendulum.Date,
) -> Instance:
    """Index the problem; raise :class:`~casemgmt.errors.InvariantError` listing every
    repeated referral or case-manager id."""
    _refuse_repeats(referrals, managers)
    refs = sorted(referrals, key=lambda r: r.id)
    mans = sorted(managers, key=lambda m: str(m.id))
    pool_names: list[str] = []
    pool_index: dict[str, int] = {}
    pool_of: list[int] = []
    soft: list[float] = []
    hard: list[float] = []
    high_cap: list[int | None] = []
    for manager in mans:
        name = team_key(manager) if policy.scope is LimitScope.TEAM else str(manager.id)
        if name not in pool_index:
            capacity = capacity_of(manager, policy)
            pool_index[name] = len(pool_names)
            pool_names.append(name)
            soft.append(capacity.soft_limit)
            hard.append(capacity.hard_limit)
            high_cap.append(capacity.high_risk_cap)
        pool_of.append(pool_index[name])
    pools = len(pool_names)
    load = [0.0] * pools
    count = [0] * pools
    high = [0] * pools
    for j, manager in enumerate(mans):
        p = pool_of[j]
        for case in caseloads.get(manager.id, ()):
            if case.on_caseload(as_of):
                load[p] += case.weight(policy)
                count[p] += 1
                high[p] += case.is_high_risk
    lists, classes = _candidate_lists(refs, mans, policy)
    return Instance(
        policy=policy,
        referrals=refs,
        managers=mans,
        pool_of=pool_of,
        pool_names=pool_names,
        soft=soft,
        hard=hard,
        high_cap=high_cap,
        load=load,
        count=count,
        high=high,
        weight=[r.weight(policy) for r in refs],
        is_high=[r.is_high_risk for r in refs],
        penalty=[policy.costs.unplaced[r.risk_tier] for r in refs],
        candidates=[lists[c] for c in classes],
        classes=classes,
        cost_maps=[{j: cost for cost, j in row} for row in lists],
        in_team=frozenset(m.id for m in mans),
    )


# -- the search state ----------------------------------------------------------------------


class State:
    """Pool loads and the assignment while searching."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.load = list(inst.load)
        self.count = list(inst.count)
        self.high = list(inst.high)
        self.assign = [-1] * len(inst.referrals)
        self.by_share = inst.policy.high_risk_basis is HighRiskBasis.CASELOAD
        self.share = inst.policy.high_risk_share
        self.over_rate = inst.policy.costs.over_soft_limit
        self.baseline = math.fsum(self.over(p, load) for p, load in enumerate(inst.load))

    def over(self, p: int, load: float) -> float:
        """Cost of ``load`` on pool ``p`` above its soft limit."""
        excess = load - self.inst.soft[p]
        return excess * self.over_rate if excess > 0.0 else 0.0

    def share_ok(self, p: int, high: int, count: int) -> bool:
        if self.by_share:
            return high <= self.share * count + _EPS
        cap = self.inst.high_cap[p]
        return cap is None or high <= cap

    def fits(self, i: int, p: int) -> bool:
        """Can pool ``p`` take referral ``i`` on top of what it holds?"""
        inst = self.inst
        if self.load[p] + inst.weight[i] > inst.hard[p] + _EPS:
            return False
        if inst.is_high[i]:
            return self.share_ok(p, self.high[p] + 1, self.count[p] + 1)
        return True

    def may_leave(self, i: int, p: int) -> bool:
        """Can referral ``i`` leave pool ``p`` without breaking its high-risk share?"""
        if self.inst.is_high[i] or not self.by_share:
            return True
        return self.share_ok(p, self.high[p], self.count[p] - 1)

    def add_cost(self, i: int, p: int) -> float:
        """The rise in soft-limit cost if pool ``p`` takes referral ``i``."""
        load = self.load[p]
        return self.over(p, load + self.inst.weight[i]) - self.over(p, load)

    def put(self, i: int, j: int) -> None:
        p = self.inst.pool_of[j]
        self.load[p] += self.inst.weight[i]
        self.count[p] += 1
        self.high[p] += self.inst.is_high[i]
        self.assign[i] = j

    def take(self, i: int) -> None:
        j = self.assign[i]
        p = self.inst.pool_of[j]
        self.load[p] -= self.inst.weight[i]
        self.count[p] -= 1
        self.high[p] -= self.inst.is_high[i]
        self.assign[i] = -1

    def cost_of(self, i: int, j: int) -> float:
        return self.inst.cost_maps[self.inst.classes[i]][j]

    def objective(self) -> tuple[float, float, float]:
        """Placement, unplaced and over-soft-limit costs."""
        inst = self.inst
        placed = 0.0
        missing = 0.0
        for i, j in enumerate(self.assign):
            if j < 0:
                missing += inst.penalty[i]
            else:
                placed += self.cost_of(i, j)
        return placed, missing, self.over_total()

    def over_total(self) -> float:
        """The cost of load above the soft limits that the allocation adds (load already
        above them before is nobody's choice)."""
        total = math.fsum(self.over(p, load) for p, load in enumerate(self.load))
        return max(0.0, total - self.baseline)


def _regret(row: list[tuple[float, int]]) -> float:
    # How much a referral loses if its cheapest case manager is full.
    if len(row) < 2:
        return math.inf
    return row[1][0] - row[0][0]


def priority_order(inst: Instance) -> list[int]:
    """Highest penalty (risk) first, then heaviest, then those that lose most when their
    cheapest case manager is taken (regret), then id. Under the caseload-share basis
    high-risk referrals go last, when the others have made room in the share."""
    late = inst.policy.high_risk_basis is HighRiskBasis.CASELOAD
    regrets = [_regret(row) for row in inst.candidates]
    return sorted(
        range(len(inst.referrals)),
        key=lambda i: (
            late and inst.is_high[i],
            -inst.penalty[i],
            -inst.weight[i],
            -regrets[i],
            i,
        ),
    )


def place_cheapest(state: State, i: int) -> bool:
    """Put referral ``i`` with its cheapest case manager that can take it."""
    inst = state.inst
    best = -1
    best_cost = math.inf
    for cost, j in inst.candidates[i]:
        if cost >= best_cost:
            break
        p = inst.pool_of[j]
        if not state.fits(i, p):
            continue
        total = cost + state.add_cost(i, p)
        if total < best_cost - _EPS:
            best, best_cost = j, total
    if best < 0:
        return False
    state.put(i, best)
    return True


def _move_gain(state: State, i: int) -> tuple[float, int]:
    """The best single move of placed referral ``i``: (gain, manager)."""
    inst = state.inst
    j = state.assign[i]
    p = inst.pool_of[j]
    if not state.may_leave(i, p):
        return 0.0, -1
    w = inst.weight[i]
    current = state.cost_of(i, j)
    release = state.over(p, state.load[p]) - state.over(p, state.load[p] - w)
    best_gain = _EPS
    best = -1
    for cost, k in inst.candidates[i]:
        if current + release - cost <= best_gain:
            break
        q = inst.pool_of[k]
        if q == p:
            gain = current - cost
        elif state.fits(i, q):
            gain = current + release - cost - state.add_cost(i, q)
        else:
            continue
        if gain > best_gain:
            best_gain, best = gain, k
    return best_gain, best


def _try_swap(state: State, i: int, members: list[list[int]]) -> bool:
    """Swap placed referral ``i`` with one held by a cheaper case manager, when the swap
    lowers the placement cost and breaks no limit."""
    inst = state.inst
    a = state.assign[i]
    pa = inst.pool_of[a]
    cost_ia = state.cost_of(i, a)
    for cost_ib, b in inst.candidates[i]:
        if cost_ib >= cost_ia - _EPS:
            return False
        pb = inst.pool_of[b]
        if pb == pa:
            continue
        for k in members[b]:
            if inst.classes[k] == inst.classes[i] and inst.weight[k] == inst.weight[i]:
                continue
            cost_ka = inst.cost(k, a)
            if cost_ka is None:
                continue
            gain = cost_ia + state.cost_of(k, b) - cost_ib - cost_ka
            if gain <= _EPS:
                continue
            before = state.over(pa, state.load[pa]) + state.over(pb, state.load[pb])
            state.take(i)
            state.take(k)
            if state.fits(i, pb) and state.fits(k, pa):
                state.put(i, b)
                state.put(k, a)
                after = state.over(pa, state.load[pa]) + state.over(pb, state.load[pb])
                if gain + before - after > _EPS and _shares_hold(state, pa, pb):
                    members[a].remove(i)
                    members[b].remove(k)
                    members[b].append(i)
                    members[a].append(k)
                    return True
                state.take(i)
                state.take(k)
            state.put(i, a)
            state.put(k, b)
    return False


def _shares_hold(state: State, *pools: int) -> bool:
    return all(state.share_ok(p, state.high[p], state.count[p]) for p in pools)


def improve(state: State, *, swaps: bool = True, rounds: int = 20) -> None:
    """Local search: move single referrals, then swap pairs, until nothing improves (or
    ``rounds`` passes); finally retry unplaced referrals."""
    inst = state.inst
    n = len(inst.referrals)
    for _ in range(rounds):
        changed = False
        for i in range(n):
            if state.assign[i] < 0:
                continue
            gain, k = _move_gain(state, i)
            if k >= 0 and gain > _EPS:
                state.take(i)
                state.put(i, k)
                changed = True
        if swaps:
            members: list[list[int]] = [[] for _ in inst.managers]
            for i, j in enumerate(state.assign):
                if j >= 0:
                    members[j].append(i)
            for i in range(n):
                j = state.assign[i]
                if j < 0 or state.cost_of(i, j) <= inst.candidates[i][0][0] + _EPS:
                    continue
                if _try_swap(state, i, members):
                    changed = True
        for i in priority_order(inst):
            if state.assign[i] < 0 and place_cheapest(state, i):
                changed = True
        if not changed:
            return


_NEIGHBOURS = 20


def _companions_needed(state: State, p: int) -> int:
    # How many more cases pool p needs before it may take one more high-risk case.
    share = state.share
    if share <= 0.0:
        return -1
    needed = math.ceil((state.high[p] + 1) / share - state.count[p] - 1 - _EPS)
    return max(0, needed)


def _recruit(state: State, i: int, j: int, members: list[list[int]]) -> bool:
    """Under the caseload-share basis, let pool ``p`` of manager ``j`` take high-risk
    referral ``i`` by moving in the cheapest lower-risk referrals from nearby managers."""
    inst = state.inst
    p = inst.pool_of[j]
    needed = _companions_needed(state, p)
    if needed < 0:
        return False
    room = inst.hard[p] - state.load[p] - inst.weight[i]
    offers: list[tuple[float, int, int]] = []
    for _, k in inst.candidates[i][:_NEIGHBOURS]:
        if inst.pool_of[k] == p:
            continue
        for r in members[k]:
            cost_in = inst.cost(r, j)
            if cost_in is not None and not inst.is_high[r]:
                offers.append((cost_in - state.cost_of(r, k), r, k))
    offers.sort()
    chosen: list[tuple[int, int]] = []
    for _, r, k in offers:
        if len(chosen) == needed:
            break
        q = inst.pool_of[k]
        if inst.weight[r] > room + _EPS or not state.may_leave(r, q):
            continue
        state.take(r)
        state.put(r, j)
        room -= inst.weight[r]
        chosen.append((r, k))
    if len(chosen) == needed and state.fits(i, p):
        state.put(i, j)
        for r, k in chosen:
            members[k].remove(r)
            members[j].append(r)
        members[j].append(i)
        return True
    for r, k in reversed(chosen):
        state.take(r)
        state.put(r, k)
    return False


def rescue_high_risk(state: State) -> None:
    """Place unplaced high-risk referrals that the caseload-share basis blocked (C3), by
    giving a nearby case manager the lower-risk cases that make the share allow them."""
    inst = state.inst
    if not state.by_share:
        return
    waiting = [i for i in priority_order(inst) if inst.is_high[i] and state.assign[i] < 0]
    if not waiting:
        return
    members: list[list[int]] = [[] for _ in inst.managers]
    for r, k in enumerate(state.assign):
        if k >= 0:
            members[k].append(r)
    for i in waiting:
        for _, j in inst.candidates[i][:_NEIGHBOURS]:
            p = inst.pool_of[j]
            if state.load[p] + inst.weight[i] > inst.hard[p] + _EPS:
                continue
            if _recruit(state, i, j, members):
                break


def _displace(state: State, i: int, j: int) -> list[int] | None:
    """Make room for unplaced referral ``i`` with manager ``j`` by taking out placed
    referrals of lower priority from the same pool, cheapest-to-lose first. Returns the
    referrals taken out, or ``None`` (and no change) when that cannot make ``i`` fit."""
    inst = state.inst
    p = inst.pool_of[j]
    held = [
        r
        for r, k in enumerate(state.assign)
        if k >= 0 and inst.pool_of[k] == p and inst.penalty[r] < inst.penalty[i]
    ]
    held.sort(key=lambda r: (inst.penalty[r], not inst.is_high[r], -inst.weight[r], r))
    out: list[tuple[int, int]] = []
    for r in held:
        if state.fits(i, p):
            break
        if not state.may_leave(r, p):
            continue
        out.append((r, state.assign[r]))
        state.take(r)
    if state.fits(i, p) and out:
        state.put(i, j)
        return [r for r, _ in out]
    for r, k in reversed(out):
        state.put(r, k)
    return None


def displace_for_priority(state: State) -> None:
    """Place unplaced referrals, highest priority first, where only lower-priority
    referrals stand in the way; those displaced go elsewhere if they can (places go to the
    highest risk when they are short)."""
    inst = state.inst
    for i in priority_order(inst):
        if state.assign[i] >= 0:
            continue
        for _, j in inst.candidates[i]:
            moved = _displace(state, i, j)
            if moved is None:
                continue
            for r in moved:
                place_cheapest(state, r)
            break


def solve_greedy(inst: Instance) -> State:
    """Priority greedy, then local search."""
    state = State(inst)
    for i in priority_order(inst):
        place_cheapest(state, i)
    rescue_high_risk(state)
    displace_for_priority(state)
    improve(state, swaps=len(inst.referrals) <= 20_000)
    return state


def solve_exact(inst: Instance, start: State) -> tuple[State, float | None]:
    """Depth-first branch and bound from ``start``. Returns the best state and, when the
    search finished within its node budget, the proven optimum as a lower bound."""
    order = priority_order(inst)
    n = len(order)
    floor = [0.0] * (n + 1)
    for depth in range(n - 1, -1, -1):
        i = order[depth]
        cheapest = inst.candidates[i][0][0] if inst.candidates[i] else inst.penalty[i]
        floor[depth] = floor[depth + 1] + min(cheapest, inst.penalty[i])
    best_assign = list(start.assign)
    best = sum(start.objective())
    state = State(inst)
    nodes = 0
    exhausted = False

    def search(depth: int, placed: float) -> None:
        nonlocal best, best_assign, nodes, exhausted
        nodes += 1
        if nodes > _EXACT_NODES:
            exhausted = True
            return
        over = state.over_total()
        if placed + over + floor[depth] >= best - _EPS:
            return
        if depth == n:
            best = placed + over
            best_assign = list(state.assign)
            return
        i = order[depth]
        for cost, j in inst.candidates[i]:
            if not state.fits(i, inst.pool_of[j]):
                continue
            state.put(i, j)
            search(depth + 1, placed + cost)
            state.take(i)
            if exhausted:
                return
        search(depth + 1, placed + inst.penalty[i])

    search(0, 0.0)
    result = State(inst)
    for i, j in enumerate(best_assign):
        if j >= 0:
            result.put(i, j)
    return result, (None if exhausted else best)


def _placement_findings(
    inst: Instance, state: State, i: int, j: int
) -> tuple[CaseloadFinding, ...]:
    manager = inst.managers[j]
    ref = inst.referrals[i]
    found = [
        attrs.evolve(f, message="the previous case manager is not in this team")
        if f.code == "continuity-broken" and ref.previous_manager_id not in inst.in_team
        else f
        for f in fit_findings(manager, ref, inst.policy)
    ]
    travel = inst.policy.costs.travel(ref.locality, manager.locality)
    if travel > 0.0:
        found.append(
            CaseloadFinding(
                rule_id="C4",
                code="travel",
                severity=Severity.INFORMATION,
                message="based in another locality",
                measured=travel,
            )
        )
    p = inst.pool_of[j]
    heavy = state.load[p] > inst.soft[p] + _EPS
    rule = inst.policy.limit_rule
    found.append(
        CaseloadFinding(
            rule_id="C2" if heavy and rule == "C1" else rule,
            code="load-after",
            severity=Severity.WARNING if heavy else Severity.INFORMATION,
            message="weighted load of the holder after allocation",
            measured=state.load[p],
            limit=inst.soft[p],
        )
    )
    return tuple(found)


def _unplaced_findings(inst: Instance, state: State, i: int) -> tuple[CaseloadFinding, ...]:
    ref = inst.referrals[i]
    policy = inst.policy
    if not inst.candidates[i]:
        names = ", ".join(sorted(s.value for s in ref.needs))
        return (
            CaseloadFinding(
                rule_id="C8",
                code="no-competent-manager",
                severity=Severity.ERROR,
                message=f"no case manager holds every needed specialism ({names})",
            ),
        )
    full = capped = chosen = 0
    for _, j in inst.candidates[i]:
        p = inst.pool_of[j]
        if state.load[p] + inst.weight[i] > inst.hard[p] + _EPS:
            full += 1
        elif not state.fits(i, p):
            capped += 1
        else:
            chosen += 1
    found = []
    if full:
        found.append(
            CaseloadFinding(
                rule_id=policy.limit_rule,
                code="no-capacity",
                severity=Severity.ERROR,
                message=f"{full} candidate(s) would pass their hard limit",
                measured=inst.weight[i],
            )
        )
    if capped:
        found.append(
            CaseloadFinding(
                rule_id="C3",
                code="high-risk-cap",
                severity=Severity.ERROR,
                message=f"{capped} candidate(s) would pass the high-risk cap",
            )
        )
    if chosen:
        found.append(
            CaseloadFinding(
                rule_id="C3",
                code="left-for-higher-priority",
                severity=Severity.WARNING,
                message=f"{chosen} candidate(s) could take it, but the search found no "
                "allocation placing it that costs less in total",
            )
        )
    return tuple(found)


def _statuses(
    inst: Instance,
    caseloads: Mapping[CaseManagerId, Sequence[CaseProfile]],
    state: State,
    as_of: pendulum.Date,
) -> tuple[CaseloadStatus, ...]:
    held: list[list[CaseProfile]] = [[] for _ in inst.pool_names]
    for j, manager in enumerate(inst.managers):
        held[inst.pool_of[j]].extend(caseloads.get(manager.id, ()))
    for i, j in enumerate(state.assign):
        if j >= 0:
            held[inst.pool_of[j]].append(inst.referrals[i])
    team = inst.policy.scope is LimitScope.TEAM
    first = {p: j for j, p in reversed(list(enumerate(inst.pool_of)))}
    return tuple(
        caseload_status(
            None if team else inst.managers[first[p]],
            held[p],
            policy=inst.policy,
            as_of=as_of,
            holder=name,
        )
        for p, name in enumerate(inst.pool_names)
    )


def solve(inst: Instance, method: AllocationMethod) -> tuple[State, float | None, AllocationMethod]:
    """Run ``method`` on ``inst``: the final state, a lower bound if any, the method used."""
    if method is AllocationMethod.AUTO:
        method = (
            AllocationMethod.EXACT
            if len(inst.referrals) <= EXACT_UP_TO
            else AllocationMethod.GREEDY
        )
    if method is AllocationMethod.LP:
        from casemgmt.services._allocation_lp import solve_lp

        lp_state, lp_bound = solve_lp(inst)
        return lp_state, lp_bound, method
    if method is AllocationMethod.EXACT and len(inst.referrals) > EXACT_LIMIT:
        raise ValueError(f"EXACT allocates at most {EXACT_LIMIT} referrals at a time")
    state = solve_greedy(inst)
    if method is AllocationMethod.EXACT:
        best, proven = solve_exact(inst, state)
        return best, proven, method
    return state, None, method


_NOT_WAITING = CaseloadFinding(
    rule_id="C6",
    code="not-waiting",
    severity=Severity.INFORMATION,
    message="not waiting on this day: referred later, or closed",
)


@applies("C1", "C2", "C3", "C4", "C5", "C7", "C8")
def allocate(
    referrals: Sequence[CaseProfile],
    managers: Sequence[CaseManager],
    caseloads: Mapping[CaseManagerId, Sequence[CaseProfile]],
    *,
    policy: CaseloadPolicy,
    as_of: pendulum.Date,
    method: AllocationMethod = AllocationMethod.AUTO,
) -> Allocation:
    """Allocate ``referrals`` to ``managers``, who already hold ``caseloads``.

    Every referral ends up assigned, with the reasons, or unplaced, with the reasons
    (a referral not waiting on ``as_of``, opened later or closed, is unplaced and left out
    of the objective). No
    hard limit and no high-risk cap is ever breached, and a required specialism is never
    missing. Among feasible allocations the one chosen minimises the policy's
    :class:`~casemgmt.policies.AllocationCosts`: places first (highest risk first), then
    specialism mismatch, broken continuity, travel and load above the soft limits.
    The same input always gives the same result.

    Raises:
        InvariantError: when a referral id or a case-manager id repeats.
        ValueError: for ``method=EXACT`` with more than :data:`EXACT_LIMIT` referrals.
        ImportError: for ``method=LP`` without scipy (``pip install casemgmt[allocation]``).

    >>> from casemgmt.model import CaseManager, PersonName, Profession, Specialism
    >>> from casemgmt.policies import DH_COMMUNITY_MATRON, RiskTier
    >>> def cm(id, *specialisms):
    ...     return CaseManager(id=CaseManagerId(id), name=PersonName(given="A", family="B"),
    ...                        profession=Profession.VOCATIONAL_REHABILITATION_PRACTITIONER,
    ...                        specialisms=frozenset(specialisms))
    >>> team = [cm("CM-1"), cm("CM-2", Specialism.BRAIN_INJURY)]
    >>> referrals = [CaseProfile(id="R1", needs=frozenset({Specialism.BRAIN_INJURY})),
    ...              CaseProfile(id="R2", previous_manager_id=CaseManagerId("CM-1"))]
    >>> result = allocate(referrals, team, {}, policy=DH_COMMUNITY_MATRON,
    ...                   as_of=pendulum.Date(2026, 11, 23))
    >>> result.manager_of("R1"), result.manager_of("R2"), result.proven_optimal
    ('CM-2', 'CM-1', True)
    """
    _refuse_repeats(referrals, managers)
    waiting = [r for r in referrals if r.on_caseload(as_of)]
    inst = build_instance(waiting, managers, caseloads, policy, as_of)
    state, bound, used = solve(inst, method)
    placed, missing, over = state.objective()
    assignments = tuple(
        Assignment(
            referral_id=inst.referrals[i].id,
            manager_id=inst.managers[j].id,
            cost=state.cost_of(i, j),
            findings=_placement_findings(inst, state, i, j),
        )
        for i, j in enumerate(state.assign)
        if j >= 0
    )
    unplaced = tuple(
        Unplaced(referral_id=inst.referrals[i].id, findings=_unplaced_findings(inst, state, i))
        for i, j in enumerate(state.assign)
        if j < 0
    ) + tuple(
        Unplaced(referral_id=r.id, findings=(_NOT_WAITING,))
        for r in sorted(referrals, key=lambda r: r.id)
        if not r.on_caseload(as_of)
    )
    return Allocation(
        as_of=as_of,
        method=used,
        assignments=assignments,
        unplaced=unplaced,
        placement_cost=placed,
        unplaced_cost=missing,
        over_soft_cost=over,
        lower_bound=bound,
        statuses=_statuses(inst, caseloads, state, as_of),
    )


# Recorded on each case's assign event when the caller gives no reason of their own.
_HANDOVER_WHY = "caseload handover from a leaving case manager (C7)"


@attrs.frozen(kw_only=True)
class Handover:
    """A proposal for handing over a leaving case manager's caseload (C7).

    ``allocation`` places each of their open cases with a colleague; cases it leaves
    unplaced stay with the leaving case manager, who remains accountable (C6) until the
    service decides (recruit, a temporary limit increase, or a discharge review).
    :meth:`apply` reassigns the cases themselves, keeping each case's referrals, assessments
    and plans, and records the hand-over as an ``assign`` event in each case's history.
    """

    leaving: CaseManagerId
    allocation: Allocation

    @property
    def complete(self) -> bool:
        """True when every case found a new case manager."""
        return not self.allocation.unplaced

    def new_manager(self, case_id: str) -> CaseManagerId | None:
        """Who takes ``case_id``; ``None`` if it stays with the leaving case manager."""
        return self.allocation.manager_of(case_id)

    @applies("C6", "C7")
    def apply(
        self,
        cases: Sequence[Case],
        *,
        by: ActorId,
        at: pendulum.DateTime,
        why: str = _HANDOVER_WHY,
    ) -> tuple[Case, ...]:
        """Return ``cases`` with each handed-over one assigned to its new case manager
        (:meth:`casemgmt.model.Case.assign`: referrals, assessments and plans are kept, and
        the case's history gains an ``assign`` event naming ``by``, ``at`` and ``why``).
        Cases not in the proposal are returned unchanged.

        Args:
            cases: The cases, in any order; those the proposal does not place are kept as
                they are.
            by: Who applies the hand-over (recorded on every case's event).
            at: When, as an aware instant (not before any case's last event).
            why: The reason recorded on each event.

        Returns:
            The cases in the order given.

        Raises:
            InvalidTransitionError: when a handed-over case is declined or closed, so it
                can no longer be assigned.
        """
        out = []
        for case in cases:
            target = self.new_manager(str(case.id))
            out.append(case if target is None else case.assign(target, by=by, at=at, why=why).case)
        return tuple(out)


@applies("C1", "C2", "C3", "C4", "C5", "C7", "C8")
def reassign_caseload(
    leaving: CaseManagerId,
    managers: Sequence[CaseManager],
    caseloads: Mapping[CaseManagerId, Sequence[CaseProfile]],
    *,
    policy: CaseloadPolicy,
    as_of: pendulum.Date,
    method: AllocationMethod = AllocationMethod.AUTO,
) -> Handover:
    """Propose a hand-over of ``leaving``'s open cases to the rest of the team (C7).

    Under a team-scoped policy the cases go to the leaver's teammates first (the team's
    limits already count them), and only those the team cannot keep go to other teams.
    Otherwise the cases are allocated like referrals, with the same constraints and costs: the
    case's specialism needs and locality count, and the colleagues' own limits and
    high-risk caps are never breached. Each case keeps its referrals, assessments and plans:
    the proposal moves accountability, nothing else (:meth:`Handover.apply` records the move
    in each case's history).

    >>> from casemgmt.model import CaseManager, PersonName, Profession
    >>> from casemgmt.policies import DH_COMMUNITY_MATRON
    >>> def cm(id):
    ...     return CaseManager(id=CaseManagerId(id), name=PersonName(given="A", family="B"),
    ...                        profession=Profession.VOCATIONAL_REHABILITATION_PRACTITIONER)
    >>> loads = {CaseManagerId("CM-1"): [CaseProfile(id="C1"), CaseProfile(id="C2")]}
    >>> handover = reassign_caseload(CaseManagerId("CM-1"), [cm("CM-1"), cm("CM-2")], loads,
    ...                              policy=DH_COMMUNITY_MATRON, as_of=pendulum.Date(2026, 11, 23))
    >>> handover.complete, handover.new_manager("C1")
    (True, 'CM-2')
    """
    held = [c for c in caseloads.get(leaving, ()) if c.on_caseload(as_of)]
    staying = [m for m in managers if m.id != leaving]
    others = {k: v for k, v in caseloads.items() if k != leaving}
    leaver = next((m for m in managers if m.id == leaving), None)
    mates = [m for m in staying if leaver is not None and team_key(m) == team_key(leaver)]
    if policy.scope is not LimitScope.TEAM or not mates:
        allocation = allocate(held, staying, others, policy=policy, as_of=as_of, method=method)
        return Handover(leaving=leaving, allocation=allocation)
    # Under a team scope the team's limits count the leaver's cases whether the leaver or a
    # teammate holds them: hand over within the team first, so its pool ends as it was, and
    # only what the team cannot keep goes to other teams.
    within = allocate(held, mates, others, policy=policy, as_of=as_of, method=method)
    now = {k: list(v) for k, v in others.items()}
    by_id = {c.id: c for c in held}
    for a in within.assignments:
        now.setdefault(a.manager_id, []).append(by_id[a.referral_id])
    rest = [by_id[u.referral_id] for u in within.unplaced]
    beyond = allocate(rest, staying, now, policy=policy, as_of=as_of, method=method)
    return Handover(
        leaving=leaving,
        allocation=attrs.evolve(
            beyond,
            assignments=within.assignments + beyond.assignments,
            placement_cost=within.placement_cost + beyond.placement_cost,
            over_soft_cost=within.over_soft_cost + beyond.over_soft_cost,
            lower_bound=None,
        ),
    )
