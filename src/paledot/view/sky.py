"""The sky around the boresight, and the Moon's orbit around Earth, as the observer sees them.

Both are drawn on the tangent plane (gnomonic) at a centre direction, in offsets (east, north):
the sky chart in degrees around the frame's boresight, the orbit in arcseconds around Earth. East
is +RA, north +Dec (J2000/ICRF); the page draws them with north up and east to the left, as the
sky looks. Star places: the packaged Hipparcos catalogue moved to the epoch, with parallax from the
observer's position and the aberration of its velocity when the correction asks for it (as the
frames draw them). Computes with paledot's geometry; draws nothing itself.
"""

from __future__ import annotations

import math

import numpy as np

from .._io.errors import PaledotError
from ..geometry.lighttime import observe
from ..stories.claims import orbit_fraction

#: Bodies looked for on the sky chart besides the targets (a barycentre stands in where DE440 has
#: no centre).
SKY_BODIES = ("sun", "mercury", "venus", "earth", "moon", "mars", "jupiter barycenter",
              "saturn barycenter", "uranus barycenter", "neptune barycenter")
#: The chart's radius: this many times the field's half-diagonal, within these limits (deg).
CHART_FIELDS, CHART_MIN_DEG, CHART_MAX_DEG = 8.0, 1.0, 40.0
#: Stars drawn on the chart down to this V.
CHART_V_LIMIT = 8.5
#: Stars labelled (by Hipparcos number) on each chart: the brightest few.
LABELLED_STARS = 4
#: At most this many stars on a chart, the brightest (a wide field holds thousands to V 8.5).
MAX_CHART_STARS = 300
#: The Moon's sidereal month, days (one orbit drawn when a scenario does not say).
SIDEREAL_MONTH_D = 27.321661


