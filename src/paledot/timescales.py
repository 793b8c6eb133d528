"""Time: read what users write, and keep it internally as TDB seconds past J2000 (SPICE "ET").

Accepted inputs, alone or in lists/arrays: ISO UTC strings (``2023-05-15``, ``2023-05-15T14:08``,
``2023-05-15 14:08:30.5``, with an optional trailing ``Z``), Julian dates written ``JD2460080.5`` (UTC)
or ``JDTDB2460080.5`` (TDB), ``ET:<seconds>`` (TDB seconds past J2000), :class:`astropy.time.Time`
and :class:`datetime.datetime` (naive means UTC). UTC is converted with real leap seconds (astropy's
IERS leap-second table, read offline) and TDB-TT by ERFA's full series. This module never touches
the network: astropy's automatic IERS downloads are switched off for every conversion made here.
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from collections.abc import Iterable

import numpy as np
from astropy.time import Time
from astropy.utils import iers

from .errors import TimeParseError
from .validate import check_calendar_date, check_leap_second

#: Julian date of J2000.0 (2000-01-01 12:00:00 TDB).
J2000_JD = 2451545.0
#: Seconds in a day.
DAY_S = 86400.0
#: The span of years any input may name (far wider than any ephemeris): Julian dates and ET.
MIN_JD, MAX_JD = 625_000.0, 4_300_000.0
MAX_ABS_ET = (MAX_JD - J2000_JD) * DAY_S

_ISO = re.compile(
    r"^\s*(?P<date>[+-]?\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2}(?:\.\d*)?))?)?\s*Z?\s*$"
)
_JD = re.compile(r"^\s*JD(?P<scale>TDB)?\s*(?P<v>[+-]?\d+(?:\.\d*)?)\s*$", re.IGNORECASE)
_ET = re.compile(r"^\s*ET\s*:\s*(?P<v>[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*$", re.IGNORECASE)
_HINT = (
    "expected ISO UTC like 2023-05-15T14:08, a date like 2023-05-15, "
    "a Julian date like JD2460080.5, or ET:<TDB seconds past J2000>"
)

_STEP = re.compile(r"^\s*(?P<v>[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*(?P<u>[a-zA-Z]+)\s*$")
_STEP_UNITS = {
    "s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0,
    "m": 60.0, "min": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "d": DAY_S, "day": DAY_S, "days": DAY_S,
}


def _quiet_time(*args, **kwargs) -> Time:
    """Build an astropy Time with downloads off and ERFA's 'dubious year' warnings silenced.

    ERFA warns for UTC outside its leap-second table. Before 1960 UTC has no defined offset and
    ERFA takes TAI - UTC = 0 (SPICE's str2et keeps its 1972 value of 10 s, so the two differ by
    about 10 s there); after the table's last entry the last offset is kept.
    """
    with iers.conf.set_temp("auto_download", False), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Time(*args, **kwargs)


def _tdb_seconds(t: Time) -> np.ndarray:
    """ET seconds from an astropy Time, keeping its two-double precision."""
    with iers.conf.set_temp("auto_download", False), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tdb = t.tdb
        except ValueError as exc:  # ErfaError: a date ERFA cannot convert (e.g. JD 1e10)
            raise TimeParseError(f"cannot convert time {t!r} to TDB: {' '.join(str(exc).split())}; "
                                 "paledot reads the years about -3000 to +7000") from None
        et = ((tdb.jd1 - J2000_JD) + tdb.jd2) * DAY_S
    return np.atleast_1d(np.asarray(et, dtype=np.float64))


def _parse_string(text: str) -> tuple[str, object]:
    """Classify one string: ('utc', iso) | ('jd', jd) | ('jdtdb', jd) | ('et', seconds)."""
    m = _ISO.match(text)
    if m:
        iso = m.group("date")
        check_calendar_date(iso, text)
        if m.group("h") is not None:
            hh, mm = int(m.group("h")), int(m.group("m"))
            ss = m.group("s") or "00"
            if hh > 23 or mm > 59:
                raise TimeParseError(f"cannot read time {text!r}: hour, minute or second out of range")
            check_leap_second(iso, hh, mm, float(ss), text)  # :60 only on a leap-second day
            iso += f"T{m.group('h')}:{m.group('m')}:{ss}"
        return "utc", iso
    m = _JD.match(text)
    if m:
        return ("jdtdb" if m.group("scale") else "jd"), float(m.group("v"))
    m = _ET.match(text)
    if m:
        if not abs(float(m.group("v"))) <= MAX_ABS_ET:
            raise TimeParseError(f"cannot read time {text!r}: it is outside the years paledot reads "
                                 f"(about -3000 to +7000: ET within {MAX_ABS_ET:.3g} s of J2000)")
        return "et", float(m.group("v"))
    raise TimeParseError(f"cannot read time {text!r}: {_HINT}")


def to_et(times) -> np.ndarray:
    """Convert user times to ET: TDB seconds past J2000, as a 1-D float64 array.

    >>> bool(abs(to_et("2000-01-01T11:58:55.816")[0]) < 1e-3)   # J2000.0 written in UTC
    True
    """
    if isinstance(times, Time):
        return _tdb_seconds(times)
    if isinstance(times, (str, _dt.datetime, _dt.date)):
        times = [times]
    elif isinstance(times, np.ndarray) and times.dtype.kind in "fi":
        raise TimeParseError(
            "bare numbers are ambiguous as times: pass an astropy Time, 'JD<number>' strings, "
            "or 'ET:<seconds>'"
        )
    elif not isinstance(times, Iterable):
        raise TimeParseError(f"cannot read time {times!r}: {_HINT}")

    items = list(times)
    if not items:
        raise TimeParseError("no times given: at least one epoch is needed")
    out = np.empty(len(items), dtype=np.float64)
    utc_idx: list[int] = []
    utc_iso: list[str] = []
    jd_idx: list[int] = []
    jd_val: list[float] = []
    for i, item in enumerate(items):
        if isinstance(item, Time):
            out[i] = _tdb_seconds(item)[0]
            continue
        if isinstance(item, _dt.datetime):
            if item.tzinfo is not None:
                item = item.astimezone(_dt.UTC).replace(tzinfo=None)
            utc_idx.append(i)
            utc_iso.append(item.isoformat())
            continue
        if isinstance(item, _dt.date):
            utc_idx.append(i)
            utc_iso.append(item.isoformat())
            continue
        if not isinstance(item, str):
            raise TimeParseError(f"cannot read time {item!r}: {_HINT}")
        kind, value = _parse_string(item)
        if kind == "utc":
            utc_idx.append(i)
            utc_iso.append(value)  # type: ignore[arg-type]
        elif kind == "jd":
            jd_idx.append(i)
            jd_val.append(value)  # type: ignore[arg-type]
        elif kind == "jdtdb":
            out[i] = (value - J2000_JD) * DAY_S  # type: ignore[operator]
        else:
            out[i] = value  # type: ignore[assignment]
    if utc_idx:
        try:
            t = _quiet_time(utc_iso, format="isot", scale="utc")
        except ValueError as exc:
            bad = _first_bad_iso(utc_iso)
            raise TimeParseError(f"cannot read time {bad!r}: {_HINT}") from exc
        out[utc_idx] = _tdb_seconds(t)
    if jd_idx:
        jd = np.asarray(jd_val)
        bad = jd[(jd < MIN_JD) | (jd > MAX_JD) | ~np.isfinite(jd)]
        if bad.size:
            raise TimeParseError(
                f"Julian date {bad[0]!r} is outside the years paledot reads ({MIN_JD:g} to {MAX_JD:g})"
            )
        out[jd_idx] = _tdb_seconds(_quiet_time(jd, format="jd", scale="utc"))
    if not np.all(np.isfinite(out)):
        raise TimeParseError("a time is not a finite number (NaN or infinity)")
    far = np.abs(out) > MAX_ABS_ET
    if far.any():
        raise TimeParseError(
            f"ET {out[far][0]:.6g} s is outside the years paledot reads (about -3000 to +7000): "
            "no ephemeris covers it"
        )
    return out


def _first_bad_iso(isos: list[str]) -> str:
    for iso in isos:
        try:
            _quiet_time(iso, format="isot", scale="utc")
        except ValueError:
            return iso
    return isos[0]


def et_to_time(et) -> Time:
    """ET seconds (array) to an astropy Time in the TDB scale, exact to double-double."""
    et = np.atleast_1d(np.asarray(et, dtype=np.float64))
    days = et / DAY_S
    whole = np.floor(days)
    frac = (et - whole * DAY_S) / DAY_S
    return _quiet_time(J2000_JD + whole, frac, format="jd", scale="tdb")


def et_to_iso(et, precision: int = 0) -> np.ndarray:
    """ET seconds to ISO-8601 UTC strings (``YYYY-MM-DDTHH:MM:SS[.fff]``)."""
    t = et_to_time(et)
    with iers.conf.set_temp("auto_download", False), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        utc = t.utc
        utc.precision = precision
        return np.atleast_1d(utc.isot)


def parse_step(step: str) -> float:
    """A step like ``1d``, ``6h``, ``30min``, ``10s`` in seconds; must be positive and finite."""
    m = _STEP.match(str(step))
    if not m or m.group("u").lower() not in _STEP_UNITS:
        raise TimeParseError(
            f"cannot read step {step!r}: expected a number and a unit, like 1d, 6h, 30min or 10s"
        )
    seconds = float(m.group("v")) * _STEP_UNITS[m.group("u").lower()]
    if not np.isfinite(seconds) or seconds <= 0:
        raise TimeParseError(f"step {step!r} must be positive (like 1d, 6h or 30min)")
    return seconds


#: No grid, streamed or not, may hold more epochs than this (a year at 30 microseconds).
MAX_GRID_EPOCHS = 10**12


def grid_spec(start, stop, step: str | float, max_epochs: int | None = None) -> tuple[float, float, int]:
    """(first ET, step in seconds, number of epochs) of the grid from ``start`` to ``stop`` inclusive,
    checked but not built, so a caller can stream it in pieces."""
    start_et = to_et(start)
    stop_et = to_et(stop)
    if start_et.size != 1 or stop_et.size != 1:
        raise TimeParseError("start and stop must each be a single time")
    seconds = parse_step(step) if isinstance(step, str) else float(step)
    if not np.isfinite(seconds) or seconds <= 0:
        raise TimeParseError(f"step {step!r} must be positive (like 1d, 6h or 30min)")
    span = float(stop_et[0] - start_et[0])
    if span < 0:
        raise TimeParseError(f"stop ({stop}) is before start ({start}): give a stop later than the start")
    # TDB-TT varies by microseconds between two UTC dates: allow for it so "to stop" includes stop.
    steps = span / seconds + 1e-6
    if not np.isfinite(steps) or steps >= MAX_GRID_EPOCHS:
        raise TimeParseError(
            f"a step of {step} from {start} to {stop} gives more than {MAX_GRID_EPOCHS:.0e} epochs: "
            "use a larger step"
        )
    count = int(np.floor(steps)) + 1
    if max_epochs is not None and count > max_epochs:
        raise TimeParseError(
            f"{count:,} epochs from {start} to {stop} every {step} is more than {max_epochs:,}: "
            "use a larger step, or --chunk N to stream the work in pieces"
        )
    return float(start_et[0]), seconds, count


def time_grid(start, stop, step: str | float, max_epochs: int | None = None) -> np.ndarray:
    """ET epochs from ``start`` to ``stop`` inclusive every ``step`` (string like '6h' or seconds).

    The grid is uniform in TDB seconds; over a leap second a UTC label moves by one second.
    """
    first, seconds, count = grid_spec(start, stop, step, max_epochs)
    return first + seconds * np.arange(count, dtype=np.float64)
