"""Timing helpers shared by the comparisons.

Every side of a comparison is timed in the same process, in *interleaved rounds*: round
``r`` runs every side once, in an order rotated by ``r``, so that machine noise (this is a
shared, noisy VM) hits all sides alike. Each sample is one call of a side's batch function
(a batch of distinct documents), preceded by ``gc.collect()``. One untimed warm-up call per
side comes first. The reported figure is the median over rounds; ratios between sides of
the same run are what to read, not absolute numbers.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Stats", "interleaved"]


@dataclass(frozen=True)
class Stats:
    """Seconds per batch over the timed rounds of one side."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def minimum(self) -> float:
        return min(self.samples)

    @property
    def maximum(self) -> float:
        return max(self.samples)

    def per_doc(self, n: int) -> dict[str, Any]:
        """The figures divided by the ``n`` documents of a batch, for results.json."""
        return {
            "median": self.median / n,
            "min": self.minimum / n,
            "max": self.maximum / n,
            "samples": [x / n for x in self.samples],
        }


def _sample(run: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def interleaved(
    sides: Mapping[str, Callable[[], object]],
    rounds: int,
    *,
    label: str = "",
    verbose: bool = True,
) -> dict[str, Stats]:
    """Time each side's batch function ``rounds`` times, interleaved and rotated.

    Returns the seconds per batch for each side.
    """
    names = list(sides)
    for name in names:  # warm-up: caches, lazily built validators, first-call imports
        _sample(sides[name])
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(_sample(sides[name]))
        if verbose:
            print(f"  {label} round {r + 1}/{rounds}", file=sys.stderr, flush=True)
    return {name: Stats(tuple(values)) for name, values in samples.items()}
