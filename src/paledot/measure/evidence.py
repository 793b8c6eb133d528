"""How sure a named body is: significance from empty apertures, and the chance a match is a fluke.

A press picture's noise is not the noise map's: an 8-bit stretch crushes the sky to a few levels,
JPEG blocks correlate it, a resize smooths it. So each source's significance here is its aperture
flux against the scatter of the same aperture laid on empty sky (the empty-aperture method of deep
field photometry): whatever the picture did to its noise, empty apertures went through it too.

A body is *named* only at ``SNR_NAMED`` or more; the Moon is reported down to ``SNR_MARGINAL`` with a
``marginal`` flag. A pair match is evidence only when a chance coincidence is unlikely: the expected
number of unrelated sources that would pass the same tests, given how many candidates were tried
(``Identification.false_alarm``), must be below ``FALSE_ALARM_MAX``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Significance (sigma, empty-aperture) at which a source may be named a body.
SNR_NAMED = 5.0
#: Down to this significance the Moon is reported as found, flagged ``marginal`` below SNR_NAMED.
SNR_MARGINAL = 3.0
#: A match is evidence when fewer than this many chance coincidences are expected.
FALSE_ALARM_MAX = 0.05
#: Empty apertures laid per frame.
N_EMPTY = 2000


@dataclass
class NoiseModel:
    """The scatter of an aperture sum on empty sky (image units) for a given radius (px), and the
    sums themselves (sorted) for the empirical tail."""

    radius_px: float
    sigma: float
    n_apertures: int
    floor: float
    sums: np.ndarray | None = None

    def sigma_at(self, radius_px: float, floor: float | None = None) -> float:
        """The scatter of an aperture sum of radius ``radius_px``: the empty apertures' scaled with
        the radius (uncorrelated noise) from the measured radius, at least ``floor`` (per pixel;
        this model's own when None) over the aperture."""
        floor = self.floor if floor is None else floor
        sig = self.sigma * max(radius_px, 0.5) / max(self.radius_px, 0.5)
        return max(sig, floor * math.sqrt(math.pi) * max(radius_px, 0.5))

    def snr(self, aperture_flux: float, radius_px: float) -> float:
        """Significance of an aperture sum of radius ``radius_px`` (``sigma_at``)."""
        return float(aperture_flux / self.sigma_at(radius_px))

    def tail(self, aperture_flux: float, radius_px: float, sigma: float | None = None) -> float:
        """The chance that one aperture of ``radius_px`` on empty sky reaches ``aperture_flux``:
        the larger of the Gaussian tail (of scatter ``sigma``, else ``sigma_at``) and the empty
        apertures' own share at or above it (at least 1/(n+1): a share of n apertures cannot say
        less)."""
        g = gaussian_tail(aperture_flux / (self.sigma_at(radius_px) if sigma is None else sigma))
        if self.sums is None or not self.sums.size:
            return g
        f = aperture_flux * max(self.radius_px, 0.5) / max(radius_px, 0.5)  # at the measured radius
        k = self.sums.size - int(np.searchsorted(self.sums, f, side="left"))
        return max(g, (k + 1) / (self.sums.size + 1))


def empty_aperture_noise(image: np.ndarray, background: np.ndarray, occupied: np.ndarray,
                         radius_px: float, *, quantised: bool, seed: int = 0) -> NoiseModel:
    """The robust scatter (1.4826 MAD) of up to ``N_EMPTY`` circular aperture sums of ``radius_px``
    laid at random where no pixel of the aperture is ``occupied`` (a source, a mask), background
    subtracted (SEP's exact-overlap sums).

    ``quantised`` (an 8-bit picture): a sky crushed to one level has no scatter at all, yet a dot of
    one level step is not a detection; the per-pixel floor is then one step (1 DN), three times the
    quantisation noise, so a source needs several DN over several pixels to count.
    """
    import sep
    from scipy import ndimage

    ny, nx = image.shape
    r = max(float(radius_px), 1.0)
    floor = 1.0 if quantised else 0.0
    m = int(math.ceil(r)) + 1
    if ny <= 2 * m or nx <= 2 * m:
        return NoiseModel(r, float("nan"), 0, floor)
    # centres whose whole aperture is free: the occupied pixels grown by the radius
    near = ndimage.binary_dilation(occupied, iterations=m) if occupied.any() else occupied
    rng = np.random.default_rng(seed)
    ys = rng.integers(m, ny - m, 6 * N_EMPTY)
    xs = rng.integers(m, nx - m, 6 * N_EMPTY)
    keep = ~near[ys, xs]
    ys, xs = ys[keep][:N_EMPTY], xs[keep][:N_EMPTY]
    if ys.size < 20:
        return NoiseModel(r, float("nan"), int(ys.size), floor)
    sub = np.ascontiguousarray(np.nan_to_num(image - background), dtype=np.float64)
    v, _, _ = sep.sum_circle(sub, xs.astype(float), ys.astype(float), r, subpix=5)
    v = np.asarray(v, float)
    sigma = 1.4826 * float(np.median(np.abs(v - np.median(v))))
    # the sums also scatter by their own mean offset (a background badly fitted): take the larger
    sigma = max(sigma, float(np.std(v)) * 0.5)
    return NoiseModel(r, sigma, int(v.size), floor, np.sort(v - np.median(v)))


def gaussian_tail(snr: float) -> float:
    """One-sided probability that Gaussian noise reaches ``snr`` sigma."""
    return 0.5 * math.erfc(snr / math.sqrt(2.0))
