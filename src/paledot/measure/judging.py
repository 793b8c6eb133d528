"""Before and after the match: what counts as sky and signal, and whether a verdict can be given.

``prepare`` runs between detection and identification: it marks what is not sky
(``sky_mask``), measures the empty-aperture noise and each source's significance (``evidence``),
and lists the pixel scales to test (``scales``). ``look_for_moon`` runs after it: when Earth is
named and the Moon is not, it measures the Moon where the geometry puts it (``companion``).
``judge`` runs last, on the comparison: a "fits" stands only on bodies detected at
``SNR_NAMED`` and a match that is not chance; otherwise the verdict says what is missing, and
``verdict_given`` is False (the command line then exits non-zero).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .evidence import SNR_NAMED, NoiseModel, empty_aperture_noise
from .identify import Identification, ScaleHypothesis
from .sky_mask import SkyMask, flag_artefacts, flag_not_sky


@dataclass
class Evidence:
    """What ``prepare`` found: the mask, the noise, each source's significance, the scales."""

    mask: SkyMask
    noise: NoiseModel
    snr: list[float]
    scales: list[ScaleHypothesis]
    scale_from: str  # "camera", "user", "catalogue" or "none"
    #: a JPEG's echo test (sky_mask.jpeg_echo_test), None for other frames
    echo: object | None = None


def prepare(obs, srcs, fwhm: float, scale_arcsec: float | None = None,
            structure: SkyMask | None = None) -> Evidence:
    """Mask, noise, significances and scale hypotheses for one frame (see the module)."""
    from scipy import ndimage

    from .scales import camera_scales, catalogue_scales, user_scale

    img = obs.image
    picture = obs.kind == "picture"
    if obs.camera is not None and _points_look_hot(obs.camera):
        for s in srcs.sources:  # its own stars and Earth light one pixel as a hot one does
            if "hot" in s.flags:
                s.flags.remove("hot")
    mask = flag_not_sky(obs, srcs, fwhm, structure=structure)
    r = max(2.0 * fwhm, 2.0)
    level = srcs.background.level
    if picture:  # empty apertures: whatever the picture did to its noise, they went through it too
        occupied = mask.not_sky.copy()
        if srcs.segmentation is not None:
            occupied |= ndimage.binary_dilation(srcs.segmentation > 0, iterations=int(math.ceil(r)))
        noise = empty_aperture_noise(np.nan_to_num(img), level, occupied | ~np.isfinite(img), r,
                                     quantised=bool(obs.stretched))
    else:  # a linear frame: its noise map, independent pixels
        noise = NoiseModel(r, float(srcs.background.global_rms) * math.sqrt(math.pi) * r, 0, 0.0)
    snr = []
    # a linear frame's noise map is its noise; a picture's is not, and empty apertures measure it
    use_empty = picture and math.isfinite(noise.sigma)
    for s in srcs.sources:
        own = s.snr if math.isfinite(s.snr) else math.inf
        empty = noise.snr(s.aperture_flux, s.aperture_radius) if use_empty else math.inf
        v = min(own, empty)
        snr.append(v if math.isfinite(v) else float("nan"))
    flag_artefacts(obs, srcs, snr, mask)
    if picture:  # a picture's dot under the naming significance is no star to solve the sky with
        for s, v in zip(srcs.sources, snr, strict=True):
            if not (math.isfinite(v) and v >= SNR_NAMED) or "edge" in s.flags:
                s.flags.append("faint")
    if scale_arcsec:
        scales, scale_from = user_scale(scale_arcsec), "user"
    elif obs.camera is not None:
        scales, scale_from = camera_scales(obs.camera, img.shape, picture), "camera"
    else:
        scales, scale_from = catalogue_scales(img.shape) if picture else [], "catalogue"
        if not picture:  # a FITS frame without a camera: each catalogue camera as recorded
            from ..cameras import list_cameras, load_camera

            scales = [camera_scales(load_camera(n), img.shape, False)[0] for n in list_cameras()]
    from .sky_mask import jpeg_echo_test

    jpeg = obs.path.lower().endswith((".jpg", ".jpeg"))
    return Evidence(mask, noise, snr, scales, scale_from, jpeg_echo_test(img.shape[0]) if jpeg else None)


def _points_look_hot(camera) -> bool:
    """Does the camera's own PSF, centred on a pixel, put so little light in the 8 pixels around it
    (under 0.3 of the centre's, twice the detector's hot-pixel test) that a point and a hot pixel
    cannot be told apart? (Cassini's WAC 0.05, Voyager's NAC 0.14, Mastcam-34 0.15.)"""
    from ..light.optics import pixel_psf

    psf = pixel_psf(camera)
    h = psf.shape[0] // 2
    centre = float(psf[h, h])
    return float(psf[h - 1 : h + 2, h - 1 : h + 2].sum()) - centre < 0.3 * centre


