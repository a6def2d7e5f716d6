"""FHIR R4: a case record as a ``Bundle`` of resources, and back.

:func:`export_bundle` writes a :class:`~casemgmt.model.CaseRecord` as a FHIR R4 ``Bundle``
(a dict ready for JSON); :func:`import_bundle` reads it back. What FHIR has no element for
travels in extensions named under :data:`~casemgmt.serialization.EXTENSION_BASE`, so the
round trip gives back an equal record. :data:`MAPPING` is the table of where each field
goes; the "FHIR" documentation page prints it.

The exporter and importer work on plain dicts and need nothing beyond the core install.
:func:`validate_bundle` checks a bundle against the ``fhir.resources`` R4B models and needs
the ``fhir`` extra (``pip install 'casemgmt[fhir]'``).

>>> import json
>>> from casemgmt.serialization import load_json
>>> from casemgmt.model import CaseRecord
>>> with open("examples/virtual-ward-older-person.json", "rb") as file:
...     record = load_json(CaseRecord, file.read())
>>> bundle = export_bundle(record)
>>> sorted({entry["resource"]["resourceType"] for entry in bundle["entry"]})[:4]
['CarePlan', 'CareTeam', 'Condition', 'Consent']
>>> import_bundle(json.loads(json.dumps(bundle))) == record
True
"""

from __future__ import annotations

import json

from casemgmt.model import CaseRecord
from casemgmt.serialization.fhir._export import (
    CODE_SYSTEM,
    ID_SYSTEM,
    NHS_NUMBER_SYSTEM,
    REGISTRATION_SYSTEM,
    export_bundle,
)
from casemgmt.serialization.fhir._extensions import MONEY_LIMIT, ExportError, extension_url
from casemgmt.serialization.fhir._import import BUNDLE_KIND, import_bundle, load_bundle
from casemgmt.serialization.fhir._mapping import MappingRow, rows
from casemgmt.serialization.fhir._validate import validate_bundle

__all__ = [
    "BUNDLE_KIND",
    "CODE_SYSTEM",
    "ID_SYSTEM",
    "MAPPING",
    "MONEY_LIMIT",
    "NHS_NUMBER_SYSTEM",
    "REGISTRATION_SYSTEM",
    "ExportError",
    "MappingRow",
    "dump_bundle",
    "export_bundle",
    "extension_url",
    "import_bundle",
    "load_bundle",
    "validate_bundle",
]

MAPPING: tuple[MappingRow, ...] = rows()
"""Every field of every entity a bundle carries, with the FHIR element that holds it and,
when FHIR has no element for it (or only a coarser one), the URL of the extension that
does."""


def dump_bundle(record: CaseRecord, *, indent: int | None = None) -> str:
    """The bundle of ``record`` (:func:`export_bundle`) as JSON text."""
    return json.dumps(export_bundle(record), indent=indent, ensure_ascii=False)
