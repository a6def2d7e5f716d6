"""A pydantic v2 model of the care-plan document, with the constraints casemgmt checks.

The peer for ``plan_load_validate``. It reads the *same bytes* as casemgmt's
``load_json(CarePlan, text)`` (envelope included) and enforces the same rules, so the
comparison measures the cost of the same work:

- strict types, no coercion (a string is never an int, a bool never an int), unknown keys
  refused, frozen models (``strict=True, extra="forbid", frozen=True``);
- the value sets are casemgmt's own enums (identical codes);
- dates as ``YYYY-MM-DD``, aware date-times only (``AwareDatetime``);
- money ``{"amount": "12.50", "currency": "GBP"}``: a decimal *string* parsed to
  ``Decimal``, a known currency, no more decimals than the currency has minor units, and
  ``unit_cost`` not negative;
- identifiers (plan, goal and intervention ids) match casemgmt's id pattern;
- ranges: version >= 1, frequency count/every/session_minutes >= 1, GAS baseline -2/-1,
  attained -2..2, weight >= 1; non-blank descriptions where casemgmt requires them; the
  five GAS levels distinct;
- date order: goal due and status date not before start, intervention end not before
  start, period end not before start, referral acknowledged not before sent, agreement
  (its Europe/London day) not before the plan was created;
- goal-id sets without repeated members; unique goal and intervention ids; every goal an
  intervention or onward referral names is a goal of the plan (model validators).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from casemgmt.model.codes import (
    AgreementParty,
    CarePlanStatus,
    Discipline,
    FrequencyUnit,
    GoalAchievementStatus,
    GoalDomain,
    GoalLifecycleStatus,
    GoalPriority,
    InterventionCategory,
    InterventionStatus,
    StaffingModel,
)

__all__ = ["PyCarePlan"]

LONDON = ZoneInfo("Europe/London")
CURRENCY_EXPONENTS = {"GBP": 2, "EUR": 2, "USD": 2, "CHF": 2, "JPY": 0}


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _no_repeats(value: object) -> object:
    """A JSON array of distinct members becomes a frozenset (strict mode would refuse the
    Python list the before-validator receives); anything else goes on to be refused."""
    if type(value) is list:
        try:
            members = frozenset(value)
        except TypeError:  # unhashable members: let the frozenset[str] check refuse them
            return value
        if len(members) != len(value):
            raise ValueError("an array without repeated members")
        return members
    return value


_AMOUNT = re.compile(r"-?\d{1,15}(\.\d{1,4})?")


def _decimal_string(value: object) -> object:
    """Money amounts are decimal *strings* (``"12.50"``); strict pydantic would take a JSON
    number for a ``Decimal`` too, casemgmt does not."""
    if type(value) is not str or _AMOUNT.fullmatch(value) is None:
        raise ValueError('an amount as a decimal string such as "12.50"')
    return Decimal(value)


Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
NonBlank = Annotated[str, AfterValidator(_not_blank)]
GoalIdSet = Annotated[frozenset[str], BeforeValidator(_no_repeats)]
Amount = Annotated[
    Decimal, BeforeValidator(_decimal_string), Field(max_digits=19, decimal_places=4)
]
AtLeastOne = Annotated[int, Field(ge=1)]

STRICT = ConfigDict(strict=True, extra="forbid", frozen=True)


class PyMoney(BaseModel):
    model_config = STRICT

    amount: Amount
    currency: Literal["GBP", "EUR", "USD", "CHF", "JPY"] = "GBP"

    @model_validator(mode="after")
    def _minor_units(self) -> Self:
        scaled = self.amount.scaleb(CURRENCY_EXPONENTS[self.currency])
        if scaled != scaled.to_integral_value():
            raise ValueError("more decimals than the currency has minor units")
        return self


class PyDateRange(BaseModel):
    model_config = STRICT

    start: date
    end: date | None = None

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before the start")
        return self


class PyGasScale(BaseModel):
    model_config = STRICT

    much_less: NonBlank
    somewhat_less: NonBlank
    expected: NonBlank
    somewhat_more: NonBlank
    much_more: NonBlank
    baseline: Literal[-2, -1] = -1
    attained: Literal[-2, -1, 0, 1, 2] | None = None
    weight: AtLeastOne = 1

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        levels = (
            self.much_less,
            self.somewhat_less,
            self.expected,
            self.somewhat_more,
            self.much_more,
        )
        if len({text.strip().casefold() for text in levels}) < len(levels):
            raise ValueError("the five levels must differ")
        return self


class PyGoal(BaseModel):
    model_config = STRICT

    id: Id
    description: NonBlank
    domain: GoalDomain
    start: date
    lifecycle_status: GoalLifecycleStatus = GoalLifecycleStatus.PROPOSED
    achievement_status: GoalAchievementStatus | None = None
    priority: GoalPriority | None = None
    target: str | None = None
    due: date | None = None
    self_managed: bool = False
    gas: PyGasScale | None = None
    status_date: date | None = None

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.due is not None and self.due < self.start:
            raise ValueError("due is before the goal's start")
        if self.status_date is not None and self.status_date < self.start:
            raise ValueError("status_date is before the goal's start")
        return self


class PyFrequency(BaseModel):
    model_config = STRICT

    count: AtLeastOne
    unit: FrequencyUnit
    every: AtLeastOne = 1
    session_minutes: AtLeastOne | None = None


class PySpendApproval(BaseModel):
    model_config = STRICT

    approved_by: NonBlank
    approved_on: date
    reference: str | None = None


class PyIntervention(BaseModel):
    model_config = STRICT

    id: Id
    category: InterventionCategory
    discipline: Discipline
    description: str
    provider_id: str
    goal_ids: GoalIdSet
    start: date
    unit_cost: PyMoney
    frequency: PyFrequency | None = None
    end: date | None = None
    funding_stream_id: str | None = None
    status: InterventionStatus = InterventionStatus.NOT_STARTED
    staffing: StaffingModel | None = None
    approval: PySpendApproval | None = None

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before the intervention's start")
        if self.unit_cost.amount < 0:
            raise ValueError("unit_cost must not be negative")
        return self


class PyClientAgreement(BaseModel):
    model_config = STRICT

    agreed_at: AwareDatetime
    agreed_by: AgreementParty = AgreementParty.CLIENT
    carer_involved: bool = False
    gp_involved: bool = False

    @property
    def agreed_on(self) -> date:
        return self.agreed_at.astimezone(LONDON).date()


class PyOnwardReferral(BaseModel):
    model_config = STRICT

    to: NonBlank
    sent_on: date
    acknowledged_on: date | None = None
    goal_ids: GoalIdSet = frozenset()

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.acknowledged_on is not None and self.acknowledged_on < self.sent_on:
            raise ValueError("acknowledged before the referral was sent")
        return self


class PyCarePlan(BaseModel):
    model_config = STRICT

    schema_version: Literal[1]
    document_kind: Literal["care-plan"]
    id: Id
    client_id: str
    version: AtLeastOne
    status: CarePlanStatus
    period: PyDateRange
    created_on: date
    goals: tuple[PyGoal, ...] = ()
    interventions: tuple[PyIntervention, ...] = ()
    agreement: PyClientAgreement | None = None
    onward_referrals: tuple[PyOnwardReferral, ...] = ()

    @model_validator(mode="after")
    def _plan_rules(self) -> Self:
        known = {goal.id for goal in self.goals}
        if len(known) != len(self.goals):
            raise ValueError("goal ids repeat")
        if len({i.id for i in self.interventions}) != len(self.interventions):
            raise ValueError("intervention ids repeat")
        for intervention in self.interventions:
            if not intervention.goal_ids <= known:
                raise ValueError("an intervention names a goal that is not in the plan")
        for referral in self.onward_referrals:
            if not referral.goal_ids <= known:
                raise ValueError("an onward referral names a goal that is not in the plan")
        if self.agreement is not None and self.agreement.agreed_on < self.created_on:
            raise ValueError("the agreement is before the plan was created")
        return self
