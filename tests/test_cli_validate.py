"""``casemgmt validate``: exit statuses, text and FHIR output, JSON lines, hostile input.

The tests call :func:`casemgmt.cli.main` (or :func:`casemgmt._validate_cli.run` with
streams of their own) and read what it printed. Inputs are built in ``tmp_path`` from the
bundled example case records.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from casemgmt._validate_cli import LINE_EXTENSION, plan_as_of, programme_for, run
from casemgmt.cli import main
from casemgmt.model import (
    ActorId,
    CarePlan,
    CaseRecord,
    GoalDomain,
    InterventionId,
    NhsNumber,
    OnwardReferral,
    PersonName,
    ProviderId,
)
from casemgmt.policies import GENERIC, OHSXTRA, PROGRAMMES, REHABILITATION_CODE
from casemgmt.serialization import EXTENSION_BASE, dump_json, load_json, to_document
from casemgmt.services import PlanValidationReport, validate_plan

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BRAIN_INJURY = EXAMPLES / "brain-injury-rehabilitation.json"  # current plan ok
BACK_PAIN = EXAMPLES / "occupational-health-back-pain.json"  # current plan has an error
VIRTUAL_WARD = EXAMPLES / "virtual-ward-older-person.json"  # a warning only

MARKER = "Zebedee"
"""Planted in hostile input: no message may repeat it."""


class FakeTTY(io.StringIO):
    """A standard error that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _record(path: Path) -> CaseRecord:
    return load_json(CaseRecord, path.read_text(encoding="utf-8"))


def _plan(record: CaseRecord) -> CarePlan:
    plan = record.case.current_plan
    assert plan is not None
    return plan


def _with_plan(record: CaseRecord, plan: CarePlan) -> CaseRecord:
    """``record`` with its current plan version edited into ``plan``. The edit is stamped
    on the day the case opened, so it never moves the record's latest recorded day."""
    opened = record.case.opened_on
    at = pendulum.datetime(opened.year, opened.month, opened.day, 9, tz="Europe/London")
    return record.with_case(
        record.case.replace_current_plan(plan, by=ActorId("tester"), at=at).case
    )


def _write(path: Path, entity: object) -> Path:
    path.write_text(dump_json(entity, indent=2), encoding="utf-8")
    return path


