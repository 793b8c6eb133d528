"""Benchmark: cost per epoch of ``observe`` (positions, LT+S, Earth/Moon/Sun from Mars) as the
number of epochs in one call grows, with paledot's internal blocks of ``BLOCK`` epochs and, for
comparison in the same run, with one block as large as the call (the engine before issue 10).
Run: ``.venv/bin/python bench/blocks.py``.
"""

from __future__ import annotations

import time

import numpy as np

import paledot.geometry as geometry
from paledot import observe


def per_epoch_us(n: int, block: int) -> float:
    et = np.linspace(-1.5e9, 1.5e9, n)
    geometry.BLOCK = block
    best = np.inf
    for _ in range(2):
        t0 = time.perf_counter()
        observe("mars", ["earth", "moon", "sun"], et)
        best = min(best, time.perf_counter() - t0)
    return best / n * 1e6


def main() -> None:
    blocked = geometry.BLOCK
    observe("mars", ["earth", "moon", "sun"], np.linspace(-1.5e9, 1.5e9, 10_000))  # warm caches
    print("| epochs in one call | us per epoch, blocks of 10,000 | us per epoch, one block |")
    print("|---:|---:|---:|")
    for n in (10_000, 100_000, 1_000_000, 3_000_000):
        print(f"| {n:,} | {per_epoch_us(n, blocked):.2f} | {per_epoch_us(n, n):.2f} |")
    geometry.BLOCK = blocked


if __name__ == "__main__":
    main()
