"""Sphinx extension: a team's caseloads drawn from a ``team`` document at build time.

The ``caseload-chart`` directive reads a team (by default ``examples/team/team.json``, the
file ``make demo`` reports on), counts its caseloads with
:func:`casemgmt.services.team_caseload_status`, as ``casemgmt caseload`` does, and renders:

* an inline SVG with one row per holder (a case manager, or a team under a team-scoped
  policy): the weighted load as a bar against the holder's own soft and hard limits
  (C1, C2, C5, scaled by FTE and non-clinical time, C4); the high-risk cases as a bar
  against the high-risk warning level and cap (C3); and the findings in words, so a breach
  reads without colour;
* a paragraph saying the same in sentences: who is in breach, who has a warning, who is
  within every limit.

Options (paths are relative to the repository root)::

    ```{caseload-chart}
    :team: examples/team/team.json
    :as-of: 2026-11-23
    ```

``as-of`` defaults to the day ``casemgmt caseload`` would choose: the latest ``opened_on``
in the document. Every rule is the library's: the chart draws what
:func:`~casemgmt.services.caseload_status` returns (loads, limits, caps, findings) and
decides nothing. No Graphviz, no plotting library: the SVG is written as text, depends on
the document and the day only, and so is the same on every build. Lines and text use
``currentColor``, and shading is translucent, so the chart follows the page's light or
dark theme.
"""

from __future__ import annotations

import html
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pendulum
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from casemgmt._caseload_cli import default_as_of
from casemgmt.policies import CaseloadPolicy, HighRiskBasis, LimitScope
from casemgmt.rules import Severity
from casemgmt.serialization import load_json
from casemgmt.services import (
    CaseloadFinding,
    CaseloadStatus,
    Team,
    TeamCaseloadStatus,
    team_caseload_status,
)

__all__ = [
    "DEFAULT_TEAM",
    "CaseloadChart",
    "ChartRow",
    "caseload_summary",
    "caseload_svg",
    "chart_rows",
    "load_team",
    "setup",
]

DEFAULT_TEAM = "examples/team/team.json"
"""The team drawn when the directive names none (relative to the repository root)."""

# Geometry, in SVG user units (px).
_MARGIN = 16
_ROW_H = 42
_BAR_H = 16
_MARK_H = 13  # half the height of a limit marker: taller than the bar, so it shows on it
_LOAD_W = 300
_RISK_W = 130
_GAP = 26
_CHAR_W = 6.6  # the average advance of an 11 px sans-serif character
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"

# Colours readable on a light and a dark page; never the only signal (see _finding_label).
_OK = "#4a7fc1"
_WARNING = "#d08a00"
_BREACH = "#d23c3c"
_EPSILON = 1e-9


@dataclass(frozen=True)
class ChartRow:
    """One holder's row: its status as the library computes it, and the high-risk warning
    level (the most high-risk cases before the C3 warning) for the marker."""

    status: CaseloadStatus
    high_risk_warning: int

    @property
    def breach(self) -> bool:
        """True when the library finds a breach (an error-severity finding)."""
        return not self.status.ok

    @property
    def warning(self) -> bool:
        """True when the library finds a warning."""
        return any(f.severity is Severity.WARNING for f in self.status.findings)


def load_team(path: Path) -> Team:
    """Read a ``team`` document the way ``casemgmt caseload`` does (strict JSON, checked).

    Raises:
        OSError: when the file cannot be read.
        casemgmt.errors.DocumentError: when it is not a valid ``team`` document.
    """
    return load_json(Team, path.read_bytes())


def team_status(team: Team, *, as_of: pendulum.Date) -> TeamCaseloadStatus:
    """The team's caseloads on ``as_of``, exactly as ``casemgmt caseload`` counts them."""
    return team_caseload_status(
        team.managers, team.caseloads(), policy=team.caseload_policy(), as_of=as_of
    )


def _warning_level(policy: CaseloadPolicy, status: CaseloadStatus) -> int:
    """The most high-risk cases held before the C3 warning: the warning share of the same
    base as the cap (the soft limit, or the cases held), as a whole number of cases."""
    base = status.cases if policy.high_risk_basis is HighRiskBasis.CASELOAD else status.soft_limit
    return math.floor(policy.high_risk_warning_share * base + _EPSILON)


def chart_rows(team: Team, *, as_of: pendulum.Date) -> tuple[ChartRow, ...]:
    """One row per holder of ``team`` on ``as_of``, in the order the library reports them."""
    policy = team.caseload_policy()
    return tuple(
        ChartRow(status=s, high_risk_warning=_warning_level(policy, s))
        for s in team_status(team, as_of=as_of).members
    )


