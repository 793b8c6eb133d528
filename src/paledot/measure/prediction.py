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


def body_shapes(
    camera,
    observer: str,
    predicted: list[PredictedBody],
    et: float,
    wcs,
    positions: dict[str, tuple[float, float]],
    oversample: dict[str, int] | None = None,
) -> dict[str, Shape]:
    """Each body's noiseless image (normalised), rendered alone, oriented like ``wcs`` and placed at
    the same sub-pixel phase as its position in ``positions`` (frame pixels), with its centre.

    Rendering at the right phase (rather than moving one rendering by Fourier interpolation)
    keeps an undersampled body exact, which matters most when a saturated core leaves only its
    faint wings to fit; ``oversample`` (per body) renders on pixels that many times finer, for
    fits that must move the image by whole pixels. Empty when the WCS is mirrored relative to
    ``render``'s."""
    from ..render import Pointing, Scene, build_wcs, camera_axes, render

    out: dict[str, Shape] = {}
    for p in predicted:
        if p.name not in positions:
            continue
        x, y = positions[p.name]
        roll = render_roll(camera, wcs, p.coord)
        if roll is None:
            return {}
        q = int((oversample or {}).get(p.name, 1))
        diam = p.diameter_arcsec / 3600.0 / math.degrees(camera.pixel_scale_rad)
        side = int(min(4096 // q, math.ceil(diam) + 40))
        # q times finer pixels, same optics: the same sky through the same PSF, sampled finer
        cam = replace(
            camera,
            columns=side * q,
            rows=side * q,
            pixel_pitch_um=camera.pixel_pitch_um / q,
            psf_fwhm_px=camera.psf_fwhm_px * q,
        )
        c = p.coord.cartesian.xyz.value
        w0 = build_wcs(cam, camera_axes(c, math.radians(roll)))
        (bx,), (by,) = w0.all_world2pix([p.ra_deg], [p.dec_deg], 0)
        bx, by = (bx - (q - 1) / 2.0) / q, (by - (q - 1) / 2.0) / q  # on the coarse pixel grid
        dx = (x - bx + 0.5) % 1.0 - 0.5
        dy = (y - by + 0.5) % 1.0 - 0.5
        cx, cy = (side * q - 1) / 2.0, (side * q - 1) / 2.0
        (ra,), (dec,) = w0.all_pix2world([cx - dx * q], [cy - dy * q], 0)
        scene = Scene(
            et,
            observer,
            [p.name],
            cam,
            Pointing("radec", ra_deg=float(ra), dec_deg=float(dec), roll_deg=roll),
            noise=False,
            seed=None,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                frame = render(scene)
            except PaledotError:
                continue
        total = float(frame.expected.sum())
        if total <= 0:
            continue
        (tx,), (ty,) = frame.wcs.all_world2pix([p.ra_deg], [p.dec_deg], 0)
        # fine cell (j) lies in coarse pixel j // q, whose centre is fine (j // q) q + (q - 1) / 2
        ccx, ccy = (tx - (q - 1) / 2.0) / q, (ty - (q - 1) / 2.0) / q
        out[p.name] = Shape(frame.expected.astype(float) / total, float(ccx), float(ccy), "template", q)
    return out
