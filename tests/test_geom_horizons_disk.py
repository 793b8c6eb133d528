"""Which face of Mars we see, against saved JPL Horizons outputs (sources: tests/data/horizons/README.md).

Horizons' conventions, from its column notes, and the like-for-like paledot setting:
- ``ObsSub-LON``/``ObsSub-LAT`` (quantity 14): the point under the disc centre with the down-leg
  light time only (no stellar aberration on that line): paledot's sub-observer point with
  ``correction="LT"``. Measured: with ``LT+S`` it is 0.005 deg off; with ``LT`` it is within
  5e-7 deg of the 6 printed decimals.
- ``SunSub-LON``/``SunSub-LAT`` (15): with the Sun-to-target light time and the aberration of
  the Sun's light at the moving target: paledot's sub-solar point with ``LT+S``.
- For Mars Horizons prints west longitudes (``IAU_MARS {West-longitude positive}``, the IAU
  planetographic convention for a prograde rotator); paledot's are planetocentric east, so
  west = 360 - east.
- Latitudes are planetodetic (geodetic on the 3396.19 x 3376.2 km spheroid); paledot's are
  planetocentric, converted here by astropy's geodetic representations.
- ``NP.ang`` (17): from the true-of-date celestial north; paledot's from J2000 north, turned to the
  true equator of date here by astropy's ``TETE`` frame.
- ``S-T-O`` (24): phase angle with the down-leg stellar aberration = paledot's ``LT+S`` phase angle.
- ``r``/``delta`` (19, 20): light-time corrected heliocentric and observer distances.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
from astropy.coordinates import TETE, SkyCoord
from astropy.coordinates.representation import BaseBodycentricRepresentation, BaseGeodeticRepresentation
from astropy.time import Time
from horizons_tables import AU_KM, HORIZONS

from paledot import observe
from paledot.geometry.disk import planetographic

DEG_MAS = 3.6e6

# Horizons' Mars spheroid ("Target radii : 3396.19, 3396.19, 3376.2 km")
_A, _C = 3396.19 * u.km, 3376.2 * u.km


class _MarsGeodetic(BaseGeodeticRepresentation):
    _equatorial_radius = _A
    _flattening = (1 - _C / _A) * u.dimensionless_unscaled


class _MarsCentric(BaseBodycentricRepresentation):
    _equatorial_radius = _A
    _flattening = (1 - _C / _A) * u.dimensionless_unscaled


def _planetodetic(lat_planetocentric: u.Quantity) -> np.ndarray:
    """Geodetic latitude (deg) of the surface point at a planetocentric latitude, by astropy."""
    centric = _MarsCentric(lon=np.zeros(lat_planetocentric.shape) * u.deg, lat=lat_planetocentric,
                           height=np.zeros(lat_planetocentric.shape) * u.km)
    return centric.represent_as(_MarsGeodetic).lat.to_value("deg")


def _west(east: u.Quantity) -> np.ndarray:
    return (360.0 - east.to_value("deg")) % 360.0


def _dlon(a, b) -> np.ndarray:
    return np.abs((np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0)


def _astrogo():
    rows = np.genfromtxt(HORIZONS / "mars_geocentric_astrogo.csv", delimiter=",", dtype=None,
                         encoding="utf-8", comments="#")
    return [str(r[0]) for r in rows], {k: np.array([r[i] for r in rows], dtype=float) for i, k in
                                       enumerate(("date", "obs_lon_w", "sun_lon_w", "hecl_lon", "sto",
                                                  "apmag", "r", "delta")) if i}


def test_sub_observer_longitude_matches_horizons_eleven_dates():
    """Eleven dates 2003-2026 (Horizons' pck00011 Mars model, as paledot's): within 2e-5 deg
    (measured 5e-7 deg, the print's last digit). With stellar aberration the point moves by 0.005
    deg, which the comparison sees."""
    dates, h = _astrogo()
    g = observe("earth", "mars", dates, correction="LT")
    d = _dlon(_west(g.sub_observer_lon[0]), h["obs_lon_w"])
    print("deg", d.max())
    assert d.max() < 2e-5
    aberrated = observe("earth", "mars", dates, correction="LT+S")
    assert _dlon(_west(aberrated.sub_observer_lon[0]), h["obs_lon_w"]).max() > 1e-3


def test_sub_solar_longitude_phase_and_distances_match_horizons():
    """Sub-solar longitude within 5e-5 deg (measured 1.3e-5), S-T-O within 1e-4 deg (printed to
    1e-4; measured 4.1e-5), r within 1 m (printed to 0.15 m; measured 0.23 m), delta within 1 km
    (measured 0.74 km: DE441, which Horizons uses, against DE440)."""
    dates, h = _astrogo()
    g = observe("earth", "mars", dates, correction="LT+S")
    d_sun = _dlon(_west(g.sub_solar_lon[0]), h["sun_lon_w"])
    d_phase = np.abs(g.phase_angle[0].to_value("deg") - h["sto"])
    d_r = np.abs(g.heliocentric_distance[0].to_value("km") - h["r"] * AU_KM)
    d_delta = np.abs(g.range[0].to_value("km") - h["delta"] * AU_KM)
    print(d_sun.max(), d_phase.max(), d_r.max(), d_delta.max())
    assert d_sun.max() < 5e-5
    assert d_phase.max() < 1e-4
    assert d_r.max() < 1e-3
    assert d_delta.max() < 1.0


def _casa_row() -> dict[str, float]:
    title, row = (HORIZONS / "mars_geocentric_2010_casa.txt").read_text().splitlines()
    assert title.split()[0] == "Date__(UT)__HR:MN"
    v = row.split()
    ra = (float(v[2]) + float(v[3]) / 60 + float(v[4]) / 3600) * 15
    sign = -1.0 if v[5].startswith("-") else 1.0
    dec = sign * (abs(float(v[5])) + float(v[6]) / 60 + float(v[7]) / 3600)
    names = ("ob_lon", "ob_lat", "sl_lon", "sl_lat", "np_ang", "np_dist", "r", "rdot", "delta",
             "deldot", "sto", "ls")
    return {"ra": ra, "dec": dec, **dict(zip(names, map(float, v[8:]), strict=True))}


def test_mars_2010_face_pole_and_place_match_horizons():
    """One Horizons row of 2010 (geocentric Mars, 2010-May-01 00:00 UT), saved by CASA.

    Astrometric RA/Dec (``LT``) within 5 mas (printed to 1.5 and 1 mas; measured 1.0 and 0.5);
    sub-observer and sub-solar west longitudes and planetodetic latitudes within 0.01 deg (printed
    to 0.01); NP.ang within 0.002 deg (printed to 1e-4; measured 5e-4: that Horizons used the IAU
    2000 Mars pole, 4e-4 deg from pck00011's in 2010); r within 0.1 km (measured 17 m), delta within
    1 km, deldot within 1 m/s, S-T-O within 1e-4 deg."""
    h = _casa_row()
    t = Time("2010-05-01T00:00", scale="utc")
    lt = observe("earth", "mars", [t], correction="LT")
    app = observe("earth", "mars", [t], correction="LT+S")

    d_ra = (lt.ra[0, 0].to_value("deg") - h["ra"]) * np.cos(np.radians(h["dec"])) * DEG_MAS
    d_dec = (lt.dec[0, 0].to_value("deg") - h["dec"]) * DEG_MAS
    assert abs(d_ra) < 5 and abs(d_dec) < 5, (d_ra, d_dec)

    assert _dlon(_west(lt.sub_observer_lon[0, 0]), h["ob_lon"]) < 0.01
    assert abs(_planetodetic(lt.sub_observer_lat[0]) - h["ob_lat"]) < 0.01
    assert _dlon(_west(app.sub_solar_lon[0, 0]), h["sl_lon"]) < 0.01
    assert abs(_planetodetic(app.sub_solar_lat[0]) - h["sl_lat"]) < 0.01
    # the latitudes really are planetodetic: planetocentric ones are 0.2 deg lower
    assert abs(lt.sub_observer_lat[0, 0].to_value("deg") - h["ob_lat"]) > 0.15
    # and paledot's documented converter gives Horizons' own numbers
    lon_g, lat_g = planetographic(lt.sub_observer_lon[0].to_value("rad"),
                                  lt.sub_observer_lat[0].to_value("rad"), lt.radii[0].to_value("km"),
                                  prograde=True)
    assert _dlon(np.degrees(lon_g[0]), h["ob_lon"]) < 0.01 and abs(np.degrees(lat_g[0]) - h["ob_lat"]) < 0.01

    pa = app.north_pole_position_angle[0, 0].to(u.deg)
    here = SkyCoord(app.ra[0, 0], app.dec[0, 0], frame="icrs")
    toward_pole = here.directional_offset_by(pa, 1 * u.arcsec)
    of_date = TETE(obstime=t)
    pa_of_date = here.transform_to(of_date).position_angle(toward_pole.transform_to(of_date)).to_value("deg")
    print("NP.ang", pa.value, pa_of_date, h["np_ang"])
    assert _dlon(pa_of_date, h["np_ang"]) < 0.002
    assert _dlon(pa.value, h["np_ang"]) > 0.02  # J2000 north is not Horizons' north

    assert abs(app.heliocentric_distance[0, 0].to_value("km") - h["r"] * AU_KM) < 0.1
    assert abs(app.range[0, 0].to_value("km") - h["delta"] * AU_KM) < 1.0
    assert abs(app.range_rate[0, 0].to_value("km/s") - h["deldot"]) < 1e-3
    assert abs(app.phase_angle[0, 0].to_value("deg") - h["sto"]) < 1e-4
