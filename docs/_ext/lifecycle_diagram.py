"""Sphinx extension: the case life cycle drawn from :data:`casemgmt.model.TRANSITIONS`.

Two directives, so the page never holds a hand-drawn copy that could drift from the code:

``lifecycle-diagram``
    An inline SVG: the states as rounded boxes, one per row, and every move between states
    as a labelled arrow; the changes that keep the state (``assign``, ``record_review`` ...)
    are listed under it, not drawn.

``lifecycle-table``
    The transition table: action, the states it may be made in, the state it leads to, and
    its guard.

The layout needs no Graphviz: the states are put in rows by the longest path from the
referral (a move back, such as ``resume`` or ``reopen``, does not count), each chain kept
together; a move to the next row is a straight arrow, and every other move runs in a lane of
its own, forward moves on the right and moves back on the left. The output depends on the
table only, so a build is reproducible.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from casemgmt.model import TRANSITIONS, CaseAction, CaseStatus, Transition

__all__ = [
    "LifecycleDiagram",
    "LifecycleTable",
    "layout",
    "lifecycle_svg",
    "recording_actions",
    "setup",
    "table_rows",
]

# Geometry, in SVG user units (px).
_BOX_W = 150
_BOX_H = 40
_ROW_GAP = 34
_MARGIN = 16
_LANE_GAP = 14
_CHAR_W = 6.6  # the average advance of an 11 px sans-serif character
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"


@dataclass(frozen=True)
class Edge:
    """One move: ``action`` takes a case from ``source`` (``None`` for the start) to
    ``target``."""

    action: CaseAction
    source: CaseStatus | None
    target: CaseStatus


@dataclass(frozen=True)
class Layout:
    """Where everything goes: the states top to bottom, and the moves split into straight
    arrows (to the next row), lanes on the right (forward) and lanes on the left (back)."""

    rows: tuple[CaseStatus, ...]
    straight: tuple[Edge, ...]
    right: tuple[tuple[CaseAction, tuple[Edge, ...]], ...]
    left: tuple[tuple[CaseAction, tuple[Edge, ...]], ...]


def _edges(transitions: Mapping[CaseAction, Transition]) -> list[Edge]:
    edges: list[Edge] = []
    for action in CaseAction:
        row = transitions[action]
        if row.target is None:
            continue
        if not row.sources:
            edges.append(Edge(action, None, row.target))
        edges.extend(
            Edge(action, source, row.target)
            for source in sorted(row.sources, key=list(CaseStatus).index)
        )
    return edges


def _back_edges(edges: Sequence[Edge], start: CaseStatus) -> set[Edge]:
    """The moves that close a cycle, found by a depth-first walk from ``start`` that follows
    the moves in table order (deterministic)."""
    out: dict[CaseStatus, list[Edge]] = {}
    for edge in edges:
        if edge.source is not None:
            out.setdefault(edge.source, []).append(edge)
    back: set[Edge] = set()
    on_path: set[CaseStatus] = set()
    seen: set[CaseStatus] = set()

    def visit(state: CaseStatus) -> None:
        seen.add(state)
        on_path.add(state)
        for edge in out.get(state, []):
            if edge.target in on_path:
                back.add(edge)
            elif edge.target not in seen:
                visit(edge.target)
        on_path.discard(state)

    visit(start)
    return back


def layout(transitions: Mapping[CaseAction, Transition] = TRANSITIONS) -> Layout:
    """Place the states and route the moves of ``transitions``.

    Rows: each state's layer is its longest forward path from the start; states are taken
    layer by layer, and among the states ready, a successor of the state placed last comes
    first (so a chain stays together), states that lead somewhere before terminal ones, and
    then the order of :class:`~casemgmt.model.CaseStatus`.
    """
    edges = _edges(transitions)
    starts = [e.target for e in edges if e.source is None]
    start = starts[0] if starts else next(iter(CaseStatus))
    back = _back_edges(edges, start)
    forward = [e for e in edges if e.source is not None and e not in back]
    states = [s for s in CaseStatus if any(s in (e.source, e.target) for e in edges)]
    preds: dict[CaseStatus, set[CaseStatus]] = {s: set() for s in states}
    for edge in forward:
        assert edge.source is not None
        preds[edge.target].add(edge.source)
    order = list(CaseStatus).index
    rows: list[CaseStatus] = []
    while len(rows) < len(states):
        ready = [s for s in states if s not in rows and preds[s] <= set(rows)]
        if not ready:  # a cycle the walk did not reach: take the states in code order
            ready = [s for s in states if s not in rows]
        last = rows[-1] if rows else None
        follows = {e.target for e in forward if e.source == last}
        ready.sort(key=lambda s: (s not in follows, s.is_terminal and s is not start, order(s)))
        rows.append(ready[0])
    row_of = {s: i for i, s in enumerate(rows)}
    straight: list[Edge] = []
    right: dict[CaseAction, list[Edge]] = {}
    left: dict[CaseAction, list[Edge]] = {}
    for edge in edges:
        if edge.source is None or row_of[edge.target] == row_of[edge.source] + 1:
            straight.append(edge)
        elif row_of[edge.target] > row_of[edge.source]:
            right.setdefault(edge.action, []).append(edge)
        else:
            left.setdefault(edge.action, []).append(edge)

    def by_span(
        lanes: dict[CaseAction, list[Edge]],
    ) -> tuple[tuple[CaseAction, tuple[Edge, ...]], ...]:
        # Short lanes nearest the boxes, so fewer lines cross.
        def span(item: tuple[CaseAction, list[Edge]]) -> tuple[int, int]:
            ends = [row_of[e.target] for e in item[1]] + [
                row_of[e.source] for e in item[1] if e.source is not None
            ]
            return max(ends) - min(ends), list(CaseAction).index(item[0])

        return tuple((a, tuple(es)) for a, es in sorted(lanes.items(), key=span))

    return Layout(
        rows=tuple(rows), straight=tuple(straight), right=by_span(right), left=by_span(left)
    )


def recording_actions(
    transitions: Mapping[CaseAction, Transition] = TRANSITIONS,
) -> tuple[CaseAction, ...]:
    """The changes that keep the state: listed beside the diagram, not drawn."""
    return tuple(a for a in CaseAction if transitions[a].target is None)


def _text_width(text: str) -> float:
    return len(text) * _CHAR_W


def _label(x: float, y: float, text: str, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="11" '
        f'fill="currentColor">{html.escape(text)}</text>'
    )


def _path(points: Iterable[tuple[float, float]], dashed: bool = False) -> str:
    d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))
    dash = ' stroke-dasharray="5 3"' if dashed else ""
    return (
        f'<path d="{d}" fill="none" stroke="currentColor" stroke-width="1.3"{dash} '
        'marker-end="url(#lc-arrow)"/>'
    )


def lifecycle_svg(transitions: Mapping[CaseAction, Transition] = TRANSITIONS) -> str:
    """The life-cycle diagram of ``transitions`` as a standalone SVG document (a string).

    Moves back (``resume``, ``reopen``) are dashed. Each state shows its FHIR
    ``EpisodeOfCare.status`` underneath its name.
    """
    plan = layout(transitions)
    widest_straight = max((_text_width(e.action.value) for e in plan.straight), default=0)
    right_labels = [_text_width(a.value) for a, _ in plan.right]
    left_labels = [_text_width(a.value) for a, _ in plan.left]
    # x positions: left lanes (each followed by room for its label on the left), the boxes,
    # then the right lanes (each with room for its label on its right).
    left_room = sum(w + _LANE_GAP + 6 for w in left_labels)
    box_x = _MARGIN + left_room + _LANE_GAP
    centre = box_x + _BOX_W / 2
    right_start = max(box_x + _BOX_W, centre + 6 + widest_straight) + _LANE_GAP
    top = _MARGIN + _BOX_H  # room for the start marker above the first box
    row_y = {s: top + i * (_BOX_H + _ROW_GAP) for i, s in enumerate(plan.rows)}
    height = top + len(plan.rows) * (_BOX_H + _ROW_GAP) - _ROW_GAP + _MARGIN

    # Where the stubs leave and enter each side of a box: spread along the side.
    ports: dict[tuple[CaseStatus, str], list[tuple[CaseAction, str]]] = {}
    for side, lanes in (("right", plan.right), ("left", plan.left)):
        for action, lane_edges in lanes:
            for edge in lane_edges:
                assert edge.source is not None
                ports.setdefault((edge.source, side), []).append((action, "out"))
                key = (action, "in")
                if key not in ports.setdefault((edge.target, side), []):
                    ports[(edge.target, side)].append(key)

    def port_y(state: CaseStatus, side: str, action: CaseAction, way: str) -> float:
        slots = ports[(state, side)]
        index = slots.index((action, way))
        return row_y[state] + _BOX_H * (index + 1) / (len(slots) + 1)

    parts: list[str] = []
    # Right lanes.
    x = right_start
    width = right_start
    for (action, lane_edges), label_w in zip(plan.right, right_labels, strict=True):
        parts.extend(_lane(action, lane_edges, x, box_x + _BOX_W, row_y, port_y, "right"))
        ys = [port_y(e.source, "right", action, "out") for e in lane_edges if e.source]
        parts.append(_label(x + 4, min(ys) - 4, action.value))
        width = x + 4 + label_w
        x += label_w + _LANE_GAP + 6
    # Left lanes.
    x = box_x - _LANE_GAP
    for (action, lane_edges), label_w in zip(plan.left, left_labels, strict=True):
        parts.extend(_lane(action, lane_edges, x, box_x, row_y, port_y, "left"))
        ys = [port_y(e.source, "left", action, "out") for e in lane_edges if e.source]
        parts.append(_label(x - 4, max(ys) + 12, action.value, "end"))
        x -= label_w + _LANE_GAP + 6
    # Straight arrows and the start marker.
    for edge in plan.straight:
        y_end = row_y[edge.target]
        if edge.source is None:
            parts.append(
                f'<circle cx="{centre:.1f}" cy="{_MARGIN + 6:.1f}" r="6" fill="currentColor"/>'
            )
            y_start = _MARGIN + 12.0
        else:
            y_start = row_y[edge.source] + _BOX_H
        parts.append(_path([(centre, y_start), (centre, y_end - 1)]))
        parts.append(_label(centre + 6, (y_start + y_end) / 2 + 4, edge.action.value))
    # The boxes, drawn last so they sit on top of the lines.
    for state in plan.rows:
        y = row_y[state]
        fill = "#eef3fb" if not state.is_terminal else "#f3f3f3"
        parts.append(
            f'<g class="lc-state" data-state="{state.value}">'
            f'<rect x="{box_x:.1f}" y="{y:.1f}" width="{_BOX_W}" height="{_BOX_H}" rx="9" '
            f'fill="{fill}" stroke="#3b5b92" stroke-width="1.4"/>'
            f'<text x="{centre:.1f}" y="{y + 17:.1f}" text-anchor="middle" font-size="13" '
            f'font-weight="600" fill="#1b2b48">{html.escape(state.value)}</text>'
            f'<text x="{centre:.1f}" y="{y + 32:.1f}" text-anchor="middle" font-size="10" '
            f'fill="#5b6b88">FHIR: {html.escape(state.fhir_status)}</text></g>'
        )
    width = max(width, box_x + _BOX_W) + _MARGIN
    title = "The case life cycle: states and the moves between them"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lifecycle-diagram" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'style="{_FONT};max-width:100%;height:auto">'
        f"<title>{title}</title>"
        '<defs><marker id="lc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="currentColor"/></marker></defs>' + "".join(parts) + "</svg>"
    )


def _lane(
    action: CaseAction,
    lane_edges: Sequence[Edge],
    lane_x: float,
    box_side_x: float,
    row_y: Mapping[CaseStatus, float],
    port_y: Any,
    side: str,
) -> list[str]:
    """One lane: a stub from each source's side to the lane, along it, and into the target."""
    parts: list[str] = []
    dashed = side == "left"
    for edge in lane_edges:
        assert edge.source is not None
        y_out = port_y(edge.source, side, action, "out")
        y_in = port_y(edge.target, side, action, "in")
        inward = 1 if side == "right" else -1
        parts.append(
            _path(
                [(box_side_x, y_out), (lane_x, y_out), (lane_x, y_in), (box_side_x + inward, y_in)],
                dashed=dashed,
            )
        )
    return parts


