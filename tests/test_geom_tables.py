"""Complete tables: the face we see against SPICE's SUBPNT/SUBSLR, range rate against SPKEZR,
position angles against astropy, and every output format carrying the same columns and metadata."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from astropy.coordinates import Latitude, Longitude, SkyCoord
from astropy.table import QTable
from astropy.time import Time

from paledot import observe
from paledot.celestial.vectors import angle_between
from paledot.cli import main
from paledot.geometry.tables import format_csv, note_lines, write_ecsv

MAS = np.radians(1 / 3.6e6)
SPICE = {"mars": "MARS BARYCENTER", "earth": "EARTH", "moon": "MOON"}
FIXREF = {"earth": "IAU_EARTH", "moon": "IAU_MOON", "mars": "IAU_MARS"}
CASES = [("mars", "earth"), ("mars", "moon"), ("earth", "mars"), ("earth", "moon")]


def _et(n=40):
    return np.linspace(-3.0e8, 9.0e8, n)


def _radec_unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


@pytest.mark.parametrize("corr", ["NONE", "LT", "LT+S", "CN", "CN+S"])
@pytest.mark.parametrize("observer,target", CASES)
def test_sub_observer_and_sub_solar_points_match_spice_subpnt_subslr(spice, iau_kernels, observer,
                                                                       target, corr):
    """Within 5 mas as seen from the target's centre (0.15 m on Earth). With stellar aberration
    SPICE's SUBSLR turns the Sun's direction by up to 0.4 arcsec more than the Sun's apparent
    direction from the target gives (12 m on Earth's surface): allowed there, and said."""
    et = _et()
    g = observe(observer, target, et, corr)
    ref_obs, ref_sun = [], []
    for e in et:
        obs_name = "MARS" if observer == "mars" else SPICE[observer]
        p, _, _ = spice.subpnt("INTERCEPT/ELLIPSOID", target.upper(), e, FIXREF[target], corr, obs_name)
        s, _, _ = spice.subslr("INTERCEPT/ELLIPSOID", target.upper(), e, FIXREF[target], corr, obs_name)
        ref_obs.append(p)
        ref_sun.append(s)

    def unit(lon, lat):
        return np.stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)), -1)

    sun_tol = 400 * MAS if corr.endswith("+S") else 5 * MAS
    for lon, lat, ref, tol in ((g.sub_observer_lon, g.sub_observer_lat, ref_obs, 5 * MAS),
                               (g.sub_solar_lon, g.sub_solar_lat, ref_sun, sun_tol)):
        ours = unit(lon.to_value("rad")[0], lat.to_value("rad")[0])
        err = angle_between(ours, _radec_unit(ref))
        assert err.max() < tol, f"worst {err.max() / MAS:.2f} mas"
    lon = g.sub_observer_lon.to_value("deg")
    assert np.all((lon >= 0) & (lon < 360))


@pytest.mark.parametrize("corr", ["NONE", "LT", "LT+S", "CN+S"])
def test_range_rate_matches_spice_state_within_a_millimetre_per_second(spice, corr):
    et = _et(60)
    g = observe("mars", ["earth", "moon"], et, corr)
    for i, name in enumerate(("EARTH", "MOON")):
        states = np.array([spice.spkezr(name, e, "J2000", corr, "MARS BARYCENTER")[0] for e in et])
        ref = np.sum(states[:, :3] * states[:, 3:], axis=1) / np.linalg.norm(states[:, :3], axis=1)
        assert np.abs(g.range_rate.to_value("km/s")[i] - ref).max() < 1e-6


def test_pole_and_bright_limb_position_angles_match_astropy(spice, iau_kernels):
    et = _et(30)
    g = observe("mars", ["earth", "moon"], et, "LT+S")
    for i, (name, frame) in enumerate((("EARTH", "IAU_EARTH"), ("MOON", "IAU_MOON"))):
        emit = et - g.light_time.to_value("s")[i]
        pole = np.array([spice.pxform(frame, "J2000", e)[:, 2] for e in emit])
        to_sun = np.array([spice.spkpos("SUN", e, "J2000", "LT+S", name)[0] for e in emit])
        here = SkyCoord(g.ra[i], g.dec[i])
        for vec, ours in ((pole, g.north_pole_position_angle[i]), (to_sun, g.bright_limb_position_angle[i])):
            there = SkyCoord(*(np.array(_lonlat(vec)) * 1.0), unit="rad")
            diff = (here.position_angle(there) - ours).wrap_at("180d").to_value("arcsec")
            assert np.abs(diff).max() < 0.01


