"""The cattrs converter: strict structuring and deterministic unstructuring of the model.

Strict means no silent coercion: a JSON string is never turned into an int, a bool is never
an int, a datetime without a UTC offset is refused, a date must be ``YYYY-MM-DD``, unknown
keys are errors, and a set given with repeated members is an error.
"""

from __future__ import annotations

import datetime as _dt
import enum
import re
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

import cattrs
import pendulum

from casemgmt.model import Money, NhsNumber
from casemgmt.model.values import CURRENCY_EXPONENTS, ID_TYPES, money_text

__all__ = ["WrongTypeError", "make_converter"]

T = TypeVar("T")


class WrongTypeError(TypeError):
    """Raised by the strict hooks; carries what was expected and the JSON type received."""

    def __init__(self, expected: str, received: object, code: str = "wrong_type") -> None:
        self.expected = expected
        self.received = _json_type(received)
        self.code = code
        super().__init__(f"expected {expected}, got {self.received}")


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _str(value: object, _: object) -> str:
    if type(value) is not str:
        raise WrongTypeError("a string", value)
    return value


def _int(value: object, _: object) -> int:
    if type(value) is not int:
        raise WrongTypeError("an integer", value)
    return value


def _float(value: object, _: object) -> float:
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    raise WrongTypeError("a number", value)


def _bool(value: object, _: object) -> bool:
    if type(value) is not bool:
        raise WrongTypeError("true or false", value)
    return value


def _date(value: object, _: object) -> pendulum.Date:
    # The shape test (10 characters, dashes at 4 and 7) leaves fromisoformat only the
    # YYYY-MM-DD form, which it parses in C; it rejects anything else in that shape.
    if type(value) is not str or len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise WrongTypeError("a date as YYYY-MM-DD", value)
    try:
        return pendulum.Date.fromisoformat(value)
    except ValueError:
        raise WrongTypeError("a date as YYYY-MM-DD", value, "bad_date") from None


def _datetime(value: object, _: object) -> pendulum.DateTime:
    if type(value) is not str or len(value) < 19 or value[10] != "T":
        raise WrongTypeError("a date-time as YYYY-MM-DDThh:mm:ss with a UTC offset", value)
    try:
        parsed = _dt.datetime.fromisoformat(value)
    except ValueError:
        raise WrongTypeError(
            "a date-time as YYYY-MM-DDThh:mm:ss with a UTC offset", value
        ) from None
    if parsed.tzinfo is None:
        raise WrongTypeError(
            "a date-time with a UTC offset (naive date-times are refused)", value, "naive_datetime"
        )
    return pendulum.instance(parsed)


_AMOUNT = re.compile(r"(-?)(\d{1,15})(?:\.(\d{1,4}))?")


def _money(value: object, _: object) -> Money:
    if type(value) is not dict:
        raise WrongTypeError('an object {"amount": "12.50", "currency": "GBP"}', value)
    if len(value) > 2 or not value.keys() <= {"amount", "currency"}:
        raise cattrs.ForbiddenExtraKeysError("", Money, set(value) - {"amount", "currency"})
    amount = value.get("amount")
    currency = value.get("currency", "GBP")
    if type(currency) is not str or currency not in CURRENCY_EXPONENTS:
        raise WrongTypeError(
            f"a currency: one of {', '.join(sorted(CURRENCY_EXPONENTS))}",
            currency,
            "unknown_currency",
        )
    match = _AMOUNT.fullmatch(amount) if type(amount) is str else None
    if match is None:
        raise WrongTypeError('an amount as a decimal string such as "12.50"', amount, "bad_amount")
    sign, whole, fraction = match.groups()
    exponent = CURRENCY_EXPONENTS[currency]
    fraction = fraction or ""
    if len(fraction) > exponent:
        raise WrongTypeError(f"an amount with at most {exponent} decimals", amount, "bad_amount")
    minor = int(whole + fraction.ljust(exponent, "0"))
    return Money(minor=-minor if sign else minor, currency=currency)


def _unstructure_money(money: Money) -> dict[str, str]:
    return {"amount": money_text(money), "currency": money.currency}


def _nhs_number(value: object, _: object) -> NhsNumber:
    if type(value) is not str:
        raise WrongTypeError("an NHS number as ten digits", value)
    return NhsNumber(value=value)


