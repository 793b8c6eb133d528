"""Which dot is Earth, which the Moon: matching sources to predictions by pattern, not by place.

A press picture is cropped, resized and turned; a spacecraft's pointing is off by many pixels. So
the match uses what survives all of that: the predicted brightness ratio, the separation (in
arcseconds when the pixel scale is known from a WCS or the camera, else free) and, with a WCS, the
position angle. Each hypothesis "source i is Earth, source j the Moon" gets a chi-square from those
terms; the best one wins only if every term is within 3 sigma, else the Moon is "not found".
With the pair, the roll (image up from north through east) and the scale follow; with one source
the answer says so. Parity (mirror) is taken from the WCS, else DESIGN's sky-as-seen (det CD < 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from astropy.coordinates import SkyCoord
from astropy.wcs import WCS

from .prediction import PredictedBody, parity
from .sources import Source

#: 1-sigma tolerance of a measured brightness ratio against the predicted one, as a factor.
RATIO_TOLERANCE = 2.0
#: 1-sigma tolerance of the pixel scale implied by a pair against the known one (fraction).
SCALE_TOLERANCE = 0.03
#: Candidates considered (brightest point-like sources).
MAX_CANDIDATES = 15


@dataclass
class Identification:
    """Identified bodies -> source index; the solved roll (deg) and scale (arcsec/px); notes."""

    bodies: dict[str, int] = field(default_factory=dict)
    roll_deg: float | None = None
    scale_arcsec: float | None = None
    parity: int = -1
    chi2: float = float("nan")
    notes: list[str] = field(default_factory=list)


def wcs_roll(wcs: WCS, x: float, y: float) -> float:
    """Roll (deg, 0..360) of a WCS at pixel (x, y): position angle of the image's +y direction."""
    ra, dec = wcs.all_pix2world([x, x], [y, y + 1.0], 0)
    return sep_pa(ra[0], dec[0], ra[1], dec[1])[1]


def wcs_scale(wcs: WCS, x: float, y: float) -> float:
    """Pixel scale (arcsec/px) of a WCS at pixel (x, y) (geometric mean of the two axes)."""
    ra, dec = wcs.all_pix2world([x, x + 1.0, x], [y, y, y + 1.0], 0)
    sx = sep_pa(ra[0], dec[0], ra[1], dec[1])[0]
    sy = sep_pa(ra[0], dec[0], ra[2], dec[2])[0]
    return float(math.sqrt(sx * sy))


def pixel_angle(dx: float, dy: float, par: int) -> float:
    """Angle (deg) of a pixel vector counted from image +y the way position angles run on the sky
    for this parity: toward -x when det CD < 0 (east left at roll 0), toward +x when mirrored."""
    return math.degrees(math.atan2(-dx if par < 0 else dx, dy))


def sep_pa(ra1: float, dec1: float, ra2: float, dec2: float) -> tuple[float, float]:
    """Separation (arcsec) and position angle (deg, north through east) from (ra1, dec1) to
    (ra2, dec2), all in degrees (Vincenty's formula, exact at any separation)."""
    a1, d1, a2, d2 = (math.radians(v) for v in (ra1, dec1, ra2, dec2))
    da = a2 - a1
    num1 = math.cos(d2) * math.sin(da)
    num2 = math.cos(d1) * math.sin(d2) - math.sin(d1) * math.cos(d2) * math.cos(da)
    den = math.sin(d1) * math.sin(d2) + math.cos(d1) * math.cos(d2) * math.cos(da)
    sep = math.degrees(math.atan2(math.hypot(num1, num2), den)) * 3600.0
    return sep, math.degrees(math.atan2(num1, num2)) % 360.0


def sky_offset(a, b) -> tuple[float, float]:
    """Separation (arcsec) and position angle (deg, north through east) from a to b (SkyCoords or
    anything with ``ra_deg``/``dec_deg``, such as a PredictedBody)."""
    return sep_pa(*_radec(a), *_radec(b))


