"""The JSON boundary: strict, versioned documents with every problem reported by path.

>>> from casemgmt.model import Money
>>> from casemgmt.serialization import make_converter
>>> converter = make_converter()
>>> converter.structure({"amount": "200.00", "currency": "GBP"}, Money)
Money(minor=20000, currency='GBP')
"""

from casemgmt.serialization._converter import make_converter
from casemgmt.serialization._documents import (
    DOCUMENT_KINDS,
    SCHEMA_VERSION,
    dump_json,
    from_document,
    kind_of,
    load_json,
    to_document,
)
from casemgmt.serialization._ical import to_icalendar
from casemgmt.serialization._json import parse_json
from casemgmt.serialization._outcome import (
    CHECK_SYSTEM,
    EXTENSION_BASE,
    RULE_SYSTEM,
    operation_outcome,
)
from casemgmt.serialization._schema import json_schema

__all__ = [
    "CHECK_SYSTEM",
    "EXTENSION_BASE",
    "RULE_SYSTEM",
    "operation_outcome",
    "parse_json",
    "DOCUMENT_KINDS",
    "SCHEMA_VERSION",
    "dump_json",
    "from_document",
    "kind_of",
    "load_json",
    "to_document",
    "make_converter",
    "to_icalendar",
    "json_schema",
]
