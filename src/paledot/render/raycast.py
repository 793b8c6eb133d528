"""Drawing one body: its IAU ellipsoid ray-cast through the camera's gnomonic projection on
sub-pixel samples, lit by the Sun with its surface law, each ray stopped by anything nearer
(``depth``), then blurred by the PSF on the fine grid and summed into pixels.

The limb and terminator are anti-aliased across one sample; a tiny disk gets finer sampling, a
body far bigger than the frame costs no more than the frame. Vectors km J2000; pixels as DESIGN.md.
Returns stamps (light as a share of the body's whole); photometry and the detector are the frame's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from ..cameras import Camera
from .depth import Occluder, body_frame
from .projection import project, unit
from .psf import CONV_OVERSAMPLE

#: A body's diameter should span at least this many ray-cast samples (thin crescents more): lit
#: areas 0.3-300 px across at phases 0-150 deg then come within 0.41% of the analytic value.
MIN_SAMPLES_ACROSS = 80


#: Kernel spectra by (kernel, FFT shape): a frame's bodies share a kernel and mostly a stamp size.
_SPECTRA: dict[tuple[int, tuple[int, ...]], tuple[np.ndarray, np.ndarray]] = {}


def convolve_same(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``scipy.signal.fftconvolve(image, kernel, mode="same")`` with the same transform sizes and
    products, so the same numbers to the last bit (a frame's noise draws depend on them), and the
    kernel's spectrum kept for the next image of that size: one transform in three saved."""
    r0, c0 = (kernel.shape[0] - 1) // 2, (kernel.shape[1] - 1) // 2
    return _convolve(image, kernel, r0, c0, image.shape)


def convolve_padded(image: np.ndarray, kernel: np.ndarray, pad: int) -> np.ndarray:
    """``convolve_same(np.pad(image, pad), kernel)`` to rounding (1e-15 of the peak) without
    transforming the padding's zeros: the full convolution of ``image`` itself, cut to the padded
    size (``pad`` at most half the kernel's side). About three times fewer transformed cells for
    a small body; its last bits differ, so noisy frames (whose Poisson draws follow those bits) keep
    :func:`convolve_same`."""
    r0, c0 = (kernel.shape[0] - 1) // 2 - pad, (kernel.shape[1] - 1) // 2 - pad
    return _convolve(image, kernel, r0, c0, (image.shape[0] + 2 * pad, image.shape[1] + 2 * pad))


def _convolve(image: np.ndarray, kernel: np.ndarray, r0: int, c0: int, out: tuple[int, int]) -> np.ndarray:
    """The full linear convolution of ``image`` with ``kernel`` by real FFTs of scipy's sizes, cut
    to ``out`` from (r0, c0); the kernel's spectrum cached per transform size."""
    from scipy import fft

    sides = zip(image.shape, kernel.shape, strict=True)
    shape = tuple(fft.next_fast_len(a + b - 1, real=True) for a, b in sides)
    key = (id(kernel), shape)
    hit = _SPECTRA.get(key)
    if hit is None or hit[0] is not kernel:
        if len(_SPECTRA) >= 16:
            _SPECTRA.pop(next(iter(_SPECTRA)))
        hit = (kernel, fft.rfftn(kernel, shape))
        _SPECTRA[key] = hit
    full = fft.irfftn(fft.rfftn(image, shape) * hit[1], shape)
    return full[r0 : r0 + out[0], c0 : c0 + out[1]].copy()


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
        dirs = unit(dirs_cam) @ axes  # J2000 ray directions
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
        normal = unit((rel @ m.T * inv_r) @ body)
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
    exact_bits: bool = True,
) -> DrawnBody | None:
    """One body's light on a pixel stamp, as a share of all the light it sends the camera.

    The stamp sums to 1 when the whole body (and its PSF) lands on the detector, to less when part
    falls outside or is hidden: each sample ray is stopped by any of ``occluders`` it meets before
    the body's surface (depth order, per sample), and ``visible_fraction`` says what share of the
    light got past them. Returns None if no sunlit surface faces the camera or nothing lands near
    the detector. ``center_km`` is the apparent observer-to-body vector in J2000; ``sun_dir`` the
    unit vector from the body to the Sun (None: self-luminous, uniform). ``exact_bits`` False
    (a noiseless frame, a measurer's template) blurs without transforming the stamp's padding:
    the same light to rounding, faster.
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
        if exact_bits:
            fine = convolve_same(np.pad(fine, pad * osc), psf)
        else:
            fine = convolve_padded(fine, psf, pad * osc)
        row0, col0 = row0 - pad, col0 - pad
        nrow, ncol = nrow + 2 * pad, ncol + 2 * pad
    stamp = np.clip(fine.reshape(nrow, osc, ncol, osc).sum(axis=(1, 3)), 0.0, None)
    if clipped:
        stamp = stamp / os_**2 / whole
    else:  # the PSF keeps every bit of light on the padded stamp: normalise exactly
        stamp = stamp * (visible / stamp.sum())
    return DrawnBody(stamp, row0, col0, lit_area, (col_c, row_c), visible)