def _enum_hook(cls: type[enum.Enum]) -> Callable[[object, object], enum.Enum]:
    members = {m.value: m for m in cls}
    allowed = ", ".join(str(v) for v in members)

    def structure(value: object, _: object) -> enum.Enum:
        try:
            return members[value]
        except (KeyError, TypeError):
            raise WrongTypeError(f"one of: {allowed}", value, "not_in_value_set") from None

    return structure


def _collection_hook(
    converter: cattrs.Converter, tp: Any, container: type, detailed: bool
) -> Callable[[object, object], Any]:
    (element,) = [a for a in tp.__args__ if a is not Ellipsis]
    if detailed:  # cattrs' list hook records the index of each failing item
        list_type = list[element]  # type: ignore[valid-type]
        base = converter.get_structure_hook(list_type)

        def items_of(value: list[Any]) -> list[Any]:
            return base(value, list_type)  # type: ignore[no-any-return]

    else:
        item = converter.get_structure_hook(element)

        def items_of(value: list[Any]) -> list[Any]:
            return [item(v, element) for v in value]

    def structure(value: object, _: object) -> Any:
        if type(value) is not list:
            raise WrongTypeError("an array", value)
        items = items_of(value)
        if container is frozenset:
            result = frozenset(items)
            if len(result) != len(items):
                raise WrongTypeError("an array without repeated members", value, "duplicate_member")
            return result
        return tuple(items)

    return structure


def _is_optional(tp: Any) -> bool:
    args = getattr(tp, "__args__", ())
    return (
        typing.get_origin(tp) in (typing.Union, types.UnionType)
        and len(args) == 2
        and type(None) in args
    )


def _optional_hook(converter: cattrs.Converter, tp: Any) -> Callable[[object, object], Any]:
    (inner_type,) = [a for a in tp.__args__ if a is not type(None)]
    inner = converter.get_structure_hook(inner_type)

    def structure(value: object, _: object) -> Any:
        return None if value is None else inner(value, inner_type)

    return structure


def _sort_key(item: object) -> Any:
    return item.value if isinstance(item, enum.Enum) else item


def make_converter(*, detailed_validation: bool = True) -> cattrs.Converter:
    """Build the strict converter for every model type.

    Args:
        detailed_validation: Collect every problem with its path (``True``, for error
            reports) or stop at the first (``False``, faster; the loaders use it first and
            fall back to the detailed converter only when a document is bad).

    Returns:
        A ``cattrs.Converter`` that structures JSON-compatible values into model objects and
        unstructures them back; frozensets come out sorted, fields equal to their default
        are left out.

    >>> from casemgmt.model import Money
    >>> make_converter().unstructure(Money.gbp("3.5"))
    {'amount': '3.50', 'currency': 'GBP'}
    """
    converter = cattrs.Converter(
        forbid_extra_keys=True,
        omit_if_default=True,
        detailed_validation=detailed_validation,
    )
    for tp, hook in (
        (str, _str),
        (int, _int),
        (float, _float),
        (bool, _bool),
        (pendulum.Date, _date),
        (pendulum.DateTime, _datetime),
        (Money, _money),
        (NhsNumber, _nhs_number),
    ):
        converter.register_structure_hook(tp, hook)
    converter.register_structure_hook_factory(_is_optional, lambda t: _optional_hook(converter, t))
    for id_type in ID_TYPES:
        converter.register_structure_hook(id_type, _str)
    converter.register_unstructure_hook(pendulum.Date, lambda d: d.isoformat())
    converter.register_unstructure_hook(pendulum.DateTime, lambda d: d.isoformat())
    converter.register_unstructure_hook(Money, _unstructure_money)
    converter.register_unstructure_hook(NhsNumber, lambda n: n.value)
    converter.register_structure_hook_factory(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _enum_hook
    )
    converter.register_unstructure_hook_factory(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), lambda _: lambda e: e.value
    )
    converter.register_structure_hook_factory(
        lambda t: getattr(t, "__origin__", None) in (tuple, frozenset),
        lambda t: _collection_hook(converter, t, t.__origin__, detailed_validation),
    )
    converter.register_unstructure_hook_factory(
        lambda t: getattr(t, "__origin__", None) is frozenset,
        lambda t: _frozenset_unstructure(converter, t),
    )
    return converter


def _frozenset_unstructure(converter: cattrs.Converter, tp: Any) -> Callable[[Any], list[Any]]:
    (element,) = tp.__args__
    inner = converter.get_unstructure_hook(element)

    def unstructure(value: frozenset[Any]) -> list[Any]:
        return [inner(v) for v in sorted(value, key=_sort_key)]

    return unstructure
