"""A catalogue someone else made on a real CCD frame, reproduced: SEP's test image (ESO NTT EMMI,
1992) and the SExtractor catalogue of it shipped with SEP.

With SExtractor's own configuration (``SEXTRACTOR``: the ``default.sex`` SEP's catalogue was made
with, deblending off, windowed centroids), every SExtractor source brighter than 10 sigma
(FLUX_AUTO / FLUXERR_AUTO) must be found with its windowed centroid within 0.1 px of XWIN/YWIN.
With paledot's own defaults (deblending on, model fits), the unblended ones must agree within
0.1 px or, where the two tools' stated errors are larger, within 3 sigma; so must all 27 clean
ones (unflagged, above 10 sigma), but for three whose XWIN is not a place SExtractor's own
isophotal centre agrees with, and close pairs SExtractor splits must come out as two sources.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sep")
pytest.importorskip("photutils")

from paledot.measure import SEXTRACTOR, find_sources, read_observation  # noqa: E402

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


def _bright_offsets(catalogue, found):
    """Per SExtractor source above 10 sigma: distance (px) from its XWIN/YWIN to the nearest of
    ``found``, and SExtractor's own isophotal-to-windowed distance (a blend's is large)."""
    sx = np.array([s.x for s in found])
    sy = np.array([s.y for s in found])
    bright = np.where(catalogue["snr"] > 10)[0]
    off = np.array([np.hypot(sx - catalogue["xwin"][i], sy - catalogue["ywin"][i]).min() for i in bright])
    own = np.hypot(catalogue["x"] - catalogue["xwin"], catalogue["y"] - catalogue["ywin"])[bright]
    return off, own, [found[int(np.argmin(np.hypot(sx - catalogue["xwin"][i], sy - catalogue["ywin"][i])))]
                      for i in bright]


def test_sextractor_configuration_reproduces_every_ten_sigma_xwin(catalogue):
    """SEP ports SExtractor's routines, so with its configuration the SEP engine finds exactly its
    65 objects (isophotal centres within 1e-3 px, SEP's own test tolerance) and every windowed
    centroid above 10 sigma agrees with XWIN/YWIN within 0.1 px (the issue); SEP's own test holds
    its windowed positions to 0.0015 px, and so does this."""
    obs = read_observation(DATA / "image.fits")
    found = find_sources(obs, engine="sep", **SEXTRACTOR)
    assert len(found.sources) == 65
    iso = np.array([[d.x, d.y] for d in found.detections])
    for x, y in zip(catalogue["x"], catalogue["y"], strict=True):
        assert np.hypot(iso[:, 0] - x, iso[:, 1] - y).min() < 1e-3
    off, _, srcs = _bright_offsets(catalogue, found.sources)
    assert len(off) == 34
    assert off.max() <= 0.1, off.max()
    assert off.max() <= 0.0015, off.max()
    assert all(s.method == "windowed" and 0 < s.x_err < 1 for s in srcs)
    # and the faint ones too: all 65 (object 10, FLUX_AUTO 0, has a zero-width window, as there)
    sx = np.array([s.x for s in found.sources])
    sy = np.array([s.y for s in found.sources])
    wins = zip(catalogue["xwin"], catalogue["ywin"], strict=True)
    worst = max(np.hypot(sx - x, sy - y).min() for x, y in wins)
    assert worst <= 0.0015, worst


def test_sextractor_configuration_on_the_photutils_engine(catalogue):
    """photutils' own background (Background2D) differs from SExtractor's by up to 13 ADU (0.2 of
    the noise) on this frame, which moves a faint isophote by a pixel here and there: every source
    above 10 sigma is still found and 33 of 34 agree within 0.1 px. The one that does not is
    SExtractor's object 31, two stars merged (deblending off) whose XWIN sits 4.9 px from its
    isophotal centre, on the slope between them: its window (sigma 5.8 px from a half-light radius
    that takes in the neighbour) moves it 0.012 px per 1% of sigma, and photutils' one-pixel-smaller
    isophote gives a 9% smaller window. It must be a blend and within 3 of our stated errors."""
    obs = read_observation(DATA / "image.fits")
    found = find_sources(obs, engine="photutils", **SEXTRACTOR)
    off, own, srcs = _bright_offsets(catalogue, found.sources)
    assert len(off) == 34
    assert (off <= 0.1).sum() >= 33
    for o, w, s in zip(off, own, srcs, strict=True):
        if o > 0.1:
            assert w > 1.0 and o < 3 * math.hypot(s.x_err, s.y_err), (o, w)


def test_cli_sources_sextractor_lists_windowed_centroids(catalogue, capsys):
    from paledot.cli import main

    assert main(["measure", str(DATA / "image.fits"), "--sources", "--sextractor", "--format", "json"]) == 0
    import json

    rows = json.loads(capsys.readouterr().out)["sources"]
    assert len(rows) == 65 and {r["method"] for r in rows} == {"windowed"}
    i = int(np.argmax(catalogue["snr"]))  # the brightest: its XWIN within 0.1 px (1e-3 found)
    assert min(math.hypot(r["x"] - catalogue["xwin"][i], r["y"] - catalogue["ywin"][i]) for r in rows) < 0.1


def test_cli_sextractor_needs_sources(capsys):
    from paledot.cli import main

    assert main(["measure", str(DATA / "image.fits"), "--sextractor"]) == 2
    assert "--sextractor applies to --sources" in capsys.readouterr().err


#: SExtractor's clean objects whose own isophotal and windowed centres lie over a pixel apart, so
#: that XWIN is no one place: #18 and #31 (5.8 and 4.9 px: windows sized from Kron apertures
#: that took in a neighbouring object, #19 and #34, settled on the slope between the two, where
#: no source is) and #49 (1.1 px: a galaxy's nucleus on an asymmetric disk; a fit places the
#: nucleus, 0.41 px from XWIN, a window the light). Each must still be found, and no farther from
#: XWIN than SExtractor's own isophotal centre is.
AMBIGUOUS_XWIN = [18, 31, 49]


@pytest.mark.parametrize("engine", ["sep", "photutils"])
def test_every_clean_sextractor_source_found(catalogue, engine):
    """All 27 clean SExtractor objects (FLAGS 0, FLUX_AUTO / FLUXERR_AUTO > 10) found with paledot's
    defaults, each within 0.1 px of XWIN/YWIN or within 3 sigma of the two tools' errors combined
    (paledot's x_err, y_err; SExtractor's ERRX2, ERRY2), but for :data:`AMBIGUOUS_XWIN`."""
    obs = read_observation(DATA / "image.fits")
    found = find_sources(obs, engine=engine).sources
    sx = np.array([s.x for s in found])
    sy = np.array([s.y for s in found])
    clean = np.where((catalogue["flags"] == 0) & (catalogue["snr"] > 10))[0]
    assert len(clean) == 27
    missing, bad, ambiguous, offsets = [], [], [], []
    for i in clean:
        n = int(i) + 1  # SExtractor's NUMBER
        # a match is the source nearest SExtractor's isophotal centre, within 2.5 px of it
        d = np.hypot(sx - catalogue["x"][i], sy - catalogue["y"][i])
        s = found[int(d.argmin())]
        if d.min() > 2.5:
            missing.append(n)
            continue
        off = math.hypot(s.x - catalogue["xwin"][i], s.y - catalogue["ywin"][i])
        sig = math.sqrt(s.x_err**2 + s.y_err**2 + catalogue["errx2"][i] + catalogue["erry2"][i])
        own = math.hypot(catalogue["x"][i] - catalogue["xwin"][i], catalogue["y"][i] - catalogue["ywin"][i])
        if own > 1.0:
            ambiguous.append(n)
            if off > own:
                bad.append(f"#{n}: {off:.3f} px from XWIN/YWIN, farther than its X/Y_IMAGE ({own:.3f} px)")
            continue
        offsets.append(off)
        if off > max(0.1, 3 * sig):
            bad.append(f"#{n}: {off:.3f} px from XWIN/YWIN, combined sigma {sig:.3f} px")
    assert ambiguous == AMBIGUOUS_XWIN
    assert not bad, bad
    assert not missing, f"SExtractor objects not found: {missing}"
    assert len(offsets) == 24 and sum(o <= 0.1 for o in offsets) >= 18


#: Bright isolated stars of the frame (SExtractor's NUMBER), and the (dx, dy) px shift and flux
#: ratio of the copy of each added beside it: 1.55 and 1.85 FWHM apart (the frame's stars are
#: 2.9 px FWHM).
PAIRS = [(n, shift, ratio) for n in (2, 55, 58) for shift, ratio in (((4, 2), 1.0), ((5, 2), 0.5))]


def _pair_frame(obs, catalogue, n, shift, ratio):
    """The frame with a copy of star ``n`` (its background-subtracted 15 x 15 px cut-out, times
    ``ratio``) added ``shift`` whole pixels away; and where the two stars are (XWIN/YWIN, shifted)."""
    i = n - 1
    bkg = find_sources(obs, fit=False).background.level
    ix, iy, h = int(round(catalogue["xwin"][i])), int(round(catalogue["ywin"][i])), 7
    image = obs.image.copy()
    cut = (obs.image - bkg)[iy - h : iy + h + 1, ix - h : ix + h + 1]
    dx, dy = shift
    image[iy - h + dy : iy + h + 1 + dy, ix - h + dx : ix + h + 1 + dx] += ratio * cut
    a = (catalogue["xwin"][i], catalogue["ywin"][i])
    return dataclasses.replace(obs, image=image), [a, (a[0] + dx, a[1] + dy)]


def test_close_pairs_split_as_sextractor_does_and_both_placed(catalogue):
    """A copy of a real star added 4.5 or 5.4 px from it (at 1 and 0.5 of its flux): SExtractor's
    own configuration with its default deblending (DEBLEND_NTHRESH 32, DEBLEND_MINCONT 0.005) splits
    each pair, and so do paledot's defaults on both engines, each star within 3 sigma of where it is
    (paledot's errors and SExtractor's ERRX2/ERRY2 of the original combined). Each member's fit is
    made on the frame less its neighbour's fitted light: the pulls' rms is 0.67 (1.31 with only the
    neighbour's own pixels left out, 2.9 sigma at worst)."""
    obs = read_observation(DATA / "image.fits")
    pulls = []
    for n, shift, ratio in PAIRS:
        pair, truth = _pair_frame(obs, catalogue, n, shift, ratio)
        sex = find_sources(pair, **{**SEXTRACTOR, "deblend_cont": 0.005}).detections
        near = [min(sex, key=lambda d, t=t: math.dist((d.x, d.y), t)) for t in truth]
        assert near[0] is not near[1], (n, shift, ratio)
        assert all(math.dist((d.x, d.y), t) < 1.5 for d, t in zip(near, truth, strict=True))
        e2 = catalogue["errx2"][n - 1] + catalogue["erry2"][n - 1]
        for engine in ("sep", "photutils"):
            found = find_sources(pair, engine=engine).sources
            got = [min(found, key=lambda s, t=t: math.dist((s.x, s.y), t)) for t in truth]
            assert got[0] is not got[1], (n, shift, ratio, engine)
            for s, t in zip(got, truth, strict=True):
                off = math.dist((s.x, s.y), t)
                sig = math.sqrt(s.x_err**2 + s.y_err**2 + e2)
                assert off < 3 * sig, (n, shift, ratio, engine, off, sig)
                pulls.append(off / sig)
    assert len(pulls) == 24 and math.sqrt(np.mean(np.square(pulls))) < 1.0, pulls
