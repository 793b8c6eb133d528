"""What the sky should show in a frame: each body's apparent place and brightness, and its image.

Positions come from ``geometry.lighttime`` (apparent RA/Dec, LT+S by default); a body's expected
image (a lit disk through the camera's PSF, noiseless) is drawn as ``render`` draws it (its ray
casting and PSF), from the same light-time vectors, pointed and rolled to match the frame's WCS.
The roll is found by comparing the frame's WCS with the WCS ``render`` builds, so this module
assumes nothing about row order or parity: only the WCS says where the sky is.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord

from .._io.errors import PaledotError
from ..geometry.lighttime import observe
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
    #: the apparent observer-to-body vector and the body-to-Sun vector (km, J2000) and the body
    #: itself (radii, pole), from the same light-time solution: what its template is drawn from
    position_km: np.ndarray | None = field(default=None, repr=False, compare=False)
    sun_km: np.ndarray | None = field(default=None, repr=False, compare=False)
    body: object = field(default=None, repr=False, compare=False)

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
    pos = g.position.to_value("km")[:, 0, :]
    sun = g.sun_from_target.to_value("km")[:, 0, :]
    return [
        PredictedBody(
            t.name, float(ra[i]), float(dec[i]), float(mag[i]), float(diam[i]), float(phase[i]),
            float(rng[i]), pos[i].copy(), sun[i].copy(), t.body,
        )
        for i, t in enumerate(g.targets)
    ]


def _radec(coord) -> tuple[float, float]:
    if hasattr(coord, "ra_deg"):
        return float(coord.ra_deg), float(coord.dec_deg)
    return float(coord.ra.deg), float(coord.dec.deg)


def _unit(ra_deg: float, dec_deg: float) -> np.ndarray:
    ra, dec = math.radians(ra_deg), math.radians(dec_deg)
    return np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])


def _north_angle(wcs, coord) -> float:
    """Angle (rad, atan2 in pixel x/y) of the direction to celestial north at ``coord``."""
    ra, dec = _radec(coord)
    step = 5.0 / 3600.0 if dec < 89.99 else -5.0 / 3600.0
    (x0, x1), (y0, y1) = wcs.all_world2pix([ra, ra], [dec, dec + step], 0)
    return math.atan2(y1 - y0, x1 - x0) if step > 0 else math.atan2(y0 - y1, x0 - x1)


def parity(wcs) -> int:
    """+1 or -1: the sign of the determinant of the WCS's pixel-to-sky matrix."""
    return 1 if np.linalg.det(wcs.pixel_scale_matrix) > 0 else -1


def _wrap(a: float) -> float:
    return (a + math.pi) % (2 * math.pi) - math.pi


def render_roll(camera, wcs, coord) -> float | None:
    """The ``render`` roll (deg) that orients a camera like ``wcs`` at ``coord`` (a SkyCoord or a
    PredictedBody); None if the WCS is mirrored relative to what ``render`` makes (then templates
    would be mirrored too)."""
    from ..render.projection import build_wcs, camera_axes

    c = _unit(*_radec(coord))
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
    """Each body's noiseless image (normalised), drawn alone, oriented like ``wcs`` and placed at
    the same sub-pixel phase as its position in ``positions`` (frame pixels), with its centre.

    Rendering at the right phase (rather than moving one rendering by Fourier interpolation)
    keeps an undersampled body exact, which matters most when a saturated core leaves only its
    faint wings to fit; ``oversample`` (per body) renders on pixels that many times finer, for
    fits that must move the image by whole pixels. Empty when the WCS is mirrored relative to
    ``render``'s."""
    from ..render.frame import render
    from ..render.projection import build_wcs, camera_axes
    from ..render.scene import Pointing, Scene

    out: dict[str, Shape] = {}
    for p in predicted:
        if p.name not in positions:
            continue
        x, y = positions[p.name]
        roll = render_roll(camera, wcs, p)
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
        c = _unit(p.ra_deg, p.dec_deg)
        w0 = build_wcs(cam, camera_axes(c, math.radians(roll)))
        (bx,), (by,) = w0.all_world2pix([p.ra_deg], [p.dec_deg], 0)
        bx, by = (bx - (q - 1) / 2.0) / q, (by - (q - 1) / 2.0) / q  # on the coarse pixel grid
        dx = (x - bx + 0.5) % 1.0 - 0.5
        dy = (y - by + 0.5) % 1.0 - 0.5
        cx, cy = (side * q - 1) / 2.0, (side * q - 1) / 2.0
        (ra,), (dec,) = w0.all_pix2world([cx - dx * q], [cy - dy * q], 0)
        pointing = Pointing("radec", ra_deg=float(ra), dec_deg=float(dec), roll_deg=roll)
        if p.position_km is not None and p.body is not None:
            drawn = _draw_alone(cam, pointing, p)
            if drawn is None:
                continue
            image, frame_wcs = drawn
        else:  # a prediction without its vectors: the renderer works them out again
            scene = Scene(et, observer, [p.name], cam, pointing, noise=False, seed=None,
                          stars=False)  # the body alone: a star drawn beside it would pull the fit
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    frame = render(scene)
                except PaledotError:
                    continue
            image, frame_wcs = frame.expected.astype(float), frame.wcs
        total = float(image.sum())
        if total <= 0:
            continue
        (tx,), (ty,) = frame_wcs.all_world2pix([p.ra_deg], [p.dec_deg], 0)
        # fine cell (j) lies in coarse pixel j // q, whose centre is fine (j // q) q + (q - 1) / 2
        ccx, ccy = (tx - (q - 1) / 2.0) / q, (ty - (q - 1) / 2.0) / q
        out[p.name] = Shape(image / total, float(ccx), float(ccy), "template", q)
    return out


