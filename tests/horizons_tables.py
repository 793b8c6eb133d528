"""Readers for the saved JPL Horizons outputs in tests/data/horizons (see its README for sources).

They read Horizons' own text: the header lines (the site as Horizons printed it) and the CSV table
between ``$$SOE`` and ``$$EOE``, columns taken by their Horizons names. No paledot code is used.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

HORIZONS = Path(__file__).parent / "data" / "horizons"
AU_KM = 149597870.7  # Horizons' own: "1 au= 149597870.700 km"


def read_table(name: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(header fields, columns) of a saved CSV OBSERVER table: fields by their label before ':'
    ('Center geodetic', ...), columns by Horizons' column title, values as printed (strings)."""
    lines = (HORIZONS / name).read_text().splitlines()
    fields = {}
    for line in lines:
        m = re.match(r"^([A-Z][A-Za-z .\-/]+?)\s*:\s(.*)$", line)
        if m and "$$" not in line:
            fields.setdefault(m.group(1).strip(), m.group(2).strip())
    soe, eoe = lines.index("$$SOE"), lines.index("$$EOE")
    title = next(line for line in lines[:soe] if "Date_" in line)
    names = [c.strip() for c in title.split(",")]
    columns: dict[str, list[str]] = {n: [] for n in names if n}
    for row in lines[soe + 1:eoe]:
        for n, v in zip(names, row.split(","), strict=False):
            if n:
                columns[n].append(v.strip())
    return fields, columns


def floats(values: list[str]) -> np.ndarray:
    """Column values as floats ('n.a.' as NaN)."""
    return np.array([np.nan if v == "n.a." else float(v) for v in values])


def site_geodetic(fields: dict[str, str]) -> tuple[float, float, float]:
    """(east longitude deg, geodetic latitude deg, altitude km) of Horizons' 'Center geodetic' line,
    which Horizons prints in E-lon here (the unit note in braces says so)."""
    text, units = fields["Center geodetic"].split("{")
    assert units.startswith("E-lon(deg),Lat(deg),Alt(km)"), units
    lon, lat, alt = (float(x) for x in text.split(",")[:3])
    return lon, lat, alt
