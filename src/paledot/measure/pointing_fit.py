"""The pointing fitted to paired stars: a TAN WCS about the optical axis, weighted, clipped, refined.

From a first similarity transform (the pattern match of :mod:`paledot.measure.star_patterns`) every
usable detection is paired with its nearest predicted catalogue star (one detection per star) and
sky = a w + b fitted by weighted least squares (each pair weighted by its centroid's uncertainty,
its kind of centroid's systematic floor and its star's catalogue place's, in quadrature); pairs
beyond 4 robust sigma are clipped and the tangent point moved onto the optical axis, until the pairs
stop changing; optionally a SIP polynomial on top (astropy's ``fit_wcs_from_points``). The fit is
then judged: refused with too few stars, too large an rms or too few of the bright catalogue stars
it puts on the frame found. Also the tangent-plane helpers the solve shares.

Units and conventions: pixels 0-based (x, y), y up (DESIGN.md); ``w`` is a pixel about the optical
axis as a complex number, x mirrored when det CD < 0 (:func:`_w`); tangent-plane standard
coordinates xi + i eta in radians, ``a`` in rad per px; the WCS written is FITS 1-based (CRPIX on
the optical axis); results in degrees and arcseconds.

This module only fits and judges pairs it is handed: it never reads the catalogue or searches for a
pattern, never builds the public result types (:mod:`paledot.measure.pointing` does, from
:class:`StarFit`) and must never import :mod:`paledot.measure.pointing`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from astropy.wcs import WCS

from .._io.errors import PaledotError

#: Fewer matched stars than this and the pointing is not solved from stars.
MIN_STARS = 3
#: A solution is refused when its rms residual exceeds this (px).
MAX_RMS_PX = 1.0
#: ... or this with fewer than FEW_STARS stars: 3 or 4 pairs leave a similarity fit 2-4 degrees of
#: freedom, so any 3 bright dots (text glyphs on an annotated picture) land within a pixel of some
#: 3 stars; real stars, even on a resized picture, fit far better.
MAX_RMS_FEW_PX = 0.4
FEW_STARS = 5
#: Of the catalogue stars the solution puts on the frame at least as bright as its matched stars,
#: at least this share must have been detected.
MIN_COMPLETENESS = 0.5
#: Systematic floor added to each star's centroid uncertainty in the fit's weights (px): a
#: detection centroid's ...
SIGMA_FLOOR_PX = 0.02
#: ... and a PSF fit's (its own uncertainty already holds the misfit: the Cramer-Rao bound scaled
#: by the fit's reduced chi-square); what is left unmodelled shows in the solve's chi-square.
PSF_FLOOR_PX = 0.002


# --- the tangent plane ------------------------------------------------------------------------
def _unit(ra_deg: float, dec_deg: float) -> np.ndarray:
    a, d = math.radians(ra_deg), math.radians(dec_deg)
    return np.array([math.cos(d) * math.cos(a), math.cos(d) * math.sin(a), math.sin(d)])


def _basis(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """East and north unit vectors at the tangent point ``t`` (a unit vector)."""
    east = np.cross([0.0, 0.0, 1.0], t)
    if np.linalg.norm(east) < 1e-12:
        east = np.array([0.0, 1.0, 0.0])
    east /= np.linalg.norm(east)
    return east, np.cross(t, east)


def _tangent(dirs: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gnomonic standard coordinates (xi east, eta north; rad) of unit vectors about ``t``;
    NaN for directions 90 degrees or more away."""
    east, north = _basis(t)
    z = dirs @ t
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(z > 1e-6, z, np.nan)
        return (dirs @ east) / z, (dirs @ north) / z


def _untangent(xi: complex, t: np.ndarray) -> np.ndarray:
    east, north = _basis(t)
    v = t + xi.real * east + xi.imag * north
    return v / np.linalg.norm(v)


def _radec(v: np.ndarray) -> tuple[float, float]:
    return math.degrees(math.atan2(v[1], v[0])) % 360.0, math.degrees(math.asin(max(-1.0, min(1.0, v[2]))))


