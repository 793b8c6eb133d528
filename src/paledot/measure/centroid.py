"""Centroids with their uncertainty and the Cramer-Rao bound, by fitting a known shape or a Gaussian.

A ``Shape`` is a pixel-sampled light distribution (summing to 1) with a known centre: the camera's
PSF integrated over pixels for a point source, or a body's noiseless rendering (a lit disk through
the PSF) for a resolved Earth or Moon, so the fitted position is the body's centre, not its light
centroid (they differ by up to half a radius at quarter phase). The shape is moved by sub-pixel
amounts exactly or with a Fourier phase ramp (:mod:`paledot.measure.shifting`); the fit is weighted
Levenberg-Marquardt on (x, y, flux, background) with the variance of each pixel taken from the model
(read/sky noise plus Poisson light), re-weighted each step; a frame's stars are stepped together.
Saturated pixels, NaNs and other sources' pixels are left out, so a saturated Earth is placed by its
unsaturated wings. The Fisher matrix at the answer gives the Cramer-Rao bound; the reported
uncertainty is that bound scaled by the fit's reduced chi-square when it exceeds 1.
Without a known shape, an elliptical 2-D Gaussian is fitted (scipy least squares).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from .shifting import Shape, _shifter

#: Gauss-Newton steps at most per fit.
MAX_STEPS = 25
#: px: a fit whose every further damped step would move it less than this has converged.
FLAT_PX = 1e-7


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

    @property
    def measures_light(self) -> bool:
        """Did the fit measure the source's light? Not when its flux is less than its own error
        (a Gaussian spread over a stretched halo): that fit is no measurement."""
        return not self.flux_err > abs(self.flux)


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
    return fit_shapes(image, [(x, y, exclude)], shape, noise_rms=noise_rms, gain=gain,
                      saturation=saturation, half=half, background=background, search=search)[0]


def fit_shapes(
    image: np.ndarray,
    points: list[tuple[float, float, tuple[np.ndarray, int] | None]],
    shape: Shape,
    *,
    noise_rms: np.ndarray | float,
    gain: float | None,
    saturation: float | None = None,
    half: int | None = None,
    background: float | None = None,
    search: bool = False,
) -> list[CentroidFit | None]:
    """:func:`fit_shape` at each of ``points`` ((x, y px, exclude) triples), the fits stepped
    together (one model evaluation a step for all of them): each answer is the one it would have
    alone, in a fraction of the time for a frame's stars."""
    h, w = (v // shape.oversample for v in shape.stamp.shape)
    half = half if half is not None else int(max(4, math.ceil(max(h, w) / 2) + 1))
    wins = [_window(image, x, y, half, noise_rms, gain, saturation, ex) for x, y, ex in points]
    ok = [k for k, v in enumerate(wins) if v is not None]
    out: list[CentroidFit | None] = [None] * len(points)
    if not ok:
        return out
    shifter = _shifter(shape, 2 * half + 1, half)
    d, var0, use = (np.stack([wins[k][i] for k in ok]) for i in range(3))  # (P, n, n)
    cx = np.array([points[k][0] - wins[k][5] for k in ok])
    cy = np.array([points[k][1] - wins[k][6] for k in ok])
    bkg = np.array([_lower_median(wins[k][3][wins[k][2]]) if background is None else background for k in ok])
    for i, k in enumerate(ok):
        if wins[k][4] and search:
            # a clipped core leaves a chi-square surface with a false minimum near each whole-pixel
            # shift: start Gauss-Newton from the best of a grid of exact moves
            cx[i], cy[i] = _grid_start(shifter, d[i], use[i], var0[i], cx[i], cy[i])
    d, var0, use = (a.reshape(len(ok), -1) for a in (d, var0, use))
    cols = np.flatnonzero(use.any(axis=0))  # only pixels some fit uses
    d, var0, use = d[:, cols], var0[:, cols], use[:, cols]
    models = _models(shifter, cols)
    first = models(cx, cy)  # the models and their derivatives at the start
    denom = (first[0] ** 2 * use).sum(axis=1)
    flux = np.array([
        ((d[i] - bkg[i]) * first[0][i])[use[i]].sum() / denom[i] if denom[i] > 0
        else float(np.nansum(wins[k][3] - bkg[i])) for i, k in enumerate(ok)
    ])
    got = _levenberg_marquardt(models, d, var0, use, gain, half, [cx, cy, flux, bkg], first)
    for i, k in enumerate(ok):
        if got[i] is not None:
            out[k] = _result(*got[i], int(use[i].sum()), wins[k], shape.kind)
    return out


def _window(image, x, y, half, noise_rms, gain, saturation, exclude):
    """The (2 half + 1)-px square window about (x, y): (data, noise variance, usable, raw window,
    saturated pixel count, x0, y0), data 0 and variance 1 where unusable (off the frame, NaN,
    another source's, saturated); None with fewer than 6 usable pixels."""
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
        use[ys0 - ylo : ys1 - ylo, xs0 - xlo : xs1 - xlo] &= (part == 0) | (part == label)
    n_sat = 0
    if saturation is not None:
        # a pixel whose mean lies near the ceiling may read just below it: leave a margin of 4 sigma
        margin = 4.0 * math.sqrt(max(saturation, 0.0) / gain) if gain else 0.5
        sat = np.isfinite(win) & (win >= saturation - max(margin, 0.5))
        n_sat = int(sat.sum())
        use &= ~sat
    if use.sum() < 6:
        return None
    return np.where(use, win, 0.0), np.where(use, rms**2, 1.0), use, win, n_sat, xlo, ylo


def _models(shifter, cols: np.ndarray):
    """``shifter`` as f(cx, cy) -> (model, d/dcx, d/dcy), each (P, pixels), for P window places, on
    the window's pixels ``cols`` (flat indices)."""
    if hasattr(shifter, "batch"):
        return lambda cx, cy: tuple(a.reshape(len(cx), -1)[:, cols] for a in shifter.batch(cx, cy))

    def each(cx, cy):
        parts = [shifter(a, b) for a, b in zip(cx, cy, strict=True)]
        return tuple(np.stack([p[i].ravel()[cols] for p in parts]) for i in range(3))

    return each


def _result(cx, cy, flux, bkg, converged, cov, chi, npix, win, kind) -> CentroidFit:
    """A fit's answer at window place (cx, cy) px with its covariance and chi-square."""
    chi2 = chi / max(npix - 4, 1)
    inflate = math.sqrt(max(chi2, 1.0))
    crb = np.sqrt(np.clip(np.diag(cov), 0, None))
    return CentroidFit(
        x=win[5] + cx, y=win[6] + cy, flux=flux, background=bkg, x_err=float(crb[0] * inflate),
        y_err=float(crb[1] * inflate), flux_err=float(crb[2] * inflate), crb_x=float(crb[0]),
        crb_y=float(crb[1]), chi2_red=chi2, n_pixels=npix, n_masked_saturated=win[4],
        method=kind, converged=converged,
    )


def _lower_median(v: np.ndarray) -> float:
    """``np.median(v[v <= np.percentile(v, 50)])``, the median of the lower half of ``v`` (a flat
    background's start), to the bit, from one sort: numpy's linear percentile of an even count is
    ``b - (b - a) / 2`` of the middle pair, the median of an even count their mean."""
    s = np.sort(v)
    n = s.size
    p50 = s[n // 2] if n % 2 else s[n // 2] - (s[n // 2] - s[n // 2 - 1]) * 0.5
    c = int(np.searchsorted(s, p50, "right"))
    return float(s[c // 2] if c % 2 else (s[c // 2 - 1] + s[c // 2]) / 2.0)


def _weigh(d, var0, use, gain, flux, bkg, m):
    """Chi-squares (P,), weights and residuals (P, pixels) of models ``m`` of ``flux`` on ``bkg``:
    each pixel's variance its noise plus the model's photon noise (``gain``; None: none)."""
    model = flux[:, None] * m
    wgt = np.where(use, 1.0 / (var0 + (np.clip(model, 0, None) / gain if gain else 0.0)), 0.0)
    r = d - (model + bkg[:, None])
    return (r * r * wgt).sum(axis=1), wgt, r


def _fisher(flux, m, gx, gy, wgt, r):
    """Fisher matrices (P, 4, 4) of (x, y, flux, background) and chi-square gradients (P, 4)."""
    jac = np.stack([flux[:, None] * gx, flux[:, None] * gy, m, np.ones_like(m)], axis=1)
    jw = jac * wgt[:, None, :]
    return jw @ jac.transpose(0, 2, 1), (jw @ r[:, :, None])[..., 0]


def _each(f, mats, *args):
    """``f`` (np.linalg.solve or inv) on a stack of matrices, and which were singular (NaN)."""
    try:
        return f(mats, *args), np.zeros(len(mats), bool)
    except np.linalg.LinAlgError:
        out, singular = [], np.zeros(len(mats), bool)
        for i, a in enumerate(mats):
            try:
                out.append(f(a, *(b[i] for b in args)))
            except np.linalg.LinAlgError:
                out.append(np.full(args[0].shape[1:] if args else a.shape, np.nan))
                singular[i] = True
        return np.array(out), singular


def _levenberg_marquardt(models, d, var0, use, gain, half, state, first):
    """Weighted Levenberg-Marquardt on (x, y, flux, background) of P fits at once: for each, a
    Gauss-Newton step damped until its chi-square falls, as if alone (an undersampled PSF, a core
    of a third of a pixel, makes the surface flat inside a pixel and steep at its edges, where plain
    Gauss-Newton steps bounce between pixels). ``d``, ``var0``, ``use`` (P, pixels) are the windows'
    data, noise variances and usable pixels (image units); ``state`` [cx, cy, flux, bkg] arrays of P
    (window px, image units) to start from, ``first`` ``models`` there. Returns per fit (cx, cy,
    flux, bkg, converged, covariance (4, 4), chi-square), or None when its matrix is singular."""
    cx, cy, flux, bkg = (np.array(v, dtype=float) for v in state)
    m, gx, gy = (np.array(v) for v in first)
    chi, wgt, r = _weigh(d, var0, use, gain, flux, bkg, m)
    n = cx.size
    lam, step = np.full(n, 1e-4), np.zeros(n, int)
    todo, converged, bad = np.ones(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    while todo.any():
        a = np.flatnonzero(todo)
        fisher, grad = _fisher(flux[a], m[a], gx[a], gy[a], wgt[a], r[a])
        damp = np.eye(4) * np.diagonal(fisher, axis1=1, axis2=2)[:, None, :]
        delta, bad[a] = _each(np.linalg.solve, fisher + lam[a, None, None] * damp, grad[:, :, None])
        delta = delta[:, :, 0]
        big = np.maximum(np.abs(delta[:, 0]), np.abs(delta[:, 1]))
        scale = np.minimum(1.0, np.where(step[a] < 3, 0.5, 2.0) / np.maximum(big, 1e-12))
        t = np.stack([cx[a], cy[a], flux[a], bkg[a]], axis=1) + scale[:, None] * delta
        inside = ((-half <= t[:, 0]) & (t[:, 0] <= 2 * half) & (-half <= t[:, 1]) & (t[:, 1] <= 2 * half)
                  & np.isfinite(t[:, 2]) & ~bad[a])
        better = np.zeros(a.size, bool)
        if inside.any():
            e = a[inside]
            tm, tgx, tgy = models(t[inside, 0], t[inside, 1])
            tchi, twgt, tr = _weigh(d[e], var0[e], use[e], gain, t[inside, 2], t[inside, 3], tm)
            better[inside] = tchi <= chi[e]
            g, ok = a[better], (tchi <= chi[e])
            cx[g], cy[g], flux[g], bkg[g] = t[better].T
            chi[g], m[g], gx[g], gy[g], wgt[g], r[g] = tchi[ok], tm[ok], tgx[ok], tgy[ok], twgt[ok], tr[ok]
            lam[g] = np.maximum(lam[g] / 10.0, 1e-7)
            step[g] += 1
            # a step far below any error it could matter to (px): converged
            converged[g] = scale[better] * big[better] < 2e-4
            todo[g] = ~converged[g] & (step[g] < MAX_STEPS)
        rejected = ~better & ~bad[a]
        no = a[rejected]
        lam[no] *= 10.0
        # no step lowers the chi-square: at its minimum to rounding. Damping more only shortens the
        # step (its length in units of the diagonal's sigmas falls as the damping grows), so once
        # that length bounds any later move of the position below FLAT_PX, what is left of the
        # climb to the largest damping could not move the answer by more
        diag = np.diagonal(fisher[rejected], axis1=1, axis2=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            reach = np.sqrt((diag * delta[rejected] ** 2).sum(axis=1) / np.minimum(diag[:, 0], diag[:, 1]))
        converged[no] = (lam[no] >= 1e12) | (reach < FLAT_PX)
        todo[no] = ~converged[no]
        todo[a[bad[a]]] = False
    fisher, _ = _fisher(flux, m, gx, gy, wgt, r)
    cov, singular = _each(np.linalg.inv, fisher)
    return [
        None if bad[i] or singular[i]
        else (float(cx[i]), float(cy[i]), float(flux[i]), float(bkg[i]), bool(converged[i]), cov[i],
              float(chi[i]))
        for i in range(n)
    ]


def _grid_start(shifter, d, use, var0, cx, cy):
    """The best start among the shape's whole-fine-cell moves within about 1.3 px of the place it
    was rendered for (exact models, no interpolation); flux and background solved at each (a
    two-parameter weighted least squares in closed form, all the moves at once)."""
    q = shifter.q
    reach = max(1, int(round(1.34 * q)))
    moves = [(a, b) for a in range(-reach, reach + 1) for b in range(-reach, reach + 1)]
    w = np.sqrt(1.0 / var0[use])
    dd = d[use] * w
    m = np.stack([shifter.at_cells(a, b)[use] for a, b in moves]) * w  # (moves, pixels)
    s11, s12, s22 = (m * m).sum(axis=1), m @ w, w @ w
    t1, t2 = m @ dd, w @ dd
    det = s11 * s22 - s12 * s12
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (t1 * s22 - t2 * s12) / det
        bg = (s11 * t2 - s12 * t1) / det
    chi = ((dd - f[:, None] * m - bg[:, None] * w) ** 2).sum(axis=1)
    chi = np.where((det > 0) & ~np.isnan(chi), chi, np.inf)
    if not np.isfinite(chi).any():
        return cx, cy
    a, b = moves[int(np.argmin(chi))]
    return shifter.base[0] + a / q, shifter.base[1] + b / q


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
