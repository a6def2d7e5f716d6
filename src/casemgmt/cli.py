"""The ``casemgmt`` command.

Subcommands:

``casemgmt demo FILE... [--as-of YYYY-MM-DD]``
    Load case-record documents and print a readable summary of each case: what a case
    manager sees on screen, followed by the validation report of its current care plan
    (with the programme matched from the case, on the same day as the summary). No NHS
    number, date of birth or address is printed. Exit status 0, or 1 when a file cannot be
    read or is not a valid case record.

``casemgmt validate-document KIND FILE``
    Load a document of any kind (``case-record``, ``care-plan``, ``provider`` ...) and print
    ``ok``, or every problem, one per line, with its JSON path. Exit status 0, or 1 when
    the file cannot be read or is not a valid document.

``casemgmt validate PLAN [OPTION]...``
    Validate care plans against the rules of care planning and funding
    (:func:`casemgmt.services.validate_plan`) and print every issue. ``PLAN`` is a
    ``care-plan`` or ``case-record`` document, or JSON lines of them (one a line, blank
    lines skipped) when its name ends in ``.jsonl`` or ``.ndjson``. A case record's current
    plan is validated with the record's own funding streams and providers plus those the
    options give, and the report's paths are under ``$.case.plans[N]``. The options:

    ``--funding FILE``, ``--providers FILE``, ``--elsewhere FILE``
        A ``funding-stream``, ``provider`` or ``intervention`` (a service the client
        receives elsewhere) document, or a JSON array of them; each may be repeated. A
        bare care plan given no ``--providers`` is validated without its providers'
        disciplines and registrations, and the report says so.
    ``--programme KEY``
        Whose rules apply (a key of :data:`casemgmt.policies.PROGRAMMES`). Default: the
        preset a case record's programme names (its key or name, ignoring case, spaces,
        underscores and hyphens, or a name starting with the preset's name), else
        ``generic``.
    ``--as-of YYYY-MM-DD``
        The day to validate for. Default: the latest day the plan itself records
        (creation, agreement, goal starts and status dates, intervention starts, spend
        approvals, onward referrals sent and acknowledged); never the clock.
    ``--format text`` (the default)
        Each report: a summary line with the day used, then one issue a line. For JSON
        lines, each report is headed ``FILE:LINE``, reports are separated by a blank line,
        and a last line counts them: ``N plans: A ok, B with errors, C unreadable``.
    ``--format json``
        A FHIR ``OperationOutcome``
        (:func:`casemgmt.serialization.operation_outcome`); for JSON lines, one compact
        outcome a line, in input order, each carrying the extension
        ``EXTENSION_BASE + "line"`` with its line number. An unreadable line becomes an
        outcome with one ``fatal`` issue of code ``structure`` per problem, the problem in
        ``details.text`` and its path in ``expression``.

    On a terminal, JSON lines input shows progress on standard error. Exit status 0 when
    no plan has an error (warnings allowed), 1 when some plan has errors, 2 when any input
    cannot be read: a missing file, bytes that are not UTF-8, text that is not JSON (or
    has ``NaN``, numbers too large, nesting too deep), a document of another kind or an
    invalid one, a case with no plan. 2 wins over 1.

``casemgmt screen FILE --programme KEY --as-of YYYY-MM-DD [OPTION]...``
    Screen a population, one row per person, against a programme's eligibility criteria
    (:func:`casemgmt.population.screen`) and print a table: the rows screened, how many
    are eligible and, of them, excluded by an impactability exclusion (E4), not
    eligible, the rows in each risk tier (when the programme has tiers) and the criteria
    failed most often, each with its key, rule, count and share of the rows. ``FILE`` is
    CSV (``.csv``: UTF-8, one header row; dates ``YYYY-MM-DD``, booleans ``true`` or
    ``false``, an empty field missing) or Parquet (``.parquet``), with the columns of
    :class:`casemgmt.population.Columns` that the programme reads, under their default
    names. Needs the ``population`` extra. The options:

    ``--programme KEY``
        Whose criteria apply (a key of :data:`casemgmt.policies.PROGRAMMES`). Required.
    ``--as-of YYYY-MM-DD``
        The screening day: ages are computed on it. Required: a population file records
        no day of its own to default to, and the command never reads the clock, so the
        same file and options always give the same table.
    ``--places N``
        Also propose at most ``N`` people for case management
        (:func:`casemgmt.population.find_cases`: eligible, not excluded, highest predicted
        risk first) and print how many are proposed and how many are left without a
        place (C9). Needs an ``id`` column besides the programme's.
    ``--group-by COLUMN``
        Also print, for each value of ``COLUMN`` (a deprivation quintile, a practice),
        how many people are eligible and how many of them were excluded (E4: exclusions
        can widen inequalities). At most 50 values are listed.
    ``--out FILE``
        Write the screened rows (every input column, then ``eligible``, ``excluded``,
        ``failed``, ``reason`` and, when the programme has tiers, ``tier``) or, with
        ``--places``, only the people proposed, highest risk first, to ``FILE``: CSV or
        Parquet by its extension. It must not be the file screened.

    On a terminal, the stage being worked on is shown on standard error. Exit status 0
    when the file was screened (and ``--out`` written), 2 when it cannot be: a missing,
    unreadable, empty or damaged file, text that is not UTF-8, a row with more fields
    than the header, a header with no rows, a column the programme reads that is missing
    or of the wrong type (in CSV, a column with one value that does not read as a number
    or a boolean is text), a date of birth not written ``YYYY-MM-DD`` (counted, not
    shown), a column named like one the screen adds, or an ``--out`` that cannot be
    written. Each problem is one line naming the file and the column; no value from the
    file is ever shown.

``casemgmt caseload TEAM [--as-of YYYY-MM-DD] [--allocate] [--method METHOD] [--format FORMAT]``
    Report the caseloads of a team (C1-C8): ``TEAM`` is a ``team`` document (its caseload
    policy's key, its case managers with the case profiles they hold, and the referrals
    waiting). One line per case manager (or per team, under a team-scoped policy) gives
    the open cases, the weighted load against the soft limit and the hard limit, the
    headroom left before the hard limit and the high-risk cases against the cap, followed
    by every breach and warning with its rule id; a last line totals the team, with its
    own findings (C6). The options:

    ``--as-of YYYY-MM-DD``
        The day caseloads are counted on (cases opened after it, or closed on or before
        it, are not held). Default: the latest ``opened_on`` of a case or referral in the
        document; a document without one needs the option. Never the clock.
    ``--allocate``
        Also allocate the referrals waiting on the day (:func:`casemgmt.services.allocate`)
        and print each one, in id order, as placed (``R-01 -> CM-03 (cost 12.0)``) or
        unplaced, with its reasons; then the objective and the caseloads after the
        allocation. Referrals not waiting on the day are listed as skipped.
    ``--method auto|greedy|exact|lp``
        How to allocate (:class:`casemgmt.services.AllocationMethod`; default ``auto``).
        ``lp`` needs the ``allocation`` extra.
    ``--format text`` (the default) or ``--format json``
        The report as text, or as one JSON object with the same numbers (rounded to 6
        decimal places; see :mod:`casemgmt._caseload_cli`).

    Exit status 0 when no case manager is in breach on the day (warnings allowed), 1 when
    one is (over the hard limit or the high-risk cap) or a team-level rule is (C6); the
    allocation is a proposal and does not change it. 2 when the input cannot be used: a
    missing file, text that is not JSON, a document of another kind or an invalid one
    (each problem with its JSON path), no day to count on, or a method that cannot run.

``casemgmt schedule CASES --manager ID [OPTION]...``
    Report one case manager's reviews (M1-M7, A2, P3): ``CASES`` is a ``cases`` document
    (:class:`casemgmt.services.CaseBook`: the programme whose review policy applies, the
    bank-holiday region, the case managers and their cases with the reviews held and the
    events recorded). First what is overdue on the day
    (:func:`casemgmt.services.reviews_due`): each item with its case, rule, due date, days
    overdue, occurrences missed and ``[unverified figure]`` when its allowance is not
    verified; then what falls due in the period (:func:`casemgmt.services.schedule`),
    grouped by day, with the time and a note on days that are not working days. The
    options:

    ``--manager ID``
        The case manager (required). An id the document does not know is an error that
        lists the known ones.
    ``--as-of YYYY-MM-DD``
        The day overdue items are counted on. Default: the latest day the document records
        (a case opened or closed, a referral received, an assessment, a plan version, a
        review held, an event); never the clock.
    ``--from YYYY-MM-DD``, ``--to YYYY-MM-DD``
        The period listed, both days included. Default: from the ``--as-of`` day to the
        Sunday ending its week.
    ``--ics FILE``
        Also write the period's items to ``FILE`` as iCalendar (RFC 5545;
        :func:`casemgmt.serialization.to_icalendar`), stamped with the day at 00:00 UTC so
        the same input gives the same file.
    ``--format text`` (the default) or ``--format json``
        The report as text, or as one JSON object with the same information (see
        :mod:`casemgmt._schedule_cli`).

    Exit status 0 when nothing is overdue, 1 when something is, 2 when the input cannot be
    used: a missing file, text that is not JSON, a document of another kind or an invalid
    one (each problem with its JSON path), an unknown case manager, no day to report on, a
    period that ends before it starts, or an iCalendar file that cannot be written.

``casemgmt export-fhir CASE``
    Print the FHIR R4 ``Bundle`` of the case-record document ``CASE``
    (:func:`casemgmt.serialization.fhir.export_bundle`) as JSON. Exit status 0, or 1 when
    the file cannot be read, is not a valid case record, or holds an amount too large for
    a FHIR decimal.

``casemgmt import-fhir BUNDLE``
    Print the case-record document a FHIR ``Bundle`` holds
    (:func:`casemgmt.serialization.fhir.import_bundle`) as JSON. Exit status 0, or 1 when
    the file cannot be read or the bundle is not one of a valid case record; each problem
    names the bundle entry it concerns.

``casemgmt schema [KIND]``
    Print the JSON Schema (draft 2020-12) of ``KIND`` documents
    (:func:`casemgmt.serialization.json_schema`), or, without ``KIND``, one schema that
    accepts any document, chosen by its ``document_kind``. Exit status 0, or 2 for an
    unknown kind (a usage error).

``casemgmt rules [RULE ...] [--format text|json]``
    Print the rule catalogue (:func:`casemgmt.catalogue.rule_catalogue`): for every rule,
    or the ones named (``C3 X1``, any case), its id, title, area, statement, full citation,
    the checks and the public functions that apply it and the tests that document it. With
    ``--format json``, the same as one JSON object
    (:func:`casemgmt.catalogue.catalogue_document`). Exit status 0, or 2 for an id that is
    not a rule (a usage error).

Problems go to standard error, one line each, prefixed with the file name (``FILE:LINE``
for JSON lines); messages never repeat what the file contains. A usage error exits 2. No
traceback is shown for a bad file.

>>> import json, pathlib, tempfile
>>> provider = {
...     "schema_version": 1,
...     "document_kind": "provider",
...     "id": "P1",
...     "name": "Bridge Physio",
...     "kind": "therapy-practice",
...     "disciplines": ["physiotherapy"],
... }
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder, "provider.json")
...     _ = path.write_text(json.dumps(provider), encoding="utf-8")
...     main(["validate-document", "provider", str(path)])
ok
0
>>> main(["validate-document", "provider", "no-such-file.json"])
1
>>> main(["validate", "no-such-plan.json"])
2
>>> main(["caseload", "no-such-team.json"])
2
>>> main(["schedule", "no-such-cases.json", "--manager", "CM-01"])
2
>>> main(["screen", "no-such-people.csv", "--programme", "pace", "--as-of", "2026-01-05"])
2
>>> main(["import-fhir", "no-such-bundle.json"])
1
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import pendulum

from casemgmt import __version__
from casemgmt._caseload_cli import METHODS
from casemgmt._caseload_cli import run as caseload
from casemgmt._fhir_cli import export_fhir, import_fhir
from casemgmt._rules_cli import rules_command
from casemgmt._schedule_cli import run as review_schedule
from casemgmt._schema_cli import schema_command
from casemgmt._summary import latest_recorded_date, summarise_record
from casemgmt._validate_cli import programme_for, run, validate_record
from casemgmt.errors import CaseManagementError, DocumentError
from casemgmt.model import CaseRecord
from casemgmt.policies import PROGRAMMES
from casemgmt.serialization import DOCUMENT_KINDS, load_json

__all__ = ["main"]

_PROG = "casemgmt"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _FileError(Exception):
    """A file that could not be read or loaded, with one message per problem."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = tuple(messages)
        super().__init__("; ".join(self.messages))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``casemgmt`` command.

    Args:
        argv: The arguments after the program name; ``None`` reads ``sys.argv[1:]``.

    Returns:
        The exit status of the subcommand (see the module documentation); 2 on a usage
        error (argparse has then printed the usage to standard error).
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return _exit_status(stop.code)
    if args.command == "demo":
        return _demo(args.files, args.as_of, sys.stdout, sys.stderr)
    if args.command == "validate":
        return run(
            args.plan,
            funding=args.funding,
            providers=args.providers,
            elsewhere=args.elsewhere,
            programme=args.programme,
            as_of=args.as_of,
            output=args.format,
            out=sys.stdout,
            err=sys.stderr,
        )
    if args.command == "screen":
        return _screen(args, sys.stdout, sys.stderr)
    if args.command == "caseload":
        return caseload(
            args.team,
            as_of=args.as_of,
            allocate_referrals=args.allocate,
            method=args.method,
            output=args.format,
            out=sys.stdout,
            err=sys.stderr,
        )
    if args.command == "schedule":
        return review_schedule(
            args.cases,
            manager=args.manager,
            as_of=args.as_of,
            start=args.start,
            end=args.end,
            ics=args.ics,
            output=args.format,
            out=sys.stdout,
            err=sys.stderr,
        )
    if args.command == "export-fhir":
        return export_fhir(args.case, out=sys.stdout, err=sys.stderr)
    if args.command == "import-fhir":
        return import_fhir(args.bundle, out=sys.stdout, err=sys.stderr)
    if args.command == "schema":
        return schema_command(args.kind, out=sys.stdout, err=sys.stderr)
    if args.command == "rules":
        return rules_command(args.rules, output=args.format, out=sys.stdout, err=sys.stderr)
    return _validate_document(args.kind, args.file, sys.stdout, sys.stderr)


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    return code if isinstance(code, int) else 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Case management: load, check and summarise casemgmt JSON documents.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="print a readable summary of each case-record file",
        description="Load case-record documents and print a summary of each case.",
    )
    demo.add_argument("files", nargs="+", metavar="FILE", help="a case-record JSON document")
    demo.add_argument(
        "--as-of",
        type=_as_of_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day the summary is for (ages are computed on it); "
        "default: the latest day recorded in each case",
    )

    validate = commands.add_parser(
        "validate-document",
        help="check a JSON document of any kind",
        description="Load a document and print 'ok', or every problem with its JSON path.",
    )
    validate.add_argument("kind", choices=sorted(DOCUMENT_KINDS), metavar="KIND", help=_kinds())
    validate.add_argument("file", metavar="FILE", help="the JSON document")

    plans = commands.add_parser(
        "validate",
        help="validate care plans against a programme's rules",
        description="Validate a care plan, the current plan of a case record, or JSON lines "
        "of them. Exit status: 0 no errors, 1 errors found, 2 an input cannot be read.",
    )
    plans.add_argument(
        "plan",
        metavar="PLAN",
        help="a care-plan or case-record document; JSON lines when the name ends in "
        ".jsonl or .ndjson",
    )
    plans.add_argument(
        "--funding",
        action="append",
        default=[],
        metavar="FILE",
        help="a funding-stream document or a JSON array of them (repeatable)",
    )
    plans.add_argument(
        "--providers",
        action="append",
        default=None,
        metavar="FILE",
        help="a provider document or a JSON array of them (repeatable); without it a bare "
        "care plan's provider registrations are not checked",
    )
    plans.add_argument(
        "--elsewhere",
        action="append",
        default=[],
        metavar="FILE",
        help="an intervention document or a JSON array of them: services the client "
        "receives elsewhere (repeatable)",
    )
    plans.add_argument(
        "--programme",
        choices=sorted(PROGRAMMES),
        default=None,
        metavar="KEY",
        help="the programme whose rules apply: "
        + ", ".join(sorted(PROGRAMMES))
        + "; default: the one a case record names, else generic",
    )
    plans.add_argument(
        "--as-of",
        type=_as_of_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day to validate for; default: the latest day each plan records",
    )
    plans.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text reports (default) or FHIR OperationOutcome JSON",
    )

    population = commands.add_parser(
        "screen",
        help="screen a population file against a programme's eligibility criteria",
        description="Screen a CSV or Parquet population, one row per person, against a "
        "programme's eligibility criteria and print the counts; optionally propose people "
        "for the places available. Exit status: 0 screened, 2 an input cannot be used.",
    )
    population.add_argument(
        "file", metavar="FILE", help="a .csv or .parquet file, one row per person"
    )
    population.add_argument(
        "--programme",
        required=True,
        choices=sorted(PROGRAMMES),
        metavar="KEY",
        help="the programme whose criteria apply: " + ", ".join(sorted(PROGRAMMES)),
    )
    population.add_argument(
        "--as-of",
        required=True,
        type=_as_of_date,
        metavar="YYYY-MM-DD",
        help="the screening day (ages are computed on it); required, the clock is never read",
    )
    population.add_argument(
        "--places",
        type=_places,
        default=None,
        metavar="N",
        help="also propose at most N people, highest predicted risk first",
    )
    population.add_argument(
        "--group-by",
        default=None,
        metavar="COLUMN",
        help="also count eligible and excluded people for each value of COLUMN",
    )
    population.add_argument(
        "--out",
        default=None,
        metavar="FILE",
        help="write the screened rows (with --places: the people proposed) to a .csv or "
        ".parquet file",
    )

    team = commands.add_parser(
        "caseload",
        help="report a team's caseloads against its caseload policy; allocate referrals",
        description="Report each case manager's caseload (load, headroom, high-risk share, "
        "breaches with rule ids) from a team document; optionally allocate the referrals "
        "waiting. Exit status: 0 no breach, 1 a case manager in breach, 2 an input cannot "
        "be used.",
    )
    team.add_argument("team", metavar="TEAM", help="a team JSON document")
    team.add_argument(
        "--as-of",
        type=_as_of_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day caseloads are counted on; default: the latest opened_on in the "
        "document (never the clock)",
    )
    team.add_argument(
        "--allocate",
        action="store_true",
        help="also allocate the referrals waiting and show the caseloads after",
    )
    team.add_argument(
        "--method",
        choices=METHODS,
        default="auto",
        help="how to allocate: " + ", ".join(METHODS) + " (default: auto)",
    )
    team.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="a text report (default) or one JSON object",
    )
    _add_schedule(commands)
    _add_fhir(commands)
    return parser


