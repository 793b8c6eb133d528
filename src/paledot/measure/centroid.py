"""Centroids with their uncertainty and the Cramer-Rao bound, by fitting a known shape or a Gaussian.

A ``Shape`` is a pixel-sampled light distribution (summing to 1) with a known centre: the camera's
PSF integrated over pixels for a point source, or a body's noiseless rendering (a lit disk through
the PSF) for a resolved Earth or Moon, so the fitted position is the body's centre, not its light
centroid (they differ by up to half a radius at quarter phase). The shape is moved by sub-pixel
amounts with a Fourier phase ramp; the fit is weighted Gauss-Newton on (x, y, flux, background) with
the variance of each pixel taken from the model (read/sky noise plus Poisson light), re-weighted each
step. Saturated pixels, NaNs and other sources' pixels are left out, so a saturated Earth is placed
by its unsaturated wings. The Fisher matrix at the answer gives the Cramer-Rao bound; the reported
uncertainty is that bound scaled by the fit's reduced chi-square when it exceeds 1.
Without a known shape, an elliptical 2-D Gaussian is fitted (scipy least squares).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

#: Gauss-Newton steps at most per fit.
MAX_STEPS = 25
#: px: how far a fit may move a shape from where it started before the periodic transform that
#: moves it could wrap light around (a fit that wanders further is refused by its callers anyway).
_MARGIN = 3


@dataclass
class Shape:
    """A light distribution on pixels (sums to 1 over the stamp) whose centre sits at (cx, cy),
    in pixels from the stamp's first pixel centre (0-based)."""

    stamp: np.ndarray
    cx: float
    cy: float
    kind: str = "psf"
    #: the stamp is sampled this many times finer than the pixels (each pixel = q x q cells)
    oversample: int = 1
    #: a camera's optics (:class:`paledot.light.optics.Optics`): when given, fits move the exact
    #: pixel-integrated PSF (the renderer's own model) instead of resampling ``stamp``
    optics: object | None = None


@dataclass
class CentroidFit:
    """A fitted position (0-based x, y), flux and background in image units, with 1-sigma errors.

    ``crb_x``/``crb_y`` are the Cramer-Rao bounds for this shape and noise; ``x_err``/``y_err`` the
    uncertainty (the bound times sqrt(reduced chi-square) when above 1). ``method`` names the model.
    """

    x: float
    y: float
    flux: float
    background: float
    x_err: float
    y_err: float
    flux_err: float
    crb_x: float
    crb_y: float
    chi2_red: float
    n_pixels: int
    n_masked_saturated: int
    method: str
    converged: bool
    sigma_x: float = float("nan")
    sigma_y: float = float("nan")
    theta: float = float("nan")  # radians, of a Gaussian's sigma_x axis from +x toward +y


def light_offset(shape: Shape) -> tuple[float, float]:
    """Light centre minus centre of a shape, px (a crescent's light sits toward the Sun)."""
    q = shape.oversample
    img = shape.stamp
    total = float(img.sum())
    ys, xs = np.indices(img.shape)
    fx = float((img * xs).sum()) / total
    fy = float((img * ys).sum()) / total
    return (fx - (q - 1) / 2.0) / q - shape.cx, (fy - (q - 1) / 2.0) / q - shape.cy


def psf_shape(camera) -> Shape:
    """The camera's PSF integrated over pixels, centred on the middle pixel: the renderer's own
    model (:mod:`paledot.light.optics`), exact at every sub-pixel phase when fitted."""
    return star_shape(camera)


def star_shape(camera) -> Shape:
    """The model of a star: the camera's PSF integrated exactly over pixels at any sub-pixel phase
    (:mod:`paledot.light.optics`, the model the renderer draws stars with), centred on the middle
    pixel of its ``stamp`` (the pixel-integrated PSF at phase 0, px). One shape per optical design,
    so a camera's frames share it and the fits one sampler of it."""
    from ..light import optics

    opt = optics.camera_optics(camera)
    hit = _STAR_SHAPES.get(opt)
    if hit is not None:
        return hit
    h = int(math.ceil(opt.radius_px())) + 1
    stamp = optics.pixel_psf(opt, half=h)
    shape = Shape(stamp, float(h), float(h), "psf", 1, opt)
    if len(_STAR_SHAPES) >= 8:
        _STAR_SHAPES.pop(next(iter(_STAR_SHAPES)))
    _STAR_SHAPES[opt] = shape
    return shape


