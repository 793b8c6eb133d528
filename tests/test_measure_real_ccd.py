"""A catalogue someone else made on a real CCD frame, reproduced: SEP's test image (ESO NTT EMMI,
1992) and the SExtractor catalogue of it shipped with SEP.

Every SExtractor source brighter than 10 sigma (FLUX_AUTO / FLUXERR_AUTO) must be found, and for
sources SExtractor did not find blended, our centroid must sit within 0.1 px of
SExtractor's windowed centroid (XWIN/YWIN) or, where the two tools' own stated errors are larger,
within 3 sigma of it. Both detection engines are held to it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sep")
pytest.importorskip("photutils")

from paledot.measure import find_sources, read_observation  # noqa: E402

# SEP's real CCD test frame and SExtractor's catalogue of it: see data/sep/README.md.
DATA = Path(__file__).parent / "data" / "sep"


@pytest.fixture(scope="module")
def catalogue():
    if not (DATA / "image.cat").exists():
        pytest.skip("SEP's test image and catalogue are not available")
    cat = np.loadtxt(DATA / "image.cat", comments="#")
    return {
        "x": cat[:, 1] - 1,
        "y": cat[:, 2] - 1,  # FITS 1-based -> paledot 0-based
        "xwin": cat[:, 3] - 1,
        "ywin": cat[:, 4] - 1,
        "errx2": cat[:, 8],
        "erry2": cat[:, 9],
        "snr": cat[:, 15] / np.where(cat[:, 16] > 0, cat[:, 16], np.inf),
        "flags": cat[:, -1].astype(int),
    }


@pytest.mark.parametrize("engine", ["sep", "photutils"])
def test_every_ten_sigma_source_found_and_centroids_agree(catalogue, engine):
    obs = read_observation(DATA / "image.fits")
    # SExtractor's own defaults: 1.5 sigma, 5 pixels
    found = find_sources(obs, engine=engine, nsigma=1.5, min_area=5).sources
    sx = np.array([s.x for s in found])
    sy = np.array([s.y for s in found])
    bright = np.where(catalogue["snr"] > 10)[0]
    assert len(bright) == 34
    close, missing = [], []
    for i in bright:
        d = np.hypot(sx - catalogue["x"][i], sy - catalogue["y"][i])
        k = int(d.argmin())
        # two deblenders split blends differently: a match is within 2.5 px of the isophotal centre
        if d[k] > 2.5:
            missing.append(i)
            continue
        s = found[k]
        # blended by SExtractor's reckoning: flagged, or its own two centroids a pixel apart
        own = math.hypot(catalogue["x"][i] - catalogue["xwin"][i], catalogue["y"][i] - catalogue["ywin"][i])
        if catalogue["flags"][i] & 3 or own > 1.0:
            continue
        off = math.hypot(s.x - catalogue["xwin"][i], s.y - catalogue["ywin"][i])
        sig = math.sqrt(s.x_err**2 + s.y_err**2 + catalogue["errx2"][i] + catalogue["erry2"][i])
        close.append((off, sig))
    assert not missing, f"SExtractor sources not found: {missing}"
    assert len(close) >= 15
    for off, sig in close:
        assert off <= max(0.1, 3 * sig), (off, sig)
    sharp = [off for off, sig in close if sig < 0.033]  # where 3 sigma is inside 0.1 px
    assert len(sharp) >= 3 and max(sharp) <= 0.1
    assert np.median([off for off, _ in close]) < 0.05