def _figure(value: float) -> str:
    # One decimal at most, as the command prints loads (weights like 0.75 x 1.25).
    return f"{value:.1f}".removesuffix(".0")


def _day(day: pendulum.Date) -> str:
    return f"{day.day} {day.format('MMMM YYYY')}"


def _finding_label(finding: CaseloadFinding) -> str:
    """A short label for the status column: severity in words, the quantity, the rule."""
    word = {Severity.ERROR: "BREACH", Severity.WARNING: "warning"}.get(finding.severity, "note")
    what = "high-risk" if finding.code.startswith("high-risk") else "load"
    if finding.measured is not None and finding.limit is not None:
        numbers = f"{_figure(finding.measured)} > {_figure(finding.limit)}"
        return f"{word}: {what} {numbers} ({finding.rule_id})"
    return f"{word}: {finding.message} ({finding.rule_id})"


def _severity_order(finding: CaseloadFinding) -> int:
    return list(Severity).index(finding.severity)


def _colour(findings: Iterable[CaseloadFinding]) -> str:
    severities = {f.severity for f in findings}
    if Severity.ERROR in severities:
        return _BREACH
    if Severity.WARNING in severities:
        return _WARNING
    return _OK


def _nice_step(top: float, ticks: int) -> float:
    """A tick step of 1, 2 or 5 times a power of ten giving at most ``ticks`` intervals."""
    raw = max(top, 1.0) / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _axis_top(values: Iterable[float], ticks: int, minimum: float = 1.0) -> tuple[float, float]:
    top = max([minimum, *values])
    step = _nice_step(top, ticks)
    return math.ceil(top / step - _EPSILON) * step, step


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: int = 11,
    weight: str | None = None,
    fill: str = "currentColor",
    cls: str | None = None,
) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text{klass} x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"'
        f'{bold} fill="{fill}">{html.escape(text)}</text>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, *, width: float, dashed: bool) -> str:
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
        f'stroke="currentColor" stroke-width="{width}"{dash}/>'
    )


def _limit_mark(x: float, mid: float, *, soft: bool) -> str:
    """A limit's tick across a bar: dashed and thin for a soft limit or warning level,
    solid and thick for a hard limit or cap."""
    return _line(x, mid - _MARK_H, x, mid + _MARK_H, width=1.6 if soft else 2.4, dashed=soft)


def _axis(
    x0: float,
    width: float,
    y: float,
    top: float,
    step: float,
    title: str,
    grid_top: float,
) -> list[str]:
    parts = [_line(x0, y, x0 + width, y, width=1, dashed=False)]
    count = round(top / step)
    for index in range(count + 1):
        value = index * step
        x = x0 + width * value / top
        parts.append(
            f'<line x1="{x:.1f}" y1="{grid_top:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
            'stroke="currentColor" stroke-opacity="0.12" stroke-width="1"/>'
        )
        parts.append(_line(x, y, x, y + 4, width=1, dashed=False))
        parts.append(_text(x, y + 15, _figure(value), anchor="middle", size=10))
    parts.append(_text(x0 + width / 2, y + 30, title, anchor="middle", size=10))
    return parts


def _width(text: str, size: int = 11) -> float:
    return len(text) * _CHAR_W * size / 11


