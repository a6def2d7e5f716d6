"""Sphinx extension: the ``fhir-mapping`` directive renders
:data:`casemgmt.serialization.fhir.MAPPING`, one table per entity.

Each row is a field of ours, the FHIR element that holds it, and the extension that
carries it when FHIR has no element (or only a coarser one). The table is the one the
exporter and importer read, so the page cannot drift from the code::

    ```{fhir-mapping}
    ```
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from casemgmt.serialization import EXTENSION_BASE
from casemgmt.serialization.fhir import MAPPING, MappingRow

__all__ = ["FhirMapping", "mapping_nodes", "setup"]


def _text(text: str) -> nodes.paragraph:
    return nodes.paragraph(text, text) if text else nodes.paragraph("—", "—")


def _code(text: str) -> nodes.paragraph:
    return nodes.paragraph("", "", nodes.literal(text, text)) if text else _text("")


def _row(*cells: nodes.Element) -> nodes.row:
    return nodes.row("", *(nodes.entry("", cell) for cell in cells))


def _table(rows: list[MappingRow]) -> nodes.table:
    group = nodes.tgroup(cols=3)
    group += [nodes.colspec(colwidth=width) for width in (20, 50, 30)]
    group += nodes.thead("", _row(_text("Field"), _text("FHIR element"), _text("Extension")))
    body = nodes.tbody()
    for row in rows:
        extension = row.extension.removeprefix(EXTENSION_BASE) if row.extension else ""
        body += _row(_code(row.field), _text(row.element), _code(extension))
    group += body
    return nodes.table("", group, classes=["fhir-mapping"])


def mapping_nodes() -> list[nodes.Node]:
    """A rubric and a table per entity, built as docutils nodes.

    (Markup parsed inside a directive is read as Markdown on a MyST page, so reST such as
    ``.. list-table::`` would come out as text: the table is built directly.)
    """
    built: list[nodes.Node] = []
    for entity, group in groupby(MAPPING, key=lambda row: row.entity):
        rows = list(group)
        title = f"{entity} → {rows[0].resource}"
        built += [nodes.rubric(title, title), _table(rows)]
    return built


class FhirMapping(SphinxDirective):
    """Render the mapping table, a section per entity."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        return mapping_nodes()


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("fhir-mapping", FhirMapping)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