def look_for_moon(obs, srcs, ident: Identification, pred: dict, ev: Evidence, wcs, fwhm: float) -> None:
    """When Earth is named and the Moon is not (or only by a pair that may be chance), measure it at
    its predicted place; a find is the frame's source there, or a new source (method ``forced``),
    named 'moon' (``ident`` grows in place)."""
    from .companion import find_companion
    from .sources import Source

    pe, pm = pred.get("earth"), pred.get("moon")
    if pe is None or pm is None or "earth" not in ident.bodies:
        return
    if "moon" in ident.bodies and ident.confirmed:
        return  # a pair that is not chance, or the sky's place: the Moon is named
    # else an unconfirmed pair's Moon (or none): the search may confirm it, or find the real one
    e = srcs.sources[ident.bodies["earth"]]
    sub = srcs.background.subtracted
    if sub is None:
        sub = np.nan_to_num(obs.image - srcs.background.level)
    # where to look: the sky's place; else the rings of the scales the camera (or the user) gives.
    # Without either, no ring: a search over every catalogue camera's rings would be a fishing
    # trip, whatever its statistics say
    if ident.assumed_scale_arcsec is not None:
        scales = [ScaleHypothesis(ident.assumed_scale_arcsec, ident.assumed)]
    elif ev.scale_from in ("camera", "user"):
        scales = ev.scales
    else:
        scales = []
    if wcs is None and not scales:
        return
    dm = pm.magnitude - pe.magnitude
    keep_out = _not_a_body(srcs, ev, fwhm)
    if ev.echo is not None:  # Earth's own JPEG macroblocks: echoes, not light
        from .sky_mask import MACROBLOCK, macroblocks

        ny = keep_out.shape[0]
        fw = 2.3548 * math.sqrt(max(e.a * e.b, 0.0))
        for r, c in macroblocks(e.x, e.y, max(1.0, 1.2 * fw), ny):
            y1, y0 = ny - r * MACROBLOCK, max(ny - (r + 1) * MACROBLOCK, 0)
            keep_out[max(y0, 0):max(y1, 0), max(c * MACROBLOCK, 0):max((c + 1) * MACROBLOCK, 0)] = True
    c = find_companion(sub, e, pe, pm, wcs=wcs, scales=scales, par=ident.parity, noise=ev.noise,
                       fwhm=fwhm, mask=keep_out, moon_fainter=dm > 1.0)
    if c is None:
        return
    # unrelated sources as bright as the find, landing by chance where the search looked
    from .identify import NOT_A_BODY

    n_like = sum(1 for k, s in enumerate(srcs.sources) if k != ident.bodies["earth"] and ev.snr[k] >= c.snr
                 and not any(f in NOT_A_BODY for f in s.flags))
    sky_area = max(float((~ev.mask.not_sky).sum()), 1.0)
    c.false_alarm = min(1.0, c.false_alarm + n_like * c.accept_area_px / sky_area)
    ident.evidence["moon_search"] = {
        "how": c.how, "snr": round(c.snr, 2), "trials": c.trials, "false_alarm": round(c.false_alarm, 4),
        "x": round(c.x, 2), "y": round(c.y, 2),
    }
    if not c.found:
        ident.notes.append(
            f"the Moon looked for {c.how}: best SNR {c.snr:.1f} over {c.trials} places "
            f"(noise alone reaches it with probability {c.false_alarm:.2g})"
        )
        return
    near = _source_at(srcs, c, exclude=ident.bodies["earth"])
    if near is not None:  # the find is a source already measured: keep its centroid
        srcs.sources[near].flags = [f for f in srcs.sources[near].flags if f != "marginal"] + (
            ["marginal"] if c.marginal else [])
        ev.snr[near] = c.snr  # its significance is the search's, priced for the places tried
        _name_moon(ident, near, c, scales, wcs)
        return
    err = max(fwhm, 1.0) / max(c.snr, 1.0)
    flags = ["forced"] + (["marginal"] if c.marginal else [])
    s = Source(id=len(srcs.sources), x=c.x, y=c.y, x_err=err, y_err=err, crb_x=float("nan"),
               crb_y=float("nan"), flux=c.flux, flux_err=c.flux / c.snr, aperture_flux=c.flux,
               aperture_flux_err=c.flux / c.snr, aperture_radius=c.radius_px, snr=c.snr, peak=float("nan"),
               area=0, a=fwhm / 2.35, b=fwhm / 2.35, theta_deg=0.0, method="forced", flags=flags)
    srcs.sources.append(s)
    ev.snr.append(c.snr)
    _name_moon(ident, s.id, c, scales, wcs)


def _source_at(srcs, c, exclude: int) -> int | None:
    """The frame's own source (not Earth, not a glyph) within the find's aperture radius, if any."""
    from .identify import NOT_A_BODY

    best, dist = None, c.radius_px
    for k, s in enumerate(srcs.sources):
        d = math.hypot(s.x - c.x, s.y - c.y)
        if k != exclude and d <= dist and not any(f in NOT_A_BODY for f in s.flags):
            best, dist = k, d
    return best


