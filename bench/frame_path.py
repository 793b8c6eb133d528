"""Benchmark: one frame's path through the stations, as milliseconds per rendered frame.

Eight HRSC SRC frames of Earth and the Moon from the ``mars express`` orbit (an observer with a
planet beside it, so the depth order needs the planet), stars on, after one warm-up frame. Run it
under two source trees to compare them, alternating, e.g.
``PYTHONPATH=<tree>/src .venv/bin/python bench/frame_path.py``.
"""

from __future__ import annotations

import time
import warnings

from paledot.cameras import load_camera
from paledot.render import Scene, render


def main(frames: int = 8) -> float:
    warnings.simplefilter("ignore")
    cam = load_camera("hrsc-src")
    render(Scene("2023-05-21T03:10", "mars express", ["earth", "moon"], cam, seed=1))
    t0 = time.perf_counter()
    for k in range(frames):
        render(Scene(f"2023-05-{15 + k}T03:10", "mars express", ["earth", "moon"], cam, seed=k))
    ms = (time.perf_counter() - t0) / frames * 1e3
    print(f"{ms:.1f} ms per frame")
    return ms


if __name__ == "__main__":
    main()
