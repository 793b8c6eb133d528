"""Hidden bodies: depth order in the renderer against the project's ``occultation`` module (the
independent expectation): the observer's planet cuts a target at its limb, a nearer target hides a
farther one, the Sun-exclusion cone is warned about, and an empty frame is an error on the CLI."""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import numpy as np
import pytest

from paledot.cameras import load_camera
from paledot.celestial.ephemeris import default_ephemeris
from paledot.cli import main
from paledot.geometry import observe
from paledot.geometry.occultation import (
    FULL,
    PARTIAL,
    VISIBLE,
    exclusion,
    limb_height,
    occultation,
    occulter_state,
)
from paledot.observers import FixedState
from paledot.observers.orbits import KeplerOrbit
from paledot.render import Pointing, RenderWarning, Scene, render
from paledot.time.timescales import to_et

SRC = load_camera("hrsc-src")
# An orbit of Mars Express's size whose plane lets Mars hide Earth once an orbit (as in the
# occultation tests); Earth sets behind Mars at about 06:16:40 and rises near 06:48:00 UTC.
ORBIT = KeplerOrbit("mars", epoch="2023-05-15", periapsis_altitude_km=298, apoapsis_altitude_km=10107,
                    inclination=86, node=90, argp=30, plane="equator", name="test craft")


def _quiet_render(scene):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RenderWarning)
        frame = render(scene)
    return frame, [str(w.message) for w in caught]


def _rise_epoch() -> float:
    """The epoch Earth's centre crosses Mars's limb (limb height 0), by bisection on ``occultation``."""
    lo, hi = float(to_et("2023-05-15T06:47:50")[0]), float(to_et("2023-05-15T06:48:10")[0])
    assert occultation(ORBIT, ["earth"], np.array([lo]), "LT").state[0, 0] == FULL
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        h = occultation(ORBIT, ["earth"], np.array([mid]), "LT").limb_height.to_value("rad")[0, 0]
        lo, hi = (mid, hi) if h < 0 else (lo, mid)
    return 0.5 * (lo + hi)


@pytest.mark.parametrize("offset_s,state", [(-30.0, FULL), (0.0, PARTIAL), (30.0, VISIBLE)])
def test_mars_cuts_earth_as_occultation_says(offset_s, state):
    t = _rise_epoch() + offset_s
    occ = occultation(ORBIT, ["earth"], np.array([t]), "LT")
    assert occ.state[0, 0] == state
    frame, msgs = _quiet_render(Scene(t, ORBIT, ["earth"], SRC, Pointing("target", target="earth"),
                                      exposure=0.01, noise=False, correction="LT"))
    earth = frame.body("earth")
    if state == FULL:
        assert earth.hidden and earth.electrons == 0 and earth.hidden_by == "mars"
        assert frame.expected.max() == 0
        assert frame.meta["nothing_seen"].startswith("nothing to see")
    elif state == PARTIAL:
        # centre on the limb: about half the light (the disk is gibbous, so not exactly half)
        assert 0.25 < earth.visible_fraction < 0.75 and not earth.hidden
        assert any("hidden behind mars" in m for m in msgs)
    else:
        assert earth.visible_fraction == 1.0 and earth.hidden_by == "" and earth.electrons > 0


@pytest.mark.parametrize("offset_s,state", [(-30.0, FULL), (0.0, PARTIAL), (30.0, VISIBLE)])
def test_stellar_aberration_moves_earth_and_mars_limb_together(offset_s, state):
    """With LT+S (the default) the verdicts are those of ``occultation`` (which leaves +S out, as
    SPICE's OCCULT does), and a partly hidden Earth keeps its share within 0.02."""
    t = _rise_epoch() + offset_s
    shares = []
    for correction in ("LT", "LT+S"):
        frame, _ = _quiet_render(Scene(t, ORBIT, ["earth"], SRC, Pointing("target", target="earth"),
                                       exposure=0.01, noise=False, correction=correction))
        shares.append(frame.body("earth").visible_fraction)
    assert shares[1] == pytest.approx(shares[0], abs=0.02)
    assert (shares[1] == 0.0) == (state == FULL) and (shares[1] == 1.0) == (state == VISIBLE)


