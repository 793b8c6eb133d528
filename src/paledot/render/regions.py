"""DS9 region files for rendered frames: a circle on each body, a point on each star drawn.

Regions are written in sky coordinates (ICRS degrees) by astropy's ``regions`` package, so DS9
places them through the frame's own WCS whatever the display. ``regions`` is an optional extra
(``pip install 'paledot[regions]'``); :func:`regions_available` says whether it is installed.
This module only describes; it never renders and never writes files (``outputs`` does).
"""

from __future__ import annotations

import math

import numpy as np

from .._io.errors import PaledotError
from .frame import Frame

#: DS9 colours for the bodies paledot names most; anything else is green.
COLOURS = {"earth": "cyan", "moon": "yellow", "sun": "orange"}
#: Smallest circle drawn, in pixels, so a body under a pixel wide still gets a visible ring.
MIN_RING_PX = 3.0


def regions_available() -> bool:
    try:
        import regions  # noqa: F401
    except ImportError:
        return False
    return True


def region_text(frame: Frame) -> str:
    """The frame's DS9 region file as text: a circle (the body's disk, at least ``MIN_RING_PX``) on
    each body with a finite position, and a point on each star of ``frame.stars`` or
    ``frame.meta['stars']`` (a table or list of rows with ``ra``/``dec`` degrees and optionally
    ``name``, ``hip`` or ``mag``)."""
    try:
        import astropy.units as u
        from astropy.coordinates import SkyCoord
        from regions import CircleSkyRegion, PointSkyRegion, RegionMeta, Regions, RegionVisual
    except ImportError:
        raise PaledotError(
            "region files need the 'regions' package: pip install 'paledot[regions]'"
        ) from None
    scale_deg = math.degrees(frame.camera.pixel_scale_rad)
    shapes = []
    for b in frame.bodies:
        if not (np.isfinite(b.ra_deg) and np.isfinite(b.dec_deg)):
            continue
        radius = max(b.diameter_px / 2, MIN_RING_PX) * scale_deg
        label = b.name
        if b.hidden_by:
            label += " (hidden)" if b.hidden else f" ({1 - b.visible_fraction:.0%} hidden)"
        shapes.append(
            CircleSkyRegion(
                SkyCoord(b.ra_deg, b.dec_deg, unit="deg", frame="icrs"),
                radius * u.deg,
                meta=RegionMeta({"text": label}),
                visual=RegionVisual({"color": COLOURS.get(b.name, "green")}),
            )
        )
    stars = getattr(frame, "stars", None)
    if hasattr(stars, "to_table"):  # the renderer's StarField
        stars = stars.to_table()
    for star in _rows(stars if stars is not None else frame.meta.get("stars")):
        label = str(star.get("name") or (f"HIP {star['hip']}" if star.get("hip") is not None else ""))
        meta = {"text": label} if label else {}
        shapes.append(
            PointSkyRegion(
                SkyCoord(u.Quantity(star["ra"], u.deg), u.Quantity(star["dec"], u.deg), frame="icrs"),
                meta=RegionMeta(meta),
                visual=RegionVisual({"color": "white"}),
            )
        )
    return Regions(shapes).serialize(format="ds9")


def _rows(stars) -> list[dict]:
    """Rows of a star table (astropy Table, list of dicts, or None) as dicts."""
    if stars is None:
        return []
    names = getattr(stars, "colnames", None)
    if names is not None:
        return [{k: row[k] for k in names} for row in stars]
    return [dict(s) for s in stars]


def region_path(fits_path) -> str:
    """Where a FITS file's region file goes: beside it, ``.reg`` for ``.fits``/``.fit``/``.fts``."""
    text = str(fits_path)
    for ext in (".fits", ".fit", ".fts", ".FITS", ".FIT", ".FTS"):
        if text.endswith(ext):
            return text[: -len(ext)] + ".reg"
    return text + ".reg"
