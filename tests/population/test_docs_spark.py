"""The PySpark example of the docs is run where PySpark and Java are (``make test-spark``).

``make test`` cannot run it: PySpark is not among the ``dev`` tools, and Spark needs Java.
So the example's lines carry ``# doctest: +SKIP`` (which Sphinx does not show), pytest's
``--doctest-glob`` passes over them, and this test runs them without the flag, from the
repository root, the folder a reader runs them from. ``tests/test_docs_console.py`` checks
that no other doctest of the docs is skipped.
"""

from __future__ import annotations

import doctest
import importlib.util
import io
import re
import shutil
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "how-to" / "screen-at-scale.md"

_BLOCK = re.compile(r"^```python\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)


def _spark_doctests() -> list[tuple[int, str]]:
    """The ``python`` blocks of the page that skip their examples: (line, text)."""
    text = PAGE.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, m.start()) + 1, m["body"])
        for m in _BLOCK.finditer(text)
        if "doctest: +SKIP" in m["body"]
    ]


SPARK_DOCTESTS = _spark_doctests()


def test_the_page_has_its_spark_example() -> None:
    assert len(SPARK_DOCTESTS) == 1
    assert "SparkSession" in SPARK_DOCTESTS[0][1]


@pytest.mark.parametrize(
    ("line", "source"), SPARK_DOCTESTS, ids=[f"screen-at-scale.md:{n}" for n, _ in SPARK_DOCTESTS]
)
def test_spark_example_prints_what_the_page_shows(
    line: int, source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        pytest.skip("needs PySpark and Java: `make test-spark` installs PySpark")
    monkeypatch.chdir(ROOT)  # the example reads examples/population/population.csv
    name = f"{PAGE.relative_to(ROOT).as_posix()}:{line}"
    test = doctest.DocTestParser().get_doctest(source, {}, name, str(PAGE), line)
    for example in test.examples:
        example.options.pop(doctest.SKIP, None)
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    with warnings.catch_warnings():
        # PySpark warns about the pandas release it finds, which this example never uses.
        warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
        result = runner.run(test, out=report.write)
    assert result.attempted == len(test.examples) > 0
    assert result.failed == 0, report.getvalue()
