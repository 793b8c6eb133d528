"""Render a Scene into the frame a camera would record: projection, sub-pixel disks, PSF, detector.

The path, for one epoch:
1. Geometry of the targets (apparent positions, the Sun from each target) from ``geometry``.
2. Pointing: the boresight on a target, on the midpoint of the targets, or at RA/Dec, with a roll
   (image up = the camera's +Y, turned from celestial north toward east by the roll).
3. Each body is ray-cast as its IAU ellipsoid through the camera's gnomonic projection on a grid of
   sub-pixel samples, lit by the Sun with the body's surface law, so the terminator, the limb and
   the oblateness fall where they belong; light is counted only on the sunlit, visible surface,
   and each sample ray is stopped by anything nearer that stands in its way (``depth``).
4. The fine image is convolved with the PSF (a polychromatic Airy pattern of the aperture with its
   central obscuration, blurred by the camera's measured Gaussian if it has one) on the same fine
   grid, then summed into pixels: each pixel holds the integral of (sky x PSF) over its area.
5. Photometry sets each body's total electron rate, added into the detector's ``Light`` (where
   point sources join too); an exposure ("auto" puts the brightest body's peak at a chosen
   fraction of full well); then ``detector.record``: dark current, photon noise, read noise,
   full-well saturation, gain, bias and quantisation to the camera's bit depth.
6. Catalogue stars (``paledot.light.stars``) that register in that exposure join the light as point
   sources through the same PSF, before the detector stage.
A target without a brightness model (a barycentre) is an error unless ``skip_unmodelled``.

Pixel convention (DESIGN.md): the astronomical one. Arrays are ``image[y, x]`` (numpy row = y,
column = x) with the first row at the bottom of the displayed image, pixel (0, 0) centred at
(0.0, 0.0); the boresight at the detector centre; image up = increasing y = camera +Y. With roll 0
north is up and east is left, so the WCS has det(CD) < 0 and DS9 shows the sky unmirrored. Pictures
flip the rows for display (``frames``). ``BodyImage.column``/``row`` are this x/y.
This module never writes files (``frames`` does).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from functools import lru_cache, partial

import numpy as np
from astropy.wcs import WCS
from scipy.signal import fftconvolve
from scipy.special import j1

from .._io.errors import PaledotError
from ..cameras import Camera, load_camera
from ..celestial.ephemeris import Ephemeris, default_ephemeris
from ..geometry.core import Geometry, observe, radec
from ..light.photometry import PHASE_CURVE_LIMIT_DEG, has_photometry, photon_rate_from_magnitude, surface_law
from ..light.stars import check_mag_limit
from ..light.surfaces import notes as surface_notes
from ..light.surfaces import surface_for
from ..observers import as_observer
from ..time.timescales import to_et
from .depth import (
    Occluder,
    body_frame,
    central_occluder,
    close_pairs,
    ground_mask,
    nothing_seen,
    occluders_for,
    sun_exclusion,
)
from .detector import Light, record

#: Fine-grid cells per pixel side on which the PSF convolution is done (odd, so cells centre).
CONV_OVERSAMPLE = 5
#: A body's diameter should span at least this many ray-cast samples (thin crescents more): lit
#: areas 0.3-300 px across at phases 0-150 deg then come within 0.41% of the analytic value.
MIN_SAMPLES_ACROSS = 80
#: Longest exposure paledot accepts, s (a day: far past any camera, short of overflowing noise draws).
MAX_EXPOSURE_S = 86400.0


class RenderWarning(UserWarning):
    """Something about the scene a user should know: a target off the frame, a clipped exposure."""


# --- pointing ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pointing:
    """Where the boresight points: ``midpoint`` of the targets, a target's name, or RA/Dec (deg).

    ``roll_deg`` turns image up (camera +Y) from celestial north toward east.
    """

    mode: str = "midpoint"
    target: str | None = None
    ra_deg: float | None = None
    dec_deg: float | None = None
    roll_deg: float = 0.0

    def __post_init__(self):
        from .._io.validate import pointing_fields

        for name, value in pointing_fields(self).items():
            object.__setattr__(self, name, value)

    @classmethod
    def parse(cls, text: str, roll_deg: float = 0.0) -> Pointing:
        """``midpoint``, a target name, or ``RA,DEC`` in degrees."""
        if not math.isfinite(roll_deg):
            raise PaledotError(f"roll {roll_deg!r} must be a finite number of degrees")
        text = str(text).strip()
        if text.lower() in ("midpoint", "mid", ""):
            return cls("midpoint", roll_deg=roll_deg)
        if "," in text:
            try:
                ra, dec = (float(x) for x in text.split(","))
            except ValueError:
                raise PaledotError(f"cannot read pointing {text!r}: expected RA,DEC in degrees") from None
            if not (math.isfinite(ra) and math.isfinite(dec) and -90 <= dec <= 90):
                raise PaledotError(
                    f"pointing {text!r}: RA and Dec must be finite degrees, Dec within -90..90"
                )
            return cls("radec", ra_deg=ra % 360.0, dec_deg=dec, roll_deg=roll_deg)
        return cls("target", target=text.lower(), roll_deg=roll_deg)


def camera_axes(boresight: np.ndarray, roll_rad: float) -> np.ndarray:
    """Rows X, Y, Z of the camera frame in J2000 for a boresight unit vector and a roll.

    Y (image up) is celestial north at the boresight turned toward east by ``roll``; X = Z x Y is
    image right, which is west when north is up (so the sky is not mirrored)."""
    z = boresight / np.linalg.norm(boresight)
    pole = np.array([0.0, 0.0, 1.0])
    east = np.cross(pole, z)
    if np.linalg.norm(east) < 1e-12:  # pointing at a celestial pole: take RA 0 as "north"
        east = np.array([0.0, 1.0, 0.0])
    east /= np.linalg.norm(east)
    north = np.cross(z, east)
    y = north * math.cos(roll_rad) + east * math.sin(roll_rad)
    x = np.cross(z, y)
    return np.vstack([x, y, z])


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def project(
    camera: Camera, axes: np.ndarray, vectors: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gnomonic projection of J2000 vectors (..., 3) to (column, row, in_front) on the detector.

    Column is x, row is y (up = camera +Y = increasing row). Points behind the camera (more than
    90 degrees off the boresight) get NaN pixels."""
    cam = np.asarray(vectors) @ axes.T
    in_front = cam[..., 2] > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(
            in_front, camera.focal_length_mm / (camera.pixel_pitch_um * 1e-3) / cam[..., 2], np.nan
        )
    cx, cy = camera.boresight_pixel
    return cx + cam[..., 0] * scale, cy + cam[..., 1] * scale, in_front


