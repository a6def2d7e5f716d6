"""``casemgmt caseload``: the caseload report and the allocation against the library's own
results, the JSON output, the default day, exit statuses and files that cannot be used.

The tests call :func:`casemgmt.cli.main` and read what it printed. Inputs are the example
team in ``examples/team`` and small teams built in ``tmp_path``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest

from casemgmt import _caseload_cli
from casemgmt.cli import main
from casemgmt.model import (
    CaseManager,
    CaseManagerId,
    PersonName,
    Profession,
    Registration,
    Regulator,
    Specialism,
    TeamId,
)
from casemgmt.policies import RiskTier
from casemgmt.rules import Severity
from casemgmt.serialization import dump_json, load_json, to_document
from casemgmt.services import (
    AllocationMethod,
    CaseloadStatus,
    CaseProfile,
    Team,
    TeamCaseloadStatus,
    TeamMember,
    allocate,
    team_caseload_status,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE = EXAMPLES / "team" / "team.json"
CASE_RECORD = EXAMPLES / "virtual-ward-older-person.json"
AS_OF = pendulum.Date(2026, 11, 23)
DAY = AS_OF.isoformat()

MARKER = "Zebedee"
"""Planted in bad input: no message may repeat it."""

HOLDER_LINE = re.compile(
    r"^(?P<holder>\S+)\s+cases (?P<cases>\d+)\s+load (?P<load>[\d.]+)/(?P<soft>[\d.]+) "
    r"\(hard (?P<hard>[\d.]+)\)\s+headroom (?P<headroom>-?[\d.]+)\s+"
    r"high-risk (?P<high>\d+)/(?P<cap>\d+)$"
)


# ----------------------------------------------------------------------- helpers


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    status = main(["caseload", *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


def _example() -> Team:
    return load_json(Team, EXAMPLE.read_text(encoding="utf-8"))


def _status(team: Team, as_of: pendulum.Date = AS_OF) -> TeamCaseloadStatus:
    return team_caseload_status(
        team.managers, team.caseloads(), policy=team.caseload_policy(), as_of=as_of
    )


def _nurse(
    id: str,
    *,
    specialisms: Sequence[Specialism] = (),
    fte: float = 1.0,
    locality: str = "LS6",
    team_id: str | None = None,
) -> CaseManager:
    return CaseManager(
        id=CaseManagerId(id),
        name=PersonName(given="Sam", family="Lee"),
        profession=Profession.NURSE,
        registration=Registration(body=Regulator.NMC, number="01A2345E"),
        specialisms=frozenset(specialisms),
        fte=fte,
        locality=locality,
        team_id=None if team_id is None else TeamId(team_id),
    )


def _cases(prefix: str, count: int, tier: RiskTier = RiskTier.MEDIUM) -> tuple[CaseProfile, ...]:
    return tuple(
        CaseProfile(id=f"{prefix}-{i:03d}", risk_tier=tier, opened_on=pendulum.Date(2026, 1, 5))
        for i in range(count)
    )


def _team(
    members: Sequence[tuple[CaseManager, Sequence[CaseProfile]]],
    referrals: Sequence[CaseProfile] = (),
    policy: str = "dh-community-matron",
) -> Team:
    return Team(
        policy=policy,
        members=tuple(TeamMember(manager=m, cases=tuple(c)) for m, c in members),
        referrals=tuple(referrals),
    )


def _write(path: Path, team: Team) -> Path:
    path.write_text(dump_json(team, indent=2), encoding="utf-8")
    return path


def _write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def _holder_lines(text: str) -> dict[str, re.Match[str]]:
    found: dict[str, re.Match[str]] = {}
    for line in text.splitlines():
        match = HOLDER_LINE.match(line)
        if match is not None:
            found[match["holder"]] = match
    return found


def _assert_line_matches(match: re.Match[str], status: CaseloadStatus) -> None:
    assert int(match["cases"]) == status.cases
    assert match["load"] == f"{status.load:.1f}"
    assert match["soft"] == f"{status.soft_limit:.1f}"
    assert match["hard"] == f"{status.hard_limit:.1f}"
    assert match["headroom"] == f"{status.headroom:.1f}"
    assert int(match["high"]) == status.high_risk
    assert int(match["cap"]) == status.high_risk_cap


def _assert_json_matches(item: dict[str, Any], status: CaseloadStatus) -> None:
    assert item["holder"] == status.holder
    assert item["cases"] == status.cases
    assert item["load"] == pytest.approx(status.load)
    assert item["soft_limit"] == pytest.approx(status.soft_limit)
    assert item["hard_limit"] == pytest.approx(status.hard_limit)
    assert item["headroom"] == pytest.approx(status.headroom)
    assert item["high_risk"] == status.high_risk
    assert item["high_risk_cap"] == status.high_risk_cap
    assert item["ok"] is status.ok
    assert [(f["rule_id"], f["code"], f["severity"]) for f in item["findings"]] == [
        (f.rule_id, f.code, f.severity.value) for f in status.findings
    ]


# ------------------------------------------------------------ the example team


def test_the_example_is_a_valid_team_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate-document", "team", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out == "ok\n"
    team = _example()
    assert team.policy == "dh-community-matron"
    assert 5 <= len(team.members) <= 6
    assert any(m.fte == 0.6 for m in team.managers)
    assert any(m.non_clinical_share == 0.3 for m in team.managers)
    assert all(m.profession is Profession.NURSE for m in team.managers)
    assert all(m.registration is not None for m in team.managers)
    assert all(m.registration.body is Regulator.NMC for m in team.managers if m.registration)


def test_the_example_shows_a_warning_a_breach_and_every_kind_of_referral() -> None:
    team = _example()
    codes = {
        (status.holder, finding.code, finding.severity)
        for status in _status(team).members
        for finding in status.findings
    }
    assert any(c[1:] == ("over-soft-limit", Severity.WARNING) for c in codes)
    assert any(c[1:] == ("high-risk-over-cap", Severity.ERROR) for c in codes)
    referrals = team.referrals
    assert 7 <= len(referrals) <= 10
    assert sum(r.is_high_risk for r in referrals) >= 2
    assert any(r.previous_manager_id in {m.id for m in team.managers} for r in referrals)
    only_one = [
        r
        for r in referrals
        if r.needs and sum(r.needs <= m.specialisms for m in team.managers) == 1
    ]
    assert only_one, "a referral needing a specialism only one case manager has"


def test_text_lists_every_manager_with_load_headroom_and_findings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    team = _example()
    expected = _status(team)
    status, out, err = _run(capsys, EXAMPLE, "--as-of", DAY)
    assert status == 1  # CM-02 is over the high-risk cap
    assert err == ""
    lines = _holder_lines(out)
    assert set(lines) == {s.holder for s in expected.members}
    for member in expected.members:
        _assert_line_matches(lines[member.holder], member)
        for finding in member.findings:
            assert f"  {finding}" in out
            assert f"({finding.rule_id})" in out
    breaches = sum(f.severity is Severity.ERROR for m in expected.members for f in m.findings)
    warnings = sum(f.severity is Severity.WARNING for m in expected.members for f in m.findings)
    team_line = [line for line in out.splitlines() if line.startswith("Team ")]
    assert len(team_line) == 1
    assert f"cases {expected.cases}" in team_line[0]
    assert f"load {expected.load:.1f}" in team_line[0]
    assert f"headroom {expected.headroom:.1f}" in team_line[0]
    assert f"{breaches} breach" in team_line[0]
    assert f"{warnings} warnings" in team_line[0]
    assert "Allocation" not in out


def test_the_breach_and_the_warning_are_printed_with_their_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = _run(capsys, EXAMPLE, "--as-of", DAY)
    assert re.search(r"^  warning over-soft-limit \(C2\): .*\([\d.]+ against 50\)$", out, re.M)
    assert re.search(r"^  error high-risk-over-cap \(C3\): .*\(9 against 7\)$", out, re.M)
    assert "dh-community-matron" in out
    assert f"As of {DAY} (given)" in out


def test_allocate_prints_every_referral_and_the_statuses_after(
    capsys: pytest.CaptureFixture[str],
) -> None:
    team = _example()
    expected = allocate(
        team.referrals,
        team.managers,
        team.caseloads(),
        policy=team.caseload_policy(),
        as_of=AS_OF,
    )
    status, out, err = _run(capsys, EXAMPLE, "--as-of", DAY, "--allocate")
    assert status == 1
    assert err == ""
    assert f"Allocation of {len(team.referrals)} referrals (auto: exact" in out
    for assignment in expected.assignments:
        assert f"{assignment.referral_id} -> {assignment.manager_id} (cost " in out
        for finding in assignment.findings:
            assert f"  {finding}" in out
    for unplaced in expected.unplaced:
        assert re.search(rf"^{unplaced.referral_id} unplaced$", out, re.M)
        assert unplaced.findings
        for finding in unplaced.findings:
            assert f"  {finding}" in out
    placed = {a.referral_id for a in expected.assignments}
    left = {u.referral_id for u in expected.unplaced}
    assert placed | left == {r.id for r in team.referrals}
    assert expected.unplaced, "the example shows an unplaced referral"
    assert any(f.code == "continuity-kept" for a in expected.assignments for f in a.findings)
    assert f"Objective {expected.objective:.1f}" in out
    before, _, after = out.partition("Caseloads after allocation")
    assert after
    after_lines = _holder_lines(after)
    for member in expected.statuses:
        _assert_line_matches(after_lines[member.holder], member)
    for member in _status(team).members:
        _assert_line_matches(_holder_lines(before)[member.holder], member)


def test_referrals_are_listed_in_id_order(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, EXAMPLE, "--allocate")
    listed = re.findall(r"^(R-\d+) (?:->|unplaced)", out, re.M)
    assert listed == sorted(r.id for r in _example().referrals)


def test_json_is_valid_and_has_the_same_numbers_as_the_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, text, _ = _run(capsys, EXAMPLE, "--as-of", DAY, "--allocate")
    status, out, err = _run(capsys, EXAMPLE, "--as-of", DAY, "--allocate", "--format", "json")
    assert status == 1
    assert err == ""
    report = json.loads(out)
    team = _example()
    expected = _status(team)
    assert report["policy"] == "dh-community-matron"
    assert report["as_of"] == DAY
    assert report["as_of_source"] == "option"
    assert report["ok"] is False
    for item, member in zip(report["members"], expected.members, strict=True):
        _assert_json_matches(item, member)
    lines = _holder_lines(text.partition("Caseloads after allocation")[0])
    for item in report["members"]:
        line = lines[item["holder"]]
        assert line["load"] == f"{item['load']:.1f}"
        assert line["headroom"] == f"{item['headroom']:.1f}"
        assert int(line["cases"]) == item["cases"]
    assert report["team"]["cases"] == expected.cases
    assert report["team"]["load"] == pytest.approx(expected.load)
    assert report["team"]["findings"] == []
    allocation = report["allocation"]
    assert allocation["method"] == "exact"
    assert allocation["referrals"] == len(team.referrals)
    ids = [a["referral_id"] for a in allocation["assignments"]]
    ids += [u["referral_id"] for u in allocation["unplaced"]]
    assert sorted(ids) == sorted(r.id for r in team.referrals)
    for assignment in allocation["assignments"]:
        assert f"{assignment['referral_id']} -> {assignment['manager_id']}" in text
    assert f"Objective {allocation['objective']:.1f}" in text
    assert allocation["objective"] == pytest.approx(
        allocation["placement_cost"] + allocation["unplaced_cost"] + allocation["over_soft_cost"]
    )
    assert [s["holder"] for s in allocation["statuses"]] == [m.holder for m in expected.members]


def test_json_without_allocate_has_no_allocation(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, EXAMPLE, "--format", "json")
    assert status == 1
    report = json.loads(out)
    assert report["allocation"] is None
    assert report["as_of_source"] == "latest-opened-on"


@pytest.mark.parametrize("method", [m.value for m in AllocationMethod])
def test_every_method_places_without_breaking_a_limit(
    capsys: pytest.CaptureFixture[str], method: str
) -> None:
    status, out, err = _run(capsys, EXAMPLE, "--allocate", "--method", method, "--format", "json")
    assert status == 1, err
    allocation = json.loads(out)["allocation"]
    if method != "auto":
        assert allocation["method"] == method
    before = {m["holder"]: m for m in json.loads(out)["members"]}
    for after in allocation["statuses"]:
        # Allocation never adds a breach: a holder in breach after was in breach before.
        if not after["ok"]:
            assert not before[after["holder"]]["ok"]


# -------------------------------------------------------------------- the day


def test_as_of_defaults_to_the_latest_opened_on(capsys: pytest.CaptureFixture[str]) -> None:
    team = _example()
    latest = max(
        c.opened_on
        for c in (*[c for m in team.members for c in m.cases], *team.referrals)
        if c.opened_on is not None
    )
    assert _caseload_cli.default_as_of(team) == latest
    _, default, _ = _run(capsys, EXAMPLE)
    _, given, _ = _run(capsys, EXAMPLE, "--as-of", latest.isoformat())
    assert f"As of {latest.isoformat()} (the latest opened_on in the file)" in default
    assert _holder_lines(default).keys() == _holder_lines(given).keys()
    for holder, line in _holder_lines(default).items():
        assert line.group(0) == _holder_lines(given)[holder].group(0)


def test_as_of_counts_only_the_cases_open_on_the_day(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cases = (
        CaseProfile(id="C-1", opened_on=pendulum.Date(2026, 1, 5)),
        CaseProfile(id="C-2", opened_on=pendulum.Date(2026, 3, 2)),
        CaseProfile(
            id="C-3", opened_on=pendulum.Date(2025, 6, 1), closed_on=pendulum.Date(2026, 2, 1)
        ),
    )
    path = _write(tmp_path / "team.json", _team([(_nurse("CM-1"), cases)]))
    _, out, _ = _run(capsys, path, "--as-of", "2026-02-01")
    assert _holder_lines(out)["CM-1"]["cases"] == "1"
    _, out, _ = _run(capsys, path)  # the latest opened_on: 2026-03-02
    assert "As of 2026-03-02" in out
    assert _holder_lines(out)["CM-1"]["cases"] == "2"


def test_no_opened_on_and_no_as_of_asks_for_as_of(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    team = _team([(_nurse("CM-1"), (CaseProfile(id="C-1"),))])
    path = _write(tmp_path / "team.json", team)
    status, out, err = _run(capsys, path)
    assert status == 2
    assert out == ""
    assert err.startswith(f"casemgmt: {path}: ")
    assert "--as-of" in err
    status, out, _ = _run(capsys, path, "--as-of", DAY)
    assert status == 0
    assert "cases 1" in out


@pytest.mark.parametrize("value", ["2026-02-30", "23/11/2026", "today"])
def test_a_bad_as_of_is_a_usage_error(capsys: pytest.CaptureFixture[str], value: str) -> None:
    status, _, err = _run(capsys, EXAMPLE, "--as-of", value)
    assert status == 2
    assert "not a date as YYYY-MM-DD" in err


def test_referrals_not_waiting_on_the_day_are_skipped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    referrals = (
        CaseProfile(id="R-1", opened_on=pendulum.Date(2026, 11, 1)),
        CaseProfile(id="R-2", opened_on=pendulum.Date(2026, 12, 1)),
        CaseProfile(
            id="R-3", opened_on=pendulum.Date(2026, 10, 1), closed_on=pendulum.Date(2026, 10, 9)
        ),
    )
    path = _write(tmp_path / "team.json", _team([(_nurse("CM-1"), ())], referrals))
    status, out, _ = _run(capsys, path, "--as-of", DAY, "--allocate")
    assert status == 0
    assert "Allocation of 1 referral (" in out
    assert "R-1 -> CM-1" in out
    assert "R-2 skipped: not waiting on 2026-11-23 (referred later)" in out
    assert "R-3 skipped: not waiting on 2026-11-23 (closed)" in out
    _, out, _ = _run(capsys, path, "--as-of", DAY, "--allocate", "--format", "json")
    assert json.loads(out)["allocation"]["skipped"] == ["R-2", "R-3"]


def test_no_referral_waiting(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _write(tmp_path / "team.json", _team([(_nurse("CM-1"), _cases("C", 3))]))
    status, out, _ = _run(capsys, path, "--allocate")
    assert status == 0
    assert "Allocation: no referral waiting on 2026-01-05" in out


# -------------------------------------------------------------- exit statuses


def test_warnings_only_exit_0(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    heavy = _cases("C", 60)  # 60 medium-risk cases: over the soft limit of 50, not 80
    path = _write(tmp_path / "team.json", _team([(_nurse("CM-1"), heavy)]))
    status, out, err = _run(capsys, path)
    assert status == 0
    assert err == ""
    assert "warning over-soft-limit (C2)" in out
    assert "0 breaches, 1 warning" in out


def test_over_the_hard_limit_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    members = [(_nurse("CM-1"), _cases("A", 81)), (_nurse("CM-2"), _cases("B", 10))]
    path = _write(tmp_path / "team.json", _team(members))
    status, out, _ = _run(capsys, path)
    assert status == 1
    assert "error over-hard-limit (C1)" in out
    assert "(81 against 80)" in out


def test_fte_scales_the_limits(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # 0.6 FTE: soft 30, hard 48, high-risk cap 4.
    path = _write(tmp_path / "team.json", _team([(_nurse("CM-1", fte=0.6), _cases("C", 49))]))
    status, out, _ = _run(capsys, path)
    assert status == 1
    assert "load 49.0/30.0 (hard 48.0)  headroom -1.0  high-risk 0/4" in out


def test_a_team_scoped_policy_reports_per_team(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    members = [
        (_nurse("CM-1", team_id="PACE-A"), _cases("A", 100)),
        (_nurse("CM-2", team_id="PACE-A"), _cases("B", 100)),
        (_nurse("CM-3"), _cases("C", 10)),
    ]
    path = _write(tmp_path / "team.json", _team(members, policy="pace"))
    status, out, _ = _run(capsys, path)
    assert status == 0
    assert "per team" in out
    lines = _holder_lines(out)
    assert lines["PACE-A"]["cases"] == "200"
    assert lines["PACE-A"]["soft"] == "250.0"
    assert re.search(r"^CM-3 \(no team\)\s+cases 10 ", out, re.M)


def test_exact_on_too_many_referrals_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    referrals = _cases("R", 65, RiskTier.LOW)
    path = _write(tmp_path / "team.json", _team([(_nurse("CM-1"), ())], referrals))
    status, out, err = _run(capsys, path, "--allocate", "--method", "exact")
    assert status == 2
    assert out == ""
    assert err.startswith(f"casemgmt: {path}: cannot allocate with --method exact")
    status, out, _ = _run(capsys, path, "--allocate", "--method", "greedy")
    assert status == 0
    assert "Allocation of 65 referrals (greedy)" in out


def test_lp_without_scipy_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_scipy(*args: object, **kwargs: object) -> None:
        raise ImportError("the LP allocation method needs scipy")

    monkeypatch.setattr(_caseload_cli, "allocate", no_scipy)
    status, out, err = _run(capsys, EXAMPLE, "--allocate", "--method", "lp")
    assert status == 2
    assert out == ""
    assert "casemgmt[allocation]" in err


def test_a_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "missing.json"
    status, out, err = _run(capsys, path)
    assert status == 2
    assert out == ""
    assert err == f"casemgmt: {path}: cannot read the file (No such file or directory)\n"


def test_a_folder_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = _run(capsys, tmp_path)
    assert status == 2
    assert err.startswith(f"casemgmt: {tmp_path}: cannot read the file")


@pytest.mark.parametrize(
    "content",
    [
        f"not json {MARKER}".encode(),
        b"",
        b'{"schema_version": 1, "document_kind": "team", "policy": NaN}',
        b"\xff\xfe{}",
        b"[" * 5000 + b"]" * 5000,
    ],
    ids=["text", "empty", "nan", "utf16", "deep"],
)
def test_text_that_is_not_json_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "team.json"
    path.write_bytes(content)
    status, out, err = _run(capsys, path)
    assert status == 2
    assert out == ""
    assert err.startswith(f"casemgmt: {path}: $")
    assert MARKER not in err


def test_another_kind_of_document_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, CASE_RECORD)
    assert status == 2
    assert out == ""
    assert f"casemgmt: {CASE_RECORD}: $.document_kind: expected 'team'" in err.splitlines()


def test_an_invalid_document_names_every_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = to_document(_example())
    document["members"][0]["manager"]["fte"] = 1.5
    document["members"][1]["cases"][2]["risk_tier"] = MARKER
    document["referrals"][0]["opened_on"] = MARKER
    document["members"][2]["manager"]["nickname"] = MARKER
    path = _write_json(tmp_path / "team.json", document)
    status, out, err = _run(capsys, path)
    assert status == 2
    assert out == ""
    prefix = f"casemgmt: {path}: "
    lines = err.splitlines()
    assert all(line.startswith(prefix) for line in lines)
    paths = {line.removeprefix(prefix).partition(": ")[0] for line in lines}
    assert {
        "$.members[0].manager.fte",
        "$.members[1].cases[2].risk_tier",
        "$.referrals[0].opened_on",
    } <= paths
    assert any(p.startswith("$.members[2].manager.") for p in paths)
    assert MARKER not in err.replace(f"{path}", "")


def test_team_invariants_are_reported_with_paths(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = to_document(_example())
    document["policy"] = MARKER
    document["referrals"][1]["id"] = document["referrals"][0]["id"]
    path = _write_json(tmp_path / "team.json", document)
    status, _, err = _run(capsys, path)
    assert status == 2
    assert f"casemgmt: {path}: $.policy: must be one of " in err
    assert f"casemgmt: {path}: $.referrals[1].id: repeats a case or referral" in err
    assert MARKER not in err.replace(f"{path}", "")


def test_a_wrong_schema_version_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    document = to_document(_example())
    document["schema_version"] = 2
    path = _write_json(tmp_path / "team.json", document)
    status, _, err = _run(capsys, path)
    assert status == 2
    assert f"casemgmt: {path}: $.schema_version: this release reads version 1" in err


def test_the_team_document_round_trips() -> None:
    team = _example()
    assert load_json(Team, dump_json(team)) == team
    changed = attrs.evolve(team, referrals=team.referrals[:1])
    assert load_json(Team, dump_json(changed)) == changed