def _lonlat(v):
    return np.arctan2(v[:, 1], v[:, 0]) % (2 * np.pi), np.arctan2(v[:, 2], np.hypot(v[:, 0], v[:, 1]))


def test_bodies_without_rotation_model_get_nan_faces_not_errors():
    g = observe("earth", ["neptune", "moon"], ["2023-05-15"])
    assert np.isnan(g.sub_observer_lon.value[0]).all() and np.isfinite(g.sub_observer_lon.value[1]).all()


def test_to_table_has_time_units_metadata_and_angles():
    g = observe("mars", ["earth", "moon"], ["2023-05-15T14:08", "2023-06-02T15:00"])
    t = g.to_table()
    assert isinstance(t["time"], Time) and t["time"].scale == "utc"
    assert t["time"][0].isot.startswith("2023-05-15T14:08:00")
    assert isinstance(t["ra"], Longitude) and isinstance(t["dec"], Latitude)
    assert t["range_rate"].unit == "km / s" and t["magnitude"].unit == "mag"
    assert {"observer", "correction", "ephemeris", "notes", "paledot"} <= set(t.meta)
    assert "separation_earth_moon" in t.colnames and len(t) == 4
    assert t["target"].tolist() == ["earth", "moon", "earth", "moon"]


def test_one_target_view_and_skycoord():
    g = observe("mars", ["earth", "moon"], ["2023-05-15T14:08", "2023-06-02T15:00"])
    assert g["earth"].range.shape == (2,)
    assert np.all(g["moon"].range == g.range[1])
    sc = g.skycoord("earth")
    assert np.allclose(sc.ra.deg, g.ra.to_value("deg")[0]) and sc.obstime is not None
    assert np.allclose(sc.distance.to_value("km"), g.range.to_value("km")[0])


def test_ecsv_round_trip_keeps_units_time_and_metadata():
    g = observe("mars express", ["earth", "moon"], ["2023-05-15T14:08", "2023-05-15T20:00"])
    buf = io.StringIO()
    write_ecsv(g, buf)
    back = QTable.read(buf.getvalue(), format="ascii.ecsv")
    orig = g.to_table()
    assert back.colnames == orig.colnames
    for name in ("range", "ra", "magnitude", "limb_height", "separation_earth_moon"):
        assert back[name].unit == orig[name].unit
        assert np.array_equal(back[name].value, orig[name].value, equal_nan=True)
    assert np.all(np.abs((back["time"] - orig["time"]).sec) < 1e-6)
    assert back.meta["observer"] == "mars express" and back.meta["notes"] == orig.meta["notes"]
    assert back["occulted"].tolist() == orig["occulted"].tolist()


def test_csv_is_plain_with_pair_columns_and_comments_only_when_asked():
    g = observe("mars", ["earth", "moon"], ["2023-05-15T14:08"])
    text = format_csv(g)
    assert "#" not in text  # plain: no comment lines
    header = text.splitlines()[0].split(",")
    assert header[0] == "utc" and "separation_earth_moon_arcsec" in header and "magnitude_v" in header
    assert any("barycentre" in line for line in note_lines(g))
    commented = format_csv(g, comments=True, extra_notes=["said"])
    comments = [line for line in commented.splitlines() if line.startswith("#")]
    assert any("barycentre" in line for line in comments) and comments[-1] == "# note: said"
    assert commented.splitlines()[len(comments):] == text.splitlines()
    table = QTable.read(text, format="ascii.csv")
    assert table["separation_earth_moon_arcsec"][0] == pytest.approx(  # 7 decimals in arcsec
        g.separation("earth", "moon").to_value("arcsec")[0], abs=0.5e-7)