def _add_fhir(commands: Any) -> None:
    export = commands.add_parser(
        "export-fhir",
        help="print a case record as a FHIR R4 Bundle",
        description="Print the FHIR R4 Bundle of a case-record document as JSON.",
    )
    export.add_argument("case", metavar="CASE", help="a case-record JSON document")
    bundle = commands.add_parser(
        "import-fhir",
        help="print the case record a FHIR R4 Bundle holds",
        description="Read a FHIR R4 Bundle and print the case-record document it holds.",
    )
    bundle.add_argument("bundle", metavar="BUNDLE", help="a FHIR Bundle JSON file")
    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of a document kind, or of any document",
        description="Print the JSON Schema (draft 2020-12) of KIND documents, or one schema "
        "that accepts any document when KIND is left out.",
    )
    schema.add_argument(
        "kind", nargs="?", choices=sorted(DOCUMENT_KINDS), metavar="KIND", help=_kinds()
    )
    rules = commands.add_parser(
        "rules",
        help="print the rule catalogue: sources, checks, functions and tests of each rule",
        description="Print every rule of the catalogue, or the RULEs named, with its "
        "statement, full citation, the checks and public functions that apply it and the "
        "tests that document it.",
    )
    rules.add_argument("rules", nargs="*", metavar="RULE", help="rule ids such as C3 (any case)")
    rules.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (the default) or one JSON object",
    )


