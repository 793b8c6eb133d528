"""The camera's point-spread function, integrated exactly over pixels at any sub-pixel phase.

The optics are modelled in Fourier space, where every part of the chain is a product:

* diffraction by a circular aperture of diameter D with a central obstruction (a fraction
  ``obscuration`` of D): its optical transfer function is the normalised overlap area of the annular
  pupil with itself shifted by lambda times the spatial frequency (exact, in closed form), averaged
  over ``n_wavelengths`` equal-flux wavelengths at the midpoints of equal slices of the bandpass;
* the camera's Gaussian blur (``psf_fwhm_px``) and an optional Gaussian pointing jitter (rms per
  axis, px): ``exp(-2 pi^2 sigma^2 k^2)``;
* the square pixel's response: ``sinc(kx) sinc(ky)`` (a uniform square of 1 x 1 px).

Diffraction cuts the spectrum off at ``k_c = D / (lambda * pixel scale)`` cycles per pixel, so the
pixel-integrated image is band-limited. Sampled at pixel centres it is obtained exactly (no
truncated sum, no sampling of the PSF) by evaluating the continuous spectrum on a grid of spacing
1/N cycles/px out to beyond ``k_c``, moving it by the point's position with a phase ramp, folding
all aliases onto the N pixel frequencies and transforming back: the answer is the pixel-integrated
PSF of an N-periodic sky, i.e. exact up to the far wings of the copies one stamp side away, and it
sums to exactly 1 (the light beyond the stamp is folded back into it, so no flux is lost).

Units: pixel coordinates (0-based x, y; ``image[y, x]``, y up, DESIGN.md), frequencies in cycles per
pixel, wavelengths in nm, angles in rad. Models are cached per optical design; arrays handed out are
read-only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..cameras import Camera

#: Equal-flux wavelengths across the bandpass (midpoints of equal slices).
N_WAVELENGTHS = 7
#: FWHM of a Gaussian over its sigma.
_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


@dataclass(frozen=True)
class Optics:
    """An optical design in pixel units.

    ``lam_over_d_px``: lambda / D at each wavelength, in px (each wavelength carries the same flux,
    ``weights`` the fractions, summing to 1); ``obscuration``: central obstruction diameter over D;
    ``blur_sigma_px``: Gaussian blur sigma (defocus, charge diffusion...), px; ``jitter_px``: rms
    pointing jitter per axis during the exposure, px.
    """

    lam_over_d_px: tuple[float, ...]
    weights: tuple[float, ...]
    obscuration: float = 0.0
    blur_sigma_px: float = 0.0
    jitter_px: float = 0.0

    @property
    def cutoff(self) -> float:
        """Highest spatial frequency passed, cycles/px: the aperture's (bluest wavelength), or where
        the Gaussian has fallen below 1e-16 if that is lower."""
        aperture = 1.0 / min(self.lam_over_d_px)
        s = self.sigma_px
        return aperture if s <= 0 else min(aperture, math.sqrt(16 * math.log(10) / 2) / (math.pi * s))

    @property
    def sigma_px(self) -> float:
        """Total Gaussian sigma (blur and jitter in quadrature), px."""
        return math.hypot(self.blur_sigma_px, self.jitter_px)

    def otf(self, k: np.ndarray) -> np.ndarray:
        """Optical transfer function (aperture x blur x jitter, no pixel) at radial frequency
        ``k`` (cycles/px, any shape); 1 at k = 0, real and non-negative."""
        k = np.abs(np.asarray(k, dtype=float))
        out = np.zeros_like(k)
        for lod, w in zip(self.lam_over_d_px, self.weights, strict=True):
            out += w * pupil_otf(k * lod, self.obscuration)
        s = self.sigma_px
        if s > 0:
            out *= np.exp(-2.0 * math.pi**2 * s * s * k * k)
        return out

    def radius_px(self) -> float:
        """A radius holding the PSF's core and first rings (px): 4 lambda/D (reddest) plus 4 sigma."""
        return 4.0 * max(self.lam_over_d_px) + 4.0 * self.sigma_px


