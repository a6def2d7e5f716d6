"""Value objects: identifiers, money, date ranges, frequencies, NHS numbers, registrations.

Identifiers are distinct ``NewType``\\ s of ``str``: free at run time, but ``mypy`` will not let
a :data:`ClientId` pass where a :data:`ProviderId` is expected.

>>> Money.gbp("12.50") + Money.gbp("0.75")
Money(minor=1325, currency='GBP')
>>> str(Money.gbp("1200"))
'GBP 1200.00'
>>> NhsNumber.parse("943 476 5919").formatted()
'943 476 5919'
>>> NhsNumber.parse("943 476 5918")
Traceback (most recent call last):
...
casemgmt.errors.InvariantError: invalid NhsNumber: value: fails the Modulus 11 check
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from typing import NewType

import attrs
import pendulum

from casemgmt.errors import CurrencyMismatchError, InvariantError, Problem
from casemgmt.model._base import Validated, problem
from casemgmt.model.codes import FrequencyUnit, Regulator

__all__ = [
    "ActorId",
    "Address",
    "AssessmentId",
    "CarePlanId",
    "CarerId",
    "CaseId",
    "CaseManagerId",
    "ClientId",
    "ContactDetails",
    "DateRange",
    "Frequency",
    "FundingStreamId",
    "GoalId",
    "InterventionId",
    "Money",
    "NhsNumber",
    "PersonName",
    "ProviderId",
    "ReferralId",
    "ReferralSourceId",
    "Registration",
    "ReviewId",
    "TeamId",
    "instant_key",
]

ClientId = NewType("ClientId", str)
CarerId = NewType("CarerId", str)
ReferralId = NewType("ReferralId", str)
ReferralSourceId = NewType("ReferralSourceId", str)
CaseManagerId = NewType("CaseManagerId", str)
TeamId = NewType("TeamId", str)
ProviderId = NewType("ProviderId", str)
FundingStreamId = NewType("FundingStreamId", str)
CarePlanId = NewType("CarePlanId", str)
GoalId = NewType("GoalId", str)
InterventionId = NewType("InterventionId", str)
AssessmentId = NewType("AssessmentId", str)
CaseId = NewType("CaseId", str)
ReviewId = NewType("ReviewId", str)
ActorId = NewType("ActorId", str)

ID_TYPES = (
    ClientId,
    CarerId,
    ReferralId,
    ReferralSourceId,
    CaseManagerId,
    TeamId,
    ProviderId,
    FundingStreamId,
    CarePlanId,
    GoalId,
    InterventionId,
    AssessmentId,
    CaseId,
    ReviewId,
    ActorId,
)
"""Every identifier type."""

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
"""Identifiers: 1-64 characters, letters, digits and ``. _ : -``, starting alphanumeric."""


def id_problems(path: str, value: str) -> tuple[Problem, ...]:
    """The problem with ``value`` when it is not a well-formed identifier (else none).

    A tuple, not a generator: ids are checked about a hundred times per plan loaded.
    """
    if ID_PATTERN.fullmatch(value) is not None:
        return ()
    message = "is not an identifier (1-64 letters, digits, '.', '_', ':' or '-')"
    return (problem(path, "bad_id", message),)


def instant_key(moment: pendulum.DateTime) -> _dt.datetime:
    """The comparison key of an instant field: the same moment in UTC.

    Python never treats two aware datetimes in different zones as equal when one falls in a
    repeated or skipped hour (PEP 495), so 01:30 Europe/London on the night the clocks go
    back would differ from the identical moment written as ``01:30+01:00``. Instant fields
    therefore compare (``attrs.field(eq=instant_key)``) by the moment in UTC.
    """
    return moment.astimezone(_dt.UTC)


# ISO 4217 minor-unit exponents for the currencies a UK service meets; others are refused
# rather than guessed.
CURRENCY_EXPONENTS: dict[str, int] = {"GBP": 2, "EUR": 2, "USD": 2, "CHF": 2, "JPY": 0}


_MAX_MINOR = 10**17  # 15 digits of major units and 2 of minor, as documents allow


@attrs.frozen(kw_only=True, order=False)
class Money(Validated):
    """An amount of money in integer minor units (pence for GBP). Never a float.

    Amounts of the same currency add, subtract, compare and multiply by whole numbers or
    exact fractions (rounding half to even, to the minor unit). Mixing currencies raises
    :class:`~casemgmt.errors.CurrencyMismatchError`. The value itself may be negative (a
    shortfall); fields that must not be negative check that themselves.

    >>> Money.gbp("200") * Fraction(3, 7)
    Money(minor=8571, currency='GBP')
    >>> Money.gbp("1") < Money.gbp("1.01")
    True
    """

    minor: int
    currency: str = "GBP"

    def _invariants(self) -> list[Problem]:
        # Lists rather than generators in the small values built thousands of times a load.
        if self.currency in CURRENCY_EXPONENTS and -_MAX_MINOR < self.minor < _MAX_MINOR:
            return []
        if self.currency in CURRENCY_EXPONENTS:
            return [problem("minor", "out_of_range", "must have at most 17 digits")]
        allowed = ", ".join(sorted(CURRENCY_EXPONENTS))
        return [problem("currency", "unknown_currency", f"is not one of {allowed}")]

    @classmethod
    def of(cls, amount: Decimal | str | int, currency: str = "GBP") -> Money:
        """Build from a decimal amount in major units (``"12.50"`` pounds).

        Raises:
            InvariantError: when the amount is not a number, or has more decimal places
                than the currency has minor units.
        """
        exponent = CURRENCY_EXPONENTS.get(currency)
        if exponent is None:
            raise InvariantError("Money", [problem("currency", "unknown_currency", "unknown")])
        try:
            value = Decimal(amount) if not isinstance(amount, Decimal) else amount
            scaled = value.scaleb(exponent)
            exact = scaled == scaled.to_integral_value() and value.is_finite()
        except (InvalidOperation, ValueError, TypeError):
            exact = False
        if not exact or isinstance(amount, bool):
            raise InvariantError(
                "Money",
                [problem("amount", "bad_amount", f"is not an amount with {exponent} decimals")],
            )
        return cls(minor=int(scaled), currency=currency)

    @classmethod
    def gbp(cls, amount: Decimal | str | int) -> Money:
        """Pounds sterling from a decimal amount in pounds."""
        return cls.of(amount, "GBP")

    @classmethod
    def zero(cls, currency: str = "GBP") -> Money:
        """Zero in ``currency``."""
        return cls(minor=0, currency=currency)

    @property
    def amount(self) -> Decimal:
        """The amount in major units as an exact ``Decimal`` (``Decimal('12.50')``)."""
        exponent = CURRENCY_EXPONENTS[self.currency]
        return Decimal(self.minor).scaleb(-exponent)

    def __str__(self) -> str:
        return f"{self.currency} {self.amount:.{CURRENCY_EXPONENTS[self.currency]}f}"

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatchError(self.currency, other.currency)

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(minor=self.minor + other.minor, currency=self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(minor=self.minor - other.minor, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(minor=-self.minor, currency=self.currency)

    def __mul__(self, factor: object) -> Money:
        if type(factor) is not int and not isinstance(factor, Fraction):
            return NotImplemented
        rounded = round(Fraction(self.minor) * factor)  # Fraction rounds half to even
        return Money(minor=int(rounded), currency=self.currency)

    __rmul__ = __mul__

    def _compare(self, other: object) -> int | None:
        if not isinstance(other, Money):
            return None
        self._same(other)
        return self.minor - other.minor

    def __lt__(self, other: object) -> bool:
        difference = self._compare(other)
        return NotImplemented if difference is None else difference < 0

    def __le__(self, other: object) -> bool:
        difference = self._compare(other)
        return NotImplemented if difference is None else difference <= 0

    def __gt__(self, other: object) -> bool:
        difference = self._compare(other)
        return NotImplemented if difference is None else difference > 0

    def __ge__(self, other: object) -> bool:
        difference = self._compare(other)
        return NotImplemented if difference is None else difference >= 0

    @property
    def is_negative(self) -> bool:
        """True below zero."""
        return self.minor < 0


def _decimal_text(value: Decimal, exponent: int) -> str:
    return str(value.quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_EVEN))


def money_text(money: Money) -> str:
    """The amount as a plain decimal string with the currency's minor digits (``"12.50"``)."""
    return _decimal_text(money.amount, CURRENCY_EXPONENTS[money.currency])


