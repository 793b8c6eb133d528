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
#: 1-sigma tolerance of the pixel scale implied by a pair against the known one (fraction): a
#: camera's scale is known to a fraction of a percent, a resize factor from the picture's size too.
SCALE_TOLERANCE = 0.01
#: Earth candidates considered (brightest point-like sources on sky).
MAX_CANDIDATES = 15
#: Moon candidates considered (brightest first, down to the marginal significance).
MAX_MOON_CANDIDATES = 300
#: Stretched pictures: the measured magnitude difference may miss the predicted one by this much.
STRETCH_MAG = 1.5


@dataclass
class Identification:
    """Identified bodies -> source index; the solved roll (deg) and scale (arcsec/px); notes."""

    bodies: dict[str, int] = field(default_factory=dict)
    roll_deg: float | None = None
    scale_arcsec: float | None = None
    parity: int = -1
    chi2: float = float("nan")
    notes: list[str] = field(default_factory=list)
    #: True when the sky (a WCS) or a pair that is not chance puts Earth where it was named
    confirmed: bool = False
    #: expected chance coincidences for the pair taken (nan: no pair)
    false_alarm: float = float("nan")
    #: the camera or pixel scale the pair's separation was tested against, when it was assumed
    assumed: str = ""
    assumed_scale_arcsec: float | None = None
    evidence: dict = field(default_factory=dict)


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


@dataclass
class ScaleHypothesis:
    """A pixel scale to test a pair against (arcsec per pixel of the picture) and what it assumes."""

    scale_arcsec: float
    label: str


#: Flags that keep a source from being any body: off the sky, a glyph, a block, a catalogue star.
NOT_A_BODY = ("hot", "not sky", "text", "jpeg block", "holds points")


def identify(sources: list[Source], predicted: list[PredictedBody], *, scales=None, **kw) -> Identification:
    """Match sources to the predicted Earth and Moon (see :func:`identify_at`) at the scale
    hypotheses; when none fits a pair, the best pair at a free scale is named as a candidate."""
    out = identify_at(sources, predicted, scales=scales, **kw)
    if "moon" in out.bodies and out.confirmed:
        return out
    if scales and kw.get("wcs") is None and "earth" in out.bodies:
        # no scale tried fits a pair, or only by chance: the best pair at a free scale, a candidate
        # only (its roll and scale are reported; nothing confirms it). Of two unconfirmed pairs the
        # one with the more significant Moon is the likelier: a chance pair at a tried scale is
        # mostly a faint dot that happens to lie at the right distance
        free = identify_at(sources, predicted, scales=[], **kw)
        snr = kw.get("snr")

        def significance(k: int) -> float:
            v = snr[k] if snr is not None else sources[k].snr
            return v if math.isfinite(v) else -math.inf

        if ("moon" in free.bodies and free.bodies["earth"] == out.bodies["earth"]
                and ("moon" not in out.bodies
                     or significance(free.bodies["moon"]) > significance(out.bodies["moon"]))):
            free.notes.append("no pixel scale tried fits the pair: its scale is the pair's own")
            return free
    return out


