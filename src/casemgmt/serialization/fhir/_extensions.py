"""What FHIR cannot carry: every field a resource has no element for, as an extension.

Each model field without a FHIR home becomes one extension on the resource that maps the
entity, with the URL ``EXTENSION_BASE + "<entity>.<field>"`` (``goal.self-managed``). The
value follows the field's type, so the bundle stays typed FHIR:

==============================  ===========================================================
field type                      extension
==============================  ===========================================================
text, identifier, NHS number    ``valueString``
code (an enumeration)           ``valueCode``
day / instant                   ``valueDate`` / ``valueDateTime``
true or false                   ``valueBoolean``
whole number                    ``valueInteger`` (``valueDecimal`` beyond 32 bits)
number                          ``valueDecimal``
money                           ``valueMoney``
a nested record                 a complex extension: one sub-extension per field that is
                                not at its default, its URL the field's name; a record
                                with every field at its default is ``valueBoolean: true``
a list                          the extension repeated, once per member, in order
==============================  ===========================================================

Fields at their default are left out, as in our JSON documents. FHIR strings cannot be
empty, so an empty text is the extension with one sub-extension ``empty`` set to ``true``.
"""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs
import pendulum

from casemgmt.model import Money, NhsNumber
from casemgmt.model.values import CURRENCY_EXPONENTS, money_text
from casemgmt.serialization._converter import make_converter
from casemgmt.serialization._outcome import EXTENSION_BASE

__all__ = [
    "MONEY_LIMIT",
    "ExportError",
    "decode_fields",
    "extension_url",
    "fhir_money",
    "field_extensions",
    "money_document",
]

_CONVERTER = make_converter(detailed_validation=False)

_INT32 = 2**31
MONEY_LIMIT = 10**15
"""Amounts are exported as FHIR decimals (JSON numbers); below this many minor units (ten
trillion pounds) every amount survives a reader that holds numbers as doubles."""

_VALUE_KEYS = (
    "valueString",
    "valueCode",
    "valueDate",
    "valueDateTime",
    "valueBoolean",
    "valueInteger",
    "valueDecimal",
    "valueMoney",
)


class ExportError(ValueError):
    """A value of the model that a FHIR bundle cannot hold exactly."""


def extension_url(entity: str, field: str) -> str:
    """The URL of the extension carrying ``field`` of ``entity`` (``goal``, ``self_managed``).

    >>> extension_url("goal", "self_managed")
    'https://w3id.org/casemgmt/StructureDefinition/goal.self-managed'
    """
    return f"{EXTENSION_BASE}{entity}.{field.replace('_', '-')}"


@functools.cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@functools.cache
def _defaults(cls: Any) -> dict[str, Any]:
    return {f.name: f.default for f in attrs.fields(cls) if f.default is not attrs.NOTHING}


@functools.cache
def _implied(cls: Any) -> tuple[tuple[str, object], ...]:
    # Required fields an absent element stands for: an empty text (FHIR strings cannot be
    # empty) and a null (a field that must be given even when it has no value).
    hints = _hints(cls)
    implied: list[tuple[str, object]] = []
    for field in attrs.fields(cls):
        tp = hints[field.name]
        if field.default is not attrs.NOTHING:
            continue
        if tp is str:
            implied.append((field.name, ""))
        elif typing.get_origin(tp) in (typing.Union, types.UnionType) and type(
            None
        ) in typing.get_args(tp):
            implied.append((field.name, None))
    return tuple(implied)


def _bare(tp: Any) -> Any:
    """The type without ``| None`` and without a ``NewType`` wrapper."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        (tp,) = [a for a in typing.get_args(tp) if a is not type(None)]
    return getattr(tp, "__supertype__", tp)


def fhir_money(money: Money) -> dict[str, Any]:
    """A FHIR ``Money``: the amount as a JSON number and the currency.

    Raises:
        ExportError: for an amount of :data:`MONEY_LIMIT` minor units or more.
    """
    if abs(money.minor) >= MONEY_LIMIT:
        raise ExportError(f"an amount of {MONEY_LIMIT} minor units or more cannot be exported")
    amount = money.amount
    value: int | float = int(amount) if amount == amount.to_integral_value() else float(amount)
    return {"value": value, "currency": money.currency}


def money_document(value: object) -> object:
    """A FHIR ``Money`` read back as our document's money (``{"amount": "12.50", ...}``);
    anything else is returned unchanged for the loader to report."""
    if type(value) is not dict:
        return value
    amount, currency = value.get("value"), value.get("currency")
    if type(amount) not in (int, float) or type(currency) is not str:
        return {"amount": amount, "currency": currency}
    if currency not in CURRENCY_EXPONENTS:
        return {"amount": amount, "currency": currency}
    exact = Decimal(repr(amount)) if isinstance(amount, float) else Decimal(str(amount))
    try:
        return {"amount": money_text(Money.of(exact, currency)), "currency": currency}
    except ValueError:  # more decimals than the currency has: the loader says so
        return {"amount": str(exact), "currency": currency}


def field_extensions(
    entity: Any, name: str, skip: Collection[str], always: Collection[str] = ()
) -> list[dict[str, Any]]:
    """The extensions carrying every field of ``entity`` not in ``skip`` and not at its
    default (the fields in ``always`` even at their default), in field order; ``name`` is
    the entity's name in the URLs."""
    cls: Any = type(entity)
    defaults = _defaults(cls)
    hints = _hints(cls)
    out: list[dict[str, Any]] = []
    for field in attrs.fields(cls):
        key = field.name
        if key in skip:
            continue
        value = getattr(entity, key)
        if key in defaults and value == defaults[key] and key not in always:
            continue
        data = _CONVERTER.unstructure(value, hints[key])
        out.extend(_encode(extension_url(name, key), data, hints[key]))
    return out