def _radec(c) -> tuple[float, float]:
    if hasattr(c, "ra_deg"):
        return float(c.ra_deg), float(c.dec_deg)
    return float(c.ra.deg), float(c.dec.deg)


def identify(
    sources: list[Source],
    predicted: list[PredictedBody],
    *,
    wcs: WCS | None = None,
    pixel_scale_arcsec: float | None = None,
    par: int | None = None,
    stretched: bool = False,
) -> Identification:
    """Match sources to the predicted Earth and Moon (names 'earth', 'moon'; others by position).

    ``pixel_scale_arcsec`` (e.g. from the camera) constrains the separation when there is no WCS;
    ``par`` overrides the parity used to solve the roll when there is no WCS (default -1).
    ``stretched`` (an 8-bit press picture): pixel values are not light, so the brightness ratio
    only has to put Earth above the Moon.
    """
    pred = {p.name: p for p in predicted}
    par = parity(wcs) if wcs is not None else (par if par is not None else -1)
    out = Identification(parity=par)
    scale = None
    if wcs is not None:
        scale = wcs_scale(wcs, *(0.5 * (n - 1) for n in (_shape_of(wcs)[1], _shape_of(wcs)[0])))
    elif pixel_scale_arcsec:
        scale = pixel_scale_arcsec
    # an extended source may still be a body seen close (Earth 30 px across from Venus): it stays
    # a candidate while no bigger than the biggest predicted body plus the PSF's reach
    biggest = max((p.diameter_arcsec for p in predicted), default=0.0) / scale + 6 if scale else 0.0

    def usable(s: Source) -> bool:
        if "hot" in s.flags or any(f.startswith("star") for f in s.flags) or s.flux <= 0:
            return False
        # a saturated body's isophote spreads far into its wings: give it three times the room
        room = 3 * biggest if "saturated" in s.flags else 1.5 * biggest
        return s.pointlike or 2 * math.sqrt(s.area / math.pi) <= room

    cands = [k for k, s in enumerate(sources) if usable(s)][:MAX_CANDIDATES]
    if not cands:
        out.notes.append("no point-like source in the frame")
        return out
    if "earth" not in pred:
        out.notes.append("Earth is not among the targets: nothing to anchor the match")
        return out
    earth = pred["earth"]
    moon = pred.get("moon")
    fmax = max(sources[k].flux for k in cands)
    scale = (
        wcs_scale(wcs, sources[cands[0]].x, sources[cands[0]].y) if wcs is not None else pixel_scale_arcsec
    )
    if wcs is not None:
        ra_c, dec_c = wcs.all_pix2world([sources[k].x for k in cands], [sources[k].y for k in cands], 0)
        sky = {k: (float(ra_c[n]), float(dec_c[n])) for n, k in enumerate(cands)}
        ny, nx = _shape_of(wcs)
        (epx,), (epy,) = wcs.all_world2pix([earth.ra_deg], [earth.dec_deg], 0)
        # a pointing error is allowed, up to a tenth of the frame's diagonal at 1 sigma; beyond
        # 3 sigma a source is not Earth, however bright (a star in a field Earth is not in)
        earth_tol = 0.1 * math.hypot(nx, ny)
    best: tuple[float, int, int | None] | None = None  # best single-Earth hypothesis
    pair: tuple[float, int, int] | None = None  # best Earth + Moon hypothesis within 3 sigma
    for i in cands:
        si = sources[i]
        # Earth is expected to be the brightest dot; each factor of 10 fainter costs 1 sigma
        e_term = (math.log10(fmax / si.flux)) ** 2
        if wcs is not None:
            far = math.hypot(epx - si.x, epy - si.y) / earth_tol
            if far > 3:
                continue
            e_term += far**2
        if best is None or e_term < best[0]:
            best = (e_term, i, None)
        if moon is None:
            continue
        sep_pred, pa_pred = sky_offset(earth, moon)
        ratio_pred = 10 ** (-0.4 * (moon.magnitude - earth.magnitude))
        for j in cands:
            if j == i:
                continue
            sj = sources[j]
            dx, dy = sj.x - si.x, sj.y - si.y
            sep_px = math.hypot(dx, dy)
            if sep_px < 1.0:
                continue
            lr = math.log(sj.flux / si.flux / ratio_pred)
            if "saturated" in si.flags:  # Earth's flux is then a lower bound: the ratio an upper one
                lr = min(lr, 0.0)
            tol = math.log(RATIO_TOLERANCE)
            if stretched:  # only the order counts: the Moon fainter than Earth
                lr, tol = max(math.log(sj.flux / si.flux), 0.0), math.log(1.5)
            chi = e_term + (lr / tol) ** 2
            terms_ok = abs(lr) <= 3 * tol
            if wcs is not None:
                sep_m, pa_m = sep_pa(*sky[i], *sky[j])
                # the Moon's offset from Earth, measured minus predicted, in pixels
                d_xi = sep_m * math.sin(math.radians(pa_m)) - sep_pred * math.sin(math.radians(pa_pred))
                d_eta = sep_m * math.cos(math.radians(pa_m)) - sep_pred * math.cos(math.radians(pa_pred))
                tol = max(2.0, 0.03 * sep_pred / scale)
                pos = math.hypot(d_xi, d_eta) / scale / tol
                chi += pos**2
                terms_ok &= pos <= 3
            elif scale:
                s_term = (sep_px * scale / sep_pred - 1.0) / SCALE_TOLERANCE
                chi += s_term**2
                terms_ok &= abs(s_term) <= 3
            if terms_ok and (pair is None or chi < pair[0]):
                pair = (chi, i, j)
    if best is None:  # only with a WCS: every candidate too far from Earth's predicted place
        where = "inside" if -0.5 <= epx <= nx - 0.5 and -0.5 <= epy <= ny - 0.5 else "outside"
        out.notes.append(
            f"Earth not found: no source within {3 * earth_tol:.0f} px of its predicted "
            f"place (x {epx:.0f}, y {epy:.0f}, {where} the frame) on the frame's sky"
        )
        return out
    out.chi2, i, j = pair if pair is not None else best
    out.bodies["earth"] = i
    if j is not None:
        out.bodies["moon"] = j
        si, sj = sources[i], sources[j]
        sep_pred, pa_pred = sky_offset(earth, moon)
        dx, dy = sj.x - si.x, sj.y - si.y
        out.roll_deg = (pa_pred - pixel_angle(dx, dy, par)) % 360.0
        out.scale_arcsec = sep_pred / math.hypot(dx, dy)
    elif moon is not None:
        out.notes.append(
            "one source only matches: Earth; no source fits the Moon's predicted brightness and place"
        )
    return out


def _shape_of(wcs: WCS) -> tuple[int, int]:
    if wcs.pixel_shape is not None:
        nx, ny = wcs.pixel_shape
        return int(ny), int(nx)
    return 1024, 1024


def solved_wcs(
    x: float,
    y: float,
    at: SkyCoord,
    roll_deg: float,
    scale_arcsec: float,
    par: int = -1,
    shape: tuple[int, int] | None = None,
) -> WCS:
    """A TAN WCS putting ``at`` on pixel (x, y) (0-based) with the given roll, scale and parity."""
    s = scale_arcsec / 3600.0
    t = math.radians(roll_deg)
    c, n = math.cos(t), math.sin(t)
    cd = s * (np.array([[-c, n], [n, c]]) if par < 0 else np.array([[c, n], [-n, c]]))
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = list(_radec(at))
    w.wcs.crpix = [x + 1.0, y + 1.0]
    w.wcs.cd = cd
    w.wcs.radesys = "ICRS"
    if shape is not None:
        w.pixel_shape = (shape[1], shape[0])
    return w