# --- results ----------------------------------------------------------------------------------
@dataclass
class BodyImage:
    """One body in a frame: where it was predicted to fall and how much light it brought."""

    name: str
    naif_id: int
    column: float
    row: float
    ra_deg: float
    dec_deg: float
    range_km: float
    diameter_px: float
    phase_deg: float
    illuminated_fraction: float
    magnitude: float
    electrons: float
    in_frame: bool
    peak_electrons: float = 0.0
    snr: float = float("nan")
    saturated: bool = False
    visible_fraction: float = 1.0
    hidden_by: str = ""
    #: some of its disk covers the detector, though its centre may lie outside it
    disk_in_frame: bool = False

    @property
    def hidden(self) -> bool:
        """All of its light stopped by something nearer (the observer's planet, another target)."""
        return bool(self.hidden_by) and self.visible_fraction <= 0.0

    @property
    def x(self) -> float:
        """Predicted x (= column), 0-based pixels."""
        return self.column

    @property
    def y(self) -> float:
        """Predicted y (= row, growing upward in the displayed image), 0-based pixels."""
        return self.row


@dataclass
class Frame:
    """A rendered frame: the recorded DN, the electrons behind them, and what was predicted.

    ``expected`` is the noiseless electron image (before saturation); ``electrons`` the recorded
    electrons after noise and full-well clipping; ``dn`` the quantised output (uint16/uint32).
    """

    dn: np.ndarray
    electrons: np.ndarray
    expected: np.ndarray
    camera: Camera
    wcs: WCS
    et: float
    exposure_s: float
    bodies: list[BodyImage]
    meta: dict = field(default_factory=dict)
    #: The catalogue stars drawn (a :class:`paledot.light.stars.StarField`), None when stars were off.
    stars: object | None = None

    def body(self, name: str) -> BodyImage:
        for b in self.bodies:
            if b.name == name.lower():
                return b
        raise PaledotError(f"no body {name!r} in this frame: it has {[b.name for b in self.bodies]}")


@dataclass
class Scene:
    """What to render: when, from where, which targets, with which camera, pointed how.

    ``exposure`` is ``"auto"``, seconds or an astropy Quantity of time; ``auto_fraction`` the share
    of full well the brightest body's peak pixel should reach under ``auto``. ``seed`` fixes the
    noise (same seed, same bytes). ``stars`` draws the catalogue stars that register in the exposure
    (or those brighter than ``star_mag_limit``, V); a target paledot has no brightness model for is
    an error unless ``skip_unmodelled``, which leaves it out with a warning.
    """

    time: object
    observer: object
    targets: list[str]
    camera: Camera | str
    pointing: Pointing = field(default_factory=Pointing)
    exposure: str | float = "auto"
    auto_fraction: float = 0.7
    seed: int | None = 0
    correction: str = "LT+S"
    ephemeris: Ephemeris | None = None
    noise: bool = True
    psf: bool = True
    laws: dict[str, str] | None = None
    stars: bool = True
    star_mag_limit: float | None = None
    skip_unmodelled: bool = False
    surfaces: bool = False  # draw Earth's surface from a shipped map (paledot.light.surfaces)

    def __post_init__(self):
        # "earth", "midpoint" or "RA,DEC" read as the command line reads them
        if isinstance(self.pointing, str):
            self.pointing = Pointing.parse(self.pointing)
        if hasattr(self.exposure, "unit"):  # an astropy Quantity of time
            from .._io.validate import number

            self.exposure = number(self.exposure, "exposure", "s", lo=0.0, lo_open=True)


# --- PSF --------------------------------------------------------------------------------------
def _airy(theta_rad: np.ndarray, diameter_m: float, wavelength_m: float, obscuration: float):
    """Airy intensity (unnormalised) of an annular aperture at angle theta."""
    x = np.pi * diameter_m * theta_rad / wavelength_m
    x = np.where(x == 0, 1e-12, x)
    amp = 2 * j1(x) / x
    if obscuration > 0:
        ex = obscuration * x
        amp = (amp - obscuration**2 * 2 * j1(ex) / ex) / (1 - obscuration**2)
    return amp * amp