_SCHEDULE_EPILOG = """\
exit status:
  0  nothing is overdue on the day
  1  something is overdue on the day
  2  the input cannot be used: a missing or unreadable file, text that is not JSON,
     a document of another kind or an invalid one, an unknown case manager, no day
     to report on, a period that ends before it starts, or an --ics file that cannot
     be written

The day is never read from the clock: without --as-of it is the latest date the
document records."""


def _add_schedule(commands: Any) -> None:
    schedule = commands.add_parser(
        "schedule",
        help="list a case manager's overdue and coming reviews (text, JSON, iCalendar)",
        description="From a cases document, list what is overdue for one case manager on the\n"
        "day (with rule ids, days overdue and missed reviews) and what falls due in a\n"
        "period, day by day, on the programme's review policy and the region's working\n"
        "days; optionally write the period as an iCalendar file.",
        epilog=_SCHEDULE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schedule.add_argument("cases", metavar="CASES", help="a cases JSON document")
    schedule.add_argument(
        "--manager", required=True, metavar="ID", help="the case manager's id (required)"
    )
    schedule.add_argument(
        "--as-of",
        type=_as_of_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day overdue items are counted on; default: the latest date recorded in "
        "the document (never the clock)",
    )
    schedule.add_argument(
        "--from",
        dest="start",
        type=_as_of_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the first day of the period listed; default: the --as-of day",
    )
    schedule.add_argument(
        "--to",
        dest="end",
        type=_as_of_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the last day of the period listed; default: the Sunday ending the --as-of week",
    )
    schedule.add_argument(
        "--ics",
        default=None,
        metavar="FILE",
        help="also write the period's reviews to FILE as iCalendar (RFC 5545)",
    )
    schedule.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="a text report (default) or one JSON object",
    )