def caseload_svg(team: Team, *, as_of: pendulum.Date) -> str:
    """The caseload chart of ``team`` on ``as_of`` as a standalone SVG document (a string).

    Each holder's group (``<g class="cc-holder">``) carries ``data-holder``, ``data-load``,
    ``data-cases`` and ``data-breach`` for tools and tests.
    """
    policy = team.caseload_policy()
    rows = chart_rows(team, as_of=as_of)
    statuses = [r.status for r in rows]
    load_top, load_step = _axis_top(
        [v for s in statuses for v in (s.load, s.hard_limit, s.soft_limit)], 6, 10.0
    )
    risk_top, risk_step = _axis_top(
        [
            v
            for r in rows
            for v in (r.status.high_risk, r.status.high_risk_cap, r.high_risk_warning)
        ],
        4,
        4.0,
    )
    labels = [_finding_label(f) for s in statuses for f in s.findings] + ["within limits"]
    holder_w = max([_width(s.holder, 12) for s in statuses] + [_width("000 cases", 10), 40])
    x_load = _MARGIN + holder_w + 12
    x_risk = x_load + _LOAD_W + _GAP
    x_status = x_risk + _RISK_W + _GAP
    status_w = max([_width(t) for t in labels] + [_width("Findings")])
    width = x_status + status_w + _MARGIN
    top = _MARGIN + 26
    axis_y = top + len(rows) * _ROW_H + 4
    parts: list[str] = [
        _text(x_load, _MARGIN + 10, "Weighted caseload and limits", weight="600"),
        _text(x_risk, _MARGIN + 10, "High-risk cases (C3)", weight="600"),
        _text(x_status, _MARGIN + 10, "Findings", weight="600"),
    ]
    parts += _axis(
        x_load, _LOAD_W, axis_y, load_top, load_step, "weighted points (a typical case = 1)", top
    )
    parts += _axis(x_risk, _RISK_W, axis_y, risk_top, risk_step, "cases", top)

    def at_load(value: float) -> float:
        return x_load + _LOAD_W * min(value, load_top) / load_top

    def at_risk(value: float) -> float:
        return x_risk + _RISK_W * min(value, risk_top) / risk_top

    for index, row in enumerate(rows):
        status = row.status
        mid = top + index * _ROW_H + _ROW_H / 2
        bar_y = mid - _BAR_H / 2
        limits = [f for f in status.findings if not f.code.startswith("high-risk")]
        shares = [f for f in status.findings if f.code.startswith("high-risk")]
        row_parts = [
            _text(_MARGIN, mid - 2, status.holder, size=12, weight="600"),
            _text(_MARGIN, mid + 12, f"{status.cases} cases", size=10),
            # The load against the holder's own limits (scaled by FTE: one row each).
            f'<rect x="{x_load:.1f}" y="{bar_y:.1f}" width="{at_load(status.load) - x_load:.1f}" '
            f'height="{_BAR_H}" fill="{_colour(limits)}"/>',
            _limit_mark(at_load(status.soft_limit), mid, soft=True),
            _limit_mark(at_load(status.hard_limit), mid, soft=False),
            _text(
                at_load(status.load) + 4, bar_y - 2, _figure(status.load), size=10, cls="cc-load"
            ),
            # High-risk cases against the warning level and the cap.
            f'<rect x="{x_risk:.1f}" y="{bar_y:.1f}" '
            f'width="{at_risk(status.high_risk) - x_risk:.1f}" height="{_BAR_H}" '
            f'fill="{_colour(shares)}"/>',
            _limit_mark(at_risk(row.high_risk_warning), mid, soft=True),
            _limit_mark(at_risk(status.high_risk_cap), mid, soft=False),
            _text(
                at_risk(status.high_risk) + 4,
                bar_y - 2,
                str(status.high_risk),
                size=10,
                cls="cc-high",
            ),
        ]
        findings = sorted(status.findings, key=_severity_order)
        if not findings:
            row_parts.append(_text(x_status, mid + 4, "within limits", cls="cc-finding"))
        first = mid + 4 - 7 * (len(findings) - 1)
        for line, finding in enumerate(findings):
            error = finding.severity is Severity.ERROR
            row_parts.append(
                _text(
                    x_status,
                    first + 14 * line,
                    _finding_label(finding),
                    weight="700" if error else None,
                    fill=_BREACH if error else "currentColor",
                    cls="cc-finding",
                )
            )
        tip = html.escape(status.summary())
        parts.append(
            f'<g class="cc-holder" data-holder="{html.escape(status.holder)}" '
            f'data-load="{_figure(status.load)}" data-cases="{status.cases}" '
            f'data-breach="{str(row.breach).lower()}"><title>{tip}</title>'
            + "".join(row_parts)
            + "</g>"
        )
    legend_y = axis_y + 52
    legend, legend_end = _legend(_MARGIN, legend_y, width - 2 * _MARGIN, policy)
    parts += legend
    height = legend_end + 6 + _MARGIN
    title = f"Caseloads of the team on {_day(as_of)} ({policy.key} policy)"
    desc = " ".join(caseload_summary(team, as_of=as_of))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="caseload-chart" role="img" '
        f'aria-labelledby="cc-title cc-desc" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" style="{_FONT};max-width:100%;height:auto">'
        f'<title id="cc-title">{html.escape(title)}</title>'
        f'<desc id="cc-desc">{html.escape(desc)}</desc>' + "".join(parts) + "</svg>"
    )


