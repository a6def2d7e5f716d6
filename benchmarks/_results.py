"""What a comparison returns, and how a result line is printed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["BenchLine", "Outcome", "Settings"]


@dataclass(frozen=True)
class Settings:
    """Run-wide knobs; each comparison picks sensible sizes from them."""

    rounds: int = 7
    docs: int = 150
    seed: int = 20260101
    verbose: bool = True


@dataclass(frozen=True)
class BenchLine:
    """One ``BENCH`` line: our side against one peer, with the target on the ratio.

    ``ratio`` is ours / peer (lower is better); the target is met when
    ``ratio <= max_ratio``.
    """

    name: str
    ours_s: float
    peer: str
    peer_s: float
    max_ratio: float
    target: str
    unit: str = "seconds per document"

    @property
    def ratio(self) -> float:
        return self.ours_s / self.peer_s

    @property
    def met(self) -> bool:
        return self.ratio <= self.max_ratio

    def bench(self) -> str:
        """The machine-readable line; its format stays the same from run to run."""
        return (
            f"BENCH {self.name} ours={self.ours_s:.6e} {self.peer}={self.peer_s:.6e} "
            f"ratio={self.ratio:.4f}"
        )

    def human(self) -> str:
        verdict = "MET" if self.met else "NOT MET"
        return (
            f"  {self.name}: ours {self.ours_s * 1e6:,.1f} us/doc, {self.peer} "
            f"{self.peer_s * 1e6:,.1f} us/doc, ours/{self.peer} = {self.ratio:.3f} "
            f"(target: {self.target}, ratio <= {self.max_ratio:g}) -> {verdict}"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "ours_s_per_doc": self.ours_s,
            f"{self.peer}_s_per_doc": self.peer_s,
            "peer": self.peer,
            "ratio": self.ratio,
            "ratio_definition": f"ours / {self.peer} (lower is better)",
            "target": self.target,
            "target_max_ratio": self.max_ratio,
            "met": self.met,
        }


@dataclass(frozen=True)
class Outcome:
    """A comparison's result lines plus details for ``results.json``."""

    lines: tuple[BenchLine, ...]
    details: dict[str, Any] = field(default_factory=dict)
