"""The errors casemgmt raises.

Every error derives from :class:`CaseManagementError` and carries a stable, machine-readable
``code``. Errors caused by misuse also derive from the nearest builtin (``ValueError``,
``TypeError``) so that generic handlers keep working.

Messages are built only from field names, JSON paths, codes and the *type* of an offending
input, never from its value: an error that travels into a log or a traceback cannot leak a
name, an NHS number or a date of birth.

>>> problem = Problem(path="$.goals[2].due", code="before_start", message="is before the start")
>>> str(problem)
'$.goals[2].due: is before the start'
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = [
    "CaseManagementError",
    "ColumnError",
    "ConcurrencyError",
    "CurrencyMismatchError",
    "DocumentError",
    "InvalidTransitionError",
    "InvariantError",
    "MismatchError",
    "Problem",
]


@attrs.frozen(kw_only=True)
class Problem:
    """One thing wrong with a value or a document.

    Attributes:
        path: Where the problem is: a JSON path (``$.goals[2].due``) for documents, or a
            dotted field path relative to the object (``due``) for invariants.
        code: Stable machine-readable code (``required``, ``wrong_type``, ``unknown_key``,
            ``before_start``, ``nhs_number_checksum`` ...).
        message: Human-readable reason. Never contains the offending value.
    """

    path: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def under(self, prefix: str) -> Problem:
        """Return the same problem with its path placed under ``prefix``.

        >>> Problem(path="due", code="x", message="m").under("$.goals[2]").path
        '$.goals[2].due'
        >>> Problem(path="$", code="x", message="m").under("$.plan").path
        '$.plan'
        """
        if self.path in ("", "$"):
            path = prefix
        elif self.path.startswith("$"):
            path = prefix + self.path[1:]
        elif self.path.startswith("["):
            path = prefix + self.path
        else:
            path = f"{prefix}.{self.path}"
        return attrs.evolve(self, path=path)


class CaseManagementError(Exception):
    """Root of every error raised by casemgmt.

    Attributes:
        code: Stable machine-readable code of the error kind.
    """

    code: str = "case_management_error"


def _listing(problems: tuple[Problem, ...]) -> str:
    return "; ".join(str(p) for p in problems)


class InvariantError(CaseManagementError, ValueError):
    """An object would break one or more of its invariants.

    Raised at construction (and therefore by every transition, which builds a new object).
    It lists *every* broken invariant of the object, each with the field path.

    Attributes:
        entity: Name of the class whose invariant failed (``"Goal"``).
        problems: Every broken invariant, paths relative to the object.
    """

    code = "invariant"

    def __init__(self, entity: str, problems: Iterable[Problem]) -> None:
        self.entity = entity
        self.problems = tuple(problems)
        super().__init__(f"invalid {entity}: {_listing(self.problems)}")


class DocumentError(CaseManagementError, ValueError):
    """A JSON document could not be loaded.

    Lists every problem found, each with its JSON path from the document root. The message
    names paths, expected types and reasons; it never repeats a value from the document.

    Attributes:
        kind: The document kind that was being loaded (``"case-record"``).
        problems: Every problem, in document order where it is known.
    """

    code = "invalid_document"

    def __init__(self, kind: str, problems: Iterable[Problem]) -> None:
        self.kind = kind
        self.problems = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{kind} document has {count} {noun}: {_listing(self.problems)}")


class MismatchError(CaseManagementError, ValueError):
    """Entities passed to a service together do not belong together (a referral for another
    client, a referral source other than the referral's).

    Attributes:
        service: The service that was called (``"assess_eligibility"``).
        problems: Every mismatch, each with the argument path.
    """

    code = "mismatch"

    def __init__(self, service: str, problems: Iterable[Problem]) -> None:
        self.service = service
        self.problems = tuple(problems)
        super().__init__(f"{service}: {_listing(self.problems)}")


class ColumnError(CaseManagementError, ValueError):
    """A frame given to :mod:`casemgmt.population` lacks columns the programme reads, holds
    them with the wrong type, or already has a column the screen would add.

    The message names every column and the type expected and found; it never shows a value.

    Attributes:
        problems: One per column; the path is the column name.
    """

    code = "bad_columns"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        noun = "column" if count == 1 else "columns"
        super().__init__(f"{count} {noun} cannot be screened: {_listing(self.problems)}")


class CurrencyMismatchError(CaseManagementError, ValueError):
    """Two amounts in different currencies were combined or compared."""

    code = "currency_mismatch"

    def __init__(self, left: str, right: str) -> None:
        self.left = left
        self.right = right
        super().__init__(f"cannot combine amounts in {left} and {right}")


class InvalidTransitionError(CaseManagementError, ValueError):
    """A transition was asked of an object in a state that does not allow it.

    Attributes:
        entity: Class name of the object.
        action: The transition asked for (``"activate"``).
        state: The state the object is in.
        allowed_from: The states from which the transition is allowed.
        allowed_now: The actions the object allows in its current state (given for a
            case, whose transition table is :data:`casemgmt.model.TRANSITIONS`).

    >>> str(InvalidTransitionError("Case", "close", "active", ["closing"], ["start_closing"]))
    'cannot close a Case that is active; allowed from: closing; allowed now: start_closing'
    """

    code = "invalid_transition"

    def __init__(
        self,
        entity: str,
        action: str,
        state: str,
        allowed_from: Iterable[str] = (),
        allowed_now: Iterable[str] = (),
    ) -> None:
        self.entity = entity
        self.action = action
        self.state = state
        self.allowed_from = tuple(allowed_from)
        self.allowed_now = tuple(allowed_now)
        allowed = ", ".join(self.allowed_from) or "no state"
        message = f"cannot {action} a {entity} that is {state}; allowed from: {allowed}"
        if self.allowed_now:
            message += f"; allowed now: {', '.join(self.allowed_now)}"
        super().__init__(message)


class ConcurrencyError(CaseManagementError):
    """A change was made against a version of a case that is no longer the latest: someone
    else changed the case in between (FHIR's ``If-Match`` precondition, HTTP 412).

    Reload the case, check the change still makes sense, and apply it again.

    Attributes:
        case_id: The case's id.
        expected: The version the caller based the change on.
        actual: The case's version now.

    >>> str(ConcurrencyError("C-1", expected=3, actual=4))
    'case C-1 is at version 4, not the expected 3: reload it and apply the change again'
    """

    code = "stale_version"

    def __init__(self, case_id: str, *, expected: int, actual: int) -> None:
        self.case_id = case_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"case {case_id} is at version {actual}, not the expected {expected}: "
            "reload it and apply the change again"
        )
