"""Times as users write them, read against astropy; grids that step in UTC as Horizons does."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pytest
from astropy.time import Time

from paledot import TimeParseError, observe, time_grid, to_et
from paledot.cli import main
from paledot.time.timescales import et_to_iso


def _astropy_et(t: Time) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tdb = t.tdb
    return np.atleast_1d(((tdb.jd1 - 2451545.0) + tdb.jd2) * 86400.0)


def _astropy_utc(et: np.ndarray, precision: int = 3) -> list[str]:
    t = Time(2451545.0, et / 86400.0, format="jd", scale="tdb").utc
    t.precision = precision
    return list(t.isot)


def test_daily_grid_over_the_2016_leap_second_stays_on_utc_midnight():
    et = time_grid("2016-12-01", "2017-02-01", "1d")
    assert et.size == 63
    assert all(s.endswith("T00:00:00.000") for s in _astropy_utc(et))  # astropy is the judge
    # the leap second is inside the grid: one day of it lasts 86401 SI seconds
    assert np.count_nonzero(np.isclose(np.diff(et), 86401.0, atol=1e-6)) == 1


def test_hourly_grid_across_the_leap_second_keeps_whole_hours():
    et = time_grid("2016-12-31T20:00", "2017-01-01T04:00", "1h")
    assert _astropy_utc(et, 0) == [f"2016-12-31T{h:02d}:00:00" for h in range(20, 24)] + [
        f"2017-01-01T{h:02d}:00:00" for h in range(0, 5)]


def test_iso_utc_matches_astropy_within_two_microseconds():
    rng = np.random.default_rng(3)
    t = Time(2441317.5 + rng.uniform(0, 46000, 3000), format="jd", scale="utc")
    t.precision = 6
    labels = list(t.isot)
    assert np.abs(to_et(labels) - _astropy_et(Time(labels, scale="utc"))).max() < 2e-6


def test_et_to_iso_matches_astropy_labels():
    rng = np.random.default_rng(4)
    et = rng.uniform(-8.8e8, 3.1e9, 3000)
    ours, theirs = et_to_iso(et, 3), _astropy_utc(et, 3)
    # where the two differ it must be a rounding tie (the epoch within 1 us of half a millisecond)
    exact = Time(2451545.0, et / 86400.0, format="jd", scale="tdb").utc
    exact.precision = 6
    frac = np.array([float(s[17:]) for s in exact.isot])
    differ = np.array([a != b for a, b in zip(ours, theirs, strict=True)])
    assert np.all(np.abs((frac[differ] * 1e3) % 1 - 0.5) < 1e-3)
    assert differ.sum() < 5


@pytest.mark.parametrize("text,astropy_value,fmt", [
    ("2023-135T14:08", "2023:135:14:08:00", "yday"),
    ("2024-366T23:59:59.5", "2024:366:23:59:59.5", "yday"),
    ("2023-135", "2023:135:00:00:00", "yday"),
    ("MJD60079.5", 60079.5, "mjd"),
    ("JD2460080.25", 2460080.25, "jd"),
])
def test_day_of_year_mjd_and_jd_match_astropy(text, astropy_value, fmt):
    assert abs(to_et(text)[0] - _astropy_et(Time(astropy_value, format=fmt, scale="utc"))[0]) < 2e-6


def test_mjd_tdb_and_utc_offset_forms():
    assert to_et("MJDTDB51544.5")[0] == 0.0
    offset = dt.datetime(2023, 5, 15, 16, 8, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert to_et("2023-05-15T16:08+02:00")[0] == to_et(offset)[0] == to_et("2023-05-15T14:08")[0]
    assert to_et("2023-05-15T09:38-0430")[0] == to_et("2023-05-15T14:08")[0]


def test_now_is_the_clock():
    before = _astropy_et(Time(dt.datetime.now(dt.UTC).replace(tzinfo=None), scale="utc"))[0]
    now = to_et("now")[0]
    assert before - 1e-3 <= now <= before + 5.0


@pytest.mark.parametrize("bad", ["2023-367T00:00", "2023-000", "2023-135T25:00", "2023-05-15T14:08+25:00",
                                 "MJDx", "MJD", "now2", "JD 9e99"])
def test_malformed_new_forms_are_refused(bad):
    with pytest.raises(TimeParseError, match="cannot read time"):
        to_et(bad)


@pytest.mark.parametrize("value", [2460080.5, 60080, 7.3e8])
def test_a_bare_number_is_refused_naming_the_choices(value):
    with pytest.raises(TimeParseError, match=r"bare number.*JD.*MJD.*ET:"):
        observe("mars", "earth", value)
    with pytest.raises(TimeParseError, match="bare number"):
        to_et([value])


def test_float_arrays_stay_et_seconds():
    g = observe("mars", "earth", np.array([0.0]))
    assert g.t[0] == 0.0


@pytest.mark.parametrize("bad", ["2023-400T00:00", "2460080.5", "2023-05-15T14:08+99:00", "MJD-x"])
def test_cli_refuses_bad_time_in_one_line(capsys, bad):
    assert main(["geometry", "--observer", "mars", "--target", "earth", "--time", bad]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("paledot: error:") and bad in err


def test_cli_help_says_steps_count_utc(capsys):
    with pytest.raises(SystemExit):
        main(["geometry", "--help"])
    assert "UTC as JPL Horizons" in " ".join(capsys.readouterr().out.split())