def test_light_of_a_partly_hidden_earth_comes_only_from_above_mars_limb():
    """Every pixel holding light looks at a direction outside Mars's outline (per ``limb_height``),
    within the pixel's half-diagonal; and the cut is right at the limb."""
    t = np.array([_rise_epoch()])
    frame, _ = _quiet_render(Scene(float(t[0]), ORBIT, ["earth"], SRC, Pointing("target", target="earth"),
                                   exposure=0.01, noise=False, psf=False, correction="LT"))
    eph = default_ephemeris()
    obs_pos, _ = ORBIT.state(eph, t)
    _, body, mars_pos, matrix = occulter_state(ORBIT, eph, t, obs_pos, "LT")
    ys, xs = np.nonzero(frame.expected > 0)
    ra, dec = frame.wcs.pixel_to_world_values(xs, ys)
    ra, dec = np.radians(ra), np.radians(dec)
    dirs = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)
    heights = limb_height(mars_pos, matrix, body.radii_km, dirs[:, None, :])[:, 0] / SRC.pixel_scale_rad
    assert heights.min() > -0.75
    assert heights.min() < 1.0  # light right up to the limb


def _lens_fraction(sep: float, big: float, small: float) -> float:
    """Share of a small disk (radius ``small``) outside a big one (radius ``big``), centres ``sep``
    apart: one minus the circle-circle intersection over the small disk's area."""
    if sep >= big + small:
        return 1.0
    if sep <= big - small:
        return 0.0
    a = small**2 * math.acos((sep**2 + small**2 - big**2) / (2 * sep * small))
    b = big**2 * math.acos((sep**2 + big**2 - small**2) / (2 * sep * big))
    c = 0.5 * math.sqrt((-sep + small + big) * (sep + small - big) * (sep - small + big)
                        * (sep + small + big))
    return 1.0 - (a + b - c) / (math.pi * small**2)


FULL_MOON = "2023-05-05T17:34"  # Sun, Earth and Moon in a line: seen from sunward, both are full


def _probe_behind_earth(sideways_km: float) -> FixedState:
    """A probe 10 Earth-Moon distances sunward of Earth, on the Moon-Earth line (moved sideways by
    ``sideways_km``), fixed relative to the Sun."""
    eph = default_ephemeris()
    et = to_et(FULL_MOON)
    sun, earth, moon = (eph.state(i, et)[0][0] for i in (10, 399, 301))
    axis = earth - moon
    side = np.cross(axis, [0.0, 0.0, 1.0])
    side /= np.linalg.norm(side)
    pos = earth + 10 * axis + sideways_km * side - sun
    return FixedState("sun", pos, source="test geometry", name="test probe")


@pytest.mark.parametrize("correction", ["LT", "LT+S"])
@pytest.mark.parametrize("sideways_km", [0.0, 70_000.0, 74_000.0, 200_000.0])
def test_moon_behind_earth_is_hidden_by_the_share_occultation_gives(sideways_km, correction):
    """A nearer target hides a farther one: the Moon's visible share matches the area of its disk
    outside Earth's outline, from ``occultation``'s limb height (occulter Earth), within 0.005,
    with stellar aberration or without (it moves the Moon and Earth's limb together)."""
    probe = _probe_behind_earth(sideways_km)
    et = to_et(FULL_MOON)
    occ = occultation(probe, ["moon"], et, "LT", occulter="earth")
    g = observe(probe, ["earth", "moon"], et, "LT")
    sep = float(g.separation("earth", "moon").to_value("rad")[0])
    h = float(occ.limb_height.to_value("rad")[0, 0])
    rho = float(occ.target_radius.to_value("rad")[0, 0])
    expected = _lens_fraction(sep, sep - h, rho)  # Earth's outline radius along that direction
    cam = replace(SRC, focal_length_mm=SRC.focal_length_mm / 10, sources={})  # both in the field
    at_moon = Pointing("target", target="moon")
    frame, _ = _quiet_render(Scene(FULL_MOON, probe, ["earth", "moon"], cam, at_moon,
                                   exposure=0.001, noise=False, correction=correction,
                                   laws={"moon": "uniform"}))
    moon = frame.body("moon")
    assert moon.visible_fraction == pytest.approx(expected, abs=0.005)
    assert moon.hidden == (occ.state[0, 0] == FULL)
    assert (moon.hidden_by == "earth") == (occ.state[0, 0] != VISIBLE)
    assert frame.body("earth").visible_fraction == 1.0  # nothing in front of the nearer body


