"""The work behind ``casemgmt validate``: read plans, validate them, print the reports.

The command line itself (options, help) is in :mod:`casemgmt.cli`; this module reads the
inputs, defends the boundary against hostile files and writes the output.

Inputs
    ``PLAN`` is a ``care-plan`` or ``case-record`` document or, when its name ends in
    ``.jsonl`` or ``.ndjson``, JSON lines: one such document per line, blank lines skipped
    (they still count when lines are numbered). A case record's current plan is validated
    with the record's own funding streams and providers plus any given by options, and
    its report paths are placed under ``$.case.plans[N]``. Files are read as UTF-8 (a
    UTF-8 byte-order mark is allowed); JSON ``NaN``/``Infinity``, numbers too large for a
    float and integers longer than Python's integer-string limit are refused.

Problems
    Everything that makes an input unusable (a missing file, bytes that are not UTF-8,
    text that is not JSON, nesting too deep, a number too large, a document of the wrong
    kind or an invalid one, a case with no plan) is written to standard error, one line
    per problem: ``casemgmt: FILE: PATH: reason`` (``casemgmt: FILE:LINE: ...`` for JSON
    lines). Messages are built from paths, codes and reasons only: they never repeat
    anything read from the input.

JSON lines with ``--format json``
    Standard output has one compact FHIR ``OperationOutcome`` per non-blank input line, in
    input order. Every outcome carries, first among its extensions,
    ``{"url": LINE_EXTENSION, "valueInteger": N}``, N being the line's 1-based number in
    the file, so that a consumer can join outcomes to lines. A line that was validated has
    the outcome of :func:`casemgmt.serialization.operation_outcome`. A line that could not
    be read has only the line extension and one ``fatal`` issue per problem::

        {"resourceType": "OperationOutcome",
         "extension": [{"url": "https://w3id.org/casemgmt/StructureDefinition/line",
                        "valueInteger": 7}],
         "issue": [{"severity": "fatal",
                    "code": "structure",
                    "details": {"text": "$.case.status: expected one of: ..."},
                    "expression": ["case.status"]}]}

    ``details.text`` is the same text as the standard-error line after ``FILE:LINE:``;
    ``expression`` is the problem's JSON path without its leading ``$.`` (``$this`` for
    the whole line) and is left out for a problem with no path (bytes that are not UTF-8).

>>> plan_key = programme_for("Virtual Ward").key
>>> plan_key, programme_for("OHSxtra").key, programme_for("Rehabilitation_Code").key
('virtual-ward', 'ohsxtra', 'rehabilitation-code')
>>> programme_for("Guided Care (Johns Hopkins) pilot").key, programme_for("Pacemaker").key
('guided-care', 'generic')
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, NoReturn, TextIO, TypeVar

import attrs
import pendulum

from casemgmt._summary import latest_recorded_date
from casemgmt.errors import CaseManagementError, DocumentError
from casemgmt.model import CarePlan, CaseRecord, FundingStream, Intervention, Provider
from casemgmt.policies import GENERIC, PROGRAMMES, Programme
from casemgmt.serialization import (
    EXTENSION_BASE,
    from_document,
    kind_of,
    operation_outcome,
    parse_json,
)
from casemgmt.services import PlanValidationReport, validate_plan

__all__ = [
    "JSON_LINES_SUFFIXES",
    "LINE_EXTENSION",
    "Supplied",
    "plan_as_of",
    "programme_for",
    "run",
    "validate_record",
]

T = TypeVar("T")
Format = Literal["text", "json"]

LINE_EXTENSION = EXTENSION_BASE + "line"
"""The URL of the extension giving the input line of an outcome in JSON lines output."""

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
"""File names ending so (in any case) are read as JSON lines."""

_PROG = "casemgmt"
_PLAN_KINDS = "'care-plan' or 'case-record'"


# ----------------------------------------------------------------------- problems


@attrs.frozen
class _Trouble:
    """One reason an input cannot be used: where (a JSON path, or ``None`` for the file or
    line as a whole) and why. Never holds a value read from the input."""

    path: str | None
    message: str

    def __str__(self) -> str:
        return self.message if self.path is None else f"{self.path}: {self.message}"

    def under(self, prefix: str) -> _Trouble:
        if self.path is None:
            return self
        rest = self.path.removeprefix("$")
        return _Trouble(prefix + rest, self.message)


class _InputError(Exception):
    """An input that cannot be used, with every problem found."""

    def __init__(self, troubles: Iterable[_Trouble]) -> None:
        self.troubles = tuple(troubles)
        super().__init__("; ".join(str(t) for t in self.troubles))


def _unreadable(path: str | None, message: str) -> NoReturn:
    raise _InputError([_Trouble(path, message)])


def _write_troubles(where: str, troubles: Iterable[_Trouble], err: TextIO) -> None:
    for trouble in troubles:
        print(f"{_PROG}: {where}: {trouble}", file=err)


# ------------------------------------------------------------------- reading JSON


def _read(file: str) -> bytes:
    try:
        return Path(file).read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        _unreadable(None, f"cannot read the file ({reason})")


def _parse(data: str | bytes, *, line: bool = False) -> object:
    """Parse JSON text strictly (:func:`casemgmt.serialization.parse_json`).

    >>> _parse('{"a": [1, 2.5]}')
    {'a': [1, 2.5]}
    >>> _parse("[NaN]")
    Traceback (most recent call last):
    ...
    casemgmt._validate_cli._InputError: $: is not valid JSON (NaN and Infinity are not JSON numbers)
    """
    try:
        return parse_json(data)
    except DocumentError as error:
        troubles = [_Trouble(p.path, p.message) for p in error.problems]
        if line:  # a line of JSON lines is always line 1 of its own text
            troubles = [
                _Trouble(t.path, t.message.replace("line 1, column", "column")) for t in troubles
            ]
        raise _InputError(troubles) from None


def _structure(cls: type[T], document: object) -> T:
    try:
        return from_document(cls, document)
    except DocumentError as error:
        raise _InputError(_Trouble(p.path, p.message) for p in error.problems) from None
    except RecursionError:
        _unreadable("$", "is nested too deeply to load")


# ------------------------------------------------ funding, providers, services elsewhere


@attrs.frozen(kw_only=True)
class Supplied:
    """What the options supply besides the plan.

    Attributes:
        funding: Funding streams from ``--funding`` files.
        providers: Providers from ``--providers`` files; ``None`` when no such option was
            given (a bare care plan is then validated without providers).
        elsewhere: Services the client receives elsewhere, from ``--elsewhere`` files.
    """

    funding: tuple[FundingStream, ...] = ()
    providers: tuple[Provider, ...] | None = None
    elsewhere: tuple[Intervention, ...] = ()


def _load_all(cls: type[T], file: str) -> list[tuple[str, T]]:
    """Load a document of ``cls`` or a JSON array of them, with each one's path."""
    document = _parse(_read(file))
    if type(document) is list:
        items = [(f"$[{index}]", item) for index, item in enumerate(document)]
    elif type(document) is dict:
        items = [("$", document)]
    else:
        _unreadable("$", f"expected a {kind_of(cls)} document or a JSON array of them")
    loaded: list[tuple[str, T]] = []
    troubles: list[_Trouble] = []
    for path, item in items:
        try:
            loaded.append((path, _structure(cls, item)))
        except _InputError as problem:
            troubles.extend(t.under(path) for t in problem.troubles)
    if troubles:
        raise _InputError(troubles)
    return loaded


