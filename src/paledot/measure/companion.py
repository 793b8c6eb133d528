"""The faint companion: once Earth is found, look for the Moon exactly where the geometry puts it.

A source finder's threshold is set for a whole frame; the Moon's place is known to a pixel or two
once Earth is found and the sky (or the pixel scale) is known. So the Moon is measured there by
forced aperture photometry, the aperture moved over every place the geometry allows:

- with a sky (a WCS): Earth's measured pixel plus the predicted offset, within the sky's tolerance;
- with a pixel scale but no sky: a ring at the predicted separation about Earth, the pair's roll
  free, one ring per scale hypothesis.

The best place's significance is priced by the number of independent places tried: the chance that
noise alone reaches it somewhere is ``trials * P(noise > snr)``; and the chance that an unrelated
source as bright (a star, a glyph) lies where the search looked is added by the caller, from the
frame's own sources and ``accept_area_px``. The Moon is reported when that is
below ``COMPANION_FALSE_ALARM`` and its SNR is at least ``SNR_MARGINAL``; ``marginal`` under
``SNR_NAMED``. Pixels are 0-based (x, y), y up (DESIGN.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .evidence import SNR_MARGINAL, SNR_NAMED, NoiseModel
from .identify import ScaleHypothesis, earth_reach, sky_offset

#: The Moon is reported when noise would reach its significance somewhere this rarely.
COMPANION_FALSE_ALARM = 0.05


@dataclass
class Companion:
    """The Moon measured at its predicted place (image units; px 0-based, y up)."""

    x: float
    y: float
    flux: float
    snr: float
    radius_px: float
    trials: int
    false_alarm: float
    how: str
    hypothesis: str = ""
    #: pixels where the search looked (the ring's band or the forced place's disc), all places
    accept_area_px: float = 0.0

    @property
    def found(self) -> bool:
        return self.snr >= SNR_MARGINAL and self.false_alarm < COMPANION_FALSE_ALARM

    @property
    def marginal(self) -> bool:
        return self.found and self.snr < SNR_NAMED


def _sums(sub: np.ndarray, x: np.ndarray, y: np.ndarray, r: float, ann: tuple[float, float]) -> np.ndarray:
    """Aperture sums of radius ``r`` at (x, y), each less its local sky from an annulus ``ann``."""
    import sep

    flux, _, _ = sep.sum_circle(sub, x, y, r, bkgann=ann, subpix=5)
    return np.asarray(flux, float)


def find_companion(sub: np.ndarray, earth, pe, pm, *, wcs, scales: list[ScaleHypothesis], par: int,
                   noise: NoiseModel, fwhm: float, mask: np.ndarray | None = None,
                   moon_fainter: bool = True) -> Companion | None:
    """Search for the Moon about the measured ``earth`` (a Source) on the background-subtracted
    image ``sub``; None when the geometry gives nowhere to look."""
    sub = np.ascontiguousarray(sub, dtype=np.float64)
    ny, nx = sub.shape
    r = max(1.5, float(fwhm))
    ann = (2.5 * r, 4.0 * r)
    sep_pred, pa_pred = sky_offset(pe, pm)
    places: list[tuple[np.ndarray, np.ndarray, int, str, str]] = []
    if wcs is not None:
        (ex, mx), (ey, my) = wcs.all_world2pix([pe.ra_deg, pm.ra_deg], [pe.dec_deg, pm.dec_deg], 0)
        cx, cy = earth.x + (mx - ex), earth.y + (my - ey)
        tol = 2.0
        if math.hypot(cx - earth.x, cy - earth.y) < earth_reach(earth) + tol + r:
            return None  # on Earth's own image: a forced sum there measures Earth's wing
        g = np.arange(-tol, tol + 1e-9, 0.5)
        gx, gy = np.meshgrid(g, g)
        keep = np.hypot(gx, gy) <= tol
        n = max(1, int(math.ceil((2 * tol / r) ** 2)))
        places.append((cx + gx[keep], cy + gy[keep], n, "forced at the sky's place", ""))
        accept = math.pi * (tol + r) ** 2
    else:
        accept = 0.0
        for h in scales:
            rad = sep_pred / h.scale_arcsec
            if rad < max(2 * r, earth_reach(earth)) or rad > math.hypot(nx, ny):
                continue
            step = 0.5 * r / rad
            accept += 2 * math.pi * rad * 2 * r
            th = np.arange(0.0, 2 * math.pi, step)
            places.append((earth.x + rad * np.cos(th), earth.y + rad * np.sin(th),
                           max(1, int(math.ceil(2 * math.pi * rad / (2 * r)))), "on the ring, roll free",
                           h.label))
    if not places:
        return None
    trials = sum(p[2] for p in places)
    best: Companion | None = None
    best_sigma = math.inf
    for xs, ys, _, how, label in places:
        inside = (xs >= r) & (xs < nx - 1 - r) & (ys >= r) & (ys < ny - 1 - r)
        if mask is not None:
            ix = np.clip(np.round(xs).astype(int), 0, nx - 1)
            iy = np.clip(np.round(ys).astype(int), 0, ny - 1)
            inside &= ~mask[iy, ix]
        if not inside.any():
            continue
        xs, ys = xs[inside], ys[inside]
        f = _sums(sub, xs, ys, r, ann)
        if moon_fainter and earth.aperture_flux > 0:
            f = np.where(f < earth.aperture_flux, f, -np.inf)
        k = int(np.argmax(f))
        if not math.isfinite(f[k]):
            continue
        sigma = _noise_here(noise, f, xs, ys, k, r, ring=how.startswith("on the ring"))
        snr = float(f[k]) / sigma
        if best is None or snr > best.snr:
            best = Companion(float(xs[k]), float(ys[k]), float(f[k]), snr, r, trials, 1.0, how, label,
                             accept)
            best_sigma = sigma
    if best is None:
        return None
    # the chance noise reaches it in one place: the Gaussian tail or the empty apertures' own
    # share, whichever is larger (a crushed or blocky sky is not Gaussian)
    best.false_alarm = min(1.0, trials * noise.tail(best.flux, r, sigma=best_sigma))
    return best


#: Per-pixel floor (image units) of a quantised picture's noise at the Moon's place: the rounding
#: noise of one level step, 1/sqrt(12). The search has the scatter of its own ring to go by, so
#: it needs no more than that; a whole-frame detection, with nothing local to compare, keeps the
#: NoiseModel's floor of a whole step.
QUANTISATION_FLOOR = 12**-0.5


def _noise_here(noise: NoiseModel, f: np.ndarray, xs: np.ndarray, ys: np.ndarray, k: int, r: float,
                ring: bool) -> float:
    """The scatter of one aperture sum where the Moon is looked for.

    On a ring about Earth (the pair's roll free) the scatter of the ring's own sums counts too:
    Earth's halo, its JPEG ringing and a stretch's lifted sky at that separation are what a Moon
    there must stand above (the companion-search convention of high-contrast imaging); sums within
    two radii of the best place are left out of it, and it is taken with the small-sample factor
    sqrt(1 + 1/n) of n independent apertures. Then the empty apertures' scatter (with the rounding
    floor on a quantised picture), whichever is larger."""
    floor = QUANTISATION_FLOOR if noise.floor > 0 else 0.0
    sigma = noise.sigma_at(r, floor=floor)
    if ring:
        far = np.hypot(xs - xs[k], ys - ys[k]) > 2 * r
        vals = f[far & np.isfinite(f)]
        n_ind = len(xs) // 4  # places are half a radius apart; independent ones a diameter
        if vals.size >= 8 and n_ind >= 4:
            ring_sigma = 1.4826 * float(np.median(np.abs(vals - np.median(vals))))
            sigma = max(sigma, ring_sigma * math.sqrt(1 + 1 / n_ind))
    return sigma