@attrs.frozen(kw_only=True)
class DateRange(Validated):
    """A closed range of calendar days; ``end=None`` means open-ended.

    >>> r = DateRange(start=pendulum.Date(2026, 1, 1), end=pendulum.Date(2026, 1, 31))
    >>> r.contains(pendulum.Date(2026, 1, 31)), r.days
    (True, 31)
    """

    start: pendulum.Date
    end: pendulum.Date | None = None

    def _invariants(self) -> list[Problem]:
        if self.end is not None and self.end < self.start:
            return [problem("end", "before_start", "is before the start")]
        return []

    def contains(self, day: pendulum.Date) -> bool:
        """True when ``day`` falls inside the range, both ends included."""
        return self.start <= day and (self.end is None or day <= self.end)

    def covers(self, other: DateRange) -> bool:
        """True when every day of ``other`` falls inside this range."""
        if other.start < self.start:
            return False
        if self.end is None:
            return True
        return other.end is not None and other.end <= self.end

    def overlaps(self, other: DateRange) -> bool:
        """True when the two ranges share at least one day."""
        starts_before_other_ends = other.end is None or self.start <= other.end
        ends_after_other_starts = self.end is None or other.start <= self.end
        return starts_before_other_ends and ends_after_other_starts

    @property
    def days(self) -> int | None:
        """Number of days in the range, both ends included; ``None`` when open-ended."""
        if self.end is None:
            return None
        return (self.end - self.start).in_days() + 1