def _write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def _write_lines(path: Path, lines: Sequence[str | bytes]) -> Path:
    path.write_bytes(
        b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines) + b"\n"
    )
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    status = main(["validate", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def _expected(
    record: CaseRecord, programme: Any, as_of: pendulum.Date | None = None
) -> PlanValidationReport:
    """The report the command should print for a record's current plan."""
    plan = _plan(record)
    return validate_plan(
        plan,
        funding=record.funding_streams,
        policy=programme,
        as_of=as_of if as_of is not None else plan_as_of(plan),
        providers=record.providers,
    ).under(f"$.case.plans[{len(record.case.plans) - 1}]")


def _fhir(outcome: dict[str, Any]) -> None:
    """Fail unless ``outcome`` is a valid FHIR R4B OperationOutcome."""
    OperationOutcome.model_validate(outcome)


def _line_of(outcome: dict[str, Any]) -> int:
    (line,) = [e["valueInteger"] for e in outcome["extension"] if e["url"] == LINE_EXTENSION]
    assert isinstance(line, int)
    return line


def _with_goal_domain(record: CaseRecord, goal_id: str, domain: GoalDomain) -> CaseRecord:
    plan = _plan(record)
    goals = tuple(attrs.evolve(g, domain=domain) if g.id == goal_id else g for g in plan.goals)
    return _with_plan(record, attrs.evolve(plan, goals=goals))


# --------------------------------------------------------------------- exit statuses


def test_a_sound_case_record_exits_0_with_its_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    record = _record(BRAIN_INJURY)
    status, out, err = _run(capsys, BRAIN_INJURY)
    assert status == 0
    assert err == ""
    assert out == f"{_expected(record, REHABILITATION_CODE)}\n"
    assert out.startswith("care plan PLAN-PI-0417 version 2 as of ")


def test_a_plan_with_errors_exits_1_with_paths_under_the_case(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = _run(capsys, BACK_PAIN)
    assert status == 1
    assert err == ""
    assert "not ok (1 error" in out.splitlines()[0]
    assert "error P4 goal-unserved $.case.plans[0].goals[1]: goal G-PAIN" in out


def test_warnings_alone_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, VIRTUAL_WARD)
    assert status == 0
    assert "warning P5 onward-referral-unacknowledged $.case.plans[0].onward_referrals[1]" in out


def test_paths_name_the_current_plan_of_several(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _record(BRAIN_INJURY)
    assert len(record.case.plans) == 2
    plan = _plan(record)
    broken = attrs.evolve(plan, next_review=None)
    path = _write(tmp_path / "record.json", _with_plan(record, broken))
    status, out, _ = _run(capsys, path)
    assert status == 1
    assert "error P3 review-date-missing $.case.plans[1].next_review:" in out


def test_a_case_without_a_plan_cannot_be_validated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _record(BACK_PAIN)
    path = _write(tmp_path / "no-plan.json", record.with_case(attrs.evolve(record.case, plans=())))
    status, out, err = _run(capsys, path)
    assert status == 2
    assert out == ""
    assert err.splitlines() == [
        f"casemgmt: {path}: $.case.plans: the case has no care plan to validate"
    ]


# ------------------------------------------------------------------- bare care plans


def test_a_bare_plan_without_providers_says_registrations_were_not_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _record(BRAIN_INJURY)
    plan_file = _write(tmp_path / "plan.json", _plan(record))
    funding = _write_json(
        tmp_path / "funding.json", [to_document(s) for s in record.funding_streams]
    )
    status, out, _ = _run(capsys, plan_file, "--funding", funding)
    assert status == 0
    assert "information P9 provider-registration-unchecked $.interventions:" in out

    status, out, _ = _run(capsys, plan_file, "--funding", funding, "--format", "json")
    outcome = json.loads(out)
    _fhir(outcome)
    (issue,) = outcome["issue"]
    assert issue["severity"] == "information"
    assert issue["details"]["coding"][0]["code"] == "provider-registration-unchecked"
    assert issue["expression"] == ["interventions"]


def test_a_bare_plan_with_its_funding_and_providers_matches_the_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _record(BACK_PAIN)
    plan = _plan(record)
    plan_file = _write(tmp_path / "plan.json", plan)
    (stream,) = record.funding_streams
    funding = _write(tmp_path / "stream.json", stream)  # a single document
    providers = [to_document(p) for p in record.providers]
    first = _write_json(tmp_path / "providers-1.json", providers[:1])
    rest = _write_json(tmp_path / "providers-2.json", providers[1:])
    args: list[str | Path] = [plan_file, "--funding", funding]
    args += ["--providers", first, "--providers", rest]
    status, out, _ = _run(capsys, *args, "--programme", "ohsxtra")
    expected = validate_plan(
        plan,
        funding=record.funding_streams,
        policy=OHSXTRA,
        as_of=plan_as_of(plan),
        providers=record.providers,
    )
    assert status == 1
    assert out == f"{expected}\n"
    assert "$.goals[1]" in out


def test_a_bare_plan_without_funding_names_unknown_streams(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = _write(tmp_path / "plan.json", _plan(_record(BRAIN_INJURY)))
    status, out, _ = _run(capsys, plan_file)
    assert status == 1
    assert "funding-stream-unknown" in out


def test_services_elsewhere_are_checked_for_duplication(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _record(BACK_PAIN)
    plan = _plan(record)
    live = [i for i in plan.interventions if i.is_live]
    twin = attrs.evolve(
        live[0], id=InterventionId("INT-ELSEWHERE"), provider_id=ProviderId("PRV-ELSEWHERE")
    )
    elsewhere = _write_json(tmp_path / "elsewhere.json", [to_document(twin)])
    status, out, _ = _run(capsys, BACK_PAIN, "--elsewhere", elsewhere)
    assert status == 1
    assert "duplicate-service-elsewhere" in out
    assert "INT-ELSEWHERE" in out


# ------------------------------------------------------------------ output formats


def test_json_output_is_a_valid_fhir_operation_outcome(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = _run(capsys, BACK_PAIN, "--format", "json")
    assert status == 1
    assert err == ""
    outcome = json.loads(out)
    _fhir(outcome)
    assert out.startswith('{\n  "resourceType": "OperationOutcome"')
    codes = [i["details"]["coding"][0]["code"] for i in outcome["issue"]]
    assert codes == ["goal-unserved"]
    assert outcome["issue"][0]["expression"] == ["case.plans[0].goals[1]"]
    urls = [e["url"] for e in outcome["extension"]]
    assert EXTENSION_BASE + "as-of" in urls
    assert LINE_EXTENSION not in urls


def test_a_sound_plan_is_one_information_issue_in_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = _run(capsys, BRAIN_INJURY, "--format", "json")
    assert status == 0
    outcome = json.loads(out)
    _fhir(outcome)
    assert [i["severity"] for i in outcome["issue"]] == ["information"]


# -------------------------------------------------------------- programme matching


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("OHSxtra", "ohsxtra"),
        ("ohsxtra", "ohsxtra"),
        ("Virtual Ward", "virtual-ward"),
        ("virtual_ward", "virtual-ward"),
        ("  Virtual   Ward ", "virtual-ward"),
        ("Rehabilitation Code", "rehabilitation-code"),
        ("Personal injury rehabilitation (Rehabilitation Code)", "rehabilitation-code"),
        ("Guided Care", "guided-care"),
        ("Guided Care (Johns Hopkins) pilot", "guided-care"),
        ("Virtual Ward (Croydon, Wandsworth, Devon) phase 2", "virtual-ward"),
        ("Evercare-2", "evercare"),
        ("Evercarers", "generic"),
        ("Pacemaker clinic", "generic"),
        ("", "generic"),
        ("Something else", "generic"),
    ],
)
def test_a_case_programme_is_matched_to_a_preset(name: str, key: str) -> None:
    assert programme_for(name).key == key


def test_every_preset_matches_its_own_key_and_name() -> None:
    for key, preset in PROGRAMMES.items():
        assert programme_for(key) is preset
        assert programme_for(preset.name.upper()) is preset


@pytest.mark.parametrize(
    ("case_programme", "option", "vocational_missing"),
    [
        ("OHSxtra", None, True),
        ("OHS xtra", None, False),  # no preset: generic rules
        ("OHSxtra", "generic", False),  # the option wins
        ("Something else", "ohsxtra", True),
    ],
)
def test_the_programme_decides_the_rules(
    case_programme: str,
    option: str | None,
    vocational_missing: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    record = _with_goal_domain(_record(BACK_PAIN), "G-RTW", GoalDomain.HEALTH)
    record = record.with_case(attrs.evolve(record.case, programme=case_programme))
    path = _write(tmp_path / "record.json", record)
    extra = [] if option is None else ["--programme", option]
    status, out, _ = _run(capsys, path, *extra)
    assert status == 1
    assert ("vocational-goal-missing" in out) is vocational_missing


def test_a_bare_plan_gets_the_generic_programme(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _with_goal_domain(_record(BACK_PAIN), "G-RTW", GoalDomain.HEALTH)
    path = _write(tmp_path / "plan.json", _plan(record))
    _, out, _ = _run(capsys, path)
    assert "vocational-goal-missing" not in out
    _, out, _ = _run(capsys, path, "--programme", "ohsxtra")
    assert "vocational-goal-missing" in out


# ------------------------------------------------------------------------ the day


def test_the_default_day_is_the_latest_the_plan_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _record(VIRTUAL_WARD)
    plan = _plan(record)
    assert plan_as_of(plan) == pendulum.Date(2026, 3, 20)
    later = OnwardReferral(
        to="Falls clinic",
        sent_on=pendulum.Date(2026, 3, 25),
        acknowledged_on=pendulum.Date(2026, 4, 2),
    )
    plan = attrs.evolve(plan, onward_referrals=(*plan.onward_referrals, later))
    assert plan_as_of(plan) == pendulum.Date(2026, 4, 2)
    path = _write(tmp_path / "record.json", _with_plan(record, plan))
    _, out, _ = _run(capsys, path)
    assert out.startswith("care plan PLAN-VW-2281 version 1 as of 2026-04-02: ")
    # The day is the plan's own, not the latest in the record.
    _, out, _ = _run(capsys, path, "--format", "json")
    as_of = [e for e in json.loads(out)["extension"] if e["url"] == EXTENSION_BASE + "as-of"]
    assert as_of == [{"url": EXTENSION_BASE + "as-of", "valueDate": "2026-04-02"}]


def test_the_default_day_ignores_other_plan_versions_and_the_clock() -> None:
    record = _record(BRAIN_INJURY)
    first, current = record.case.plans
    assert plan_as_of(current) >= current.created_on
    assert plan_as_of(first) <= plan_as_of(current)
    assert plan_as_of(current) == plan_as_of(current)


def test_as_of_sets_the_day(capsys: pytest.CaptureFixture[str]) -> None:
    record = _record(VIRTUAL_WARD)
    status, out, _ = _run(capsys, VIRTUAL_WARD, "--as-of", "2026-09-30")
    day = pendulum.Date(2026, 9, 30)
    assert out == f"{_expected(record, programme_for(record.case.programme), day)}\n"
    assert " as of 2026-09-30: " in out.splitlines()[0]
    assert status == 1  # the review is overdue by then


# ------------------------------------------------------------------------ JSON lines


def _mixed_lines(tmp_path: Path) -> tuple[Path, list[int]]:
    """Good, erroneous and unreadable lines, with a blank line; the numbers of the
    unreadable ones."""
    bad_status = to_document(_record(BRAIN_INJURY))
    bad_status["case"]["status"] = MARKER
    lines: list[str | bytes] = [
        dump_json(_record(VIRTUAL_WARD)),  # 1: ok (a warning)
        dump_json(_record(BACK_PAIN)),  # 2: errors
        "",  # 3: blank, skipped
        '{"schema_version": 1, "document_kind": "care-plan", "id": ',  # 4: not JSON
        json.dumps(bad_status),  # 5: invalid document
        dump_json(_plan(_record(BRAIN_INJURY))),  # 6: a bare plan: errors (no funding)
        "   ",  # 7: blank
        b"\xff\xfe\x00" + MARKER.encode(),  # 8: not UTF-8
    ]
    return _write_lines(tmp_path / "plans.jsonl", lines), [4, 5, 8]


def test_json_lines_give_one_outcome_per_line_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, unreadable = _mixed_lines(tmp_path)
    status, out, err = _run(capsys, path, "--format", "json")
    assert status == 2
    outcomes = [json.loads(line) for line in out.splitlines()]
    assert [_line_of(o) for o in outcomes] == [1, 2, 4, 5, 6, 8]
    for outcome in outcomes:
        _fhir(outcome)
        assert outcome["extension"][0]["url"] == LINE_EXTENSION
        fatal = [i for i in outcome["issue"] if i["severity"] == "fatal"]
        assert bool(fatal) is (_line_of(outcome) in unreadable)
    by_line = {_line_of(o): o for o in outcomes}
    assert [i["severity"] for i in by_line[1]["issue"]] == ["warning"]
    assert "error" in {i["severity"] for i in by_line[2]["issue"]}
    assert by_line[4]["issue"] == [
        {
            "severity": "fatal",
            "code": "structure",
            "details": {"text": "$: is not valid JSON at column 59"},
            "expression": ["$this"],
        }
    ]
    (issue,) = by_line[5]["issue"]
    assert issue["expression"] == ["case.status"]
    assert issue["details"]["text"].startswith("$.case.status: ")
    assert by_line[8]["issue"][0]["expression"] == ["$this"]
    for line in out.splitlines():  # compact
        assert line.startswith('{"resourceType":"OperationOutcome","extension":[{"url":')
    # Each unreadable line is reported on standard error with its number.
    lines = err.splitlines()
    assert {line.split(": ")[1] for line in lines} == {f"{path}:{n}" for n in unreadable}
    assert MARKER not in out + err
    assert "Traceback" not in err


def test_json_lines_as_text_separate_reports_and_count_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = _mixed_lines(tmp_path)
    status, out, _ = _run(capsys, path)
    assert status == 2
    blocks = out.split("\n\n")
    assert len(blocks) == 7
    assert [b.splitlines()[0] for b in blocks[:-1]] == [f"{path}:{n}" for n in (1, 2, 4, 5, 6, 8)]
    assert blocks[0].splitlines()[1].startswith("care plan PLAN-VW-2281 version 1 as of ")
    assert blocks[2].splitlines()[1].startswith("not validated:")
    assert blocks[-1] == "6 plans: 1 ok, 2 with errors, 3 unreadable\n"


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson", ".JSONL"])
def test_json_lines_of_sound_plans_exit_0(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines: list[str | bytes] = [dump_json(_record(BRAIN_INJURY)), dump_json(_record(VIRTUAL_WARD))]
    path = _write_lines(tmp_path / f"plans{suffix}", lines)
    status, out, err = _run(capsys, path)
    assert (status, err) == (0, "")
    assert out.endswith("\n2 plans: 2 ok, 0 with errors, 0 unreadable\n")


def test_json_lines_with_errors_but_all_readable_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines: list[str | bytes] = [dump_json(_record(BACK_PAIN)), dump_json(_record(BRAIN_INJURY))]
    path = _write_lines(tmp_path / "plans.jsonl", lines)
    status, out, err = _run(capsys, path, "--format", "json")
    assert (status, err) == (1, "")
    assert [_line_of(json.loads(line)) for line in out.splitlines()] == [1, 2]


def test_empty_json_lines_are_zero_plans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "none.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    assert _run(capsys, path) == (0, "0 plans: 0 ok, 0 with errors, 0 unreadable\n", "")


def test_a_utf16_json_lines_file_is_one_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wide.jsonl"
    path.write_bytes((dump_json(_record(BRAIN_INJURY)) + "\n").encode("utf-16"))
    status, out, err = _run(capsys, path, "--format", "json")
    assert (status, out) == (2, "")
    assert err.splitlines() == [
        f"casemgmt: {path}: $: is not UTF-8 text"
        " (it starts with a UTF-16 or UTF-32 byte-order mark)"
    ]


# ------------------------------------------------------------------------ progress


def test_progress_shows_on_a_terminal_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines: list[str | bytes] = [*[dump_json(_record(VIRTUAL_WARD))] * 3, "not json"]
    path = _write_lines(tmp_path / "plans.jsonl", lines)
    terminal = FakeTTY()
    out = io.StringIO()
    status = run(str(path), out=out, err=terminal)
    assert status == 2
    shown = terminal.getvalue()
    assert "\rvalidating 1/4 plans" in shown
    assert shown.endswith("\rvalidating 4/4 plans\n")
    # The problem starts on a line of its own.
    problem = f"casemgmt: {path}:4: $: is not valid JSON at column 1"
    assert f"\r{problem}\n" in shown

    status = run(str(path), out=io.StringIO(), err=(not_a_terminal := io.StringIO()))
    assert not_a_terminal.getvalue() == f"{problem}\n"

    _, _, err = _run(capsys, path)
    assert "validating" not in err


def test_progress_through_main_uses_standard_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_lines(tmp_path / "plans.jsonl", [dump_json(_record(BRAIN_INJURY))])
    terminal = FakeTTY()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["validate", str(path)]) == 0
    assert terminal.getvalue() == "\rvalidating 1/1 plans\n"
    capsys.readouterr()


def test_no_progress_for_a_single_document(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = FakeTTY()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["validate", str(BRAIN_INJURY)]) == 0
    assert terminal.getvalue() == ""


# --------------------------------------------------------------------- hostile input


def _hostile() -> dict[str, bytes]:
    name = json.dumps(MARKER)
    record = to_document(_record(BACK_PAIN))
    record["client"]["name"]["given"] = MARKER
    record["case"]["status"] = MARKER
    provider = to_document(_record(BACK_PAIN).providers[0])
    provider["name"] = MARKER
    return {
        "huge-float": f'{{"name": {name}, "version": 1e999999}}'.encode(),
        "huge-negative-float": f'{{"name": {name}, "version": -1e999999}}'.encode(),
        "huge-int": f'{{"name": {name}, "version": {"7" * 100_000}}}'.encode(),
        "deep-arrays": f"[{name}, ".encode() + b"[" * 100_000 + b"]" * 100_000 + b"]",
        "deep-objects": b'{"a": ' * 100_000 + name.encode() + b"}" * 100_000,
        "utf-16": json.dumps(record).encode("utf-16"),
        "utf-16-be": b"\xfe\xff" + json.dumps({"name": MARKER}).encode("utf-16-be"),
        "latin-1-bom-like": b"\xff\xfe\x00",
        "latin-1": json.dumps({"name": f"{MARKER} Zoë"}, ensure_ascii=False).encode("latin-1"),
        "empty": b"",
        "blank": b" \n\t\r\n",
        "binary": bytes(range(256)) + MARKER.encode() + bytes(range(255, -1, -1)),
        "nul-bytes": b"\x00" * 64,
        "array": json.dumps([MARKER, record]).encode(),
        "string": name.encode(),
        "number": b"42",
        "null": b"null",
        "wrong-kind": json.dumps(provider).encode(),
        "no-kind": json.dumps({"schema_version": 1, "name": MARKER}).encode(),
        "invalid-record": json.dumps(record).encode(),
        "nan": f'{{"name": {name}, "x": NaN}}'.encode(),
        "infinity": f'{{"name": {name}, "x": -Infinity}}'.encode(),
        "truncated": f'{{"name": {name}, "plans": ['.encode(),
        "trailing-garbage": json.dumps(record).encode() + b" " + MARKER.encode(),
        "lone-surrogate": f'{{"name": "\\ud800 {MARKER}", "document_kind": 7}}'.encode(),
    }


HOSTILE = _hostile()


def _assert_refused(path: Path, status: int, out: str, err: str, prefix: str | None = None) -> None:
    assert status == 2
    assert out == ""
    assert "Traceback" not in err
    assert MARKER not in err
    lines = err.splitlines()
    assert lines
    for line in lines:
        assert line.startswith(f"casemgmt: {prefix or path}: "), line


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("output", ["text", "json"])
def test_hostile_plan_files_exit_2_with_one_line_per_problem(
    name: str, output: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"{name}.json"
    path.write_bytes(HOSTILE[name])
    status, out, err = _run(capsys, path, "--format", output)
    _assert_refused(path, status, out, err)


def test_hostile_messages_say_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = {
        "huge-float": "$: holds a number too large to load",
        "huge-int": "$: holds a number too large to load",
        "deep-arrays": "$: is nested too deeply to load",
        "utf-16": "$: is not UTF-8 text (it starts with a UTF-16 or UTF-32 byte-order mark)",
        "latin-1": "$: is not UTF-8 text (byte 20 cannot be decoded)",
        "empty": "$: is empty: expected a JSON document",
        "array": "$: expected a JSON object: a 'care-plan' or 'case-record' document",
        "wrong-kind": "$.document_kind: expected 'care-plan' or 'case-record'",
        "no-kind": "$.document_kind: is required: 'care-plan' or 'case-record'",
        "nan": "$: is not valid JSON (NaN and Infinity are not JSON numbers)",
        "truncated": "$: is not valid JSON at line 1, column 31",
    }
    for name, message in expected.items():
        path = tmp_path / f"{name}.json"
        path.write_bytes(HOSTILE[name])
        _, _, err = _run(capsys, path)
        assert err.splitlines() == [f"casemgmt: {path}: {message}"], name


def test_an_invalid_record_lists_every_problem_by_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "invalid.json"
    path.write_bytes(HOSTILE["invalid-record"])
    status, out, err = _run(capsys, path)
    _assert_refused(path, status, out, err)
    assert [line.split(": ")[2] for line in err.splitlines()] == ["$.case.status"]


@pytest.mark.parametrize("output", ["text", "json"])
def test_a_directory_or_missing_file_exits_2(
    output: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(capsys, tmp_path, "--format", output)
    _assert_refused(tmp_path, status, out, err)
    assert "cannot read the file" in err
    missing = tmp_path / "missing.jsonl"
    status, out, err = _run(capsys, missing, "--format", output)
    _assert_refused(missing, status, out, err)
    assert err == f"casemgmt: {missing}: cannot read the file (No such file or directory)\n"


SINGLE_LINE_HOSTILE = sorted(
    name for name, data in HOSTILE.items() if b"\n" not in data and data.strip()
)


@pytest.mark.parametrize("name", SINGLE_LINE_HOSTILE)
def test_hostile_json_lines_are_reported_by_line(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = HOSTILE[name]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = b"x" + data  # not at the start of the file
    good = dump_json(_record(VIRTUAL_WARD)).encode()
    path = _write_lines(tmp_path / "plans.jsonl", [good, data, good])
    status, out, err = _run(capsys, path, "--format", "json")
    assert status == 2
    assert "Traceback" not in err
    assert MARKER not in out + err
    for line in err.splitlines():
        assert line.startswith(f"casemgmt: {path}:2: "), line
    outcomes = [json.loads(line) for line in out.splitlines()]
    assert [_line_of(o) for o in outcomes] == [1, 2, 3]
    for outcome in outcomes:
        _fhir(outcome)
    assert {i["severity"] for i in outcomes[1]["issue"]} == {"fatal"}
    assert len(outcomes[1]["issue"]) == len(err.splitlines())


@pytest.mark.parametrize(
    ("count", "problem"),
    [
        (5000, "$.case.plans[0].interventions[1].frequency.count: must be at most 1000"),
        (int("9" * 4000), "$: holds a number too large to load"),
    ],
)
def test_absurd_frequencies_are_refused(
    count: int, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = to_document(_record(BACK_PAIN))
    record["case"]["plans"][-1]["interventions"][1]["frequency"]["count"] = count
    path = _write_json(tmp_path / "big.json", record)
    assert main(["demo", str(path)]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"casemgmt: {path}: {problem}\n")
    status, out, err = _run(capsys, path)
    assert (status, out, err) == (2, "", f"casemgmt: {path}: {problem}\n")


@pytest.mark.parametrize("error", [ValueError, OverflowError, RecursionError])
def test_a_failure_inside_validation_exits_2_without_a_traceback(
    error: type[Exception],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def failing(*args: object, **kwargs: object) -> PlanValidationReport:
        raise error(MARKER)

    monkeypatch.setattr("casemgmt._validate_cli.validate_plan", failing)
    status, out, err = _run(capsys, BRAIN_INJURY)
    _assert_refused(BRAIN_INJURY, status, out, err)
    path = _write_lines(tmp_path / "plans.jsonl", [dump_json(_record(BRAIN_INJURY))])
    status, out, err = _run(capsys, path)
    assert status == 2
    assert out.endswith("1 plan: 0 ok, 0 with errors, 1 unreadable\n")
    assert MARKER not in out + err


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("provider_id", f"{MARKER}\nerror P1 forged $.goals: line"),
        ("provider_id", f"\x1b[2J{MARKER}"),
        ("funding_stream_id", f"\ud800{MARKER}"),
        ("funding_stream_id", f"{MARKER} " * 20),
    ],
)
@pytest.mark.parametrize("output", ["text", "json"])
def test_references_that_are_not_identifiers_are_refused_not_echoed(
    field: str, value: str, output: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = to_document(_plan(_record(BRAIN_INJURY)))
    document["interventions"][1][field] = value
    path = _write_json(tmp_path / "plan.json", document)
    status, out, err = _run(capsys, path, "--format", output)
    _assert_refused(path, status, out, err)
    if "\ud800" in value:  # not even valid Unicode: refused by the parser
        expected = "$: holds a string that is not valid Unicode (a lone surrogate)"
    else:
        expected = (
            f"$.interventions[1].{field}: is not an identifier "
            "(1-64 letters, digits, '.', '_', ':' or '-')"
        )
    assert err.splitlines() == [f"casemgmt: {path}: {expected}"]


def test_a_utf8_byte_order_mark_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + BRAIN_INJURY.read_bytes())
    assert _run(capsys, path)[0] == 0


# ----------------------------------------------------------- funding, providers ...


@pytest.mark.parametrize("option", ["--funding", "--providers", "--elsewhere"])
@pytest.mark.parametrize("name", ["huge-int", "deep-arrays", "latin-1", "empty", "nan", "string"])
def test_hostile_supporting_files_exit_2(
    option: str, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(HOSTILE[name])
    status, out, err = _run(capsys, BRAIN_INJURY, option, bad)
    _assert_refused(bad, status, out, err)


def test_a_bad_element_of_an_array_is_reported_by_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    streams = [to_document(s) for s in _record(BRAIN_INJURY).funding_streams]
    broken = dict(streams[0], id=MARKER + "!")
    del broken["kind"]
    documents = [*streams, 7, {**streams[0], "name": MARKER, "document_kind": "provider"}, broken]
    funding = _write_json(tmp_path / "funding.json", documents)
    first = len(streams)
    status, out, err = _run(capsys, BRAIN_INJURY, "--funding", funding)
    _assert_refused(funding, status, out, err)
    paths = [line.split(": ")[2] for line in err.splitlines()]
    assert f"$[{first}]" in paths
    assert f"$[{first + 1}].document_kind" in paths
    assert f"$[{first + 2}].kind" in paths


def test_a_provider_file_of_the_wrong_kind_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = _write(tmp_path / "stream.json", _record(BRAIN_INJURY).funding_streams[0])
    status, out, err = _run(capsys, BRAIN_INJURY, "--providers", stream)
    _assert_refused(stream, status, out, err)
    assert f"casemgmt: {stream}: $.document_kind: expected 'provider'" in err.splitlines()


def test_supplied_streams_may_repeat_the_records_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _record(BRAIN_INJURY)
    funding = _write_json(tmp_path / "funding.json", [to_document(record.funding_streams[0])])
    assert _run(capsys, BRAIN_INJURY, "--funding", funding, "--funding", funding)[0] == 0


def test_a_different_stream_with_a_records_id_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _record(BRAIN_INJURY)
    other = attrs.evolve(record.funding_streams[0], name="Another budget")
    funding = _write(tmp_path / "funding.json", other)
    status, out, err = _run(capsys, BRAIN_INJURY, "--funding", funding)
    _assert_refused(BRAIN_INJURY, status, out, err)
    assert err.splitlines() == [
        f"casemgmt: {BRAIN_INJURY}: $.funding_streams[0].id: a different funding stream "
        "with this id is given by --funding"
    ]
    # Two supplied files that disagree are refused before any plan is read.
    again = _write(tmp_path / "again.json", record.funding_streams[0])
    status, out, err = _run(capsys, BRAIN_INJURY, "--funding", funding, "--funding", again)
    _assert_refused(again, status, out, err)
    assert "$.id: repeats the id of a different funding stream given earlier" in err


# ---------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--programme", "castle"], "invalid choice"),
        (["--as-of", "2026-02-30"], "not a date as YYYY-MM-DD"),
        (["--format", "xml"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(BRAIN_INJURY), *args]) == 2
    assert message in capsys.readouterr().err


def test_validate_without_a_plan_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 2
    assert "usage: casemgmt validate" in capsys.readouterr().err


def test_help_lists_the_programmes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--help"]) == 0
    out = capsys.readouterr().out
    for key in PROGRAMMES:
        assert key in out


# ---------------------------------------------------------------- no personal data


def _planted(path: Path) -> tuple[CaseRecord, list[str]]:
    record = _record(path)
    client = attrs.evolve(
        record.client,
        name=PersonName(given=MARKER, family="Quux"),
        nhs_number=NhsNumber(value="9434765919"),
    )
    plan = _plan(record)
    goals = tuple(
        attrs.evolve(g, description=f"{MARKER} walks", target=f"{MARKER} target")
        for g in plan.goals
    )
    plan = attrs.evolve(plan, goals=goals)
    record = attrs.evolve(record, client=client)
    record = _with_plan(record, plan)
    secrets = [MARKER, "Quux", "9434765919", "943 476 5919", client.date_of_birth.isoformat()]
    if client.address is not None:
        secrets += list(client.address.lines)
    return record, secrets


@pytest.mark.parametrize("example", [BRAIN_INJURY, BACK_PAIN, VIRTUAL_WARD], ids=lambda p: p.stem)
def test_no_personal_data_in_any_output(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record, secrets = _planted(example)
    single = _write(tmp_path / "record.json", record)
    lines = _write_lines(tmp_path / "records.jsonl", [dump_json(record), dump_json(_plan(record))])
    for args in ([single], [single, "--format", "json"], [lines], [lines, "--format", "json"]):
        _, out, err = _run(capsys, *args)
        for secret in secrets:
            assert secret not in out + err, (args, secret)


def test_the_demo_shows_each_plans_validation(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["demo", str(BRAIN_INJURY), str(BACK_PAIN), str(VIRTUAL_WARD)])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    assert "Care plan validation (as of 2026-05-06, programme rehabilitation-code)\n" in out
    assert "Care plan validation (as of 2026-04-24, programme ohsxtra)\n" in out
    assert "  error P4 goal-unserved $.case.plans[0].goals[1]: " in out
    assert "Care plan validation (as of 2026-03-20, programme virtual-ward)\n" in out


def test_the_demo_validates_on_its_as_of_day(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--as-of", "2026-09-30", str(VIRTUAL_WARD)]) == 0
    out = capsys.readouterr().out
    assert "Care plan validation (as of 2026-09-30, programme virtual-ward)\n" in out
    assert "review-overdue" in out


def test_the_demo_says_when_there_is_no_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _record(BACK_PAIN)
    path = _write(tmp_path / "no-plan.json", record.with_case(attrs.evolve(record.case, plans=())))
    assert main(["demo", str(path)]) == 0
    assert "Care plan validation: no care plan yet" in capsys.readouterr().out


def test_generic_is_the_fallback() -> None:
    assert programme_for("no such programme") is GENERIC