def identify_at(
    sources: list[Source],
    predicted: list[PredictedBody],
    *,
    wcs: WCS | None = None,
    pixel_scale_arcsec: float | None = None,
    par: int | None = None,
    stretched: bool = False,
    snr: list[float] | None = None,
    scales: list[ScaleHypothesis] | None = None,
    shape: tuple[int, int] | None = None,
    echo=None,
) -> Identification:
    """Match sources to the predicted Earth and Moon (names 'earth', 'moon'; others by position).

    A source may be Earth at ``SNR_NAMED`` (empty-aperture ``snr``, else the source's own), the Moon
    from ``SNR_MARGINAL``; flagged sources (off the sky, text, JPEG blocks, stars) never. Without a
    WCS, ``scales`` (or ``pixel_scale_arcsec``) are the pixel scales to test the pair's separation
    against, the roll free; with neither, the separation is free and the pair proves little. A pair
    is taken only when its expected number of chance coincidences (``Identification.false_alarm``,
    priced over every candidate and scale tried) is below ``FALSE_ALARM_MAX``. Without a pair,
    Earth is the brightest candidate: ``confirmed`` only where a WCS puts it there. ``echo(earth,
    other)`` (a JPEG's, :func:`paledot.measure.sky_mask.jpeg_echo_test`) rules out Moon candidates
    that may be Earth's own compression echoes.
    ``stretched`` (an 8-bit picture): the ratio is judged loosely, but never its sign beyond 1 mag.
    """
    from .evidence import FALSE_ALARM_MAX, SNR_MARGINAL, SNR_NAMED

    pred = {p.name: p for p in predicted}
    par = parity(wcs) if wcs is not None else (par if par is not None else -1)
    out = Identification(parity=par)
    if scales is None and pixel_scale_arcsec:
        scales = [ScaleHypothesis(float(pixel_scale_arcsec), "the camera's")]
    scales = scales or []
    ny, nx = shape if shape is not None else (_shape_of(wcs) if wcs is not None else (1024, 1024))
    area = float(nx * ny)
    scale = None
    if wcs is not None:
        scale = wcs_scale(wcs, 0.5 * (nx - 1), 0.5 * (ny - 1))
    elif scales:
        scale = min(h.scale_arcsec for h in scales)
    # an extended source may still be a body seen close (Earth 30 px across from Venus): it stays
    # a candidate while no bigger than the biggest predicted body plus the PSF's reach (with no
    # scale at all its size in pixels is unknown: any size)
    biggest = max((p.diameter_arcsec for p in predicted), default=0.0) / scale + 6 if scale else math.inf
    sig = [snr[k] if snr is not None else s.snr for k, s in enumerate(sources)]

    def usable(k: int) -> bool:
        s = sources[k]
        if any(f in NOT_A_BODY or f.startswith("star") for f in s.flags) or s.flux <= 0:
            return False
        if not math.isfinite(sig[k]) or sig[k] < SNR_MARGINAL:
            return False
        # a saturated body's isophote spreads far into its wings: give it three times the room
        # (and a stretched picture's: the stretch lifts the PSF's wings into the isophote)
        room = 3 * biggest if "saturated" in s.flags or stretched else 1.5 * biggest
        # its size: the isophote's, or its light's (moments) when a stretch spreads the isophote
        size = min(2 * math.sqrt(s.area / math.pi), 2 * 2.3548 * math.sqrt(max(s.a * s.b, 0.0)))
        return s.pointlike or size <= room

    ok = [k for k in range(len(sources)) if usable(k)]
    # a dot cut by the frame's edge is never the first guess; a stretched picture ranks by peak
    # (its sums grow with a glow's size, not with the light of a point)
    inner = [k for k in ok if "edge" not in sources[k].flags]
    ok = inner + [k for k in ok if "edge" in sources[k].flags]
    if stretched:
        ok.sort(key=lambda k: -(sources[k].peak if math.isfinite(sources[k].peak) else 0.0))
    if echo is not None:  # a JPEG echo of a brighter dot is neither body: it is that dot's
        ok = [k for k in ok if not any(echo(sources[b], sources[k]) for b in ok[:MAX_CANDIDATES]
                                       if b != k and sources[b].peak > 2 * sources[k].peak)]
    cands = [k for k in ok if sig[k] >= SNR_NAMED][:MAX_CANDIDATES]
    moons = ok[:MAX_MOON_CANDIDATES]
    out.evidence = {"n_detections": len(sources), "n_candidates": len(cands),
                    "n_faint_candidates": len(moons)}
    if not cands:
        faint = sum(1 for k in range(len(sources)) if not (math.isfinite(sig[k]) and sig[k] >= SNR_NAMED))
        out.notes.append(
            f"Earth not found: no point-like source on sky at SNR >= {SNR_NAMED:g} "
            f"({len(sources)} detections, {faint} of them fainter)"
        )
        return out
    if "earth" not in pred:
        out.notes.append("Earth is not among the targets: nothing to anchor the match")
        return out
    earth = pred["earth"]
    moon = pred.get("moon")
    bright = {k: (sources[k].peak if stretched else sources[k].flux) for k in cands}
    bmax = max(bright.values())
    if wcs is not None:
        ra_c, dec_c = wcs.all_pix2world([sources[k].x for k in moons], [sources[k].y for k in moons], 0)
        sky = {k: (float(ra_c[n]), float(dec_c[n])) for n, k in enumerate(moons)}
        (epx,), (epy,) = wcs.all_world2pix([earth.ra_deg], [earth.dec_deg], 0)
        # a pointing error is allowed, up to a tenth of the frame's diagonal at 1 sigma; beyond
        # 3 sigma a source is not Earth, however bright (a star in a field Earth is not in)
        earth_tol = 0.1 * math.hypot(nx, ny)
    best: tuple[float, int] | None = None  # best single-Earth hypothesis
    pair: tuple[float, int, int, ScaleHypothesis | None] | None = None
    n_ratio = 0  # pairs passing the brightness test: the trials the position test has to beat
    sep_pred, pa_pred = sky_offset(earth, moon) if moon is not None else (0.0, 0.0)
    ratio_pred = 10 ** (-0.4 * (moon.magnitude - earth.magnitude)) if moon is not None else 1.0
    dm_pred = moon.magnitude - earth.magnitude if moon is not None else 0.0
    for i in cands:
        si = sources[i]
        # Earth is expected to be the brightest dot; each factor of 10 fainter costs 1 sigma
        e_term = (math.log10(bmax / max(bright[i], 1e-12))) ** 2 + (0.5 if "edge" in si.flags else 0.0)
        if wcs is not None:
            far = math.hypot(epx - si.x, epy - si.y) / earth_tol
            if far > 3:
                continue
            e_term += far**2
        if best is None or e_term < best[0]:
            best = (e_term, i)
        # without a sky, Earth is among the brightest: a tenth of the brightest dot's light at least
        if moon is None or (wcs is None and bright[i] < 0.1 * bmax):
            continue
        own = earth_reach(si)
        for j in moons:
            if j == i:
                continue
            sj = sources[j]
            dx, dy = sj.x - si.x, sj.y - si.y
            sep_px = math.hypot(dx, dy)
            # within Earth's own image: its wing, a ring, a JPEG echo; never a dot that is itself
            # saturated (no wing of Earth's is: it would be Earth's clipped core)
            if sep_px < own and "saturated" not in sj.flags:
                continue
            if echo is not None and echo(si, sj):
                continue
            passed, r_term = _ratio_test(sj.flux / si.flux, ratio_pred, dm_pred, stretched,
                                         "saturated" in si.flags)
            if not passed:
                continue
            n_ratio += 1
            chi = e_term + r_term
            hyp = None
            if wcs is not None:
                sep_m, pa_m = sep_pa(*sky[i], *sky[j]) if i in sky else (sep_px * scale, 0.0)
                # the Moon's offset from Earth, measured minus predicted, in pixels
                d_xi = sep_m * math.sin(math.radians(pa_m)) - sep_pred * math.sin(math.radians(pa_pred))
                d_eta = sep_m * math.cos(math.radians(pa_m)) - sep_pred * math.cos(math.radians(pa_pred))
                tol = max(2.0, 0.03 * sep_pred / scale)
                pos = math.hypot(d_xi, d_eta) / scale / tol
                if pos > 3:
                    continue
                chi += pos**2
            elif scales:
                terms = [((sep_px - sep_pred / h.scale_arcsec) / _sep_sigma(sep_pred / h.scale_arcsec), h)
                         for h in scales]
                s_term, hyp = min(terms, key=lambda t: abs(t[0]))
                if abs(s_term) > 3:
                    continue
                chi += s_term**2
            if pair is None or chi < pair[0]:
                pair = (chi, i, j, hyp)
    if best is None:  # only with a WCS: every candidate too far from Earth's predicted place
        where = "inside" if -0.5 <= epx <= nx - 0.5 and -0.5 <= epy <= ny - 0.5 else "outside"
        out.notes.append(
            f"Earth not found: no source within {3 * earth_tol:.0f} px of its predicted "
            f"place (x {epx:.0f}, y {epy:.0f}, {where} the frame) on the frame's sky"
        )
        return out
    chance = False
    if pair is not None:
        # how often would an unrelated source pass the position test? Its share of the frame
        if wcs is not None:
            tol = max(2.0, 0.03 * sep_pred / scale)
            accept = math.pi * (3 * tol) ** 2
        elif scales:
            radii = [sep_pred / h.scale_arcsec for h in scales]
            accept = sum(min(2 * math.pi * r * 6 * _sep_sigma(r), area) for r in radii)
        else:
            accept = area
        out.false_alarm = max(n_ratio - 1, 1) * min(accept / area, 1.0)
        out.evidence.update(pair_trials=n_ratio, false_alarm=round(out.false_alarm, 6),
                            position_test="sky" if wcs is not None else ("scale" if scales else "none"))
        chance = out.false_alarm >= FALSE_ALARM_MAX or (wcs is None and not scales)
        if chance:
            _, i, j, _ = pair
            out.notes.append(
                "a pair fits the predicted brightness ratio "
                f"(Earth x {sources[i].x:.1f}, y {sources[i].y:.1f}; "
                f"Moon x {sources[j].x:.1f}, y {sources[j].y:.1f}) but could be chance: "
                + (f"{out.false_alarm:.2g} coincidences expected among {n_ratio} pairs tried"
                   if wcs is not None or scales
                   else "with no sky and no pixel scale its separation tests nothing")
            )
    if pair is not None and (not chance or (wcs is None and pair[1] == best[1])):
        # taken; confirmed only when not chance (a WCS-less chance pair on the brightest source is
        # named, unconfirmed: the roll and scale it implies are reported, the verdict withheld)
        out.chi2, i, j, hyp = pair
        out.bodies["earth"] = i
        out.bodies["moon"] = j
        out.confirmed = not chance
        if hyp is not None and not chance:
            out.assumed, out.assumed_scale_arcsec = hyp.label, hyp.scale_arcsec
        si, sj = sources[i], sources[j]
        dx, dy = sj.x - si.x, sj.y - si.y
        out.roll_deg = (pa_pred - pixel_angle(dx, dy, par)) % 360.0
        out.scale_arcsec = sep_pred / math.hypot(dx, dy)
        return out
    out.chi2, i = best
    out.bodies["earth"] = i
    out.confirmed = wcs is not None
    if wcs is None:
        out.notes.append(
            f"Earth taken as the brightest point source on sky (x {sources[i].x:.1f}, y {sources[i].y:.1f}): "
            "unconfirmed, with no sky to put it there and no Moon to pair it with"
        )
    if moon is not None:
        out.notes.append(
            "one source only matches: Earth; no source fits the Moon's predicted brightness and place"
        )
    return out