@lru_cache(maxsize=32)
def _psf_kernel_cached(key: tuple) -> np.ndarray:
    (aperture_mm, obscuration, center_nm, width_nm, pixel_scale, fwhm_px, osc) = key
    diameter = aperture_mm * 1e-3
    lam_max = (center_nm + width_nm / 2) * 1e-9
    diff_px = lam_max / diameter / pixel_scale  # lambda/D in pixels at the red edge
    sigma_px = fwhm_px / 2.3548200450309493
    half = int(np.clip(math.ceil(max(4.0 * diff_px, 4.0 * sigma_px, 1.0)), 1, 40))
    n = (2 * half + 1) * osc
    coords = (np.arange(n) - (n - 1) / 2) / osc  # pixels, fine-cell centres
    xx, yy = np.meshgrid(coords, coords)
    rr = np.hypot(xx, yy) * pixel_scale  # rad
    wavelengths = np.linspace(center_nm - width_nm / 2, center_nm + width_nm / 2, 7) * 1e-9
    kernel = np.mean([_airy(rr, diameter, lam, obscuration) for lam in wavelengths], axis=0)
    if sigma_px > 0:
        gauss = np.exp(-0.5 * (coords / sigma_px) ** 2)
        # separable Gaussian blur of the Airy pattern on the fine grid
        kernel = fftconvolve(kernel, gauss[None, :] / gauss.sum(), mode="same")
        kernel = fftconvolve(kernel, gauss[:, None] / gauss.sum(), mode="same")
    kernel = np.clip(kernel, 0.0, None)
    kernel /= kernel.sum()
    kernel.setflags(write=False)
    return kernel


def psf_kernel(camera: Camera, oversample: int = CONV_OVERSAMPLE) -> np.ndarray:
    """The camera's PSF on a grid of ``oversample`` cells per pixel side, summing to 1.

    Polychromatic Airy pattern (7 wavelengths across the band, annular aperture) blurred by a
    Gaussian of ``psf_fwhm_px``; its side is an odd number of whole pixels times ``oversample``.
    """
    return _psf_kernel_cached(
        (
            camera.aperture_mm,
            camera.obscuration,
            camera.bandpass_center_nm,
            camera.bandpass_width_nm,
            camera.pixel_scale_rad,
            camera.psf_fwhm_px,
            oversample,
        )
    )


# --- drawing one body -------------------------------------------------------------------------
@dataclass
class DrawnBody:
    """A body's light on a pixel stamp (summing to 1) and the stamp's top-left frame pixel.

    ``lit_area_px`` is the sunlit, visible area the ray casting found, in square pixels, and
    ``center`` the (column, row) the body's centre projects to: both for checks and reports."""

    stamp: np.ndarray
    row0: int
    col0: int
    lit_area_px: float
    center: tuple[float, float]
    visible_fraction: float = 1.0


