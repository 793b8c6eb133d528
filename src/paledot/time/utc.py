"""UTC <-> TDB, vectorised: the clock arithmetic under :mod:`paledot.time.timescales`.

"u" here is UTC as a clock that ignores leap seconds (POSIX-like), in seconds past
2000-01-01T12:00:00 UTC: every UTC label but 23:59:60 maps to one u, and calendar arithmetic on u
(adding days, hours) is arithmetic on the labels. From 1972 on, where TAI - UTC is a whole number
of seconds, ET follows in numpy: TAI = u + (TAI - UTC) from ERFA's leap-second table (the one
astropy keeps current), TT = TAI + 32.184 s, TDB - TT from ERFA's series at the geocentre (as
astropy), evaluated hourly and interpolated for long arrays (within a nanosecond). Before 1972,
and for the leap second itself, astropy converts. astropy is imported only then; its IERS
downloads are switched off for every conversion made here. Never parses user text.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np

#: Julian date of J2000.0 (2000-01-01 12:00:00 TDB).
J2000_JD = 2451545.0
#: Seconds in a day.
DAY_S = 86400.0

_TT_MINUS_TAI = 32.184
_U_1970 = -946_728_000.0  # 1970-01-01T00:00:00 UTC
_U_1972 = _U_1970 + 730 * DAY_S  # from here TAI - UTC is a whole number of seconds
_DTDB_NODE_S = 86400.0
_DATETIME_J2000 = np.datetime64("2000-01-01T12:00:00", "s")


@lru_cache(maxsize=1)
def _leap_table() -> tuple[np.ndarray, np.ndarray]:
    """(u at which each TAI - UTC offset starts, the offset in s), from 1972 on, from ERFA's table."""
    import erfa

    table = erfa.leap_seconds.get()
    table = table[table["year"] >= 1972]
    starts = np.array([f"{y:04d}-{m:02d}-01" for y, m in zip(table["year"], table["month"], strict=True)],
                      dtype="datetime64[s]")
    u = (starts - _DATETIME_J2000).astype(np.float64)
    return u, np.asarray(table["tai_utc"], dtype=np.float64)


