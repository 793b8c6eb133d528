"""Mars and the Moon from Earth sites, and Mars from the geocentre, against saved JPL Horizons outputs.

Oracles: Horizons OBSERVER tables saved by heirloomlogic/AstronomyKit, and Horizons numbers of 2015
typed into Skyfield's tests (sources: tests/data/horizons/README.md).
What Horizons prints and how paledot is set to the same thing:
- ``RA_(ICRF-a-app)``/``DEC_(ICRF-a-app)`` (quantity 45): ICRF axes, down-leg light time, the Sun's
  gravitational deflection and stellar aberration = paledot's ``LT+S`` with ``deflection=True``
  (paledot's RA/Dec are ICRF/J2000 axes);
- ``delta``/``deldot`` (20): light-time corrected range and its rate = ``range``/``range_rate``;
- the epochs are TT Julian dates (``Date_________JDTT``), passed to paledot as astropy TT times;
- the site is Horizons' own ``Center geodetic`` line (geodetic on the 6378.137/6356.752 km
  ellipsoid; paledot's site is geodetic on pck00011's 6378.1366/6356.7519 km, < 0.5 m apart).
Horizons uses DE441 (and mar099 for Mars's centre); paledot DE440, with Mars's system barycentre
standing in for its centre (Phobos and Deimos move it by under a metre).
"""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import Time
from horizons_tables import AU_KM, HORIZONS, floats, read_table, site_geodetic

from paledot import SurfaceSite, default_ephemeris, observe
from paledot.time.timescales import to_et

MAS = 1 / 3.6e6  # deg


def _paledot(file: str, target: str, deflection: bool = True):
    fields, cols = read_table(file)
    lon, lat, alt = site_geodetic(fields)
    lon = (lon + 180) % 360 - 180
    jd = floats(cols["Date_________JDTT"])
    g = observe(f"site:earth,lat={lat},lon={lon},alt={alt}", target, Time(jd, format="jd", scale="tt"),
                deflection=deflection)
    return g, cols, jd


def _sky_offsets_mas(g, ra_deg, dec_deg):
    """(RA * cos Dec, Dec) offsets of paledot from Horizons, mas."""
    ra, dec = g.ra.to_value("deg")[0], g.dec.to_value("deg")[0]
    dra = ((ra - ra_deg + 180) % 360 - 180) * np.cos(np.radians(dec_deg))
    return dra / MAS, (dec - dec_deg) / MAS


def test_horizons_tables_are_what_the_readme_says():
    fields, cols = read_table("mars_sydney_2026-10-08.txt")
    assert fields["Target body name"].startswith("Mars (499)")
    assert fields["Atmos refraction"] == "NO (AIRLESS)"
    assert site_geodetic(fields) == (151.21, -33.87, 0.058)
    assert len(cols["RA_(ICRF-a-app)"]) == 4
    fields, _ = read_table("moon_asheville_2026-10-08.txt")
    assert site_geodetic(fields) == (277.45, 35.6, 0.0)


def test_mars_from_sydney_within_10_mas_of_horizons():
    """The issue's goal: Mars from an Earth site within 0.01 arcsec of Horizons. Measured with the
    Sun's deflection: 1.2 mas or less at all four epochs, 1900 to 2131 (1900 was 6.3 mas off while
    paledot held UT1 - UTC at its 1973 value there, 34 s of Earth rotation from the historical
    Delta T). Without deflection the 1900 epoch (Mars 9 deg from the Sun) is 72 mas off: the
    comparison sees the deflection Horizons includes."""
    g, cols, _ = _paledot("mars_sydney_2026-10-08.txt", "mars")
    dra, ddec = _sky_offsets_mas(g, floats(cols["RA_(ICRF-a-app)"]), floats(cols["DEC_(ICRF-a-app)"]))
    print("mas", dra, ddec)
    assert np.hypot(dra, ddec).max() < 2.0
    plain, cols, _ = _paledot("mars_sydney_2026-10-08.txt", "mars", deflection=False)
    dra, ddec = _sky_offsets_mas(plain, floats(cols["RA_(ICRF-a-app)"]), floats(cols["DEC_(ICRF-a-app)"]))
    assert np.hypot(dra, ddec).max() > 30.0


def test_mars_from_sydney_range_and_range_rate():
    """delta within 1 km (measured 0.52 km; Horizons prints 1.5 mm, so this is the DE441/DE440
    difference; 1900 was 6.5 km off before paledot used Delta T there), deldot within 1 m/s
    (measured 0.42; printed 0.1 m/s)."""
    g, cols, _ = _paledot("mars_sydney_2026-10-08.txt", "mars")
    d_range = g.range.to_value("km")[0] - floats(cols["delta"]) * AU_KM
    d_rate = g.range_rate.to_value("km/s")[0] - floats(cols["deldot"])
    print("km", d_range, "m/s", d_rate * 1e3)
    assert np.abs(d_range).max() < 1.0
    assert np.abs(d_rate).max() < 1e-3