def _sep_sigma(sep_px: float) -> float:
    """1-sigma tolerance (px) of a pair's separation against a scale hypothesis: a pixel (the light
    centre of a phased, resolved or stretched dot against its centre) and SCALE_TOLERANCE of it."""
    return math.hypot(1.0, SCALE_TOLERANCE * sep_px)


def earth_reach(s: Source) -> float:
    """Radius (px) of a measured Earth's own image: two of its FWHMs (from its moments) plus a
    pixel, at least 3 px; a Moon closer than this cannot be told from Earth's wings and echoes."""
    fwhm = 2.3548 * math.sqrt(max(s.a * s.b, 0.0))
    return max(2.0 * fwhm + 1.0, 3.0)


def _ratio_test(ratio: float, ratio_pred: float, dm_pred: float, stretched: bool,
                saturated: bool) -> tuple[bool, float]:
    """Does a measured Moon/Earth flux ratio pass, and its chi-square term.

    Linear frames: within a factor RATIO_TOLERANCE at 1 sigma (3 sigma passes), a saturated Earth's
    ratio an upper bound. Stretched 8-bit pictures compress brightness, so the magnitude difference
    only has to keep its sign when more than 1 mag is predicted (the Moon fainter when predicted
    fainter) and lie within STRETCH_MAG of the prediction on the faint side."""
    if ratio <= 0:
        return False, math.inf
    lr = math.log(ratio / ratio_pred)
    if saturated:  # Earth's flux is then a lower bound: the ratio an upper one
        lr = min(lr, 0.0)
    if not stretched:
        tol = math.log(RATIO_TOLERANCE)
        return abs(lr) <= 3 * tol, (lr / tol) ** 2
    dm = -2.5 * math.log10(ratio)
    if dm_pred > 1.0 and dm <= 0.0 or dm_pred < -1.0 and dm >= 0.0:
        return False, math.inf
    if abs(dm_pred) <= 1.0 and abs(dm - dm_pred) > STRETCH_MAG:
        return False, math.inf
    if abs(dm) > abs(dm_pred) + STRETCH_MAG:
        return False, math.inf
    return True, 0.0


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