def _ray_cast(
    camera, axes, center_km, radii_km, pole_radec_deg, sun_dir, law, occluders, r_px, center_px, cols,
    rows, samples_per_px,
    albedo=None,
):
    """Light (and sunlit coverage) at sample points (rows x cols, pixel coordinates), row tiles at a
    time so memory stays bounded however many samples there are. Returns (light, lit cover, sum of
    the light before ``occluders`` took their share).

    Only samples within the disk's projected radius ``r_px`` of ``center_px`` (with a margin of 2%
    and 1.5 samples, more than the anti-aliasing ramp and the outline's offset from the projected
    centre) are cast: the rest of the box cannot touch the body."""
    samples_per_radius = r_px * samples_per_px
    sample_rad = camera.pixel_scale_rad / samples_per_px
    reach2 = (1.02 * r_px + 1.5 / samples_per_px) ** 2
    free_total = 0.0
    f_mm = camera.focal_length_mm
    pitch_mm = camera.pixel_pitch_um * 1e-3
    cx, cy = camera.boresight_pixel
    body = body_frame(pole_radec_deg)
    inv_r = 1.0 / np.array([radii_km[0], radii_km[1], radii_km[2]])
    m = body * inv_r[:, None]  # maps J2000 km -> unit-sphere coordinates
    mp = m @ center_km
    light = np.zeros((rows.size, cols.size))
    lit_cover = np.zeros((rows.size, cols.size))
    dx2 = (cols - center_px[0]) ** 2
    tile = max(1, 1_000_000 // max(cols.size, 1))
    for r0 in range(0, rows.size, tile):
        near = dx2[None, :] + ((rows[r0 : r0 + tile] - center_px[1]) ** 2)[:, None] < reach2
        if not near.any():
            continue
        ii, jj = np.nonzero(near)
        dirs_cam = np.empty((ii.size, 3))
        dirs_cam[:, 0] = (cols[jj] - cx) * pitch_mm
        dirs_cam[:, 1] = (rows[r0 + ii] - cy) * pitch_mm
        dirs_cam[:, 2] = f_mm
        dirs = _unit(dirs_cam) @ axes  # J2000 ray directions
        md = dirs @ m.T
        b = md @ mp
        aa = np.einsum("ij,ij->i", md, md)
        # b^2 - aa (|mp|^2 - 1) written as aa (1 - rho^2) with rho^2 = |md x mp|^2 / aa (Lagrange's
        # identity): no cancellation of two huge terms when the body is millions of radii away.
        crs = np.cross(md, mp)
        rho2 = np.einsum("ij,ij->i", crs, crs) / aa
        # rho is the ray's distance from the centre in units where the body is a unit sphere: the
        # limb is rho = 1. Samples within half a sample of the limb are covered in proportion (a
        # linear ramp across one sample), so the edge is anti-aliased rather than stair-stepped.
        cover = np.clip(0.5 + (1.0 - np.sqrt(rho2)) * samples_per_radius, 0.0, 1.0)
        touched = cover > 0
        if not touched.any():
            continue
        disc = np.clip(aa[touched] * (1.0 - rho2[touched]), 0.0, None)
        t = (b[touched] - np.sqrt(disc)) / aa[touched]
        d_hit = dirs[touched]
        rel = t[:, None] * d_hit - center_km  # surface point relative to the centre, km
        normal = _unit((rel @ m.T * inv_r) @ body)
        mu = np.clip(-np.einsum("ij,ij->i", d_hit, normal), 1e-12, None)
        if sun_dir is None:
            value = np.ones_like(mu)
        else:
            mu0 = normal @ sun_dir
            value = np.where(mu0 > 0, law(np.clip(mu0, 0, None), mu), 0.0)
        if albedo is not None:  # a surface map: relative albedo at each hit point
            value = value * albedo(normal)
        value = value * cover[touched]
        free_total += float(value.sum())
        seen = np.ones_like(value)
        for occ in occluders:
            seen *= 1.0 - occ.blocked(d_hit, t, sample_rad)
        ti, tj = r0 + ii[touched], jj[touched]
        light[ti, tj] = value * seen
        lit_cover[ti, tj] = np.where(value > 0, cover[touched] * seen, 0.0)
    return light, lit_cover, free_total


def draw_body(
    camera: Camera,
    axes: np.ndarray,
    center_km: np.ndarray,
    radii_km: tuple[float, float, float],
    pole_radec_deg: tuple[float, float],
    sun_dir: np.ndarray | None,
    law,
    psf: np.ndarray | None,
    occluders: tuple[Occluder, ...] = (),
    albedo=None,
) -> DrawnBody | None:
    """One body's light on a pixel stamp, as a share of all the light it sends the camera.

    The stamp sums to 1 when the whole body (and its PSF) lands on the detector, to less when part
    falls outside or is hidden: each sample ray is stopped by any of ``occluders`` it meets before
    the body's surface (depth order, per sample), and ``visible_fraction`` says what share of the
    light got past them. Returns None if no sunlit surface faces the camera or nothing lands near
    the detector. ``center_km`` is the apparent observer-to-body vector in J2000; ``sun_dir`` the
    unit vector from the body to the Sun (None: self-luminous, uniform).
    """
    cam = axes @ center_km
    col_c, row_c, in_front = (float(x) for x in project(camera, axes, center_km))
    if not in_front:
        return None
    dist = float(np.linalg.norm(center_km))
    a = max(radii_km)
    if a <= 0:
        return None
    r_px = math.asin(min(a / dist, 1.0)) / camera.pixel_scale_rad
    r_px *= 1.0 + (cam[0] ** 2 + cam[1] ** 2) / cam[2] ** 2  # gnomonic stretch off-axis
    osc = CONV_OVERSAMPLE
    cast = partial(
        _ray_cast, camera, axes, center_km, radii_km, pole_radec_deg, sun_dir, law, occluders, r_px,
        (col_c, row_c), albedo=albedo,
    )
    # Thin crescents need finer sampling for the same relative accuracy of their area.
    lit = 1.0 if sun_dir is None else 0.5 * (1.0 - float(sun_dir @ center_km) / dist)
    across = MIN_SAMPLES_ACROSS / math.sqrt(max(lit, 0.02))
    pad = 0 if psf is None else (psf.shape[0] // osc - 1) // 2
    # The stamp: the disk's box, cut to the detector plus the PSF's reach (light from further out
    # cannot land on it), so a body far bigger than the frame costs no more than the frame.
    margin = pad + 2
    col0 = max(math.floor(col_c - r_px) - 1, -margin)
    row0 = max(math.floor(row_c - r_px) - 1, -margin)
    col1 = min(math.ceil(col_c + r_px) + 2, camera.columns + margin)
    row1 = min(math.ceil(row_c + r_px) + 2, camera.rows + margin)
    if col1 <= col0 or row1 <= row0:
        return None
    ncol, nrow = col1 - col0, row1 - row0
    clipped = (
        col0 > math.floor(col_c - r_px) - 1
        or row0 > math.floor(row_c - r_px) - 1
        or col1 < math.ceil(col_c + r_px) + 2
        or row1 < math.ceil(row_c + r_px) + 2
    )
    # Fine cells (osc per pixel side) that the disk can touch; only those are ray-cast, k x k
    # samples each, so a tiny disk gets very fine sampling at little cost.
    j_lo = max(math.floor((col_c - r_px - col0 + 0.5) * osc) - 1, 0)
    j_hi = min(math.ceil((col_c + r_px - col0 + 0.5) * osc) + 1, ncol * osc)
    i_lo = max(math.floor((row_c - r_px - row0 + 0.5) * osc) - 1, 0)
    i_hi = min(math.ceil((row_c + r_px - row0 + 0.5) * osc) + 1, nrow * osc)
    if j_hi <= j_lo or i_hi <= i_lo:
        return None
    k = max(1, math.ceil(across / (2 * r_px * osc)))
    k = min(k, max(1, 2000 // max(j_hi - j_lo, i_hi - i_lo)))  # keep the sample grid bounded
    os_ = osc * k
    cols = col0 - 0.5 + (j_lo + (np.arange((j_hi - j_lo) * k) + 0.5) / k) / osc
    rows = row0 - 0.5 + (i_lo + (np.arange((i_hi - i_lo) * k) + 0.5) / k) / osc
    light, lit_cover, free = cast(cols, rows, os_)
    if clipped:
        # The body's whole light, from a coarser cast over all of it (at most 400 samples across).
        step = max(1.0 / os_, (2 * r_px + 2) / 400)
        full_c = np.arange(col_c - r_px - 1, col_c + r_px + 1, step) + step / 2
        full_r = np.arange(row_c - r_px - 1, row_c + r_px + 1, step) + step / 2
        full_light, full_lit, full_free = cast(full_c, full_r, 1.0 / step)
        whole = full_free * step**2  # in pixel^2 x radiance, before any occluder
        lit_area = float(full_lit.sum()) * step**2
        visible = float(full_light.sum()) / full_free if full_free > 0 else 0.0
    else:
        whole = free / os_**2
        lit_area = float(lit_cover.sum() / os_**2)
        visible = float(light.sum()) / free if free > 0 else 0.0
    if whole <= 0:
        return None
    if light.sum() <= 0:  # all of it hidden (or, clipped, none of its light near the detector)
        return DrawnBody(np.zeros((1, 1)), row0, col0, lit_area, (col_c, row_c), visible)
    # Down to the convolution grid (k x k samples per fine cell), PSF there, then to pixels.
    fine = np.zeros((nrow * osc, ncol * osc))
    fine[i_lo:i_hi, j_lo:j_hi] = light.reshape(i_hi - i_lo, k, j_hi - j_lo, k).sum(axis=(1, 3))
    if psf is not None:
        fine = np.pad(fine, pad * osc)
        fine = fftconvolve(fine, psf, mode="same")
        row0, col0 = row0 - pad, col0 - pad
        nrow, ncol = nrow + 2 * pad, ncol + 2 * pad
    stamp = np.clip(fine.reshape(nrow, osc, ncol, osc).sum(axis=(1, 3)), 0.0, None)
    if clipped:
        stamp = stamp / os_**2 / whole
    else:  # the PSF keeps every bit of light on the padded stamp: normalise exactly
        stamp = stamp * (visible / stamp.sum())
    return DrawnBody(stamp, row0, col0, lit_area, (col_c, row_c), visible)


# --- the whole frame --------------------------------------------------------------------------
def _boresight(pointing: Pointing, g: Geometry, drawn: list[int]) -> np.ndarray:
    pos = g.position.to_value("km")[:, 0, :]
    if pointing.mode == "radec":
        ra, dec = math.radians(pointing.ra_deg), math.radians(pointing.dec_deg)
        return np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])
    if pointing.mode == "target":
        return _unit(pos[g.index(pointing.target)])
    # The midpoint of the bodies to draw, leaving out the Sun (pointing between Earth and the Sun
    # is never what "midpoint" means).
    idx = [i for i in drawn if g.targets[i].naif_id != 10] or drawn or list(range(len(g.targets)))
    return _unit(_unit(pos[idx]).sum(axis=0))


def build_wcs(camera: Camera, axes: np.ndarray) -> WCS:
    """A TAN WCS for the frame: exact for paledot's gnomonic camera (FITS 1-based pixels)."""
    z = axes[2]
    ra, dec = radec(z)
    east = np.array([-math.sin(ra), math.cos(ra), 0.0])
    north = np.array([-math.sin(dec) * math.cos(ra), -math.sin(dec) * math.sin(ra), math.cos(dec)])
    s = camera.pixel_pitch_um * 1e-3 / camera.focal_length_mm  # rad per pixel in the focal plane
    # x (column) +1 moves along camera +X (west at roll 0), y (row) +1 along camera +Y (north at
    # roll 0): det(CD) < 0, the sky as it is.
    cd = np.degrees(s) * np.array([[axes[0] @ east, axes[1] @ east], [axes[0] @ north, axes[1] @ north]])
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [math.degrees(float(ra)), math.degrees(float(dec))]
    cx, cy = camera.boresight_pixel
    w.wcs.crpix = [cx + 1.0, cy + 1.0]
    w.wcs.cd = cd
    w.wcs.radesys = "ICRS"
    w.pixel_shape = (camera.columns, camera.rows)
    return w


def render(scene: Scene) -> Frame:
    """Render ``scene`` into a :class:`Frame`.

    >>> f = render(Scene("2023-05-21T03:10", "mars", ["earth", "moon"], "hrsc-src"))
    >>> f.dn.shape, f.dn.dtype.name
    ((1032, 1024), 'uint16')
    """
    camera = scene.camera if isinstance(scene.camera, Camera) else load_camera(scene.camera)
    et = to_et(scene.time) if not isinstance(scene.time, (float, np.floating)) else np.array([scene.time])
    if et.size != 1:
        raise PaledotError("a scene renders one epoch: give a single time")
    if not (isinstance(scene.auto_fraction, (int, float)) and 0 < scene.auto_fraction <= 1):
        raise PaledotError(f"auto exposure fraction {scene.auto_fraction!r} must be in (0, 1]")
    if scene.seed is not None and (not isinstance(scene.seed, (int, np.integer)) or scene.seed < 0):
        raise PaledotError(f"seed {scene.seed!r} must be zero or a positive whole number")
    star_limit = check_mag_limit(scene.star_mag_limit)
    eph = scene.ephemeris or default_ephemeris()
    obs = as_observer(scene.observer, eph)
    g = observe(obs, scene.targets, et, scene.correction, eph)
    warn: list[str] = []
    _check_photometry(g, scene.skip_unmodelled, warn)
    pos = g.position.to_value("km")[:, 0, :]
    mags = g.magnitude.to_value("mag")[:, 0]
    drawable = [i for i, r in enumerate(g.targets)
                if max(r.body.radii_km) > 0 and has_photometry(r.body.naif_id)]
    axes = camera_axes(_boresight(scene.pointing, g, drawable), math.radians(scene.pointing.roll_deg))
    wcs = build_wcs(camera, axes)
    psf = psf_kernel(camera) if scene.psf else None
    light = Light(camera.rows, camera.columns)  # every source's e-/s on the pixels
    bodies: list[BodyImage] = []
    stamps: dict[int, tuple[np.ndarray, int, int]] = {}
    drawn_bodies: dict[int, DrawnBody] = {}
    flux_rate = photon_rate_from_magnitude(mags, camera.bandpass_center_nm, camera.bandpass_width_nm)
    flux_rate = flux_rate * camera.collecting_area_m2 * camera.throughput  # e-/s per body
    sun_vec = g.sun_from_target.to_value("km")[:, 0, :]
    columns, rows, in_front = project(camera, axes, pos)
    # Depth order is decided in the geometry without stellar aberration (as ``occultation`` does)
    # and carried to each target's apparent place by that target's own aberration (a rotation),
    # so a limb and the target just behind it move together, as the light from both does.
    plain_corr = g.correction.replace("+S", "")
    central = central_occluder(obs, eph, et, plain_corr)
    plain = pos
    if plain_corr != g.correction and (central is not None or close_pairs(g, pos, camera)):
        plain = observe(obs, scene.targets, et, plain_corr, eph).position.to_value("km")[:, 0, :]
    sun_exclusion(camera, obs, g, eph, et, scene.correction, axes[2], warn)
    for i, r in enumerate(g.targets):
        col, row, behind = float(columns[i]), float(rows[i]), not in_front[i]
        ang_r = g.angular_radius.to_value("rad")[i, 0]
        diam_px = 2 * ang_r / camera.pixel_scale_rad
        inside = (not behind) and (-0.5 <= col <= camera.columns - 0.5) and (-0.5 <= row <= camera.rows - 0.5)
        # the disk reaches the detector (its centre may lie outside it): pixels from the centre
        # to the nearest point of the detector, against the disk's radius
        gap = math.hypot(max(-0.5 - col, 0.0, col - (camera.columns - 0.5)),
                         max(-0.5 - row, 0.0, row - (camera.rows - 0.5)))
        disk_on = (not behind) and gap < diam_px / 2
        info = BodyImage(
            name=r.name,
            naif_id=r.body.naif_id,
            column=float(col),
            row=float(row),
            ra_deg=float(np.degrees(g.ra.to_value("rad")[i, 0])),
            dec_deg=float(np.degrees(g.dec.to_value("rad")[i, 0])),
            range_km=float(g.range.to_value("km")[i, 0]),
            diameter_px=float(diam_px),
            phase_deg=float(np.degrees(g.phase_angle.to_value("rad")[i, 0])),
            illuminated_fraction=float(g.illuminated_fraction.value[i, 0]),
            magnitude=float(mags[i]),
            electrons=0.0,
            in_frame=bool(inside),
            disk_in_frame=bool(disk_on),
        )
        bodies.append(info)
        if behind:
            warn.append(
                f"{r.name} is behind the camera (over 90 degrees from the boresight): not in the frame"
            )
            continue
        if not inside and not disk_on:
            warn.append(f"{r.name} falls outside the frame at column {col:.1f}, row {row:.1f}")
        elif not inside:
            warn.append(f"{r.name}'s centre falls outside the frame at column {col:.1f}, row {row:.1f}, "
                        f"but its disk ({diam_px:,.0f} px across) reaches into it")
        if i not in drawable:
            continue
        if not np.isfinite(flux_rate[i]):
            limit = PHASE_CURVE_LIMIT_DEG.get(r.body.naif_id)
            if limit is not None:
                warn.append(
                    f"{r.name} is at phase {info.phase_deg:.0f} deg, past where its published phase "
                    f"curve holds ({limit:g} deg): a thin crescent paledot does not draw"
                )
            continue
        sun_dir = None if r.body.naif_id == 10 else _unit(sun_vec[i])
        law = surface_law(r.body.naif_id, (scene.laws or {}).get(r.name))
        albedo = None
        if scene.surfaces:
            albedo = surface_for(r.name, float(et[0]) - float(g.light_time.to_value("s")[i, 0]))
        occluders = occluders_for(i, g, pos, plain, central, drawable, camera)
        drawn = draw_body(
            camera, axes, pos[i], r.body.radii_km, r.body.pole_radec_deg, sun_dir, law, psf, occluders,
            albedo=albedo,
        )
        if drawn is None:
            continue
        if drawn.visible_fraction < 1.0 - 1e-9 and occluders:
            info.visible_fraction = drawn.visible_fraction
            info.hidden_by = ", ".join(o.name for o in occluders)
            how = "hidden" if drawn.visible_fraction <= 0 else f"{1 - drawn.visible_fraction:.0%} hidden"
            warn.append(f"{r.name} is {how} behind {info.hidden_by}")
        drawn_bodies[i] = drawn
        stamps[i] = (drawn.stamp, drawn.row0, drawn.col0)
        light.add(drawn.stamp, drawn.row0, drawn.col0, flux_rate[i])
    exposure = _choose_exposure(scene, camera, light.rate, stamps, flux_rate, g, warn)
    # Point sources (stars that register in this exposure) join ``light`` before the detector stage.
    star_field = _draw_stars(scene, star_limit, light, camera, axes, g, exposure, psf, warn, central)
    expected = light.to_electrons(exposure)
    for i, (stamp, r0, c0) in stamps.items():
        inside = _inside(stamp, r0, c0, camera)
        bodies[i].electrons = float(flux_rate[i] * exposure * inside.sum())
        bodies[i].peak_electrons = float(flux_rate[i] * exposure * inside.max()) if inside.size else 0.0
    dark = camera.dark_current_e_per_s * exposure
    # SFC64: the fastest of numpy's bit generators for these draws; same seed, same bytes.
    rng = np.random.Generator(np.random.SFC64(scene.seed)) if scene.noise else None
    electrons, dn = record(camera, expected, light.boxes, dark, rng)
    for i, (stamp, r0, c0) in stamps.items():
        inside = _inside(stamp, r0, c0, camera)
        if inside.size and inside.sum() > 0:
            signal = inside * flux_rate[i] * exposure
            bodies[i].saturated = bool(signal.max() + dark > camera.full_well_e)
            # what the detector can record: nothing above full well
            bodies[i].snr = _snr(np.minimum(signal, camera.full_well_e), camera, dark)
        elif bodies[i].hidden:
            bodies[i].snr = 0.0
    nothing = nothing_seen(bodies)
    if nothing:
        warn.append(nothing)
    for i, b in enumerate(bodies):  # drawn (photometry known), in the field, and dark there
        if i in drawable and np.isfinite(flux_rate[i]) and b.electrons <= 0 and b.disk_in_frame \
                and not b.hidden:
            warn.append(f"{b.name} covers part of the field, but none of its sunlit side does: the frame "
                        "shows its night side, dark")
    for text in warn:
        warnings.warn(text, RenderWarning, stacklevel=2)
    meta = {
        "observer": g.observer,
        "correction": g.correction,
        "ephemeris": list(g.ephemeris_files),
        "notes": list(g.notes) + (list(surface_notes(header=True)) if scene.surfaces else []),
        "warnings": warn,
        "seed": scene.seed,
        "pointing": scene.pointing,
        "boresight_radec_deg": tuple(float(x) for x in wcs.wcs.crval),
        "roll_deg": float(scene.pointing.roll_deg),
        "noise": scene.noise,
        "nothing_seen": nothing,
        "observer_ssb_km": tuple(float(x) for x in g._context[1][0]),  # the state observe() used
    }
    return Frame(
        dn=dn,
        electrons=electrons,
        expected=expected,
        camera=camera,
        wcs=wcs,
        et=float(et[0]),
        exposure_s=exposure,
        bodies=bodies,
        meta=meta,
        stars=star_field,
    )


def _check_photometry(g: Geometry, skip: bool, warn: list[str]) -> None:
    """A target paledot cannot say the brightness of is an error, or (``skip``) a warning."""
    for r in g.targets:
        if has_photometry(r.body.naif_id):
            continue
        why = "a barycentre reflects no light" if max(r.body.radii_km) == 0 else "no brightness model"
        if not skip:
            raise PaledotError(
                f"cannot draw {r.name!r}: {why}; name a body paledot models (the Sun, Mercury to "
                "Pluto, the Moon) or skip it (skip_unmodelled=True, --skip-unmodelled)"
            )
        warn.append(f"{r.name}: {why}, so it is not drawn (skipped as asked)")


def _draw_stars(scene, limit, light, camera, axes, g, exposure, psf, warn, central=None):
    """The catalogue stars into the detector's light, before noise (None when off or missing)."""
    if not scene.stars:
        return None
    from ..light.stars import draw_stars, load_catalogue

    try:
        load_catalogue()
    except PaledotError as exc:
        if limit is not None:  # asked for stars explicitly
            raise
        warn.append(f"no stars drawn: {exc}")
        return None
    _, obs_pos, obs_vel, _ = g._context
    vel = obs_vel[0] if g.correction.endswith("+S") else None
    # Stars behind a target's disk are hidden (bodies are far nearer than any star).
    radii = g.angular_radius.to_value("rad")[:, 0]
    occulters = [(g.position.to_value("km")[i, 0], float(radii[i]))
                 for i in range(len(g.targets)) if radii[i] > 0]
    field = draw_stars(light.rate, camera, axes, float(g.t[0]), obs_pos[0], vel, exposure, psf,
                       CONV_OVERSAMPLE, limit, occulters, project=project,
                       ground=ground_mask(central, vel))
    if len(field):  # photon noise where star light fell: one box holding every star's PSF stamp
        reach = (psf.shape[0] // CONV_OVERSAMPLE if psf is not None else 1) + 2
        r1, r2 = int(np.floor(field.y.min())) - reach, int(np.ceil(field.y.max())) + reach + 1
        c1, c2 = int(np.floor(field.x.min())) - reach, int(np.ceil(field.x.max())) + reach + 1
        light.boxes.append((max(r1, 0), min(r2, camera.rows), max(c1, 0), min(c2, camera.columns)))
    return field


def _inside(stamp: np.ndarray, row0: int, col0: int, camera: Camera) -> np.ndarray:
    """The part of a stamp that lands on the detector (empty if none)."""
    h, w = stamp.shape
    r1, c1 = max(row0, 0), max(col0, 0)
    r2, c2 = min(row0 + h, camera.rows), min(col0 + w, camera.columns)
    if r1 >= r2 or c1 >= c2:
        return np.zeros((0, 0))
    return stamp[r1 - row0 : r2 - row0, c1 - col0 : c2 - col0]


def _choose_exposure(scene, camera, rate, stamps, flux_rate, g, warn) -> float:
    if scene.exposure != "auto":
        try:
            exposure = float(scene.exposure)
        except (TypeError, ValueError):
            raise PaledotError(f"exposure {scene.exposure!r} must be 'auto' or seconds") from None
        if not math.isfinite(exposure) or exposure <= 0 or exposure > MAX_EXPOSURE_S:
            raise PaledotError(
                f"exposure {scene.exposure!r} must be positive, at most {MAX_EXPOSURE_S:g} seconds"
            )
        if not (camera.exposure_min_s <= exposure <= camera.exposure_max_s):
            warn.append(
                f"exposure {exposure * 1e3:g} ms is outside {camera.name}'s range "
                f"{camera.exposure_min_s * 1e3:g}-{camera.exposure_max_s * 1e3:g} ms"
            )
        return exposure
    if not stamps:
        warn.append("nothing bright in the frame: auto exposure took the camera's longest")
        return camera.exposure_max_s
    # Brightest body's peak pixel (with everything else on top of it) at the chosen fraction.
    on_detector = {i: _inside(*stamps[i], camera) for i in stamps}
    on_detector = {i: v for i, v in on_detector.items() if v.size and v.max() > 0}
    if not on_detector:
        warn.append("no target lands on the detector: auto exposure took the camera's longest")
        return camera.exposure_max_s
    brightest = max(on_detector, key=lambda i: flux_rate[i] * on_detector[i].max())
    stamp, r0, c0 = stamps[brightest]
    h, w = stamp.shape
    r1, c1 = max(r0, 0), max(c0, 0)
    r2, c2 = min(r0 + h, camera.rows), min(c0 + w, camera.columns)
    peak = rate[r1:r2, c1:c2].max() if (r1 < r2 and c1 < c2) else rate.max()
    ceiling = min(camera.full_well_e, (camera.max_dn - camera.bias_dn) * camera.gain_e_per_dn)
    if peak <= 0:
        return camera.exposure_max_s
    # a Python float: the rate map is float32, and a float32 exposure would turn ET + exposure
    # (as the FITS times are made) into float32 too, 64 s coarse
    exposure = float(scene.auto_fraction * ceiling / (peak + camera.dark_current_e_per_s))
    name = g.targets[brightest].name
    if exposure < camera.exposure_min_s:
        # at the shortest exposure the peak lands above the target level: saturated only past
        # the ceiling (a peak at 74% of it was said to saturate)
        level = (peak + camera.dark_current_e_per_s) * camera.exposure_min_s / ceiling
        what = "it will saturate" if level >= 1 else f"its peak reaches {level:.0%} of the ceiling"
        warn.append(
            f"{name} would need {exposure * 1e3:.3g} ms, below {camera.name}'s shortest "
            f"{camera.exposure_min_s * 1e3:g} ms: {what}"
        )
        exposure = camera.exposure_min_s
    elif exposure > camera.exposure_max_s:
        warn.append(
            f"{name} would need {exposure:.3g} s, above {camera.name}'s longest "
            f"{camera.exposure_max_s:g} s: it stays below the target level"
        )
        exposure = camera.exposure_max_s
    return exposure


def _snr(signal: np.ndarray, camera: Camera, dark_e: float) -> float:
    """Aperture SNR of one body: the stamp pixels holding 99% of its light."""
    flat = np.sort(signal.ravel())[::-1]
    keep = np.searchsorted(np.cumsum(flat), 0.99 * flat.sum()) + 1
    s = float(flat[:keep].sum())
    noise = math.sqrt(s + keep * (dark_e + camera.read_noise_e**2))
    return s / noise if noise > 0 else float("nan")
