"""Measured against predicted: the Earth-Moon pair's separation, position angle and brightness
ratio, their residuals in pixels, arcseconds and magnitudes, and a one-line verdict.

Only relative quantities are judged (the Moon's offset from Earth, their brightness ratio), so a
spacecraft's pointing error or a press picture's crop cannot spoil the verdict. When the Moon is not
found, the verdict is an upper limit on its brightness at its predicted place, never a detection.
"""

from __future__ import annotations

import math

import numpy as np
from astropy.wcs import WCS

from .identify import Identification, pixel_angle, sep_pa, sky_offset
from .prediction import PredictedBody
from .sources import Source, SourceList

#: A position residual within this many pixels (plus 3 sigma) fits: PSF and model systematics.
POSITION_TOLERANCE_PX = 0.25
#: A brightness-ratio residual within this many magnitudes (plus 3 sigma) fits: phase-law spread.
MAGNITUDE_TOLERANCE = 0.5
#: Detection limit used for upper limits, in sigma.
LIMIT_SIGMA = 5.0


def compare(
    sources: SourceList,
    ident: Identification,
    predicted: list[PredictedBody],
    *,
    wcs: WCS | None,
    pixel_scale_arcsec: float | None,
    stretched: bool = False,
    psf_npix: float = 10.0,
    blend_px: float = 4.0,
) -> dict:
    """The comparison as a plain dict (JSON-ready); ``verdict`` is one line. ``blend_px``: a Moon
    predicted closer than this to Earth's limb cannot be told apart from Earth (2 PSF widths)."""
    pred = {p.name: p for p in predicted}
    src = sources.sources
    out: dict = {"verdict": "", "notes": list(ident.notes)}
    if "earth" not in ident.bodies:
        said = [n for n in ident.notes if n.startswith("Earth not found")]
        out["verdict"] = (
            "Earth not found: no source above the detection threshold"
            if not src
            else said[0] if said else "Earth not found: no point-like source matches it"
        )
        return out
    e = src[ident.bodies["earth"]]
    pe, pm = pred.get("earth"), pred.get("moon")
    scale = pixel_scale_arcsec
    if "moon" not in ident.bodies:
        if pm is None:
            out["verdict"] = "Earth found (the Moon was not asked for)"
            return out
        sep_arcsec = sky_offset(pe, pm)[0]
        if scale and sep_arcsec / scale < pe.diameter_arcsec / scale / 2 + blend_px:
            out["verdict"] = (
                f"Moon not separable: predicted {sep_arcsec / scale:.1f} px from Earth's centre, "
                "within Earth's image"
            )
            return out
        out["moon_upper_limit_v"] = _upper_limit(sources, e, pe, pm, wcs, psf_npix)
        lim = out["moon_upper_limit_v"]
        out["verdict"] = (
            f"Moon not found: upper limit V > {lim:.2f}"
            if lim is not None
            else "Moon not found (no photometric calibration for an upper limit)"
        )
        return out
    m = src[ident.bodies["moon"]]
    sep_pred, pa_pred = sky_offset(pe, pm)
    dx, dy = m.x - e.x, m.y - e.y
    sep_px = math.hypot(dx, dy)
    sig_pos = math.sqrt(e.x_err**2 + e.y_err**2 + m.x_err**2 + m.y_err**2) / math.sqrt(2)
    ratio_mag = -2.5 * math.log10(m.flux / e.flux) if m.flux > 0 and e.flux > 0 else float("nan")
    sig_mag = (
        1.0857 * math.hypot(m.flux_err / m.flux, e.flux_err / e.flux)
        if m.flux > 0 and e.flux > 0
        else float("nan")
    )
    ratio_pred = pm.magnitude - pe.magnitude
    out.update(
        separation_px=sep_px,
        separation_px_err=sig_pos,
        predicted_separation_arcsec=sep_pred,
        predicted_position_angle_deg=pa_pred,
        magnitude_difference=ratio_mag,
        magnitude_difference_err=sig_mag,
        predicted_magnitude_difference=ratio_pred,
        residual_mag=ratio_mag - ratio_pred,
        roll_deg=ident.roll_deg,
        scale_arcsec_per_px=ident.scale_arcsec,
    )
    pos_ok, pos_text = True, ""
    if wcs is not None:
        ra, dec = wcs.all_pix2world([e.x, m.x], [e.y, m.y], 0)
        sep_m, pa_m = sep_pa(ra[0], dec[0], ra[1], dec[1])
        (pxe0, pxm0), (pxe1, pxm1) = wcs.all_world2pix([pe.ra_deg, pm.ra_deg], [pe.dec_deg, pm.dec_deg], 0)
        pxe, pxm = np.array([pxe0, pxe1]), np.array([pxm0, pxm1])
        res = np.array([dx, dy]) - (pxm - pxe)
        res_px = float(np.hypot(*res))
        res_arcsec = res_px * (scale or 1.0)
        dpa = (pa_m - pa_pred + 180) % 360 - 180
        out.update(
            separation_arcsec=sep_m,
            position_angle_deg=pa_m,
            residual_x_px=float(res[0]),
            residual_y_px=float(res[1]),
            residual_px=res_px,
            residual_arcsec=res_arcsec,
            residual_separation_arcsec=sep_m - sep_pred,
            residual_position_angle_deg=dpa,
            earth_offset_from_prediction_px=[float(e.x - pxe[0]), float(e.y - pxe[1])],
        )
        pos_ok = res_px <= 3 * sig_pos + _position_tolerance(stretched, pe, scale, sep_px)
        pos_text = (
            f"the Moon is off its predicted place relative to Earth by {res_px:.2f} px "
            f"({res_arcsec:.2f} arcsec; separation {sep_m - sep_pred:+.2f} arcsec, PA {dpa:+.2f} deg)"
        )
    elif scale:
        res_sep = sep_px - sep_pred / scale
        out.update(
            separation_arcsec=sep_px * scale,
            residual_separation_px=res_sep,
            residual_separation_arcsec=res_sep * scale,
            residual_px=abs(res_sep),
            residual_arcsec=abs(res_sep) * scale,
        )
        out["notes"].append("no WCS: roll solved from the pair, so the position angle cannot be tested")
        pos_ok = abs(res_sep) <= 3 * sig_pos + _position_tolerance(stretched, pe, scale, sep_px)
        pos_text = f"separation off by {res_sep:+.2f} px ({res_sep * scale:+.2f} arcsec)"
    else:
        out["notes"].append(
            "no WCS and no pixel scale: roll and scale solved from the pair; "
            "only the brightness ratio is tested"
        )
    mag_ok = True
    if stretched:
        out["notes"].append("8-bit picture: pixel values may be stretched, brightness ratio not judged")
    elif math.isfinite(ratio_mag):
        mag_ok = abs(ratio_mag - ratio_pred) <= MAGNITUDE_TOLERANCE + 3 * (
            sig_mag if math.isfinite(sig_mag) else 0
        )
    problems = []
    if not pos_ok:
        problems.append(pos_text)
    if not mag_ok:
        problems.append(
            f"the brightness ratio is off by {ratio_mag - ratio_pred:+.2f} mag "
            f"(Moon minus Earth {ratio_mag:.2f}, predicted {ratio_pred:.2f})"
        )
    out["verdict"] = "fits" if not problems else "off: " + "; ".join(problems)
    return out


