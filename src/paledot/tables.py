"""Geometry as text: a readable table for people; CSV, JSON and ECSV for machines (floats exact).

People see km, AU, million miles, light-minutes, arcseconds and degrees; machine formats carry
shortest round-trip floats so that reading them back gives the same doubles. Every format has the
same columns (``columns``) and the same metadata: CSV as ``#`` comment lines before the header,
JSON and ECSV as metadata; the text table leaves its notes to the caller (the CLI prints them on
stderr, apart from the data). CSV is written whole columns at a time, in blocks of epochs, so a
long run streams at a few microseconds per row. No physics here.
"""

from __future__ import annotations

import io
import math
from typing import TextIO

import numpy as np

from .columns import Column, columns, flat
from .photometry import AU_KM
from .timescales import et_to_iso
from .vectors import radec

#: The international mile, km.
MILE_KM = 1.609344
#: Epochs formatted per block when writing CSV.
CSV_BLOCK = 10_000


def _strings(values: np.ndarray, kind: str) -> list[str]:
    """Text of a whole column at once: shortest round-trip floats ('nan' for NaN)."""
    if kind == "float":
        return list(map(repr, values.tolist()))
    if kind == "bool":
        return ["true" if v else "false" for v in values.tolist()]
    return values.tolist()


def comment_lines(g, extra_notes=()) -> list[str]:
    """The metadata every CSV starts with, as ``#`` lines."""
    m = g.meta()
    lines = [f"# paledot {m['paledot']}; observer {m['observer']}; correction {m['correction']}"
             f"{' with light deflection by the Sun' if m['deflection'] else ''}; "
             f"ephemeris {', '.join(m['ephemeris'])}",
             f"# conventions: {m['conventions']}"]
    lines += [f"# note: {n}" for n in (*m["notes"], *extra_notes)]
    return lines


def write_csv(g, out: TextIO, header: bool = True, extra_notes=()) -> None:
    """CSV of ``g`` to ``out``: ``#`` metadata lines and the header (if ``header``), then one row
    per (epoch, target) with pair columns, written whole columns a block of epochs at a time."""
    cols: list[Column] = columns(g)
    if header:
        out.write("\n".join(comment_lines(g, extra_notes)) + "\n")
        out.write(",".join(["utc"] + [c.csv for c in cols]) + "\n")
    n_t = len(g.targets)
    values = [(c, np.asarray(c.values(g))) for c in cols]  # computed once, sliced per block
    for lo in range(0, g.t.size, CSV_BLOCK):
        sl = slice(lo, min(lo + CSV_BLOCK, g.t.size))
        text = [np.repeat(et_to_iso(g.t[sl], precision=3), n_t).tolist()]
        for c, v in values:
            part = np.repeat(v[sl], n_t) if c.per_epoch else v[:, sl].T.reshape(-1)
            text.append(_strings(part, c.kind))
        out.write("\n".join(map(",".join, zip(*text, strict=True))) + "\n")


def format_csv(g, header: bool = True, extra_notes=()) -> str:
    """CSV as a string (see :func:`write_csv`)."""
    buf = io.StringIO()
    write_csv(g, buf, header, extra_notes)
    return buf.getvalue()


def geometry_to_json(g, extra_notes=()) -> dict:
    """A JSON-ready dict: metadata, per-target rows (keys as the CSV header, units in the names)
    and pair rows (floats exact, NaN as null)."""
    cols = columns(g, pairs=False)
    meta = g.meta()
    meta["notes"] = [*meta["notes"], *extra_notes]
    utc = np.repeat(et_to_iso(g.t, precision=3), len(g.targets)).tolist()
    data = {"utc": utc}
    for c in cols:
        v = flat(g, c)
        data[c.csv] = [None if isinstance(x, float) and math.isnan(x) else x for x in v.tolist()]
    names = list(data)
    rows = [dict(zip(names, r, strict=True)) for r in zip(*data.values(), strict=True)]
    pairs = []
    pair_utc = et_to_iso(g.t, precision=3).tolist()
    tn = g.target_names
    for i in range(len(tn)):
        for j in range(i + 1, len(tn)):
            sep = (g._separation(i, j) * 206264.80624709636).tolist()
            pa = np.degrees(g._pair_position_angle(i, j)).tolist()
            pairs += [{"utc": pair_utc[k], "et": float(g.t[k]), "target_a": tn[i], "target_b": tn[j],
                       "separation_arcsec": sep[k], "position_angle_deg": pa[k]} for k in range(g.t.size)]
    pairs.sort(key=lambda p: p["et"])
    return {**meta, "rows": rows, "pairs": pairs}


