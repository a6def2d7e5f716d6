"""Every rule can be traced: to its sources, to what applies it, and to the tests that
document it (issue 9). The catalogue (``casemgmt.catalogue``) is what ``casemgmt rules``
prints and what the documentation's catalogue page is generated from.

A rule without a documenting test, or without a citation, fails here; so does an index of
tests (``src/casemgmt/_rule_tests.json``) that the markers no longer match.
"""

from __future__ import annotations

import importlib
import io
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import casemgmt
from casemgmt import _applies
from casemgmt._rules_cli import rules_command
from casemgmt.catalogue import PUBLIC_MODULES, catalogue_document, rule_catalogue
from casemgmt.rules import CHECKS, NOT_APPLIED, RULES, SOURCES

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = {entry.rule.id: entry for entry in rule_catalogue()}
every_rule = pytest.mark.parametrize("rule_id", list(RULES))


@pytest.fixture(scope="module")
def index_tool() -> Any:
    """tools/rule_index.py (a development script, not part of the library)."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        return importlib.import_module("rule_index")
    finally:
        sys.path.pop(0)


def test_the_shipped_index_of_tests_matches_the_markers(index_tool: Any) -> None:
    shipped = json.loads((ROOT / "src" / "casemgmt" / "_rule_tests.json").read_text("utf-8"))
    scanned = index_tool.rule_index(list(RULES), ROOT / "tests", ROOT)
    assert shipped == scanned, "src/casemgmt/_rule_tests.json is out of date: make rule-index"


@every_rule
def test_every_rule_has_a_test_that_documents_it(rule_id: str) -> None:
    tests = ENTRIES[rule_id].documented_by
    assert tests, f"{rule_id}: no test carries @pytest.mark.rule({rule_id!r})"
    for node_id in tests:
        path, _, name = node_id.partition("::")
        assert (ROOT / path).is_file(), node_id
        assert not name or f"def {name.split('::')[-1]}(" in (ROOT / path).read_text("utf-8")


@every_rule
def test_every_rule_is_cited(rule_id: str) -> None:
    entry = ENTRIES[rule_id].rule
    assert entry.sources, f"{rule_id} cites no source"
    for source in entry.sources:
        assert source in SOURCES, f"{rule_id} cites an unknown source {source}"
        assert SOURCES[source].citation.strip()
    assert entry.citation == "; ".join(SOURCES[s].citation for s in entry.sources)


@pytest.mark.rule("A3", "A4", "O2")
def test_a_rule_nothing_applies_says_why_and_only_such_rules_do() -> None:
    """The catalogue is honest both ways: a rule with no check and no function applying it
    is in NOT_APPLIED with what is missing (A3, A4 and O2 today), and a rule in NOT_APPLIED has
    nothing that applies it."""
    unapplied = {
        rule_id for rule_id, entry in ENTRIES.items() if not (entry.applied_by or entry.checks)
    }
    assert unapplied == set(NOT_APPLIED)
    for rule_id, why in NOT_APPLIED.items():
        assert ENTRIES[rule_id].not_applied == why
        assert why.strip().endswith(".")
        assert rule_id not in why
    status, out, _ = _run(*NOT_APPLIED)
    assert status == 0
    assert out.count("Not applied:") == len(NOT_APPLIED)
    assert "Applied by" not in out


def test_applies_marks_only_rules_of_the_catalogue() -> None:
    # applies() checks the shape of an id at import; this checks that it exists.
    marked = set(_applies._APPLIED)
    assert marked <= set(RULES), sorted(marked - set(RULES))


def test_every_function_that_applies_a_rule_has_a_public_name() -> None:
    for entry in rule_catalogue():
        for name in entry.applied_by:
            assert name.startswith(PUBLIC_MODULES), f"{entry.rule.id}: {name} is not public"
            module, _, attribute = next(
                (m, ".", name.removeprefix(m + "."))
                for m in PUBLIC_MODULES
                if name.startswith(m + ".")
            )
            value: object = importlib.import_module(module)
            for part in attribute.split("."):
                value = getattr(value, part)
            assert value is not None


def test_every_rule_with_a_check_is_applied_by_plan_validation() -> None:
    for check in CHECKS.values():
        entry = ENTRIES[check.rule_id]
        assert check in entry.checks
        assert "casemgmt.services.validate_plan" in entry.applied_by, check.rule_id


def test_applies_returns_the_function_itself_and_refuses_malformed_ids() -> None:
    def helper() -> int:
        return 1

    before = {rule_id: list(functions) for rule_id, functions in _applies._APPLIED.items()}
    try:
        assert _applies.applies("O4")(helper) is helper
        assert helper in _applies.applied_by("O4")
    finally:
        _applies._APPLIED.clear()
        _applies._APPLIED.update(before)
    for bad in ((), ("c1",), ("C10",), ("Z1",), ("C0",)):
        with pytest.raises(ValueError, match="rule ids such as 'C1'"):
            _applies.applies(*bad)


# The command -----------------------------------------------------------------------------


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    ids = [a for a in argv if not a.startswith("--")]
    output = "json" if "--json" in argv else "text"
    status = rules_command(ids, output=output, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_the_command_prints_every_rule_with_its_tests_and_citation() -> None:
    status, out, err = _run()
    assert (status, err) == (0, "")
    blocks = out.strip().split("\n\n")
    assert [block.split()[0] for block in blocks] == list(RULES)
    for block, entry in zip(blocks, rule_catalogue(), strict=True):
        flat = " ".join(block.split())
        assert " ".join(entry.rule.citation.split()) in flat
        for name in (*entry.applied_by, *entry.documented_by):
            assert name in block.splitlines()[-1] or f"    {name}" in block


def test_the_command_prints_the_rules_asked_for_in_order_and_any_case() -> None:
    status, out, _ = _run("x1", "C3")
    assert status == 0
    assert [block.split()[0] for block in out.strip().split("\n\n")] == ["X1", "C3"]


def test_the_json_is_the_catalogue_document() -> None:
    status, out, _ = _run("--json")
    assert status == 0
    assert json.loads(out) == catalogue_document()
    status, out, _ = _run("--json", "O4")
    document = json.loads(out)
    assert [rule["id"] for rule in document["rules"]] == ["O4"]
    assert [s["id"] for s in document["sources"]] == list(RULES["O4"].sources)


def test_an_unknown_id_is_a_usage_error_naming_it() -> None:
    status, out, err = _run("C3", "Z9", "c99")
    assert (status, out) == (2, "")
    assert err == "casemgmt: rules: no rule 'Z9', 'C99'; the ids run from E1 to O4\n"


def test_the_command_line_runs_it() -> None:
    from casemgmt.cli import main

    assert main(["rules", "C3"]) == 0
    assert main(["rules", "--format", "json"]) == 0
    assert main(["rules", "Q1"]) == 2


# The scanner ------------------------------------------------------------------------------


def test_the_scanner_reads_function_class_and_module_markers(
    index_tool: Any, tmp_path: Path
) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_a.py").write_text(
        textwrap.dedent(
            """
            import pytest
            pytestmark = [pytest.mark.slow, pytest.mark.rule("O4")]

            @pytest.mark.rule("C1", "C2")
            @pytest.mark.parametrize("n", [1])
            def test_one(n): ...

            def test_unmarked(): ...

            @pytest.mark.rule("X1")
            class TestClosure:
                @pytest.mark.rule("X4")
                def test_reopen(self): ...

            @pytest.mark.rule("C3")
            def helper(): ...
            """
        ),
        encoding="utf-8",
    )
    index = index_tool.rule_index(["C1", "C2", "C3", "X1", "X4", "O4"], tests, tmp_path)
    assert index == {
        "C1": ["tests/test_a.py::test_one"],
        "C2": ["tests/test_a.py::test_one"],
        "C3": [],
        "X1": ["tests/test_a.py::TestClosure"],
        "X4": ["tests/test_a.py::TestClosure::test_reopen"],
        "O4": ["tests/test_a.py"],
    }
    assert index_tool.render(index) == json.dumps(index, indent=2) + "\n"


def test_the_scanner_refuses_unknown_ids_and_computed_markers(
    index_tool: Any, tmp_path: Path
) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    marked = tests / "test_b.py"
    marked.write_text('import pytest\n@pytest.mark.rule("Z9")\ndef test_b(): ...\n', "utf-8")
    with pytest.raises(ValueError, match=r"tests/test_b.py::test_b: Z9"):
        index_tool.rule_index(["C1"], tests, tmp_path)
    marked.write_text('import pytest\nR = "C1"\n@pytest.mark.rule(R)\ndef test_b(): ...\n', "utf-8")
    with pytest.raises(ValueError, match="string literals"):
        index_tool.rule_index(["C1"], tests, tmp_path)


def test_the_package_ships_the_index() -> None:
    assert (Path(casemgmt.__file__).parent / "_rule_tests.json").is_file()
