"""JSON Schema (draft 2020-12) of every document, generated from the converter's types.

The schema is not written by hand: :func:`json_schema` walks the attrs fields and type
hints of each class in :data:`~casemgmt.serialization.DOCUMENT_KINDS`, exactly as the
strict converter (:func:`~casemgmt.serialization.make_converter`) does, and maps each of
the converter's hooks to the JSON it accepts. A field type the generator does not know
raises :class:`TypeError`, so a new field type cannot be skipped silently.

Rule-level constraints that JSON Schema can express (``Frequency.count`` is 1 to 1000, a
goal's description is not blank, ...) live with the invariant that enforces them: the
model field carries them in its attrs metadata under the key ``"schema"``, a dict of JSON
Schema keywords merged into the field's schema (into its non-null part for an optional
field). A compiled :class:`re.Pattern` there means a full match and is written anchored.
Every such constraint is one the loader already enforces, so the schema never rejects a
document the loader accepts (see the document format page for what it cannot check).

Patterns follow Python's :mod:`re`, as the loader does (``\\d`` and ``\\S`` are
Unicode-aware there; ECMA-262 engines read them as ASCII).
"""

from __future__ import annotations

import collections.abc
import copy
import enum
import functools
import inspect
import re
import types
import typing
from collections.abc import Mapping
from typing import Any

import attrs
import pendulum

from casemgmt.model import Money, NhsNumber
from casemgmt.model.values import CURRENCY_EXPONENTS, ID_PATTERN, ID_TYPES
from casemgmt.serialization._converter import make_converter
from casemgmt.serialization._documents import DOCUMENT_KINDS, SCHEMA_VERSION

__all__ = ["json_schema"]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_BASE_URI = f"https://w3id.org/casemgmt/schema/{SCHEMA_VERSION}/"
_METADATA_KEY = "schema"

# The loader's date hook takes exactly YYYY-MM-DD in ASCII digits (date.fromisoformat);
# the pattern also bounds month and day, and ``format`` lets a format checker refuse
# 30 February, which a pattern cannot.
_DAY = r"(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_DATE_PATTERN = rf"^[0-9]{{4}}-{_DAY}$"
# The loader's date-time hook wants a ``T`` at index 10, at least 19 characters and a UTC
# offset, then leaves the rest to datetime.fromisoformat, which also takes ISO week dates,
# minutes without seconds, ``,`` fractions and offsets as +hh, +hhmm or +hh:mm:ss.ffffff.
# The pattern accepts all of those (it must never refuse what the loader reads): the ``T``,
# the hour and an offset (``Z`` or signed) at the end.
_OFFSET = r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2}(?::?[0-9]{2}(?:[.,][0-9]+)?)?)?)"
_DATETIME_PATTERN = rf"^[0-9]{{4}}-(?:{_DAY}|W[0-9]{{2}}-[0-9])T[0-9]{{2}}[^Z+-]*{_OFFSET}$"

_PATTERN_NOTES = {
    ID_PATTERN.pattern: (
        "An identifier: 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a "
        "letter or digit (invariant: bad_id)."
    ),
}

