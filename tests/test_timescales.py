"""Reading times: the accepted forms, real leap seconds, and clear errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from astropy.time import Time

from paledot import TimeParseError, time_grid, to_et
from paledot.time.timescales import et_to_iso, parse_step


def test_forms_agree():
    iso = to_et("2023-05-15T14:08:00")
    assert to_et("2023-05-15 14:08")[0] == iso[0]
    assert to_et("2023-05-15T14:08Z")[0] == iso[0]
    assert to_et(dt.datetime(2023, 5, 15, 14, 8))[0] == iso[0]
    assert abs(to_et(Time("2023-05-15T14:08", scale="utc"))[0] - iso[0]) < 1e-6
    jd = Time("2023-05-15T14:08", scale="utc").jd
    assert abs(to_et(f"JD{float(jd)!r}")[0] - iso[0]) < 1e-4
    assert to_et("ET:737431749.0")[0] == 737431749.0
    assert to_et("JDTDB2451545.0")[0] == 0.0


def test_leap_second_is_counted():
    # 2016-12-31 had a leap second: 61 SI seconds between these two UTC midnights minus 1 minute.
    a, b = to_et(["2016-12-31T23:59:00", "2017-01-01T00:00:00"])
    assert abs((b - a) - 61.0) < 1e-6


def test_round_trip_to_iso():
    et = to_et(["2023-05-15T14:08:00", "1990-02-14T04:48:00"])
    assert list(et_to_iso(et)) == ["2023-05-15T14:08:00", "1990-02-14T04:48:00"]


@pytest.mark.parametrize("bad", ["2023-13-01", "2023-02-30", "15/05/2023", "", "JDx", "2023-05-15T25:00"])
def test_malformed_times_are_refused(bad):
    with pytest.raises(TimeParseError, match="cannot read time"):
        to_et(bad)


def test_bare_numbers_are_ambiguous():
    with pytest.raises(TimeParseError, match="ambiguous"):
        to_et(np.array([2460080.5]))


@pytest.mark.parametrize("step,seconds", [("1d", 86400.0), ("6h", 21600.0), ("30min", 1800.0),
                                          ("10s", 10.0), ("1.5 days", 129600.0)])
def test_steps(step, seconds):
    assert parse_step(step) == seconds


@pytest.mark.parametrize("bad", ["-1d", "0s", "1 fortnight", "d", "nan d"])
def test_bad_steps(bad):
    with pytest.raises(TimeParseError):
        parse_step(bad)


def test_grid_includes_stop_and_limits_count():
    g = time_grid("2023-05-15", "2023-06-02", "1d")
    assert g.size == 19
    with pytest.raises(TimeParseError, match="more than 100"):
        time_grid("2023-05-15", "2023-06-02", "1h", max_epochs=100)


def test_iso_output_matches_astropy_from_year_1000_to_3000():
    """Epochs far outside datetime64[ns]'s 1678-2261 still print as astropy prints them."""
    from astropy.time import Time

    from paledot.time.timescales import et_to_iso

    rng = np.random.default_rng(7)
    et = rng.uniform(-31.5e9, 31.5e9, 200)
    ours = et_to_iso(et, precision=3)
    theirs = Time(2451545.0, et / 86400.0, format="jd", scale="tdb").utc.isot
    assert list(ours) == list(theirs)
