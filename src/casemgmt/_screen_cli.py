"""The work behind ``casemgmt screen``: read a population file, screen it, print the counts.

The command line itself (options, help) is in :mod:`casemgmt.cli`; this module reads the
file, defends the boundary against bad input and writes the output. It needs the
``population`` extra (Polars and narwhals); :mod:`casemgmt.cli` imports it only when the
command runs.

Input
    ``FILE`` is CSV (a name ending ``.csv``) or Parquet (``.parquet``), one row per person,
    with the columns of :class:`casemgmt.population.Columns` that the programme reads
    (only those are needed; other columns are carried through to ``out_file``). CSV is
    read lazily with Polars, as
    UTF-8 with one header row; a column's type is inferred once, from every value in it
    (not from the first rows only): ``true``/``false`` are booleans, and an empty field
    is a missing value. So a column with one value that does not fit (``yes`` among
    booleans, ``2.5`` among whole numbers) is read as text or numbers, and is reported as
    of the wrong type rather than silently emptied. ``date_of_birth`` is then read as
    dates written ``YYYY-MM-DD``; a value that is not a real date so written is reported
    (how many there are, not what they are).
    A row with fewer fields than the header has the rest missing; one with more is refused.

Output
    A table on standard output: the programme and day, rows screened, eligible (every
    criterion met) and of them excluded (an impactability exclusion, E4), not eligible,
    the rows in each risk tier (when the programme has tiers), and the criteria failed
    most often (a row may fail several; the share is of the rows screened). With
    ``places``, the case finding: how many people are proposed and how many eligible,
    not excluded people are left without a place (C9). With ``group_by``, eligible and
    excluded people for each value of that column (at most :data:`MAX_GROUPS` values are
    shown). ``out_file`` (``.csv`` or ``.parquet``) receives the screened rows (every
    input column plus :data:`casemgmt.population.OUTPUT_COLUMNS`) or, with ``places``,
    only the people proposed, highest predicted risk first (the same columns but
    ``reason``, which is empty for every eligible person).

Problems
    A file that cannot be used (missing, unreadable, empty, not CSV or Parquet, damaged,
    not UTF-8, a row with more fields than the header, a header with no rows) and every
    column that is missing, of the wrong type or already named like a column the screen
    adds, is reported on standard error one line each, ``casemgmt: FILE: reason``, and the
    exit status is 2; no traceback is shown. Messages are built from file names, column
    names, types and reasons: they never repeat a value read from the file (Polars' own
    messages, which may quote the offending text, are never shown).

Progress
    When standard error is a terminal, the stage being worked on (``reading``,
    ``screening``, ``summarising``, ``finding cases``, ``writing``) is shown on it and
    cleared before anything else is written. Nothing is shown otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, NoReturn, TextIO

import pendulum
import polars as pl

from casemgmt.errors import CaseManagementError, ColumnError, Problem
from casemgmt.policies import PROGRAMMES, Programme
from casemgmt.population import (
    CaseFinding,
    Columns,
    GroupExclusions,
    Screening,
    find_cases,
    screen,
    summarise,
)

__all__ = ["MAX_GROUPS", "run"]

Kind = Literal["csv", "parquet"]

_PROG = "casemgmt"
_SUFFIXES: dict[str, Kind] = {".csv": "csv", ".parquet": "parquet"}

MAX_GROUPS = 50
"""``group_by`` tables show at most this many groups: a column with more values (an id,
a date) is not a grouping, and listing its values would list people."""

_LABEL = 22  # width of the label column in the table
_DATE_COLUMNS = (Columns().date_of_birth,)
"""The columns a CSV file holds as text that are read as dates."""


# ----------------------------------------------------------------------- problems


class _InputError(Exception):
    """An input or output that cannot be used: one message per problem, each starting with
    the file name, none holding a value read from a file."""

    def __init__(self, messages: Iterable[str]) -> None:
        self.messages = tuple(messages)
        super().__init__("; ".join(self.messages))


def _fail(file: str, reason: str) -> NoReturn:
    raise _InputError([f"{file}: {reason}"])


def _kind(file: str, what: str) -> Kind:
    kind = _SUFFIXES.get(Path(file).suffix.lower())
    if kind is None:
        _fail(file, f"{what} must be a .csv or .parquet file")
    return kind


# Polars' messages may quote the file's text, so they are matched, never shown.
_CSV_TROUBLES = (
    ("utf-8", "is not UTF-8 text"),
    ("more fields", "a row has more fields than the header"),
    ("could not parse", "a value cannot be read (an unclosed quote?)"),
    ("duplicate", "two columns have the same name"),
)


def _unreadable(file: str, kind: Kind, error: Exception) -> NoReturn:
    if isinstance(error, OSError):
        _fail(file, f"cannot read the file ({error.strerror or type(error).__name__})")
    if isinstance(error, pl.exceptions.NoDataError):
        _fail(file, "is empty")
    if kind == "parquet":
        _fail(file, "cannot be read as Parquet (damaged, or not a Parquet file)")
    text = str(error).casefold()
    for marker, reason in _CSV_TROUBLES:
        if marker in text:
            _fail(file, f"cannot be read as CSV: {reason}")
    _fail(file, "cannot be read as CSV")


# ---------------------------------------------------------------------- reading


def _scan(file: str, kind: Kind) -> pl.LazyFrame:
    """The lazy frame of ``file``, after checking it is a file that can be opened; for CSV,
    with the column types inferred once, from every row."""
    path = Path(file)
    if path.exists() and not path.is_file():
        _fail(file, "is not a file")
    try:
        with path.open("rb") as opened:
            opened.read(1)
        if kind == "parquet":
            return pl.scan_parquet(path, glob=False)
        schema = pl.scan_csv(path, glob=False, infer_schema_length=None).collect_schema()
        return pl.scan_csv(path, glob=False, schema=schema)
    except (pl.exceptions.PolarsError, OSError) as error:
        _unreadable(file, kind, error)


_DATE_TEXT = r"^\d{4}-\d{2}-\d{2}$"


def _parse_dates(file: str, frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """``frame`` with the text columns ``names`` read as ``YYYY-MM-DD`` dates; every value
    that is not one is reported (by count: the values themselves are never shown)."""
    parsed = {
        name: pl.when(pl.col(name).str.contains(_DATE_TEXT)).then(
            pl.col(name).str.to_date("%Y-%m-%d", strict=False)
        )
        for name in names
    }
    converted = frame.with_columns(**parsed)
    troubles = []
    for name in names:
        bad = converted[name].null_count() - frame[name].null_count()
        if bad:
            values = "value is" if bad == 1 else "values are"
            troubles.append(
                f"{file}: column {name!r}: {bad} {values} not a date written YYYY-MM-DD"
            )
    if troubles:
        raise _InputError(troubles)
    return converted


# How a CSV file must write each kind of column for Polars to read it as that kind.
_CSV_HINTS = {
    "a date column": "a date written YYYY-MM-DD",
    "a boolean column": "true or false",
    "an integer column": "a whole number",
    "a numeric column": "a number",
}


def _column_message(problem: Problem, kind: Kind, group_by: str | None) -> str:
    name = problem.path
    if problem.code == "missing_column":
        if name == group_by:
            return f"column {name!r} (named by --group-by) is missing"
        needed = problem.message.removeprefix("missing: ")
        return f"column {name!r} is missing: the screen needs {needed}"
    if problem.code == "output_exists":
        return f"column {name!r} already exists: the screen adds a column of that name"
    message = f"column {name!r}: {problem.message}"
    if kind == "csv" and problem.code == "wrong_type":
        for label, hint in _CSV_HINTS.items():
            if problem.message.startswith(f"expected {label},"):
                return f"{message} (in CSV, every value must be {hint}, or empty)"
    return message


def _check_columns(
    file: str,
    kind: Kind,
    schema: pl.Schema,
    *,
    programme: Programme,
    as_of: pendulum.Date,
    places: int | None,
    group_by: str | None,
) -> None:
    """Report every column problem before any row is read, by screening an empty frame
    with the file's columns."""
    probe = pl.DataFrame(schema=schema)
    found: dict[str, Problem] = {}
    finds = places is not None or group_by is not None
    for finding in (False, True) if finds else (False,):
        try:
            if finding:
                find_cases(probe, programme=programme, places=0, as_of=as_of, group_by=group_by)
            else:
                screen(probe, programme=programme, as_of=as_of)
        except ColumnError as error:
            for problem in error.problems:
                found.setdefault(problem.path, problem)
    if found:
        raise _InputError(f"{file}: {_column_message(p, kind, group_by)}" for p in found.values())


