"""Value objects: Money, DateRange, Frequency, NhsNumber, names, addresses, registrations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import Any

import pytest
from _model_builders import (
    NOT_DATE_IDS,
    NOT_DATES,
    VALID_NHS,
    assert_rejected,
    date_ranges,
    day,
    found,
    gbp,
    invariant_error,
    make_date_range,
    make_frequency,
    make_name,
    make_registration,
)
from hypothesis import assume, given
from hypothesis import strategies as st

from casemgmt.errors import CaseManagementError, CurrencyMismatchError
from casemgmt.model import (
    Address,
    ContactDetails,
    DateRange,
    Frequency,
    FrequencyUnit,
    Money,
    NhsNumber,
    PersonName,
    Regulator,
)
from casemgmt.model.values import CURRENCY_EXPONENTS, id_problems, money_text

# ---------------------------------------------------------------------------------------------
# Money

currencies = st.sampled_from(sorted(CURRENCY_EXPONENTS))
minors = st.integers(min_value=-(10**12), max_value=10**12)


def money_in(currency: str) -> st.SearchStrategy[Money]:
    return minors.map(lambda m: Money(minor=m, currency=currency))


def test_money_of_builds_minor_units() -> None:
    assert Money.gbp("12.50") == Money(minor=1250, currency="GBP")
    assert Money.gbp(3) == Money(minor=300)
    assert Money.of(Decimal("0.01"), "EUR") == Money(minor=1, currency="EUR")
    assert Money.of("1500", "JPY") == Money(minor=1500, currency="JPY")
    assert Money.gbp("-4.20").minor == -420
    assert Money.gbp("1.230").minor == 123  # trailing zeros are not extra precision


def test_money_zero_and_amount() -> None:
    assert Money.zero() == Money(minor=0, currency="GBP")
    assert Money.zero("JPY").currency == "JPY"
    assert gbp("12.5").amount == Decimal("12.50")
    assert Money(minor=7, currency="JPY").amount == Decimal(7)


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("1.005", "GBP"),
        ("0.001", "EUR"),
        ("1.5", "JPY"),
        ("twelve", "GBP"),
        ("", "GBP"),
        ("NaN", "GBP"),
        ("sNaN", "GBP"),
        ("Infinity", "GBP"),
        (Decimal("-Infinity"), "GBP"),
        (True, "GBP"),
        (None, "GBP"),
        ([1], "GBP"),
    ],
)
def test_money_of_rejects_too_many_decimals_and_non_numbers(amount: Any, currency: str) -> None:
    error = assert_rejected(lambda: Money.of(amount, currency), "Money", "amount", "bad_amount")
    if isinstance(amount, str) and amount:
        assert amount not in str(error)


def test_money_of_rejects_unknown_currency() -> None:
    assert_rejected(lambda: Money.of("1", "XXX"), "Money", "currency", "unknown_currency")


def test_money_construction_checks_types_and_currency() -> None:
    assert_rejected(lambda: Money(minor=True), "Money", "minor")
    assert_rejected(lambda: Money(minor=1.0), "Money", "minor")  # type: ignore[arg-type]
    assert_rejected(lambda: Money(minor=Decimal(1)), "Money", "minor")  # type: ignore[arg-type]
    assert_rejected(lambda: Money(minor=1, currency="gbp"), "Money", "currency", "unknown_currency")
    assert_rejected(lambda: Money(minor=1, currency=None), "Money", "currency")  # type: ignore[arg-type]


def test_money_arithmetic() -> None:
    assert gbp("12.50") + gbp("0.75") == gbp("13.25")
    assert gbp("1") - gbp("2.50") == gbp("-1.50")
    assert -gbp("3") == gbp("-3")
    assert gbp("2.50") * 3 == gbp("7.50")
    assert 3 * gbp("2.50") == gbp("7.50")
    assert gbp("200") * Fraction(3, 7) == Money(minor=8571)
    assert gbp("-1").is_negative
    assert not Money.zero().is_negative


@pytest.mark.parametrize(
    ("minor", "factor", "expected"),
    [
        (1, Fraction(1, 2), 0),  # 0.5 -> 0 (even)
        (3, Fraction(1, 2), 2),  # 1.5 -> 2 (even)
        (5, Fraction(1, 2), 2),  # 2.5 -> 2 (even)
        (7, Fraction(1, 2), 4),  # 3.5 -> 4 (even)
        (-5, Fraction(1, 2), -2),  # -2.5 -> -2 (even)
        (10, Fraction(1, 4), 2),  # 2.5 -> 2
        (10, Fraction(1, 3), 3),  # 3.33 -> 3
        (20, Fraction(1, 3), 7),  # 6.67 -> 7
    ],
)
def test_money_multiplication_rounds_half_to_even(
    minor: int, factor: Fraction, expected: int
) -> None:
    assert (Money(minor=minor) * factor).minor == expected


def test_money_currency_mismatch_raises() -> None:
    pounds, euros = gbp("1"), Money.of("1", "EUR")
    operations: list[Callable[[], object]] = [
        lambda: pounds + euros,
        lambda: pounds - euros,
        lambda: pounds < euros,
        lambda: pounds <= euros,
        lambda: pounds > euros,
        lambda: pounds >= euros,
    ]
    for operation in operations:
        with pytest.raises(CurrencyMismatchError) as info:
            operation()
        assert info.value.left == "GBP"
        assert info.value.right == "EUR"
        assert info.value.code == "currency_mismatch"
        assert isinstance(info.value, CaseManagementError)
        assert isinstance(info.value, ValueError)
    assert pounds != euros


@pytest.mark.parametrize("operation", ["add", "sub", "lt", "le", "gt", "ge"])
def test_money_with_a_non_money_operand_raises_type_error(operation: str) -> None:
    pounds = gbp("1")
    operations: dict[str, Callable[[], object]] = {
        "add": lambda: pounds + 5,
        "sub": lambda: pounds - 5,
        "lt": lambda: pounds < 5,
        "le": lambda: pounds <= 5,
        "gt": lambda: pounds > 5,
        "ge": lambda: pounds >= 5,
    }
    with pytest.raises(TypeError):
        operations[operation]()


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(minor=120000), "GBP 1200.00"),
        (Money(minor=5), "GBP 0.05"),
        (Money(minor=-1250), "GBP -12.50"),
        (Money(minor=0, currency="EUR"), "EUR 0.00"),
        (Money(minor=1500, currency="JPY"), "JPY 1500"),
    ],
)
def test_money_str(money: Money, text: str) -> None:
    assert str(money) == text
    assert money_text(money) == text.split(" ")[1]


@given(a=money_in("GBP"), b=money_in("GBP"), c=money_in("GBP"))
def test_money_addition_is_associative(a: Money, b: Money, c: Money) -> None:
    assert (a + b) + c == a + (b + c)


@given(currency=currencies, data=st.data())
def test_money_addition_is_commutative_and_subtraction_undoes_it(
    currency: str, data: st.DataObject
) -> None:
    a = data.draw(money_in(currency))
    b = data.draw(money_in(currency))
    assert a + b == b + a
    assert a + b - b == a
    assert a - a == Money.zero(currency)
    assert -a + a == Money.zero(currency)
    assert (-a).minor == -a.minor


@given(a=money_in("GBP"), b=money_in("GBP"))
def test_money_ordering_is_consistent_with_minor(a: Money, b: Money) -> None:
    assert (a < b) == (a.minor < b.minor)
    assert (a <= b) == (a.minor <= b.minor)
    assert (a > b) == (a.minor > b.minor)
    assert (a >= b) == (a.minor >= b.minor)
    assert (a == b) == (a.minor == b.minor)


@given(currency=currencies, minor=minors)
def test_money_of_round_trips_through_amount(currency: str, minor: int) -> None:
    money = Money(minor=minor, currency=currency)
    assert Money.of(money.amount, currency) == money
    assert Money.of(money_text(money), currency) == money


@given(
    minor=minors,
    numerator=st.integers(min_value=-1000, max_value=1000),
    denominator=st.integers(min_value=1, max_value=1000),
)
def test_money_multiplication_is_within_half_a_minor_unit(
    minor: int, numerator: int, denominator: int
) -> None:
    factor = Fraction(numerator, denominator)
    result = Money(minor=minor) * factor
    assert abs(Fraction(result.minor) - minor * factor) <= Fraction(1, 2)


# ---------------------------------------------------------------------------------------------
# NhsNumber


def _check_digit(nine: str) -> int | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else check


def test_known_valid_nhs_number() -> None:
    number = NhsNumber(value=VALID_NHS)
    assert number.value == VALID_NHS
    assert number.formatted() == "943 476 5919"


@pytest.mark.parametrize("text", ["943 476 5919", "943-476-5919", " 9434765919 ", "943-476 5919"])
def test_nhs_number_parse_accepts_spaces_and_hyphens(text: str) -> None:
    assert NhsNumber.parse(text) == NhsNumber(value=VALID_NHS)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("9434765918", "nhs_number_checksum"),
        ("943476591", "nhs_number_format"),
        ("94347659190", "nhs_number_format"),
        ("943476591X", "nhs_number_format"),
        ("943476591\u0669", "nhs_number_format"),  # Arabic-Indic nine: a digit, not ASCII
        ("", "nhs_number_format"),
        ("943.476.5919", "nhs_number_format"),
    ],
)
def test_nhs_number_rejects_bad_values(text: str, code: str) -> None:
    error = assert_rejected(lambda: NhsNumber.parse(text), "NhsNumber", "value", code)
    if text:
        assert text not in str(error)


def test_nhs_number_checks_type() -> None:
    assert_rejected(lambda: NhsNumber(value=9434765919), "NhsNumber", "value")  # type: ignore[arg-type]


@given(nine=st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_nhs_number_accepts_exactly_the_modulus_11_check_digit(nine: str) -> None:
    expected = _check_digit(nine)
    for last in range(10):
        candidate = f"{nine}{last}"
        if last == expected:
            assert NhsNumber(value=candidate).value == candidate
        else:
            error = assert_rejected(
                partial(NhsNumber, value=candidate), "NhsNumber", "value", "nhs_number_checksum"
            )
            assert len(error.problems) == 1
            assert candidate not in str(error)


@given(nine=st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_nhs_number_repr_and_str_never_contain_the_digits(nine: str) -> None:
    check = _check_digit(nine)
    assume(check is not None)
    number = NhsNumber(value=f"{nine}{check}")
    assert repr(number) == str(number) == f"{number}" == "NhsNumber(<redacted>)"
    for shown in (repr(number), repr([number]), repr({"nhs": number})):
        assert not any(c.isdigit() for c in shown)


# ---------------------------------------------------------------------------------------------
# DateRange


def test_date_range_days_and_contains() -> None:
    january = DateRange(start=day(2026, 1, 1), end=day(2026, 1, 31))
    assert january.days == 31
    assert january.contains(day(2026, 1, 1))
    assert january.contains(day(2026, 1, 31))
    assert not january.contains(day(2025, 12, 31))
    assert not january.contains(day(2026, 2, 1))
    one_day = DateRange(start=day(2026, 1, 1), end=day(2026, 1, 1))
    assert one_day.days == 1
    open_ended = DateRange(start=day(2026, 1, 1))
    assert open_ended.days is None
    assert open_ended.contains(day(2099, 1, 1))


def test_date_range_end_before_start_is_rejected() -> None:
    assert_rejected(
        lambda: make_date_range(start=day(2026, 2, 1), end=day(2026, 1, 31)),
        "DateRange",
        "end",
        "before_start",
    )


@pytest.mark.parametrize("value", NOT_DATES, ids=NOT_DATE_IDS)
def test_date_range_fields_must_be_pendulum_dates(value: Any) -> None:
    assert_rejected(lambda: make_date_range(start=value), "DateRange", "start")
    assert_rejected(lambda: make_date_range(end=value), "DateRange", "end")


def test_date_range_reports_both_wrong_types() -> None:
    error = invariant_error(lambda: DateRange(start="x", end=dt.date(2026, 1, 1)))  # type: ignore[arg-type]
    assert found(error) == {("start", "wrong_type"), ("end", "wrong_type")}
    messages = {p.path: p.message for p in error.problems}
    assert messages["start"] == "expected pendulum.Date"
    assert messages["end"] == "expected pendulum.Date or null"


def test_date_range_covers_and_overlaps_examples() -> None:
    year = make_date_range()
    march = DateRange(start=day(2026, 3, 1), end=day(2026, 3, 31))
    open_from_march = DateRange(start=day(2026, 3, 1))
    next_year = DateRange(start=day(2027, 1, 1), end=day(2027, 1, 31))
    assert year.covers(march)
    assert not march.covers(year)
    assert not year.covers(open_from_march)
    assert open_from_march.covers(march)
    assert year.overlaps(open_from_march)
    assert not year.overlaps(next_year)
    touching = DateRange(start=day(2026, 12, 31), end=day(2027, 1, 3))
    assert year.overlaps(touching)


@given(a=date_ranges(), b=date_ranges())
def test_overlaps_is_symmetric(a: DateRange, b: DateRange) -> None:
    assert a.overlaps(b) == b.overlaps(a)


@given(a=date_ranges(), b=date_ranges())
def test_covers_implies_overlaps(a: DateRange, b: DateRange) -> None:
    if a.covers(b):
        assert a.overlaps(b)
        assert b.days is None or a.days is None or b.days <= a.days


@given(a=date_ranges(), b=date_ranges())
def test_overlaps_iff_some_day_is_shared(a: DateRange, b: DateRange) -> None:
    # Both ranges start in Q1 2026; any shared day is at the later start or not at all.
    latest_start = max(a.start, b.start)
    assert a.overlaps(b) == (a.contains(latest_start) and b.contains(latest_start))


@given(a=date_ranges(), b=date_ranges(), probe=st.integers(min_value=-10, max_value=200))
def test_covers_means_every_day_contained(a: DateRange, b: DateRange, probe: int) -> None:
    probe_day = day(2026, 1, 1).add(days=probe)
    if a.covers(b) and b.contains(probe_day):
        assert a.contains(probe_day)


@given(r=date_ranges())
def test_range_covers_and_overlaps_itself_and_contains_its_ends(r: DateRange) -> None:
    assert r.covers(r)
    assert r.overlaps(r)
    assert r.contains(r.start)
    if r.end is not None:
        assert r.contains(r.end)
        assert r.days == (r.end - r.start).in_days() + 1
        assert not r.contains(r.end.add(days=1))
    assert not r.contains(r.start.subtract(days=1))


# ---------------------------------------------------------------------------------------------
# Frequency


@pytest.mark.parametrize(
    ("frequency", "per_week"),
    [
        (Frequency(count=2, unit=FrequencyUnit.WEEK), Fraction(2)),
        (Frequency(count=1, unit=FrequencyUnit.DAY), Fraction(7)),
        (Frequency(count=3, unit=FrequencyUnit.DAY, every=7), Fraction(3)),
        (Frequency(count=1, unit=FrequencyUnit.MONTH), Fraction(12, 52)),
        (Frequency(count=1, every=2, unit=FrequencyUnit.MONTH), Fraction(3, 26)),
        (Frequency(count=52, unit=FrequencyUnit.YEAR), Fraction(1)),
        (Frequency(count=1, every=2, unit=FrequencyUnit.WEEK, session_minutes=45), Fraction(1, 2)),
    ],
)
def test_frequency_per_week(frequency: Frequency, per_week: Fraction) -> None:
    assert frequency.per_week() == per_week


@given(
    count=st.integers(min_value=1, max_value=50),
    every=st.integers(min_value=1, max_value=50),
    unit=st.sampled_from(FrequencyUnit),
)
def test_frequency_per_week_scales_with_count_and_every(
    count: int, every: int, unit: FrequencyUnit
) -> None:
    base = Frequency(count=1, unit=unit).per_week()
    assert Frequency(count=count, every=every, unit=unit).per_week() == base * count / every
    assert base > 0


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"count": 0}, "count", "not_positive"),
        ({"count": -1}, "count", "not_positive"),
        ({"every": 0}, "every", "not_positive"),
        ({"session_minutes": 0}, "session_minutes", "not_positive"),
        ({"count": True}, "count", "wrong_type"),
        ({"count": 2.0}, "count", "wrong_type"),
        ({"every": False}, "every", "wrong_type"),
        ({"session_minutes": True}, "session_minutes", "wrong_type"),
        ({"session_minutes": "45"}, "session_minutes", "wrong_type"),
        ({"unit": "wk"}, "unit", "wrong_type"),
    ],
)
def test_frequency_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_frequency(**overrides), "Frequency", path, code)


def test_frequency_reports_every_broken_invariant() -> None:
    error = invariant_error(lambda: make_frequency(count=0, every=-2, session_minutes=0))
    assert found(error) == {
        ("count", "not_positive"),
        ("every", "not_positive"),
        ("session_minutes", "not_positive"),
    }


# ---------------------------------------------------------------------------------------------
# Names, addresses, contact details, registrations, identifiers


def test_person_name_needs_a_part() -> None:
    assert make_name(given="", family="Lovelace").family == "Lovelace"
    assert make_name(given="Ada", family=" ").given == "Ada"
    assert_rejected(lambda: make_name(given=" ", family="\t"), "PersonName", "family", "empty")
    assert_rejected(lambda: make_name(given=None), "PersonName", "given")


@given(given_name=st.text(min_size=1), family=st.text(min_size=1))
def test_personal_values_never_shown(given_name: str, family: str) -> None:
    assume(given_name.strip() or family.strip())
    name = PersonName(given=given_name, family=family)
    address = Address(lines=(given_name, family), postcode=family)
    contact = ContactDetails(phone=given_name, email=family)
    assert repr(name) == str(name) == "PersonName(<redacted>)"
    assert repr(address) == str(address) == "Address(<redacted>)"
    assert repr(contact) == str(contact) == "ContactDetails(<redacted>)"


def test_address_and_contact_details_check_types() -> None:
    assert_rejected(lambda: Address(lines=["1 High St"]), "Address", "lines")  # type: ignore[arg-type]
    error = assert_rejected(lambda: Address(lines=("1 High St", 2)), "Address", "lines")  # type: ignore[arg-type]
    assert error.problems[0].message == "expected tuple of str"
    assert_rejected(lambda: Address(lines=(), postcode=1), "Address", "postcode")  # type: ignore[arg-type]
    assert_rejected(lambda: ContactDetails(phone=123), "ContactDetails", "phone")  # type: ignore[arg-type]
    assert_rejected(lambda: ContactDetails(email=b"a@b"), "ContactDetails", "email")  # type: ignore[arg-type]


def test_registration_invariants() -> None:
    assert make_registration().body is Regulator.HCPC
    assert_rejected(lambda: make_registration(number="  "), "Registration", "number", "empty")
    assert_rejected(lambda: make_registration(body="HCPC"), "Registration", "body")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("CL-1", True),
        ("a", True),
        ("A.b_c:d-9", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("", False),
        ("-leading", False),
        ("has space", False),
        ("slash/", False),
        ("caf\u00e9", False),
    ],
)
def test_identifier_pattern(value: str, ok: bool) -> None:
    problems = list(id_problems("id", value))
    assert (not problems) == ok
    for p in problems:
        assert p.code == "bad_id"
        assert p.path == "id"
        if value:
            assert value not in p.message


def test_values_are_immutable() -> None:
    money = gbp("1")
    with pytest.raises(AttributeError):
        money.minor = 5  # type: ignore[misc]