def _load_keyed(
    cls: type[T], files: Sequence[str], noun: str, found: dict[str, list[_Trouble]]
) -> list[T]:
    """Load every file; an id given twice must name the same entity each time."""
    by_id: dict[object, T] = {}
    for file in files:
        try:
            loaded = _load_all(cls, file)
        except _InputError as problem:
            found.setdefault(file, []).extend(problem.troubles)
            continue
        for path, entity in loaded:
            key = entity.id  # type: ignore[attr-defined]
            if key not in by_id:
                by_id[key] = entity
            elif by_id[key] != entity:
                found.setdefault(file, []).append(
                    _Trouble(f"{path}.id", f"repeats the id of a different {noun} given earlier")
                )
    return list(by_id.values())


def _load_supplied(
    funding: Sequence[str], providers: Sequence[str] | None, elsewhere: Sequence[str]
) -> tuple[Supplied, dict[str, list[_Trouble]]]:
    found: dict[str, list[_Trouble]] = {}
    streams = _load_keyed(FundingStream, funding, "funding stream", found)
    known = None if providers is None else _load_keyed(Provider, providers, "provider", found)
    services: list[Intervention] = []
    for file in elsewhere:
        try:
            services.extend(entity for _, entity in _load_all(Intervention, file))
        except _InputError as problem:
            found.setdefault(file, []).extend(problem.troubles)
    supplied = Supplied(
        funding=tuple(streams),
        providers=None if known is None else tuple(known),
        elsewhere=tuple(services),
    )
    return supplied, found