def _lens(a: float, b: float, d: np.ndarray) -> np.ndarray:
    """Overlap area of two circles of radii a and b with centres d apart (same units as a, b)."""
    d = np.asarray(d, dtype=float)
    out = np.zeros_like(d)
    inside = d <= abs(a - b)
    out[inside] = math.pi * min(a, b) ** 2
    part = (~inside) & (d < a + b)
    if np.any(part):
        dd = d[part]
        ca = np.clip((dd * dd + a * a - b * b) / (2.0 * dd * a), -1.0, 1.0)
        cb = np.clip((dd * dd + b * b - a * a) / (2.0 * dd * b), -1.0, 1.0)
        tri = (-dd + a + b) * (dd + a - b) * (dd - a + b) * (dd + a + b)
        out[part] = a * a * np.arccos(ca) + b * b * np.arccos(cb) - 0.5 * np.sqrt(np.clip(tri, 0, None))
    return out


def pupil_otf(u: np.ndarray, obscuration: float = 0.0) -> np.ndarray:
    """Diffraction OTF of an annular pupil at ``u`` = frequency / cutoff (frequency times
    lambda / D, dimensionless; zero from u = 1 on): the overlap of the annulus with itself shifted
    by 2u pupil radii (inclusion-exclusion of the outer and inner disks) over the annulus' area."""
    t = 2.0 * np.abs(np.asarray(u, dtype=float))
    e = float(obscuration)
    if e <= 0:
        return _lens(1.0, 1.0, t) / math.pi
    area = _lens(1.0, 1.0, t) - 2.0 * _lens(1.0, e, t) + _lens(e, e, t)
    return np.clip(area / (math.pi * (1.0 - e * e)), 0.0, None)


def make_optics(
    aperture_mm: float,
    pixel_scale_rad: float,
    center_nm: float,
    width_nm: float = 0.0,
    obscuration: float = 0.0,
    fwhm_px: float = 0.0,
    jitter_px: float = 0.0,
    n_wavelengths: int = N_WAVELENGTHS,
) -> Optics:
    """An :class:`Optics` from physical values: aperture diameter mm, pixel scale rad/px, bandpass
    centre and full width nm (width 0: monochromatic), obstruction fraction of the diameter,
    Gaussian blur FWHM px, jitter rms px."""
    n = 1 if width_nm <= 0 else max(int(n_wavelengths), 1)
    lo = center_nm - width_nm / 2.0
    lams = [lo + width_nm * (i + 0.5) / n for i in range(n)] if n > 1 else [center_nm]
    d = aperture_mm * 1e-3
    lod = tuple(lam * 1e-9 / d / pixel_scale_rad for lam in lams)
    return Optics(lod, tuple([1.0 / n] * n), float(obscuration), fwhm_px / _FWHM_PER_SIGMA, float(jitter_px))


def camera_optics(camera: Camera, jitter_px: float = 0.0, n_wavelengths: int = N_WAVELENGTHS) -> Optics:
    """The camera's optics: its aperture, obstruction, bandpass and Gaussian blur, plus ``jitter_px``
    (rms px per axis, 0 by default: cameras carry no jitter of their own)."""
    return make_optics(camera.aperture_mm, camera.pixel_scale_rad, camera.bandpass_center_nm,
                       camera.bandpass_width_nm, camera.obscuration, camera.psf_fwhm_px, jitter_px,
                       n_wavelengths)


def default_half(optics: Optics) -> int:
    """Half-side (px) of a point stamp: enough that the folded far wings stay below 1e-4 of the
    flux in any pixel for the catalogue's cameras (at least 8 px, at most 40)."""
    return int(np.clip(math.ceil(max(8.0, 3.0 * optics.radius_px())), 8, 40))