def table_rows(
    transitions: Mapping[CaseAction, Transition] = TRANSITIONS,
) -> list[tuple[str, str, str, str]]:
    """The transition table as text: action, from, to, guard (``—`` where there is none)."""
    order = list(CaseStatus).index
    rows = []
    for action in CaseAction:
        row = transitions[action]
        sources = ", ".join(s.value for s in sorted(row.sources, key=order)) or "(a referral)"
        target = row.target.value if row.target is not None else "(unchanged)"
        rows.append((action.value, sources, target, row.guard or "—"))
    return rows


class _TableDependent(SphinxDirective):
    has_content = False

    def _note_dependencies(self) -> None:
        # The table lives in Python, not in the page: rebuild the page when it changes.
        for name in ("casemgmt.model.lifecycle", "casemgmt.model.codes"):
            module = sys.modules.get(name)
            path = getattr(module, "__file__", None)
            if path:
                self.env.note_dependency(str(Path(path).resolve()))


class LifecycleDiagram(_TableDependent):
    """Render the life-cycle diagram and list the changes that keep the state."""

    def run(self) -> list[nodes.Node]:
        self._note_dependencies()
        svg = nodes.raw(
            "", f'<div class="lifecycle-diagram">{lifecycle_svg()}</div>', format="html"
        )
        items = [
            nodes.list_item("", nodes.paragraph("", "", nodes.literal(a.value, a.value)))
            for a in recording_actions()
        ]
        intro = nodes.paragraph(
            "", "Changes that record something and keep the state (not drawn): "
        )
        listing = nodes.bullet_list("", *items, bullet="-")
        return [svg, intro, listing]


class LifecycleTable(_TableDependent):
    """Render the transition table: action, from, to, guard."""

    def run(self) -> list[nodes.Node]:
        self._note_dependencies()
        headers = ("action", "from", "to", "guard")
        table = nodes.table(classes=["lifecycle-table"])
        group = nodes.tgroup(cols=len(headers))
        table += group
        for width in (18, 30, 14, 38):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += self._row(headers, code=False)
        group += head
        body = nodes.tbody()
        for row in table_rows():
            body += self._row(row, code=True)
        group += body
        return [table]

    @staticmethod
    def _row(cells: Sequence[str], code: bool) -> nodes.row:
        row = nodes.row()
        for index, text in enumerate(cells):
            entry = nodes.entry()
            if code and index == 0:
                entry += nodes.paragraph("", "", nodes.literal(text, text))
            else:
                entry += nodes.paragraph(text, text)
            row += entry
        return row


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``lifecycle-diagram`` and ``lifecycle-table`` directives."""
    app.add_directive("lifecycle-diagram", LifecycleDiagram)
    app.add_directive("lifecycle-table", LifecycleTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
