"""Sphinx extension: the ``error-codes`` directive renders the codes a host can act on.

Three generated tables, so that the page cannot drift from the code::

    ```{error-codes}
    ```

* the error classes: every subclass of :class:`casemgmt.errors.CaseManagementError`, found
  by walking ``__subclasses__()``, with its ``code``, its bases and the first paragraph of
  its docstring;
* the problem codes: every key of :data:`casemgmt.errors.PROBLEM_CODES`, its meaning, and
  the modules whose source produces it;
* the finding codes of the services that are not check codes of
  :data:`casemgmt.rules.CHECKS`: ``CaseloadFinding.code`` (caseload and allocation) and
  ``ClosureFinding.key`` (closure and re-opening), with the rules they cite.

Which module produces which code is found by reading the source, not by running it: the
scanner below parses every module of ``casemgmt`` and collects the code argument of each
call that builds a :class:`~casemgmt.errors.Problem` (``Problem(code=...)``,
``problem(path, code, message)``, the FHIR importer's ``self.problem(...)`` ...). A code
must be a string literal there; the few places that forward or copy a code instead are
listed in :data:`FORWARDING_SITES` with the reason. ``tests/test_error_codes.py`` imports
this module to check that the codes found are exactly the keys of ``PROBLEM_CODES``.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

import casemgmt
from casemgmt.errors import PROBLEM_CODES, CaseManagementError

__all__ = [
    "CODE_ARGUMENTS",
    "FINDING_ARGUMENTS",
    "FORWARDING_SITES",
    "SCRATCH_SITES",
    "ErrorCodes",
    "Site",
    "error_classes",
    "finding_sites",
    "problem_sites",
    "setup",
]

PACKAGE = Path(casemgmt.__file__).resolve().parent
"""The source of the installed ``casemgmt`` package (``src/casemgmt`` in a checkout)."""


@dataclass(frozen=True)
class Argument:
    """Where a callable takes the code: its position among the call's arguments (``self``
    not counted), its keyword, and the code it uses when the call gives none."""

    position: int
    keyword: str
    default: str | None = None
    module: str | None = None
    """Only calls in this module (a private helper whose name is common), else any."""


CODE_ARGUMENTS: Mapping[str, Argument] = {
    # The value class itself, and casemgmt.model._base.problem, its shorthand.
    "Problem": Argument(1, "code"),
    "problem": Argument(1, "code"),
    # casemgmt.serialization._json._fail(kind, code, message).
    "_fail": Argument(1, "code", module="casemgmt.serialization._json"),
    # The strict converter's hooks raise WrongTypeError(expected, value, code);
    # casemgmt.serialization._documents turns each into a Problem with that code.
    "WrongTypeError": Argument(2, "code", default="wrong_type"),
}
"""The callables whose argument becomes a problem's code, by the name they are called by
(``problem`` matches both ``problem(...)`` and the FHIR importer's ``self.problem(...)``)."""

FORWARDING_SITES: Mapping[tuple[str, str], str] = {
    ("casemgmt.model._base", "problem"): "forwards its code argument; its calls are scanned",
    ("casemgmt.serialization._json", "_fail"): "forwards its code argument; its calls are scanned",
    ("casemgmt.serialization.fhir._import", "_Reader.problem"): (
        "forwards its code argument; its calls are scanned"
    ),
    ("casemgmt.serialization._documents", "_collect"): (
        "copies the code of a WrongTypeError, whose calls are scanned"
    ),
    ("casemgmt.serialization.fhir._import", "_Reader.locate"): (
        "moves a problem of the case record to the bundle entry it came from, keeping its code"
    ),
    ("casemgmt.serialization.fhir._validate", "validate_bundle"): (
        "passes through the error types of pydantic-core, which belong to that library"
    ),
}
"""The functions (module, qualified name) allowed to build a problem whose code is not a
string literal, and why. Their problems with literal codes still count."""

FINDING_ARGUMENTS: Mapping[str, tuple[Argument, Argument]] = {
    "CaseloadFinding": (Argument(-1, "code"), Argument(-1, "rule_id")),
    "ClosureFinding": (Argument(-1, "key"), Argument(-1, "rule_id")),
    # casemgmt.services._closure._finding(key, rule_id, passed, message, ...).
    "_finding": (
        Argument(0, "key", module="casemgmt.services._closure"),
        Argument(1, "rule_id", module="casemgmt.services._closure"),
    ),
}
"""The callables that build a service finding, with where they take its code and rule id."""

SCRATCH_SITES: Mapping[tuple[str, str], str] = {
    ("casemgmt.services._plan_validation", "Issue.under"): (
        "builds a throw-away problem only to place a path under a prefix; never raised"
    ),
}
"""The functions whose problems are never raised or returned, and why: not scanned."""

_FINDING_CLASSES = {"_finding": "ClosureFinding"}
_FINDING_FORWARDERS = {("casemgmt.services._closure", "_finding")}


@dataclass(frozen=True)
class Site:
    """One place in the source that produces a code.

    ``codes`` holds more than one code when the argument is a conditional expression
    between literals; it is empty when the argument is not a literal (``where`` then says
    where, so that a test can name it).
    """

    codes: tuple[str, ...]
    module: str
    function: str
    line: int
    callee: str
    extra: tuple[str, ...] = ()
    """For a finding: the rule ids cited, when they are literals (empty when set by a policy)."""

    @property
    def where(self) -> str:
        """``module:line (function)`` for messages."""
        return f"{self.module}:{self.line} ({self.function or '<module>'})"


@functools.cache
def _modules(root: Path) -> tuple[tuple[str, ast.Module], ...]:
    """Every module under ``root``, by dotted name, parsed (once per build or test run)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append((name, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
    return tuple(found)


def _calls(tree: ast.AST, scope: str = "") -> Iterator[tuple[str, ast.Call]]:
    """Every call in ``tree`` with the qualified name of the function it is in."""
    for child in ast.iter_child_nodes(tree):
        inner = scope
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            inner = f"{scope}.{child.name}" if scope else child.name
        if isinstance(child, ast.Call):
            yield scope, child
        yield from _calls(child, inner)


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _argument(call: ast.Call, argument: Argument) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == argument.keyword:
            return keyword.value
    if 0 <= argument.position < len(call.args):
        return call.args[argument.position]
    return None


def _literals(node: ast.expr | None, default: str | None = None) -> tuple[str, ...]:
    """The strings ``node`` can be: a literal, or a conditional between literals."""
    if node is None:
        return () if default is None else (default,)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return (*body, *orelse) if body and orelse else ()
    return ()


def _in_scope(function: str, module: str, allowed: set[tuple[str, str]]) -> bool:
    return any(module == m and (function == f or function.startswith(f + ".")) for m, f in allowed)


def problem_sites(root: Path = PACKAGE) -> list[Site]:
    """Every call in the source of ``casemgmt`` that gives a problem its code.

    A site whose code is not a string literal (nor a conditional between literals) has
    empty ``codes``, unless it is in :data:`FORWARDING_SITES`, where it is left out; calls
    in :data:`SCRATCH_SITES` are left out too.
    """
    sites: list[Site] = []
    forwarding, scratch = set(FORWARDING_SITES), set(SCRATCH_SITES)
    for module, tree in _modules(root):
        for function, call in _calls(tree):
            callee = _callee(call)
            argument = CODE_ARGUMENTS.get(callee or "")
            if argument is None or callee is None:
                continue
            if argument.module is not None and argument.module != module:
                continue
            if _in_scope(function, module, scratch):
                continue
            codes = _literals(_argument(call, argument), argument.default)
            if not codes and _in_scope(function, module, forwarding):
                continue
            sites.append(Site(codes, module, function, call.lineno, callee))
    return sites


def finding_sites(root: Path = PACKAGE) -> list[Site]:
    """Every call in the source that builds a caseload, allocation or closure finding.

    ``callee`` is the finding class; ``extra`` the rule ids the call cites as literals.
    """
    sites: list[Site] = []
    for module, tree in _modules(root):
        for function, call in _calls(tree):
            callee = _callee(call)
            arguments = FINDING_ARGUMENTS.get(callee or "")
            if arguments is None or callee is None:
                continue
            code, rule = arguments
            if code.module is not None and code.module != module:
                continue
            if _in_scope(function, module, _FINDING_FORWARDERS):
                continue
            codes = _literals(_argument(call, code))
            rules = _literals(_argument(call, rule))
            kind = _FINDING_CLASSES.get(callee, callee)
            sites.append(Site(codes, module, function, call.lineno, kind, rules))
    return sites


def _subclasses(cls: type[CaseManagementError]) -> Iterator[type[CaseManagementError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def error_classes() -> list[type[CaseManagementError]]:
    """:class:`~casemgmt.errors.CaseManagementError` and every subclass, root first."""
    found: list[type[CaseManagementError]] = [CaseManagementError]
    found += _subclasses(CaseManagementError)
    return list(dict.fromkeys(found))  # a class reached by two bases is listed once


def _summary(cls: type) -> str:
    """The first paragraph of the docstring, on one line."""
    doc = inspect.getdoc(cls) or ""
    return " ".join(doc.split("\n\n", 1)[0].split())


# The directive is used from MyST pages, whose nested parser reads Markdown: the tables are
# MyST (a ``list-table`` directive, ``{class}`` roles), and docstring markup is converted.
_RST_LITERAL = re.compile(r"``(.+?)``")
_RST_ROLE = re.compile(r":([a-z]+):`(.+?)`")


def _myst(rst: str) -> str:
    """Inline reST of a docstring (``x``, :mod:`x`) as MyST."""
    return _RST_ROLE.sub(r"{\1}`\2`", _RST_LITERAL.sub(r"`\1`", rst))


def _role(obj: type) -> str:
    if obj.__module__ == "builtins":
        return f"`{obj.__qualname__}`"
    return f"{{class}}`~{obj.__module__}.{obj.__qualname__}`"


def _cell(text: str) -> str:
    return text or "—"


def _table(title: str, header: list[str], widths: str, rows: list[list[str]]) -> list[str]:
    lines = [f"```{{rubric}} {title}", "```", ""]
    lines += ["````{list-table}", ":header-rows: 1", f":widths: {widths}", ""]
    for row in [header, *rows]:
        lines.append(f"* - {row[0]}")
        lines += [f"  - {cell}" for cell in row[1:]]
    lines += ["````", ""]
    return lines


def _modules_of(sites: list[Site]) -> dict[str, list[str]]:
    by_code: dict[str, list[str]] = {}
    for site in sites:
        for code in site.codes:
            modules = by_code.setdefault(code, [])
            if site.module not in modules:
                modules.append(site.module)
    return {code: sorted(modules) for code, modules in by_code.items()}


def _class_rows() -> list[list[str]]:
    rows = []
    for cls in error_classes():
        bases = ", ".join(_role(base) for base in cls.__bases__ if base is not Exception)
        rows.append([_role(cls), f"`{cls.code}`", _cell(bases), _cell(_myst(_summary(cls)))])
    return rows


def _problem_rows() -> list[list[str]]:
    produced = _modules_of(problem_sites())
    rows = []
    for code in sorted(PROBLEM_CODES):
        where = ", ".join(f"`{m}`" for m in produced.get(code, []))
        rows.append([f"`{code}`", _cell(PROBLEM_CODES[code]), _cell(where)])
    return rows


def _finding_rows() -> list[list[str]]:
    rules: dict[tuple[str, str], set[str]] = {}
    where: dict[tuple[str, str], set[str]] = {}
    by_policy: set[tuple[str, str]] = set()
    for site in finding_sites():
        for code in site.codes:
            key = (code, site.callee)
            rules.setdefault(key, set()).update(site.extra)
            where.setdefault(key, set()).add(site.module)
            if not site.extra:  # the rule id is not a literal: the policy names it
                by_policy.add(key)
    rows = []
    for key in sorted(where):
        cited = [f"{{ref}}`{r} <rule-{r.lower()}>`" for r in sorted(rules[key])]
        if key in by_policy:
            cited.append("set by the policy")
        rows.append(
            [
                f"`{key[0]}`",
                f"{{class}}`~casemgmt.services.{key[1]}`",
                ", ".join(cited),
                ", ".join(f"`{m}`" for m in sorted(where[key])),
            ]
        )
    return rows


class ErrorCodes(SphinxDirective):
    """Render the error classes, the problem codes and the service finding codes."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        classes = ["Class", "`code`", "Bases", "Raised when"]
        lines = _table("Error classes", classes, "22 16 22 40", _class_rows())
        problems = ["Code", "Meaning", "Produced in"]
        lines += _table("Problem codes", problems, "20 50 30", _problem_rows())
        findings = ["Code", "Finding", "Rules", "Produced in"]
        lines += _table("Finding codes of the services", findings, "28 22 20 30", _finding_rows())
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source="error-codes"), 0, container)
        return list(container.children)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("error-codes", ErrorCodes)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
