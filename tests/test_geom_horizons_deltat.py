"""Earth sites before the IERS tables: UT1 from historical Delta T (before 1962) and from IERS-B
(1962-1973), against saved Horizons output, Skyfield's Delta T and astropy's EarthLocation.

Before this, paledot held UT1 - UTC at the table's first value before 1973: in 1900 that put UT1
34 s wrong (Delta T was -2 s, not +32 s), an Earth site 12 km off and the Moon seen from it 3
arcsec off Horizons (tests/test_geom_horizons_sites.py now holds it within 20 mas).
"""

from __future__ import annotations

import warnings

import astropy.units as u
import numpy as np
from astropy.coordinates import EarthLocation
from astropy.time import Time
from astropy.utils import iers
from horizons_tables import floats, read_table

from paledot import SurfaceSite, default_ephemeris, observe
from paledot.celestial.earth import earth_orientation
from paledot.time.deltat import _S15, delta_t
from paledot.time.timescales import to_et
from paledot.time.utc import et_to_utc_seconds, tdb_minus_tt


def _tt_minus_ut1(et: np.ndarray) -> np.ndarray:
    dut1, _, _ = earth_orientation(et)
    utc, _ = et_to_utc_seconds(et)
    return (et - tdb_minus_tt(et)) - (utc + dut1)


def test_tt_minus_ut1_in_1900_matches_horizons():
    """Horizons' TDB-UT column (TDB - UT1 before 1962, TDB and TT not told apart there) at
    1900-01-01 TT: -1.944 s. paledot's Delta T: -1.977 s; within 0.05 s (Horizons' table is its own)."""
    _, cols = read_table("mars_sydney_2026-10-08.txt")
    assert cols["UT1-UTC"][0] == "n.a."  # Horizons too has no measured UT1 there
    jd = floats(cols["Date_________JDTT"])[:1]
    et = to_et(Time(jd, format="jd", scale="tt"))
    ours = _tt_minus_ut1(et)[0]
    print(ours, floats(cols["TDB-UT"])[0])
    assert abs(ours - floats(cols["TDB-UT"])[0]) < 0.05


def test_delta_t_agrees_with_skyfield_1550_to_1962():
    """Skyfield evaluates the same published splines in its own code: within 1 ms at 200 epochs
    (a transcription slip in any coefficient would show)."""
    from skyfield.api import load

    ts = load.timescale(builtin=True)
    jd = np.linspace(Time("1550-01-01", scale="tt").jd, Time("1961-12-31", scale="tt").jd, 200)
    t = ts.tt_jd(jd)
    ours = delta_t((jd - 2451545.0) * 86400.0)
    assert np.abs(ours - t.delta_t).max() < 1e-3


def test_delta_t_splines_join_smoothly():
    """Each cubic ends where the next begins, in value and slope (the paper's splines are C1)."""
    end = _S15[:-1, 2:].sum(axis=1)
    start = _S15[1:, 2]
    assert np.abs(end - start).max() < 2e-3
    width = _S15[:, 1] - _S15[:, 0]
    slope_end = (_S15[:-1, 3] + 2 * _S15[:-1, 4] + 3 * _S15[:-1, 5]) / width[:-1]
    slope_start = _S15[1:, 3] / width[1:]
    assert np.abs(slope_end - slope_start).max() < 0.01


def test_sites_1962_to_1973_follow_iers_b_like_astropy():
    """Between 1962 and astropy's IERS-A table (1973) paledot reads the measured IERS-B table; astropy
    given the same table places the site within 10 m (measured 1.0 m)."""
    t = Time(np.linspace(38000, 41600, 40), format="mjd", scale="utc")
    et = to_et(t)
    eph = default_ephemeris()
    pos, _ = SurfaceSite("earth", 35.6, -82.55, 0.0).state(eph, et)
    earth, _ = eph.state(399, et)
    loc = EarthLocation.from_geodetic(-82.55 * u.deg, 35.6 * u.deg, 0 * u.km)
    with iers.earth_orientation_table.set(iers.IERS_B.open()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref, _ = loc.get_gcrs_posvel(t)
    d = np.linalg.norm((pos - earth) - ref.xyz.to_value("km").T, axis=1)
    print(d.max() * 1e3, "m")
    assert d.max() < 0.010


def test_an_early_site_says_where_its_ut1_comes_from():
    g = observe("site:earth,lat=35.6,lon=-82.55", "moon", ["1900-01-01T12:00"])
    note = " ".join(g.notes)
    assert "Delta T" in note and "before 1962" in note
    assert "outside astropy's IERS table" not in note