def _w(pts: np.ndarray, par: int, cx: float, cy: float) -> np.ndarray:
    """Pixel positions as the complex numbers a similarity maps onto the sky plane: x mirrored
    when det CD < 0 (east left), about the optical axis."""
    d = pts - (cx + 1j * cy)
    return (d.real if par > 0 else -d.real) + 1j * d.imag


def _star_sigma(s) -> float:
    """A star's centroid uncertainty as the fit weighs it (px, one figure for both axes: their
    quadratic mean) with the systematic floor of its kind of centroid added in quadrature."""
    xe = s.x_err if math.isfinite(s.x_err) and s.x_err > 0 else 1e-3
    ye = s.y_err if math.isfinite(s.y_err) and s.y_err > 0 else 1e-3
    floor = PSF_FLOOR_PX if s.method == "psf" else SIGMA_FLOOR_PX
    return math.sqrt((xe * xe + ye * ye) / 2 + floor * floor)


@dataclass
class StarFit:
    """An accepted fit of the pointing to paired stars: the WCS, the pairs (source index, catalogue
    index) with their residuals measured minus solved (px, (N, 2)) and weights (px), the plain and
    weighted rms (px), the sky at the frame's centre pixel (deg), the roll there (deg), the scale
    (arcsec/px) with their 1-sigma uncertainties (the centre's in arcsec), notes, and the fit
    itself: sky plane = a w about the optical axis (rad per px) with its covariance, about the
    tangent point ``t`` (unit vector, ICRF)."""

    wcs: WCS
    pairs: list[tuple[int, int]]
    dxy: np.ndarray
    sig: np.ndarray
    rms_px: float
    wrms_px: float
    ra_deg: float
    dec_deg: float
    roll_deg: float
    scale_arcsec: float
    centre_err_arcsec: float
    roll_err_deg: float
    scale_err_arcsec: float
    notes: list[str] = field(default_factory=list)
    a: complex = 0j
    cov: np.ndarray | None = None
    t: np.ndarray | None = None


