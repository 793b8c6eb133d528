"""How sure a named body is: significance from empty apertures, and the chance a match is a fluke.

A press picture's noise is not the noise map's: an 8-bit stretch crushes the sky to a few levels,
JPEG blocks correlate it, a resize smooths it. So each source's significance here is its aperture
flux against the scatter of the same aperture laid on empty sky (the empty-aperture method of deep
field photometry): whatever the picture did to its noise, empty apertures went through it too.

A body is *named* only at ``SNR_NAMED`` or more; the Moon is reported down to ``SNR_MARGINAL`` with a
``marginal`` flag. A pair match is evidence only when a chance coincidence is unlikely: the expected
number of unrelated sources that would pass the same tests, given how many candidates were tried
(``false_alarm``), must be below ``FALSE_ALARM_MAX``.
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
N_EMPTY = 400


@dataclass
class NoiseModel:
    """The scatter of an aperture sum on empty sky (image units) for a given radius (px)."""

    radius_px: float
    sigma: float
    n_apertures: int
    floor: float

    def snr(self, aperture_flux: float, radius_px: float) -> float:
        """Significance of an aperture sum of radius ``radius_px``: the empty-aperture scatter
        scales with the aperture's area (uncorrelated noise) from the measured radius."""
        sig = self.sigma * max(radius_px, 0.5) / max(self.radius_px, 0.5)
        return float(aperture_flux / max(sig, self.floor * math.sqrt(math.pi) * max(radius_px, 0.5)))


def empty_aperture_noise(image: np.ndarray, background: np.ndarray, occupied: np.ndarray,
                         radius_px: float, *, quantised: bool, seed: int = 0) -> NoiseModel:
    """The robust scatter (1.4826 MAD) of ``N_EMPTY`` circular aperture sums of ``radius_px`` laid at
    random on pixels where ``occupied`` is False (no source, no mask), background subtracted.

    ``quantised`` (an 8-bit picture): a sky crushed to one level has no scatter at all, yet a dot of
    one level step is not a detection; the per-pixel floor is then one step (1 DN), three times the
    quantisation noise, so a source needs several DN over several pixels to count.
    """
    ny, nx = image.shape
    r = max(float(radius_px), 1.0)
    rng = np.random.default_rng(seed)
    free = ~occupied
    # candidate centres at least r from the edge, on free pixels
    m = int(math.ceil(r)) + 1
    floor = 1.0 if quantised else 0.0
    if ny <= 2 * m or nx <= 2 * m:
        return NoiseModel(r, float("nan"), 0, floor)
    ys = rng.integers(m, ny - m, 8 * N_EMPTY)
    xs = rng.integers(m, nx - m, 8 * N_EMPTY)
    keep = free[ys, xs]
    ys, xs = ys[keep][:N_EMPTY * 2], xs[keep][:N_EMPTY * 2]
    yy, xx = np.mgrid[-m:m + 1, -m:m + 1]
    disk = (xx**2 + yy**2) <= r * r
    sub = image - background
    sums, n = [], 0
    for y, x in zip(ys, xs, strict=True):
        win = (slice(y - m, y + m + 1), slice(x - m, x + m + 1))
        if occupied[win][disk].any():
            continue
        sums.append(float(sub[win][disk].sum()))
        n += 1
        if n >= N_EMPTY:
            break
    if n < 20:
        return NoiseModel(r, float("nan"), n, floor)
    v = np.asarray(sums)
    sigma = 1.4826 * float(np.median(np.abs(v - np.median(v))))
    # the sums also scatter by their own mean offset (a background badly fitted): take the larger
    sigma = max(sigma, float(np.std(v)) * 0.5)
    return NoiseModel(r, sigma, n, floor)


def false_alarm(n_tried: int, p_each: float) -> float:
    """Expected chance coincidences among ``n_tried`` independent trials each passing with
    probability ``p_each`` (the expected count, an upper bound on the probability of one)."""
    return float(max(n_tried, 0) * min(max(p_each, 0.0), 1.0))


def gaussian_tail(snr: float) -> float:
    """One-sided probability that Gaussian noise reaches ``snr`` sigma."""
    return 0.5 * math.erfc(snr / math.sqrt(2.0))


def significance_word(snr: float) -> str:
    """'' at SNR_NAMED or more, 'marginal' from SNR_MARGINAL, 'not significant' below."""
    if not math.isfinite(snr) or snr < SNR_MARGINAL:
        return "not significant"
    return "" if snr >= SNR_NAMED else "marginal"
