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

import collections.abc
import datetime as _dt
import enum
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any, ClassVar

import attrs
import pendulum

from casemgmt.errors import InvariantError, Problem

# Field type checks are compiled, once per class, into one straight-line function: checking
# a 30-goal plan touches about 700 fields, so a call per field would dominate loading.
_GLOBALS: dict[str, Any] = {
    "_Date": pendulum.Date,
    "_DateTime": pendulum.DateTime,
    "_datetime": _dt.datetime,
    "_Decimal": Decimal,
}


def _condition(tp: Any, var: str, names: dict[str, Any]) -> tuple[str, str]:
    """Return (Python expression true when ``var`` is *wrong*, expected-type label)."""
    simple = {
        str: (f"type({var}) is not str", "str"),
        int: (f"type({var}) is not int", "int"),
        float: (f"type({var}) is not float and type({var}) is not int", "number"),
        bool: (f"type({var}) is not bool", "bool"),
        Decimal: (f"type({var}) is not _Decimal", "Decimal"),
        pendulum.Date: (
            f"not isinstance({var}, _Date) or isinstance({var}, _datetime)",
            "pendulum.Date",
        ),
        pendulum.DateTime: (
            f"not isinstance({var}, _DateTime) or {var}.utcoffset() is None",
            "aware pendulum.DateTime",
        ),
    }
    if tp in simple:
        return simple[tp]
    supertype = getattr(tp, "__supertype__", None)
    if supertype is not None:  # typing.NewType
        return _condition(supertype, var, names)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        parts = [_condition(a, var, names) for a in rest]
        wrong = " and ".join(f"({c})" for c, _ in parts)
        label = " or ".join(lbl for _, lbl in parts)
        if len(rest) < len(args):
            return f"{var} is not None and {wrong}", f"{label} or null"
        return wrong, label
    if origin in (tuple, frozenset):
        item = f"{var}_item"
        inner, label = _condition(args[0], item, names)
        container = origin.__name__
        return (
            f"type({var}) is not {container} or any({inner} for {item} in {var})",
            f"{container} of {label}",
        )
    if origin is collections.abc.Mapping:
        key, value = f"{var}_key", f"{var}_value"
        key_wrong, key_label = _condition(args[0], key, names)
        value_wrong, value_label = _condition(args[1], value, names)
        names["_Mapping"] = collections.abc.Mapping
        return (
            f"not isinstance({var}, _Mapping) or any(({key_wrong}) or ({value_wrong}) "
            f"for {key}, {value} in {var}.items())",
            f"mapping of {key_label} to {value_label}",
        )
    if isinstance(tp, type) and (issubclass(tp, enum.Enum) or attrs.has(tp)):
        name = f"_T{len(names)}"
        names[name] = tp
        return f"not isinstance({var}, {name})", tp.__name__
    raise TypeError(f"no runtime check for field type {tp!r}")  # pragma: no cover


def _compile_field_check(cls: type[Any]) -> Callable[[Any], list[Problem]]:
    hints = typing.get_type_hints(cls)
    names: dict[str, Any] = dict(_GLOBALS, _wrong=_wrong_type)
    lines = ["def check(self):", "    problems = []"]
    for index, field in enumerate(attrs.fields(cls)):
        var = f"v{index}"
        wrong, label = _condition(hints[field.name], var, names)
        lines.append(f"    {var} = self.{field.name}")
        lines.append(f"    if {wrong}:")
        lines.append(f"        problems.append(_wrong({field.name!r}, {label!r}))")
    lines.append("    return problems")
    namespace: dict[str, Any] = {}
    exec(
        compile("\n".join(lines), f"<field checks of {cls.__qualname__}>", "exec"), names, namespace
    )
    check: Callable[[Any], list[Problem]] = namespace["check"]
    return check


def _wrong_type(field: str, expected: str) -> Problem:
    return Problem(path=field, code="wrong_type", message=f"expected {expected}")


_TYPES_TRUSTED: ContextVar[bool] = ContextVar("casemgmt_types_trusted", default=False)


@contextmanager
def types_trusted() -> Iterator[None]:
    """Skip field *type* checks (never invariants) for objects built inside the block.

    Only the strict converter of :mod:`casemgmt.serialization` uses this: its hooks have
    already checked every field's type, so checking again would only cost time. The flag is
    a context variable, so other threads and tasks are unaffected.
    """
    token = _TYPES_TRUSTED.set(True)
    try:
        yield
    finally:
        _TYPES_TRUSTED.reset(token)


class Validated:
    """Mixin that checks field types and invariants after attrs initialisation."""

    __slots__ = ()
    _field_check: ClassVar[Callable[[Any], list[Problem]] | None] = None

    def __attrs_post_init__(self) -> None:
        cls = type(self)
        if _TYPES_TRUSTED.get():
            problems: list[Problem] = []
        else:
            check = cls.__dict__.get("_field_check")
            if check is None:
                check = _compile_field_check(cls)
                cls._field_check = check
            problems = check(self)
        if not problems:
            problems = list(self._invariants())
        if problems:
            raise InvariantError(cls.__name__, problems)

    def _invariants(self) -> Iterable[Problem]:
        """Every broken invariant. Subclasses override; types are already checked."""
        return ()


def problem(path: str, code: str, message: str) -> Problem:
    """Shorthand used by the ``_invariants`` methods."""
    return Problem(path=path, code=code, message=message)


def duplicates(path: str, ids: list[str]) -> list[Problem]:
    """One problem per id that appears more than once among ``ids``."""
    if len(set(ids)) == len(ids):
        return []
    seen: set[str] = set()
    found: list[Problem] = []
    for index, value in enumerate(ids):
        if value in seen:
            found.append(problem(f"{path}[{index}].id", "duplicate_id", "repeats an earlier id"))
        seen.add(value)
    return found