_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`(~?)([^`<]*?)(?:\s*<[^>]*>)?`")


def json_schema(kind: str | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a document kind, or of any document.

    Args:
        kind: A key of :data:`~casemgmt.serialization.DOCUMENT_KINDS` for that kind's
            schema, or ``None`` for one schema accepting any document: a ``oneOf`` over
            the kinds, told apart by their ``document_kind`` constant.

    Returns:
        A standalone schema: ``$schema``, an ``$id`` under
        ``https://w3id.org/casemgmt/schema/<SCHEMA_VERSION>/``, ``title``, ``description``,
        the envelope keys required with their constant values, and ``$defs`` (sorted) with
        one definition per attrs class reached. The same dict on every call: it is built
        once and each call returns a fresh deep copy, which the caller may change freely.

    Raises:
        ValueError: ``kind`` is not a document kind (the message lists the kinds).

    >>> schema = json_schema("provider")
    >>> schema["$id"]
    'https://w3id.org/casemgmt/schema/1/provider.json'
    >>> schema["properties"]["document_kind"]
    {'type': 'string', 'const': 'provider'}
    >>> sorted(schema["$defs"]), schema["required"]
    (['Registration'], ['schema_version', 'document_kind', 'id', 'name', 'kind', 'disciplines'])
    >>> len(json_schema()["oneOf"]) == len(DOCUMENT_KINDS)
    True
    """
    if kind is not None and kind not in DOCUMENT_KINDS:
        kinds = ", ".join(sorted(DOCUMENT_KINDS))
        raise ValueError(f"unknown document kind {kind!r}; the kinds are: {kinds}")
    return copy.deepcopy(_built(kind))


@functools.cache
def _built(kind: str | None) -> dict[str, Any]:
    builder = _Builder()
    if kind is not None:
        document = builder.document(kind)
        head = {
            "$schema": _DIALECT,
            "$id": f"{_BASE_URI}{kind}.json",
            **document,
        }
        if builder.defs:
            head["$defs"] = builder.sorted_defs()
        return head
    documents = {f"{k}-document": builder.document(k) for k in sorted(DOCUMENT_KINDS)}
    defs = builder.sorted_defs()
    defs.update(documents)
    return {
        "$schema": _DIALECT,
        "$id": f"{_BASE_URI}document.json",
        "title": "casemgmt document",
        "description": (
            f"Any casemgmt document of schema version {SCHEMA_VERSION}: one of the kinds, "
            "told apart by its document_kind."
        ),
        "type": "object",
        "properties": {
            "schema_version": _envelope_version(),
            "document_kind": {"type": "string", "enum": sorted(DOCUMENT_KINDS)},
        },
        "required": ["schema_version", "document_kind"],
        "oneOf": [{"$ref": f"#/$defs/{name}"} for name in documents],
        "$defs": dict(sorted(defs.items())),
    }


def _envelope_version() -> dict[str, Any]:
    return {
        "type": "integer",
        "const": SCHEMA_VERSION,
        "description": f"The schema version; this release reads {SCHEMA_VERSION}.",
    }


def _first_paragraph(cls: type[Any]) -> str | None:
    doc = cls.__doc__  # a class's own docstring (not inherited from Validated)
    if not doc:
        return None
    paragraph = inspect.cleandoc(doc).split("\n\n", 1)[0]
    text = " ".join(paragraph.split())
    text = _ROLE.sub(lambda m: m.group(2).rsplit(".", 1)[-1] if m.group(1) else m.group(2), text)
    # reST: ``x``\\ s (an escaped space joining a suffix) reads "xs".
    return text.replace("\\ ", "").replace("``", "").replace("\\", "")


def _optional_inner(tp: Any) -> Any | None:
    """The ``X`` of ``X | None``; ``None`` when ``tp`` is not optional."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = typing.get_args(tp)
    rest = [a for a in args if a is not type(None)]
    if len(args) != 2 or len(rest) != 1:
        raise TypeError(f"no JSON Schema for the union {tp!r}: the converter reads only X | None")
    return rest[0]


def _extra(field: attrs.Attribute[Any]) -> dict[str, Any]:
    declared = field.metadata.get(_METADATA_KEY)
    if declared is None:
        return {}
    if not isinstance(declared, Mapping):
        raise TypeError(f"metadata {_METADATA_KEY!r} of field {field.name} must be a mapping")
    extra: dict[str, Any] = {}
    for key, value in declared.items():
        if isinstance(value, re.Pattern):
            source = value.pattern
            extra[key] = f"^(?:{source})$" if "|" in source else f"^{source}$"
            if source in _PATTERN_NOTES and "description" not in declared:
                extra["description"] = _PATTERN_NOTES[source]
        else:
            extra[key] = copy.deepcopy(value)
    return extra


class _Builder:
    """Builds field and class schemas, collecting one ``$defs`` entry per attrs class."""

    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}
        self._owners: dict[str, type[Any]] = {}
        self._defaults = make_converter(detailed_validation=False)

    def sorted_defs(self) -> dict[str, dict[str, Any]]:
        return dict(sorted(self.defs.items()))

    def document(self, kind: str) -> dict[str, Any]:
        """The schema of a ``kind`` document: the class's object plus the envelope keys."""
        cls = DOCUMENT_KINDS[kind]
        body = self.object_schema(cls)
        clash = {"schema_version", "document_kind"} & set(body["properties"])
        if clash:
            raise TypeError(f"{cls.__name__} has fields named like envelope keys: {clash}")
        schema: dict[str, Any] = {"title": f"casemgmt {kind} document"}
        if "description" in body:
            schema["description"] = body["description"]
        schema["type"] = "object"
        schema["properties"] = {
            "schema_version": _envelope_version(),
            "document_kind": {"type": "string", "const": kind},
            **body["properties"],
        }
        schema["required"] = ["schema_version", "document_kind", *body.get("required", ())]
        schema["additionalProperties"] = False
        return schema

    def ref(self, cls: type[Any]) -> dict[str, Any]:
        name = cls.__name__
        owner = self._owners.setdefault(name, cls)
        if owner is not cls:
            raise TypeError(f"two classes named {name} would share one $defs entry")
        if name not in self.defs:
            self.defs[name] = {}  # placeholder first: a class may reach itself
            self.defs[name] = self._definition(cls)
        return {"$ref": f"#/$defs/{name}"}

    def _definition(self, cls: type[Any]) -> dict[str, Any]:
        if cls is Money:
            return self._money()
        if cls is NhsNumber:
            return {
                "title": "NhsNumber",
                "description": (
                    "An NHS number as ten digits. The loader also checks the Modulus 11 "
                    "check digit (invariant: nhs_number_checksum), which JSON Schema cannot "
                    "express."
                ),
                "type": "string",
                "pattern": "^[0-9]{10}$",
            }
        return self.object_schema(cls)

    def object_schema(self, cls: type[Any]) -> dict[str, Any]:
        """An attrs class as an object: its fields, those without a default required."""
        hints = typing.get_type_hints(cls)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in attrs.fields(cls):
            properties[field.name] = self._field(field, hints[field.name])
            if field.default is attrs.NOTHING:
                required.append(field.name)
        schema: dict[str, Any] = {"title": cls.__name__}
        description = _first_paragraph(cls)
        if description:
            schema["description"] = description
        schema["type"] = "object"
        schema["properties"] = properties
        if required:
            schema["required"] = required
        schema["additionalProperties"] = False
        return schema

    def _field(self, field: attrs.Attribute[Any], tp: Any) -> dict[str, Any]:
        inner = _optional_inner(tp)
        schema = self.type_schema(tp if inner is None else inner)
        extra = _extra(field)
        if extra:
            schema = {**schema, **extra}
        if inner is not None:
            schema = {"anyOf": [schema, {"type": "null"}]}
        default = field.default
        if default is not attrs.NOTHING and not isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            schema["default"] = self._defaults.unstructure(default, unstructure_as=tp)
        return schema

    def type_schema(self, tp: Any) -> dict[str, Any]:
        """The schema of the JSON the converter accepts for ``tp``.

        Raises:
            TypeError: for a type the converter has no hook for.
        """
        simple = {
            str: {"type": "string"},
            bool: {"type": "boolean"},
            int: {"type": "integer"},
            float: {"type": "number"},
        }
        if tp in simple:
            return dict(simple[tp])
        if tp is pendulum.Date:
            return {"type": "string", "format": "date", "pattern": _DATE_PATTERN}
        if tp is pendulum.DateTime:
            return {
                "type": "string",
                "format": "date-time",
                "minLength": 19,
                "pattern": _DATETIME_PATTERN,
            }
        supertype = getattr(tp, "__supertype__", None)
        if supertype is not None:  # typing.NewType: ids are read as plain strings
            schema = self.type_schema(supertype)
            if tp in ID_TYPES:
                schema["title"] = tp.__name__
            return schema
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return self._enum(tp)
        if _optional_inner(tp) is not None:
            return {"anyOf": [self.type_schema(_optional_inner(tp)), {"type": "null"}]}
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": self.type_schema(args[0])}
        if origin is frozenset and len(args) == 1:
            return {"type": "array", "items": self.type_schema(args[0]), "uniqueItems": True}
        if origin in (collections.abc.Mapping, dict) and len(args) == 2:
            return self._mapping(args[0], args[1])
        if isinstance(tp, type) and attrs.has(tp):
            return self.ref(tp)
        raise TypeError(f"no JSON Schema for the field type {tp!r}: teach _schema.py its hook")

    def _enum(self, cls: type[enum.Enum]) -> dict[str, Any]:
        values = [member.value for member in cls]
        schema: dict[str, Any] = {"title": cls.__name__}
        if all(type(v) is str for v in values):
            schema["type"] = "string"
        schema["enum"] = values
        return schema

    def _mapping(self, key: Any, value: Any) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object"}
        if key is not str:
            key_schema = self.type_schema(key)
            if key_schema.get("type") != "string":
                raise TypeError(f"no JSON Schema for mapping keys of type {key!r}")
            schema["propertyNames"] = key_schema
        schema["additionalProperties"] = self.type_schema(value)
        return schema

    def _money(self) -> dict[str, Any]:
        default_currency = attrs.fields(Money).currency.default
        by_exponent: dict[int, list[str]] = {}
        for currency, exponent in sorted(CURRENCY_EXPONENTS.items()):
            by_exponent.setdefault(exponent, []).append(currency)
        # Decimals are bounded by the currency's exponent (JPY has none): one branch per
        # exponent; a missing currency is the default one.
        branches: list[dict[str, Any]] = []
        for exponent, currencies in sorted(by_exponent.items()):
            fraction = rf"(?:\.\d{{1,{exponent}}})?" if exponent else ""
            branch: dict[str, Any] = {
                "properties": {
                    "amount": {"pattern": rf"^-?\d{{1,15}}{fraction}$"},
                    "currency": {"enum": currencies},
                }
            }
            if default_currency not in currencies:
                branch["required"] = ["currency"]
            branches.append(branch)
        return {
            "title": "Money",
            "description": (
                'An amount as a decimal string in major units ("12.50") with at most as many '
                "decimals as the currency has minor units, and an ISO 4217 currency."
            ),
            "type": "object",
            "properties": {
                "amount": {"type": "string", "pattern": r"^-?\d{1,15}(?:\.\d{1,4})?$"},
                "currency": {
                    "type": "string",
                    "enum": sorted(CURRENCY_EXPONENTS),
                    "default": default_currency,
                },
            },
            "required": ["amount"],
            "additionalProperties": False,
            "anyOf": branches,
        }
