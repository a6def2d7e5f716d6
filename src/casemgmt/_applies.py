"""Which functions apply which rules: the ``applies`` marker and its registry.

A service, policy or model function that applies a rule says so with ``@applies("C1")``.
The function is returned unchanged (no wrapper, no cost when it is called); the marker only
records it, so the rule catalogue (``casemgmt.catalogue``, ``casemgmt rules`` and the docs)
can list the functions that apply each rule without a hand-kept table that could drift.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["applied_by", "applies"]

_F = TypeVar("_F", bound=Callable[..., Any])

_RULE_ID = re.compile(r"[EACPFMXO][1-9]")

_APPLIED: dict[str, list[Callable[..., Any]]] = {}


def applies(*rule_ids: str) -> Callable[[_F], _F]:
    """Record that the decorated function or method applies ``rule_ids``.

    Put it next to ``def`` (under ``@property`` or ``@staticmethod``, if any).

    The module sits below every layer (it imports nothing of the library), so model
    methods can be marked too; the catalogue's tests check that every id marked is one of
    :data:`casemgmt.rules.RULES`.

    Raises:
        ValueError: When no id is given or one is not shaped like a rule id (``"C1"``), at
            import time, so a mistyped id cannot ship.

    >>> from casemgmt.services import caseload_status
    >>> caseload_status in applied_by("C1")
    True
    """
    malformed = [rule_id for rule_id in rule_ids if not _RULE_ID.fullmatch(rule_id)]
    if malformed or not rule_ids:
        raise ValueError(f"applies() needs rule ids such as 'C1'; got {list(rule_ids)}")

    def mark(function: _F) -> _F:
        for rule_id in rule_ids:
            appliers = _APPLIED.setdefault(rule_id, [])
            if function not in appliers:
                appliers.append(function)
        return function

    return mark


def applied_by(rule_id: str) -> tuple[Callable[..., Any], ...]:
    """The functions marked as applying ``rule_id``, in the order they were imported.

    Only modules already imported have registered theirs: ``casemgmt.catalogue`` imports
    the whole library before it asks.
    """
    return tuple(_APPLIED.get(rule_id, ()))
