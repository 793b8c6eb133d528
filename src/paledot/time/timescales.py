"""Time: read what users write, and keep it internally as TDB seconds past J2000 (SPICE "ET").

Accepted inputs, alone or in lists (the forms astropy, JPL Horizons and SPICE users write):

- ISO UTC: ``2023-05-15``, ``2023-05-15T14:08``, ``2023-05-15 14:08:30.5``, optional trailing ``Z``;
- ISO with a UTC offset: ``2023-05-15T16:08+02:00`` (the instant; shown afterwards in UTC);
- day of year (UTC): ``2023-135``, ``2023-135T14:08``, ``2023-135 14:08:30.5``;
- Julian and modified Julian dates: ``JD2460080.5`` and ``MJD60080.5`` (UTC), ``JDTDB…``/``MJDTDB…``;
- ``ET:<seconds>`` (TDB seconds past J2000), and ``now`` (the system clock, UTC);
- :class:`astropy.time.Time` (any scale) and :class:`datetime.datetime` (naive means UTC).

A bare number is refused everywhere in the API: 2460080.5 could be a JD, an MJD or ET seconds, so
the message names the forms to write instead (:data:`TIME_FORMS`). Library functions whose
argument is documented as ET take float **arrays** of ET seconds (:func:`as_et`).

UTC <-> TDB (``paledot.time.utc``): real leap seconds, TT = TAI + 32.184 s, TDB - TT by ERFA's series,
vectorised in numpy from 1972 on, astropy before that and for the leap second itself. Plain ISO,
day-of-year, offset forms and ``now`` are read here without astropy (numpy's calendar); UTC Julian
dates and leap-second labels go to astropy, which is imported only when a form needs it. This
module never touches the network: astropy's IERS downloads are off for every conversion made here.

Grids (:func:`time_grid`, :class:`Grid`) step in UTC as JPL Horizons does: ``--step 1d`` from a
midnight gives UTC midnights, before and after a leap second alike.
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .._io.errors import TimeParseError
from .._io.validate import ascii_digits, check_calendar_date, check_leap_second
from .utc import (
    _DATETIME_J2000,
    DAY_S,
    J2000_JD,
    _quiet_time,
    _tdb_seconds,
    et_to_time,
    et_to_utc_seconds,
    format_utc_seconds,
    utc_seconds_to_et,
)

#: The span of years any input may name (far wider than any ephemeris): Julian dates and ET.
MIN_JD, MAX_JD = 625_000.0, 4_300_000.0
MAX_ABS_ET = (MAX_JD - J2000_JD) * DAY_S
#: MJD = JD - this.
MJD_ZERO = 2400000.5

#: What a user may write for a time; quoted by every error about one.
TIME_FORMS = (
    "ISO UTC like 2023-05-15T14:08, 2023-05-15T16:08+02:00 (UTC offset), day of year like "
    "2023-135T14:08, JD2460080.5, MJD60080.5 (UTC; JDTDB/MJDTDB for TDB), ET:<TDB seconds past J2000>, "
    "now, an astropy Time or a datetime"
)
_HINT = "expected " + TIME_FORMS

_ISO = re.compile(
    r"^\s*(?P<date>[+-]?\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2}(?:\.\d*)?))?)?\s*Z?\s*$"
)
_ISO_OFFSET = re.compile(
    r"^\s*(?P<dt>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d*)?)?)\s*"
    r"(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2})\s*$"
)
_DOY = re.compile(
    r"^\s*(?P<y>\d{4})-(?P<doy>\d{3})"
    r"(?:[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2}(?:\.\d*)?))?)?\s*Z?\s*$"
)
_JD = re.compile(r"^\s*(?P<kind>M?JD)(?P<scale>TDB)?\s*(?P<v>[+-]?\d+(?:\.\d*)?)\s*$", re.IGNORECASE)
_ET = re.compile(r"^\s*ET\s*:\s*(?P<v>[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*$", re.IGNORECASE)

_STEP = re.compile(r"^\s*(?P<v>[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*(?P<u>[a-zA-Z]+)\s*$")
_STEP_UNITS = {
    "s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0,
    "m": 60.0, "min": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "d": DAY_S, "day": DAY_S, "days": DAY_S,
}

# --- reading ------------------------------------------------------------------------------------
def _hms(text: str, date: str, h, m, s) -> float:
    """Seconds into the day ``date`` (YYYY-MM-DD) from hour, minute and second strings, checked:
    a seconds field of 60 only at 23:59 of a day that ended with a leap second."""
    if h is None:
        return 0.0
    hh, mm, ss = int(h), int(m), float(s or 0)
    if hh > 23 or mm > 59:
        raise TimeParseError(f"cannot read time {text!r}: hour, minute or second out of range")
    check_leap_second(date, hh, mm, ss, text)
    return hh * 3600.0 + mm * 60.0 + ss


def _day_u(text: str, date: str) -> float:
    check_calendar_date(date, text)
    try:
        day = np.datetime64(date, "D")
    except ValueError:
        raise TimeParseError(f"cannot read time {text!r}: no such date; {_HINT}") from None
    if str(day) != date.lstrip("+"):  # numpy rolls 2023-02-30 over; a user meant something else
        raise TimeParseError(f"cannot read time {text!r}: no such date; {_HINT}")
    return float((day - _DATETIME_J2000.astype("datetime64[D]")).astype(np.float64)) * DAY_S - DAY_S / 2


def _parse_string(text: str) -> tuple[str, float]:
    """Classify one string: ('u', UTC seconds) | ('utc60', ...) | ('jd' or 'mjd', UTC) | ('et', s).

    Unicode decimal digits (``２０２３-05-15``) read as their ASCII digits, as in ``--step`` and
    every number; messages quote ``text`` as given."""
    s = ascii_digits(text)
    m = _ISO.match(s)
    if m:
        sod = _hms(text, m.group("date"), m.group("h"), m.group("m"), m.group("s"))
        if sod >= DAY_S:  # 23:59:60.x: only astropy knows the leap seconds by label
            return "iso60", 0.0
        return "u", _day_u(text, m.group("date")) + sod
    m = _DOY.match(s)
    if m:
        year, doy = int(m.group("y")), int(m.group("doy"))
        length = 366 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 365
        if not 1 <= doy <= length:
            raise TimeParseError(f"cannot read time {text!r}: day of year {doy} is not in 1-{length}")
        date = str(np.datetime64(f"{year:04d}-01-01") + np.timedelta64(doy - 1, "D"))
        sod = _hms(text, date, m.group("h"), m.group("m"), m.group("s"))
        if sod >= DAY_S:
            raise TimeParseError(f"cannot read time {text!r}: write a leap second as ISO ({date}T23:59:60)")
        return "u", _day_u(text, date) + sod
    m = _ISO_OFFSET.match(s)
    if m:
        base = _ISO.match(m.group("dt"))
        if base is None:
            raise TimeParseError(f"cannot read time {text!r}: {_HINT}")
        oh, om = int(m.group("oh")), int(m.group("om"))
        if oh > 18 or om > 59:
            raise TimeParseError(f"cannot read time {text!r}: UTC offset out of range")
        offset = (oh * 3600 + om * 60) * (1 if m.group("sign") == "+" else -1)
        sod = _hms(text, base.group("date"), base.group("h"), base.group("m"), base.group("s"))
        return "u", _day_u(text, base.group("date")) + sod - offset
    m = _JD.match(s)
    if m:
        v = float(m.group("v"))
        jd = v + MJD_ZERO if m.group("kind").upper() == "MJD" else v
        if not (MIN_JD <= jd <= MAX_JD):
            raise TimeParseError(
                f"cannot read time {text!r}: outside the years paledot reads "
                f"(JD {MIN_JD:g} to {MAX_JD:g})")
        return ("jdtdb" if m.group("scale") else "jd"), jd
    m = _ET.match(s)
    if m:
        v = float(m.group("v"))
        if not abs(v) <= MAX_ABS_ET:
            raise TimeParseError(f"cannot read time {text!r}: it is outside the years paledot reads "
                                 f"(about -3000 to +7000: ET within {MAX_ABS_ET:.3g} s of J2000)")
        return "et", v
    if s.strip().lower() == "now":
        return "u", _now_u()
    raise TimeParseError(f"cannot read time {text!r}: {_HINT}")


def _now_u() -> float:
    now = _dt.datetime.now(_dt.UTC).replace(tzinfo=None)
    return (now - _dt.datetime(2000, 1, 1, 12)).total_seconds()


def refuse_bare_number(value, what: str = "time") -> None:
    """Raise for a bare number given as a time, naming what to write instead."""
    value = float(value) if isinstance(value, float) else value
    raise TimeParseError(
        f"{what} {value!r} is a bare number, which could be a JD, an MJD or ET seconds: write "
        f"'JD{value}', 'MJD{value}' or 'ET:{value}' (or ISO UTC like 2023-05-15T14:08, day of year, "
        "now, an astropy Time or a datetime)"
    )


def to_et(times) -> np.ndarray:
    """Convert user times to ET: TDB seconds past J2000, as a 1-D float64 array.

    >>> bool(abs(to_et("2000-01-01T11:58:55.816")[0]) < 1e-3)   # J2000.0 written in UTC
    True
    """
    if hasattr(times, "jd1") and hasattr(times, "scale"):  # an astropy Time, without importing astropy
        return _tdb_seconds(times)
    if isinstance(times, (str, _dt.datetime, _dt.date)):
        times = [times]
    elif isinstance(times, np.ndarray) and times.dtype.kind in "fiu":
        raise TimeParseError(
            "bare numbers are ambiguous as times: pass an astropy Time, 'JD<number>', 'MJD<number>' "
            "or 'ET:<seconds>' strings, or ISO UTC"
        )
    elif isinstance(times, (int, float, np.integer)) and not isinstance(times, bool):
        refuse_bare_number(times)
    elif not isinstance(times, Iterable):
        raise TimeParseError(f"cannot read time {times!r}: {_HINT}")

    items = list(times)
    if not items:
        raise TimeParseError("no times given: at least one epoch is needed")
    out = np.empty(len(items), dtype=np.float64)
    u_idx: list[int] = []
    u_val: list[float] = []
    slow: list[tuple[int, str, object]] = []  # (index, astropy format, value) in UTC
    for i, item in enumerate(items):
        if hasattr(item, "jd1") and hasattr(item, "scale"):
            out[i] = _tdb_seconds(item)[0]
        elif isinstance(item, _dt.datetime):
            if item.tzinfo is not None:
                item = item.astimezone(_dt.UTC).replace(tzinfo=None)
            u_idx.append(i)
            u_val.append((item - _dt.datetime(2000, 1, 1, 12)).total_seconds())
        elif isinstance(item, _dt.date):
            u_idx.append(i)
            u_val.append(_day_u(str(item), item.isoformat()))
        elif isinstance(item, (int, float, np.integer)) and not isinstance(item, bool):
            refuse_bare_number(item)
        elif not isinstance(item, str):
            raise TimeParseError(f"cannot read time {item!r}: {_HINT}")
        else:
            kind, value = _parse_string(item)
            if kind == "u":
                u_idx.append(i)
                u_val.append(value)
            elif kind == "iso60":
                slow.append((i, "isot", ascii_digits(item).strip().rstrip("Z").replace(" ", "T")))
            elif kind == "jd":
                slow.append((i, "jd", value))
            elif kind == "jdtdb":
                out[i] = (value - J2000_JD) * DAY_S
            else:
                out[i] = value
    if u_idx:
        out[u_idx] = utc_seconds_to_et(np.asarray(u_val))
    for fmt in ("jd", "isot"):  # UTC Julian dates and leap-second labels: astropy knows them exactly
        idx = [i for i, f, _ in slow if f == fmt]
        if idx:
            values = [v for _, f, v in slow if f == fmt]
            try:
                out[idx] = _tdb_seconds(_quiet_time(values, format=fmt, scale="utc"))
            except ValueError:
                raise TimeParseError(f"cannot read time {items[idx[0]]!r}: {_HINT}") from None
    if not np.all(np.isfinite(out)):
        raise TimeParseError("a time is not a finite number (NaN or infinity)")
    far = np.abs(out) > MAX_ABS_ET
    if far.any():
        raise TimeParseError(
            f"ET {out[far][0]:.6g} s is outside the years paledot reads (about -3000 to +7000): "
            "no ephemeris covers it"
        )
    return out


def as_et(t) -> np.ndarray:
    """Epochs for the library's functions as a 1-D ET array: a numpy float array (or numpy float)
    is ET seconds already, the library's own convention; a bare Python number is refused; anything
    else goes through :func:`to_et`. An astropy Quantity of time is ET in its unit."""
    if hasattr(t, "unit") and hasattr(t, "to_value") and not hasattr(t, "jd1"):  # a Quantity, not a Time
        from .._io.validate import vector

        t = vector(t, "ET", "s")
    if isinstance(t, np.floating | np.ndarray) and np.asarray(t).dtype.kind == "f":
        et = np.atleast_1d(np.asarray(t, dtype=np.float64))
        if not np.all(np.isfinite(et)):
            raise TimeParseError("an epoch is NaN or infinite: every ET must be a finite number")
        return et
    return to_et(t)


def as_epoch(value, what: str = "epoch") -> float:
    """One epoch as ET seconds: a numpy float (an element of an ET array) is ET; a bare Python
    number is refused; anything else is read by :func:`to_et`."""
    if isinstance(value, np.floating):
        return float(as_et(value)[0])
    if isinstance(value, (int, float, np.integer)) and not isinstance(value, bool):
        refuse_bare_number(value, what)
    et = to_et(value)
    if et.size != 1:
        raise TimeParseError(f"{what} must be a single time, got {et.size}")
    return float(et[0])


def scaled_to_et(values, fmt: str, scale: str) -> np.ndarray:
    """ET seconds from values astropy reads in format ``fmt`` and time scale ``scale`` (e.g. the
    epochs of a trajectory file in its own time system); ValueError if astropy cannot read them."""
    return _tdb_seconds(_quiet_time(values, format=fmt, scale=scale))


# --- writing ------------------------------------------------------------------------------------
def et_to_iso(et, precision: int = 0) -> np.ndarray:
    """ET seconds to ISO-8601 UTC strings ``YYYY-MM-DDTHH:MM:SS[.fff]``, rounded to ``precision``
    decimals of a second; vectorised (about a microsecond per epoch)."""
    et = np.atleast_1d(np.asarray(et, dtype=np.float64))
    u, leap = et_to_utc_seconds(et)
    out = format_utc_seconds(u, precision)
    if leap.any():  # 23:59:60: astropy writes the leap second's own label
        from astropy.utils import iers

        with iers.conf.set_temp("auto_download", False), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            utc = et_to_time(et[leap]).utc
            utc.precision = precision
            out = out.astype(object)
            out[leap] = utc.isot
            out = out.astype(str)
    return out


def parse_step(step: str) -> float:
    """A step like ``1d``, ``6h``, ``30min``, ``10s`` in seconds; must be positive and finite."""
    m = _STEP.match(ascii_digits(str(step)))
    if not m or m.group("u").lower() not in _STEP_UNITS:
        raise TimeParseError(
            f"cannot read step {step!r}: expected a number and a unit, like 1d, 6h, 30min or 10s"
        )
    seconds = float(m.group("v")) * _STEP_UNITS[m.group("u").lower()]
    if not np.isfinite(seconds) or seconds <= 0:
        raise TimeParseError(f"step {step!r} must be positive (like 1d, 6h or 30min)")
    return seconds


# --- grids --------------------------------------------------------------------------------------
#: No grid, streamed or not, may hold more epochs than this (a year at 30 microseconds).
MAX_GRID_EPOCHS = 10**12


@dataclass(frozen=True)
class Grid:
    """Epochs ``first + k * step`` (k < count) on the UTC clock (leap seconds not counted, as
    Horizons steps), built in pieces on demand so a huge grid never sits in memory."""

    first_u: float  # UTC seconds past 2000-01-01T12:00:00, leap-second-free
    step_s: float
    count: int

    def et(self, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """ET of epochs lo..hi-1."""
        hi = self.count if hi is None else min(hi, self.count)
        k = np.arange(lo, hi, dtype=np.float64)
        return utc_seconds_to_et(self.first_u + k * self.step_s)


def grid(start, stop, step: str | float, max_epochs: int | None = None) -> Grid:
    """The grid from ``start`` to ``stop`` inclusive every ``step`` (``1d``, ``6h``, ``30min``,
    ``10s`` or seconds), stepping in UTC; checked but not built."""
    start_et, stop_et = to_et(start), to_et(stop)
    if start_et.size != 1 or stop_et.size != 1:
        raise TimeParseError("start and stop must each be a single time")
    if isinstance(step, str):
        seconds = parse_step(step)
    elif isinstance(step, (int, float)) and not isinstance(step, bool):
        seconds = float(step)
    else:
        raise TimeParseError(f"step {step!r} must be like 1d, 6h, 30min or 10s")
    if not np.isfinite(seconds) or seconds <= 0:
        raise TimeParseError(f"step {step!r} must be positive (like 1d, 6h or 30min)")
    (u0,), _ = et_to_utc_seconds(start_et)
    (u1,), _ = et_to_utc_seconds(stop_et)
    span = float(u1 - u0)
    if span < 0:
        raise TimeParseError(f"stop ({stop}) is before start ({start}): give a stop later than the start")
    steps = span / seconds + 1e-9
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
    return Grid(float(u0), seconds, count)


def grid_spec(start, stop, step: str | float, max_epochs: int | None = None) -> tuple[float, float, int]:
    """(first ET, step in seconds, number of epochs) of the grid from ``start`` to ``stop``: the
    uniform-in-TDB spec that internal scans stream (``first + step * k``); user-facing grids step
    in UTC instead (:func:`grid`). Kept for callers that predate :class:`Grid`."""
    g = grid(start, stop, step, max_epochs)
    return float(g.et(0, 1)[0]), g.step_s, g.count


def time_grid(start, stop, step: str | float, max_epochs: int | None = None) -> np.ndarray:
    """ET epochs from ``start`` to ``stop`` inclusive every ``step`` (string like '6h' or seconds),
    stepping in UTC as JPL Horizons does: a daily grid stays on the same UTC time of day across
    leap seconds.

    >>> et_to_iso(time_grid("2016-12-30", "2017-01-02", "1d"))[-2:].tolist()
    ['2017-01-01T00:00:00', '2017-01-02T00:00:00']
    """
    return grid(start, stop, step, max_epochs).et()
