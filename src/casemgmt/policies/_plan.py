"""What a programme decides about care plans: the knobs of plan validation (P1-P9, F1-F4,
E8)."""

from __future__ import annotations

import enum
import types
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from casemgmt.errors import Problem
from casemgmt.model import GoalDomain, Money
from casemgmt.model._base import Validated, problem
from casemgmt.rules import CHECKS, Severity

__all__ = ["PlanPolicy", "SpendAuthorityScope"]


class SpendAuthorityScope(enum.Enum):
    """What a spend authority limits (F2).

    ``PLAN``: the plan's total weekly commitment on one funding stream (Castlefields social
    workers could commit up to GBP 200 a week for a client). ``INTERVENTION``: each
    intervention's weekly cost on its own.
    """

    PLAN = "plan"
    INTERVENTION = "intervention"


def _read_only(overrides: object) -> Any:
    # A copy behind a read-only view: the caller's dict can change, the policy cannot.
    if isinstance(overrides, Mapping):
        return types.MappingProxyType(dict(overrides))
    return overrides  # not a mapping: the type check reports it


@attrs.frozen(kw_only=True)
class PlanPolicy(Validated):
    """How a programme validates care plans.

    Attributes:
        spend_authority_per_week: What a case manager may commit per week on a funding
            stream without a recorded approval, where the stream sets no authority of its own
            (F2). ``None``: no delegated limit.
        spend_authority_scope: Whether the authority limits a plan's weekly total on a
            stream (the default) or each intervention.
        required_goal_domains: A plan being pursued must have at least one goal in one of
            these domains (P7). Vocational programmes require employment or education.
        referral_acknowledgement_days: Days after an onward referral was sent by which the
            receiving service should have acknowledged it (P5).
        severity_overrides: A different severity for some check codes (for example
            ``{"duplicate-service": Severity.ERROR}``); codes not named keep the default
            severity of their check.

    >>> PlanPolicy(referral_acknowledgement_days=0)
    Traceback (most recent call last):
    ...
    casemgmt.errors.InvariantError: invalid PlanPolicy: referral_acknowledgement_days: must ...
    """

    spend_authority_per_week: Money | None = None
    spend_authority_scope: SpendAuthorityScope = SpendAuthorityScope.PLAN
    required_goal_domains: frozenset[GoalDomain] = frozenset()
    referral_acknowledgement_days: int = 14
    severity_overrides: Mapping[str, Severity] = attrs.field(
        factory=dict, converter=_read_only, hash=False
    )

    def _invariants(self) -> Iterator[Problem]:
        authority = self.spend_authority_per_week
        if authority is not None and authority.is_negative:
            yield problem("spend_authority_per_week", "negative", "must not be negative")
        if self.referral_acknowledgement_days < 1:
            yield problem("referral_acknowledgement_days", "not_positive", "must be at least 1")
        for code in sorted(self.severity_overrides):
            if code not in CHECKS:
                yield problem(f"severity_overrides[{code!r}]", "unknown_check", "is no check code")

    def severity_of(self, code: str, default: Severity) -> Severity:
        """The severity this policy gives the check ``code`` (``default`` unless overridden)."""
        return self.severity_overrides.get(code, default)