def _name_moon(ident: Identification, k: int, c, scales, wcs) -> None:
    """Name source ``k`` the Moon the search found (``c``), and say how."""
    ident.bodies["moon"] = k
    ident.notes = [n for n in ident.notes if not n.startswith(("one source only", "Earth taken as"))]
    if c.hypothesis and not ident.assumed:
        ident.assumed = c.hypothesis
        ident.assumed_scale_arcsec = next(h.scale_arcsec for h in scales if h.label == c.hypothesis)
    if wcs is not None or c.false_alarm < 0.01:
        ident.confirmed = True
    ident.notes.append(
        f"the Moon found {c.how} at SNR {c.snr:.1f}{' (marginal)' if c.marginal else ''}: "
        f"noise alone reaches it over {c.trials} places with probability {c.false_alarm:.2g}"
    )  # the roll and scale the pair implies: core's _solve, next


def _not_a_body(srcs, ev: Evidence, fwhm: float) -> np.ndarray:
    """Pixels a forced Moon may not sit on: off the sky, or on a flagged source (a glyph, a
    catalogue star, a JPEG block, a hot pixel), grown by a PSF width."""
    from scipy import ndimage

    from .identify import NOT_A_BODY

    out = ev.mask.not_sky.copy()
    seg = srcs.segmentation
    if seg is None:
        return out
    # flagged sources, and structure (an extended source that is not the body it could be)
    bad = [s.label for s in srcs.sources
           if s.label > 0 and (any(f in NOT_A_BODY or f.startswith("star") for f in s.flags)
                               or ("extended" in s.flags and s.area > 30 * max(fwhm, 1.0) ** 2))]
    if bad:
        out |= ndimage.binary_dilation(np.isin(seg, bad), iterations=max(1, int(round(fwhm))))
    return out


def judge(comp: dict, srcs, ident: Identification, pred: dict, ev: Evidence, obs) -> None:
    """Gate the comparison's verdict on the evidence (``comp`` changes in place; see the module)."""
    verdict = comp.get("verdict", "")
    bodies = {n: srcs.sources[k] for n, k in ident.bodies.items()}
    comp["significance"] = {n: _r(ev.snr[k]) for n, k in ident.bodies.items() if k < len(ev.snr)}
    comp["confirmed"] = bool(ident.confirmed)
    if ident.assumed:
        comp["assumed"] = ident.assumed
        if obs.camera is None and ev.scale_from == "catalogue":
            comp.setdefault("notes", []).append(f"no camera given: assumed {ident.assumed} "
                                                f"({ident.assumed_scale_arcsec:.4g} arcsec/px)")
    comp["evidence"] = {**ident.evidence, "empty_aperture_sigma": _r(ev.noise.sigma),
                        "empty_aperture_radius_px": _r(ev.noise.radius_px), "mask": ev.mask.why}
    given = verdict.startswith(("fits", "off"))
    if "earth" in bodies and not ident.confirmed:
        e = bodies["earth"]
        missing = ("no camera: give --camera or --scale" if ev.scale_from == "catalogue" and not ident.assumed
                   else "no sky and no Moon at a tested pixel scale")
        what = ("a pair matching the brightness ratio may be Earth and the Moon" if "moon" in bodies
                else f"the brightest point source (x {e.x:.1f}, y {e.y:.1f}, SNR "
                     f"{_snr(ev, ident, 'earth'):.0f}) may be Earth")
        verdict = f"not identified: {what}, but nothing confirms it ({missing})"
        given = False
    elif verdict.startswith("fits") and "moon" in bodies:
        s_m = _snr(ev, ident, "moon")
        if s_m < SNR_NAMED:
            verdict = f"marginal fit: the Moon at SNR {s_m:.1f} (under {SNR_NAMED:g}) where predicted"
    elif verdict.startswith("Moon not found") and "moon_upper_limit_v" in comp:
        lim, pm = comp["moon_upper_limit_v"], pred.get("moon")
        if lim is not None and pm is not None and pm.magnitude < lim - 0.5:
            verdict = (f"off: the Moon is not found, yet predicted at V {pm.magnitude:.2f}, brighter than "
                       f"this frame's limit V > {lim:.2f}" + (" (an 8-bit stretch: indicative)"
                                                                if obs.stretched else ""))
            given = True
        else:
            given = "earth" in bodies and ident.confirmed
    elif verdict.startswith(("Earth found", "Moon not separable")):
        given = ident.confirmed
    if ident.assumed and given and obs.camera is None and ev.scale_from == "catalogue":
        verdict += f" (camera assumed: {ident.assumed})"
    elif ident.assumed and given and " resized " in ident.assumed:
        verdict += f" (scale assumed: {ident.assumed})"
    comp["verdict"] = verdict
    comp["verdict_given"] = given


def _snr(ev: Evidence, ident: Identification, name: str) -> float:
    k = ident.bodies.get(name)
    return float(ev.snr[k]) if k is not None and k < len(ev.snr) else float("nan")


def _r(v: float) -> float | None:
    return round(float(v), 3) if v is not None and math.isfinite(v) else None
