"""Kepler orbits against SPICE's CONICS and OSCELT, element handling, and the Mars Express preset."""

from __future__ import annotations

import numpy as np
import pytest

from paledot import PaledotError, default_ephemeris, observe, resolve_body
from paledot.celestial.gravity import GM_DE440, gm
from paledot.celestial.orientation import rotation_model
from paledot.observers import as_observer
from paledot.observers.kepler import Elements, from_state, propagate
from paledot.observers.orbits import KeplerOrbit, plane_matrix

MU_MARS = GM_DE440[499]


def _random_elements(rng, hyperbolic=False):
    e = rng.uniform(1.05, 4.0) if hyperbolic else rng.uniform(0.0, 0.95)
    return Elements(rp=rng.uniform(3500.0, 20000.0), e=e, i=rng.uniform(0, np.pi),
                    node=rng.uniform(0, 2 * np.pi), argp=rng.uniform(0, 2 * np.pi),
                    m0=rng.uniform(-np.pi, np.pi), t0=rng.uniform(-1e9, 1e9), mu=MU_MARS)


def _conics(sp, el, et):
    elts = [el.rp, el.e, el.i, el.node, el.argp, el.m0, el.t0, el.mu]
    return np.array([sp.conics(elts, t) for t in et])


@pytest.mark.parametrize("seed", range(6))
def test_ellipses_match_spice_conics_within_1m_over_many_orbits(spice, seed):
    rng = np.random.default_rng(seed)
    el = _random_elements(rng)
    # 2,000 epochs spread over 1,000 orbits either side of the element epoch.
    et = el.t0 + np.sort(rng.uniform(-1000, 1000, 2000)) * el.period
    pos, vel = propagate(el, et)
    ref = _conics(spice, el, et)
    assert np.linalg.norm(pos - ref[:, :3], axis=1).max() < 1e-3
    assert np.linalg.norm(vel - ref[:, 3:], axis=1).max() < 1e-6  # 1 mm/s


@pytest.mark.parametrize("seed", range(3))
def test_hyperbolas_match_spice_conics_within_1m(spice, seed):
    rng = np.random.default_rng(100 + seed)
    el = _random_elements(rng, hyperbolic=True)
    et = el.t0 + np.linspace(-3e5, 3e5, 1001)  # several days through the flyby
    pos, vel = propagate(el, et)
    ref = _conics(spice, el, et)
    assert np.linalg.norm(pos - ref[:, :3], axis=1).max() < 1e-3
    assert np.linalg.norm(vel - ref[:, 3:], axis=1).max() < 1e-6


def _angle_diff(a, b):
    return np.abs(np.angle(np.exp(1j * (np.asarray(a) - np.asarray(b)))))


@pytest.mark.parametrize("seed", range(20))
def test_elements_state_elements_round_trip_via_spice_oscelt(spice, seed):
    rng = np.random.default_rng(200 + seed)
    el = _random_elements(rng, hyperbolic=seed % 5 == 4)
    el = Elements(el.rp, el.e, np.clip(el.i, 0.05, np.pi - 0.05), el.node, el.argp, el.m0, el.t0, el.mu)
    pos, vel = propagate(el, np.array([el.t0]))
    ref = spice.oscelt(np.concatenate((pos[0], vel[0])), el.t0, el.mu)
    assert abs(ref[0] - el.rp) / el.rp < 1e-9
    assert abs(ref[1] - el.e) < 1e-9 * max(1.0, el.e)
    for ours, theirs in ((el.i, ref[2]), (el.node, ref[3]), (el.argp, ref[4]), (el.m0, ref[5])):
        assert _angle_diff(ours, theirs) < 1e-9 * 2 * np.pi
    # and paledot's own inverse agrees with SPICE's
    back = from_state(pos[0], vel[0], el.t0, el.mu)
    assert abs(back.rp - ref[0]) / ref[0] < 1e-9 and abs(back.e - ref[1]) < 1e-9
    assert _angle_diff(back.m0, ref[5]) < 1e-9 * 2 * np.pi


