"""Index the tests that document each rule: ``python tools/rule_index.py [--check]``.

A test documents a rule when it carries the pytest marker ``@pytest.mark.rule("C1", ...)``,
on the test function, on its class, or in the module's ``pytestmark``. This script reads the
markers from the test files' syntax trees (nothing is imported or run) and writes
``src/casemgmt/_rule_tests.json``: for every rule of :data:`casemgmt.rules.RULES`, in
catalogue order, the pytest node ids of its tests. The library ships that file, so
``casemgmt rules`` and the documentation name the tests of the release.

``make rule-index`` writes the file; ``--check`` exits 1 when it is out of date, and
``tests/rules/test_traceability.py`` fails the same way, so a new marker cannot be left out.
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INDEX = ROOT / "src" / "casemgmt" / "_rule_tests.json"
TESTS = ROOT / "tests"

__all__ = ["INDEX", "marked_tests", "render", "rule_index"]


def _rule_ids(node: ast.expr) -> list[str] | None:
    """The ids of a ``pytest.mark.rule("C1", ...)`` call, or ``None`` for any other node."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == "rule"):
        return None
    mark = func.value
    if not (isinstance(mark, ast.Attribute) and mark.attr == "mark"):
        return None
    ids = []
    for arg in node.args:
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            raise ValueError(
                f"line {node.lineno}: pytest.mark.rule takes rule ids as string literals"
            )
        ids.append(arg.value)
    return ids


def _marks(decorators: Sequence[ast.expr]) -> list[str]:
    found: list[str] = []
    for decorator in decorators:
        found.extend(_rule_ids(decorator) or ())
    return found


def _module_marks(tree: ast.Module) -> list[str]:
    found: list[str] = []
    for statement in tree.body:
        if not isinstance(statement, ast.Assign):
            continue
        if not any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in statement.targets):
            continue
        value = statement.value
        values = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
        for item in values:
            found.extend(_rule_ids(item) or ())
    return found


def _is_test(node: ast.stmt) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")


def marked_tests(path: Path, root: Path = ROOT) -> Iterator[tuple[str, str]]:
    """``(rule id, node id)`` for every marked test of one test file.

    A marker on a class or in ``pytestmark`` marks every test under it; the node id is then
    the class's or the file's, so a rule documented by a whole class is listed once.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    file_id = path.relative_to(root).as_posix()
    for rule_id in _module_marks(tree):
        yield rule_id, file_id
    for node in tree.body:
        if _is_test(node):
            assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for rule_id in _marks(node.decorator_list):
                yield rule_id, f"{file_id}::{node.name}"
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            class_id = f"{file_id}::{node.name}"
            for rule_id in _marks(node.decorator_list):
                yield rule_id, class_id
            for member in node.body:
                if _is_test(member):
                    assert isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef)
                    for rule_id in _marks(member.decorator_list):
                        yield rule_id, f"{class_id}::{member.name}"


def rule_index(
    rule_ids: Sequence[str], tests: Path = TESTS, root: Path = ROOT
) -> dict[str, list[str]]:
    """The tests of every rule in ``rule_ids`` (in that order), each list sorted.

    Raises:
        ValueError: When a marker names an id that is not in ``rule_ids``.
    """
    index: dict[str, set[str]] = {rule_id: set() for rule_id in rule_ids}
    unknown: list[str] = []
    for path in sorted(tests.rglob("test_*.py")):
        for rule_id, node_id in marked_tests(path, root):
            if rule_id in index:
                index[rule_id].add(node_id)
            else:
                unknown.append(f"{node_id}: {rule_id}")
    if unknown:
        raise ValueError("markers name rules that are not in the catalogue: " + ", ".join(unknown))
    return {rule_id: sorted(node_ids) for rule_id, node_ids in index.items()}


def render(index: Mapping[str, Sequence[str]]) -> str:
    """The index as the JSON text the library ships (stable, one test per line)."""
    return json.dumps(index, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str]) -> int:
    from casemgmt.rules import RULES

    text = render(rule_index(list(RULES)))
    if "--check" in argv:
        if INDEX.read_text(encoding="utf-8") != text:
            print(f"{INDEX.relative_to(ROOT)} is out of date: run `make rule-index`")
            return 1
        return 0
    INDEX.write_text(text, encoding="utf-8")
    print(f"wrote {INDEX.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
