"""Entry point of ``make bench``: run every comparison, print BENCH lines, write results.json.

Each comparison is named after the work it measures and each peer after the peer, so the
``BENCH`` lines compare from run to run::

    BENCH <comparison> ours=<s/doc> <peer>=<s/doc> ratio=<ours/peer>

All sides of a comparison run in the same process, in interleaved rounds (see
``_timing``). Read the ratios: absolute numbers move with the machine's load.

To add a comparison, write a module with ``run(settings: Settings) -> Outcome`` and add it
to :data:`COMPARISONS`.

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

import plan_load_validate  # noqa: E402
from _results import Outcome, Settings  # noqa: E402

COMPARISONS: dict[str, Callable[[Settings], Outcome]] = {
    "plan_load_validate": plan_load_validate.run,
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(COMPARISONS))
    parser.add_argument("--rounds", type=int, default=Settings.rounds)
    parser.add_argument("--docs", type=int, default=Settings.docs)
    parser.add_argument("--seed", type=int, default=Settings.seed)
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    settings = Settings(rounds=args.rounds, docs=args.docs, seed=args.seed, verbose=not args.quiet)

    started = time.perf_counter()
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": _versions(),
        "settings": {"rounds": settings.rounds, "docs": settings.docs, "seed": settings.seed},
        "comparisons": {},
    }
    all_met = True
    for name in args.only or list(COMPARISONS):
        outcome = COMPARISONS[name](settings)
        for line in outcome.lines:
            print(line.bench(), flush=True)
        for line in outcome.lines:
            print(line.human(), flush=True)
            all_met = all_met and line.met
        results["comparisons"][name] = {
            "lines": {line.name: line.as_json() for line in outcome.lines},
            "bench": [line.bench() for line in outcome.lines],
            **outcome.details,
        }
    results["all_targets_met"] = all_met
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {args.out} ({results['wall_seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