# Occurrences of one unit in 52 weeks (a year is taken as 52 weeks, a month as 1/12 of it).
_PER_52_WEEKS: dict[FrequencyUnit, int] = {
    FrequencyUnit.DAY: 364,
    FrequencyUnit.WEEK: 52,
    FrequencyUnit.MONTH: 12,
    FrequencyUnit.YEAR: 1,
}

_PER_WEEK: dict[FrequencyUnit, Fraction] = {
    FrequencyUnit.DAY: Fraction(7),
    FrequencyUnit.WEEK: Fraction(1),
    FrequencyUnit.MONTH: Fraction(12, 52),
    FrequencyUnit.YEAR: Fraction(1, 52),
}


_MAX_COUNT = 1000
_MINUTES_PER_DAY = 1440


@attrs.frozen(kw_only=True)
class Frequency(Validated):
    """How often something happens: ``count`` times per ``every`` ``unit``\\ s (FHIR
    ``Timing.repeat`` frequency / period / periodUnit), with an optional session length.

    Invariants: ``count`` and ``every`` are 1 to 1000; a session lasts 1 to 1440 minutes.

    >>> Frequency(count=2, unit=FrequencyUnit.WEEK).per_week()
    Fraction(2, 1)
    >>> Frequency(count=1, every=2, unit=FrequencyUnit.MONTH).per_week()
    Fraction(3, 26)
    """

    count: int = attrs.field(
        metadata={
            "schema": {
                "minimum": 1,
                "maximum": 1000,
                "description": "1 to 1000 (invariant: not_positive, out_of_range).",
            }
        }
    )
    unit: FrequencyUnit
    every: int = attrs.field(
        default=1,
        metadata={
            "schema": {
                "minimum": 1,
                "maximum": 1000,
                "description": "1 to 1000 (invariant: not_positive, out_of_range).",
            }
        },
    )
    session_minutes: int | None = attrs.field(
        default=None,
        metadata={
            "schema": {
                "minimum": 1,
                "maximum": 1440,
                "description": "1 to 1440 minutes (invariant: not_positive, out_of_range).",
            }
        },
    )

    def _invariants(self) -> list[Problem]:
        found = []
        if self.count < 1:
            found.append(problem("count", "not_positive", "must be at least 1"))
        if self.every < 1:
            found.append(problem("every", "not_positive", "must be at least 1"))
        if self.session_minutes is not None and self.session_minutes < 1:
            found.append(problem("session_minutes", "not_positive", "must be at least 1"))
        # Upper bounds no real service reaches; they keep absurd input out of arithmetic.
        if self.count > _MAX_COUNT:
            found.append(problem("count", "out_of_range", f"must be at most {_MAX_COUNT}"))
        if self.every > _MAX_COUNT:
            found.append(problem("every", "out_of_range", f"must be at most {_MAX_COUNT}"))
        if self.session_minutes is not None and self.session_minutes > _MINUTES_PER_DAY:
            found.append(
                problem("session_minutes", "out_of_range", f"must be at most {_MINUTES_PER_DAY}")
            )
        return found

    def per_week(self) -> Fraction:
        """Average occurrences per week (a month counts as 52/12 weeks)."""
        return Fraction(self.count) * _PER_WEEK[self.unit] / self.every

    def weekly_ratio(self) -> tuple[int, int]:
        """Occurrences per week as an unreduced integer ratio ``(numerator, denominator)``,
        for exact sums in integer arithmetic (the denominator divides ``52 * every``).

        >>> Frequency(count=1, every=2, unit=FrequencyUnit.MONTH).weekly_ratio()
        (12, 104)
        """
        return self.count * _PER_52_WEEKS[self.unit], 52 * self.every


