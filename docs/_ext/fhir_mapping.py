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
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from casemgmt.serialization import EXTENSION_BASE
from casemgmt.serialization.fhir import MAPPING

__all__ = ["FhirMapping", "setup"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else "—"


class FhirMapping(SphinxDirective):
    """Render the mapping table, a section per entity."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        lines: list[str] = []
        for entity, group in groupby(MAPPING, key=lambda row: row.entity):
            rows = list(group)
            lines += [
                f".. rubric:: {entity} → {rows[0].resource}",
                "",
                ".. list-table::",
                "   :header-rows: 1",
                "   :widths: 20 50 30",
                "",
                "   * - Field",
                "     - FHIR element",
                "     - Extension",
            ]
            for row in rows:
                extension = row.extension.removeprefix(EXTENSION_BASE) if row.extension else ""
                lines += [
                    f"   * - ``{row.field}``",
                    f"     - {_cell(row.element)}",
                    f"     - ``{extension}``" if extension else "     - —",
                ]
            lines.append("")
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source="fhir-mapping"), 0, container)
        return list(container.children)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("fhir-mapping", FhirMapping)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
