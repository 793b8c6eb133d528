"""Occultation by the observer's planet against SPICE's OCCULT, and the Sun-exclusion cone.

A Mars-Express-sized orbit whose plane passes near Earth's direction (so Earth really is hidden on
every orbit) is written to an SPK; SPICE, with a PCK of the same IAU constants and radii, judges
3,000 random epochs and the instants where Earth's centre sits on the limb. Verdicts must be the
same everywhere outside a 0.1 arcsecond band around the full/partial/visible boundaries.
"""

from __future__ import annotations

import numpy as np
import pytest

from paledot import Ephemeris, PaledotError, to_et
from paledot.celestial.orientation import rotation_model
from paledot.geometry.occultation import FULL, PARTIAL, VISIBLE, exclusion, limb_height, occultation
from paledot.geometry.visibility import visible_spans
from paledot.observers.orbits import KeplerOrbit

ARCSEC = np.radians(1 / 3600)
CRAFT_ID, CRAFT_NAME = -999002, "PALEDOT OCCULT CRAFT"
# OCCULT(first=MARS, second=target): 3 total, 2 annular, 1 partial occultation of the second by the
# first; 0 none; negative when the target is the one in front.
SPICE_CODE = {3: FULL, 2: PARTIAL, 1: PARTIAL, 0: VISIBLE, -1: VISIBLE, -2: VISIBLE, -3: VISIBLE}


@pytest.fixture(scope="module")
def setup(spice, iau_kernels, tmp_path_factory):
    from kernels import write_names, write_spk13

    eph = Ephemeris([iau_kernels["mars"]])  # Mars's centre = its barycentre, named as SPICE names it
    orbit = KeplerOrbit("mars", epoch="2023-05-15", periapsis_altitude_km=298, apoapsis_altitude_km=10107,
                        inclination=86, node=90, argp=30, plane="equator", name="occult craft")
    et = to_et("2023-05-15T00:00")[0] + 30.0 * np.arange(2 * 2880 + 1)
    pos, vel = orbit.relative_state(et)
    folder = tmp_path_factory.mktemp("occ")
    write_spk13(spice, folder / "occ.bsp", CRAFT_ID, 499, et, pos, vel)
    write_names(folder / "occ.tf", {CRAFT_NAME: CRAFT_ID})
    spice.furnsh(str(folder / "occ.bsp"))
    spice.furnsh(str(folder / "occ.tf"))
    return eph, orbit, et


def _spice_verdicts(sp, target, et, corr):
    frame = {"EARTH": "IAU_EARTH", "MOON": "IAU_MOON", "SUN": "IAU_SUN"}[target]
    return np.array([SPICE_CODE[sp.occult("MARS", "ELLIPSOID", "IAU_MARS", target, "ELLIPSOID", frame,
                                          corr, CRAFT_NAME, e)] for e in et])


@pytest.mark.parametrize("corr", ["NONE", "CN"])
def test_verdicts_match_spice_occult_away_from_the_limb(spice, setup, corr):
    eph, orbit, grid = setup
    rng = np.random.default_rng(11)
    et = np.sort(rng.uniform(grid[10], grid[-10], 3000))
    # add the instants Earth's centre crosses the limb, where SPICE must say "partial"
    edges = visible_spans(orbit, "earth", grid[10], grid[-10], 60.0, corr, eph, whole=False).spans
    edges = edges.ravel()[(edges.ravel() > grid[10]) & (edges.ravel() < grid[-10])]
    et = np.sort(np.concatenate((et, edges)))
    occ = occultation(orbit, ["earth", "moon", "sun"], et, corr, eph)
    h, rho = occ.limb_height.to_value("rad"), occ.target_radius.to_value("rad")
    clear = (np.abs(h - rho) > 0.1 * ARCSEC) & (np.abs(h + rho) > 0.1 * ARCSEC)
    for i, target in enumerate(["EARTH", "MOON", "SUN"]):
        ref = _spice_verdicts(spice, target, et, corr)
        ours = occ.state[i]
        bad = np.flatnonzero(clear[i] & (ours != ref))
        assert bad.size == 0, f"{target}: {bad.size} differ, e.g. ours {ours[bad[:3]]} SPICE {ref[bad[:3]]}"
        if target == "EARTH":  # the test means something: every verdict occurs
            counts = np.bincount(ours[clear[i]], minlength=3)
            assert counts[VISIBLE] > 1000 and counts[FULL] > 100 and counts[PARTIAL] >= 8, counts


