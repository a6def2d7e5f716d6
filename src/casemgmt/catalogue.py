"""The rule catalogue with its traceability: what applies each rule and what tests it.

:data:`casemgmt.rules.RULES` says what each rule is and where it comes from. This module
adds, for every rule, the checks that apply it (:data:`casemgmt.rules.CHECKS`), the public
functions and methods that apply it (each marks itself with ``@applies``) and the tests
that document it (the ``@pytest.mark.rule`` markers of the test suite, indexed into the
package when it is built). ``casemgmt rules`` prints it, and the documentation's catalogue
page is generated from it.

>>> from casemgmt.catalogue import rule_catalogue
>>> entry = next(e for e in rule_catalogue() if e.rule.id == "C1")
>>> "casemgmt.services.caseload_status" in entry.applied_by
True
>>> entry.documented_by[0].startswith("tests/")
True

The functions of :mod:`casemgmt.population` are listed only when its extra
(``casemgmt[population]``) is installed, because only then can the module be imported.
"""

from __future__ import annotations

import functools
import importlib
import importlib.resources
import inspect
import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from casemgmt._applies import applied_by
from casemgmt.rules import CHECKS, NOT_APPLIED, RULES, SOURCES, Check, Rule

__all__ = ["CatalogueEntry", "catalogue_document", "rule_catalogue"]

PUBLIC_MODULES = (
    "casemgmt.model",
    "casemgmt.policies",
    "casemgmt.services",
    "casemgmt.population",
    "casemgmt.serialization",
    "casemgmt.serialization.fhir",
    "casemgmt.rules",
)
"""The modules whose public names (``__all__``) the catalogue names functions by, in the
order it prefers them when a function is exported by more than one."""

_OPTIONAL = frozenset({"casemgmt.population"})

_TEST_INDEX = "_rule_tests.json"


@attrs.frozen(kw_only=True)
class CatalogueEntry:
    """One rule and how it is applied and documented.

    Attributes:
        rule: The rule (id, title, statement, area, sources).
        checks: The checks of care-plan validation that apply it, in catalogue order.
        applied_by: The public names of the functions and methods that apply it
            (``casemgmt.services.caseload_status``, ``casemgmt.model.Case.close``).
        documented_by: The pytest node ids of the tests that document it
            (``tests/services/test_caseload.py::test_...``).
        not_applied: Why nothing applies it, for the rules of
            :data:`~casemgmt.rules.NOT_APPLIED`; empty otherwise.
    """

    rule: Rule
    checks: tuple[Check, ...]
    applied_by: tuple[str, ...]
    documented_by: tuple[str, ...]
    not_applied: str = ""


def _modules() -> list[Any]:
    modules = []
    for name in PUBLIC_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ImportError:
            if name not in _OPTIONAL:
                raise
    return modules


def _members(cls: type) -> dict[str, Callable[..., Any]]:
    """The plain functions behind a class's methods, properties and static methods."""
    found: dict[str, Callable[..., Any]] = {}
    for attr, value in vars(cls).items():
        if isinstance(value, property) and value.fget is not None:
            found[attr] = value.fget
        elif isinstance(value, staticmethod | classmethod):
            found[attr] = value.__func__
        elif inspect.isfunction(value):
            found[attr] = value
    return found


@functools.cache
def _public_names() -> Mapping[int, str]:
    """``id(function)`` -> its public dotted name, for every public function and method."""
    names: dict[int, str] = {}
    for module in _modules():
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if inspect.isfunction(value):
                names.setdefault(id(value), f"{module.__name__}.{name}")
            elif inspect.isclass(value):
                for attr, function in _members(value).items():
                    names.setdefault(id(function), f"{module.__name__}.{name}.{attr}")
    return names


def _name(function: Callable[..., Any]) -> str:
    # A function that no public module exports keeps its defining module's name: the
    # traceability tests fail on it, so it never reaches a release.
    known = _public_names().get(id(function))
    return known or f"{function.__module__}.{function.__qualname__}"


@functools.cache
def _test_index() -> Mapping[str, tuple[str, ...]]:
    text = importlib.resources.files("casemgmt").joinpath(_TEST_INDEX).read_text("utf-8")
    return {rule_id: tuple(tests) for rule_id, tests in json.loads(text).items()}


@functools.cache
def rule_catalogue() -> tuple[CatalogueEntry, ...]:
    """Every rule of :data:`~casemgmt.rules.RULES`, in catalogue order, with what applies it
    and the tests that document it.

    Importing this module imports the library's public modules, so every ``@applies``
    marker has run by the time the catalogue is read.
    """
    _modules()
    checks: dict[str, list[Check]] = {}
    for check in CHECKS.values():
        checks.setdefault(check.rule_id, []).append(check)
    tests = _test_index()
    return tuple(
        CatalogueEntry(
            rule=entry,
            checks=tuple(checks.get(rule_id, ())),
            applied_by=tuple(dict.fromkeys(_name(f) for f in applied_by(rule_id))),
            documented_by=tests.get(rule_id, ()),
            not_applied=NOT_APPLIED.get(rule_id, ""),
        )
        for rule_id, entry in RULES.items()
    )


def catalogue_document() -> dict[str, Any]:
    """The catalogue as JSON-ready data: what ``casemgmt rules --format json`` prints.

    ``rules`` lists every rule in catalogue order with its sources by id, its full citation,
    checks, functions and tests, and ``not_applied`` (why nothing applies it, or ``null``);
    ``sources`` lists the cited documents.

    >>> document = catalogue_document()
    >>> [rule["id"] for rule in document["rules"]][:3]
    ['E1', 'E2', 'E3']
    >>> sorted(document["rules"][0])  # doctest: +NORMALIZE_WHITESPACE
    ['applied_by', 'area', 'checks', 'citation', 'documented_by', 'id', 'not_applied',
     'sources', 'statement', 'title']
    """
    return {
        "rules": [
            {
                "id": entry.rule.id,
                "title": entry.rule.title,
                "statement": entry.rule.statement,
                "area": entry.rule.area.value,
                "sources": list(entry.rule.sources),
                "citation": entry.rule.citation,
                "checks": [
                    {"code": c.code, "severity": c.severity.value, "title": c.title}
                    for c in entry.checks
                ],
                "applied_by": list(entry.applied_by),
                "documented_by": list(entry.documented_by),
                "not_applied": entry.not_applied or None,
            }
            for entry in rule_catalogue()
        ],
        "sources": [{"id": s.id, "citation": s.citation} for s in SOURCES.values()],
    }
