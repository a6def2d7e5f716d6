"""Funding streams (F1-F4): amounts, currency, validity and what they pay for."""

# Test names carry the DOMAIN.md rule ids (C6, P1, ...) in their own case.
# ruff: noqa: N802

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
import pytest
from _model_builders import (
    assert_rejected,
    dates,
    day,
    found,
    gbp,
    invariant_error,
    make_date_range,
    make_funding_stream,
)
from hypothesis import given

from casemgmt.model import (
    BudgetHolder,
    FrequencyUnit,
    FundingStreamId,
    FundingStreamKind,
    InterventionCategory,
    Money,
)


def test_valid_funding_stream() -> None:
    stream = make_funding_stream(
        kind=FundingStreamKind.PERSONAL_HEALTH_BUDGET,
        holder=BudgetHolder.CASE_MANAGER,
        budget_period=FrequencyUnit.MONTH,
        long_term=True,
    )
    assert stream.currency == "GBP"
    assert stream.long_term


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"id": FundingStreamId("FS 1")}, "id", "bad_id"),
        ({"name": ""}, "name", "empty"),
        ({"permitted_categories": frozenset()}, "permitted_categories", "empty"),
        ({"budget_per_period": gbp("-0.01")}, "budget_per_period", "negative"),
        ({"total_budget": gbp("-1")}, "total_budget", "negative"),
        ({"spend_authority_per_week": gbp("-200")}, "spend_authority_per_week", "negative"),
        (
            {"spend_authority_per_week": Money.of("200", "EUR")},
            "spend_authority_per_week.currency",
            "currency_mismatch",
        ),
        ({"name": None}, "name", "wrong_type"),
        ({"kind": "capitation"}, "kind", "wrong_type"),
        ({"valid": (day(2026, 1, 1), None)}, "valid", "wrong_type"),
        (
            {"permitted_categories": {InterventionCategory.THERAPY}},
            "permitted_categories",
            "wrong_type",
        ),
        ({"permitted_categories": frozenset({"therapy"})}, "permitted_categories", "wrong_type"),
        ({"budget_per_period": 500}, "budget_per_period", "wrong_type"),
        ({"total_budget": "20000"}, "total_budget", "wrong_type"),
        ({"budget_period": "wk"}, "budget_period", "wrong_type"),
        ({"holder": None}, "holder", "wrong_type"),
        ({"long_term": "no"}, "long_term", "wrong_type"),
    ],
)
def test_funding_stream_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_funding_stream(**overrides), "FundingStream", path, code)


def test_currency_mismatch_path_names_an_amount_that_is_present() -> None:
    error = invariant_error(
        lambda: make_funding_stream(
            budget_per_period=gbp("500"),
            total_budget=None,
            spend_authority_per_week=Money.of("200", "EUR"),
        )
    )
    [problem] = error.problems
    assert problem.code == "currency_mismatch"
    assert problem.path.split(".")[0] in ("budget_per_period", "spend_authority_per_week")


def test_funding_stream_reports_every_broken_invariant() -> None:
    error = invariant_error(
        lambda: make_funding_stream(
            id=FundingStreamId(""),
            name=" ",
            permitted_categories=frozenset(),
            budget_per_period=gbp("-1"),
            total_budget=Money.of("-5", "EUR"),
        )
    )
    assert found(error) == {
        ("id", "bad_id"),
        ("name", "empty"),
        ("permitted_categories", "empty"),
        ("budget_per_period", "negative"),
        ("total_budget", "negative"),
        ("total_budget.currency", "currency_mismatch"),
    }


def test_funding_stream_without_amounts() -> None:
    stream = make_funding_stream(
        budget_per_period=None, total_budget=None, spend_authority_per_week=None
    )
    assert stream.currency == "GBP"
    euro = make_funding_stream(
        budget_per_period=None,
        total_budget=Money.of("100", "EUR"),
        spend_authority_per_week=None,
    )
    assert euro.currency == "EUR"
    zero = make_funding_stream(budget_per_period=Money.zero(), total_budget=Money.zero())
    assert zero.currency == "GBP"


@pytest.mark.rule("F1")
def test_funding_stream_active_on_and_permits_F1() -> None:
    """F1: a stream pays only on its valid days and only for its permitted categories."""
    stream = make_funding_stream(
        valid=make_date_range(start=day(2026, 1, 1), end=day(2026, 6, 30)),
        permitted_categories=frozenset(
            {InterventionCategory.THERAPY, InterventionCategory.PERSONAL_SUPPORT}
        ),
    )
    assert stream.active_on(day(2026, 1, 1))
    assert stream.active_on(day(2026, 6, 30))
    assert not stream.active_on(day(2025, 12, 31))
    assert not stream.active_on(day(2026, 7, 1))
    assert stream.permits(InterventionCategory.THERAPY)
    assert stream.permits(InterventionCategory.PERSONAL_SUPPORT)
    assert not stream.permits(InterventionCategory.NURSING)


def test_extend_to() -> None:
    stream = make_funding_stream()
    longer = stream.extend_to(day(2027, 12, 31))
    assert longer.valid.end == day(2027, 12, 31)
    assert longer.valid.start == stream.valid.start
    assert longer.active_on(day(2027, 6, 1))
    assert not stream.active_on(day(2027, 6, 1))
    open_ended = stream.extend_to(None)
    assert open_ended.valid.end is None
    assert open_ended.active_on(day(2090, 1, 1))
    assert_rejected(lambda: stream.extend_to(day(2025, 12, 31)), "DateRange", "end", "before_start")


@given(end=dates(dt.date(2025, 1, 1), dt.date(2028, 12, 31)))
def test_extend_to_keeps_invariants(end: pendulum.Date) -> None:
    stream = make_funding_stream()
    if end >= stream.valid.start:
        extended = stream.extend_to(end)
        assert extended.active_on(end)
        assert not extended.active_on(end.add(days=1))
    else:
        assert_rejected(lambda: stream.extend_to(end), "DateRange", "end", "before_start")
