"""Funding streams: who pays, how much, for what, and for how long (F1-F4; seeds 002, 003)."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import Problem
from casemgmt.model._base import Validated, problem
from casemgmt.model.codes import (
    BudgetHolder,
    FrequencyUnit,
    FundingStreamKind,
    InterventionCategory,
)
from casemgmt.model.values import ID_PATTERN, DateRange, FundingStreamId, Money, id_problems

__all__ = ["FundingStream"]


@attrs.frozen(kw_only=True)
class FundingStream(Validated):
    """A source of money for commissioned services.

    Attributes:
        budget_per_period: How much may be committed per ``budget_period`` (``None``: no
            periodic cap).
        total_budget: How much may be committed over the stream's life (``None``: no cap).
        valid: The days on which services may be paid from it.
        spend_authority_per_week: What a case manager may commit per week without a
            further approval (F2; Castlefields: GBP 200 a week). ``None``: no delegated limit.
        permitted_categories: The intervention categories it pays for (F1).
        long_term: Whether the funding is secured for the long term (court interim funds, a
            deputy); short-term insurer funding suits agency support (F3).

    Invariants: amounts are not negative, share one currency, and ``permitted_categories``
    is not empty.
    """

    id: FundingStreamId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    name: str = attrs.field(
        metadata={"schema": {"pattern": r"\S", "description": "Not blank (invariant: empty)."}}
    )
    kind: FundingStreamKind
    valid: DateRange
    permitted_categories: frozenset[InterventionCategory] = attrs.field(
        metadata={"schema": {"minItems": 1, "description": "At least one (invariant: empty)."}}
    )
    budget_per_period: Money | None = attrs.field(
        default=None,
        metadata={
            "schema": {
                "properties": {"amount": {"pattern": r"^(?:[^-]|-0+(?:\.0+)?$)"}},
                "description": "Not negative (invariant: negative).",
            }
        },
    )
    budget_period: FrequencyUnit = FrequencyUnit.WEEK
    total_budget: Money | None = attrs.field(
        default=None,
        metadata={
            "schema": {
                "properties": {"amount": {"pattern": r"^(?:[^-]|-0+(?:\.0+)?$)"}},
                "description": "Not negative (invariant: negative).",
            }
        },
    )
    spend_authority_per_week: Money | None = attrs.field(
        default=None,
        metadata={
            "schema": {
                "properties": {"amount": {"pattern": r"^(?:[^-]|-0+(?:\.0+)?$)"}},
                "description": "Not negative (invariant: negative).",
            }
        },
    )
    holder: BudgetHolder = BudgetHolder.COMMISSIONER
    long_term: bool = False

    def _invariants(self) -> Iterator[Problem]:
        yield from id_problems("id", self.id)
        if not self.name.strip():
            yield problem("name", "empty", "must not be empty")
        if not self.permitted_categories:
            yield problem("permitted_categories", "empty", "must permit at least one category")
        amounts = {
            "budget_per_period": self.budget_per_period,
            "total_budget": self.total_budget,
            "spend_authority_per_week": self.spend_authority_per_week,
        }
        first_currency: str | None = None
        for name, money in amounts.items():
            if money is None:
                continue
            if money.is_negative:
                yield problem(name, "negative", "must not be negative")
            if first_currency is None:
                first_currency = money.currency
            elif money.currency != first_currency:
                yield problem(
                    f"{name}.currency", "currency_mismatch", "differs from the stream's currency"
                )

    @property
    def currency(self) -> str:
        """The stream's currency (GBP when it sets no amount)."""
        for money in (self.budget_per_period, self.total_budget, self.spend_authority_per_week):
            if money is not None:
                return money.currency
        return "GBP"

    @applies("F1")
    def active_on(self, day: pendulum.Date) -> bool:
        """True when services on ``day`` may be paid from this stream."""
        return self.valid.contains(day)

    @applies("F1")
    def permits(self, category: InterventionCategory) -> bool:
        """True when the stream pays for ``category``."""
        return category in self.permitted_categories

    def extend_to(self, end: pendulum.Date | None) -> FundingStream:
        """Return the stream with its validity extended (or made open-ended with ``None``)."""
        return attrs.evolve(self, valid=attrs.evolve(self.valid, end=end))
