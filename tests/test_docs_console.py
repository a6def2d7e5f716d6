"""Every shell example of the documentation is run, and shows what it really prints (issue 9).

pytest runs the ``>>>`` examples of the Markdown pages itself (``--doctest-glob=*.md``); this
module runs the rest of README.md and ``docs/**/*.md`` (not ``docs/_build``):

- Each ```` ```console ```` block is a transcript, one test per block (id ``FILE:LINE`` of
  its opening fence). A line starting ``$ `` is a command (a line ending in ``\\``
  continues on the next); the lines after it, up to the next ``$ ``, are what it prints,
  standard output and standard error together as a terminal shows them, compared exactly
  (trailing spaces aside). A line ``...`` stands for any number of lines, as ``ELLIPSIS``
  does in a doctest. ``$ echo $?`` prints the exit status of the command before it; a
  command whose status the block does not show must exit 0. ``> FILE`` at the end of a
  command sends its standard output to ``FILE``; no other shell syntax (pipes, ``<``,
  ``;``, ``&&``) is understood, and a block using it fails.
- Each ```` ```sh ```` (``shell``, ``bash``) block is a list of commands, one a line, with
  no output shown; its commands are run the same way.
- ``casemgmt ARGS`` (or ``.venv/bin/casemgmt ARGS``) runs :func:`casemgmt.cli.main` in this
  process, with ``COLUMNS=80`` so that ``--help`` wraps as on an 80-column terminal, in a
  new temporary folder holding a copy of ``examples/`` (so a page can name the example
  files as a reader in the repository would, and what a command writes stays out of the
  repository) and the files of :data:`FIXTURES`.
- A command that cannot run in a test is named in :data:`NOT_RUN`, with the reason and a
  check of what can be checked without running it. Any other command fails the test.
- A ```` ```python ```` block must be a doctest. A doctest that needs PySpark cannot be run
  by ``make test``: its examples carry ``# doctest: +SKIP`` (which Sphinx hides), and
  ``tests/population/test_docs_spark.py`` runs them without the flag where PySpark and Java
  are installed (``make test-spark``); elsewhere that test is skipped, saying why. No other
  doctest of the docs may be skipped.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import doctest
import io
import json
import re
import shlex
import shutil
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.cli import main

ROOT = Path(__file__).resolve().parents[1]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\s`]*)")
_SHELL = frozenset({"sh", "shell", "bash"})
_PYTHON = frozenset({"python", "py", "python3", "pycon"})
_ELLIPSIS = "..."


# --- The pages and their blocks ------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A fenced code block of a page: its language and lines, without the fences."""

    path: str
    line: int  # of the opening fence, counting from 1
    language: str
    lines: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}"


def _pages() -> list[Path]:
    docs = ROOT / "docs"
    pages = [p for p in docs.rglob("*.md") if "_build" not in p.relative_to(docs).parts]
    return [ROOT / "README.md", *sorted(pages)]


