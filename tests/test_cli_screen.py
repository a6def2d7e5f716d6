"""``casemgmt screen``: the table against the library's own counts, ``--out``, ``--places``
and ``--group-by``, Parquet input, and files that cannot be screened.

The tests call :func:`casemgmt.cli.main` (or :func:`casemgmt._screen_cli.run` with streams of
their own) on the synthetic population in ``examples/population`` or on files built from it
in ``tmp_path``, and compare what was printed with :func:`casemgmt.population.screen`,
:func:`~casemgmt.population.summarise` and :func:`~casemgmt.population.find_cases` called
directly.
"""

from __future__ import annotations

import importlib.util
import io
import re
import subprocess
import sys
from pathlib import Path

import pendulum
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from casemgmt._screen_cli import MAX_GROUPS, run
from casemgmt.cli import main
from casemgmt.policies import GUIDED_CARE, PROGRAMMES, Programme
from casemgmt.population import OUTPUT_COLUMNS, Columns, find_cases, screen, summarise

FOLDER = Path(__file__).resolve().parents[1] / "examples" / "population"
EXAMPLE = FOLDER / "population.csv"
AS_OF = pendulum.Date(2026, 1, 5)
DAY = AS_OF.isoformat()

MARKER = "Zebedee"
"""Planted in hostile input: no message may repeat it."""

# Programmes whose columns the example population has.
SCREENABLE = ["castlefields", "evercare", "generic", "guided-care", "pace", "virtual-ward"]
SCREENABLE.append("wales-apn")