def test_sun_exclusion_is_warned_as_exclusion_says():
    t = "2023-05-15T14:08"
    gap = float(exclusion("mars", "earth", [t], half_angle=40, include_central=False)["sun"][0][0])
    for cone in (math.degrees(gap) - 2, math.degrees(gap) + 2):
        cam = replace(SRC, sun_exclusion_deg=cone, sources={})
        at_earth = Pointing("target", target="earth")
        _, msgs = _quiet_render(Scene(t, "mars", ["earth"], cam, at_earth, noise=False))
        warned = any("Sun-exclusion cone" in m for m in msgs)
        assert warned == (cone > math.degrees(gap))


def test_cli_says_nothing_to_see_and_exits_non_zero(tmp_path, capsys):
    """Earth behind Mars and the Moon off the field: one line, exit 2, no file written."""
    when = "ET:" + repr(_rise_epoch() - 60.0)
    out = tmp_path / "f.fits"
    observer = "kepler:mars,peri_alt=298,apo_alt=10107,i=86,node=90,argp=30,epoch=2023-05-15"
    code = main(["render", "--observer", observer, "--camera", "hrsc-src", "--time", when,
                 "--target", "earth", "--target", "moon", "--pointing", "earth", "--out", str(out)])
    _, err = capsys.readouterr()
    lines = [x for x in err.splitlines() if x.startswith("paledot: error")]
    assert code == 2 and len(lines) == 1 and "nothing to see" in lines[0]
    assert "earth hidden by mars" in lines[0] and "moon" in lines[0]
    assert not out.exists()


def test_a_site_horizon_hides_earth_as_occultation_says():
    """From a site on Mars's equator Earth sets: its horizon cuts the disk as the elevation from
    ``occultation`` says (clear half a second before the centre crosses, gone half a second after)."""
    from scipy.optimize import brentq

    from paledot.time.timescales import time_grid

    site = "site:mars,lat=0,lon=0,alt=0"
    grid = time_grid("2023-05-21T00:00", "2023-05-22T00:00", "1h")
    height = occultation(site, ["earth"], grid).limb_height.to_value("rad")[0]
    k = int(np.nonzero(np.diff(np.sign(height)))[0][0])

    def elevation(x):
        return occultation(site, ["earth"], np.array([x])).limb_height.to_value("rad")[0, 0]

    crossing = brentq(elevation, grid[k], grid[k + 1], xtol=1e-4)
    shares = {}
    for dt in (-0.5, 0.0, 0.5):
        state = occultation(site, ["earth"], np.array([crossing + dt])).state[0, 0]
        at_earth = Pointing("target", target="earth")
        scene = Scene(crossing + dt, site, ["earth"], SRC, at_earth, exposure=0.01, noise=False)
        frame, _ = _quiet_render(scene)
        shares[dt] = (frame.body("earth").visible_fraction, state)
    setting = elevation(crossing - 1) > 0
    before, after = (shares[-0.5], shares[0.5]) if setting else (shares[0.5], shares[-0.5])
    assert before == (1.0, VISIBLE) and after == (0.0, FULL)
    assert 0.05 < shares[0.0][0] < 0.95 and shares[0.0][1] == PARTIAL
