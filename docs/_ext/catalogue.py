"""Sphinx extension: the ``rule-catalogue`` directive, drawn from the rule catalogue.

:func:`casemgmt.catalogue.rule_catalogue` gives every rule with its traceability.

Each rule becomes a section titled ``P1 — Client agreement recorded`` with the label
``rule-p1``, so pages link to it with ``{ref}`rule-p1``` or ``[P1](#rule-p1)``. Under the
statement come the rule's area, its sources cited in full, the checks that apply it, the
public functions that apply it (linked to their reference entries) and the tests that
document it. The option ``:area:`` (a :class:`~casemgmt.rules.RuleArea` value such as
``funding``) keeps the rules of one area::

    ```{rule-catalogue}
    :area: funding
    ```
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, cast

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.domains.std import StandardDomain
from sphinx.util.docutils import SphinxDirective

from casemgmt.catalogue import CatalogueEntry, rule_catalogue
from casemgmt.rules import Check, RuleArea

__all__ = ["RuleCatalogue", "setup"]

_AREA_VALUES = tuple(area.value for area in RuleArea)


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
        return [
            self._section(entry)
            for entry in rule_catalogue()
            if area is None or entry.rule.area is area
        ]

    def _note_dependencies(self) -> None:
        # The catalogue lives in Python, not in the page: rebuild the page when it or the
        # index of tests changes.
        for name, module in list(sys.modules.items()):
            if name in ("casemgmt.rules", "casemgmt.catalogue") or name.startswith(
                "casemgmt.rules."
            ):
                path = getattr(module, "__file__", None)
                if path:
                    self.env.note_dependency(str(Path(path).resolve()))
        index = Path(sys.modules["casemgmt.catalogue"].__file__ or "").with_name("_rule_tests.json")
        self.env.note_dependency(str(index.resolve()))

    def _section(self, entry: CatalogueEntry) -> nodes.section:
        document = self.state.document
        rule = entry.rule
        label = _label(rule.id)
        title = f"{rule.id} — {rule.title}"
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

        section += nodes.paragraph(rule.statement, rule.statement)
        fields = nodes.field_list()
        area = _area_name(rule.area)
        fields += _field("Area", nodes.paragraph(area, area))
        fields += _field("Sources", nodes.paragraph(rule.citation, rule.citation))
        if entry.checks:
            fields += _field("Checks", _bullets(_check_item(c) for c in entry.checks))
        if entry.not_applied:
            fields += _field("Not applied", nodes.paragraph(entry.not_applied, entry.not_applied))
        if entry.applied_by:
            fields += _field("Applied by", _bullets(self._api_item(n) for n in entry.applied_by))
        tests = [_literal_item(node_id) for node_id in entry.documented_by]
        fields += _field("Tests", _bullets(tests) if tests else nodes.paragraph("", "none"))
        section += fields
        return section

    def _api_item(self, name: str) -> nodes.list_item:
        # A cross-reference to the API reference; every public name is documented there
        # (conf.py fails the build otherwise), so the link resolves.
        reference = addnodes.pending_xref(
            "",
            nodes.literal(name, name, classes=["xref", "py", "py-obj"]),
            refdomain="py",
            reftype="obj",
            reftarget=name,
            refexplicit=False,
            refwarn=True,
        )
        reference["py:module"] = None
        reference["py:class"] = None
        self.set_source_info(reference)
        return nodes.list_item("", nodes.paragraph("", "", reference))

    def _label_is_free(self, label: str) -> bool:
        if label in self.state.document.ids or label in self.state.document.nameids:
            return False
        std = cast(StandardDomain, self.env.get_domain("std"))
        owner = std.labels.get(label)
        return owner is None or owner[0] == self.env.docname


def _bullets(items: Any) -> nodes.bullet_list:
    return nodes.bullet_list("", *items, bullet="-")


def _literal_item(text: str) -> nodes.list_item:
    return nodes.list_item("", nodes.paragraph("", "", nodes.literal(text, text)))


def _check_item(check: Check) -> nodes.list_item:
    text = f" ({check.severity.value}): {check.title}"
    paragraph = nodes.paragraph("", "", nodes.literal(check.code, check.code), nodes.Text(text))
    return nodes.list_item("", paragraph)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``rule-catalogue`` directive."""
    app.add_directive("rule-catalogue", RuleCatalogue)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
