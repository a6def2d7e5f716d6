"""Profile our side of ``plan_load_validate``: cProfile over ``load_json`` on the batch.

Prints the top functions by cumulative time (with their share of the whole batch) and by
own time, plus an un-profiled split of the time into JSON parsing and structuring.
cProfile adds a fixed cost per Python call, so shares of call-heavy code are overstated;
read them as where to look, not as exact numbers.

Usage: ``.venv/bin/python benchmarks/profile_plan_load.py [--docs N] [--top N]``
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _results import Settings  # noqa: E402
from _timing import interleaved  # noqa: E402
from plan_load_validate import make_texts  # noqa: E402

from casemgmt.errors import InvariantError  # noqa: E402
from casemgmt.model import CarePlan  # noqa: E402
from casemgmt.model._base import Validated  # noqa: E402
from casemgmt.serialization import from_document, load_json  # noqa: E402


def _without_gc(run: Callable[[], None]) -> Callable[[], None]:
    def wrapped() -> None:
        gc.disable()
        try:
            run()
        finally:
            gc.enable()

    return wrapped


def _with_post_init(
    replacement: Callable[[Validated], None], run: Callable[[], None]
) -> Callable[[], None]:
    """Run with Validated's post-init check swapped (in this process only, then restored)."""

    def wrapped() -> None:
        original = Validated.__attrs_post_init__
        Validated.__attrs_post_init__ = replacement  # type: ignore[method-assign]
        try:
            run()
        finally:
            Validated.__attrs_post_init__ = original  # type: ignore[method-assign]

    return wrapped


def _invariants_only(self: Validated) -> None:
    problems = list(self._invariants())
    if problems:
        raise InvariantError(type(self).__name__, problems)


def _no_checks(self: Validated) -> None:
    return None


def _split(texts: list[str], load_all: Callable[[], None], rounds: int) -> None:
    """Un-profiled diagnostics, interleaved like the benchmark itself."""
    parsed = [json.loads(t) for t in texts]

    def parse_all() -> None:
        for text in texts:
            json.loads(text)

    def structure_all() -> None:
        for document in parsed:
            from_document(CarePlan, document)

    variants: dict[str, Callable[[], object]] = {
        "load_json (as benchmarked)": load_all,
        "load_json, GC off": _without_gc(load_all),
        "json.loads only, GC off": _without_gc(parse_all),
        "from_document on parsed dicts, GC off": _without_gc(structure_all),
        "load_json, field type checks off (invariants kept)": _with_post_init(
            _invariants_only, load_all
        ),
        "load_json, all Validated checks off": _with_post_init(_no_checks, load_all),
    }
    stats = interleaved(variants, rounds, label="diagnostics", verbose=False)
    n = len(texts)
    base = stats["load_json (as benchmarked)"].median
    print(f"un-profiled, {n} documents, median of {rounds} interleaved rounds:")
    for name, st in stats.items():
        print(f"  {name:52s} {st.median / n * 1e6:8.1f} us/doc  {st.median / base:6.1%}")


def _profile(n: int, top: int, load_all: Callable[[], None]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    load_all()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    whole = max(row[3] for row in table.values())
    print(f"\ncProfile (profiled total {whole:.3f} s for {n} documents)")
    print(f"{'cumulative':>10} {'share':>6} {'own':>8} {'calls':>9}  function")
    rows = sorted(table.items(), key=lambda item: item[1][3], reverse=True)
    for (filename, line, name), (_, calls, own, cumulative, _) in rows[:top]:
        where = f"{Path(filename).name}:{line}" if line else filename
        print(
            f"{cumulative:10.3f} {cumulative / whole:6.1%} {own:8.3f} {calls:9d}  {name} ({where})"
        )
    print(f"\nby own time (top {top // 2})")
    print(f"{'own':>10} {'share':>6} {'cumul.':>8} {'calls':>9}  function")
    rows = sorted(table.items(), key=lambda item: item[1][2], reverse=True)
    for (filename, line, name), (_, calls, own, cumulative, _) in rows[: top // 2]:
        where = f"{Path(filename).name}:{line}" if line else filename
        print(f"{own:10.3f} {own / whole:6.1%} {cumulative:8.3f} {calls:9d}  {name} ({where})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=Settings.docs)
    parser.add_argument("--seed", type=int, default=Settings.seed)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=Settings.rounds)
    args = parser.parse_args(argv)

    _, texts, _ = make_texts(args.docs, args.seed)

    def load_all() -> None:
        for text in texts:
            load_json(CarePlan, text)

    load_all()  # warm-up: converters build their hooks lazily
    _split(texts, load_all, args.rounds)
    _profile(len(texts), args.top, load_all)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