def _legend(x: float, y: float, width: float, policy: CaseloadPolicy) -> tuple[list[str], float]:
    """The keys (bar colours, then markers) wrapped to ``width``; and the last line's y."""
    basis = "of cases held" if policy.high_risk_basis is HighRiskBasis.CASELOAD else "of soft limit"
    per = "team" if policy.scope is LimitScope.TEAM else "holder, scaled by FTE"
    swatches: list[tuple[str, str]] = [
        ("swatch:" + _OK, "within limits"),
        ("swatch:" + _WARNING, "warning"),
        ("swatch:" + _BREACH, "BREACH"),
        ("dashed", f"soft limit ({policy.limit_rule if policy.limit_rule != 'C1' else 'C2'})"),
        ("solid", f"hard limit ({policy.limit_rule}), per {per}"),
        ("dashed", f"high-risk warning {policy.high_risk_warning_share:.0%} {basis}"),
        ("solid", f"high-risk cap {policy.high_risk_share:.0%} {basis}"),
    ]
    parts: list[str] = []
    cx, cy = x, y
    for key, label in swatches:
        item_w = 22 + len(label) * 5.6 + 16
        if cx + item_w > x + width and cx > x:
            cx, cy = x, cy + 18
        if key.startswith("swatch:"):
            parts.append(
                f'<rect x="{cx:.1f}" y="{cy - 9:.1f}" width="16" height="10" '
                f'fill="{key.removeprefix("swatch:")}"/>'
            )
        else:
            parts.append(
                _line(
                    cx + 8,
                    cy - 11,
                    cx + 8,
                    cy + 3,
                    width=2.4 if key == "solid" else 1.6,
                    dashed=key == "dashed",
                )
            )
        parts.append(_text(cx + 22, cy, label, size=10))
        cx += item_w
    return parts, cy


def caseload_summary(team: Team, *, as_of: pendulum.Date) -> list[str]:
    """The chart in sentences: who is in breach and why, who has warnings, who is within
    every limit, and the team's own findings (C6)."""
    status = team_status(team, as_of=as_of)
    policy = team.caseload_policy()
    per = "per team" if policy.scope is LimitScope.TEAM else "per whole-time case manager"
    sentences = [
        f"Caseloads on {_day(as_of)} under the {policy.key} policy: soft limit "
        f"{_figure(policy.soft_limit)} and hard limit {_figure(policy.hard_limit)} "
        f"({policy.limit_rule}) {per}, high-risk cases at most "
        f"{policy.high_risk_share:.0%} (C3)."
    ]

    def described(findings: Sequence[CaseloadFinding]) -> str:
        return "; ".join(
            f"{f.message} ({_figure(f.measured)} against {_figure(f.limit)}, {f.rule_id})"
            if f.measured is not None and f.limit is not None
            else f"{f.message} ({f.rule_id})"
            for f in findings
        )

    within: list[str] = []
    for member in status.members:
        errors = [f for f in member.findings if f.severity is Severity.ERROR]
        warnings = [f for f in member.findings if f.severity is Severity.WARNING]
        if errors:
            sentences.append(f"{member.holder} is in breach: {described(errors)}.")
        if warnings:
            sentences.append(f"{member.holder} has a warning: {described(warnings)}.")
        if not errors and not warnings:
            within.append(member.holder)
    if within:
        verb = "is" if len(within) == 1 else "are"
        sentences.append(f"{_join(within)} {verb} within every limit.")
    sentences.extend(f"Team: {f.message} ({f.rule_id})." for f in status.findings)
    return sentences


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _date_option(argument: str | None) -> str:
    text = (argument or "").strip()
    try:
        pendulum.Date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD, not {text!r}") from None
    return text


class CaseloadChart(SphinxDirective):
    """Render the caseload chart of a team document and its summary in words."""

    has_content = False
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "team": str,
        "as-of": _date_option,
    }

    def run(self) -> list[nodes.Node]:
        root = Path(self.env.srcdir).resolve().parent
        path = root / self.options.get("team", DEFAULT_TEAM)
        # The picture lives in the example file and the library: rebuild when they change.
        self.env.note_dependency(str(path))
        for name in ("casemgmt.services._caseload", "casemgmt.policies._caseload"):
            module_file = getattr(sys.modules.get(name), "__file__", None)
            if module_file:
                self.env.note_dependency(str(Path(module_file).resolve()))
        try:
            team = load_team(path)
        except Exception as error:  # an unreadable or invalid file: a build warning
            raise self.error(f"caseload-chart: cannot load {path.name}: {error}") from None
        given = self.options.get("as-of")
        day = pendulum.Date.fromisoformat(given) if given else default_as_of(team)
        if day is None:
            raise self.error("caseload-chart: the team records no opened_on: give :as-of:")
        svg = nodes.raw(
            "", f'<div class="caseload-chart">{caseload_svg(team, as_of=day)}</div>', format="html"
        )
        summary = " ".join(caseload_summary(team, as_of=day))
        return [svg, nodes.paragraph(summary, summary)]


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``caseload-chart`` directive."""
    app.add_directive("caseload-chart", CaseloadChart)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
