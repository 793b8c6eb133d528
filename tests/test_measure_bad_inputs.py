"""Bad or empty frames: a clear one-line error or an honest "not found", never a crash or an
invented detection."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("sep")

from paledot._io.errors import PaledotError  # noqa: E402
from paledot.cameras import load_camera  # noqa: E402
from paledot.measure import find_sources, measure, observation_from_array, read_observation  # noqa: E402

T = "2023-05-21T03:10"


def _sky(shape=(256, 256), seed=1):
    return np.random.default_rng(seed).normal(100.0, 5.0, shape)


def _obs(img, **kw):
    from paledot.time.timescales import to_et

    return observation_from_array(img, et=float(to_et(T)[0]), observer="mars", **kw)


def test_empty_frame_finds_nothing_and_says_earth_not_found():
    m = measure(_obs(_sky()))
    assert m.sources.sources == []
    assert m.verdict.startswith("Earth not found")
    assert not m.identification.bodies


def test_perfectly_flat_frame():
    m = measure(_obs(np.full((64, 64), 7.0)))
    assert m.sources.sources == [] and m.verdict.startswith("Earth not found")


def test_single_hot_pixel_is_flagged_not_taken_for_earth():
    img = _sky()
    img[100, 120] = 60000.0
    found = find_sources(_obs(img)).sources
    assert len(found) == 1 and "hot" in found[0].flags
    m = measure(_obs(img))
    assert "earth" not in m.identification.bodies and m.verdict.startswith("Earth not found")


def test_nans_are_masked_and_a_star_is_still_measured():
    img = _sky()
    yy, xx = np.mgrid[:256, :256]
    img += 5000 * np.exp(-0.5 * ((xx - 60.3) ** 2 + (yy - 70.7) ** 2) / 1.2**2)
    img[10:40, 150:200] = np.nan
    found = find_sources(_obs(img)).sources
    assert len(found) == 1
    assert abs(found[0].x - 60.3) < 0.05 and abs(found[0].y - 70.7) < 0.05


def test_wrong_shapes_are_refused():
    with pytest.raises(PaledotError, match="2-D"):
        observation_from_array(np.zeros(100))
    with pytest.raises(PaledotError, match="too small"):
        find_sources(observation_from_array(np.zeros((5, 1008))))
    with pytest.raises(PaledotError, match="no finite pixel"):
        observation_from_array(np.full((20, 20), np.nan))


def test_jpeg_without_a_time_lists_sources_and_says_why_nothing_is_identified(tmp_path):
    img = np.zeros((120, 160), np.uint8)
    img[50:53, 70:73] = 255
    p = tmp_path / "press.jpg"
    Image.fromarray(img).save(p, quality=95)
    obs = read_observation(p, observer="mars")
    m = measure(obs)
    assert obs.et is None
    assert m.verdict == "not identified: the frame's time is unknown"
    assert len(m.sources.sources) == 1
    assert measure(read_observation(p)).verdict == "not identified: the frame's time and observer are unknown"


def test_a_planet_limb_is_extended_and_not_taken_for_earth():
    """A bright limb across the corner, and a real Earth+Moon pair elsewhere (rendered)."""
    import warnings

    from astropy import units as u
    from astropy.coordinates import SkyCoord

    from paledot.render import Scene, render

    cam = load_camera("hrsc-src")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = render(Scene(T, "mars", ["earth", "moon"], cam, seed=3))
    img = f.dn.astype(float)
    yy, xx = np.mgrid[: img.shape[0], : img.shape[1]]
    limb = np.hypot(xx + 600, yy + 600) < 1100  # a disk far bigger than the frame, cut by the corner
    img[limb] += 12000.0
    from paledot.time.timescales import to_et

    obs = observation_from_array(
        img,
        wcs=f.wcs,
        et=float(to_et(T)[0]),
        observer="mars",
        camera=cam,
        gain=2.0,
        read_noise=10.0,
        saturation=15000.0,
    )
    m = measure(obs)
    assert any("extended" in s.flags for s in m.sources.sources)
    e = m.body("earth")
    truth = f.wcs.world_to_pixel(SkyCoord(f.body("earth").ra_deg * u.deg, f.body("earth").dec_deg * u.deg))
    assert e is not None and "extended" not in e.flags
    assert np.hypot(e.x - float(truth[0]), e.y - float(truth[1])) < 0.1