def _read(
    file: str,
    kind: Kind,
    *,
    programme: Programme,
    as_of: pendulum.Date,
    places: int | None,
    group_by: str | None,
) -> pl.DataFrame:
    lazy = _scan(file, kind)
    try:
        schema = lazy.collect_schema()
        if kind == "csv" and lazy.head(1).collect().height == 0:
            _fail(file, "has a header but no rows")
    except (pl.exceptions.PolarsError, OSError) as error:
        _unreadable(file, kind, error)
    # CSV has no date type: a date column is text until it is parsed, after reading.
    dates = [n for n in _DATE_COLUMNS if kind == "csv" and schema.get(n) == pl.String]
    typed = pl.Schema({n: pl.Date() if n in dates else t for n, t in schema.items()})
    _check_columns(
        file, kind, typed, programme=programme, as_of=as_of, places=places, group_by=group_by
    )
    try:
        data = lazy.collect()
    except (pl.exceptions.PolarsError, OSError) as error:
        _unreadable(file, kind, error)
    return _parse_dates(file, data, dates) if dates else data


def _write(frame: pl.DataFrame, file: str, kind: Kind) -> None:
    try:
        if kind == "parquet":
            frame.write_parquet(file)
        else:
            frame.write_csv(file)
    except OSError as error:
        _fail(file, f"cannot write the file ({error.strerror or type(error).__name__})")
    except pl.exceptions.PolarsError:
        _fail(file, "cannot write the file")


