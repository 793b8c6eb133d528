"""Geometry as text: a readable table for people; CSV, JSON and ECSV for machines (floats exact).

People see km, AU, million miles, light-minutes, arcseconds and degrees. CSV prints each column
at a fixed number of decimals chosen from its unit, finer than the engine's accuracy (see
:data:`DECIMALS`), formatted whole columns at a time in numpy (:mod:`paledot._io.fixedtext`, exactly
as Python's ``f"{x:.{d}f}"``); ``digits="full"`` (CLI ``--digits full``) prints shortest
round-trip floats instead, so that reading them back gives the same doubles, as JSON and ECSV
always do. Every format has the same columns (``columns``) and the same metadata: JSON and ECSV
as metadata; CSV is plain (its first line is the header, so pandas, csv.DictReader and spreadsheets
read it as it is) and, like the text table, leaves its notes (:func:`note_lines`) to the caller:
the CLI prints them on stderr, apart from the data. No physics here.
"""

from __future__ import annotations

import io
import math
from typing import TextIO

import numpy as np

from .._io.errors import PaledotError
from .._io.fixedtext import fixed_columns, join_rows, text_bytes
from ..celestial.vectors import radec
from ..light.photometry import AU_KM
from ..time.timescales import et_to_iso
from .columns import Column, columns, flat

#: The international mile, km.
MILE_KM = 1.609344
#: Epochs formatted per block when writing CSV with ``digits="full"``.
CSV_BLOCK = 10_000
#: Rows (epoch, target) formatted per block with fixed decimals: arrays small enough to stay in
#: cache and in the allocator's reuse.
CSV_ROWS = 2048
#: Epochs whose UTC text is made at once (a multiple of every block of epochs used here).
UTC_EPOCHS = 2**16
#: Decimals printed per CSV column with ``digits="fixed"`` (the default), by unit, each finer than
#: the engine's accuracy (directions agree with SPICE to about 1e-6 mas, positions to about a cm
#: with the exact-digit precision of a double at those ranges): deg 1e-10 (0.4 micro-arcsec),
#: arcsec 1e-7, km 1e-6 (1 mm), km/s 1e-9 (1 micrometre/s), light time in s 1e-12 (0.3 mm of
#: light), magnitudes 1e-6 mag, the illuminated fraction 1e-12, and ``et`` (TDB seconds) 1e-6 s.
DECIMALS = {"deg": 10, "arcsec": 7, "km": 6, "km / s": 9, "s": 12, "mag": 6, "mag / arcsec2": 6, None: 12}
DECIMALS_BY_NAME = {"et": 6}
#: The two ways CSV prints floats.
DIGITS = ("fixed", "full")


def decimals(col: Column) -> int:
    """Decimals a float column is printed with in fixed-digit CSV (see :data:`DECIMALS`)."""
    return DECIMALS_BY_NAME.get(col.name, DECIMALS[col.unit])


def _strings(values: np.ndarray, kind: str) -> list[str]:
    """Text of a whole column at once: shortest round-trip floats ('nan' for NaN)."""
    if kind == "float":
        return list(map(repr, values.tolist()))
    if kind == "bool":
        return ["true" if v else "false" for v in values.tolist()]
    return values.tolist()


def note_lines(g, extra_notes=()) -> list[str]:
    """The metadata of ``g`` as lines of text: paledot's version, observer, correction and
    ephemeris; the conventions; a ``note: ...`` line per note (``extra_notes`` after its own).
    Not in the CSV itself (which is plain): the CLI prints them on stderr."""
    m = g.meta()
    lines = [f"paledot {m['paledot']}; observer {m['observer']}; correction {m['correction']}"
             f"{' with light deflection by the Sun' if m['deflection'] else ''}; "
             f"ephemeris {', '.join(m['ephemeris'])}",
             f"conventions: {m['conventions']}"]
    lines += [f"note: {n}" for n in (*m["notes"], *extra_notes)]
    return lines


