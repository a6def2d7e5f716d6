"""The work behind ``casemgmt rules [RULE ...] [--format text|json]``: print the catalogue.

The command line itself is in :mod:`casemgmt.cli`; this module prints
:func:`casemgmt.catalogue.rule_catalogue`, every rule or the ones asked for, as text or as
the JSON of :func:`casemgmt.catalogue.catalogue_document`.

>>> import io
>>> out, err = io.StringIO(), io.StringIO()
>>> rules_command(["C3"], output="text", out=out, err=err)
0
>>> print(out.getvalue().splitlines()[0])
C3  High-risk share of caseload limited  [caseload]
>>> rules_command(["Z9"], output="text", out=out, err=err), err.getvalue().strip()
(2, "casemgmt: rules: no rule 'Z9'; the ids run from E1 to O4")
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from typing import TextIO

from casemgmt.catalogue import CatalogueEntry, catalogue_document, rule_catalogue

__all__ = ["rules_command"]

_WIDTH = 100
_INDENT = " " * 4


def _paragraph(label: str, text: str) -> list[str]:
    return textwrap.wrap(
        f"{label}: {text}" if label else text,
        width=_WIDTH,
        initial_indent=_INDENT,
        subsequent_indent=_INDENT * 2 if label else _INDENT,
        break_on_hyphens=False,
    )


def _listing(label: str, items: Sequence[str]) -> list[str]:
    if not items:
        return [f"{_INDENT}{label}: none"]
    return [f"{_INDENT}{label}:", *(f"{_INDENT * 2}{item}" for item in items)]


def _text(entry: CatalogueEntry) -> list[str]:
    rule = entry.rule
    checks = [f"{c.code} ({c.severity.value})" for c in entry.checks]
    lines = [
        f"{rule.id}  {rule.title}  [{rule.area.value}]",
        *_paragraph("", rule.statement),
        *_paragraph("Sources", rule.citation),
    ]
    if checks:
        lines += _listing("Checks", checks)
    if entry.not_applied:
        lines += _paragraph("Not applied", entry.not_applied)
    else:
        lines += _listing("Applied by", entry.applied_by)
    lines += _listing("Tests", entry.documented_by)
    return lines


def rules_command(rule_ids: Sequence[str], *, output: str, out: TextIO, err: TextIO) -> int:
    """Print the catalogue entries of ``rule_ids`` (every rule when empty).

    Args:
        rule_ids: Rule ids (``"C3"``, case-insensitive), in the order wanted; empty for all.
        output: ``"text"`` (a block per rule, for people) or ``"json"`` (the
            :func:`~casemgmt.catalogue.catalogue_document` shape, with only the rules asked
            for and the sources they cite).
        out: Where the catalogue goes.
        err: Where an unknown id is reported.

    Returns:
        0 when the catalogue was printed; 2 when an id is not a rule (a usage error).
    """
    entries = {entry.rule.id: entry for entry in rule_catalogue()}
    wanted = [rule_id.upper() for rule_id in rule_ids] or list(entries)
    unknown = [rule_id for rule_id in wanted if rule_id not in entries]
    if unknown:
        first, last = next(iter(entries)), next(reversed(entries))
        names = ", ".join(repr(rule_id) for rule_id in unknown)
        print(f"casemgmt: rules: no rule {names}; the ids run from {first} to {last}", file=err)
        return 2
    if output == "json":
        document = catalogue_document()
        by_id = {rule["id"]: rule for rule in document["rules"]}
        document["rules"] = [by_id[rule_id] for rule_id in wanted]
        cited = {source for rule in document["rules"] for source in rule["sources"]}
        document["sources"] = [s for s in document["sources"] if s["id"] in cited]
        out.write(json.dumps(document, indent=2, ensure_ascii=False))
        out.write("\n")
        return 0
    blocks = ["\n".join(_text(entries[rule_id])) for rule_id in wanted]
    out.write("\n\n".join(blocks))
    out.write("\n")
    return 0
