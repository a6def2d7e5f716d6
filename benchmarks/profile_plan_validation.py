"""Profile our side of ``plan_validation``: where the time of load + validate + report goes.

First an un-profiled split, timed in interleaved rounds like the benchmark: the whole
pipeline, then each stage on its own input (``load_json`` on the texts, ``validate_plan`` on
loaded plans, ``operation_outcome`` on finished reports), and ``json.loads`` alone. Then
cProfile over the pipeline (or one stage, ``--part``) on the same batch, printing the top
functions by cumulative time and by own time, each with its share of the profiled total.

cProfile adds a fixed cost per Python call, so shares of call-heavy code are overstated;
read them as where to look, not as exact numbers.

Usage: ``.venv/bin/python benchmarks/profile_plan_validation.py [--docs N] [--size N]
[--top N] [--rounds N] [--part pipeline|load|validate|outcome]``
"""

from __future__ import annotations

import argparse
import cProfile
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
from plan_validation import POLICY, SIZE, make_workload, pipeline  # noqa: E402

from casemgmt.model import CarePlan  # noqa: E402
from casemgmt.serialization import load_json, operation_outcome  # noqa: E402
from casemgmt.services import validate_plan  # noqa: E402

PARTS = ("pipeline", "load", "validate", "outcome")


def _print_table(table: dict[Any, Any], whole: float, top: int, column: int) -> None:
    rows = sorted(table.items(), key=lambda item: item[1][column], reverse=True)
    for (filename, line, name), (_, calls, own, cumulative, _) in rows[:top]:
        where = f"{Path(filename).name}:{line}" if line else filename
        shown = cumulative if column == 3 else own
        other = own if column == 3 else cumulative
        print(f"{shown:9.3f} {shown / whole:6.1%} {other:9.3f} {calls:9d}  {name} ({where})")


def _profile(label: str, n: int, top: int, run: Callable[[], None]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    whole = sum(row[2] for row in table.values())
    print(f"\ncProfile of {label} (profiled total {whole:.3f} s for {n} documents)")
    print(f"top {top} by cumulative time")
    print(f"{'cumul.':>9} {'share':>6} {'own':>9} {'calls':>9}  function")
    _print_table(table, whole, top, 3)
    print(f"\ntop {top} by own time")
    print(f"{'own':>9} {'share':>6} {'cumul.':>9} {'calls':>9}  function")
    _print_table(table, whole, top, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=Settings.docs)
    parser.add_argument("--size", type=int, default=SIZE, help="goals and interventions")
    parser.add_argument("--seed", type=int, default=Settings.seed)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=Settings.rounds)
    parser.add_argument("--part", choices=PARTS, default="pipeline", help="what to profile")
    args = parser.parse_args(argv)

    work = make_workload(args.docs, args.seed, args.size, fhir=False)
    one = pipeline(work)
    pairs = list(zip(work.texts, work.days, strict=True))
    plans = [load_json(CarePlan, text) for text in work.texts]
    plan_days = list(zip(plans, work.days, strict=True))
    reports = [
        validate_plan(p, funding=work.streams, policy=POLICY, as_of=d, providers=work.providers)
        for p, d in plan_days
    ]
    issues = sum(len(r.issues) for r in reports) / len(reports)

    def run_pipeline() -> None:
        for text, as_of in pairs:
            one(text, as_of)

    def run_load() -> None:
        for text in work.texts:
            load_json(CarePlan, text)

    def run_validate() -> None:
        for plan, as_of in plan_days:
            validate_plan(
                plan,
                funding=work.streams,
                policy=POLICY,
                as_of=as_of,
                providers=work.providers,
            )

    def run_outcome() -> None:
        for report in reports:
            operation_outcome(report)

    def run_json() -> None:
        for text in work.texts:
            json.loads(text)

    parts: dict[str, Callable[[], None]] = {
        "pipeline": run_pipeline,
        "load": run_load,
        "validate": run_validate,
        "outcome": run_outcome,
    }
    run_pipeline()  # warm-up: converters build their hooks lazily
    variants: dict[str, Callable[[], object]] = {
        "pipeline: load + validate + outcome": run_pipeline,
        "load_json(CarePlan, text)": run_load,
        "  of which json.loads": run_json,
        "validate_plan(plan, ...)": run_validate,
        "operation_outcome(report)": run_outcome,
    }
    stats = interleaved(variants, args.rounds, label="split", verbose=False)
    n = len(work.texts)
    base = stats["pipeline: load + validate + outcome"].median
    print(
        f"un-profiled, {n} plans of {args.size} goals and interventions "
        f"({issues:.1f} issues per plan), median of {args.rounds} interleaved rounds:"
    )
    for name, st in stats.items():
        print(f"  {name:38s} {st.median / n * 1e6:9.1f} us/doc  {st.median / base:6.1%}")
    _profile(args.part, n, args.top, parts[args.part])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
