"""Goal Attainment Scaling (O4): each goal's level at review, and the plan's T-score.

Kiresuk and Sherman (1968) combine the levels ``x`` (-2 .. +2) of the scored goals, with
weights ``w``, into a T-score with mean 50 and standard deviation 10 across a population:

    T = 50 + 10 * sum(w * x) / sqrt((1 - rho) * sum(w ** 2) + rho * sum(w) ** 2)

where ``rho`` is the assumed correlation between the goals' scores, conventionally 0.3
(Turner-Stokes 2009, from the corrected formula: the paper's printed formulas were wrong
and corrected in an erratum). T is 50 when every goal is met as expected, above 50 when
they are exceeded, below when they fall short.

>>> round(t_score([1, 2, 0], weights=[2, 1, 3]), 4)
58.8131
>>> round(t_score([-1, -1, -1]), 4)
36.3069
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs

from casemgmt._applies import applies
from casemgmt.model import CarePlan, GoalId, GoalLifecycleStatus
from casemgmt.model.plan import GAS_LEVELS

__all__ = ["GasGoal", "GoalAttainment", "goal_attainment", "t_score"]

CONVENTIONAL_RHO = 0.3
"""The inter-goal correlation Kiresuk and Sherman assumed, and GAS practice keeps."""

_NOT_SCORED = frozenset(
    {
        GoalLifecycleStatus.CANCELLED,
        GoalLifecycleStatus.REJECTED,
        GoalLifecycleStatus.ENTERED_IN_ERROR,
    }
)


@applies("O4")
def t_score(
    levels: Sequence[int],
    weights: Sequence[int] | None = None,
    *,
    rho: float = CONVENTIONAL_RHO,
) -> float:
    """The GAS T-score of ``levels`` (each -2 .. +2) with ``weights`` (1 each by default).

    Raises:
        ValueError: with no levels, a level outside -2 .. +2, a weight below 1, weights of
            another length, or ``rho`` outside 0 .. 1.

    >>> t_score([0, 0, 0]), t_score([2]), t_score([-2])
    (50.0, 70.0, 30.0)
    """
    if not levels:
        raise ValueError("a T-score needs at least one scored goal")
    if any(level not in GAS_LEVELS for level in levels):
        raise ValueError("every level must be one of -2, -1, 0, 1, 2")
    chosen = [1] * len(levels) if weights is None else list(weights)
    if len(chosen) != len(levels):
        raise ValueError("give one weight per level")
    if any(w < 1 for w in chosen):
        raise ValueError("every weight must be at least 1")
    if not (math.isfinite(rho) and 0.0 <= rho <= 1.0):
        raise ValueError("rho must be between 0 and 1")
    weighted = sum(w * x for w, x in zip(chosen, levels, strict=True))
    spread = math.sqrt((1 - rho) * sum(w * w for w in chosen) + rho * sum(chosen) ** 2)
    return 50.0 + 10.0 * weighted / spread


@attrs.frozen(kw_only=True)
class GasGoal:
    """One goal's attainment.

    Attributes:
        goal_id: The goal.
        baseline: Its level at the start (-2 or -1).
        attained: The level scored at review (``None``: not scored yet).
        weight: Its weight in the T-score.
    """

    goal_id: GoalId
    baseline: int
    attained: int | None
    weight: int

    @property
    def change(self) -> int | None:
        """Levels gained since the baseline (``None`` until scored)."""
        return None if self.attained is None else self.attained - self.baseline

    @property
    def met(self) -> bool | None:
        """True when the expected outcome (0) or better was attained."""
        return None if self.attained is None else self.attained >= 0


@attrs.frozen(kw_only=True)
class GoalAttainment:
    """A plan's goal attainment (O4).

    Attributes:
        goals: Every goal with a GAS scale that counts, in plan order.
        rho: The inter-goal correlation used.
        t_score: The weighted T-score of the scored goals (``None`` when none is scored).
        unweighted_t_score: The same with every weight 1.
        baseline_t_score: The T-score of the baseline levels (with the weights).
    """

    goals: tuple[GasGoal, ...]
    rho: float
    t_score: float | None
    unweighted_t_score: float | None
    baseline_t_score: float | None

    @property
    def scored(self) -> tuple[GasGoal, ...]:
        """The goals scored at review."""
        return tuple(g for g in self.goals if g.attained is not None)

    @property
    def unscored(self) -> tuple[GasGoal, ...]:
        """The goals with a scale but no level scored yet."""
        return tuple(g for g in self.goals if g.attained is None)


@applies("O4")
def goal_attainment(plan: CarePlan, *, rho: float = CONVENTIONAL_RHO) -> GoalAttainment:
    """The GAS levels of a plan's goals and its T-score (O4).

    Goals without a scale do not count, nor do cancelled, rejected or entered-in-error
    goals. The T-score covers the goals scored so far, and the baseline T-score the same
    goals at their baselines, so the two compare like with like.

    Args:
        plan: The care plan whose goals carry :class:`~casemgmt.model.GasScale`\\ s.
        rho: The assumed correlation between goals (0.3 by convention).

    Raises:
        ValueError: when ``rho`` is outside 0 .. 1.

    >>> import pendulum
    >>> from casemgmt.model import (
    ...     CarePlan, CarePlanStatus, DateRange, GasScale, Goal, GoalDomain)
    >>> def goal(n, attained, weight=1):
    ...     scale = GasScale(much_less="a", somewhat_less="b", expected="c",
    ...                      somewhat_more="d", much_more="e", attained=attained,
    ...                      weight=weight)
    ...     return Goal(id=f"G-{n}", description="goal", domain=GoalDomain.INDEPENDENCE,
    ...                 start=pendulum.date(2026, 1, 5), gas=scale)
    >>> plan = CarePlan(id="CP-1", client_id="CL-1", version=1,
    ...                 status=CarePlanStatus.ACTIVE,
    ...                 period=DateRange(start=pendulum.date(2026, 1, 5)),
    ...                 created_on=pendulum.date(2026, 1, 5),
    ...                 goals=(goal(1, 1, 2), goal(2, 2), goal(3, 0, 3), goal(4, None)))
    >>> result = goal_attainment(plan)
    >>> round(result.t_score, 4), round(result.baseline_t_score, 4), len(result.unscored)
    (58.8131, 36.7804, 1)
    """
    if not (math.isfinite(rho) and 0.0 <= rho <= 1.0):
        raise ValueError("rho must be between 0 and 1")
    goals = tuple(
        GasGoal(
            goal_id=goal.id,
            baseline=goal.gas.baseline,
            attained=goal.gas.attained,
            weight=goal.gas.weight,
        )
        for goal in plan.goals
        if goal.gas is not None and goal.lifecycle_status not in _NOT_SCORED
    )
    scored = [g for g in goals if g.attained is not None]
    if not scored:
        return GoalAttainment(
            goals=goals, rho=rho, t_score=None, unweighted_t_score=None, baseline_t_score=None
        )
    levels = [g.attained for g in scored if g.attained is not None]
    weights = [g.weight for g in scored]
    return GoalAttainment(
        goals=goals,
        rho=rho,
        t_score=t_score(levels, weights, rho=rho),
        unweighted_t_score=t_score(levels, rho=rho),
        baseline_t_score=t_score([g.baseline for g in scored], weights, rho=rho),
    )
