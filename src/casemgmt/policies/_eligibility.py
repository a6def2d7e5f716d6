"""What a programme decides about whom it takes on and when it lets them go: eligibility
criteria, impactability exclusions, risk tiers and discharge criteria (E1-E9, X1).

Every criterion reads named *facts* about a person (:class:`EligibilityFacts`) and says
whether it holds, or that it cannot tell because a fact is missing. The same criterion
objects drive the one-client decision (:func:`casemgmt.services.assess_eligibility`) and
the population screen (:mod:`casemgmt.population`), so both apply exactly the same rule.

>>> facts = EligibilityFacts(age=65, predicted_risk=0.42)
>>> over_65 = AgeAtLeast(years=65, comparison=AgeComparison.OVER)
>>> AgeAtLeast(years=65).test(facts), over_65.test(facts)
(True, False)
>>> PredictedRiskAtLeast(threshold=0.5).test(facts)
False
>>> EmergencyAdmissionsAtLeast(count=2).test(facts) is None   # not recorded
True
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterator
from typing import ClassVar

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import Problem
from casemgmt.model import ConditionCategory, ConsentScope, ReferralSourceKind, RiskTier
from casemgmt.model._base import Validated, problem

__all__ = [
    "AbsentOrStrugglingAtWork",
    "AgeAtLeast",
    "AgeComparison",
    "ConditionCategoryIn",
    "ConsentRecorded",
    "Criterion",
    "DischargeCriteria",
    "EligibilityFacts",
    "EligibilityPolicy",
    "EmergencyAdmissionsAtLeast",
    "Exclusion",
    "InCatchment",
    "LongTermConditionsAtLeast",
    "NhsEmployee",
    "NotAlreadyCaseManaged",
    "NursingHomeLevelOfNeed",
    "POSTCODE_PATTERN",
    "PredictedRiskAtLeast",
    "ReferralSourceIn",
    "RiskTier",
    "RiskTiers",
    "age_cutoff",
    "normalise_postcode",
]


@attrs.frozen(kw_only=True)
class EligibilityFacts(Validated):
    """The facts about one person that eligibility criteria read, on one day.

    ``None`` means *not recorded*: a criterion that needs a missing fact does not hold, and
    its outcome says the fact was missing rather than that the person failed it. Build the
    facts from entities with :func:`casemgmt.services.eligibility_facts`; a population
    screen reads the same facts from a frame's columns.

    Attributes:
        age: Age in whole years on the day of the decision.
        predicted_risk: Predicted risk of emergency admission, 0 to 1 (E1, E3).
        emergency_admissions_12m: Emergency admissions in the last 12 months.
        long_term_conditions: How many long-term conditions are recorded.
        nursing_home_level_of_need: Certified as needing nursing-home care (PACE).
        condition_categories: Categories of the person's recorded conditions (empty when
            none are recorded).
        nhs_employee: Employed by the NHS (OHSxtra).
        absent_or_struggling: Absent from work through sickness, or at work but struggling.
        referral_source: Who referred the person.
        consents: Consent scopes permitted and in force on the day (E9).
        postcode: Postcode of the person's address.
        already_case_managed: Already in an open case-management episode (E8).
        same_service_elsewhere: Already receiving the same kind of service from another
            organisation (E8; OHSxtra clients were also under traditional OH).
    """

    age: int | None = None
    predicted_risk: float | None = None
    emergency_admissions_12m: int | None = None
    long_term_conditions: int | None = None
    nursing_home_level_of_need: bool | None = None
    condition_categories: frozenset[ConditionCategory] = frozenset()
    nhs_employee: bool | None = None
    absent_or_struggling: bool | None = None
    referral_source: ReferralSourceKind | None = None
    consents: frozenset[ConsentScope] | None = None
    postcode: str | None = attrs.field(default=None, repr=False)
    already_case_managed: bool | None = None
    same_service_elsewhere: bool | None = None

    def _invariants(self) -> Iterator[Problem]:
        risk = self.predicted_risk
        if risk is not None and not (math.isfinite(risk) and 0.0 <= risk <= 1.0):
            yield problem("predicted_risk", "out_of_range", "must be between 0 and 1")
        for name in ("age", "emergency_admissions_12m", "long_term_conditions"):
            value = getattr(self, name)
            if value is not None and value < 0:
                yield problem(name, "negative", "must not be negative")


class AgeComparison(enum.Enum):
    """How an age limit reads. Programme descriptions say "over 65"; the programmes' own
    definitions (Guided Care: 65 or older; PACE: 55 or older) include the birthday, which
    is what ``AT_LEAST`` means and what the presets use. ``OVER`` reads "over 65" strictly:
    66 or older."""

    AT_LEAST = "at-least"
    OVER = "over"


@applies("E5")
def age_cutoff(years: int, on: pendulum.Date) -> pendulum.Date:
    """The latest date of birth of someone aged at least ``years`` on ``on``.

    A person is at least ``years`` old exactly when born on or before this day, which lets
    a population screen compare dates instead of computing every age. Someone born on 29
    February ages on 1 March in common years, so on 29 February of a leap year the cut-off
    in a common year is 28 February.

    >>> age_cutoff(65, pendulum.Date(2026, 3, 1))
    Date(1961, 3, 1)
    >>> age_cutoff(4, pendulum.Date(2024, 2, 29)), age_cutoff(8, pendulum.Date(2024, 2, 29))
    (Date(2020, 2, 29), Date(2016, 2, 29))
    >>> age_cutoff(1, pendulum.Date(2024, 2, 29))
    Date(2023, 2, 28)
    """
    year = on.year - years
    day = on.day
    if on.month == 2 and day == 29 and not _is_leap(year):
        day = 28
    return pendulum.Date(year, on.month, day)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


POSTCODE_PATTERN = "^[A-Za-z0-9 ]+$"
"""What a postcode must look like to be in a catchment: ASCII letters, digits and spaces."""
_POSTCODE_CHARACTERS = re.compile(POSTCODE_PATTERN)


def normalise_postcode(postcode: str) -> str:
    """Postcode without spaces, in capitals: the form catchment checks compare.

    >>> normalise_postcode("sw1a 1aa")
    'SW1A1AA'
    """
    return postcode.replace(" ", "").upper()


def _positive(name: str, value: int) -> Iterator[Problem]:
    if value < 0:
        yield problem(name, "negative", "must not be negative")


@attrs.frozen(kw_only=True)
class AgeAtLeast(Validated):
    """Aged at least ``years`` (``AT_LEAST``), or strictly over it (``OVER``) (E5)."""

    key: ClassVar[str] = "age"
    rule_id: ClassVar[str] = "E5"
    reads: ClassVar[tuple[str, ...]] = ("age",)

    years: int
    comparison: AgeComparison = AgeComparison.AT_LEAST

    def _invariants(self) -> Iterator[Problem]:
        yield from _positive("years", self.years)

    @property
    def minimum_age(self) -> int:
        """The lowest age in whole years that meets the criterion."""
        return self.years + (1 if self.comparison is AgeComparison.OVER else 0)

    @applies("E5")
    def test(self, facts: EligibilityFacts) -> bool | None:
        """Whether the criterion holds; ``None`` when the age is not recorded."""
        return None if facts.age is None else facts.age >= self.minimum_age

    def describe(self) -> str:
        """The criterion in words."""
        if self.comparison is AgeComparison.OVER:
            return f"aged over {self.years}"
        return f"aged {self.years} or over"


@attrs.frozen(kw_only=True)
class PredictedRiskAtLeast(Validated):
    """Predicted risk of emergency admission at or above ``threshold`` (E1, E3)."""

    key: ClassVar[str] = "predicted-risk"
    rule_id: ClassVar[str] = "E1"
    reads: ClassVar[tuple[str, ...]] = ("predicted_risk",)

    threshold: float

    def _invariants(self) -> Iterator[Problem]:
        if not (math.isfinite(self.threshold) and 0.0 <= self.threshold <= 1.0):
            yield problem("threshold", "out_of_range", "must be between 0 and 1")

    @applies("E1", "E3")
    def test(self, facts: EligibilityFacts) -> bool | None:
        """Whether the criterion holds; ``None`` when no predicted risk is recorded."""
        risk = facts.predicted_risk
        return None if risk is None else risk >= self.threshold

    def describe(self) -> str:
        """The criterion in words."""
        return f"predicted risk at least {self.threshold:g}"


@attrs.frozen(kw_only=True)
class EmergencyAdmissionsAtLeast(Validated):
    """At least ``count`` emergency admissions in the last 12 months (E5: Wales APN)."""

    key: ClassVar[str] = "emergency-admissions"
    rule_id: ClassVar[str] = "E5"
    reads: ClassVar[tuple[str, ...]] = ("emergency_admissions_12m",)

    count: int

    def _invariants(self) -> Iterator[Problem]:
        yield from _positive("count", self.count)

    @applies("E5")
    def test(self, facts: EligibilityFacts) -> bool | None:
        """Whether the criterion holds; ``None`` when admissions are not recorded."""
        value = facts.emergency_admissions_12m
        return None if value is None else value >= self.count

    def describe(self) -> str:
        """The criterion in words."""
        return f"at least {self.count} emergency admissions in 12 months"


@attrs.frozen(kw_only=True)
class LongTermConditionsAtLeast(Validated):
    """At least ``count`` long-term conditions (E5: Guided Care's co-morbidities)."""

    key: ClassVar[str] = "long-term-conditions"
    rule_id: ClassVar[str] = "E5"
    reads: ClassVar[tuple[str, ...]] = ("long_term_conditions",)

    count: int

    def _invariants(self) -> Iterator[Problem]:
        yield from _positive("count", self.count)

    @applies("E5")
    def test(self, facts: EligibilityFacts) -> bool | None:
        """Whether the criterion holds; ``None`` when conditions are not recorded."""
        value = facts.long_term_conditions
        return None if value is None else value >= self.count

    def describe(self) -> str:
        """The criterion in words."""
        return f"at least {self.count} long-term conditions"


@attrs.frozen(kw_only=True)
class NursingHomeLevelOfNeed(Validated):
    """Certified as needing nursing-home care (E5: PACE)."""

    key: ClassVar[str] = "certified-need"
    rule_id: ClassVar[str] = "E5"
    reads: ClassVar[tuple[str, ...]] = ("nursing_home_level_of_need",)

    @applies("E5")
    def test(self, facts: EligibilityFacts) -> bool | None:
        """Whether the criterion holds; ``None`` when the level of need is not recorded."""
        return facts.nursing_home_level_of_need

    def describe(self) -> str:
        """The criterion in words."""
        return "certified as needing nursing-home care"


@attrs.frozen(kw_only=True)
class ConditionCategoryIn(Validated):
    """Has a condition in one of ``categories`` (E5: OHSxtra's musculoskeletal or mental
    health problems). A person with no recorded condition does not meet it."""

    key: ClassVar[str] = "condition-category"
    rule_id: ClassVar[str] = "E5"
    reads: ClassVar[tuple[str, ...]] = ("condition_categories",)

    categories: frozenset[ConditionCategory]

    def _invariants(self) -> Iterator[Problem]:
        if not self.categories:
            yield problem("categories", "empty", "must name at least one category")

    @applies("E5")
    def test(self, facts: EligibilityFacts) -> bool | None:
        """Whether the criterion holds; ``None`` when no condition is recorded."""
        if not facts.condition_categories:
            return None
        return not facts.condition_categories.isdisjoint(self.categories)

    def describe(self) -> str:
        """The criterion in words."""
        names = " or ".join(sorted(c.value for c in self.categories))
        return f"a condition in category {names}"


@attrs.frozen(kw_only=True)
class NhsEmployee(Validated):
    """Employed by the NHS (E5: OHSxtra served NHS staff)."""

    key: ClassVar[str] = "nhs-employee"
    rule_id: ClassVar[str] = "E5"
    reads: ClassVar[tuple[str, ...]] = ("nhs_employee",)

    @applies("E5")
    def test(self, facts: EligibilityFacts) -> bool | None:
        """Whether the criterion holds; ``None`` when employment is not recorded."""
        return facts.nhs_employee

    def describe(self) -> str:
        """The criterion in words."""
        return "employed by the NHS"


@attrs.frozen(kw_only=True)
class AbsentOrStrugglingAtWork(Validated):
    """Absent from work through sickness, or at work but struggling (E5: OHSxtra)."""

    key: ClassVar[str] = "absent-or-struggling"
    rule_id: ClassVar[str] = "E5"
    reads: ClassVar[tuple[str, ...]] = ("absent_or_struggling",)

    @applies("E5")
    def test(self, facts: EligibilityFacts) -> bool | None:
        """Whether the criterion holds; ``None`` when the work situation is not recorded."""
        return facts.absent_or_struggling

    def describe(self) -> str:
        """The criterion in words."""
        return "absent from work or struggling at work"


@attrs.frozen(kw_only=True)
class ReferralSourceIn(Validated):
    """Referred by a source the programme accepts (E7: a referral from elsewhere is
    inappropriate rather than ineligible)."""

    key: ClassVar[str] = "referral-source"
    rule_id: ClassVar[str] = "E7"
    reads: ClassVar[tuple[str, ...]] = ("referral_source",)

    sources: frozenset[ReferralSourceKind]

    def _invariants(self) -> Iterator[Problem]:
        if not self.sources:
            yield problem("sources", "empty", "must name at least one referral source")

    @applies("E7")
    def test(self, facts: EligibilityFacts) -> bool | None:
        """Whether the criterion holds; ``None`` when the source is not recorded."""
        source = facts.referral_source
        return None if source is None else source in self.sources

    def describe(self) -> str:
        """The criterion in words."""
        return "referred by " + " or ".join(sorted(s.value for s in self.sources))


@attrs.frozen(kw_only=True)
class ConsentRecorded(Validated):
    """Consent permitted and in force for every scope in ``scopes`` (E9)."""

    key: ClassVar[str] = "consent"
    rule_id: ClassVar[str] = "E9"
    reads: ClassVar[tuple[str, ...]] = ("consents",)

    scopes: frozenset[ConsentScope] = frozenset({ConsentScope.CASE_MANAGEMENT})

    def _invariants(self) -> Iterator[Problem]:
        if not self.scopes:
            yield problem("scopes", "empty", "must name at least one consent scope")

    @applies("E9")
    def test(self, facts: EligibilityFacts) -> bool | None:
        """Whether the criterion holds; ``None`` when consents are not recorded."""
        return None if facts.consents is None else self.scopes <= facts.consents

    def describe(self) -> str:
        """The criterion in words."""
        return "consent recorded to " + " and ".join(sorted(s.value for s in self.scopes))


@attrs.frozen(kw_only=True)
class InCatchment(Validated):
    """Lives in one of the programme's postcode districts (the outward code, such as
    ``WA7``): the postcode without spaces is a district followed by three characters."""

    key: ClassVar[str] = "catchment"
    rule_id: ClassVar[str] = "E5"
    reads: ClassVar[tuple[str, ...]] = ("postcode",)

    districts: frozenset[str]

    def _invariants(self) -> Iterator[Problem]:
        if not self.districts:
            yield problem("districts", "empty", "must name at least one postcode district")
        for district in sorted(self.districts):
            if not (2 <= len(district) <= 4 and district.isascii() and district.isalnum()):
                yield problem("districts", "bad_district", "must be outward codes such as WA7")
            elif district != district.upper():
                yield problem("districts", "not_upper_case", "must be in capitals")

    @applies("E5")
    def test(self, facts: EligibilityFacts) -> bool | None:
        """Whether the criterion holds; ``None`` when no postcode is recorded. A postcode
        with anything but ASCII letters, digits and spaces is outside every catchment
        (engines disagree on capitalising other characters, such as ``ß``)."""
        if facts.postcode is None:
            return None
        if _POSTCODE_CHARACTERS.fullmatch(facts.postcode) is None:
            return False
        code = normalise_postcode(facts.postcode)
        return len(code) > 3 and code[:-3] in self.districts

    def describe(self) -> str:
        """The criterion in words."""
        return "lives in the catchment"


@attrs.frozen(kw_only=True)
class NotAlreadyCaseManaged(Validated):
    """Not already case-managed, and not receiving the same service elsewhere (E8)."""

    key: ClassVar[str] = "not-already-case-managed"
    rule_id: ClassVar[str] = "E8"
    reads: ClassVar[tuple[str, ...]] = ("already_case_managed", "same_service_elsewhere")

    @applies("E8")
    def test(self, facts: EligibilityFacts) -> bool | None:
        """Whether the criterion holds; ``None`` when either fact is not recorded."""
        if facts.already_case_managed is None or facts.same_service_elsewhere is None:
            return None
        return not (facts.already_case_managed or facts.same_service_elsewhere)

    def describe(self) -> str:
        """The criterion in words."""
        return "not already case-managed or receiving the same service elsewhere"


Criterion = (
    AgeAtLeast
    | PredictedRiskAtLeast
    | EmergencyAdmissionsAtLeast
    | LongTermConditionsAtLeast
    | NursingHomeLevelOfNeed
    | ConditionCategoryIn
    | NhsEmployee
    | AbsentOrStrugglingAtWork
    | ReferralSourceIn
    | ConsentRecorded
    | InCatchment
    | NotAlreadyCaseManaged
)
"""Any eligibility criterion. Each has a ``key``, the ``rule_id`` it implements, the facts
it ``reads``, ``test(facts)`` (``True``, ``False``, or ``None`` when a fact is missing) and
``describe()``."""


@attrs.frozen(kw_only=True)
class Exclusion(Validated):
    """An impactability exclusion (E4): people for whom ``when`` holds are left out even when
    eligible, because the programme judges it cannot help them, and they are counted as
    excluded, never silently dropped. A missing fact never excludes anyone.

    >>> from casemgmt.model import ConditionCategory
    >>> Exclusion(
    ...     key="end-of-life",
    ...     when=ConditionCategoryIn(categories=frozenset({ConditionCategory.FRAILTY})),
    ...     reason="receiving end-of-life care elsewhere",
    ... ).key
    'end-of-life'
    """

    rule_id: ClassVar[str] = "E4"

    key: str
    when: Criterion
    reason: str

    def _invariants(self) -> Iterator[Problem]:
        if not self.key or not self.key.replace("-", "").isalnum() or self.key != self.key.lower():
            yield problem("key", "bad_key", "must be lower-case letters, digits and hyphens")
        if not self.reason.strip():
            yield problem("reason", "empty", "must not be empty")

    @applies("E4")
    def applies(self, facts: EligibilityFacts) -> bool:
        """True when the exclusion applies to ``facts``."""
        return self.when.test(facts) is True


@attrs.frozen(kw_only=True)
class RiskTiers(Validated):
    """Predicted-risk cut-offs of a programme's tiers: high at or above ``high``, medium at
    or above ``medium``, low below it.

    >>> tiers = RiskTiers(high=0.5, medium=0.2)
    >>> tiers.tier(0.5), tiers.tier(0.19), tiers.tier(None)
    (<RiskTier.HIGH: 'high'>, <RiskTier.LOW: 'low'>, <RiskTier.UNSCORED: 'unscored'>)
    """

    rule_id: ClassVar[str] = "E1"

    high: float
    medium: float

    def _invariants(self) -> Iterator[Problem]:
        for name in ("high", "medium"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0.0 <= value <= 1.0):
                yield problem(name, "out_of_range", "must be between 0 and 1")
        if self.medium > self.high:
            yield problem("medium", "above_high", "must not be above the high cut-off")

    @applies("E1")
    def tier(self, predicted_risk: float | None) -> RiskTier:
        """The tier of ``predicted_risk``."""
        if predicted_risk is None:
            return RiskTier.UNSCORED
        if predicted_risk >= self.high:
            return RiskTier.HIGH
        if predicted_risk >= self.medium:
            return RiskTier.MEDIUM
        return RiskTier.LOW


@attrs.frozen(kw_only=True)
class DischargeCriteria(Validated):
    """When a programme discharges people, set at the outset with its admission criteria
    (E6, X1, X6).

    Attributes:
        risk_below: Discharge once the predicted risk falls below this (X1's fourth route).
            ``None``: the programme does not discharge on risk.
        time_limit_months: A time-limited programme closes cases after this many months
            (X6). ``None``: an ongoing programme.
        on_goals_achieved: Discharge when the plan's goals are achieved (rehabilitation
            and vocational programmes).
    """

    risk_below: float | None = None
    time_limit_months: int | None = None
    on_goals_achieved: bool = False

    def _invariants(self) -> Iterator[Problem]:
        risk = self.risk_below
        if risk is not None and not (math.isfinite(risk) and 0.0 <= risk <= 1.0):
            yield problem("risk_below", "out_of_range", "must be between 0 and 1")
        if self.time_limit_months is not None and self.time_limit_months < 1:
            yield problem("time_limit_months", "not_positive", "must be at least 1")

    @applies("E6", "X1")
    def risk_indicates_discharge(self, predicted_risk: float | None) -> bool:
        """True when ``predicted_risk`` has fallen below the discharge threshold.

        >>> DischargeCriteria(risk_below=0.3).risk_indicates_discharge(0.29)
        True
        """
        return (
            self.risk_below is not None
            and predicted_risk is not None
            and predicted_risk < self.risk_below
        )


@attrs.frozen(kw_only=True)
class EligibilityPolicy(Validated):
    """Whom a programme admits and when it discharges them (E1-E9, X1).

    Attributes:
        criteria: Admission criteria; a person is eligible when every one holds.
        exclusions: Impactability exclusions (E4), applied to eligible people.
        tiers: Predicted-risk tiers (E1); ``None`` when the programme does not tier.
        discharge: The programme's discharge criteria (E6).

    >>> policy = EligibilityPolicy(criteria=(AgeAtLeast(years=65), AgeAtLeast(years=70)))
    Traceback (most recent call last):
    ...
    casemgmt.errors.InvariantError: invalid EligibilityPolicy: criteria[1]: ...
    """

    criteria: tuple[Criterion, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    tiers: RiskTiers | None = None
    discharge: DischargeCriteria = DischargeCriteria()

    def _invariants(self) -> Iterator[Problem]:
        seen: set[str] = set()
        for index, criterion in enumerate(self.criteria):
            if criterion.key in seen:
                yield problem(
                    f"criteria[{index}]", "duplicate", "repeats a criterion of the same kind"
                )
            seen.add(criterion.key)
        keys = [e.key for e in self.exclusions]
        for index, key in enumerate(keys):
            if key in keys[:index]:
                yield problem(f"exclusions[{index}].key", "duplicate", "repeats an exclusion key")

    def criterion(self, key: str) -> Criterion:
        """The criterion with ``key`` (``KeyError`` when the policy has none)."""
        for criterion in self.criteria:
            if criterion.key == key:
                return criterion
        raise KeyError(key)
