"""Repeated measurements: medians, spread, percentiles, and a clock that reads both
wall and CPU time (on a shared machine the CPU time is the steadier of the two)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["Clock", "Series", "percentile"]


class Clock:
    """`with Clock() as c: ...` then `c.wall` and `c.cpu` (seconds, this process)."""

    wall: float
    cpu: float

    def __enter__(self) -> Clock:
        self._w = time.perf_counter()
        self._c = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._w
        self.cpu = time.process_time() - self._c


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class Series:
    """The values of one figure over several runs."""

    def __init__(self, values: Sequence[float] = ()) -> None:
        self.values = [float(v) for v in values]

    def add(self, value: float) -> None:
        self.values.append(float(value))

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def spread(self) -> float:
        """(max - min) / median: how far apart the runs were, as a fraction."""
        if len(self.values) < 2 or not self.median:
            return 0.0
        return (max(self.values) - min(self.values)) / abs(self.median)

    def to_json(self, digits: int = 4) -> dict[str, Any]:
        return {
            "median": round(self.median, digits),
            "min": round(min(self.values), digits) if self.values else None,
            "max": round(max(self.values), digits) if self.values else None,
            "spread": round(self.spread, 4),
            "runs": [round(v, digits) for v in self.values],
        }