#: star_shape's answers by optical design, so that a camera's frames share one shape and the fits
#: one sampler of it (see ``_shifter``)
_STAR_SHAPES: dict = {}


def _crop(shape: Shape, reach: int) -> Shape:
    """The shape cut to whole pixels within ``reach`` px of its centre (not renormalised: a fitted
    flux stays the whole body's)."""
    q = shape.oversample
    h, w = shape.stamp.shape[0] // q, shape.stamp.shape[1] // q
    x0 = max(int(math.floor(shape.cx)) - reach, 0)
    y0 = max(int(math.floor(shape.cy)) - reach, 0)
    x1 = min(int(math.floor(shape.cx)) + reach + 2, w)
    y1 = min(int(math.floor(shape.cy)) + reach + 2, h)
    if x0 == 0 and y0 == 0 and x1 == w and y1 == h:
        return shape
    stamp = shape.stamp[y0 * q : y1 * q, x0 * q : x1 * q]
    return Shape(stamp, shape.cx - x0, shape.cy - y0, shape.kind, q)


class _Shifter:
    """Evaluates a shape shifted by (dx, dy) on an n x n window, with its x and y derivatives.

    A shape sampled ``q`` times finer than the pixels is moved on its fine grid (where it is well
    sampled, so the Fourier shift is exact to high accuracy) and then summed into pixels."""

    def __init__(self, shape: Shape, n: int, half: int):
        from scipy.fft import next_fast_len

        shape = _crop(shape, half + 4)  # light beyond the window's reach cannot matter
        q = shape.oversample
        # the canvas holds the window, the cropped shape (5 px beyond it) and a fit's move of up
        # to 3 px more without the periodic transform wrapping light into the window
        size = next_fast_len(n + 2 * (_MARGIN + 5), real=True)
        self.o = (size - n) // 2
        self.n, self.q, self.size = n, q, size
        canvas = np.zeros((size * q, size * q))
        fx, fy = shape.cx - math.floor(shape.cx), shape.cy - math.floor(shape.cy)
        x0 = (half + self.o - math.floor(shape.cx)) * q
        y0 = (half + self.o - math.floor(shape.cy)) * q
        hh, ww = shape.stamp.shape
        ys = slice(max(y0, 0), min(y0 + hh, size * q))
        xs = slice(max(x0, 0), min(x0 + ww, size * q))
        canvas[ys, xs] = shape.stamp[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0]
        self.base = (half + fx, half + fy)  # centre in window coordinates before any shift
        self.canvas = canvas
        self.spec = np.fft.rfft2(canvas)
        self.kx = np.fft.rfftfreq(size * q)[None, :]
        self.ky = np.fft.fftfreq(size * q)[:, None]
        self._dkx = -2j * np.pi * self.kx * q
        self._dky = -2j * np.pi * self.ky * q
        if q > 1:
            # summing q x q cells into a pixel is a box filter then every q-th cell: in Fourier
            # space the box's transfer times the spectrum, folded onto the pixel grid's own
            # frequencies (the aliases summed), so each move needs an inverse transform of only
            # the coarse grid (q^2 times fewer points) instead of the fine one.
            k = np.fft.fftfreq(size * q)
            if shape.kind == "psf":
                # a PSF's cells are point samples of a smooth (band-limited) pattern: the pixel is
                # its exact integral over the pixel's square (a continuous box: sinc), not the sum
                # of q x q samples, which for a core under a pixel wide errs by up to 0.013 px
                # (0.6 px Airy; 0.0005 px with the sinc, against the pattern sampled 25 times
                # finer and summed into pixels)
                box = q * np.sinc(k * q) * np.exp(1j * np.pi * k * (q - 1))
            else:  # a body's template: cells integrated by ray casting, summed as the renderer does
                box = np.exp(2j * np.pi * np.outer(k, np.arange(q))).sum(axis=1)
            self._fk = k
            self._fspec = np.fft.fft2(canvas) * box[:, None] * box[None, :] / (q * q)

    def _pixels(self, spec) -> np.ndarray:
        """Inverse transform(s) of ``spec`` (last two axes) summed into the window's pixels."""
        q, size, o, n = self.q, self.size, self.o, self.n
        fine = np.fft.irfft2(spec, (size * q, size * q))
        lead = fine.shape[:-2]
        # only the window's own cells are summed into pixels
        fine = fine[..., o * q : (o + n) * q, o * q : (o + n) * q]
        if q > 1:
            fine = fine.reshape(*lead, n, q, n, q).sum(axis=(-3, -1))
        return fine

    def at_cells(self, a: int, b: int) -> np.ndarray:
        """The shape moved by whole fine cells (a, b): exact, no interpolation. Each of the q x q
        sub-pixel phases is summed into pixels once; whole pixels are then a slice."""
        q = self.q
        key = (a % q, b % q)
        if not hasattr(self, "_binned"):
            self._binned: dict = {}
        if key not in self._binned:
            fine = np.roll(self.canvas, (key[1], key[0]), axis=(0, 1))
            if q > 1:
                fine = fine.reshape(self.size, q, self.size, q).sum(axis=(1, 3))
            self._binned[key] = fine
        coarse = self._binned[key]
        sx, sy = a // q, b // q
        y0, x0 = self.o - sy, self.o - sx
        if min(x0, y0) < 0 or max(x0, y0) + self.n > self.size:
            return np.roll(coarse, (sy, sx), axis=(0, 1))[self.o : self.o + self.n, self.o : self.o + self.n]
        return coarse[y0 : y0 + self.n, x0 : x0 + self.n]

    def _folded(self, dx: float, dy: float, derivatives: bool):
        """As :meth:`__call__` for q > 1 (moves in fine cells): the spectrum moved, box-filtered
        and folded onto the coarse grid, then one small inverse transform per output."""
        q, size, o, n = self.q, self.size, self.o, self.n
        k = self._fk
        ey = np.exp(-2j * np.pi * k * dy)
        ex = np.exp(-2j * np.pi * k * dx)
        sy = self._fspec * ey[:, None]

        def fold_y(a):
            return a.reshape(q, size, size * q).sum(axis=0)

        def fold_x(a):
            return a.reshape(size, q, size).sum(axis=1)

        # fold along y first: the x ramp then acts on q times fewer rows
        r = fold_y(sy)
        out = [fold_x(r * ex[None, :])]
        if derivatives:
            d = -2j * np.pi * q * k  # d/d(pixel) of the ramp
            out.append(fold_x(r * (ex * d)[None, :]))
            out.append(fold_x(fold_y(sy * d[:, None]) * ex[None, :]))
        pix = np.fft.ifft2(np.stack(out)).real[:, o : o + n, o : o + n]
        if not derivatives:
            return pix[0], None, None
        return pix[0], pix[1], pix[2]

    def __call__(self, cx: float, cy: float, derivatives: bool = True):
        """Shape with its centre at window coordinates (cx, cy), and d/dcx, d/dcy."""
        dx, dy = (cx - self.base[0]) * self.q, (cy - self.base[1]) * self.q
        if self.q > 1:
            return self._folded(dx, dy, derivatives)
        # the phase ramp is separable: two 1-D exponentials, not one over the whole spectrum
        s = self.spec * np.exp(-2j * np.pi * self.ky * dy) * np.exp(-2j * np.pi * self.kx * dx)
        if not derivatives:
            return self._pixels(s), None, None
        # the image and both derivatives in one batched inverse transform
        m, gx, gy = self._pixels(np.stack([s, s * self._dkx, s * self._dky]))
        return m, gx, gy