# ---------------------------------------------------------------------- printing


def _share(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else "     -"


def _line(label: str, count: int, note: str = "") -> str:
    return f"{label:<{_LABEL}}{count:>8}{'   ' + note if note else ''}".rstrip()


def _summary_table(file: str, preset: Programme, as_of: pendulum.Date, s: Screening) -> list[str]:
    lines = [
        f"{'File':<{_LABEL}}{file}",
        f"{'Programme':<{_LABEL}}{preset.key} ({preset.name})",
        f"{'As of':<{_LABEL}}{as_of.isoformat()}",
        "",
        _line("Rows screened", s.screened),
        _line("Eligible", s.eligible, f"{_share(s.eligible, s.screened)} of rows"),
        _line("  excluded (E4)", s.excluded, f"{_share(s.excluded, s.eligible)} of eligible"),
        _line(
            "Not eligible",
            s.screened - s.eligible,
            f"{_share(s.screened - s.eligible, s.screened)} of rows",
        ),
    ]
    if s.by_tier:
        lines += ["", "Risk tier (E1), all rows"]
        lines += [
            _line(f"  {tier}", count, f"{_share(count, s.screened)} of rows")
            for tier, count in s.by_tier
        ]
    lines += ["", "Criteria not met, most often first (a row may fail several)"]
    reasons = s.top_reasons()
    if reasons:
        lines.append(f"  {'criterion':<28}{'rule':<6}{'rows':>8}{'share':>9}")
        lines += [
            f"  {r.key:<28}{r.rule_id:<6}{r.failed:>8}   {_share(r.failed, s.screened)}"
            for r in reasons
        ]
    else:
        lines.append("  none: every row met every criterion")
    return lines


def _finding_table(finding: CaseFinding, places: int) -> list[str]:
    offered = finding.eligible - finding.excluded
    return [
        "",
        f"Case finding: {places} {'place' if places == 1 else 'places'}",
        _line("  proposed", finding.proposed_count, "highest predicted risk first"),
        _line("  unplaced", finding.unplaced, f"of {offered} eligible, not excluded (C9)"),
    ]


def _group_label(group: object) -> str:
    return "(missing)" if group is None else str(group)


def _groups_table(column: str, groups: Sequence[GroupExclusions]) -> list[str]:
    lines = ["", f"Exclusions (E4) by {column}"]
    if len(groups) > MAX_GROUPS:
        lines.append(
            f"  {len(groups)} groups: too many to show (at most {MAX_GROUPS}); "
            "group by a column with few values"
        )
        return lines
    labels = [_group_label(g.group) for g in groups]
    width = max([len("group"), *map(len, labels)])
    lines.append(f"  {'group':<{width}}{'eligible':>10}{'excluded':>10}{'rate':>9}")
    for label, g in zip(labels, groups, strict=True):
        rate = _share(g.excluded, g.eligible)
        lines.append(f"  {label:<{width}}{g.eligible:>10}{g.excluded:>10}   {rate}")
    return lines


# ----------------------------------------------------------------------- running


class _Stages:
    """The stage being worked on, on a terminal's standard error, redrawn in place; nothing
    when standard error is not a terminal."""

    def __init__(self, err: TextIO) -> None:
        self.err = err
        self.enabled = _is_tty(err)
        self.shown = ""

    def show(self, text: str) -> None:
        if not self.enabled:
            return
        line = f"{text}..."
        self.err.write("\r" + line.ljust(len(self.shown)))
        self.err.flush()
        self.shown = line

    def clear(self) -> None:
        if self.shown:
            self.err.write("\r" + " " * len(self.shown) + "\r")
            self.err.flush()
            self.shown = ""


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, OSError, ValueError):
        return False