def _position_tolerance(stretched: bool, pe, scale: float | None, sep_px: float = 0.0) -> float:
    """Model systematics (px) beyond 3 sigma: POSITION_TOLERANCE_PX for a linear frame; for a
    stretched 8-bit picture also a third of Earth's predicted diameter, and 3 times the 1-sigma
    tolerance a pair is matched with (a pixel, 1% of its separation: a clipped, stretched,
    resampled dot's light centre is not its photometric one)."""
    if not stretched:
        return POSITION_TOLERANCE_PX
    diam = pe.diameter_arcsec / scale if scale else 0.0
    return POSITION_TOLERANCE_PX + diam / 3.0 + 3 * math.hypot(1.0, 0.01 * sep_px)


def _upper_limit(sources: SourceList, e: Source, pe, pm, wcs, psf_npix: float) -> float | None:
    """V magnitude the Moon would need to reach ``LIMIT_SIGMA`` at its predicted place (or the
    frame's median noise if the place is unknown), calibrated on Earth's measured flux."""
    if e.flux <= 0 or pe is None:
        return None
    rms = sources.background.global_rms
    if wcs is not None:
        x, y = (float(v) for v in wcs.world_to_pixel(pm.coord))
        ny, nx = sources.background.rms.shape
        if 0 <= x < nx and 0 <= y < ny:
            rms = float(sources.background.rms[int(round(y)), int(round(x))])
    limit_flux = LIMIT_SIGMA * rms * math.sqrt(max(psf_npix, 1.0))
    return float(pe.magnitude - 2.5 * math.log10(limit_flux / e.flux))


def moon_pixel_angle(e: Source, m: Source, par: int) -> float:
    """The Moon's direction from Earth on the image, deg, counted like a position angle."""
    return pixel_angle(m.x - e.x, m.y - e.y, par)
