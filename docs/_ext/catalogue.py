"""Sphinx extension: the ``rule-catalogue`` directive renders :data:`casemgmt.rules.RULES`.

Each rule becomes a section titled ``P1 — Client agreement recorded`` with the label
``rule-p1``, so pages link to it with ``{ref}`rule-p1``` or ``[P1](#rule-p1)``. Under the
statement come the rule's area, its sources cited in full and, once ``casemgmt.rules``
exposes ``CHECKS``, the checks that apply it. The option ``:area:`` (a
:class:`~casemgmt.rules.RuleArea` value such as ``funding``) keeps the rules of one area::

    ```{rule-catalogue}
    :area: funding
    ```
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Protocol, cast

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.domains.std import StandardDomain
from sphinx.util.docutils import SphinxDirective

import casemgmt.rules
from casemgmt.rules import RULES, Rule, RuleArea

__all__ = ["RuleCatalogue", "setup"]

_AREA_VALUES = tuple(area.value for area in RuleArea)


class _Severity(Protocol):
    @property
    def value(self) -> str: ...


class _Check(Protocol):
    """What the directive reads from an entry of ``casemgmt.rules.CHECKS``."""

    @property
    def code(self) -> str: ...

    @property
    def rule_id(self) -> str: ...

    @property
    def severity(self) -> _Severity: ...

    @property
    def title(self) -> str: ...


def _area_option(argument: str | None) -> str:
    return str(directives.choice(argument, _AREA_VALUES))


def _area_name(area: RuleArea) -> str:
    """``care-planning`` -> ``Care planning``, as the headings of the catalogue page read."""
    return area.value.replace("-", " ").capitalize()


def _label(rule_id: str) -> str:
    return f"rule-{rule_id.lower()}"


def _field(name: str, *body: nodes.Element) -> nodes.field:
    return nodes.field("", nodes.field_name("", name), nodes.field_body("", *body))


class RuleCatalogue(SphinxDirective):
    """Render the rules of the catalogue, optionally of one area, one section per rule."""

    has_content = False
    required_arguments = 0
    optional_arguments = 0
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "area": _area_option,
    }

    def run(self) -> list[nodes.Node]:
        self._note_dependencies()
        area = RuleArea(self.options["area"]) if "area" in self.options else None
        checks = self._checks_by_rule()
        return [
            self._section(entry, checks.get(entry.id, ()))
            for entry in RULES.values()
            if area is None or entry.area is area
        ]

    def _note_dependencies(self) -> None:
        # The catalogue lives in Python, not in the page: rebuild the page when it changes.
        for name, module in list(sys.modules.items()):
            if name == "casemgmt.rules" or name.startswith("casemgmt.rules."):
                path = getattr(module, "__file__", None)
                if path:
                    self.env.note_dependency(str(Path(path).resolve()))

    @staticmethod
    def _checks_by_rule() -> dict[str, list[_Check]]:
        # getattr: the catalogue renders (without checks) in a tree that has no CHECKS yet.
        registry: Mapping[str, _Check] = getattr(casemgmt.rules, "CHECKS", {})
        by_rule: dict[str, list[_Check]] = {}
        for check in registry.values():
            by_rule.setdefault(check.rule_id, []).append(check)
        return by_rule

    def _section(self, entry: Rule, checks: Iterable[_Check]) -> nodes.section:
        document = self.state.document
        label = _label(entry.id)
        title = f"{entry.id} — {entry.title}"
        section = nodes.section()
        self.set_source_info(section)
        section += nodes.title(title, title)
        if self._label_is_free(label):
            section["ids"].append(label)
            section["names"].append(label)
            # The std domain turns explicit targets into labels for {ref} and MyST links.
            document.note_explicit_target(section, section)
        else:
            # The rule is already rendered (here or on another page): keep the first
            # rendering as the link target and give this one an automatic, unique id.
            document.set_id(section, section)

        section += nodes.paragraph(entry.statement, entry.statement)
        fields = nodes.field_list()
        area = _area_name(entry.area)
        fields += _field("Area", nodes.paragraph(area, area))
        fields += _field("Sources", nodes.paragraph(entry.citation, entry.citation))
        items = [self._check_item(check) for check in checks]
        if items:
            fields += _field("Checks", nodes.bullet_list("", *items, bullet="-"))
        section += fields
        return section

    def _label_is_free(self, label: str) -> bool:
        if label in self.state.document.ids or label in self.state.document.nameids:
            return False
        std = cast(StandardDomain, self.env.get_domain("std"))
        owner = std.labels.get(label)
        return owner is None or owner[0] == self.env.docname

    @staticmethod
    def _check_item(check: _Check) -> nodes.list_item:
        text = f" ({check.severity.value}): {check.title}"
        paragraph = nodes.paragraph("", "", nodes.literal(check.code, check.code), nodes.Text(text))
        return nodes.list_item("", paragraph)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``rule-catalogue`` directive."""
    app.add_directive("rule-catalogue", RuleCatalogue)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
