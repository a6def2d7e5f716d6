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

from collections.abc import Iterable, Mapping
from types import MappingProxyType

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
    "PROBLEM_CODES",
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


PROBLEM_CODES: Mapping[str, str] = MappingProxyType(
    {
        # -- reading JSON text (casemgmt.serialization.parse_json) --------------------------
        "not_utf8": "The text is not UTF-8 (it has a UTF-16 or UTF-32 byte-order mark, or "
        "bytes that cannot be decoded).",
        "not_json": "The text is empty or is not strict JSON (NaN, Infinity, numbers too "
        "large to load and lone surrogates are refused).",
        "too_deep": "The JSON is nested too deeply to load.",
        # -- the document envelope and its structure ------------------------------------------
        "unsupported_schema_version": "The document's schema_version is not the one this "
        "release reads.",
        "wrong_kind": "The document's document_kind is not the kind of document being loaded.",
        "unknown_key": "The document holds a key its schema does not know.",
        "required": "A required value is missing: a key of the document, or a field the "
        "object needs in its state (a closed case needs its closing date).",
        "wrong_type": "A value, field or frame column has the wrong type (a string where an "
        "integer is expected).",
        "invalid": "A value cannot be loaded for a reason no more specific code covers.",
        "bad_date": "A date has the YYYY-MM-DD shape but is not a calendar date.",
        "naive_datetime": "A date-time has no UTC offset.",
        "not_in_value_set": "A coded value is not one of the values its value set allows.",
        "duplicate_member": "An array that stands for a set repeats a member.",
        # -- values -------------------------------------------------------------------------
        "bad_amount": "A money amount is not a decimal string, or has more decimals than "
        "its currency allows.",
        "unknown_currency": "A currency is not one of the currencies the library knows.",
        "bad_id": "An identifier is not 1-64 letters, digits, '.', '_', ':' or '-' starting "
        "with a letter or digit.",
        "nhs_number_format": "An NHS number is not exactly ten digits.",
        "nhs_number_checksum": "An NHS number fails the Modulus 11 check digit.",
        "bad_key": "A policy or programme key is not lower-case letters, digits and hyphens.",
        "not_upper_case": "A postcode district is not written in capitals.",
        "bad_district": "A postcode district is not an outward code such as WA7.",
        "unknown_timezone": "A time zone is not an IANA time zone name.",
        "empty": "A text, name or collection that must have content is empty.",
        "negative": "A count or amount that cannot be negative is negative.",
        "not_positive": "A number that must be at least 1 is below 1.",
        "out_of_range": "A number is outside the range its field allows (a risk outside 0 "
        "to 1, an hour above 23).",
        "above_hard": "A caseload soft limit is above the hard limit.",
        "above_high": "A medium risk cut-off is above the high risk cut-off.",
        "above_cap": "The high-risk warning share is above the high-risk cap.",
        "no_working_days": "A calendar's weekend leaves no working day in the week.",
        # -- order in time --------------------------------------------------------------------
        "before_start": "A date or instant is before the start it must follow (a goal due "
        "before the goal starts, an end before its start).",
        "before_birth": "A date of the client's record is before the client's birth.",
        "backdated": "A consent takes effect before it was given.",
        "not_after_start": "An expiry date is not after the start of what expires.",
        "before_closure": "A case is re-opened at an instant before it closed.",
        "before_previous": "An event of a case history is before the event before it.",
        # -- references and uniqueness ------------------------------------------------------
        "duplicate": "An entry repeats one already given where each must be unique (an id, "
        "a domain, a regulator, a case manager).",
        "duplicate_id": "An entity repeats the id of an earlier one in the same list.",
        "unresolved_reference": "A reference names nothing in the document it is in (no "
        "such entry of a bundle, case manager or plan).",
        "unknown_goal": "An intervention or onward referral serves a goal that is not in the plan.",
        "unknown_check": "A severity override names no check code of casemgmt.rules.CHECKS.",
        "unknown_rule": "A policy cites a rule id other than those it may apply.",
        "unknown_policy": "A team names a caseload policy the library does not know.",
        "unknown_programme": "A case book names a programme the library does not know.",
        "self_reference": "A case names itself as its previous episode.",
        "other_client": "An entity belongs to another client than the one it is given with.",
        "other_source": "A referral source given with a referral is not the referral's source.",
        "other_case": "An event of a case history belongs to another case.",
        # -- states and life cycles -----------------------------------------------------------
        "unexpected": "A field is set that the object's state or kind does not allow (a "
        "closing date on an open case).",
        "not_applicable": "A consent names recipients or purposes its scope does not take.",
        "not_employed": "Employment details are given for a client recorded as not employed.",
        "not_a_turn_down": "A referral outcome given for a turn-down is not ineligible, "
        "inappropriate, duplicate or withdrawn.",
        "live_at_closure": "An intervention of the current plan is still live when the case "
        "closes.",
        "superseded_live": "A plan other than the latest is still live.",
        "not_increasing": "Plan versions do not increase.",
        "not_distinct": "The five levels of a goal attainment scale are not all different.",
        "not_a_start": "A case history does not start with a refer or reopen event.",
        "second_start": "An event other than the first one starts a case.",
        "not_first": "An event that starts a case is not version 1.",
        "out_of_sequence": "The event versions of a case history do not count up from 1 "
        "without a gap.",
        "broken_chain": "An event does not leave from the state the event before it reached.",
        "not_in_history": "A case's status differs from the state its history ends in.",
        "changed": "An event that must keep the case's state changes it.",
        "wrong_target": "An event leads to a state other than the one its action leads to.",
        # -- workforce, funding and policies ------------------------------------------------
        "wrong_regulator": "A professional registration is with a body that does not "
        "regulate the profession.",
        "not_prescribing_profession": "A prescriber is recorded for a profession that cannot "
        "prescribe.",
        "currency_mismatch": "An amount is in a currency other than its funding stream's.",
        "missing_care_optimised": "A closure policy does not make care optimised an MDT decision.",
        "death": "A closure policy asks for an MDT decision or a discharge letter after a death.",
        "never_reopened": "A closure policy lets a case re-open for a reason that always "
        "needs a fresh referral.",
        "no_contact_scope": "A sharing policy asks for contact consent for a recipient kind "
        "no consent scope names.",
        "no_events": "A review clock does not name the events that start and stop it.",
        # -- population frames (ColumnError) -------------------------------------------------
        "missing_column": "A frame lacks a column the programme reads.",
        "output_exists": "A frame already has a column the screen would add.",
        # -- FHIR import (casemgmt.serialization.fhir) ---------------------------------------
        "not_a_bundle": "The input is not a FHIR Bundle.",
        "cardinality": "A bundle does not hold exactly one of a resource it must hold once "
        "(Patient, EpisodeOfCare).",
    }
)
"""Every code a :class:`Problem` raised by casemgmt can carry, with its meaning for a host.

Codes are stable: a host may branch on them, translate them or count them. The meaning is
generic; the problem's ``path`` says which field it is about and its ``message`` what
exactly was found. A test scans the source so that no code is missing here and none is
stale. One exception: :func:`casemgmt.serialization.fhir.validate_bundle` passes through
the error types of ``pydantic-core`` (``missing``, ``string_type`` ...), which belong to
that library.

>>> PROBLEM_CODES["unknown_key"]
'The document holds a key its schema does not know.'
"""
