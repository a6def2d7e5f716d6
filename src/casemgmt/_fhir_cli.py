"""The ``export-fhir`` and ``import-fhir`` commands: a case record to a FHIR R4 bundle and
back, printed as JSON on standard output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from casemgmt._cli_input import InputError, fail, read_document
from casemgmt.errors import DocumentError
from casemgmt.model import CaseRecord
from casemgmt.serialization import to_document
from casemgmt.serialization.fhir import ExportError, export_bundle, load_bundle

__all__ = ["export_fhir", "import_fhir"]

_PROG = "casemgmt"


def _print(document: dict[str, Any], out: TextIO) -> None:
    print(json.dumps(document, indent=2, ensure_ascii=False), file=out)


def export_fhir(file: str, *, out: TextIO, err: TextIO) -> int:
    """Print the FHIR bundle of the case-record document ``file``.

    Returns:
        0 on success; 1 when the file cannot be read, is not a valid case record, or holds
        an amount too large for a FHIR decimal.
    """
    try:
        record = read_document(CaseRecord, file)
        bundle = export_bundle(record)
    except InputError as problem:
        for message in problem.messages:
            print(f"{_PROG}: {file}: {message}", file=err)
        return 1
    except ExportError as error:
        print(f"{_PROG}: {file}: {error}", file=err)
        return 1
    _print(bundle, out)
    return 0


def import_fhir(file: str, *, out: TextIO, err: TextIO) -> int:
    """Print the case-record document held by the FHIR bundle ``file``.

    Returns:
        0 on success; 1 when the file cannot be read or is not a bundle of a valid case
        record (every problem is printed with the entry it concerns).
    """
    try:
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            fail(f"cannot read the file ({error.strerror or type(error).__name__})")
        try:
            record = load_bundle(data)
        except DocumentError as error:
            raise InputError(str(p) for p in error.problems) from None
    except InputError as problem:
        for message in problem.messages:
            print(f"{_PROG}: {file}: {message}", file=err)
        return 1
    _print(to_document(record), out)
    return 0