def write_ecsv(g, out: TextIO, header: bool = True, extra_notes=()) -> None:
    """ECSV (astropy's own format: units, types and metadata kept) of ``g.to_table()``; with
    ``header=False`` only the data lines, so chunks of one long run append to one file."""
    table = g.to_table()
    table.meta["notes"] = [*table.meta["notes"], *extra_notes]
    buf = io.StringIO()
    table.write(buf, format="ascii.ecsv")
    text = buf.getvalue()
    if not header:
        lines = text.splitlines(keepends=True)
        body = next(k for k, line in enumerate(lines) if not line.startswith("#"))
        text = "".join(lines[body + 1:])  # past the YAML header and the column-name line
    out.write(text)


def format_table(g, header: bool = True) -> str:
    """A table for people: km, AU, million miles, light-minutes, arcseconds, degrees, magnitudes;
    under each target the face we see, and after each epoch its pairs. Notes are not included."""
    lines = []
    site, occ = g.sky is not None, g.occultation is not None
    if header:
        lines.append(f"observer {g.observer} · correction {g.correction} · ephemeris "
                     + ", ".join(g.meta()["ephemeris"]))
        lines.append(
            f"{'UTC':<19}  {'target':<8} {'range km':>15} {'AU':>10} {'M miles':>9} {'km/s':>8} "
            f"{'lt min':>7} {'RA deg':>9} {'Dec deg':>8} {'diam as':>8} {'phase':>6} "
            f"{'lit %':>6} {'elong':>6} {'V mag':>6}"
            + (f" {'az':>6} {'el':>6} {'Sun':>4}" if site else "")
            + (f" {'hidden':>7} {'limb deg':>8}" if occ and not site else "")
        )
    utc = et_to_iso(g.t)
    rng, rr, lt = np.linalg.norm(g._position, axis=-1), g._range_rate, g._light_time
    ra, dec = (np.degrees(x) for x in radec(g._position))
    diam = 2 * np.degrees(g._angular_radius) * 3600
    phase, elong = np.degrees(g._phase), np.degrees(g._sun_elongation)
    lit = 50 * (1 + np.cos(g._phase))
    mag = g._magnitude
    disk = {k: np.degrees(v) for k, v in g._disk.items()}
    if site:
        az, el, up = np.degrees(g.sky._azimuth), np.degrees(g.sky._elevation), g.sky.sun_up
    if occ:
        state, height = g.occultation.state, np.degrees(g.occultation._height)
    names = g.target_names
    for j in range(g.t.size):
        for i, name in enumerate(names):
            line = (f"{utc[j].replace('T', ' '):<19}  {name:<8} {rng[i, j]:>15,.0f} "
                    f"{rng[i, j] / AU_KM:>10.6f} {rng[i, j] / MILE_KM / 1e6:>9.3f} {rr[i, j]:>8.3f} "
                    f"{lt[i, j] / 60:>7.3f} {ra[i, j]:>9.4f} {dec[i, j]:>8.4f} {diam[i, j]:>8.3f} "
                    f"{phase[i, j]:>6.1f} {lit[i, j]:>6.1f} {elong[i, j]:>6.1f} {mag[i, j]:>6.2f}")
            if site:
                line += f" {az[i, j]:>6.1f} {el[i, j]:>6.1f} {'up' if up[j] else 'down':>4}"
            elif occ:
                line += f" {('no', 'partly', 'fully')[state[i, j]]:>7} {height[i, j]:>8.3f}"
            lines.append(line)
            if not np.isnan(disk["sub_observer_lon"][i, j]):
                lines.append(
                    f"{'':<19}  {'':<8} face: sub-observer {disk['sub_observer_lon'][i, j]:.2f}E "
                    f"{disk['sub_observer_lat'][i, j]:+.2f}, sub-solar {disk['sub_solar_lon'][i, j]:.2f}E "
                    f"{disk['sub_solar_lat'][i, j]:+.2f}, north pole PA {disk['north_pole_pa'][i, j]:.2f}, "
                    f"bright limb PA {disk['bright_limb_pa'][i, j]:.2f} deg")
        for a in range(len(names)):
            for b in range(a + 1, len(names)):
                lines.append(
                    f"{'':<19}  {names[a] + '-' + names[b]:<17} separation "
                    f"{np.degrees(g._separation(a, b)[j]) * 3600:>9.2f} arcsec, "
                    f"position angle {np.degrees(g._pair_position_angle(a, b)[j]):>7.2f} deg")
    return "\n".join(lines) + "\n"
