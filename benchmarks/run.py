"""Entry point of ``make bench``: run every comparison, print BENCH lines, write results.json.

Each comparison is named after the work it measures and each peer after the peer, so the
``BENCH`` lines compare from run to run::

    BENCH <comparison> ours=<s/doc> <peer>=<s/doc> ratio=<ours/peer>

All sides of a comparison run in the same process, in interleaved rounds (see
``_timing``). Read the ratios: absolute numbers move with the machine's load.

To add a comparison, write a module with ``run(settings: Settings) -> Outcome`` and add it
to :data:`COMPARISONS`.

With ``--only``, the comparisons run replace their own entries in the results file and the
others' entries are kept (each entry records when and with which settings it ran);
``all_targets_met`` covers every entry in the file. Without ``--only``, the file is
rewritten.

Usage: ``.venv/bin/python benchmarks/run.py [--only NAME ...] [--rounds N] [--docs N]``
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import allocation  # noqa: E402
import fhir_round_trip  # noqa: E402
import plan_load_validate  # noqa: E402
import plan_validation  # noqa: E402
import population_screening  # noqa: E402
import schedule  # noqa: E402
from _results import Outcome, Settings  # noqa: E402

COMPARISONS: dict[str, Callable[[Settings], Outcome]] = {
    "allocation": allocation.run,
    "fhir_round_trip": fhir_round_trip.run,
    "plan_load_validate": plan_load_validate.run,
    "plan_validation": plan_validation.run,
    "population_screening": population_screening.run,
    "schedule": schedule.run,
}
"""Every comparison, by name; each returns its BENCH lines and details."""

PACKAGES = (
    "casemgmt",
    "attrs",
    "cattrs",
    "pendulum",
    "pydantic",
    "pydantic_core",
    "fhir.resources",
    "fhir_core",
    "polars",
    "narwhals",
    "numpy",
    "scipy",
)
RESULTS = HERE / "results.json"


def _versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def _kept(path: Path) -> dict[str, Any]:
    """The entries of known comparisons in an earlier results file (none if unreadable)."""
    try:
        earlier = json.loads(path.read_text(encoding="utf-8"))
        comparisons = earlier["comparisons"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    if not isinstance(comparisons, dict):
        return {}
    kept: dict[str, Any] = {}
    for name, entry in comparisons.items():
        if name in COMPARISONS and isinstance(entry, dict):
            entry.setdefault("generated_at", earlier.get("generated_at"))
            entry.setdefault("settings", earlier.get("settings"))
            kept[name] = entry
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(COMPARISONS),
        help="run only this comparison (repeatable); other entries in --out are kept",
    )
    parser.add_argument("--rounds", type=int, default=Settings.rounds)
    parser.add_argument("--docs", type=int, default=Settings.docs)
    parser.add_argument("--seed", type=int, default=Settings.seed)
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    settings = Settings(rounds=args.rounds, docs=args.docs, seed=args.seed, verbose=not args.quiet)

    started = time.perf_counter()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    run_settings = {"rounds": settings.rounds, "docs": settings.docs, "seed": settings.seed}
    results: dict[str, Any] = {
        "generated_at": now,
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": _versions(),
        "settings": run_settings,
        "comparisons": _kept(args.out) if args.only else {},
    }
    for name in args.only or list(COMPARISONS):
        outcome = COMPARISONS[name](settings)
        for line in outcome.lines:
            print(line.bench(), flush=True)
        for line in outcome.lines:
            print(line.human(), flush=True)
        results["comparisons"][name] = {
            "generated_at": now,
            "settings": run_settings,
            "lines": {line.name: line.as_json() for line in outcome.lines},
            "bench": [line.bench() for line in outcome.lines],
            **outcome.details,
        }
    results["comparisons"] = {
        name: results["comparisons"][name] for name in COMPARISONS if name in results["comparisons"]
    }
    results["all_targets_met"] = all(
        line.get("met") is True
        for entry in results["comparisons"].values()
        for line in entry.get("lines", {}).values()
    )
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {args.out} ({results['wall_seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