class _Grid:
    """The continuous spectrum of the cell-integrated PSF on an n x n grid of square cells of side
    ``cell`` px, evaluated at spacing 1/n cycles per cell out to ``q/2`` cycles per cell (past the
    cutoff), kept as (q, n, q, n) blocks in FFT order so that summing the q x q blocks folds the
    aliases onto the grid's own n x n frequencies."""

    def __init__(self, optics: Optics, n: int, cell: float):
        q = 2 * int(math.floor(optics.cutoff * cell)) + 2  # q / 2 > cutoff in cycles per cell
        k = np.fft.fftfreq(n * q) * q  # cycles per cell, spacing 1/n, FFT order
        kr = np.hypot(k[:, None], k[None, :]) / cell  # cycles/px
        spec = optics.otf(kr) * np.sinc(k)[:, None] * np.sinc(k)[None, :]
        keep_y = np.flatnonzero(np.any(spec != 0, axis=1))
        self.n, self.q, self.cell = n, q, cell
        # the blocks holding any light (the rest are zero past the cutoff): fewer terms per move
        blocks = np.unique(keep_y // n)
        spec = spec.reshape(q, n, q, n)
        self.spec_b = np.ascontiguousarray(spec[np.ix_(blocks, np.arange(n), blocks, np.arange(n))])
        self.kb = k.reshape(q, n)[blocks]  # (nb, n) cycles per cell

    def sample(self, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
        """Cell-integrated PSF of points at (dx, dy) cells from the grid's centre cell (arrays of
        P points), on the n x n cells, ``out[p, y, x]``; each image sums to 1."""
        dx = np.atleast_1d(np.asarray(dx, dtype=float))
        dy = np.atleast_1d(np.asarray(dy, dtype=float))
        rx = np.exp(-2j * np.pi * self.kb[None] * dx[:, None, None])  # (P, nb, n)
        ry = np.exp(-2j * np.pi * self.kb[None] * dy[:, None, None])
        folded = np.einsum("abcd,pab,pcd->pbd", self.spec_b, ry, rx, optimize=True)
        img = np.fft.ifft2(folded).real
        return np.fft.fftshift(img, axes=(-2, -1))


@lru_cache(maxsize=32)
def _centred(optics: Optics, n: int, cell: float) -> np.ndarray:
    """The cell-integrated PSF of a point on the centre cell (n // 2) of an n x n periodic grid of
    cells of ``cell`` px, as :meth:`_Grid.sample` at (0, 0) but folded a band of rows at a time
    (no phase ramps; memory of order n^2 q, not n^2 q^2), read-only."""
    q = 2 * int(math.floor(optics.cutoff * cell)) + 2
    k = np.fft.fftfreq(n * q) * q
    sk = np.sinc(k)
    folded = np.zeros((n, n))
    for a in range(q):
        ky = k[a * n : (a + 1) * n]
        rows = optics.otf(np.hypot(ky[:, None], k[None, :]) / cell)
        rows *= sk[a * n : (a + 1) * n, None] * sk[None, :]
        folded += rows.reshape(n, q, n).sum(axis=1)
    img = np.fft.fftshift(np.fft.ifft2(folded).real)
    img.setflags(write=False)
    return img


@lru_cache(maxsize=64)
def _grid(optics: Optics, n: int, cell: float) -> _Grid:
    return _Grid(optics, n, cell)


def sampler(what: Camera | Optics, n: int, cell: float = 1.0) -> _Grid:
    """The cached exact sampler of ``what``'s PSF on an n x n grid of cells of ``cell`` px: its
    ``sample(dx, dy)`` takes the points' offsets from the centre cell (n // 2) in cells."""
    return _grid(_as_optics(what), int(n), float(cell))


def _as_optics(what: Camera | Optics) -> Optics:
    if isinstance(what, Optics):
        return what
    return _optics_cached(what.aperture_mm, what.pixel_scale_rad, what.bandpass_center_nm,
                          what.bandpass_width_nm, what.obscuration, what.psf_fwhm_px)


@lru_cache(maxsize=64)
def _optics_cached(*key: float) -> Optics:
    return make_optics(*key)


def point_stamps(
    what: Camera | Optics, x: np.ndarray, y: np.ndarray, half: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pixel-integrated images of unit-flux points at (x, y) px (0-based, arrays of P).

    Returns ``(stamps[p, j, i], x0[p], y0[p])``: stamp p is (2 half + 1) px square, its pixel
    (i, j) is image pixel (x0 + i, y0 + j), centred on the pixel nearest the point; each stamp
    sums to 1 (float rounding). ``half`` defaults to :func:`default_half`.
    """
    optics = _as_optics(what)
    h = default_half(optics) if half is None else int(half)
    x = np.atleast_1d(np.asarray(x, dtype=float))
    y = np.atleast_1d(np.asarray(y, dtype=float))
    cx, cy = np.rint(x), np.rint(y)
    stamps = _grid(optics, 2 * h + 1, 1.0).sample(x - cx, y - cy)
    return stamps, cx.astype(int) - h, cy.astype(int) - h


def point_stamp(what: Camera | Optics, x: float, y: float, half: int | None = None):
    """One point's pixel-integrated stamp: ``(stamp[j, i], x0, y0)`` as :func:`point_stamps`."""
    s, x0, y0 = point_stamps(what, np.array([x]), np.array([y]), half)
    return s[0], int(x0[0]), int(y0[0])


def pixel_psf(what: Camera | Optics, dx: float = 0.0, dy: float = 0.0, half: int | None = None) -> np.ndarray:
    """The pixel-integrated PSF of a point (dx, dy) px from the central pixel of a (2 half + 1)
    square stamp, ``[j, i]``; sums to 1."""
    optics = _as_optics(what)
    h = default_half(optics) if half is None else int(half)
    return _grid(optics, 2 * h + 1, 1.0).sample(dx, dy)[0]


class WindowSampler:
    """A point's pixel-integrated image on an n x n fitting window (its middle pixel ``half``) at
    any centre, with derivatives, for a fit with this model: the image of an N-periodic sky, N wide
    enough that the folded far wings stay away from the window, evaluated on the window's pixels
    only. ``q`` fine steps per pixel for a grid search (:meth:`at_cells`).

    The folded spectrum of :class:`_Grid` transformed back is, at a pixel (x, y), the sum over all
    its frequencies of ``S(kx, ky) exp(2 pi i (kx (x - cx) + ky (y - cy))) / N^2``; S is real and
    even in kx and in ky, so that is ``C_y S' C_x^T`` with ``C[j, k] = cos(2 pi k (j - c))`` over
    the frequencies k >= 0 (``S'`` weighted 2 for each k > 0 its mirror stands for), and d/dcx
    takes ``2 pi k sin(2 pi k (j - c))`` for ``C_x``: one small real product per image, window
    pixels only, instead of a folded transform of the whole grid."""

    q = 5

    def __init__(self, what: Camera | Optics, n: int, half: int, margin: int = 4):
        optics = _as_optics(what)
        self.n, self.half = int(n), int(half)
        big = max(self.n + 2 * margin + 2 * abs(self.n // 2 - self.half), 2 * default_half(optics) + 1)
        big += 1 - big % 2  # odd: the window's middle pixel is the grid's middle
        self.o = big // 2 - self.half  # window pixel half on the grid's middle
        self.grid = _grid(optics, big, 1.0)
        self.base = (float(half), float(half))
        self._w, self._spec = _even_spectrum(optics, big)  # 2 pi k (M,) rad/px, S' (M, M)
        pix = np.arange(self.n, dtype=float)[:, None] * self._w  # (n, M) rad
        self._cos, self._sin = np.cos(pix), np.sin(pix)

    def _axes(self, cx: np.ndarray, cy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``cos(2 pi k (j - c))`` (P, 2, n, M) along x (c = cx) and y (c = cy) for P points and
        the window's pixels j, and their d/dc, ``2 pi k sin(2 pi k (j - c))``: by the angle-difference
        formulas from the pixels' own cosines and sines, so only 2 M new ones are taken per point."""
        t = np.stack((cx, cy), axis=-1)[..., None] * self._w  # (P, 2, M) rad
        cc, sc = np.cos(t)[:, :, None, :], np.sin(t)[:, :, None, :]
        return self._cos * cc + self._sin * sc, (self._sin * cc - self._cos * sc) * self._w

    def at_cells(self, a: int, b: int) -> np.ndarray:
        """The point moved by (a, b) steps of 1/q px from the window's middle pixel."""
        return self(self.base[0] + a / self.q, self.base[1] + b / self.q, derivatives=False)[0]

    def __call__(self, cx: float, cy: float, derivatives: bool = True):
        """The image of a point at window coordinates (cx, cy) px (``[y, x]``, sums to 1 over the
        whole periodic grid), and its d/dcx, d/dcy per px (None without ``derivatives``)."""
        if not derivatives:
            c, _ = self._axes(np.array([cx]), np.array([cy]))
            return c[0, 1] @ (self._spec @ c[0, 0].T), None, None
        m, gx, gy = self.batch(np.array([cx]), np.array([cy]))
        return m[0], gx[0], gy[0]

    def batch(self, cx: np.ndarray, cy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`__call__` for P points at once (window px, arrays of P): the images and their
        d/dcx, d/dcy, each (P, n, n)."""
        c, d = self._axes(np.asarray(cx, dtype=float), np.asarray(cy, dtype=float))
        n = self.n
        # rows: cos_y, then d/dcy; columns: cos_x, then d/dcx (the d2/dcx dcy corner goes unused)
        right = np.concatenate((c[:, 0], d[:, 0]), axis=1).transpose(0, 2, 1)  # (P, M, 2n)
        out = np.concatenate((c[:, 1], d[:, 1]), axis=1) @ (self._spec @ right)
        return out[:, :n, :n], out[:, :n, n:], out[:, n:, :n]


@lru_cache(maxsize=64)
def window_sampler(optics: Optics, n: int, half: int) -> WindowSampler:
    """The cached :class:`WindowSampler` of ``optics`` on an n x n window about pixel ``half``."""
    return WindowSampler(optics, n, half)


@lru_cache(maxsize=32)
def _even_spectrum(optics: Optics, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The spectrum of :class:`_Grid` (n x n grid of 1 px cells) on its frequencies k >= 0 that hold
    light (more than 1e-18 of the peak): 2 pi k (M,) rad/px and ``S'`` (M, M), each k > 0 weighted
    2 (its mirror -k), over n^2 (the inverse transform's norm); read-only."""
    g = _grid(optics, n, 1.0)
    k = g.kb.ravel()
    spec = g.spec_b.reshape(k.size, k.size)
    # frequencies whose light is below double precision's rounding of the image (a Gaussian's far
    # tail) add nothing: left out
    keep = np.flatnonzero((k >= 0) & (np.abs(spec).max(axis=0) > 1e-18 * spec.max()))
    w = np.where(k[keep] == 0, 1.0, 2.0)
    out = spec[np.ix_(keep, keep)] * w[:, None] * w[None, :] / float(n * n)
    out.setflags(write=False)
    two_pi_k = 2.0 * np.pi * k[keep]
    two_pi_k.setflags(write=False)
    return two_pi_k, out


def add_points(image: np.ndarray, what: Camera | Optics, x: np.ndarray, y: np.ndarray,
               flux: np.ndarray, half: int | None = None, chunk: int = 256) -> np.ndarray:
    """Add points of ``flux`` (image units) at (x, y) px to ``image[y, x]`` in place (light falling
    off the image is lost) and return it."""
    x, y, flux = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (x, y, flux))
    rows, cols = image.shape
    for s in range(0, len(x), chunk):
        stamps, x0, y0 = point_stamps(what, x[s : s + chunk], y[s : s + chunk], half)
        side = stamps.shape[-1]
        for st, i0, j0, f in zip(stamps, x0, y0, flux[s : s + chunk], strict=True):
            a0, b0 = max(i0, 0), max(j0, 0)
            a1, b1 = min(i0 + side, cols), min(j0 + side, rows)
            if a1 > a0 and b1 > b0:
                image[b0:b1, a0:a1] += f * st[b0 - j0 : b1 - j0, a0 - i0 : a1 - i0]
    return image


@lru_cache(maxsize=32)
def _disk_kernel(optics: Optics, oversample: int, half: int) -> np.ndarray:
    n = (2 * half + 1) * oversample
    big = 2 * n + 1
    full = _centred(optics, big, 1.0 / oversample)
    o = big // 2 - n // 2
    out = full[o : o + n, o : o + n].copy()
    out /= out.sum()
    out.setflags(write=False)
    return out


def disk_kernel(what: Camera | Optics, oversample: int = 5, half: int | None = None) -> np.ndarray:
    """The PSF integrated over square cells of 1/``oversample`` px, on a grid of (2 half + 1) x
    ``oversample`` cells a side centred on cell n // 2 (the middle cell for odd ``oversample``): the
    kernel that convolves a resolved body's image on that fine grid (each cell's light taken at its
    centre) so that summing cells into pixels gives the pixel-integrated image. The wings beyond the
    kernel are cut (computed on a grid twice as wide, so next to none is folded in) and the kernel
    scaled to sum to 1, so a body drawn at any scale loses no light and gains no folded shelf.
    ``half`` defaults to ceil(radius_px) + 1 (the core and first rings)."""
    optics = _as_optics(what)
    h = int(math.ceil(optics.radius_px())) + 1 if half is None else int(half)
    return _disk_kernel(optics, int(oversample), h)


def encircled_energy(optics: Optics, radius_px: np.ndarray) -> np.ndarray:
    """Fraction of a point's light within ``radius_px`` of it, before pixel integration:
    ``2 pi R \\int OTF(k) J1(2 pi k R) dk`` over the band (numerical quadrature)."""
    from scipy.integrate import quad
    from scipy.special import j1

    r = np.atleast_1d(np.asarray(radius_px, dtype=float))
    kmax = optics.cutoff  # the OTF is zero beyond
    out = np.empty_like(r)
    for i, rr in enumerate(r):
        val, _ = quad(lambda k, rr=rr: float(optics.otf(np.array([k]))[0]) * j1(2 * math.pi * k * rr),
                      0.0, kmax, limit=400, epsabs=1e-12, epsrel=1e-10)
        out[i] = 2 * math.pi * rr * val
    return out


def fit_point(image: np.ndarray, what: Camera | Optics, x0: float, y0: float,
              half: int | None = None) -> tuple[float, float, float]:
    """Least-squares position (x, y px) and flux (image units) of one point in ``image[y, x]``
    (background 0) with this very model, from the guess (x0, y0) px (within about a pixel)."""
    from scipy.optimize import least_squares

    optics = _as_optics(what)
    h = default_half(optics) if half is None else int(half)
    cx, cy = int(round(x0)), int(round(y0))
    data = image[cy - h : cy + h + 1, cx - h : cx + h + 1].ravel()
    g = _grid(optics, 2 * h + 1, 1.0)

    def resid(p: np.ndarray) -> np.ndarray:
        return p[2] * g.sample(p[0], p[1])[0].ravel() - data

    start = np.array([x0 - cx, y0 - cy, float(data.sum())])
    fit = least_squares(resid, start, x_scale=np.array([0.1, 0.1, max(abs(start[2]), 1e-30)]),
                        xtol=1e-12, ftol=1e-14, gtol=1e-14)
    return float(fit.x[0] + cx), float(fit.x[1] + cy), float(fit.x[2])