def test_moon_from_an_earth_site_within_2_mas_of_horizons():
    """The Moon is the hard case for a site: a metre of site error is 0.5 mas. 2000 and 2021
    (measured UT1 and polar motion on both sides): within 2 mas (measured 0.2 and 1.1 mas) and 5 m
    in range (2.6 and 3.2 m: DE441/DE440 and the two ellipsoids), 2 cm/s in range rate (1.0);
    1900, where UT1 comes from historical Delta T (paledot's table and Horizons' differ by 0.03 s,
    14 m at this site): within 20 mas (7.7) and 20 m (7.8); before paledot used Delta T there it
    was 3.2 arcsec and 11 km off. 2131, where both hold their predicted UT1 - UTC (Horizons
    -0.112 s, astropy's table end value): within 20 mas (measured 9.4)."""
    g, cols, _ = _paledot("moon_asheville_2026-10-08.txt", "moon")
    dra, ddec = _sky_offsets_mas(g, floats(cols["RA_(ICRF-a-app)"]), floats(cols["DEC_(ICRF-a-app)"]))
    sep = np.hypot(dra, ddec)
    d_range = g.range.to_value("km")[0] - floats(cols["delta"]) * AU_KM
    d_rate = g.range_rate.to_value("km/s")[0] - floats(cols["deldot"])
    print("mas", sep, "m", d_range * 1e3, "mm/s", d_rate * 1e6)
    assert sep[1:3].max() < 2.0 and sep[[0, 3]].max() < 20.0
    assert np.abs(d_range[1:3]).max() < 0.005 and abs(d_range[0]) < 0.020
    assert np.abs(d_rate[:3]).max() < 2e-5


@pytest.mark.parametrize("file,target", [("moon_asheville_2026-10-08.txt", "moon"),
                                         ("mars_sydney_2026-10-08.txt", "mars")])
def test_azimuth_elevation_within_an_arcsecond_of_horizons(file, target):
    """Airless apparent azimuth/elevation (quantity 4) in 1900, 2000 and 2021: within 1 arcsec
    (measured 0.37 at most; 1900 was 0.11 deg off while paledot held UT1 - UTC at its 1973 value).
    The residual is the size of polar motion (0.3-0.4 arcsec), which paledot applies to the site's
    frame as astropy's AltAz does: with polar motion left out of paledot's Earth rotation (tried
    outside this test) the Moon's azimuth and elevation in 2000 and 2021 match Horizons within 0.05
    arcsec, so Horizons' topocentric frame seems to leave it out."""
    g, cols, _ = _paledot(file, target)
    el_h, az_h = floats(cols["Elevation_(a-app)"]), floats(cols["Azimuth_(a-app)"])
    el, az = g.sky.elevation.to_value("deg")[0], g.sky.azimuth.to_value("deg")[0]
    d_az = ((az - az_h + 180) % 360 - 180) * np.cos(np.radians(el_h)) * 3600
    d_el = (el - el_h) * 3600
    print("arcsec", d_az, d_el)
    assert np.abs(d_az[:3]).max() < 1.0 and np.abs(d_el[:3]).max() < 1.0


def test_mars_barycentre_from_the_geocentre_with_deflection():
    """14 epochs in 2039-2040, 1 to 2 AU from Earth: within 1 mas with deflection (measured 0.11
    mas), while SPICE's semantics without it are off by 0.87 mas: the test resolves the Sun's bending
    even at 60-170 deg from the Sun."""
    fields, cols = read_table("mars_barycenter_geocentric_2026-09-06.txt")
    assert fields["Center-site name"] == "GEOCENTRIC"
    t = Time(floats(cols["Date_________JDTT"]), format="jd", scale="tt")
    ra_h, dec_h = floats(cols["RA_(ICRF-a-app)"]), floats(cols["DEC_(ICRF-a-app)"])
    worst = {}
    for deflection in (True, False):
        g = observe("earth", "mars barycenter", t, deflection=deflection)
        worst[deflection] = np.hypot(*_sky_offsets_mas(g, ra_h, dec_h)).max()
    print(worst)
    assert worst[True] < 0.3
    assert worst[False] > 0.5


def _boston():
    rows = {}
    for line in (HORIZONS / "boston_2015_skyfield.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, a, b, c, unit = (v.strip() for v in line.split(","))
            rows[name] = (np.array([float(a), float(b), float(c)]), unit)
    return rows


def test_site_and_moon_from_boston_match_horizons_2015():
    """A site given by coordinates, 2015-03-02 00:00 TDB (Horizons of 2015 as typed into Skyfield's
    tests): the site's geocentric position within 2 m (measured 1.1 m: the two ellipsoids and the
    EOP of 2015 against today's), the Moon's geometric vector from it within 3 m (1.7 m), its
    astrometric (``LT``) RA/Dec within 2 mas (0.85 and 0.45 mas; printed to 0.36 mas) and distance
    within 3 m (1.8 m)."""
    rows = _boston()
    lat, lon = 42 + 21 / 60 + 24.1 / 3600, -(71 + 3 / 60 + 24.8 / 3600)
    t = Time("2015-03-02T00:00", scale="tdb")
    site_text = f"site:earth,lat={lat},lon={lon},alt=0"
    eph = default_ephemeris()
    et = to_et(t)
    site_pos, _ = SurfaceSite("earth", lat, lon, 0.0).state(eph, et)
    earth_pos, _ = eph.state(399, et)
    earth_minus_site, unit = rows["earth_minus_site_geometric"]
    assert unit == "km"
    assert np.linalg.norm((earth_pos - site_pos)[0] - earth_minus_site) < 0.002

    geometric = observe(site_text, "moon", [t], correction="NONE")
    moon, unit = rows["moon_minus_site_geometric"]
    assert unit == "au"
    assert np.linalg.norm(geometric.position.to_value("km")[0, 0] - moon * AU_KM) < 0.003

    astrometric = observe(site_text, "moon", [t], correction="LT")
    (ra, dec, dist), _ = rows["moon_astrometric_from_site"]
    dra, ddec = _sky_offsets_mas(astrometric, np.array([ra]), np.array([dec]))
    assert np.hypot(dra, ddec).max() < 2.0
    assert abs(astrometric.range.to_value("km")[0, 0] - dist * AU_KM) < 0.003