def _blocks(page: Path) -> Iterator[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    name = page.relative_to(ROOT).as_posix()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        end = index + 1
        while end < len(lines) and not lines[end].lstrip().startswith(fence):
            end += 1
        body = tuple(line.removeprefix(indent) for line in lines[index + 1 : end])
        yield Block(name, index + 1, opening["info"].lower(), body)
        index = end + 1


def _all_blocks() -> list[Block]:
    return [block for page in _pages() for block in _blocks(page)]


BLOCKS = _all_blocks()
TRANSCRIPTS = [b for b in BLOCKS if b.language == "console" or b.language in _SHELL]
PYTHON_BLOCKS = [b for b in BLOCKS if b.language in _PYTHON]


# --- Commands and the output they show -----------------------------------------------------


@dataclass(frozen=True)
class Command:
    """One command of a block and the output the block shows for it (``None``: not shown)."""

    line: int
    text: str
    expected: tuple[str, ...] | None


def _commands(block: Block) -> list[Command]:
    """The commands of ``block``, their continuation lines joined."""
    console = block.language == "console"
    commands: list[Command] = []
    text: str | None = None
    start = 0
    output: list[str] = []

    def finish() -> None:
        if text is not None:
            while output and not output[-1]:
                output.pop()
            commands.append(Command(start, text, tuple(output) if console else None))

    lines = iter(enumerate(block.lines, start=block.line + 1))
    for number, line in lines:
        if console and not line.startswith("$ "):
            if text is None and line.strip():
                pytest.fail(f"{block.path}:{number}: output before the first `$ ` command")
            output.append(line.rstrip())
            continue
        if not console and (not line.strip() or line.lstrip().startswith("#")):
            continue
        finish()
        start, text, output = number, line.removeprefix("$ ") if console else line, []
        while text.endswith("\\"):
            _, following = next(lines, (number, ""))
            text = text[:-1] + " " + following.strip()
    finish()
    return commands


def _words(text: str) -> list[str]:
    """The words of a command, with shell punctuation (``>``, ``|`` ...) as words of its own."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def _matches(expected: Sequence[str], actual: Sequence[str]) -> bool:
    """Whether ``actual`` is ``expected``, a line ``...`` in it standing for any lines."""
    pieces: list[list[str]] = [[]]
    for line in expected:
        if line == _ELLIPSIS:
            pieces.append([])
        else:
            pieces[-1].append(line)
    if len(pieces) == 1:
        return list(actual) == pieces[0]
    first, *middle, last = pieces
    if len(actual) < len(first) + len(last):
        return False
    if list(actual[: len(first)]) != first or list(actual[len(actual) - len(last) :]) != last:
        return False
    # Each piece between two ellipses is matched where it first occurs: a later match
    # could only leave less room for the pieces after it.
    position, stop = len(first), len(actual) - len(last)
    for piece in middle:
        found = next(
            (
                at
                for at in range(position, stop - len(piece) + 1)
                if list(actual[at : at + len(piece)]) == piece
            ),
            None,
        )
        if found is None:
            return False
        position = found + len(piece)
    return True


# --- Commands not run here, with the reason and what is checked instead --------------------


def _makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return {m[1] for m in re.finditer(r"^([A-Za-z][\w-]*):", text, re.MULTILINE)}


def _check_make(arguments: Sequence[str]) -> None:
    unknown = sorted(set(arguments) - _makefile_targets())
    assert arguments, "make without a target"
    assert not unknown, f"not a target of the Makefile: {unknown}"


def _extras() -> set[str]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        project: dict[str, Any] = tomllib.load(file)["project"]
    return set(project.get("optional-dependencies", {}))


def _check_pip_install(arguments: Sequence[str]) -> None:
    assert arguments, "pip install of nothing"
    for argument in arguments:
        found = re.fullmatch(r"(?:casemgmt|\S*/casemgmt|\.)(?:\[(?P<extras>[\w,-]+)\])?", argument)
        assert found, f"pip install of something other than casemgmt: {argument}"
        extras = set(filter(None, (found["extras"] or "").split(",")))
        assert extras <= _extras(), f"unknown extras: {sorted(extras - _extras())}"


NOT_RUN: Mapping[tuple[str, ...], tuple[str, Callable[[Sequence[str]], None]]] = {
    ("make",): (
        "`make demo` and `make docs` build .venv and install the package first, and "
        "`make test` is the job running this test (CI runs it through .ci/run); their "
        "targets must exist in the Makefile",
        _check_make,
    ),
    ("pip", "install"): (
        "installs the package into the reader's environment, as `make` does into .venv "
        "before every test run; what is installed must be casemgmt and its extras exist",
        _check_pip_install,
    ),
    ("python3", "-m", "pip", "install"): (
        "the same as `pip install`",
        _check_pip_install,
    ),
}
"""Commands the docs show that this test does not run, by their first words: the reason,
and a check of the rest of the command."""


def _check_not_run(words: Sequence[str]) -> bool:
    """Check a command of :data:`NOT_RUN`; ``False`` for any other command."""
    for prefix, (_, check) in NOT_RUN.items():
        if tuple(words[: len(prefix)]) == prefix:
            check(words[len(prefix) :])
            return True
    return False


# --- Files the pages name that are not examples --------------------------------------------


def _bundle_from_elsewhere() -> object:
    """The golden occupational-health bundle as another system might build it: without the
    extension that carries each ``ServiceRequest``'s unit cost, which FHIR has no element
    for."""
    path = ROOT / "examples" / "fhir" / "occupational-health-back-pain.bundle.json"
    bundle: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    bundle = copy.deepcopy(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "ServiceRequest":
            resource["extension"] = [
                e for e in resource["extension"] if not e["url"].endswith("intervention.unit-cost")
            ]
    return bundle


FIXTURES: Mapping[str, Callable[[], object]] = {
    "from-elsewhere.json": _bundle_from_elsewhere,
}
"""Files a page names, written as JSON into the folder its commands run in."""


# --- Running a block -----------------------------------------------------------------------


def _folder(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    for name, build in FIXTURES.items():
        (tmp_path / name).write_text(json.dumps(build(), indent=2), encoding="utf-8")
    return tmp_path


def _casemgmt(arguments: Sequence[str], out: io.StringIO, err: io.StringIO) -> int:
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        return main(list(arguments))


def _run(command: Command, folder: Path, status: int) -> tuple[list[str], int]:
    """What ``command`` prints, and its exit status (``status``: that of the one before)."""
    words = _words(command.text)
    target: Path | None = None
    if len(words) >= 2 and words[-2] == ">":
        target, words = folder / words[-1], words[:-2]
    syntax = [w for w in words if w and set(w) <= set("();<>|&")]
    assert not syntax, f"line {command.line}: shell syntax this test does not run: {syntax}"
    if words == ["echo", "$?"] and target is None:
        return [str(status)], 0
    if words and words[0] in {"casemgmt", ".venv/bin/casemgmt"}:
        shown = io.StringIO()
        out = io.StringIO() if target is not None else shown
        status = _casemgmt(words[1:], out, shown)
        if target is not None:
            target.write_text(out.getvalue(), encoding="utf-8")
        return shown.getvalue().splitlines(), status
    assert _check_not_run(words), (
        f"line {command.line}: `{command.text}` is neither a casemgmt command nor in NOT_RUN"
    )
    return [], 0


@pytest.mark.parametrize("block", TRANSCRIPTS, ids=[b.id for b in TRANSCRIPTS])
def test_shell_block_shows_what_its_commands_print(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = _commands(block)
    assert commands, f"{block.id}: a {block.language} block without a command"
    folder = _folder(tmp_path)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("COLUMNS", "80")
    status = 0
    for index, command in enumerate(commands):
        shown, status = _run(command, folder, status)
        if command.expected is not None:
            expected = [line.rstrip() for line in command.expected]
            actual = [line.rstrip() for line in shown]
            if not _matches(expected, actual):
                diff = "\n".join(
                    difflib.unified_diff(expected, actual, "the page", "printed", lineterm="")
                )
                pytest.fail(f"{block.path}:{command.line}: $ {command.text}\n{diff}")
        shows_status = index + 1 < len(commands) and _words(commands[index + 1].text) == [
            "echo",
            "$?",
        ]
        if _words(command.text) != ["echo", "$?"] and not shows_status:
            assert status == 0, (
                f"{block.path}:{command.line}: `{command.text}` exited {status}; "
                "show it with `$ echo $?`"
            )


def test_not_run_commands_are_named_with_a_reason() -> None:
    for prefix, (reason, _) in NOT_RUN.items():
        assert prefix
        assert reason.strip()
    shown = {w[0] for b in TRANSCRIPTS for c in _commands(b) for w in [_words(c.text)] if w}
    assert "casemgmt" in shown or ".venv/bin/casemgmt" in shown


# --- Python blocks -------------------------------------------------------------------------


def _first_line(block: Block) -> str:
    return next((line.strip() for line in block.lines if line.strip()), "")


def _skips(block: Block) -> bool:
    return "doctest: +SKIP" in "\n".join(block.lines)


SKIPPED_DOCTESTS = [b for b in PYTHON_BLOCKS if _skips(b)]


def test_python_blocks_are_doctests() -> None:
    """A ```python block that is not a doctest would be shown but never run."""
    scripts = [b.id for b in PYTHON_BLOCKS if not _first_line(b).startswith(">>>")]
    assert scripts == [], "python blocks that are not doctests (write them with >>>)"


def test_skipped_doctests_are_the_spark_example() -> None:
    """A doctest skipped in the page runs only in tests/population/test_docs_spark.py."""
    assert [b.path for b in SKIPPED_DOCTESTS] == ["docs/how-to/screen-at-scale.md"]
    for block in SKIPPED_DOCTESTS:
        source = "\n".join(block.lines)
        assert "pyspark" in source, f"{block.id}: doctest: +SKIP in a doctest no test runs"
        examples = doctest.DocTestParser().get_examples(source)
        skipped = [e for e in examples if e.options.get(doctest.SKIP)]
        assert skipped == examples, f"{block.id}: some examples are run by make test"


# --- The reading of transcripts itself ------------------------------------------------------

_LINES = st.lists(st.text(st.characters(exclude_characters="\n\r"), max_size=8), max_size=12)


@given(_LINES, st.data())
def test_an_ellipsis_stands_for_the_lines_it_replaces(
    actual: list[str], data: st.DataObject
) -> None:
    actual = [line for line in actual if line != _ELLIPSIS]
    start = data.draw(st.integers(0, len(actual)))
    end = data.draw(st.integers(start, len(actual)))
    assert _matches(actual, actual)
    assert _matches([*actual[:start], _ELLIPSIS, *actual[end:]], actual)


@given(_LINES, st.data())
def test_a_line_not_printed_does_not_match(actual: list[str], data: st.DataObject) -> None:
    actual = [line for line in actual if line != _ELLIPSIS]
    where = data.draw(st.integers(0, len(actual)))
    extra = data.draw(st.text(max_size=8).filter(lambda line: line != _ELLIPSIS))
    assert not _matches([*actual[:where], extra, *actual[where:]], actual)
    assert not _matches([_ELLIPSIS, *actual, extra], actual)


def test_a_transcript_is_read_into_commands_and_their_output() -> None:
    block = Block(
        "page.md",
        10,
        "console",
        ("$ casemgmt schema \\", "    care-plan > x.json  # one kind", "$ echo $?", "0", ""),
    )
    assert _commands(block) == [
        Command(11, "casemgmt schema  care-plan > x.json  # one kind", ()),
        Command(13, "echo $?", ("0",)),
    ]
    assert _words(_commands(block)[0].text) == ["casemgmt", "schema", "care-plan", ">", "x.json"]


@pytest.mark.parametrize(
    "text",
    [
        "rm -rf examples",  # not a casemgmt command, nor one of NOT_RUN
        "make no-such-target",
        "pip install requests",
        "casemgmt schema | head",  # a pipe
        "casemgmt schema && casemgmt --help",
    ],
)
def test_a_command_that_is_not_run_fails(text: str, tmp_path: Path) -> None:
    with pytest.raises(AssertionError):
        _run(Command(1, text, None), tmp_path, 0)