def _draw_alone(cam, pointing, p: PredictedBody):
    """The body of ``p`` alone on ``cam``'s detector pointed by ``pointing``, noiseless: its light
    (summing to the share that lands on the detector) and the WCS, drawn as ``render`` draws it
    (the same ray casting and PSF, the photometric law of the body) from the prediction's own
    vectors; None when nothing of it is lit or lands there."""
    from ..light.photometry import has_photometry, surface_law
    from ..render.projection import build_wcs, camera_axes, unit
    from ..render.psf import psf_kernel
    from ..render.raycast import draw_body

    body = p.body
    if not has_photometry(body.naif_id) or max(body.radii_km) <= 0 or not math.isfinite(p.magnitude):
        return None
    axes = camera_axes(_unit(pointing.ra_deg, pointing.dec_deg), math.radians(pointing.roll_deg))
    sun_dir = None if body.naif_id == 10 else unit(np.asarray(p.sun_km, float))
    drawn = draw_body(cam, axes, np.asarray(p.position_km, float), body.radii_km, body.pole_radec_deg,
                      sun_dir, surface_law(body.naif_id), psf_kernel(cam), (), exact_bits=False)
    if drawn is None:
        return None
    image = np.zeros((cam.rows, cam.columns))
    h, w = drawn.stamp.shape
    r1, c1 = max(drawn.row0, 0), max(drawn.col0, 0)
    r2, c2 = min(drawn.row0 + h, cam.rows), min(drawn.col0 + w, cam.columns)
    if r1 >= r2 or c1 >= c2:
        return None
    image[r1:r2, c1:c2] = drawn.stamp[r1 - drawn.row0 : r2 - drawn.row0, c1 - drawn.col0 : c2 - drawn.col0]
    return image, build_wcs(cam, axes)


#: Catalogue stars fainter than this are not looked for among the detections (V).
STAR_V_LIMIT = 12.0


def catalogue_stars(observer: str, et: float, wcs, shape: tuple[int, int],
                    correction: str = "LT+S") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pixel positions (x, y, 0-based, this frame's WCS) and HIP numbers of the Hipparcos stars
    brighter than :data:`STAR_V_LIMIT` that fall on a frame of ``shape`` (rows, columns), at their
    apparent places seen by ``observer`` at ``et`` (stellar aberration when ``correction`` ends in
    ``+S``). Empty when the catalogue package is not installed."""
    from ..celestial.ephemeris import default_ephemeris
    from ..light.stars import apparent_directions, load_catalogue, select
    from ..observers import as_observer

    empty = (np.empty(0), np.empty(0), np.empty(0, dtype=int))
    try:
        cat = load_catalogue()
    except PaledotError:
        return empty
    rows, cols = shape
    (ra0,), (dec0,) = wcs.all_pix2world([0.5 * (cols - 1)], [0.5 * (rows - 1)], 0)
    (ra1,), (dec1,) = wcs.all_pix2world([0.0], [0.0], 0)
    axis = _unit(float(ra0), float(dec0))  # plain vectors: SkyCoords cost 2 ms a frame here
    radius = math.acos(min(1.0, float(axis @ _unit(float(ra1), float(dec1)))))
    idx = select(cat, axis, 1.2 * radius + 2e-3, STAR_V_LIMIT)
    if not idx.size:
        return empty
    eph = default_ephemeris()
    pos, vel = as_observer(observer, eph).state(eph, np.array([float(et)]))
    dirs = apparent_directions(cat, idx, et, pos[0], vel[0] if correction.endswith("+S") else None)
    ra = np.degrees(np.arctan2(dirs[:, 1], dirs[:, 0])) % 360.0
    dec = np.degrees(np.arcsin(np.clip(dirs[:, 2], -1.0, 1.0)))
    x, y = wcs.all_world2pix(ra, dec, 0)
    on = np.isfinite(x) & np.isfinite(y) & (x > -3) & (x < cols + 2) & (y > -3) & (y < rows + 2)
    return x[on], y[on], cat.hip[idx][on]