# --------------------------------------------------------------- programme and day


def _normalised(text: str) -> str:
    return re.sub(r"[\s_-]+", "-", text.strip().casefold())


def programme_for(name: str) -> Programme:
    """The preset for a case's ``programme`` text; :data:`~casemgmt.policies.GENERIC` when
    none fits.

    A preset fits when its key or its name equals the text, ignoring case and treating
    runs of spaces, underscores and hyphens alike (``"Virtual Ward"`` is ``virtual-ward``),
    or when the text starts with the preset's name followed by a word break (the longest
    such name wins).
    """
    wanted = _normalised(name)
    starts: list[tuple[int, Programme]] = []
    for preset in PROGRAMMES.values():
        full = _normalised(preset.name)
        if wanted in (preset.key, full):
            return preset
        if wanted.startswith(full) and not wanted[len(full)].isalnum():
            starts.append((len(full), preset))
    return max(starts, key=lambda pair: pair[0])[1] if starts else GENERIC


def _plan_dates(plan: CarePlan) -> Iterator[pendulum.Date]:
    # Only what has happened: planned starts and due dates may lie in the future.
    yield plan.created_on
    if plan.agreement is not None:
        yield plan.agreement.agreed_on
    for goal in plan.goals:
        if goal.status_date is not None:
            yield goal.status_date
    for intervention in plan.interventions:
        if intervention.approval is not None:
            yield intervention.approval.approved_on
    for referral in plan.onward_referrals:
        yield referral.sent_on
        if referral.acknowledged_on is not None:
            yield referral.acknowledged_on


def plan_as_of(plan: CarePlan) -> pendulum.Date:
    """The default day to validate a bare ``plan`` for: the latest day the plan records as
    having happened.

    Counts its creation, the client's agreement (its day in Europe/London), goal status
    dates, spend approvals, and onward referrals sent and acknowledged; not planned starts
    or due dates. A case record is validated, as ``demo`` summarises it, as of the latest
    day recorded anywhere in the record. Never reads the clock, so the same input always
    gives the same day.
    """
    return max(_plan_dates(plan))


# ---------------------------------------------------------------------- validating


def _merged(own: Sequence[T], extra: Sequence[T], field: str, noun: str, option: str) -> list[T]:
    """The record's own entities plus the supplied ones; the same entity in both counts
    once, and different entities sharing an id are an input problem."""
    index_of = {e.id: i for i, e in enumerate(own)}  # type: ignore[attr-defined]
    merged = list(own)
    troubles: list[_Trouble] = []
    for entity in extra:
        index = index_of.get(entity.id)  # type: ignore[attr-defined]
        if index is None:
            merged.append(entity)
        elif own[index] != entity:
            troubles.append(
                _Trouble(
                    f"$.{field}[{index}].id",
                    f"a different {noun} with this id is given by {option}",
                )
            )
    if troubles:
        raise _InputError(troubles)
    return merged


def validate_record(
    record: CaseRecord,
    *,
    supplied: Supplied = Supplied(),
    programme: Programme | None = None,
    as_of: pendulum.Date | None = None,
) -> PlanValidationReport:
    """Validate the current plan of ``record``, paths under ``$.case.plans[N]``.

    Args:
        record: The case record.
        supplied: Funding streams, providers and services elsewhere to use besides the
            record's own streams and providers.
        programme: The programme; by default :func:`programme_for` the case's programme.
        as_of: The day; by default the latest day recorded in the record (as ``demo``).

    Raises:
        _InputError: When the case has no plan, or a supplied stream or provider clashes
            with one of the record's.
    """
    plans = record.case.plans
    if not plans:
        _unreadable("$.case.plans", "the case has no care plan to validate")
    plan = plans[-1]
    where = f"$.case.plans[{len(plans) - 1}]"
    funding = _merged(
        record.funding_streams, supplied.funding, "funding_streams", "funding stream", "--funding"
    )
    providers = _merged(
        record.providers, supplied.providers or (), "providers", "provider", "--providers"
    )
    report = validate_plan(
        plan,
        funding=funding,
        policy=programme if programme is not None else programme_for(record.case.programme),
        as_of=as_of if as_of is not None else latest_recorded_date(record),
        providers=providers,
        services_elsewhere=supplied.elsewhere,
    )
    return report.under(where)


