"""Case-finding targets predicted future risk, not past admissions (E3): the people a
population screen proposes, and their order, follow the predicted risk alone."""

from __future__ import annotations

import pendulum
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.policies import VIRTUAL_WARD
from casemgmt.population import find_cases

DAY = pendulum.Date(2026, 1, 5)
_THRESHOLD = 0.5  # Virtual Wards admit at the highest (high-tier) predicted risk


@st.composite
def _people(draw: st.DrawFn) -> tuple[list[float], list[int], list[int]]:
    """Predicted risks, past-year admissions and a permutation of those admissions."""
    n = draw(st.integers(0, 12))
    risks = draw(st.lists(st.sampled_from([0.1, 0.3, 0.49, 0.5, 0.7, 0.9]), min_size=n, max_size=n))
    admissions = draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))
    shuffled = draw(st.permutations(admissions))
    return risks, admissions, list(shuffled)


def _frame(risks: list[float], admissions: list[int]) -> pl.DataFrame:
    n = len(risks)
    return pl.DataFrame(
        {
            "id": pl.Series([f"p{i:02d}" for i in range(n)], dtype=pl.String),
            "predicted_risk": pl.Series(risks, dtype=pl.Float64),
            "emergency_admissions_12m": pl.Series(admissions, dtype=pl.Int64),
            "consent_case_management": pl.Series([True] * n, dtype=pl.Boolean),
            "already_case_managed": pl.Series([False] * n, dtype=pl.Boolean),
            "same_service_elsewhere": pl.Series([False] * n, dtype=pl.Boolean),
        }
    )


@pytest.mark.rule("E3", "E1")
@given(people=_people(), places=st.integers(0, 12))
def test_the_people_proposed_follow_predicted_risk_not_past_admissions(
    people: tuple[list[float], list[int], list[int]], places: int
) -> None:
    risks, admissions, shuffled = people
    found = find_cases(_frame(risks, admissions), programme=VIRTUAL_WARD, places=places, as_of=DAY)
    proposed = found.proposed["id"].to_list()
    # Highest predicted risk first, ties by id; the admissions play no part.
    ranked = sorted(
        (f"p{i:02d}" for i, r in enumerate(risks) if r >= _THRESHOLD),
        key=lambda pid: (-risks[int(pid[1:])], pid),
    )
    assert proposed == ranked[:places]
    # Reassigning the same admissions to other people changes nothing.
    again = find_cases(_frame(risks, shuffled), programme=VIRTUAL_WARD, places=places, as_of=DAY)
    assert again.proposed["id"].to_list() == proposed
    assert (again.eligible, again.unplaced) == (found.eligible, found.unplaced)


@pytest.mark.rule("E3")
def test_many_admissions_now_do_not_outrank_a_higher_predicted_risk() -> None:
    """Regression to the mean: the frequent attender of this year (9 admissions, predicted
    risk 0.55) is proposed after the person predicted to be at higher risk next year."""
    frame = _frame([0.55, 0.8, 0.3], [9, 0, 12])
    found = find_cases(frame, programme=VIRTUAL_WARD, places=2, as_of=DAY)
    assert found.proposed["id"].to_list() == ["p01", "p00"]
    assert found.eligible == 2  # twelve admissions, low predicted risk: not eligible