_SHIFTERS: dict[tuple[int, int, int], tuple[Shape, _Shifter]] = {}


def _shifter(shape: Shape, n: int, half: int) -> _Shifter:
    """A :class:`_Shifter` for ``shape`` on an n x n window, kept for the next fit of the same shape
    object (a frame's stars share one PSF: its transform is taken once, not once per star)."""
    if shape.optics is not None:  # the exact model; its sampler is cached by the optics module
        from ..light.optics import WindowSampler

        return WindowSampler(shape.optics, n, half)
    if shape.kind != "psf":  # a body's template is made for one frame: nothing to keep
        return _Shifter(shape, n, half)
    key = (id(shape), n, half)
    hit = _SHIFTERS.get(key)
    if hit is not None and hit[0] is shape:
        return hit[1]
    if len(_SHIFTERS) >= 8:
        _SHIFTERS.pop(next(iter(_SHIFTERS)))
    sh = _Shifter(shape, n, half)
    _SHIFTERS[key] = (shape, sh)
    return sh


def fit_shape(
    image: np.ndarray,
    x: float,
    y: float,
    shape: Shape,
    *,
    noise_rms: np.ndarray | float,
    gain: float | None,
    saturation: float | None = None,
    exclude: tuple[np.ndarray, int] | None = None,
    half: int | None = None,
    background: float | None = None,
    search: bool = False,
) -> CentroidFit | None:
    """Fit ``shape`` (position, flux, background) near (x, y) in ``image`` (background not removed).

    ``noise_rms`` is the background noise (scalar or a map like ``image``), ``gain`` electrons per
    image unit (None: Poisson term left out), ``exclude`` a (segmentation map, own label) pair:
    pixels of other sources are left out. ``search`` (for saturated sources) first tries a grid
    of exact whole-cell moves of a finely sampled shape around the place it was rendered for.
    Returns None when too few usable pixels remain.
    """
    h, w = (v // shape.oversample for v in shape.stamp.shape)
    half = half if half is not None else int(max(4, math.ceil(max(h, w) / 2) + 1))
    n = 2 * half + 1
    ix, iy = int(round(x)), int(round(y))
    ny, nx = image.shape
    ylo, xlo = iy - half, ix - half
    win = np.full((n, n), np.nan)
    ys0, ys1 = max(ylo, 0), min(ylo + n, ny)
    xs0, xs1 = max(xlo, 0), min(xlo + n, nx)
    if ys1 <= ys0 or xs1 <= xs0:
        return None
    win[ys0 - ylo : ys1 - ylo, xs0 - xlo : xs1 - xlo] = image[ys0:ys1, xs0:xs1]
    rms = np.full((n, n), np.nan)
    if np.ndim(noise_rms) == 2:
        rms[ys0 - ylo : ys1 - ylo, xs0 - xlo : xs1 - xlo] = noise_rms[ys0:ys1, xs0:xs1]
    else:
        rms[:] = float(noise_rms)
    use = np.isfinite(win) & np.isfinite(rms)
    if exclude is not None:
        seg, label = exclude
        part = seg[ys0:ys1, xs0:xs1]
        ex = np.zeros((n, n), bool)
        ex[ys0 - ylo : ys1 - ylo, xs0 - xlo : xs1 - xlo] = (part != 0) & (part != label)
        use &= ~ex
    n_sat = 0
    if saturation is not None:
        # a pixel whose mean lies near the ceiling may read just below it: leave a margin of 4 sigma
        margin = 4.0 * math.sqrt(max(saturation, 0.0) / gain) if gain else 0.5
        sat = np.isfinite(win) & (win >= saturation - max(margin, 0.5))
        n_sat = int(sat.sum())
        use &= ~sat
    if use.sum() < 6:
        return None
    shifter = _shifter(shape, n, half)
    d = np.where(use, win, 0.0)
    var0 = np.where(use, rms**2, 1.0)
    cx, cy = x - xlo, y - ylo
    bkg = (
        float(np.median(win[use][win[use] <= np.percentile(win[use], 50)]))
        if background is None
        else background
    )
    if n_sat and search:
        # a clipped core leaves a chi-square surface with a false minimum near each whole-pixel
        # shift: start Gauss-Newton from the best of a grid of exact moves
        cx, cy = _grid_start(shifter, d, use, var0, cx, cy)
    m, _, _ = shifter(cx, cy, derivatives=False)
    denom = float((m[use] ** 2).sum())
    flux = float(((d - bkg) * m)[use].sum() / denom) if denom > 0 else float(np.nansum(win - bkg))
    converged = False
    cov = None

    def chi_square(m, flux, bkg):
        var = var0 + (np.clip(flux * m, 0, None) / gain if gain else 0.0)
        wgt = np.where(use, 1.0 / var, 0.0)
        r = d - (flux * m + bkg)
        return float((r * r * wgt).sum()), wgt, r

    # Levenberg-Marquardt: a Gauss-Newton step, damped until the chi-square falls. An undersampled
    # PSF (a core of a third of a pixel) makes the surface flat inside a pixel and steep at its
    # edges, where plain Gauss-Newton steps bounce between pixels
    m, gx, gy = shifter(cx, cy)
    chi, wgt, r = chi_square(m, flux, bkg)
    lam = 1e-4
    for step in range(MAX_STEPS):
        jac = np.stack([flux * gx, flux * gy, m, np.ones_like(m)], axis=-1)
        jw = jac * wgt[..., None]
        fisher = np.einsum("ijk,ijl->kl", jw, jac)
        grad = np.einsum("ijk,ij->k", jw, r)
        lim = 0.5 if step < 3 else 2.0
        moved = None
        while lam < 1e12:
            try:
                delta = np.linalg.solve(fisher + lam * np.diag(np.diag(fisher)), grad)
            except np.linalg.LinAlgError:
                return None
            scale = min(1.0, lim / max(abs(delta[0]), abs(delta[1]), 1e-12))
            tx, ty = cx + scale * delta[0], cy + scale * delta[1]
            tf, tb = flux + scale * delta[2], bkg + scale * delta[3]
            if (-half <= tx <= 2 * half and -half <= ty <= 2 * half) and math.isfinite(tf):
                tm, tgx, tgy = shifter(tx, ty)
                tchi, twgt, tr = chi_square(tm, tf, tb)
                if tchi <= chi:
                    moved = scale * max(abs(delta[0]), abs(delta[1]))
                    cx, cy, flux, bkg = tx, ty, tf, tb
                    m, gx, gy, chi, wgt, r = tm, tgx, tgy, tchi, twgt, tr
                    lam = max(lam / 10.0, 1e-7)
                    break
            lam *= 10.0
        if moved is None:  # no step lowers the chi-square: at its minimum to rounding
            converged = True
            break
        if moved < 2e-4:  # px: far below any error it could matter to
            converged = True
            break
    m, gx, gy = shifter(cx, cy)
    model = flux * m + bkg
    var = var0 + (np.clip(flux * m, 0, None) / gain if gain else 0.0)
    wgt = np.where(use, 1.0 / var, 0.0)
    jac = np.stack([flux * gx, flux * gy, m, np.ones_like(m)], axis=-1)
    fisher = np.einsum("ijk,ijl->kl", jac * wgt[..., None], jac)
    try:
        cov = np.linalg.inv(fisher)
    except np.linalg.LinAlgError:
        return None
    npix = int(use.sum())
    chi2 = float((((d - model) ** 2) * wgt)[use].sum()) / max(npix - 4, 1)
    inflate = math.sqrt(max(chi2, 1.0))
    crb = np.sqrt(np.clip(np.diag(cov), 0, None))
    return CentroidFit(
        x=xlo + cx,
        y=ylo + cy,
        flux=flux,
        background=bkg,
        x_err=float(crb[0] * inflate),
        y_err=float(crb[1] * inflate),
        flux_err=float(crb[2] * inflate),
        crb_x=float(crb[0]),
        crb_y=float(crb[1]),
        chi2_red=chi2,
        n_pixels=npix,
        n_masked_saturated=n_sat,
        method=shape.kind,
        converged=converged,
    )


def _grid_start(shifter, d, use, var0, cx, cy):
    """The best start among the shape's whole-fine-cell moves within about 1.3 px of the place it
    was rendered for (exact models, no interpolation); flux and background solved at each."""
    q = shifter.q
    reach = max(1, int(round(1.34 * q)))
    best = (math.inf, cx, cy)
    w = np.sqrt(np.where(use, 1.0 / var0, 0.0)[use])
    dd = d[use] * w
    ones = w
    for a in range(-reach, reach + 1):
        for b in range(-reach, reach + 1):
            m = shifter.at_cells(a, b)[use] * w
            # two-parameter weighted least squares in closed form
            s11, s12, s22 = m @ m, m @ ones, ones @ ones
            t1, t2 = m @ dd, ones @ dd
            det = s11 * s22 - s12 * s12
            if det <= 0:
                continue
            f = (t1 * s22 - t2 * s12) / det
            bg = (s11 * t2 - s12 * t1) / det
            chi = float(((dd - f * m - bg * ones) ** 2).sum())
            if chi < best[0]:
                best = (chi, shifter.base[0] + a / q, shifter.base[1] + b / q)
    return best[1], best[2]


def fit_gaussian(
    image: np.ndarray,
    x: float,
    y: float,
    *,
    noise_rms: np.ndarray | float,
    gain: float | None,
    sigma_guess: float = 1.0,
    saturation: float | None = None,
    exclude: tuple[np.ndarray, int] | None = None,
    half: int | None = None,
) -> CentroidFit | None:
    """Fit an elliptical 2-D Gaussian plus a flat background near (x, y); errors from its Fisher matrix."""
    half = half if half is not None else int(max(4, math.ceil(4 * sigma_guess)))
    ny, nx = image.shape
    ix, iy = int(round(x)), int(round(y))
    ys0, ys1 = max(iy - half, 0), min(iy + half + 1, ny)
    xs0, xs1 = max(ix - half, 0), min(ix + half + 1, nx)
    win = image[ys0:ys1, xs0:xs1].astype(float)
    rms = noise_rms[ys0:ys1, xs0:xs1] if np.ndim(noise_rms) == 2 else np.full(win.shape, float(noise_rms))
    use = np.isfinite(win) & np.isfinite(rms)
    if exclude is not None:
        seg, label = exclude
        part = seg[ys0:ys1, xs0:xs1]
        use &= ~((part != 0) & (part != label))
    n_sat = 0
    if saturation is not None:
        sat = win >= saturation - 0.5
        n_sat = int(sat.sum())
        use &= ~sat
    if use.sum() < 8:
        return None
    yy, xx = np.mgrid[ys0:ys1, xs0:xs1]
    X, Y, D, R = xx[use].astype(float), yy[use].astype(float), win[use], rms[use]
    bkg0 = float(np.percentile(D, 20))
    peak0 = float(D.max() - bkg0)

    def parts(p):
        x0, y0, amp, sx, sy, th, b = p
        c, s = math.cos(th), math.sin(th)
        u, v = (X - x0) * c + (Y - y0) * s, (Y - y0) * c - (X - x0) * s
        e = np.exp(-0.5 * ((u / sx) ** 2 + (v / sy) ** 2))
        sig = np.sqrt(R**2 + (np.clip(amp * e, 0, None) / gain if gain else 0.0))
        return c, s, u / sx**2, v / sy**2, u, v, e, amp * e, sig

    def resid(p):
        *_, g, sig = parts(p)
        return (D - g - p[6]) / sig

    def jac(p):  # analytic: a numerical one takes seven evaluations a step, most of the fit's time
        c, s, au, av, u, v, e, g, sig = parts(p)
        du = [au * c - av * s, au * s + av * c, e, au * u / p[3], av * v / p[4]]
        dg = g[:, None] * np.stack([*du, u * v * (1 / p[4] ** 2 - 1 / p[3] ** 2), 0 * e], axis=1)
        dg[:, 2] = e
        out = -(dg + np.eye(7)[6]) / sig[:, None]
        if gain:  # the model's own photon noise in its weights
            out -= ((D - g - p[6]) / (2 * gain * sig**3) * (g > 0))[:, None] * dg
        return out

    p0 = [x, y, max(peak0, 1e-9), sigma_guess, sigma_guess, 0.0, bkg0]
    lo = [x - half, y - half, 0.0, 0.2, 0.2, -math.pi, -np.inf]
    hi = [x + half, y + half, np.inf, 3.0 * half, 3.0 * half, math.pi, np.inf]
    try:
        res = least_squares(resid, p0, jac=jac, bounds=(lo, hi), x_scale="jac", max_nfev=200)
    except ValueError:
        return None
    p = res.x
    jac = res.jac
    try:
        cov = np.linalg.inv(jac.T @ jac)
    except np.linalg.LinAlgError:
        return None
    npix = int(use.sum())
    chi2 = float((res.fun**2).sum()) / max(npix - 7, 1)
    err = np.sqrt(np.clip(np.diag(cov), 0, None))
    x0, y0, amp, sx, sy, th, b = p
    flux = 2 * math.pi * amp * sx * sy
    # flux error from amplitude and widths (first order)
    g = np.array([0, 0, 2 * math.pi * sx * sy, 2 * math.pi * amp * sy, 2 * math.pi * amp * sx, 0, 0])
    ferr = float(math.sqrt(max(g @ cov @ g, 0.0)))
    inflate = math.sqrt(max(chi2, 1.0))
    return CentroidFit(
        x=float(x0), y=float(y0), flux=flux, background=float(b), x_err=float(err[0] * inflate),
        y_err=float(err[1] * inflate), flux_err=ferr * inflate, crb_x=float(err[0]), crb_y=float(err[1]),
        chi2_red=chi2, n_pixels=npix, n_masked_saturated=n_sat, method="gaussian",
        converged=bool(res.success), sigma_x=float(sx), sigma_y=float(sy), theta=float(th)
    )
