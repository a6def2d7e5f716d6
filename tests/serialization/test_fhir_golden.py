"""The example case records export to the bundles checked in under ``examples/fhir``.

A change to the mapping shows up here as a changed golden file. After checking that the
change is intended, regenerate them with::

    for f in examples/*.json; do
        .venv/bin/casemgmt export-fhir "$f" > "examples/fhir/$(basename "$f" .json).bundle.json"
    done
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casemgmt.model import CaseRecord
from casemgmt.serialization import load_json
from casemgmt.serialization.fhir import export_bundle, load_bundle, validate_bundle

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RECORDS = sorted(EXAMPLES.glob("*.json"))


def _golden(record_file: Path) -> Path:
    return EXAMPLES / "fhir" / f"{record_file.stem}.bundle.json"


def test_every_example_has_a_golden_bundle() -> None:
    assert RECORDS
    assert sorted(p.name for p in (EXAMPLES / "fhir").glob("*.bundle.json")) == sorted(
        _golden(r).name for r in RECORDS
    )


@pytest.mark.parametrize("record_file", RECORDS, ids=lambda p: p.stem)
def test_the_example_exports_to_its_golden_bundle(record_file: Path) -> None:
    record = load_json(CaseRecord, record_file.read_bytes())
    golden = json.loads(_golden(record_file).read_bytes())
    assert export_bundle(record) == golden
    validate_bundle(golden)


@pytest.mark.parametrize("record_file", RECORDS, ids=lambda p: p.stem)
def test_the_golden_bundle_imports_to_the_example(record_file: Path) -> None:
    record = load_json(CaseRecord, record_file.read_bytes())
    assert load_bundle(_golden(record_file).read_bytes()) == record
