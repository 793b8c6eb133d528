"""Geometry as text: a readable table for people, CSV and JSON for machines (floats exact).

People see km, AU, million miles, light-minutes, arcseconds and degrees; machine formats carry
shortest round-trip floats so that reading them back gives the same doubles. No physics here.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator

from .geometry import Geometry
from .photometry import AU_KM
from .timescales import et_to_iso

#: The international mile, km.
MILE_KM = 1.609344


def _rows(g: Geometry) -> Iterator[dict]:
    """Long-format rows (epoch-major) with plain floats in edge units."""
    utc = et_to_iso(g.t, precision=3)
    rng = g.range.to_value("km")
    lt = g.light_time.to_value("s")
    ra, dec = g.ra.to_value("deg"), g.dec.to_value("deg")
    diam = g.angular_diameter.to_value("arcsec")
    phase = g.phase_angle.to_value("deg")
    illum = g.illuminated_fraction.value
    elong = g.sun_elongation.to_value("deg")
    pos = g.position.to_value("km")
    for j in range(g.t.size):
        for i, name in enumerate(g.target_names):
            yield {
                "utc": utc[j],
                "et": float(g.t[j]),
                "target": name,
                "x_km": float(pos[i, j, 0]),
                "y_km": float(pos[i, j, 1]),
                "z_km": float(pos[i, j, 2]),
                "range_km": float(rng[i, j]),
                "light_time_s": float(lt[i, j]),
                "ra_deg": float(ra[i, j]),
                "dec_deg": float(dec[i, j]),
                "angular_diameter_arcsec": float(diam[i, j]),
                "phase_angle_deg": float(phase[i, j]),
                "illuminated_fraction": float(illum[i, j]),
                "sun_elongation_deg": float(elong[i, j]),
            }


def _pair_rows(g: Geometry) -> Iterator[dict]:
    utc = et_to_iso(g.t, precision=3)
    names = g.target_names
    pairs = [(a, b) for k, a in enumerate(names) for b in names[k + 1 :]]
    seps = {p: g.separation(*p).to_value("arcsec") for p in pairs}
    pas = {p: g.position_angle(*p).to_value("deg") for p in pairs}
    for j in range(g.t.size):
        for p in pairs:
            yield {
                "utc": utc[j],
                "et": float(g.t[j]),
                "target_a": p[0],
                "target_b": p[1],
                "separation_arcsec": float(seps[p][j]),
                "position_angle_deg": float(pas[p][j]),
            }


def format_csv(g: Geometry, header: bool = True) -> str:
    """CSV, one row per (epoch, target), floats written exactly (shortest round-trip repr)."""
    buf = io.StringIO()
    writer = None
    for row in _rows(g):
        if writer is None:
            writer = csv.DictWriter(buf, fieldnames=list(row), lineterminator="\n")
            if header:
                writer.writeheader()
        writer.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in row.items()})
    return buf.getvalue()


def geometry_to_json(g: Geometry) -> dict:
    """A JSON-ready dict: metadata, per-target rows and pair rows (floats exact)."""
    return {
        "paledot": _version(),
        "observer": g.observer,
        "correction": g.correction,
        "ephemeris": list(g.ephemeris_files),
        "notes": list(g.notes),
        "targets": list(g.target_names),
        "rows": [
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in _rows(g)
        ],
        "pairs": list(_pair_rows(g)),
    }


def format_table(g: Geometry, header: bool = True) -> str:
    """A table for people: km, AU, million miles, light-minutes, arcseconds, degrees."""
    lines = []
    if header:
        lines.append(
            f"observer {g.observer} · correction {g.correction} · ephemeris "
            + ", ".join(p.rsplit("/", 1)[-1] for p in g.ephemeris_files)
        )
        lines.extend(f"note: {n}" for n in g.notes)
        lines.append(
            f"{'UTC':<19}  {'target':<8} {'range km':>15} {'AU':>10} {'M miles':>9} "
            f"{'lt min':>7} {'RA deg':>9} {'Dec deg':>8} {'diam as':>8} {'phase':>6} "
            f"{'lit %':>6} {'elong':>6}"
        )
    # Each epoch's pair lines follow its target lines, so chunked output reads like whole output.
    pairs_by_epoch: dict[float, list[dict]] = {}
    for p in _pair_rows(g):
        pairs_by_epoch.setdefault(p["et"], []).append(p)
    rows = list(_rows(g))
    for k, r in enumerate(rows):
        lines.append(
            f"{r['utc'][:19].replace('T', ' '):<19}  {r['target']:<8} {r['range_km']:>15,.0f} "
            f"{r['range_km'] / AU_KM:>10.6f} {r['range_km'] / MILE_KM / 1e6:>9.3f} "
            f"{r['light_time_s'] / 60:>7.3f} {r['ra_deg']:>9.4f} {r['dec_deg']:>8.4f} "
            f"{r['angular_diameter_arcsec']:>8.3f} {r['phase_angle_deg']:>6.1f} "
            f"{100 * r['illuminated_fraction']:>6.1f} {r['sun_elongation_deg']:>6.1f}"
        )
        last_of_epoch = k + 1 == len(rows) or rows[k + 1]["et"] != r["et"]
        if last_of_epoch:
            for p in pairs_by_epoch.get(r["et"], []):
                pair = p["target_a"] + "-" + p["target_b"]
                lines.append(
                    f"{'':<19}  {pair:<17} separation {p['separation_arcsec']:>9.2f} arcsec, "
                    f"position angle {p['position_angle_deg']:>7.2f} deg"
                )
    return "\n".join(lines) + "\n"


def _version() -> str:
    from . import __version__

    return __version__
