"""Versioned JSON documents: load with every problem reported by path, dump deterministically.

A document is the JSON object of one model entity with two extra keys at the top:
``"schema_version"`` (an integer; this release reads and writes :data:`SCHEMA_VERSION`) and
``"document_kind"`` (which entity it is, from :data:`DOCUMENT_KINDS`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)

from casemgmt.errors import DocumentError, InvariantError, Problem
from casemgmt.model import (
    Assessment,
    CarePlan,
    Case,
    CaseManager,
    CaseRecord,
    Client,
    FundingStream,
    Goal,
    Intervention,
    Provider,
    Referral,
    ReferralSource,
)
from casemgmt.model._base import types_trusted
from casemgmt.serialization._converter import WrongTypeError, make_converter
from casemgmt.serialization._json import parse_json
from casemgmt.services import CaseBook, Team

__all__ = [
    "DOCUMENT_KINDS",
    "SCHEMA_VERSION",
    "dump_json",
    "from_document",
    "kind_of",
    "load_json",
    "to_document",
]

T = TypeVar("T")

SCHEMA_VERSION = 1
"""The document schema version this release reads and writes."""

DOCUMENT_KINDS: Mapping[str, type[Any]] = {
    "assessment": Assessment,
    "care-plan": CarePlan,
    "case": Case,
    "case-manager": CaseManager,
    "case-record": CaseRecord,
    "cases": CaseBook,
    "client": Client,
    "funding-stream": FundingStream,
    "goal": Goal,
    "intervention": Intervention,
    "provider": Provider,
    "referral": Referral,
    "referral-source": ReferralSource,
    "team": Team,
}
"""Every kind of document, by the name used in its ``"document_kind"`` key."""

_KIND_OF: dict[type[Any], str] = {cls: kind for kind, cls in DOCUMENT_KINDS.items()}
_ENVELOPE = ("schema_version", "document_kind")

_FAST = make_converter(detailed_validation=False)
_DETAILED = make_converter(detailed_validation=True)


def kind_of(cls: type[Any]) -> str:
    """The document kind of a model class (``kind_of(CarePlan) == "care-plan"``)."""
    try:
        return _KIND_OF[cls]
    except KeyError:
        raise TypeError(f"{cls.__name__} is not a document kind") from None


def to_document(entity: object) -> dict[str, Any]:
    """The JSON-compatible document of ``entity``, envelope keys first.

    >>> from casemgmt.model import Discipline, Provider, ProviderId, ProviderKind
    >>> provider = Provider(
    ...     id=ProviderId("P1"),
    ...     name="Bridge Physio",
    ...     kind=ProviderKind.THERAPY_PRACTICE,
    ...     disciplines=frozenset({Discipline.PHYSIOTHERAPY}),
    ... )
    >>> to_document(provider)  # doctest: +NORMALIZE_WHITESPACE
    {'schema_version': 1, 'document_kind': 'provider', 'id': 'P1', 'name': 'Bridge Physio',
     'kind': 'therapy-practice', 'disciplines': ['physiotherapy']}
    """
    kind = kind_of(type(entity))
    body = _FAST.unstructure(entity)
    return {"schema_version": SCHEMA_VERSION, "document_kind": kind, **body}


def dump_json(entity: object, *, indent: int | None = None) -> str:
    """Serialise ``entity`` as a JSON document (see :func:`to_document`)."""
    return json.dumps(to_document(entity), indent=indent, ensure_ascii=False)


def from_document(cls: type[T], document: object) -> T:
    """Build a ``cls`` from a parsed JSON document.

    Raises:
        DocumentError: listing every problem with its JSON path; the message never
            contains a value from the document.
    """
    kind = kind_of(cls)
    if type(document) is not dict:
        raise DocumentError(
            kind, [Problem(path="$", code="wrong_type", message="expected an object")]
        )
    envelope_problems = list(_check_envelope(kind, document))
    body = {k: v for k, v in document.items() if k not in _ENVELOPE}
    if not envelope_problems:
        try:
            with types_trusted():
                return _FAST.structure(body, cls)
        except Exception:
            pass
    problems = envelope_problems + _detailed_problems(cls, body)
    if not problems:  # pragma: no cover  (the fast pass failed, so the detailed one does)
        problems = [Problem(path="$", code="invalid", message="is not a valid document")]
    raise DocumentError(kind, problems)


def load_json(cls: type[T], text: str | bytes) -> T:
    """Parse JSON text and build a ``cls`` from it (see :func:`from_document`).

    Raises:
        DocumentError: when the text is not strict JSON in UTF-8 (see
            :func:`parse_json`), or the document is not a valid ``cls``.
    """
    document = parse_json(text, kind=kind_of(cls))
    return from_document(cls, document)


def _check_envelope(kind: str, document: dict[str, Any]) -> Iterator[Problem]:
    version = document.get("schema_version")
    if "schema_version" not in document:
        yield Problem(path="$.schema_version", code="required", message="is required")
    elif type(version) is not int:
        yield Problem(path="$.schema_version", code="wrong_type", message="expected an integer")
    elif version != SCHEMA_VERSION:
        yield Problem(
            path="$.schema_version",
            code="unsupported_schema_version",
            message=f"this release reads version {SCHEMA_VERSION}",
        )
    if "document_kind" not in document:
        yield Problem(path="$.document_kind", code="required", message="is required")
    elif document["document_kind"] != kind:
        yield Problem(path="$.document_kind", code="wrong_kind", message=f"expected {kind!r}")


def _detailed_problems(cls: type[Any], body: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    try:
        with types_trusted():
            _DETAILED.structure(body, cls)
    except Exception as error:
        _collect(error, "$", problems)
    return problems


def _collect(error: BaseException, path: str, out: list[Problem]) -> None:
    if isinstance(error, ClassValidationError | IterableValidationError):
        located, unlocated = error.group_exceptions()
        for inner, note in located:
            if isinstance(note, AttributeValidationNote):
                _collect(inner, f"{path}.{note.name}", out)
            elif isinstance(note, IterableValidationNote):
                _collect(inner, f"{path}[{note.index}]", out)
        for inner in unlocated:
            _collect(inner, path, out)
    elif isinstance(error, ForbiddenExtraKeysError):
        for key in sorted(error.extra_fields):
            out.append(
                Problem(path=f"{path}.{key}", code="unknown_key", message="is not a known key")
            )
    elif isinstance(error, InvariantError):
        out.extend(p.under(path) for p in error.problems)
    elif isinstance(error, WrongTypeError):
        out.append(
            Problem(
                path=path,
                code=error.code,
                message=f"expected {error.expected}, got {error.received}",
            )
        )
    elif isinstance(error, KeyError):
        out.append(Problem(path=path, code="required", message="is required"))
    elif isinstance(error, ExceptionGroup):
        for inner in error.exceptions:
            _collect(inner, path, out)
    else:
        out.append(
            Problem(path=path, code="invalid", message=f"is not valid ({type(error).__name__})")
        )
