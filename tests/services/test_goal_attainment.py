"""Goal Attainment Scaling (O4): the T-score's worked values, bounds and monotonicity."""

from __future__ import annotations

import math
import random

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.model import (
    CarePlan,
    CarePlanId,
    CarePlanStatus,
    ClientId,
    DateRange,
    GasScale,
    Goal,
    GoalDomain,
    GoalId,
    GoalLifecycleStatus,
)
from casemgmt.services import goal_attainment, t_score

# The worked values of mission-anchors.md (d), rho = 0.3, from the corrected formula.
WORKED = [
    ([0, 0, 0], [1, 1, 1], 50.0000),
    ([-1, -1, -1], [1, 1, 1], 36.3069),
    ([-2, -2, -2], [1, 1, 1], 22.6139),
    ([2], [1], 70.0000),
    ([-2], [1], 30.0000),
    ([1, 0, -1], [1, 1, 1], 50.0000),
    ([1, 2, 0], [2, 1, 3], 58.8131),
    ([-1] * 5, [1] * 5, 34.9244),
    ([2] * 5, [1] * 5, 80.1511),
    ([1, 1, 1], [9, 4, 1], 62.4035),
]

LEVELS = st.sampled_from([-2, -1, 0, 1, 2])


@st.composite
def scored_goals(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    levels = draw(st.lists(LEVELS, min_size=1, max_size=12))
    weights = draw(st.lists(st.integers(1, 9), min_size=len(levels), max_size=len(levels)))
    return levels, weights


@pytest.mark.rule("O4")
@pytest.mark.parametrize(("levels", "weights", "expected"), WORKED)
def test_the_worked_values(levels: list[int], weights: list[int], expected: float) -> None:
    assert t_score(levels, weights) == pytest.approx(expected, abs=5e-5)


@given(goals=scored_goals(), rho=st.floats(0.0, 1.0))
def test_the_t_score_lies_between_all_much_less_and_all_much_more(
    goals: tuple[list[int], list[int]], rho: float
) -> None:
    levels, weights = goals
    n = len(levels)
    low = t_score([-2] * n, weights, rho=rho)
    high = t_score([2] * n, weights, rho=rho)
    score = t_score(levels, weights, rho=rho)
    assert low - 1e-9 <= score <= high + 1e-9
    assert low == pytest.approx(100 - high)  # symmetric about 50
    # 50 exactly when the weighted levels balance out, as when every goal is met as expected.
    balanced = sum(w * x for w, x in zip(weights, levels, strict=True)) == 0
    assert math.isclose(score, 50.0, abs_tol=1e-9) is balanced


@pytest.mark.rule("O4")
@given(goals=scored_goals(), which=st.integers(0, 11), rho=st.floats(0.0, 1.0))
def test_raising_one_goal_never_lowers_the_t_score(
    goals: tuple[list[int], list[int]], which: int, rho: float
) -> None:
    levels, weights = goals
    index = which % len(levels)
    if levels[index] == 2:
        return
    better = [*levels]
    better[index] += 1
    assert t_score(better, weights, rho=rho) > t_score(levels, weights, rho=rho)


@given(goals=scored_goals(), factor=st.integers(2, 5), seed=st.randoms())
def test_order_and_a_common_scale_of_weights_do_not_matter(
    goals: tuple[list[int], list[int]], factor: int, seed: random.Random
) -> None:
    levels, weights = goals
    pairs = list(zip(levels, weights, strict=True))
    seed.shuffle(pairs)
    shuffled = t_score([x for x, _ in pairs], [w for _, w in pairs])
    assert shuffled == pytest.approx(t_score(levels, weights))
    assert t_score(levels, [w * factor for w in weights]) == pytest.approx(t_score(levels, weights))
    assert t_score(levels) == pytest.approx(t_score(levels, [1] * len(levels)))


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        t_score([])
    with pytest.raises(ValueError, match="-2, -1, 0, 1, 2"):
        t_score([3])
    with pytest.raises(ValueError, match="one weight per level"):
        t_score([0, 0], [1])
    with pytest.raises(ValueError, match="at least 1"):
        t_score([0], [0])
    with pytest.raises(ValueError, match="rho"):
        t_score([0], rho=1.5)


START = pendulum.Date(2026, 1, 5)


def _goal(n: int, attained: int | None, weight: int = 1, baseline: int = -1) -> Goal:
    return Goal(
        id=GoalId(f"G-{n}"),
        description="Walk to the shop",
        domain=GoalDomain.INDEPENDENCE,
        start=START,
        gas=GasScale(
            much_less="housebound",
            somewhat_less="to the gate",
            expected="to the corner shop",
            somewhat_more="to the high street",
            much_more="to town by bus",
            baseline=baseline,
            attained=attained,
            weight=weight,
        ),
    )


def _plan(*goals: Goal) -> CarePlan:
    return CarePlan(
        id=CarePlanId("CP-1"),
        client_id=ClientId("CL-1"),
        version=1,
        status=CarePlanStatus.ACTIVE,
        period=DateRange(start=START),
        created_on=START,
        goals=goals,
    )


def test_a_plans_goal_attainment_counts_scored_goals_with_a_scale() -> None:
    no_scale = attrs.evolve(_goal(9, 2), gas=None)
    cancelled = attrs.evolve(_goal(8, -2), lifecycle_status=GoalLifecycleStatus.CANCELLED)
    plan = _plan(_goal(1, 1, 2), _goal(2, 2, baseline=-2), _goal(3, 0, 3), _goal(4, None))
    result = goal_attainment(attrs.evolve(plan, goals=(*plan.goals, no_scale, cancelled)))
    assert [g.goal_id for g in result.goals] == ["G-1", "G-2", "G-3", "G-4"]
    assert [g.goal_id for g in result.unscored] == ["G-4"]
    assert [(g.change, g.met) for g in result.scored] == [(2, True), (4, True), (1, True)]
    assert result.t_score == pytest.approx(58.8131, abs=5e-5)
    assert result.unweighted_t_score == pytest.approx(t_score([1, 2, 0]))
    assert result.baseline_t_score == pytest.approx(t_score([-1, -2, -1], [2, 1, 3]))
    nothing = goal_attainment(_plan(_goal(1, None)))
    assert (nothing.t_score, nothing.unweighted_t_score, nothing.baseline_t_score) == (
        None,
        None,
        None,
    )
    with pytest.raises(ValueError, match="rho"):
        goal_attainment(plan, rho=-0.1)