class FakeTTY(io.StringIO):
    """A standard error that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _frame() -> pl.DataFrame:
    """The example population, read as the command reads it."""
    return pl.read_csv(EXAMPLE, try_parse_dates=True, infer_schema_length=None)


def _screen(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    status = main(["screen", *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


def _count(out: str, label: str) -> int:
    """The number on the table line that starts with ``label`` (after any indent)."""
    found = re.search(rf"^ *{re.escape(label)}  +(\d+)\b", out, re.MULTILINE)
    assert found is not None, f"no line {label!r} in:\n{out}"
    return int(found.group(1))


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}"


def _refused(
    capsys: pytest.CaptureFixture[str], path: Path, *options: str
) -> tuple[list[str], str]:
    """Run on ``path``, expect exit 2 and nothing on standard output; the error lines."""
    status, out, err = _screen(capsys, path, "--programme", "guided-care", "--as-of", DAY, *options)
    assert status == 2
    assert out == ""
    assert MARKER not in err
    lines = err.splitlines()
    assert lines
    for line in lines:
        assert line.startswith(f"casemgmt: {path}: "), line
    return lines, err


# ----------------------------------------------------------------- the happy path


def test_the_table_matches_screen_and_summarise(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _screen(capsys, EXAMPLE, "--programme", "guided-care", "--as-of", DAY)
    assert status == 0
    assert err == ""
    expected = summarise(
        screen(_frame(), programme=GUIDED_CARE, as_of=AS_OF), programme=GUIDED_CARE
    )

    assert f"guided-care ({GUIDED_CARE.name})" in out
    assert DAY in out
    assert _count(out, "Rows screened") == expected.screened == 5000
    assert _count(out, "Eligible") == expected.eligible
    assert _count(out, "excluded (E4)") == expected.excluded
    assert _count(out, "Not eligible") == expected.screened - expected.eligible
    assert 0 < expected.eligible < expected.screened
    assert f"{_share(expected.eligible, expected.screened)} of rows" in out
    assert expected.by_tier
    for tier, count in expected.by_tier:
        assert _count(out, tier) == count
    reasons = expected.top_reasons()
    assert [r.key for r in reasons] == [
        "predicted-risk",
        "age",
        "long-term-conditions",
        "consent",
        "not-already-case-managed",
    ]
    for reason in reasons:
        line = re.search(rf"^  {re.escape(reason.key)} +(\S+) +(\d+) +(\S+)$", out, re.MULTILINE)
        assert line is not None, reason
        assert line.groups() == (
            reason.rule_id,
            str(reason.failed),
            _share(reason.failed, expected.screened),
        )
    assert "Case finding" not in out
    assert "Exclusions (E4) by" not in out
    assert "Wrote" not in out


@pytest.mark.parametrize("key", SCREENABLE)
def test_every_programme_the_columns_allow(capsys: pytest.CaptureFixture[str], key: str) -> None:
    preset: Programme = PROGRAMMES[key]
    status, out, _ = _screen(capsys, EXAMPLE, "--programme", key, "--as-of", DAY)
    assert status == 0
    expected = summarise(screen(_frame(), programme=preset, as_of=AS_OF), programme=preset)
    assert _count(out, "Eligible") == expected.eligible
    assert ("Risk tier" in out) == (preset.eligibility.tiers is not None)
    for reason in expected.top_reasons():
        assert re.search(
            rf"^  {re.escape(reason.key)} +{reason.rule_id} +{reason.failed} ", out, re.M
        )


def test_the_screening_day_matters(capsys: pytest.CaptureFixture[str]) -> None:
    counts = []
    for day in ("1990-01-01", DAY):
        status, out, _ = _screen(capsys, EXAMPLE, "--programme", "pace", "--as-of", day)
        assert status == 0
        counts.append(_count(out, "Eligible"))
    assert counts[0] < counts[1]  # fewer people were 55 or over in 1990


def test_places_and_group_by_match_find_cases(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _screen(
        capsys,
        EXAMPLE,
        *("--programme", "guided-care", "--as-of", DAY),
        *("--places", "50", "--group-by", "deprivation_quintile"),
    )
    assert status == 0
    assert err == ""
    expected = find_cases(
        _frame(),
        programme=GUIDED_CARE,
        places=50,
        as_of=AS_OF,
        group_by="deprivation_quintile",
    )
    assert "Case finding: 50 places" in out
    assert _count(out, "proposed") == expected.proposed_count == 50
    assert _count(out, "unplaced") == expected.unplaced > 0
    assert f"of {expected.eligible - expected.excluded} eligible, not excluded" in out
    section = out.split("Exclusions (E4) by deprivation_quintile\n")[1].splitlines()
    rows = [line.split() for line in section[1:]]
    groups = expected.exclusions_by_group
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5", "(missing)"]
    assert [(int(r[1]), int(r[2])) for r in rows] == [(g.eligible, g.excluded) for g in groups]
    assert sum(int(r[1]) for r in rows) == expected.eligible


def test_more_places_than_people(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _screen(
        capsys, EXAMPLE, "--programme", "guided-care", "--as-of", DAY, "--places", "9" * 30
    )
    assert status == 0
    eligible = _count(out, "Eligible")
    assert _count(out, "proposed") == eligible
    assert _count(out, "unplaced") == 0
    assert f"Case finding: {'9' * 30} places" in out


def test_no_places(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _screen(
        capsys, EXAMPLE, "--programme", "guided-care", "--as-of", DAY, "--places", "0"
    )
    assert status == 0
    assert _count(out, "proposed") == 0
    assert _count(out, "unplaced") == _count(out, "Eligible")


def test_group_by_without_places(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _screen(
        capsys,
        EXAMPLE,
        *("--programme", "guided-care", "--as-of", DAY, "--group-by", "deprivation_quintile"),
    )
    assert status == 0
    assert "Case finding" not in out
    assert "Exclusions (E4) by deprivation_quintile" in out


def test_a_column_with_many_values_is_not_listed(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _screen(
        capsys, EXAMPLE, "--programme", "guided-care", "--as-of", DAY, "--group-by", "id"
    )
    assert status == 0
    assert f"5000 groups: too many to show (at most {MAX_GROUPS})" in out
    assert "P00001" not in out


# --------------------------------------------------------------------------- --out


def test_out_csv_holds_the_screened_rows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "screened.csv"
    status, out, _ = _screen(
        capsys, EXAMPLE, "--programme", "guided-care", "--as-of", DAY, "--out", target
    )
    assert status == 0
    assert out.rstrip().endswith(f"Wrote 5000 screened rows to {target}")
    frame = _frame()
    written = pl.read_csv(target, try_parse_dates=True, infer_schema_length=None)
    expected = screen(frame, programme=GUIDED_CARE, as_of=AS_OF)
    assert written.columns == [*frame.columns, *OUTPUT_COLUMNS]
    assert_frame_equal(written, expected, check_dtypes=False)


def test_out_parquet_holds_the_screened_rows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "screened.parquet"
    status, _, _ = _screen(
        capsys, EXAMPLE, "--programme", "wales-apn", "--as-of", DAY, "--out", target
    )
    assert status == 0
    expected = screen(_frame(), programme=PROGRAMMES["wales-apn"], as_of=AS_OF)
    assert_frame_equal(pl.read_parquet(target), expected)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_out_with_places_holds_the_people_proposed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str
) -> None:
    target = tmp_path / f"proposed{suffix}"
    status, out, _ = _screen(
        capsys,
        EXAMPLE,
        *("--programme", "guided-care", "--as-of", DAY, "--places", "50", "--out", target),
    )
    assert status == 0
    assert f"Wrote 50 proposed people to {target}" in out
    written = pl.read_csv(target) if suffix == ".csv" else pl.read_parquet(target)
    expected = find_cases(_frame(), programme=GUIDED_CARE, places=50, as_of=AS_OF).proposed
    assert written["id"].to_list() == expected["id"].to_list()
    assert written["eligible"].all()
    risks = written["predicted_risk"].to_list()
    assert risks == sorted(risks, reverse=True)


# -------------------------------------------------------------------------- Parquet


def test_parquet_input_gives_the_same_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "population.parquet"
    _frame().write_parquet(source)
    options = ("--programme", "guided-care", "--as-of", DAY, "--places", "25")
    tables = []
    for path in (EXAMPLE, source):
        status, out, err = _screen(capsys, path, *options, "--group-by", "deprivation_quintile")
        assert status == 0
        assert err == ""
        tables.append(out.split("\n", 1)[1])  # all but the file name
    assert tables[0] == tables[1]


def test_parquet_with_mistyped_columns(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "population.parquet"
    _frame().with_columns(
        pl.col("date_of_birth").cast(pl.String),
        pl.col("consent_case_management").cast(pl.Int8),
    ).write_parquet(source)
    lines, _ = _refused(capsys, source)
    assert lines == [
        f"casemgmt: {source}: column 'date_of_birth': expected a date column, found String",
        f"casemgmt: {source}: column 'consent_case_management': "
        "expected a boolean column, found Int8",
    ]


# ------------------------------------------------------------------------ problems


def test_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "no-such-file.csv"
    lines, _ = _refused(capsys, path)
    assert lines == [f"casemgmt: {path}: cannot read the file (No such file or directory)"]


def test_a_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "folder.csv"
    path.mkdir()
    lines, _ = _refused(capsys, path)
    assert lines == [f"casemgmt: {path}: is not a file"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.csv", b"", "is empty"),
        ("header.csv", b"id,date_of_birth,predicted_risk\n", "has a header but no rows"),
        (
            "ragged.csv",
            b"id,date_of_birth\nP1,1950-01-02\nP2,1950-01-02,Zebedee\n",
            "cannot be read as CSV: a row has more fields than the header",
        ),
        (
            "latin1.csv",
            b"id,date_of_birth\nP1,1950-01-02\nZ\xe9b\xe9d\xe9e,1950-01-02\n",
            "cannot be read as CSV: is not UTF-8 text",
        ),
        (
            "garbage.parquet",
            b"PAR1" + b"Zebedee" * 20 + b"PAR1",
            "cannot be read as Parquet (damaged, or not a Parquet file)",
        ),
        (
            "text.parquet",
            b"id,date_of_birth\nZebedee,1950-01-02\n",
            "cannot be read as Parquet (damaged, or not a Parquet file)",
        ),
    ],
)
def test_a_corrupt_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    lines, _ = _refused(capsys, path)
    assert lines == [f"casemgmt: {path}: {reason}"]


def test_binary_data_as_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes(bytes(range(256)) * 4)
    lines, _ = _refused(capsys, path)
    assert len(lines) == 1


def _hostile(changes: dict[str, str], row: str = "P00042") -> pl.DataFrame:
    """The example population as text, with the values in ``changes`` in one row, and a
    postcode for everyone."""
    frame = _frame().with_columns(pl.all().cast(pl.String))
    return frame.with_columns(
        pl.when(pl.col("id") == row).then(pl.lit(value)).otherwise(pl.col(name)).alias(name)
        for name, value in changes.items()
    ).with_columns(postcode=pl.lit("SW1A 1AA"))


def test_wrong_column_types_name_no_value(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "typed.csv"
    _hostile(
        {
            "predicted_risk": MARKER,
            "long_term_conditions": "2.5",
            "consent_case_management": "yes",
            "already_case_managed": "1",
        }
    ).write_csv(path)
    lines, err = _refused(capsys, path)
    prefix = f"casemgmt: {path}: column "
    assert lines == [
        prefix + "'long_term_conditions': expected an integer column, found Float64 "
        "(in CSV, every value must be a whole number, or empty)",
        prefix + "'predicted_risk': expected a numeric column, found String "
        "(in CSV, every value must be a number, or empty)",
        prefix + "'consent_case_management': expected a boolean column, found String "
        "(in CSV, every value must be true or false, or empty)",
        prefix + "'already_case_managed': expected a boolean column, found String "
        "(in CSV, every value must be true or false, or empty)",
    ]
    for value in ("2.5", "yes", "SW1A", "P00042", "1931"):
        assert value not in err


def test_dates_that_are_not_dates(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "dates.csv"
    bad = ["1931-02-30", "17/04/1931", MARKER, "1931-4-17", "1931-04-17T09:00"]
    dates = _frame()["date_of_birth"].cast(pl.String).to_list()
    dates[:5] = bad
    _frame().with_columns(date_of_birth=pl.Series(dates)).write_csv(path)
    lines, err = _refused(capsys, path)
    assert lines == [
        f"casemgmt: {path}: column 'date_of_birth': 5 values are not a date written YYYY-MM-DD"
    ]
    for value in bad:
        assert value not in err


def test_dates_as_numbers(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    _frame().with_columns(pl.col("date_of_birth").dt.strftime("%Y%m%d").cast(pl.Int64)).write_csv(
        path
    )
    lines, _ = _refused(capsys, path)
    assert lines == [
        f"casemgmt: {path}: column 'date_of_birth': expected a date column, found Int64 "
        "(in CSV, every value must be a date written YYYY-MM-DD, or empty)"
    ]


def test_a_value_late_in_the_file_is_seen(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The types come from every row, so a bad value in the last row is not missed.
    path = tmp_path / "late.csv"
    frame = _frame().with_columns(pl.col("emergency_admissions_12m").cast(pl.String))
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == pl.len() - 1)
        .then(pl.lit(MARKER))
        .otherwise(pl.col("emergency_admissions_12m"))
        .alias("emergency_admissions_12m")
    )
    frame.write_csv(path)
    status, out, err = _screen(capsys, path, "--programme", "wales-apn", "--as-of", DAY)
    assert status == 2
    assert out == ""
    assert "'emergency_admissions_12m': expected an integer column, found String" in err
    assert MARKER not in err


def test_missing_columns(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "partial.csv"
    _frame().drop("long_term_conditions", "consent_case_management").write_csv(path)
    lines, _ = _refused(capsys, path)
    assert lines == [
        f"casemgmt: {path}: column 'long_term_conditions' is missing: "
        "the screen needs an integer column",
        f"casemgmt: {path}: column 'consent_case_management' is missing: "
        "the screen needs a boolean column",
    ]


def test_a_programme_reading_columns_the_file_lacks(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _screen(capsys, EXAMPLE, "--programme", "ohsxtra", "--as-of", DAY)
    assert status == 2
    assert out == ""
    assert len(err.splitlines()) == 5
    assert f"casemgmt: {EXAMPLE}: column 'referral_source' is missing" in err


def test_columns_needed_by_places_and_group_by(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "no-id.csv"
    _frame().drop("id").write_csv(path)
    lines, _ = _refused(capsys, path, "--places", "5", "--group-by", "practice")
    assert lines == [
        f"casemgmt: {path}: column 'id' is missing: the screen needs a column",
        f"casemgmt: {path}: column 'practice' (named by --group-by) is missing",
    ]
    # Without --places or --group-by, neither column is needed.
    status, _, _ = _screen(capsys, path, "--programme", "guided-care", "--as-of", DAY)
    assert status == 0


def test_a_column_the_screen_adds(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "tiered.csv"
    _frame().with_columns(tier=pl.lit(MARKER)).write_csv(path)
    lines, _ = _refused(capsys, path)
    assert lines == [
        f"casemgmt: {path}: column 'tier' already exists: the screen adds a column of that name"
    ]


def test_other_column_names(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # The command reads the default names of Columns; a file with others is refused.
    assert Columns().predicted_risk == "predicted_risk"
    path = tmp_path / "renamed.csv"
    _frame().rename({"predicted_risk": "risk"}).write_csv(path)
    lines, _ = _refused(capsys, path)
    assert lines == [
        f"casemgmt: {path}: column 'predicted_risk' is missing: the screen needs a numeric column"
    ]


@pytest.mark.parametrize("name", ["population.txt", "population", "population.json"])
def test_a_file_neither_csv_nor_parquet(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(EXAMPLE.read_bytes())
    lines, _ = _refused(capsys, path)
    assert lines == [f"casemgmt: {path}: the population must be a .csv or .parquet file"]


def test_out_problems(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cases = {
        tmp_path / "out.txt": "--out must be a .csv or .parquet file",
        tmp_path / "no-folder" / "out.csv": "cannot write the file (no such folder)",
        EXAMPLE: "--out must not be the file being screened",
    }
    for target, reason in cases.items():
        status, out, err = _screen(
            capsys, EXAMPLE, "--programme", "guided-care", "--as-of", DAY, "--out", target
        )
        assert status == 2
        assert out == ""
        assert err == f"casemgmt: {target}: {reason}\n"
    assert not (tmp_path / "out.txt").exists()


# ------------------------------------------------------------------- usage errors


def test_an_unknown_programme_lists_the_keys(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _screen(capsys, EXAMPLE, "--programme", "guided", "--as-of", DAY)
    assert status == 2
    assert out == ""
    assert "usage: casemgmt screen" in err
    assert "invalid choice: 'guided'" in err
    for key in PROGRAMMES:
        assert key in err


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--programme", "guided-care"], "the following arguments are required: --as-of"),
        (["--as-of", DAY], "the following arguments are required: --programme"),
        (
            ["--programme", "pace", "--as-of", "2026-02-30"],
            "argument --as-of: not a date as YYYY-MM-DD: '2026-02-30'",
        ),
        (
            ["--programme", "pace", "--as-of", "05/01/2026"],
            "argument --as-of: not a date as YYYY-MM-DD: '05/01/2026'",
        ),
        (
            ["--programme", "pace", "--as-of", DAY, "--places", "-1"],
            "argument --places: not a whole number of places, 0 or more: '-1'",
        ),
        (
            ["--programme", "pace", "--as-of", DAY, "--places", "2.5"],
            "argument --places: not a whole number of places, 0 or more: '2.5'",
        ),
    ],
)
def test_usage_errors(
    capsys: pytest.CaptureFixture[str], options: list[str], expected: str
) -> None:
    status, out, err = _screen(capsys, EXAMPLE, *options)
    assert status == 2
    assert out == ""
    assert expected in err


def test_without_the_population_extra(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "casemgmt._screen_cli")
    monkeypatch.setitem(sys.modules, "polars", None)
    status, out, err = _screen(capsys, EXAMPLE, "--programme", "pace", "--as-of", DAY)
    assert status == 2
    assert out == ""
    assert err == (
        "casemgmt: screen needs the population extra: pip install 'casemgmt[population]'\n"
    )


def test_no_traceback_from_the_installed_command(tmp_path: Path) -> None:
    path = tmp_path / "dates.csv"
    _hostile({"date_of_birth": "1931-02-30", "id": MARKER}).write_csv(path)
    command = [sys.executable, "-m", "casemgmt.cli", "screen", str(path)]
    done = subprocess.run(
        [*command, "--programme", "pace", "--as-of", DAY],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"casemgmt: {path}: column 'date_of_birth': 1 value is not a date written YYYY-MM-DD\n"
    )


# ------------------------------------------------------------------------ progress


def test_progress_on_a_terminal_only() -> None:
    for err, shown in ((FakeTTY(), True), (io.StringIO(), False)):
        out = io.StringIO()
        status = run(
            str(EXAMPLE),
            programme="guided-care",
            as_of=AS_OF,
            places=10,
            group_by="deprivation_quintile",
            out=out,
            err=err,
        )
        assert status == 0
        text = err.getvalue()
        if shown:
            for stage in ("reading", "screening 5000 rows", "summarising", "finding cases"):
                assert f"\r{stage}" in text
            assert text.endswith("\r")  # cleared before the table
            assert "\n" not in text
        else:
            assert text == ""
        assert "Case finding: 10 places" in out.getvalue()


def test_problems_start_on_a_clean_line_on_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "partial.csv"
    _frame().drop("consent_case_management").write_csv(path)
    err = FakeTTY()
    status = run(str(path), programme="guided-care", as_of=AS_OF, out=io.StringIO(), err=err)
    assert status == 2
    progress, message = err.getvalue().rsplit("\r", 1)
    assert progress.startswith("\rreading")
    assert message == (
        f"casemgmt: {path}: column 'consent_case_management' is missing: "
        "the screen needs a boolean column\n"
    )


# --------------------------------------------------------------------- the example


def test_the_example_population() -> None:
    assert EXAMPLE.stat().st_size < 400_000
    frame = _frame()
    assert frame.height == 5000
    assert frame["id"].is_unique().all()
    assert frame.schema["date_of_birth"] == pl.Date
    assert frame.schema["deprivation_quintile"] == pl.Int64
    nulls = frame.null_count().row(0, named=True)
    assert nulls.pop("id") == 0
    assert all(n > 0 for n in nulls.values()), nulls
    assert (FOLDER / "README.md").is_file()


def test_the_example_population_is_what_the_script_makes(tmp_path: Path) -> None:
    pytest.importorskip("numpy")
    spec = importlib.util.spec_from_file_location("make_population", FOLDER / "make_population.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = tmp_path / "population.csv"
    module.main([str(made)])
    assert made.read_bytes() == EXAMPLE.read_bytes(), (
        "examples/population/population.csv differs from what make_population.py makes: "
        "run it again and commit the result"
    )