_EMPTY = {"url": "empty", "valueBoolean": True}


def _encode(url: str, data: Any, tp: Any) -> list[dict[str, Any]]:
    if data is None:
        return []
    if data == "":
        return [{"url": url, "extension": [_EMPTY]}]
    tp = _bare(tp)
    origin = typing.get_origin(tp)
    if origin in (tuple, frozenset):
        element = typing.get_args(tp)[0]
        return [ext for item in data for ext in _encode(url, item, element)]
    if tp is Money:
        money = _CONVERTER.structure(data, Money)
        return [{"url": url, "valueMoney": fhir_money(money)}]
    if tp is NhsNumber:
        return [{"url": url, "valueString": data}]
    if attrs.has(tp):
        hints = _hints(tp)
        parts = [ext for key, value in data.items() for ext in _encode(key, value, hints[key])]
        if not parts:
            return [{"url": url, "valueBoolean": True}]
        return [{"url": url, "extension": parts}]
    return [{"url": url, _value_key(tp, data): data}]


def _value_key(tp: Any, data: Any) -> str:
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "valueCode"
    if tp is pendulum.Date:
        return "valueDate"
    if tp is pendulum.DateTime:
        return "valueDateTime"
    if tp is bool:
        return "valueBoolean"
    if tp is int:
        return "valueInteger" if -_INT32 <= data < _INT32 else "valueDecimal"
    if tp is float:
        return "valueDecimal"
    if tp is str:
        return "valueString"
    raise TypeError(f"no FHIR extension type for {tp!r}")  # pragma: no cover


def decode_fields(extensions: object, cls: Any, name: str, into: dict[str, Any]) -> dict[str, Any]:
    """Read back into ``into`` (a document of ``cls`` being built) every field that
    :func:`field_extensions` put in ``extensions``; extensions of other URLs are ignored.
    Returns ``into``."""
    if type(extensions) is not list:
        return into
    urls = _urls(cls, name)
    found: dict[str, list[Any]] = {}
    for ext in extensions:
        if type(ext) is dict and type(ext.get("url")) is str and ext["url"] in urls:
            found.setdefault(urls[ext["url"]], []).append(ext)
    hints = _hints(cls)
    for key, group in found.items():
        into[key] = _decode(group, hints[key])
    return into


@functools.cache
def _urls(cls: Any, name: str) -> Mapping[str, str]:
    return {extension_url(name, f.name): f.name for f in attrs.fields(cls)}


def _decode(group: list[Any], tp: Any) -> Any:
    tp = _bare(tp)
    if typing.get_origin(tp) in (tuple, frozenset):
        element = typing.get_args(tp)[0]
        return [_decode([ext], element) for ext in group]
    if len(group) > 1:  # a single field given more than once: the loader reports an array
        return [_decode([ext], tp) for ext in group]
    ext = group[0]
    if attrs.has(tp) and tp is not Money and tp is not NhsNumber:
        if ext.get("valueBoolean") is True:
            return {}
        return _decode_record(ext.get("extension"), tp)
    if ext.get("extension") == [_EMPTY]:
        return ""
    value = _value(ext)
    if tp is Money:
        return money_document(value)
    if tp is int and type(value) is float and value.is_integer():
        return int(value)
    return value


def _decode_record(parts: object, tp: Any) -> dict[str, Any]:
    hints = _hints(tp)
    found: dict[str, list[Any]] = {}
    for part in parts if type(parts) is list else ():
        if type(part) is dict and type(part.get("url")) is str:
            found.setdefault(part["url"], []).append(part)
    # A part that names no field is ignored, as FHIR lets a reader ignore an extension it
    # does not know (and its URL, which could be any text, is never repeated).
    record = {key: _decode(group, hints[key]) for key, group in found.items() if key in hints}
    return fill_required(record, tp)


def fill_required(record: dict[str, Any], tp: Any) -> dict[str, Any]:
    """Put back what an absent element stands for: every required text field of ``tp``
    that ``record`` lacks becomes ``""``, every required field that may be null ``None``.
    Returns ``record``."""
    for key, value in _implied(tp):
        record.setdefault(key, value)
    return record


def _value(ext: Mapping[str, Any]) -> Any:
    for key in _VALUE_KEYS:
        if key in ext:
            return ext[key]
    return None


def first(items: object) -> Any:
    """The first member of a FHIR list, or ``None``."""
    if type(items) is list and items:
        return items[0]
    return None


def codes_of(values: Iterable[enum.Enum]) -> list[str]:
    """Enumeration members as their codes, in order."""
    return [v.value for v in values]
