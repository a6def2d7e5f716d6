"""Construction-time checking shared by every entity and value object.

Each model class derives from :class:`Validated`. After attrs has set the fields, the object
checks (1) that every field holds a value of its declared type, and (2) its own invariants
(``_invariants``), and raises one :class:`~casemgmt.errors.InvariantError` listing *every*
problem with its field path. ``attrs.evolve`` builds a new object through ``__init__``, so
every transition re-checks the whole object.

The type check is shallow for nested model objects (they checked themselves when they were
built) and element-wise for tuples and frozensets, so a list or a dict smuggled in where a
tuple of goals belongs is caught with its path.
"""

from __future__ import annotations

import datetime as _dt
import enum
import types
import typing
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, ClassVar

import attrs
import pendulum

from casemgmt.errors import InvariantError, Problem

Check = Callable[[object], str | None]
"""Returns ``None`` when the value fits, else the name of the expected type."""


def _is_date(value: object) -> bool:
    return isinstance(value, pendulum.Date) and not isinstance(value, _dt.datetime)


def _is_aware_datetime(value: object) -> bool:
    return isinstance(value, pendulum.DateTime) and value.utcoffset() is not None


def _is_int(value: object) -> bool:
    return type(value) is int


def _is_float(value: object) -> bool:
    return type(value) is float or type(value) is int


def _simple(name: str, test: Callable[[object], bool]) -> Check:
    def check(value: object) -> str | None:
        return None if test(value) else name

    return check


def _instance(tp: type) -> Check:
    name = tp.__name__

    def check(value: object) -> str | None:
        return None if isinstance(value, tp) else name

    return check


def _optional(inner: Check) -> Check:
    def check(value: object) -> str | None:
        if value is None:
            return None
        wrong = inner(value)
        return None if wrong is None else f"{wrong} or null"

    return check


def _collection(container: type, element: Check) -> Check:
    label = container.__name__

    def check(value: object) -> str | None:
        if type(value) is not container:
            return label
        for item in value:  # type: ignore[attr-defined]
            wrong = element(item)
            if wrong is not None:
                return f"{label} of {wrong}"
        return None

    return check


_SIMPLE: dict[Any, Check] = {
    str: _simple("str", lambda v: type(v) is str),
    int: _simple("int", _is_int),
    float: _simple("number", _is_float),
    bool: _simple("bool", lambda v: type(v) is bool),
    Decimal: _simple("Decimal", lambda v: type(v) is Decimal),
    pendulum.Date: _simple("pendulum.Date", _is_date),
    pendulum.DateTime: _simple("aware pendulum.DateTime", _is_aware_datetime),
}


def _check_for(tp: Any) -> Check:
    if tp in _SIMPLE:
        return _SIMPLE[tp]
    supertype = getattr(tp, "__supertype__", None)
    if supertype is not None:  # typing.NewType
        return _check_for(supertype)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        inner = _check_for(rest[0]) if len(rest) == 1 else _any_of([_check_for(a) for a in rest])
        return _optional(inner) if len(rest) < len(args) else inner
    if origin in (tuple, frozenset):
        return _collection(origin, _check_for(args[0]))
    if isinstance(tp, type) and (issubclass(tp, enum.Enum) or attrs.has(tp)):
        return _instance(tp)
    raise TypeError(f"no runtime check for field type {tp!r}")  # pragma: no cover


def _any_of(checks: list[Check]) -> Check:
    def check(value: object) -> str | None:
        wrongs = [c(value) for c in checks]
        return None if None in wrongs else " or ".join(w for w in wrongs if w)

    return check


class Validated:
    """Mixin that checks field types and invariants after attrs initialisation."""

    __slots__ = ()
    _field_checks: ClassVar[tuple[tuple[str, Check], ...] | None] = None

    @classmethod
    def _compile_checks(cls) -> tuple[tuple[str, Check], ...]:
        hints = typing.get_type_hints(cls)
        checks = tuple(
            (f.name, _check_for(hints[f.name])) for f in attrs.fields(typing.cast(Any, cls))
        )
        cls._field_checks = checks
        return checks

    def __attrs_post_init__(self) -> None:
        checks = type(self).__dict__.get("_field_checks") or self._compile_checks()
        problems: list[Problem] = []
        for name, check in checks:
            expected = check(getattr(self, name))
            if expected is not None:
                problems.append(
                    Problem(path=name, code="wrong_type", message=f"expected {expected}")
                )
        if not problems:
            problems.extend(self._invariants())
        if problems:
            raise InvariantError(type(self).__name__, problems)

    def _invariants(self) -> Iterator[Problem]:
        """Yield every broken invariant. Subclasses override; types are already checked."""
        return iter(())


def problem(path: str, code: str, message: str) -> Problem:
    """Shorthand used by the ``_invariants`` methods."""
    return Problem(path=path, code=code, message=message)


def duplicates(path: str, ids: Iterator[str] | list[str]) -> Iterator[Problem]:
    """Yield one problem per id that appears more than once among ``ids``."""
    seen: set[str] = set()
    reported: set[str] = set()
    for index, value in enumerate(ids):
        if value in seen and value not in reported:
            reported.add(value)
            yield problem(f"{path}[{index}].id", "duplicate_id", "repeats an earlier id")
        seen.add(value)