def comment_lines(g, extra_notes=()) -> list[str]:
    """:func:`note_lines` as ``#`` comment lines (what ``write_csv(..., comments=True)`` puts first)."""
    return [f"# {line}" for line in note_lines(g, extra_notes)]


def write_csv(g, out: TextIO, header: bool = True, extra_notes=(), digits: str = "fixed",
              comments: bool = False) -> None:
    """CSV of ``g`` to ``out``: the header (if ``header``), then one row per (epoch, target) with
    pair columns, written whole columns a block of rows at a time. Plain CSV: the first line is
    the header; the metadata (:func:`note_lines`) is the caller's to show, unless ``comments``
    puts it first as ``#`` lines (:func:`comment_lines`, with ``extra_notes``), which most CSV
    readers must then be told to skip.

    ``digits``: ``"fixed"`` (default) prints each float column at :func:`decimals` decimals;
    ``"full"`` prints shortest round-trip floats (the same doubles when read back; slower)."""
    if digits not in DIGITS:
        raise PaledotError(f"digits {digits!r} is not one of {', '.join(DIGITS)}")
    cols: list[Column] = columns(g)
    if header:
        if comments:
            out.write("\n".join(comment_lines(g, extra_notes)) + "\n")
        out.write(",".join(["utc"] + [c.csv for c in cols]) + "\n")
    n_t = len(g.targets)
    values = [(c, np.asarray(c.values(g))) for c in cols]  # computed once, sliced per block
    if digits == "full":
        for lo in range(0, g.t.size, CSV_BLOCK):
            sl = slice(lo, min(lo + CSV_BLOCK, g.t.size))
            text = [np.repeat(et_to_iso(g.t[sl], precision=3), n_t).tolist()]
            for c, v in values:
                part = np.repeat(v[sl], n_t) if c.per_epoch else v[:, sl].T.reshape(-1)
                text.append(_strings(part, c.kind))
            out.write("\n".join(map(",".join, zip(*text, strict=True))) + "\n")
        return
    step = max(1, CSV_ROWS // n_t)
    for top in range(0, g.t.size, UTC_EPOCHS):  # the UTC text of many blocks at once
        utc_text = text_bytes(et_to_iso(g.t[top:top + UTC_EPOCHS], precision=3))
        for lo in range(top, min(top + UTC_EPOCHS, g.t.size), step):
            sl = slice(lo, min(lo + step, top + UTC_EPOCHS, g.t.size))
            utc = np.repeat(utc_text[sl.start - top:sl.stop - top], n_t, axis=0)
            out.write(_fixed_block(values, sl, n_t, utc).decode("utf-8"))


def _fixed_block(values, sl: slice, n_t: int, utc: np.ndarray) -> bytes:
    """The CSV rows of epochs ``sl`` with fixed decimals (``utc``: their UTC text, one per row)."""
    m = sl.stop - sl.start
    cells: dict[int, np.ndarray] = {}
    per_row = [k for k, (c, _) in enumerate(values) if c.kind == "float" and not c.per_epoch]
    per_epoch = [k for k, (c, _) in enumerate(values) if c.kind == "float" and c.per_epoch]
    if per_row:  # (T, m) each, epoch-major rows: all columns through numpy together
        block = np.stack([values[k][1][:, sl] for k in per_row], axis=-1)  # (T, m, C)
        texts = fixed_columns(block.transpose(1, 0, 2).reshape(m * n_t, len(per_row)),
                              [decimals(values[k][0]) for k in per_row])
        cells.update(zip(per_row, texts, strict=True))
    if per_epoch:  # formatted once per epoch, repeated for each target's row
        block = np.stack([values[k][1][sl] for k in per_epoch], axis=-1)
        texts = fixed_columns(block, [decimals(values[k][0]) for k in per_epoch])
        cells.update((k, np.repeat(t, n_t, axis=0)) for k, t in zip(per_epoch, texts, strict=True))
    for k, (c, v) in enumerate(values):
        if k in cells:
            continue
        if c.name == "target":
            cells[k] = np.tile(text_bytes(v[:, 0]), (m, 1))
        elif c.per_epoch:
            cells[k] = np.repeat(_cell_bytes(v[sl], c), n_t, axis=0)
        else:
            cells[k] = _cell_bytes(v[:, sl].T.reshape(-1), c)
    return join_rows([utc, *(cells[k] for k in range(len(values)))])


def _cell_bytes(values: np.ndarray, col: Column) -> np.ndarray:
    """Text of one string or boolean column's values as a 0-padded byte matrix (see fixedtext)."""
    if col.kind == "bool":
        return text_bytes(np.where(values, "true", "false"))
    return text_bytes(values)


def format_csv(g, header: bool = True, extra_notes=(), digits: str = "fixed", comments: bool = False) -> str:
    """CSV as a string (see :func:`write_csv`)."""
    buf = io.StringIO()
    write_csv(g, buf, header, extra_notes, digits, comments)
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


def _or_dash(value, spec: str) -> str:
    """``value`` in ``spec``, or '-' as wide for an undefined one (the Sun's phase): not 'nan'."""
    text = format(value, spec)
    if np.isfinite(value):
        return text
    width = len(text)
    return "-".rjust(width) if spec.startswith(">") else "-"


#: The text table's per-target columns after UTC and target: (header, width), as printed.
TABLE_COLUMNS = (("range km", 15), ("AU", 10), ("M miles", 9), ("km/s", 8), ("lt min", 7), ("RA deg", 9),
                 ("Dec deg", 8), ("diam as", 8), ("phase", 6), ("lit %", 6), ("elong", 6), ("V mag", 6))
#: Extra columns from a surface site, and from an observer on or around a body.
SITE_COLUMNS = (("az", 6), ("el", 6), ("Sun", 4))
OCCULTATION_COLUMNS = (("hidden", 7), ("limb deg", 8))


def table_epochs(g) -> list[dict]:
    """The text table's cells, one dict per epoch, each cell exactly the text :func:`format_table`
    prints (padded to its width; strip it to show it alone): ``utc``; ``targets``, a list of
    ``{"target", "cells": {header: text}, "face": {...} or None}``; and ``pairs``, a list of
    ``{"pair", "separation arcsec", "separation deg" (or None under 1 deg), "position angle deg"}``.
    Headers are those of :data:`TABLE_COLUMNS` (and the site or occultation columns when present);
    units: km, AU, million miles, km/s, light-minutes, deg, arcsec, percent, V magnitudes."""
    site, occ = g.sky is not None, g.occultation is not None
    utc = et_to_iso(g.t)
    rng, rr, lt = np.linalg.norm(g._position, axis=-1), g._range_rate, g._light_time
    ra, dec = (np.degrees(x) for x in radec(g._position))
    diam = 2 * np.degrees(g._angular_radius) * 3600
    phase, elong = np.degrees(g._phase), np.degrees(g._sun_elongation)
    lit = 50 * (1 + np.cos(g._phase))
    mag = g._magnitude
    disk = {k: np.degrees(v) for k, v in g._disk.items()}
    names = g.target_names
    pairs = [  # whole arrays, once: not recomputed for every epoch's line
        (f"{names[a]}-{names[b]}", np.degrees(g._separation(a, b)), np.degrees(g._pair_position_angle(a, b)))
        for a in range(len(names))
        for b in range(a + 1, len(names))
    ]
    if site:
        az, el, up = np.degrees(g.sky._azimuth), np.degrees(g.sky._elevation), g.sky.sun_up
    if occ:
        state, height = g.occultation.state, np.degrees(g.occultation._height)
    epochs = []
    for j in range(g.t.size):
        rows = []
        for i, name in enumerate(names):
            cells = {"range km": f"{rng[i, j]:>15,.0f}", "AU": f"{rng[i, j] / AU_KM:>10.6f}",
                     "M miles": f"{rng[i, j] / MILE_KM / 1e6:>9.3f}", "km/s": f"{rr[i, j]:>8.3f}",
                     "lt min": f"{lt[i, j] / 60:>7.3f}", "RA deg": f"{ra[i, j]:>9.4f}",
                     "Dec deg": f"{dec[i, j]:>8.4f}", "diam as": f"{diam[i, j]:>8.3f}",
                     "phase": _or_dash(phase[i, j], ">6.1f"), "lit %": _or_dash(lit[i, j], ">6.1f"),
                     "elong": _or_dash(elong[i, j], ">6.1f"), "V mag": _or_dash(mag[i, j], ">6.2f")}
            if site:
                cells.update({"az": f"{az[i, j]:>6.1f}", "el": f"{el[i, j]:>6.1f}",
                              "Sun": f"{'up' if up[j] else 'down':>4}"})
            elif occ:
                cells.update({"hidden": f"{('no', 'partly', 'fully')[state[i, j]]:>7}",
                              "limb deg": f"{height[i, j]:>8.3f}"})
            face = None
            if not np.isnan(disk["sub_observer_lon"][i, j]):
                face = {"sub-observer": f"{disk['sub_observer_lon'][i, j]:.2f}E "
                                        f"{disk['sub_observer_lat'][i, j]:+.2f}",
                        "sub-solar": (f"{disk['sub_solar_lon'][i, j]:.2f}E {disk['sub_solar_lat'][i, j]:+.2f}"
                                      if np.isfinite(disk["sub_solar_lon"][i, j]) else "-"),
                        "north pole PA": f"{disk['north_pole_pa'][i, j]:.2f}",
                        "bright limb PA": _or_dash(disk["bright_limb_pa"][i, j], ".2f")}
            rows.append({"target": name, "cells": cells, "face": face})
        pair_cells = []
        for pair, sep, pa in pairs:
            sep_deg = sep[j]
            pair_cells.append({"pair": pair, "separation arcsec": f"{sep_deg * 3600:>9.2f}",
                               # 240487 arcsec reads badly: degrees beside it from 1 deg up
                               "separation deg": f"{sep_deg:.4f}" if sep_deg >= 1 else None,
                               "position angle deg": f"{pa[j]:>7.2f}"})
        epochs.append({"utc": utc[j].replace("T", " "), "targets": rows, "pairs": pair_cells})
    return epochs


def format_table(g, header: bool = True) -> str:
    """A table for people: km, AU, million miles, light-minutes, arcseconds, degrees, magnitudes;
    under each target the face we see, and after each epoch its pairs. Notes are not included.
    The cells are :func:`table_epochs`'s."""
    lines = []
    site, occ = g.sky is not None, g.occultation is not None
    if header:
        extra = SITE_COLUMNS if site else OCCULTATION_COLUMNS if occ else ()
        lines.append(f"observer {g.observer} · correction {g.correction} · ephemeris "
                     + ", ".join(g.meta()["ephemeris"]))
        lines.append(f"{'UTC':<19}  {'target':<8} "
                     + " ".join(f"{h:>{w}}" for h, w in (*TABLE_COLUMNS, *extra)))
    for epoch in table_epochs(g):
        for row in epoch["targets"]:
            lines.append(f"{epoch['utc']:<19}  {row['target']:<8} " + " ".join(row["cells"].values()))
            face = row["face"]
            if face is not None:
                lines.append(
                    f"{'':<19}  {'':<8} face: sub-observer {face['sub-observer']}, sub-solar "
                    f"{face['sub-solar']}, north pole PA {face['north pole PA']}, bright limb PA "
                    f"{face['bright limb PA']} deg")
        for p in epoch["pairs"]:
            lines.append(
                f"{'':<19}  {p['pair']:<17} separation {p['separation arcsec']} arcsec"
                + (f" ({p['separation deg']} deg)" if p["separation deg"] is not None else "")
                + f", position angle {p['position angle deg']} deg")
    return "\n".join(lines) + "\n"
