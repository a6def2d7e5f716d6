"""Strict JSON text parsing: RFC 8259 JSON in UTF-8, and nothing else.

Documents are exchanged between systems, so the parser refuses what Python's ``json``
module would let through: ``NaN`` and ``Infinity``, numbers that overflow to infinity,
UTF-16 or UTF-32 text, invalid UTF-8 and lone surrogates. Nesting is limited (1024 levels),
so hostile input is reported as a problem instead of raising from deep inside. It parses
with orjson, which does all of this in compiled code, three times as fast as ``json``.
Messages never repeat the text.
"""

from __future__ import annotations

import codecs
from typing import Any, NoReturn

import orjson

from casemgmt.errors import DocumentError, Problem

__all__ = ["parse_json"]

_WIDE_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)
_NOT_NUMBERS = (b"NaN", b"Inf", b"-In")


def _fail(kind: str, code: str, message: str) -> NoReturn:
    raise DocumentError(kind, [Problem(path="$", code=code, message=message)])


def parse_json(text: str | bytes, *, kind: str = "json") -> Any:
    """Parse JSON text strictly.

    Args:
        text: The text, or its bytes in UTF-8 (a UTF-8 byte-order mark is allowed).
        kind: The document kind named in the error (``"care-plan"``).

    Returns:
        The parsed value: dicts, lists, strings, ints, finite floats, booleans and ``None``.

    Raises:
        DocumentError: with one problem at ``$`` when the text is not UTF-8, is empty, is
            not JSON, holds ``NaN``, ``Infinity`` or a number too large, or is nested too
            deeply.

    >>> parse_json(b'{"a": [1, 2.5]}')
    {'a': [1, 2.5]}
    >>> parse_json("[NaN]")
    Traceback (most recent call last):
    ...
    casemgmt.errors.DocumentError: json document has 1 problem: $: is not valid JSON (NaN and Infinity are not JSON numbers)
    """  # noqa: E501
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if data.startswith(_WIDE_BOMS):
        _fail(
            kind,
            "not_utf8",
            "is not UTF-8 text (it starts with a UTF-16 or UTF-32 byte-order mark)",
        )
    data = data.removeprefix(codecs.BOM_UTF8)
    if not data.strip():
        _fail(kind, "not_json", "is empty: expected a JSON document")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        reason = str(error.msg)
        if "UTF-8" in reason:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as bad:
                _fail(kind, "not_utf8", f"is not UTF-8 text (byte {bad.start} cannot be decoded)")
            _fail(kind, "not_utf8", "is not UTF-8 text")
        if "surrogate" in reason:
            _fail(kind, "not_json", "holds a string that is not valid Unicode (a lone surrogate)")
        if "infinity" in reason:
            _fail(kind, "not_json", "holds a number too large to load")
        if "depth" in reason:
            _fail(kind, "too_deep", "is nested too deeply to load")
        if data[error.pos : error.pos + 3] in _NOT_NUMBERS:
            _fail(kind, "not_json", "is not valid JSON (NaN and Infinity are not JSON numbers)")
        _fail(kind, "not_json", f"is not valid JSON at line {error.lineno}, column {error.colno}")