@attrs.frozen(kw_only=True)
class _Settings:
    supplied: Supplied
    programme: Programme | None
    as_of: pendulum.Date | None
    output: Format


def _validate(document: object, settings: _Settings) -> PlanValidationReport:
    if type(document) is not dict:
        _unreadable("$", f"expected a JSON object: a {_PLAN_KINDS} document")
    kind = document.get("document_kind")
    if kind == "case-record":
        return validate_record(
            _structure(CaseRecord, document),
            supplied=settings.supplied,
            programme=settings.programme,
            as_of=settings.as_of,
        )
    if kind == "care-plan":
        plan = _structure(CarePlan, document)
        supplied = settings.supplied
        return validate_plan(
            plan,
            funding=supplied.funding,
            policy=settings.programme or GENERIC,
            as_of=settings.as_of if settings.as_of is not None else plan_as_of(plan),
            providers=supplied.providers,
            services_elsewhere=supplied.elsewhere,
        )
    if "document_kind" not in document:
        _unreadable("$.document_kind", f"is required: {_PLAN_KINDS}")
    _unreadable("$.document_kind", f"expected {_PLAN_KINDS}")


def _checked(
    document: object, settings: _Settings, render: Callable[[PlanValidationReport], str]
) -> tuple[bool, str]:
    """Validate one document and render its report; every failure becomes ``_InputError``.

    Returns:
        Whether the plan is free of errors, and the rendered report.
    """
    try:
        report = _validate(document, settings)
        return report.ok, render(report)
    except _InputError:
        raise
    except RecursionError:
        _unreadable("$", "is nested too deeply to validate")
    except CaseManagementError as error:
        # Library messages name paths, codes and ids, never personal data.
        _unreadable("$", f"cannot be validated: {error}")
    except (ValueError, OverflowError):
        # A value the arithmetic or the output cannot hold (an int past the string limit).
        _unreadable("$", "cannot be validated: a value is out of range")


def _fatal(troubles: Sequence[_Trouble], line: int) -> dict[str, Any]:
    issues: list[dict[str, Any]] = []
    for trouble in troubles:
        issue: dict[str, Any] = {
            "severity": "fatal",
            "code": "structure",
            "details": {"text": str(trouble)},
        }
        if trouble.path is not None:
            issue["expression"] = [_expression(trouble.path)]
        issues.append(issue)
    return {
        "resourceType": "OperationOutcome",
        "extension": [_line_extension(line)],
        "issue": issues,
    }


def _expression(path: str) -> str:
    # As casemgmt.serialization does: the JSON path without its root marker.
    return path[2:] if path.startswith("$.") else path.lstrip("$") or "$this"


def _line_extension(line: int) -> dict[str, Any]:
    return {"url": LINE_EXTENSION, "valueInteger": line}


# ------------------------------------------------------------------------ running


class _Progress:
    """``validating 12/40 plans`` on a terminal's standard error, redrawn in place."""

    def __init__(self, err: TextIO, total: int) -> None:
        self.err = err
        self.total = total
        self.step = max(1, total // 200)
        self.shown = ""

    def update(self, done: int) -> None:
        if done % self.step and done != self.total:
            return
        self.shown = f"validating {done}/{self.total} plans"
        self.err.write(f"\r{self.shown}")
        self.err.flush()

    def clear(self) -> None:
        """Blank the line so a message can be written from its start."""
        if self.shown:
            self.err.write("\r" + " " * len(self.shown) + "\r")
            self.shown = ""

    def finish(self) -> None:
        last = f"validating {self.total}/{self.total} plans"
        self.err.write(("" if self.shown == last else f"\r{last}") + "\n")
        self.err.flush()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, OSError, ValueError):
        return False