def fit_stars(sources, usable, par, a, b, t, cat, axis, shape, sip_degree: int = 0) -> StarFit | str:
    """Nearest-neighbour pairing and least-squares refit until the pairs settle; then the checks.
    ``cat`` is (unit vectors, HIP, V, place uncertainty rad) of the catalogue stars; a pair's weight
    holds its centroid's uncertainty and its star's place's. Returns the fit, or why it is refused
    (one line)."""
    from scipy.spatial import cKDTree

    dirs, hip, vmag, cat_sig = cat

    rows, cols = shape
    cx, cy = axis
    # move the tangent point onto the optical axis first: b is where the axis falls on the plane
    t = _untangent(b, t)
    xi, eta = _tangent(dirs, t)
    b = 0j
    pos = {k: (sources[k].x, sources[k].y, _star_sigma(sources[k])) for k in usable}
    radius_px = max(3.0, 0.01 * 0.5 * math.hypot(cols, rows))
    pairs: list[tuple[int, int]] = []
    cov = np.full((4, 4), np.nan)
    rms = float("nan")
    for _ in range(12):
        sky = xi + 1j * eta
        fine = np.isfinite(sky)
        # predicted pixels of every catalogue star under the current transform
        wpred = (sky - b) / a
        px = np.where(fine, (wpred.real if par > 0 else -wpred.real) + cx, np.nan)
        py = np.where(fine, wpred.imag + cy, np.nan)
        on = fine & (px > -5) & (px < cols + 4) & (py > -5) & (py < rows + 4)
        ids = np.flatnonzero(on)
        if ids.size < MIN_STARS:
            return "the solution puts fewer than 3 catalogue stars on the frame"
        tree = cKDTree(np.stack((px[ids], py[ids]), axis=1))
        xy = np.array([pos[k][:2] for k in usable])
        d, j = tree.query(xy, distance_upper_bound=radius_px)
        cand = {}
        for n, k in enumerate(usable):  # one detection per star: the nearest
            if np.isfinite(d[n]) and (ids[j[n]] not in cand or d[n] < cand[ids[j[n]]][0]):
                cand[ids[j[n]]] = (d[n], k)
        new_pairs = sorted((k, int(s)) for s, (_, k) in cand.items())
        if len(new_pairs) < MIN_STARS:
            return f"only {len(new_pairs)} detection(s) fall on catalogue stars (at least {MIN_STARS} needed)"
        w = _w(np.array([pos[k][0] + 1j * pos[k][1] for k, _ in new_pairs]), par, cx, cy)
        z = np.array([sky[s] for _, s in new_pairs])
        sig = np.array([math.hypot(pos[k][2], cat_sig[j] / abs(a)) for k, j in new_pairs])
        keep = np.ones(len(new_pairs), bool)
        for _clip in range(5):
            a, b, cov, resid = _fit(w[keep], z[keep], sig[keep])
            # residuals of every pair in units of its own sigma; beyond 4 robust sigma (the scale
            # taken from the median, and never below 1) a pair is a chance neighbour or a blend
            u = np.abs(z - (a * w + b)) / abs(a) / sig
            scale = max(float(np.median(u[keep])) / 1.1774, 1.0)
            again = u <= 4 * scale
            if again.sum() < MIN_STARS or (again == keep).all():
                break
            keep = again
        unclipped = new_pairs
        new_pairs = [p for p, k in zip(new_pairs, keep, strict=True) if k]
        w, sig = w[keep], sig[keep]
        # re-centre the tangent point on the optical axis (b -> 0): TAN about the axis is exact
        t = _untangent(b, t)
        xi, eta = _tangent(dirs, t)
        sky = xi + 1j * eta
        z = np.array([sky[s] for _, s in new_pairs])
        a, b, cov, resid = _fit(w, z, sig)
        res_px = np.abs(resid) / abs(a)
        rms = float(np.sqrt(np.mean(res_px**2)))
        radius_px = max(1.5, 5 * _wrms(res_px, sig))
        if new_pairs == pairs and abs(b) < 1e-12:
            break
        pairs = new_pairs
    pairs = new_pairs
    if len(pairs) < MIN_STARS:
        return f"only {len(pairs)} star(s) left after outliers were clipped"
    wcs = _to_wcs(t, a, par, cx, cy, shape)
    ra_all = np.degrees(np.arctan2(dirs[:, 1], dirs[:, 0])) % 360.0
    dec_all = np.degrees(np.arcsin(np.clip(dirs[:, 2], -1.0, 1.0)))
    extra: list[str] = []
    if sip_degree:
        # from every pair before the clip: a plain TAN fit's outliers may be the distortion itself
        # (the SIP stage clips its own, by its own residuals)
        got = _sip_stage(pos, usable, unclipped, ra_all, dec_all, wcs, sip_degree, shape)
        if isinstance(got, str):
            extra.append(got)
        else:
            wcs, pairs = got
    # residuals measured minus solved, through the WCS itself
    sx, sy = wcs.all_world2pix(ra_all[[s for _, s in pairs]], dec_all[[s for _, s in pairs]], 0)
    dxy = np.array([pos[k][:2] for k, _ in pairs]) - np.stack((sx, sy), axis=1)
    res_px = np.hypot(dxy[:, 0], dxy[:, 1])
    sig = np.array([math.hypot(pos[k][2], cat_sig[j] / abs(a)) for k, j in pairs])
    rms = float(np.sqrt(np.mean(res_px**2)))
    limit = MAX_RMS_FEW_PX if len(pairs) < FEW_STARS else MAX_RMS_PX
    if rms > limit:
        return f"the best star match leaves {rms:.2f} px rms (at most {limit:g} px accepted" + (
            f" with fewer than {FEW_STARS} stars)" if limit == MAX_RMS_FEW_PX else ")"
        )
    # completeness: catalogue stars the solution puts well inside the frame, as bright as the
    # third-brightest matched star, must mostly be found
    matched = {s for _, s in pairs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stars far off the frame may not converge under SIP
        px, py = (
            wcs.all_world2pix(ra_all, dec_all, 0, quiet=True)
            if wcs.sip
            else wcs.all_world2pix(ra_all, dec_all, 0)
        )
    on = np.isfinite(px) & np.isfinite(py)
    vcut = sorted(vmag[s] for s in matched)[min(2, len(matched) - 1)]
    inside = np.flatnonzero(on & (px > 5) & (px < cols - 6) & (py > 5) & (py < rows - 6) & (vmag <= vcut))
    found = sum(1 for s in inside if s in matched)
    if inside.size and found / inside.size < MIN_COMPLETENESS:
        return (
            f"a chance match: only {found} of the {inside.size} bright catalogue stars it puts on "
            "the frame were detected"
        )
    scale_arcsec = abs(a) * 206264.80624709636
    # centre of the frame: its sky place, roll and the fit's uncertainty there
    from .identify import wcs_roll

    fx, fy = (cols - 1) / 2.0, (rows - 1) / 2.0
    (ra_c,), (dec_c,) = wcs.all_pix2world([fx], [fy], 0)
    wc = _w(np.array([fx + 1j * fy]), par, cx, cy)[0]
    jac = np.array([[wc.real, -wc.imag, 1.0, 0.0], [wc.imag, wc.real, 0.0, 1.0]])
    ccov = jac @ cov @ jac.T
    centre_err = math.degrees(math.sqrt(max(np.trace(ccov), 0.0))) * 3600.0
    g = np.array([a.real, a.imag]) / abs(a)
    scale_err = math.sqrt(max(g @ cov[:2, :2] @ g, 0.0)) * 206264.80624709636
    h = np.array([-a.imag, a.real]) / abs(a) ** 2
    roll_err = math.degrees(math.sqrt(max(h @ cov[:2, :2] @ h, 0.0)))
    notes = extra + (
        []
        if len(pairs) > 4
        else [f"only {len(pairs)} stars: the uncertainties rest on few degrees of freedom"]
    )
    if wcs.sip is not None:
        notes.append(
            f"SIP distortion of degree {sip_degree} fitted; centre, roll and scale and their "
            "uncertainties are the undistorted fit's"
        )
    return StarFit(
        wcs,
        pairs,
        dxy,
        sig,
        rms,
        _wrms(res_px, sig),
        float(ra_c),
        float(dec_c),
        wcs_roll(wcs, fx, fy),
        scale_arcsec,
        centre_err,
        roll_err,
        scale_err,
        notes,
        a,
        cov,
        t,
    )


def _sip_stage(pos, usable, pairs, ra_all, dec_all, wcs, degree: int, shape):
    """Refit ``wcs`` with a SIP polynomial of ``degree`` on the matched stars, re-pairing every
    usable detection with its nearest star under the new WCS until the pairs settle.
    Returns (wcs, pairs), or a note saying why SIP was left out."""
    from astropy.coordinates import SkyCoord
    from astropy.wcs.utils import fit_wcs_from_points
    from scipy.spatial import cKDTree

    if not 2 <= int(degree) <= 5:
        raise PaledotError(f"SIP degree {degree!r} must be a whole number from 2 to 5")
    degree = int(degree)
    terms = 2 * ((degree + 1) * (degree + 2) // 2 - 3) + 6  # SIP A and B, CD and CRPIX
    rows, cols = shape
    centre = SkyCoord(*wcs.wcs.crval, unit="deg")
    radius = 3.0
    for _ in range(8):
        if 2 * len(pairs) < 3 * terms:
            return f"SIP of degree {degree} left out: {len(pairs)} stars for {terms} parameters"
        xy = np.array([pos[k][:2] for k, _ in pairs])
        stars = [s for _, s in pairs]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = fit_wcs_from_points(
                (xy[:, 0], xy[:, 1]),
                SkyCoord(ra_all[stars], dec_all[stars], unit="deg"),
                proj_point=centre,
                projection="TAN",
                sip_degree=degree,
            )
            px, py = fit.all_world2pix(ra_all, dec_all, 0, quiet=True)
        fit.pixel_shape = (cols, rows)
        on = np.flatnonzero(
            np.isfinite(px) & np.isfinite(py) & (px > -5) & (px < cols + 4) & (py > -5) & (py < rows + 4)
        )
        sx, sy = px[stars], py[stars]
        res = np.hypot(xy[:, 0] - sx, xy[:, 1] - sy)
        radius = max(1.0, 5 * 1.4826 * float(np.median(res)))
        tree = cKDTree(np.stack((px[on], py[on]), axis=1))
        d, j = tree.query(np.array([pos[k][:2] for k in usable]), distance_upper_bound=radius)
        cand: dict[int, tuple[float, int]] = {}
        for n, k in enumerate(usable):
            if np.isfinite(d[n]) and (on[j[n]] not in cand or d[n] < cand[on[j[n]]][0]):
                cand[int(on[j[n]])] = (float(d[n]), k)
        new = sorted((k, s) for s, (_, k) in cand.items())
        wcs = fit
        if new == pairs:
            break
        pairs = new
    return wcs, pairs


def _wrms(res_px: np.ndarray, sig: np.ndarray) -> float:
    """Weighted rms (px) of residuals with uncertainties ``sig`` (px)."""
    wt = 1.0 / sig**2
    return float(np.sqrt((wt * res_px**2).sum() / wt.sum()))


def _fit(
    w: np.ndarray, z: np.ndarray, sig: np.ndarray | None = None
) -> tuple[complex, complex, np.ndarray, np.ndarray]:
    """Weighted least squares z = a w + b (complex; as 4 real parameters), weights 1/sig**2 (sig in
    the units of w), with the covariance scaled by the reduced chi-square (2N - 4 degrees of
    freedom; with N = 2 the prior sig alone)."""
    n = w.size
    sig = np.ones(n) if sig is None else np.asarray(sig, dtype=float)
    A = np.zeros((2 * n, 4))
    A[0::2] = np.stack((w.real, -w.imag, np.ones(n), np.zeros(n)), axis=1)
    A[1::2] = np.stack((w.imag, w.real, np.zeros(n), np.ones(n)), axis=1)
    y = np.empty(2 * n)
    y[0::2], y[1::2] = z.real, z.imag
    wt = np.repeat(1.0 / sig, 2)
    p, *_ = np.linalg.lstsq(A * wt[:, None], y * wt, rcond=None)
    a, b = complex(p[0], p[1]), complex(p[2], p[3])
    resid = z - (a * w + b)
    dof = 2 * n - 4
    chi2 = float(((np.abs(resid) / (sig * abs(a))) ** 2).sum()) / dof if dof > 0 else 1.0
    cov = max(chi2, 1.0) * np.linalg.pinv((A * wt[:, None]).T @ (A * wt[:, None])) * abs(a) ** 2
    return a, b, cov, resid


def _to_wcs(t: np.ndarray, a: complex, par: int, cx: float, cy: float, shape: tuple[int, int]) -> WCS:
    """The TAN WCS of sky = a w (tangent point ``t`` on pixel (cx, cy)), FITS 1-based."""
    ra, dec = _radec(t)
    # xi + i eta = a (par dx + i dy): xi = Re(a) par dx - Im(a) dy, eta = Im(a) par dx + Re(a) dy
    cd = np.degrees(np.array([[par * a.real, -a.imag], [par * a.imag, a.real]]))
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra, dec]
    w.wcs.crpix = [cx + 1.0, cy + 1.0]
    w.wcs.cd = cd
    w.wcs.radesys = "ICRS"
    w.pixel_shape = (shape[1], shape[0])
    return w
