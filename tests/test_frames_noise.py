"""The detector's noise draws against their distributions (scipy.stats as the oracle): Poisson dark
counts whether scattered (dark << 1) or drawn per pixel, Poisson signal only where light fell (not
twice where stamps overlap), Gaussian read noise, saturation."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from paledot.cameras import load_camera
from paledot.render.detector import SPARSE_DARK_LIMIT, Light, record

SRC = load_camera("hrsc-src")
NO_READ_NOISE = replace(SRC, read_noise_e=0.0, sources={})


@pytest.mark.parametrize("dark", [0.01, 0.2, 3.0])
def test_dark_counts_are_poisson(dark):
    """Counts per pixel follow Poisson(dark): chi-square over the populated counts, p > 0.001,
    in both the scattered (dark < SPARSE_DARK_LIMIT) and the per-pixel regimes."""
    expected = np.zeros((512, 512), dtype=np.float32)
    electrons, _ = record(NO_READ_NOISE, expected, [], dark, np.random.default_rng(3))
    counts = electrons.astype(np.int64).ravel()
    assert np.all(electrons == counts.reshape(electrons.shape))  # whole electrons, no read noise
    kmax = int(stats.poisson.ppf(1 - 1e-6, dark)) + 1
    observed = np.bincount(np.minimum(counts, kmax), minlength=kmax + 1)
    probs = stats.poisson.pmf(np.arange(kmax + 1), dark)
    probs[-1] = stats.poisson.sf(kmax - 1, dark)
    keep = probs * counts.size > 5
    exp = probs[keep] * counts.size
    obs = observed[keep]
    chi2 = float(((obs - exp) ** 2 / exp).sum()) + float(
        ((observed[~keep].sum() - probs[~keep].sum() * counts.size) ** 2)
        / max(probs[~keep].sum() * counts.size, 1.0)
    )
    assert stats.chi2.sf(chi2, keep.sum()) > 1e-3
    assert (dark < SPARSE_DARK_LIMIT) == (dark in (0.01, 0.2))


def test_signal_is_poisson_plus_read_noise_only_where_light_fell():
    light = Light(300, 300)
    stamp = np.full((100, 100), 1.0, dtype=np.float32)
    light.add(stamp, 50, 50, 400.0)  # 400 e- per pixel
    light.add(stamp[:60, :60], 100, 100, 100.0)  # overlapping: 500 e- where both fall
    dark = 2.0
    electrons, dn = record(SRC, light.rate * np.float32(1.0), light.boxes, dark, np.random.default_rng(9))
    rn2 = SRC.read_noise_e**2
    only = electrons[50:100, 50:150]
    both = electrons[100:150, 100:150]
    sky = electrons[200:, 200:]
    for region, mean in ((only, 400 + dark), (both, 500 + dark), (sky, dark)):
        assert region.mean() == pytest.approx(mean, abs=4 * np.sqrt((mean + rn2) / region.size))
        # variance within 4 standard errors of mean + rn^2 (not doubled where stamps overlap)
        var = mean + rn2
        assert region.var() == pytest.approx(var, abs=4 * var * np.sqrt(2 / region.size))
    assert dn.dtype == np.uint16
    np.testing.assert_array_equal(dn, np.clip(np.rint(electrons / 2 + 200), 0, SRC.max_dn))


def test_saturation_and_no_noise():
    light = Light(50, 50)
    light.add(np.ones((5, 5), dtype=np.float32), 10, 10, 1e6)
    for rng in (None, np.random.default_rng(1)):
        electrons, dn = record(SRC, light.rate, light.boxes, 0.0, rng)
        assert electrons[10:15, 10:15].max() == SRC.full_well_e
        assert dn[10:15, 10:15].min() == round(SRC.full_well_e / SRC.gain_e_per_dn + SRC.bias_dn)
    electrons, dn = record(SRC, light.rate, light.boxes, 0.5, None)
    assert electrons[0, 0] == 0.5 and dn[0, 0] == 200  # rint(0.25 + 200)


def test_light_to_electrons_scales_overlapping_stamps_once():
    light = Light(40, 40)
    light.add(np.ones((10, 10), dtype=np.float32), 5, 5, 3.0)
    light.add(np.ones((10, 10), dtype=np.float32), 10, 10, 1.0)
    expected = light.to_electrons(2.0)
    assert expected[7, 7] == 6.0 and expected[12, 12] == 8.0 and expected[17, 17] == 2.0
    assert expected.sum() == pytest.approx(2.0 * (300 + 100))
