"""The ``casemgmt`` command: ``demo`` summaries and ``validate-document``.

The tests call :func:`casemgmt.cli.main` directly and read what it printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from casemgmt.cli import main
from casemgmt.model import CaseRecord
from casemgmt.serialization import load_json

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))
BRAIN_INJURY = EXAMPLES / "brain-injury-rehabilitation.json"


def _record(path: Path) -> CaseRecord:
    return load_json(CaseRecord, path.read_text(encoding="utf-8"))


def _document(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _write(folder: Path, name: str, document: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _personal_strings(record: CaseRecord) -> list[str]:
    """Identifiers a summary screen must never show."""
    client = record.client
    found: list[str] = []
    if client.nhs_number is not None:
        found += [client.nhs_number.value, client.nhs_number.formatted()]
    dob = client.date_of_birth
    found += [dob.isoformat(), dob.strftime("%d/%m/%Y"), dob.strftime("%d %B %Y")]
    if client.address is not None:
        found += list(client.address.lines)
        if client.address.postcode is not None:
            found.append(client.address.postcode)
    if client.contact is not None:
        found += [v for v in (client.contact.phone, client.contact.email) if v is not None]
    for carer in client.carers:
        if carer.name is not None:
            found.append(f"{carer.name.given} {carer.name.family}")
    for source in record.referral_sources:
        if source.contact_name is not None:
            found.append(source.contact_name)
    return found


def test_demo_prints_every_case(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["demo", *map(str, EXAMPLE_FILES)])
    out, err = capsys.readouterr()
    assert status == 0
    assert err == ""
    for path in EXAMPLE_FILES:
        record = _record(path)
        plan = record.case.current_plan
        assert plan is not None
        assert record.case.id in out
        assert record.case.programme in out
        assert f"{record.client.name.given} {record.client.name.family}" in out
        assert f"version {plan.version}" in out
        for goal in plan.goals:
            assert goal.id in out
        for intervention in plan.interventions:
            assert intervention.id in out
        for stream in record.funding_streams:
            assert stream.name in out


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_demo_shows_no_nhs_number_address_or_date_of_birth(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", str(path)]) == 0
    out, _ = capsys.readouterr()
    for secret in _personal_strings(_record(path)):
        assert secret not in out


def test_demo_shows_the_case_managers_and_funding_essentials(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", str(BRAIN_INJURY)]) == 0
    out, _ = capsys.readouterr()
    assert "Helen Marsh, occupational therapist, registered with HCPC" in out
    assert "rehabilitation code joint instruction" in out
    assert "received 2026-01-12" in out
    assert "Care plan PLAN-PI-0417 version 2 (active), 2026-05-01 to 2026-10-31" in out
    assert "agreed 2026-04-29" in out
    assert "1 every 2 weeks, 90 min; GBP 150.00 each, GBP 75.00 a week" in out
    assert "GBP 666.08 a week committed of GBP 900.00 a week budget" in out


def test_demo_reports_spend_authority_and_its_approval(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", str(EXAMPLES / "virtual-ward-older-person.json")]) == 0
    out, _ = capsys.readouterr()
    assert "Above the spend authority of GBP 200.00 a week: approval recorded" in out
    assert "community matron, prescriber" in out


def test_demo_age_defaults_to_the_latest_recorded_day(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", str(BRAIN_INJURY)]) == 0
    out, _ = capsys.readouterr()
    # Born in July 1989; the last thing recorded is in May 2026.
    assert "summary as of 2026-05-06" in out
    assert "aged 36" in out


@pytest.mark.parametrize(("as_of", "age"), [("2026-07-13", 36), ("2026-07-14", 37)])
def test_demo_as_of_sets_the_day_for_ages(
    as_of: str, age: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--as-of", as_of, str(BRAIN_INJURY)]) == 0
    out, _ = capsys.readouterr()
    assert f"summary as of {as_of}" in out
    assert f"aged {age}," in out


@pytest.mark.parametrize("as_of", ["2026-02-30", "29/04/2026", "2026-4-29", "today"])
def test_demo_refuses_a_bad_as_of_date(as_of: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--as-of", as_of, str(BRAIN_INJURY)]) == 2
    _, err = capsys.readouterr()
    assert "not a date as YYYY-MM-DD" in err


def test_demo_missing_file_is_reported_and_the_others_still_print(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.json"
    status = main(["demo", str(missing), str(BRAIN_INJURY)])
    out, err = capsys.readouterr()
    assert status == 1
    assert "CASE-PI-2026-0114" in out
    assert err.splitlines() == [
        f"casemgmt: {missing}: cannot read the file (No such file or directory)"
    ]
    assert "Traceback" not in err


def test_demo_invalid_document_lists_every_problem_by_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = _document(BRAIN_INJURY)
    document["case"]["status"] = "finished"
    document["client"]["favourite_colour"] = "green"
    bad = _write(tmp_path, "bad.json", document)
    assert main(["demo", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 2
    assert any(line.startswith(f"casemgmt: {bad}: $.case.status: ") for line in lines)
    assert f"casemgmt: {bad}: $.client.favourite_colour: is not a known key" in lines


def test_demo_bad_json_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"schema_version": 1,', encoding="utf-8")
    assert main(["demo", str(bad)]) == 1
    _, err = capsys.readouterr()
    (line,) = err.splitlines()
    assert line.startswith(f"casemgmt: {bad}: $: is not valid JSON")


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_validate_document_accepts_the_examples(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate-document", "case-record", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == "ok\n"
    assert err == ""


def test_validate_document_accepts_any_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _document(BRAIN_INJURY)
    plan = {"schema_version": 1, "document_kind": "care-plan", **record["case"]["plans"][-1]}
    path = _write(tmp_path, "plan.json", plan)
    assert main(["validate-document", "care-plan", str(path)]) == 0
    assert capsys.readouterr().out == "ok\n"


def test_validate_document_bad_document_exits_1_with_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = _document(BRAIN_INJURY)
    document["client"]["nhs_number"] = "9992345676"  # fails Modulus 11
    del document["case"]["opened_on"]
    document["case"]["plans"][1]["goals"][0]["due"] = "2026-13-01"
    bad = _write(tmp_path, "bad.json", document)
    assert main(["validate-document", "case-record", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    paths = {line.split(": ")[2] for line in err.splitlines()}
    assert paths == {
        "$.client.nhs_number.value",
        "$.case.opened_on",
        "$.case.plans[1].goals[0].due",
    }
    assert "9992345676" not in err


def test_validate_document_wrong_kind_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate-document", "provider", str(BRAIN_INJURY)]) == 1
    _, err = capsys.readouterr()
    assert f"casemgmt: {BRAIN_INJURY}: $.document_kind: expected 'provider'" in err.splitlines()


def test_validate_document_missing_file_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.json"
    assert main(["validate-document", "case-record", str(missing)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"casemgmt: {missing}: cannot read the file (No such file or directory)"
    ]


def test_validate_document_directory_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate-document", "case-record", str(tmp_path)]) == 1
    _, err = capsys.readouterr()
    assert err.startswith(f"casemgmt: {tmp_path}: cannot read the file")


def test_validate_document_deeply_nested_json_is_an_error_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert main(["validate-document", "case-record", str(deep)]) == 1
    _, err = capsys.readouterr()
    assert len(err.splitlines()) == 1


def test_unknown_kind_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate-document", "patient", str(BRAIN_INJURY)]) == 2
    _, err = capsys.readouterr()
    assert "invalid choice" in err


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    _, err = capsys.readouterr()
    assert "usage: casemgmt" in err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out, _ = capsys.readouterr()
    assert "validate-document" in out
    assert "demo" in out