def test_equator_plane_has_the_iau_pole_as_its_axis():
    m = plane_matrix("equator", resolve_body("mars"), 7e8)
    pole = rotation_model("mars").pole([7e8])[0]
    assert np.allclose(m[:, 2], pole, atol=1e-15)
    assert np.allclose(m.T @ m, np.eye(3), atol=1e-15)
    assert abs(m[2, 0]) < 1e-15  # x axis (the node) lies in the J2000 equator


def test_orbit_state_is_the_centre_plus_the_conic(spice):
    orbit = KeplerOrbit("mars", epoch="2023-05-15", a_km=9000.0, e=0.5, inclination=80, node=30,
                        argp=40, mean_anomaly=50, plane="j2000")
    et = orbit.epoch_et + np.linspace(0, 1e5, 50)
    pos, vel = orbit.state(default_ephemeris(), et)
    el = orbit.elements
    ref = _conics(spice, el, et)
    mars = np.array([spice.spkgeo(4, t, "J2000", 0)[0] for t in et])
    assert np.linalg.norm(pos - (mars[:, :3] + ref[:, :3]), axis=1).max() < 1e-3


def test_periapsis_time_and_mean_anomaly_are_the_same_phase():
    a = KeplerOrbit("earth", epoch="ET:1000", a_km=8000, e=0.1, periapsis_time="ET:400")
    b = KeplerOrbit("earth", epoch="ET:1000", a_km=8000, e=0.1,
                    mean_anomaly=np.degrees(a.elements.mean_motion * 600.0))
    assert np.allclose(a.relative_state([5000.0])[0], b.relative_state([5000.0])[0], atol=1e-9)


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        (dict(periapsis_altitude_km=300, e=1.2), "not an ellipse"),
        (dict(a_km=9000, e=1.0), "not an ellipse"),
        (dict(periapsis_altitude_km=-50, apoapsis_altitude_km=10000), "below Mars's surface"),
        (dict(a_km=4000, e=0.5), "below Mars's surface"),
        (dict(periapsis_altitude_km=300, apoapsis_altitude_km=200), "below the periapsis"),
        (dict(periapsis_altitude_km=300, e=0.9, hyperbolic=True), "above 1"),
        (dict(periapsis_altitude_km=300, apoapsis_altitude_km=900, hyperbolic=True), "no apoapsis"),
        (dict(a_km=9000, e=0.1, inclination=200), "between 0 and 180"),
        (dict(a_km=9000), "size and shape"),
    ],
)
def test_bad_elements_are_one_line_errors(kwargs, needle):
    with pytest.raises(PaledotError, match=needle) as info:
        KeplerOrbit("mars", epoch="2023-05-15", **kwargs)
    assert "\n" not in str(info.value)


def test_hyperbolic_flyby_is_allowed_with_its_flag():
    flyby = KeplerOrbit("mars", epoch="2023-05-15", periapsis_altitude_km=500, e=1.5, hyperbolic=True)
    assert flyby.period_s == np.inf and flyby.elements.a < 0


def test_gm_is_de440s():
    assert gm("mars") == 4.282837362069909e04 and gm(399) == 3.9860043550702266e05
    with pytest.raises(PaledotError, match="no DE440 GM"):
        gm("pluto")


def test_mars_express_preset_matches_the_published_orbit():
    mex = as_observer("Mars Express", None)
    assert isinstance(mex, KeplerOrbit) and as_observer("  MEX ", None).name == "mars express"
    el = mex.elements
    radius = 3396.19
    assert abs(el.rp - radius - 298.0) < 1e-6
    assert abs(el.rp * (1 + el.e) / (1 - el.e) - radius - 10107.0) < 1e-6
    assert abs(mex.period_s / 3600 - 6.7) < 0.05  # ESA: 6.7 h
    assert abs(np.degrees(el.i) - 86.0) < 1e-12
    assert "nominal" in mex.note and "SPICE" in mex.note


def test_observe_from_mars_express_is_within_its_orbit_of_mars_centre():
    times = ["2023-05-15T14:08", "2023-05-21T03:10", "2023-05-27T19:49", "2023-06-02T15:00"]
    mex = observe("mars express", ["earth", "moon"], times).range.to_value("km")
    mars = observe("mars", ["earth", "moon"], times).range.to_value("km")
    offset = np.abs(mex - mars)
    assert offset.max() < 3396.19 + 10107.0 and offset.max() > 1.0