_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def nhs_number_problems(digits: str) -> Iterator[Problem]:
    """Yield problems with a candidate NHS number (ten digits, Modulus 11 check digit).

    The check, from the NHS Number standard: weight digits 1-9 by 10..2, sum, take the
    remainder mod 11, and subtract it from 11; 11 means check digit 0, 10 means the number
    is invalid.
    """
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        yield problem("value", "nhs_number_format", "must be exactly ten digits")
        return
    total = sum(int(d) * w for d, w in zip(digits, _NHS_WEIGHTS, strict=False))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        yield problem("value", "nhs_number_checksum", "fails the Modulus 11 check")


@attrs.frozen(kw_only=True)
class NhsNumber(Validated):
    """A valid NHS number, stored as ten digits. Personal data: ``repr`` and ``str`` hide it.

    Use :meth:`formatted` to show it on purpose, as ``943 476 5919``.

    >>> NhsNumber(value="9434765919")
    NhsNumber(<redacted>)
    """

    value: str

    def _invariants(self) -> Iterator[Problem]:
        yield from nhs_number_problems(self.value)

    @classmethod
    def parse(cls, text: str) -> NhsNumber:
        """Accept the usual written forms (spaces or hyphens between groups)."""
        return cls(value=text.replace(" ", "").replace("-", ""))

    def formatted(self) -> str:
        """The number in the 3-3-4 form people read."""
        v = self.value
        return f"{v[:3]} {v[3:6]} {v[6:]}"

    def __repr__(self) -> str:
        return "NhsNumber(<redacted>)"

    __str__ = __repr__


@attrs.frozen(kw_only=True)
class PersonName(Validated):
    """A person's name. Personal data: never shown by ``repr``."""

    given: str = attrs.field(repr=False)
    family: str = attrs.field(repr=False)

    def _invariants(self) -> Iterator[Problem]:
        if not self.given.strip() and not self.family.strip():
            yield problem("family", "empty", "a name needs a given or a family part")

    def __repr__(self) -> str:
        return "PersonName(<redacted>)"

    __str__ = __repr__


@attrs.frozen(kw_only=True)
class Address(Validated):
    """A postal address. Personal data: never shown by ``repr``."""

    lines: tuple[str, ...] = attrs.field(repr=False)
    postcode: str | None = attrs.field(default=None, repr=False)

    def __repr__(self) -> str:
        return "Address(<redacted>)"

    __str__ = __repr__


@attrs.frozen(kw_only=True)
class ContactDetails(Validated):
    """Telephone and e-mail. Personal data: never shown by ``repr``."""

    phone: str | None = attrs.field(default=None, repr=False)
    email: str | None = attrs.field(default=None, repr=False)

    def __repr__(self) -> str:
        return "ContactDetails(<redacted>)"

    __str__ = __repr__


@attrs.frozen(kw_only=True)
class Registration(Validated):
    """Registration with a statutory regulator (HCPC, NMC, CQC ...)."""

    body: Regulator
    number: str = attrs.field(
        metadata={"schema": {"pattern": r"\S", "description": "Not blank (invariant: empty)."}}
    )

    def _invariants(self) -> Iterator[Problem]:
        if not self.number.strip():
            yield problem("number", "empty", "must not be empty")