def tdb_minus_tt(tt: np.ndarray) -> np.ndarray:
    """TDB - TT (s) at TT seconds past J2000 (ERFA's series at the geocentre).

    The series costs about ten microseconds per epoch; for long arrays it is evaluated once a day
    and interpolated by cubic (four-point Lagrange) polynomials: within 2e-10 s of the series itself
    over 1900-2100 (1.2e-10 s measured on 200,000 random epochs, as good as the linear hourly
    interpolation it replaces and 24x fewer evaluations; ``tests/test_geom_csv_fixed``)."""
    import erfa

    tt = np.asarray(tt, dtype=np.float64)
    if tt.size == 0:
        return np.zeros(0)
    lo, hi = float(tt.min()) - _DTDB_NODE_S, float(tt.max())
    nodes = int((hi - lo) // _DTDB_NODE_S) + 3
    if nodes >= tt.size:
        return erfa.dtdb(J2000_JD, tt / DAY_S, 0.0, 0.0, 0.0, 0.0)
    f = erfa.dtdb(J2000_JD, (lo + _DTDB_NODE_S * np.arange(nodes)) / DAY_S, 0.0, 0.0, 0.0, 0.0)
    x = (tt - lo) / _DTDB_NODE_S
    i = np.clip(np.floor(x).astype(np.intp), 1, nodes - 3)
    t = x - i
    tm1, tm2, tp1 = t - 1.0, t - 2.0, t + 1.0
    return ((-t * tm1 * tm2 / 6.0) * f[i - 1] + (tp1 * tm1 * tm2 / 2.0) * f[i]
            - (tp1 * t * tm2 / 2.0) * f[i + 1] + (tp1 * t * tm1 / 6.0) * f[i + 2])


def utc_seconds_to_et(u) -> np.ndarray:
    """ET from UTC counted as ``u`` (leap-second-free seconds past 2000-01-01T12:00:00 UTC)."""
    u = np.atleast_1d(np.asarray(u, dtype=np.float64))
    early = u < _U_1972
    if early.any():
        out = np.empty_like(u)
        out[early] = _et_from_astropy_utc(u[early])
        if (~early).any():
            out[~early] = utc_seconds_to_et(u[~early])
        return out
    starts, offsets = _leap_table()
    dat = offsets[np.searchsorted(starts, u, side="right") - 1]
    tt = u + dat + _TT_MINUS_TAI
    return tt + tdb_minus_tt(tt)


def et_to_utc_seconds(et) -> tuple[np.ndarray, np.ndarray]:
    """(u, leap): UTC of ET epochs as leap-second-free seconds past 2000-01-01T12:00:00 UTC, and a
    mask of the epochs that fall inside a leap second (their u is that of the next midnight)."""
    et = np.atleast_1d(np.asarray(et, dtype=np.float64))
    tai = et - tdb_minus_tt(et) - _TT_MINUS_TAI  # TDB - TT taken at TDB: astropy does the same
    starts, offsets = _leap_table()
    tai_starts = starts + offsets
    k = np.searchsorted(tai_starts, tai, side="right") - 1
    early = k < 0
    k = np.maximum(k, 0)
    u = tai - offsets[k]
    nxt = np.minimum(k + 1, starts.size - 1)
    leap = (nxt > k) & (tai >= tai_starts[nxt] - (offsets[nxt] - offsets[k]))
    if early.any():
        u[early] = _utc_seconds_from_astropy(et[early])
    return u, leap & ~early


def _et_from_astropy_utc(u: np.ndarray) -> np.ndarray:
    t = _quiet_time(np.floor(u / DAY_S) + J2000_JD, (u - np.floor(u / DAY_S) * DAY_S) / DAY_S,
                    format="jd", scale="utc")
    return _tdb_seconds(t)


def _utc_seconds_from_astropy(et: np.ndarray) -> np.ndarray:
    from astropy.utils import iers

    t = et_to_time(et)
    with iers.conf.set_temp("auto_download", False), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        utc = t.utc
    # from the two-part Julian date, not datetime64[ns], which cannot hold years before 1678
    return ((utc.jd1 - J2000_JD) + utc.jd2) * DAY_S


def _quiet_time(*args, **kwargs):
    """An astropy Time with downloads off and ERFA's 'dubious year' warnings silenced.

    ERFA warns for UTC outside its leap-second table. Before 1960 UTC has no defined offset and
    ERFA takes TAI - UTC = 0 (SPICE's str2et keeps its 1972 value of 10 s, so the two differ by
    about 10 s there); after the table's last entry the last offset is kept.
    """
    from astropy.time import Time
    from astropy.utils import iers

    with iers.conf.set_temp("auto_download", False), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Time(*args, **kwargs)


def _tdb_seconds(t) -> np.ndarray:
    """ET seconds from an astropy Time, keeping its two-double precision."""
    from astropy.utils import iers

    with iers.conf.set_temp("auto_download", False), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tdb = t.tdb
        except ValueError as exc:  # ErfaError: a date ERFA cannot convert (e.g. JD 1e10)
            from .._io.errors import TimeParseError

            raise TimeParseError(f"cannot convert time {t!r} to TDB: {' '.join(str(exc).split())}; "
                                 "paledot reads the years about -3000 to +7000") from None
        et = ((tdb.jd1 - J2000_JD) + tdb.jd2) * DAY_S
    return np.atleast_1d(np.asarray(et, dtype=np.float64))


def et_to_time(et):
    """ET seconds (array) to an astropy Time in the TDB scale, exact to double-double."""
    et = np.atleast_1d(np.asarray(et, dtype=np.float64))
    days = et / DAY_S
    whole = np.floor(days)
    frac = (et - whole * DAY_S) / DAY_S
    return _quiet_time(J2000_JD + whole, frac, format="jd", scale="tdb")


_UNITS = {0: "s", 3: "ms", 6: "us", 9: "ns"}


def format_utc_seconds(u, precision: int = 0) -> np.ndarray:
    """ISO strings of leap-second-free UTC seconds past 2000-01-01T12:00:00, rounded (numpy's
    datetime64 formatting, whole arrays at once)."""
    u = np.atleast_1d(np.asarray(u, dtype=np.float64))
    if not 0 <= precision <= 9:
        raise ValueError(f"precision {precision} must be 0 to 9 decimals")
    digits = min(d for d in _UNITS if d >= precision)
    whole = np.floor(u)
    ticks = whole.astype(np.int64) * 10**precision + np.round((u - whole) * 10**precision).astype(np.int64)
    unit = _UNITS[digits]
    stamps = _DATETIME_J2000.astype(f"datetime64[{unit}]") + (ticks * 10 ** (digits - precision)).astype(
        f"timedelta64[{unit}]")
    text = np.datetime_as_string(stamps, unit=unit)
    if digits != precision:  # numpy writes 0, 3, 6 or 9 decimals: drop the zeros past precision
        width = 20 + precision if precision else 19
        text = text.astype(f"<U{width}")
    return text