def tangent_offsets(center: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Gnomonic (east, north) offsets, rad, of directions ``points`` (N, 3) around ``center`` (3,)
    or (N, 3); J2000 vectors of any length. NaN for points 90 deg or more from the centre."""
    c = np.broadcast_to(center / np.linalg.norm(center, axis=-1, keepdims=True), np.shape(points))
    p = points / np.linalg.norm(points, axis=-1, keepdims=True)
    z = np.array([0.0, 0.0, 1.0])
    east = np.cross(z, c)
    east /= np.maximum(np.linalg.norm(east, axis=-1, keepdims=True), 1e-300)
    north = np.cross(c, east)
    depth = np.einsum("ij,ij->i", p, c)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.stack([np.einsum("ij,ij->i", p, east) / depth, np.einsum("ij,ij->i", p, north) / depth], -1)
    out[depth <= 0] = np.nan
    return out


def _unit_radec(ra_deg: float, dec_deg: float) -> np.ndarray:
    ra, dec = math.radians(ra_deg), math.radians(dec_deg)
    return np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])


def chart_radius_deg(camera) -> float:
    """The sky chart's radius for this camera, deg (see :data:`CHART_FIELDS`)."""
    w, h = camera.field_of_view_rad
    half_diag = math.degrees(math.hypot(w, h) / 2)
    return float(np.clip(CHART_FIELDS * half_diag, CHART_MIN_DEG, CHART_MAX_DEG))


def sky_bodies(observer, targets, et: np.ndarray, correction: str = "LT+S") -> dict[str, tuple]:
    """Apparent J2000 positions (km, (T, 3)) and V magnitudes (T,) of the targets and
    :data:`SKY_BODIES` from the observer at ``et``; a body paledot cannot place from there (the
    observer's own) is left out."""
    out: dict[str, tuple] = {}
    for name in dict.fromkeys([*targets, *SKY_BODIES]):
        try:
            with np.errstate(divide="ignore", invalid="ignore"):  # the observer's own body: dropped
                g = observe(observer, [name], et, correction)
        except PaledotError:
            continue
        pos = g.position.to_value("km")[0]
        if np.all(np.linalg.norm(pos, axis=-1) > 1.0):
            out[name.replace(" barycenter", "")] = (pos, g.magnitude.to_value("mag")[0])
    return out


def chart(frame, bodies: dict[str, tuple], j: int, radius_deg: float, obs_pos_km: np.ndarray,
          obs_vel_km_s: np.ndarray | None) -> dict:
    """The chart of step ``j`` around the boresight of ``frame``: bodies and stars within
    ``radius_deg`` as (east, north) deg offsets, the field's outline from the frame's WCS (its
    corners, the detector's outer pixel edges), and the brightest stars' labels."""
    ra0, dec0 = (float(x) for x in frame.wcs.wcs.crval)
    axis = _unit_radec(ra0, dec0)
    items = []
    for name, (pos, mag) in bodies.items():
        off = np.degrees(tangent_offsets(axis, pos[j:j + 1]))[0]
        v = float(mag[j])
        if np.all(np.isfinite(off)) and math.hypot(*off) <= radius_deg * 1.5:
            items.append({"name": name, "e": round(float(off[0]), 5), "n": round(float(off[1]), 5),
                          "v": round(v, 2) if math.isfinite(v) else None})
    cam = frame.camera
    cols, rows = cam.columns - 0.5, cam.rows - 0.5
    cx, cy = np.array([-0.5, cols, cols, -0.5]), np.array([-0.5, -0.5, rows, rows])
    ra, dec = frame.wcs.pixel_to_world_values(cx, cy)
    corners = np.degrees(tangent_offsets(axis, np.stack([_unit_radec(a, d) for a, d in zip(ra, dec,
                                                                                       strict=True)])))
    stars = _stars(axis, radius_deg, float(frame.et), obs_pos_km, obs_vel_km_s)
    return {"bodies": items, "field": np.round(corners, 5).tolist(), "stars": stars}


def _stars(axis: np.ndarray, radius_deg: float, et: float, pos_km, vel_km_s) -> list:
    """[[east deg, north deg, V, HIP or 0]] of catalogue stars on the chart, brightest first, at most
    :data:`MAX_CHART_STARS` (the brightest few with their Hipparcos number, the rest with 0); empty
    when the catalogue is not installed."""
    from ..light.stars import apparent_directions, load_catalogue, select

    try:
        cat = load_catalogue()
    except PaledotError:
        return []
    idx = select(cat, axis, math.radians(radius_deg * 1.5 + 0.1), CHART_V_LIMIT)
    if not idx.size:
        return []
    off = np.degrees(tangent_offsets(axis, apparent_directions(cat, idx, et, pos_km, vel_km_s)))
    keep = np.all(np.isfinite(off), axis=1) & (np.hypot(off[:, 0], off[:, 1]) <= radius_deg * 1.45)
    order = np.argsort(cat.v[idx[keep]], kind="stable")[:MAX_CHART_STARS]  # brightest first
    idx, off = idx[keep][order], off[keep][order]
    return [[round(float(off[k, 0]), 4), round(float(off[k, 1]), 4), round(float(cat.v[idx[k]]), 2),
             int(cat.hip[idx[k]]) if k < LABELLED_STARS else 0] for k in range(idx.size)]


def orbit(observer, first_et: float, marked: np.ndarray, steps: np.ndarray, days: float = SIDEREAL_MONTH_D,
          step_s: float = 7200.0) -> dict:
    """The Moon around Earth seen from the observer over ``days`` from ``first_et`` (ET s), as
    (east, north) arcsec offsets from Earth's apparent centre; the Moon at the ``marked`` epochs
    (a scenario's frames, a campaign's) and at each slider step; and the share of its orbit around
    Earth the marked epochs span (geometric, in the orbit's plane, as the claims measure it)."""
    month = np.arange(first_et, first_et + days * 86400.0 + 1.0, step_s)

    def offsets(et: np.ndarray) -> np.ndarray:
        gm = observe(observer, ["earth", "moon"], et).position.to_value("km")
        return np.degrees(tangent_offsets(gm[0], gm[1])) * 3600.0

    share = 0.0
    if len(marked) >= 2:
        dense = np.linspace(marked[0], marked[-1], max(2, int((marked[-1] - marked[0]) / 3600) + 1))
        share = orbit_fraction(observe("earth", "moon", dense, correction="NONE").position.to_value("km")[0])
    g = observe(observer, ["earth"], np.array([first_et]))
    return {
        "path": np.round(offsets(month), 2).tolist(),
        "path_et": [float(month[0]), float(month[-1])],
        "marks": np.round(offsets(np.asarray(marked, dtype=float)), 2).tolist() if len(marked) else [],
        "steps": np.round(offsets(steps), 2).tolist(),
        "share": share,
        "earth_radius_arcsec": float(np.degrees(g.angular_radius.to_value("rad")[0, 0]) * 3600.0),
        "days": days,
    }