def _kinds() -> str:
    return "the document kind: " + ", ".join(sorted(DOCUMENT_KINDS))


def _as_of_date(text: str) -> pendulum.Date:
    """Parse an ``--as-of`` value: a calendar date written ``YYYY-MM-DD``.

    Args:
        text: The option's value.

    Returns:
        The date.

    Raises:
        argparse.ArgumentTypeError: When ``text`` is not a real date in that form.

    >>> _as_of_date("2026-04-29")
    Date(2026, 4, 29)
    >>> _as_of_date("2026-02-30")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: not a date as YYYY-MM-DD: '2026-02-30'
    """
    if _DATE.fullmatch(text) is not None:
        try:
            return pendulum.Date.fromisoformat(text)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"not a date as YYYY-MM-DD: {text!r}")


def _places(text: str) -> int:
    """Parse a ``--places`` value: a whole number, 0 or more.

    >>> _places("50")
    50
    >>> _places("-1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: not a whole number of places, 0 or more: '-1'
    """
    if text.isascii() and text.isdigit():
        return int(text)
    raise argparse.ArgumentTypeError(f"not a whole number of places, 0 or more: {text!r}")


def _screen(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``casemgmt screen``; its module (and Polars) is imported only now."""
    try:
        from casemgmt._screen_cli import run as screen
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] not in ("polars", "narwhals"):
            raise
        print(
            f"{_PROG}: screen needs the population extra: pip install 'casemgmt[population]'",
            file=err,
        )
        return 2
    return screen(
        args.file,
        programme=args.programme,
        as_of=args.as_of,
        places=args.places,
        out_file=args.out,
        group_by=args.group_by,
        out=out,
        err=err,
    )


def _load(cls: type[Any], file: str) -> Any:
    """Read ``file`` and load it as a document of ``cls``.

    Raises:
        _FileError: When the file cannot be read, is not JSON or is not a valid document;
            one message per problem, each prefixed with the file name.
    """
    try:
        data = Path(file).read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise _FileError([f"{file}: cannot read the file ({reason})"]) from None
    try:
        return load_json(cls, data)
    except DocumentError as error:
        raise _FileError([f"{file}: {problem}" for problem in error.problems]) from None
    except RecursionError:
        raise _FileError([f"{file}: $: is nested too deeply to load"]) from None


def _report(problem: _FileError, err: TextIO) -> None:
    for message in problem.messages:
        print(f"{_PROG}: {message}", file=err)


def _demo(files: Sequence[str], as_of: pendulum.Date | None, out: TextIO, err: TextIO) -> int:
    """Print a summary of every readable case record; report the others.

    Returns:
        0 when every file was summarised, else 1.
    """
    status = 0
    printed = 0
    for file in files:
        try:
            record: CaseRecord = _load(CaseRecord, file)
            day = as_of if as_of is not None else latest_recorded_date(record)
            text = summarise_record(record, as_of=day) + "\n\n" + _plan_validation(record, day)
        except _FileError as problem:
            _report(problem, err)
            status = 1
            continue
        except CaseManagementError as error:
            # Library messages never carry personal data, so they are safe to show.
            _report(_FileError([f"{file}: {error}"]), err)
            status = 1
            continue
        except (ValueError, OverflowError, RecursionError):
            # A number too large to show (an int past Python's int-string limit).
            _report(_FileError([f"{file}: $: holds a number too large to summarise"]), err)
            status = 1
            continue
        if printed:
            print(file=out)
        print(f"{'=' * 78}\n{file}\n{'=' * 78}", file=out)
        print(text, file=out)
        printed += 1
    return status


def _plan_validation(record: CaseRecord, day: pendulum.Date) -> str:
    """The validation report of the record's current plan, headed by the day and programme."""
    if record.case.current_plan is None:
        return "Care plan validation: no care plan yet"
    preset = programme_for(record.case.programme)
    report = validate_record(record, programme=preset, as_of=day)
    return f"Care plan validation (as of {day}, programme {preset.key})\n{report}"


def _validate_document(kind: str, file: str, out: TextIO, err: TextIO) -> int:
    """Load ``file`` as a ``kind`` document; print ``ok`` or its problems.

    Returns:
        0 when the document is valid, else 1.
    """
    try:
        _load(DOCUMENT_KINDS[kind], file)
    except _FileError as problem:
        _report(problem, err)
        return 1
    print("ok", file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
