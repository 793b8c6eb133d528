"""What the sky should show in a frame: each body's apparent place and brightness, and its image.

Positions come from ``geometry.observe`` (apparent RA/Dec, LT+S by default); a body's expected
image (a lit disk through the camera's PSF, noiseless) from ``render`` pointed and rolled to match
the frame's WCS. The roll is found by comparing the frame's WCS with the WCS ``render`` builds, so
this module assumes nothing about row order or parity: only the WCS says where the sky is.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord

from ..errors import PaledotError
from ..geometry import observe
from .centroid import Shape


@dataclass
class PredictedBody:
    """A body's apparent place (deg, ICRF), V magnitude, angular diameter (arcsec) and phase (deg)."""

    name: str
    ra_deg: float
    dec_deg: float
    magnitude: float
    diameter_arcsec: float
    phase_deg: float
    range_km: float

    @property
    def coord(self) -> SkyCoord:
        return SkyCoord(self.ra_deg * u.deg, self.dec_deg * u.deg, frame="icrs")


def predict(observer: str, targets: list[str], et: float, correction: str = "LT+S") -> list[PredictedBody]:
    """Apparent places of ``targets`` seen by ``observer`` at ``et`` (TDB s past J2000)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = observe(observer, targets, np.array([et]), correction)
    ra = np.degrees(g.ra.to_value("rad")[:, 0])
    dec = np.degrees(g.dec.to_value("rad")[:, 0])
    mag = g.magnitude.to_value("mag")[:, 0]
    diam = 2 * g.angular_radius.to_value("arcsec")[:, 0]
    phase = np.degrees(g.phase_angle.to_value("rad")[:, 0])
    rng = g.range.to_value("km")[:, 0]
    return [
        PredictedBody(
            t.name, float(ra[i]), float(dec[i]), float(mag[i]), float(diam[i]), float(phase[i]), float(rng[i])
        )
        for i, t in enumerate(g.targets)
    ]


def _north_angle(wcs, coord: SkyCoord) -> float:
    """Angle (rad, atan2 in pixel x/y) of the direction to celestial north at ``coord``."""
    ra, dec = float(coord.ra.deg), float(coord.dec.deg)
    step = 5.0 / 3600.0 if dec < 89.99 else -5.0 / 3600.0
    (x0, x1), (y0, y1) = wcs.all_world2pix([ra, ra], [dec, dec + step], 0)
    return math.atan2(y1 - y0, x1 - x0) if step > 0 else math.atan2(y0 - y1, x0 - x1)


def parity(wcs) -> int:
    """+1 or -1: the sign of the determinant of the WCS's pixel-to-sky matrix."""
    return 1 if np.linalg.det(wcs.pixel_scale_matrix) > 0 else -1


def _wrap(a: float) -> float:
    return (a + math.pi) % (2 * math.pi) - math.pi


def render_roll(camera, wcs, coord: SkyCoord) -> float | None:
    """The ``render`` roll (deg) that orients a camera like ``wcs`` at ``coord``; None if the WCS
    is mirrored relative to what ``render`` makes (then templates would be mirrored too)."""
    from ..render import build_wcs, camera_axes

    c = coord.cartesian.xyz.value
    w0 = build_wcs(camera, camera_axes(c, 0.0))
    w1 = build_wcs(camera, camera_axes(c, math.radians(10.0)))
    if parity(w0) != parity(wcs):
        return None
    a0, a1 = _north_angle(w0, coord), _north_angle(w1, coord)
    sense = 1.0 if _wrap(a1 - a0) > 0 else -1.0
    return math.degrees(sense * _wrap(_north_angle(wcs, coord) - a0))


def body_shapes(camera, observer: str, targets: list[str], et: float, wcs, at: SkyCoord) -> dict[str, Shape]:
    """Each target's noiseless image (normalised) with its centre, rendered oriented like ``wcs``.

    Empty when the WCS is mirrored relative to ``render``'s or nothing lands on the detector."""
    from ..render import Pointing, Scene, render

    roll = render_roll(camera, wcs, at)
    if roll is None:
        return {}
    # a detector just big enough for the bodies around ``at`` keeps the rendering small
    pred = predict(observer, targets, et)
    reach = max(at.separation(p.coord).to_value(u.rad) for p in pred) / camera.pixel_scale_rad
    side = int(min(max(camera.columns, camera.rows), 2 * math.ceil(reach) + 64))
    camera = replace(camera, columns=side, rows=side)
    scene = Scene(
        et,
        observer,
        targets,
        camera,
        Pointing("radec", ra_deg=float(at.ra.deg), dec_deg=float(at.dec.deg), roll_deg=roll),
        noise=False,
        seed=None,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            frame = render(scene)
        except PaledotError:
            return {}
    out: dict[str, Shape] = {}
    img = frame.expected
    for b in frame.bodies:
        if not b.in_frame or b.electrons <= 0:
            continue
        x, y = (float(v) for v in frame.wcs.world_to_pixel(SkyCoord(b.ra_deg * u.deg, b.dec_deg * u.deg)))
        half = int(math.ceil(b.diameter_px / 2 + 6))
        ix, iy = int(round(x)), int(round(y))
        y0, x0 = max(iy - half, 0), max(ix - half, 0)
        stamp = np.array(img[y0 : iy + half + 1, x0 : ix + half + 1], float)
        # leave out the other bodies' light: keep only this body's share where they overlap
        total = stamp.sum()
        if total <= 0:
            continue
        out[b.name] = Shape(stamp / total, x - x0, y - y0, "template")
    return out
