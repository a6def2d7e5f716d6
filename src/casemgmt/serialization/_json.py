"""Strict JSON text parsing: RFC 8259 JSON in UTF-8, and nothing Python's parser also takes.

``json.loads`` on its own accepts ``NaN`` and ``Infinity``, turns ``1e999`` into infinity,
and guesses UTF-16 or UTF-32 from the bytes. Documents are exchanged between systems, so
this parser refuses all of those, and reports a number too long to convert (Python's limit
on integer digits) or nesting too deep to follow as problems instead of raising from deep
inside. Messages never repeat the text.
"""

from __future__ import annotations

import codecs
import json
import math
from typing import Any, NoReturn

from casemgmt.errors import DocumentError, Problem

__all__ = ["parse_json"]

_WIDE_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)


class _BadNumberError(ValueError):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _constant(_: str) -> NoReturn:
    raise _BadNumberError("is not valid JSON (NaN and Infinity are not JSON numbers)")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _BadNumberError("holds a number too large to load")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # longer than sys.get_int_max_str_digits()
        raise _BadNumberError("holds a number too large to load") from None


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
    if isinstance(text, bytes):
        if text.startswith(_WIDE_BOMS):
            _fail(
                kind,
                "not_utf8",
                "is not UTF-8 text (it starts with a UTF-16 or UTF-32 byte-order mark)",
            )
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            _fail(kind, "not_utf8", f"is not UTF-8 text (byte {error.start} cannot be decoded)")
    if not text.strip():
        _fail(kind, "not_json", "is empty: expected a JSON document")
    try:
        return json.loads(text, parse_float=_float, parse_int=_int, parse_constant=_constant)
    except _BadNumberError as error:
        _fail(kind, "not_json", error.reason)
    except json.JSONDecodeError as error:
        _fail(kind, "not_json", f"is not valid JSON at line {error.lineno}, column {error.colno}")
    except RecursionError:
        _fail(kind, "too_deep", "is nested too deeply to load")