def run(
    file: str,
    *,
    programme: str,
    as_of: pendulum.Date,
    places: int | None = None,
    out_file: str | None = None,
    group_by: str | None = None,
    out: TextIO,
    err: TextIO,
) -> int:
    """Screen the population in ``file`` for ``programme`` and print the counts to ``out``.

    Args:
        file: A ``.csv`` or ``.parquet`` file, one row per person.
        programme: A key of :data:`~casemgmt.policies.PROGRAMMES`.
        as_of: The screening day (ages are computed on it).
        places: How many people to propose (:func:`casemgmt.population.find_cases`);
            ``None`` to screen only.
        out_file: A ``.csv`` or ``.parquet`` file to write the screened rows to or, with
            ``places``, the people proposed.
        group_by: A column to break eligible and excluded people down by.
        out: Where the table goes.
        err: Where problems (and, on a terminal, progress) go.

    Returns:
        0 when the file was screened (and ``out_file`` written), 2 when an input cannot be
        used or ``out_file`` cannot be written.
    """
    preset = PROGRAMMES[programme]
    stages = _Stages(err)
    try:
        kind = _kind(file, "the population")
        out_kind = None if out_file is None else _kind(out_file, "--out")
        if out_file is not None:
            target = Path(out_file)
            if target.resolve() == Path(file).resolve():
                _fail(out_file, "--out must not be the file being screened")
            if not target.parent.is_dir():
                _fail(out_file, "cannot write the file (no such folder)")
        stages.show(f"reading {file}")
        data = _read(file, kind, programme=preset, as_of=as_of, places=places, group_by=group_by)
        stages.show(f"screening {data.height} rows")
        screened = screen(data, programme=preset, as_of=as_of)
        stages.show("summarising")
        summary = summarise(screened, programme=preset)
        finding: CaseFinding | None = None
        if places is not None or group_by is not None:
            stages.show("finding cases")
            # More places than rows propose the same people, and the engine takes no more.
            finding = find_cases(
                data,
                programme=preset,
                places=min(places or 0, data.height),
                as_of=as_of,
                group_by=group_by,
            )
        written = ""
        if out_file is not None and out_kind is not None:
            stages.show(f"writing {out_file}")
            if finding is not None and places is not None:
                rows, what = finding.proposed, "proposed people"
            else:
                rows, what = screened, "screened rows"
            _write(rows, out_file, out_kind)
            written = f"Wrote {rows.height} {what} to {out_file}"
    except _InputError as problem:
        stages.clear()
        for message in problem.messages:
            print(f"{_PROG}: {message}", file=err)
        return 2
    except CaseManagementError as error:
        # Library messages name columns, codes and types, never a value.
        stages.clear()
        print(f"{_PROG}: {file}: cannot be screened: {error}", file=err)
        return 2
    stages.clear()
    lines = _summary_table(file, preset, as_of, summary)
    if finding is not None and places is not None:
        lines += _finding_table(finding, places)
    if finding is not None and group_by is not None:
        lines += _groups_table(group_by, finding.exclusions_by_group)
    if written:
        lines += ["", written]
    print("\n".join(lines), file=out)
    return 0