def test_cli_table_sends_notes_to_stderr_and_json_carries_them(capsys):
    args = ["geometry", "--observer", "mars", "--target", "earth", "--target", "moon", "--time", "2023-05-15"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "note:" not in out and "barycentre" in err
    assert main(args + ["--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any("barycentre" in n for n in doc["notes"]) and doc["pairs"] and "magnitude_v" in doc["rows"][0]
    assert not any(str(p).startswith("/") for p in doc["ephemeris"])


def test_cli_ecsv_streams_chunks_into_one_table(capsys):
    args = ["geometry", "--observer", "mars", "--target", "earth", "--start", "2023-05-15",
            "--stop", "2023-05-20", "--format", "ecsv"]
    assert main(args) == 0
    whole = capsys.readouterr().out
    assert main(args + ["--chunk", "2"]) == 0
    assert capsys.readouterr().out == whole
    assert len(QTable.read(whole, format="ascii.ecsv")) == 6


def test_site_and_spacecraft_columns(capsys):
    site = observe("site:earth,lat=52,lon=13.4", ["moon", "sun"], ["2023-05-15T22:00"])
    t = site.to_table()
    assert {"azimuth", "elevation", "sun_up", "occulted", "limb_height"} <= set(t.colnames)
    assert not t["sun_up"][0]  # 22:00 UTC at Berlin in May
    mex = observe("mars express", ["earth"], ["2023-05-15T14:08"]).to_table()
    assert "occulted" in mex.colnames and "azimuth" not in mex.colnames
    centre = observe("mars", ["earth"], ["2023-05-15T14:08"]).to_table()
    assert "occulted" not in centre.colnames
    assert main(["geometry", "--observer", "mars express", "--target", "earth", "--time",
                 "2023-05-15T14:08", "--format", "csv"]) == 0
    assert ",occulted,limb_height_deg" in capsys.readouterr().out


def test_cli_now_is_stamped(capsys):
    assert main(["geometry", "--observer", "mars", "--target", "earth", "--time", "now",
                 "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert "note: 'now' was " in err and "now" not in out and out.startswith("utc,")


def test_site_columns_equal_sky_and_follow_deflection():
    from paledot import SurfaceSite, sky

    t = ["2023-05-15T22:00", "2023-11-18T12:00"]  # the second near Mars's conjunction
    g = observe("site:earth,lat=52,lon=13.4", ["moon", "mars"], t)
    s = sky(SurfaceSite("earth", 52, 13.4), ["moon", "mars"], t)
    assert np.array_equal(g.sky.elevation, s.elevation) and np.array_equal(g.sky.sun_up, s.sun_up)
    bent = observe("site:earth,lat=52,lon=13.4", ["moon", "mars"], t, deflection=True)
    shift = np.abs(bent.sky.elevation - g.sky.elevation).to_value("arcsec")
    assert shift[1, 1] > 0.1 and shift[0, 0] < 0.01  # Mars near the Sun moves; the Moon hardly
    s_bent = sky(SurfaceSite("earth", 52, 13.4), ["moon", "mars"], t, deflection=True)
    assert np.array_equal(bent.sky.elevation, s_bent.elevation)
    assert g["mars"].skycoord().ra.deg[0] == g.skycoord("mars").ra.deg[0]


def test_planetographic_conversion_matches_spice_recpgr(spice, iau_kernels):
    """Mars (prograde): west longitude and geodetic latitude, as SPICE's RECPGR gives them."""
    from paledot.geometry.disk import planetographic

    et = _et(12)
    g = observe("earth", "mars", et, "LT+S")
    a, _, c = g.radii.to_value("km")[0]
    lon, lat = planetographic(g.sub_observer_lon.value[0], g.sub_observer_lat.value[0], (a, a, c), True)
    for k, e in enumerate(et):
        point, _, _ = spice.subpnt("INTERCEPT/ELLIPSOID", "MARS", e, "IAU_MARS", "LT+S", "EARTH")
        ref_lon, ref_lat, _ = spice.recpgr("MARS", point, a, (a - c) / a)
        assert abs((lon[k] - ref_lon + np.pi) % (2 * np.pi) - np.pi) < 5 * MAS / np.cos(lat[k])
        assert abs(lat[k] - ref_lat) < 5 * MAS
