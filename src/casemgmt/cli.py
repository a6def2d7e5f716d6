"""The ``casemgmt`` command.

Subcommands:

``casemgmt demo FILE... [--as-of YYYY-MM-DD]``
    Load case-record documents and print a readable summary of each case: what a case
    manager sees on screen. No NHS number, date of birth or address is printed.

``casemgmt validate-document KIND FILE``
    Load a document of any kind (``case-record``, ``care-plan``, ``provider`` ...) and print
    ``ok``, or every problem, one per line, with its JSON path.

Problems go to standard error, one line each, prefixed with the file name; the exit status
is 0 on success, 1 when a file cannot be read or is not a valid document, 2 on a usage
error. No traceback is shown for a bad file.

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
from casemgmt._summary import latest_recorded_date, summarise_record
from casemgmt.errors import CaseManagementError, DocumentError
from casemgmt.model import CaseRecord
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
        Exit status 0 on success, 1 when a file is unreadable or invalid, 2 on a
        usage error (argparse has then printed the usage to standard error).
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return _exit_status(stop.code)
    if args.command == "demo":
        return _demo(args.files, args.as_of, sys.stdout, sys.stderr)
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
    return parser


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
            text = summarise_record(record, as_of=day)
        except _FileError as problem:
            _report(problem, err)
            status = 1
            continue
        except CaseManagementError as error:
            # Library messages never carry personal data, so they are safe to show.
            _report(_FileError([f"{file}: {error}"]), err)
            status = 1
            continue
        if printed:
            print(file=out)
        print(f"{'=' * 78}\n{file}\n{'=' * 78}", file=out)
        print(text, file=out)
        printed += 1
    return status


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
