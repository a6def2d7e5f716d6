"""The FHIR mapping table of the docs (docs/_ext/fhir_mapping.py) is built as docutils
tables from ``MAPPING``: a table per entity, a row per field, nothing left as markup text."""

from __future__ import annotations

import importlib
import sys
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest
from docutils import nodes

from casemgmt.serialization import EXTENSION_BASE
from casemgmt.serialization.fhir import MAPPING


@pytest.fixture(scope="module")
def extension() -> Any:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))
    try:
        return importlib.import_module("fhir_mapping")
    finally:
        sys.path.pop(0)


def test_one_table_per_entity_with_a_row_per_field(extension: Any) -> None:
    built = extension.mapping_nodes()
    tables = [node for node in built if isinstance(node, nodes.table)]
    rubrics = [node.astext() for node in built if isinstance(node, nodes.rubric)]
    entities = [entity for entity, _ in groupby(MAPPING, key=lambda row: row.entity)]
    assert [rubric.split(" → ")[0] for rubric in rubrics] == entities
    heads = [[e.astext() for e in t.next_node(nodes.thead).findall(nodes.entry)] for t in tables]
    assert heads == [["Field", "FHIR element", "Extension"]] * len(tables)
    bodies = [table.next_node(nodes.tbody) for table in tables]
    cells = [[entry.astext() for entry in row.findall(nodes.entry)] for b in bodies for row in b]
    expected = [
        [
            row.field,
            row.element or "—",
            row.extension.removeprefix(EXTENSION_BASE) if row.extension else "—",
        ]
        for row in MAPPING
    ]
    assert cells == expected


def test_no_markup_is_left_as_text(extension: Any) -> None:
    for node in extension.mapping_nodes():
        assert not node.astext().lstrip().startswith(".."), node.astext()[:60]
