"""The life-cycle diagram of the docs (docs/_ext/lifecycle_diagram.py) is drawn from the
transition table: every state and every move appears, the changes that keep the state do
not, the SVG is well formed, and the output is the same on every build."""

from __future__ import annotations

import importlib
import itertools
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from casemgmt.model import TRANSITIONS, CaseAction, CaseStatus

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def diagram() -> Any:
    """The extension module (not a package of the library: imported from docs/_ext)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))
    try:
        return importlib.import_module("lifecycle_diagram")
    finally:
        sys.path.pop(0)


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_the_svg_is_well_formed_and_names_every_state_and_move(diagram: Any) -> None:
    svg = diagram.lifecycle_svg()
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    texts = _texts(svg)
    for status in CaseStatus:
        assert status.value in texts
        assert f"FHIR: {status.fhir_status}" in texts
    moves = {a for a in CaseAction if TRANSITIONS[a].target is not None}
    recording = set(CaseAction) - moves
    assert {a.value for a in moves} <= set(texts)
    assert not {a.value for a in recording} & set(texts)
    assert set(diagram.recording_actions()) == recording
    states = [g.get("data-state", "") for g in root.iter(f"{SVG}g")]
    assert sorted(states) == sorted(s.value for s in CaseStatus)  # one box per state


def test_every_move_is_drawn_once(diagram: Any) -> None:
    plan = diagram.layout()
    drawn = list(plan.straight) + [e for _, es in (*plan.right, *plan.left) for e in es]
    expected: list[tuple[CaseAction, CaseStatus | None, CaseStatus]] = []
    for action in CaseAction:
        row = TRANSITIONS[action]
        if row.target is None:
            continue
        expected += [(action, s, row.target) for s in row.sources] or [(action, None, row.target)]
    assert sorted((e.action.value, str(e.source), e.target.value) for e in drawn) == sorted(
        (a.value, str(s), t.value) for a, s, t in expected
    )
    root = ET.fromstring(diagram.lifecycle_svg())
    arrows = [p for p in root.iter(f"{SVG}path") if p.get("marker-end")]
    assert len(arrows) == len(drawn)


def test_the_layout_follows_the_main_path_and_boxes_do_not_overlap(diagram: Any) -> None:
    plan = diagram.layout()
    assert plan.rows[0] is CaseStatus.REFERRED
    assert set(plan.rows) == set(CaseStatus)
    # Moves back (and only they) are on the left.
    row = {s: i for i, s in enumerate(plan.rows)}
    for _, edges in plan.left:
        assert all(row[e.target] < row[e.source] for e in edges)
    for _, edges in plan.right:
        assert all(row[e.target] > row[e.source] + 1 for e in edges)
    assert {a for a, _ in plan.left} == {CaseAction.RESUME, CaseAction.REOPEN}
    root = ET.fromstring(diagram.lifecycle_svg())
    boxes = sorted(
        (float(r.get("y", "0")), float(r.get("height", "0"))) for r in root.iter(f"{SVG}rect")
    )
    for (y1, h1), (y2, _) in itertools.pairwise(boxes):
        assert y1 + h1 < y2


def test_the_output_is_deterministic(diagram: Any) -> None:
    assert diagram.lifecycle_svg() == diagram.lifecycle_svg()
    assert diagram.layout() == diagram.layout()


def test_the_table_has_a_row_per_action(diagram: Any) -> None:
    rows = diagram.table_rows()
    assert [r[0] for r in rows] == [a.value for a in CaseAction]
    by_action = {r[0]: r for r in rows}
    assert by_action["close"] == ("close", "closing", "closed", TRANSITIONS[CaseAction.CLOSE].guard)
    assert by_action["refer"][1] == "(a referral)"
    assert by_action["assign"][2] == "(unchanged)"
    assert by_action["start_screening"][3] == "—"
