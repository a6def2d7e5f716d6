"""Which column of a population frame holds each fact that eligibility criteria read."""

from __future__ import annotations

import types
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from casemgmt.errors import Problem
from casemgmt.model import ConditionCategory, ConsentScope
from casemgmt.model._base import Validated, problem

__all__ = ["Columns"]


def _read_only(mapping: object) -> Any:
    if isinstance(mapping, Mapping):
        return types.MappingProxyType(dict(mapping))
    return mapping  # not a mapping: the type check reports it


def _snake(code: str) -> str:
    return code.replace("-", "_")


@attrs.frozen(kw_only=True)
class Columns(Validated):
    """Names of the columns that hold each fact (:class:`casemgmt.policies.EligibilityFacts`).

    Only the columns that the programme's criteria read must exist; the others are never
    looked at. Give either ``age`` (whole years on the screening day, already computed) or
    ``date_of_birth`` (a date column; the screen compares it with the age cut-off, so people
    born on 29 February are aged as :meth:`casemgmt.model.Client.age_on` ages them).

    Condition categories and consents are one boolean column per category or scope; by
    default ``condition_<category>`` and ``consent_<scope>`` with hyphens as underscores
    (``condition_mental_health``, ``consent_case_management``).

    >>> columns = Columns(predicted_risk="risk_score", age="age")
    >>> columns.condition(ConditionCategory.MENTAL_HEALTH)
    'condition_mental_health'
    >>> columns.consent(ConsentScope.CASE_MANAGEMENT)
    'consent_case_management'
    """

    id: str = "id"
    date_of_birth: str = "date_of_birth"
    age: str | None = None
    predicted_risk: str = "predicted_risk"
    emergency_admissions_12m: str = "emergency_admissions_12m"
    long_term_conditions: str = "long_term_conditions"
    nursing_home_level_of_need: str = "nursing_home_level_of_need"
    nhs_employee: str = "nhs_employee"
    absent_or_struggling: str = "absent_or_struggling"
    referral_source: str = "referral_source"
    postcode: str = "postcode"
    already_case_managed: str = "already_case_managed"
    same_service_elsewhere: str = "same_service_elsewhere"
    conditions: Mapping[ConditionCategory, str] = attrs.field(
        factory=dict, converter=_read_only, hash=False
    )
    consents: Mapping[ConsentScope, str] = attrs.field(
        factory=dict, converter=_read_only, hash=False
    )

    def _invariants(self) -> Iterator[Problem]:
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            if isinstance(value, str) and not value:
                yield problem(field.name, "empty", "must name a column")

    def condition(self, category: ConditionCategory) -> str:
        """The boolean column saying whether a person has a condition in ``category``."""
        return self.conditions.get(category, f"condition_{_snake(category.value)}")

    def consent(self, scope: ConsentScope) -> str:
        """The boolean column saying whether consent for ``scope`` is recorded and in force."""
        return self.consents.get(scope, f"consent_{_snake(scope.value)}")