def test_limb_height_of_a_sphere_is_the_textbook_angle():
    d = np.array([[10000.0, 0.0, 0.0]])
    radii = (3000.0, 3000.0, 3000.0)
    m = np.eye(3)[None]
    limb = np.arcsin(0.3)
    for off in (0.0, 0.1, 0.5, 1.0, 2.0):
        direction = np.array([[np.cos(off), np.sin(off), 0.0]])
        assert abs(limb_height(d, m, radii, direction)[0] - (off - limb)) < 1e-14


def test_limb_height_sign_is_exactly_whether_the_ray_hits_the_ellipsoid():
    rng = np.random.default_rng(3)
    radii = np.array([3396.19, 3396.19, 3376.20])
    m = rotation_model("mars").matrix(rng.uniform(-1e9, 1e9, 2000))[0]
    obs = rng.normal(size=(2000, 3))
    obs *= (rng.uniform(3700, 15000, 2000) / np.linalg.norm(obs, axis=1))[:, None]
    body = -np.einsum("nji,nj->ni", m, obs)  # observer at obs in body axes: centre at -obs in J2000
    u = rng.normal(size=(2000, 3))
    h = limb_height(body, m, tuple(radii), u)
    # ray-ellipsoid intersection in body axes, scaled to a unit sphere
    p = obs / radii
    d = np.einsum("nij,nj->ni", m, u) / radii
    b = np.sum(p * d, axis=1)
    disc = b * b - np.sum(d * d, axis=1) * (np.sum(p * p, axis=1) - 1)
    hits = (disc > 0) & (b < 0)
    assert np.array_equal(h < 0, hits)


def test_observer_inside_the_body_is_refused():
    with pytest.raises(PaledotError, match="inside the occulting body"):
        limb_height(np.array([[1000.0, 0, 0]]), np.eye(3)[None], (3000.0, 3000.0, 3000.0),
                    np.array([[1.0, 0, 0]]))


def test_sun_exclusion_cone_flags_the_sun_and_mars():
    times = ["2023-05-15T14:08", "2023-06-02T15:00"]
    near = exclusion("mars express", "earth", times, half_angle=40)
    far = exclusion("mars express", "earth", times, half_angle=1)
    # Earth is 32.6 deg from the Sun seen from Mars (elongation): inside a 40 deg cone, not 1 deg
    assert near["sun"][1].all() and not far["sun"][1].any()
    assert np.all(near["sun"][0] > np.radians(30))
    assert set(near) == {"sun", "mars"}
    with pytest.raises(PaledotError, match="half_angle"):
        exclusion("mars express", "earth", times, half_angle=0)


def test_visible_spans_match_spice_gfoclt(spice, setup):
    """The span edges of paledot's scan-and-bisect against SPICE's own occultation search."""
    eph, orbit, grid = setup
    lo, hi = grid[10], grid[10] + 86400.0
    ours = visible_spans(orbit, "earth", lo, hi, "1min", "LT", eph, whole=True).spans
    cnfine = spice.cell_double(2)
    spice.wninsd(lo, hi, cnfine)
    hidden = spice.gfoclt("ANY", "MARS", "ELLIPSOID", "IAU_MARS", "EARTH", "ELLIPSOID", "IAU_EARTH", "LT",
                          CRAFT_NAME, 60.0, cnfine, spice.cell_double(200))
    visible = spice.wndifd(cnfine, hidden)
    ref = np.array([spice.wnfetd(visible, k) for k in range(spice.wncard(visible))])
    assert ours.shape == ref.shape and ours.shape[0] >= 4  # several orbits, each with a hidden part
    assert np.abs(ours - ref).max() < 0.01  # seconds
