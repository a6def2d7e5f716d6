"""``casemgmt export-fhir`` and ``import-fhir``: a case record to a bundle and back through
files, exit statuses, and what a bad file prints."""

from __future__ import annotations

import io
import json
from pathlib import Path

import attrs
import pytest

from casemgmt._fhir_cli import export_fhir, import_fhir
from casemgmt.cli import main
from casemgmt.model import CaseRecord, Money
from casemgmt.serialization import dump_json, load_json

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
RECORD = EXAMPLES / "occupational-health-back-pain.json"


def _run(command: str, file: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    runner = export_fhir if command == "export" else import_fhir
    status = runner(str(file), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_export_then_import_gives_back_the_record(tmp_path: Path) -> None:
    status, bundle, err = _run("export", RECORD)
    assert (status, err) == (0, "")
    assert json.loads(bundle)["resourceType"] == "Bundle"
    bundle_file = tmp_path / "bundle.json"
    bundle_file.write_text(bundle, encoding="utf-8")
    status, document, err = _run("import", bundle_file)
    assert (status, err) == (0, "")
    assert load_json(CaseRecord, document) == load_json(CaseRecord, RECORD.read_bytes())


def test_main_dispatches_both_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export-fhir", str(RECORD)]) == 0
    bundle_file = tmp_path / "bundle.json"
    bundle_file.write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["import-fhir", str(bundle_file)]) == 0
    assert json.loads(capsys.readouterr().out)["document_kind"] == "case-record"


def test_a_missing_or_invalid_record_exits_1(tmp_path: Path) -> None:
    status, out, err = _run("export", tmp_path / "missing.json")
    assert (status, out) == (1, "")
    assert "cannot read the file" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 1, "document_kind": "case-record"}', encoding="utf-8")
    status, out, err = _run("export", bad)
    assert (status, out) == (1, "")
    assert "$.case: is required" in err


def test_an_amount_fhir_cannot_hold_exits_1(tmp_path: Path) -> None:
    record = load_json(CaseRecord, RECORD.read_bytes())
    plan = record.case.plans[-1]
    big = attrs.evolve(plan.interventions[0], unit_cost=Money.gbp("10000000000000.00"))
    plan = attrs.evolve(plan, interventions=(big, *plan.interventions[1:]))
    case = attrs.evolve(record.case, plans=(*record.case.plans[:-1], plan))
    file = tmp_path / "big.json"
    file.write_text(dump_json(record.with_case(case)), encoding="utf-8")
    status, out, err = _run("export", file)
    assert (status, out) == (1, "")
    assert "cannot be exported" in err


def test_a_bad_bundle_exits_1_naming_each_entry(tmp_path: Path) -> None:
    status, bundle, _ = _run("export", RECORD)
    document = json.loads(bundle)
    goals = [e for e in document["entry"] if e["resource"]["resourceType"] == "Goal"]
    goals[0]["resource"]["lifecycleStatus"] = "pending"
    index = document["entry"].index(goals[0])
    file = tmp_path / "bundle.json"
    file.write_text(json.dumps(document), encoding="utf-8")
    status, out, err = _run("import", file)
    assert (status, out) == (1, "")
    assert f"Bundle.entry[{index}].resource: goal field lifecycle_status: expected one of" in err
    text = tmp_path / "text.json"
    text.write_text("[NaN]", encoding="utf-8")
    status, out, err = _run("import", text)
    assert (status, out) == (1, "")
    assert "NaN" in err