def run(
    plan_file: str,
    *,
    funding: Sequence[str] = (),
    providers: Sequence[str] | None = None,
    elsewhere: Sequence[str] = (),
    programme: str | None = None,
    as_of: pendulum.Date | None = None,
    output: Format = "text",
    out: TextIO,
    err: TextIO,
) -> int:
    """Validate the plan(s) in ``plan_file`` and print the reports to ``out``.

    Args:
        plan_file: The plan, case record or JSON lines file.
        funding: ``--funding`` files.
        providers: ``--providers`` files, ``None`` when the option was not given.
        elsewhere: ``--elsewhere`` files.
        programme: A key of :data:`~casemgmt.policies.PROGRAMMES`; ``None`` to match a
            case record's programme (or use the generic one for a bare plan).
        as_of: The day to validate for; ``None`` for each plan's :func:`plan_as_of`.
        output: ``"text"`` or ``"json"``.
        out: Where the reports go.
        err: Where problems (and, on a terminal, progress) go.

    Returns:
        2 when any input could not be read, else 1 when any plan has an error, else 0.
    """
    supplied, troubles = _load_supplied(funding, providers, elsewhere)
    if troubles:
        for file, found in troubles.items():
            _write_troubles(file, found, err)
        return 2
    settings = _Settings(
        supplied=supplied,
        programme=None if programme is None else PROGRAMMES[programme],
        as_of=as_of,
        output=output,
    )
    if plan_file.lower().endswith(JSON_LINES_SUFFIXES):
        return _run_lines(plan_file, settings, out, err)
    return _run_single(plan_file, settings, out, err)


def _run_single(file: str, settings: _Settings, out: TextIO, err: TextIO) -> int:
    def render(report: PlanValidationReport) -> str:
        if settings.output == "json":
            return json.dumps(operation_outcome(report), indent=2)
        return str(report)

    try:
        ok, text = _checked(_parse(_read(file)), settings, render)
    except _InputError as problem:
        _write_troubles(file, problem.troubles, err)
        return 2
    print(text, file=out)
    return 0 if ok else 1


def _run_lines(file: str, settings: _Settings, out: TextIO, err: TextIO) -> int:
    try:
        data = _read(file)
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # also UTF-32's marks
            _parse(data)  # refuses the file as a whole, as parse_json words it
    except _InputError as problem:
        _write_troubles(file, problem.troubles, err)
        return 2
    lines = [(n, raw) for n, raw in enumerate(data.split(b"\n"), start=1) if raw.strip()]
    progress = _Progress(err, len(lines)) if lines and _is_tty(err) else None
    counts = {"ok": 0, "errors": 0, "unreadable": 0}
    as_json = settings.output == "json"

    for done, (number, raw) in enumerate(lines, start=1):

        def render(report: PlanValidationReport, line: int = number) -> str:
            if as_json:
                outcome = operation_outcome(report)
                outcome["extension"] = [_line_extension(line), *outcome["extension"]]
                return json.dumps(outcome, separators=(",", ":"))
            return str(report)

        try:
            ok, text = _checked(_parse(raw, line=True), settings, render)
            counts["ok" if ok else "errors"] += 1
        except _InputError as problem:
            counts["unreadable"] += 1
            if progress is not None:
                progress.clear()
            _write_troubles(f"{file}:{number}", problem.troubles, err)
            text = (
                json.dumps(_fatal(problem.troubles, number), separators=(",", ":"))
                if as_json
                else "not validated: the line cannot be read (the problems are on standard error)"
            )
        if as_json:
            print(text, file=out)
        else:
            if done > 1:
                print(file=out)
            print(f"{file}:{number}", file=out)
            print(text, file=out)
        if progress is not None:
            progress.update(done)

    if progress is not None:
        progress.finish()
    if not as_json:
        if lines:
            print(file=out)
        total = len(lines)
        print(
            f"{total} {'plan' if total == 1 else 'plans'}: {counts['ok']} ok, "
            f"{counts['errors']} with errors, {counts['unreadable']} unreadable",
            file=out,
        )
    if counts["unreadable"]:
        return 2
    return 1 if counts["errors"] else 0
