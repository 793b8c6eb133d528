"""Checks every reader and public call shares, so that no silently wrong number gets in.

One rule: a value that cannot be used ends in a :class:`~paledot._io.errors.PaledotError` whose one line
names where it came from (file and line, or argument), the bad value and what is allowed; a
non-finite number (NaN, infinity, or a number too large to compute with) never passes. Numbers of a
known unit may come as astropy Quantities, converted here. This module reads no files and computes
no physics.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from functools import lru_cache

import numpy as np

from .errors import PaledotError, TimeParseError

#: Largest magnitude a length (km) or other physical number may have: far past the observable
#: universe in km (~4e23), small enough that squares and cubes stay finite in float64.
MAX_MAGNITUDE = 1e30


def number(value, what: str, unit: str | None = None, *, lo: float | None = None, hi: float | None = None,
           lo_open: bool = False, where: str = "") -> float:
    """``value`` as a finite float in ``unit`` (a plain number is taken to be in it already).

    ``value`` may be an int, float, numpy scalar, a numeric string, or an astropy Quantity of a
    unit convertible to ``unit``. Raises PaledotError naming ``what`` (and ``where``) otherwise,
    or when outside ``lo``..``hi`` (``lo_open`` makes the lower bound exclusive).
    """
    prefix = f"{where}: " if where else ""
    unit_text = f" {unit}" if unit else ""
    if hasattr(value, "unit") and hasattr(value, "to_value"):
        import astropy.units as u

        if unit is None:
            raise PaledotError(f"{prefix}{what} {value!r} must be a plain number, not a Quantity")
        try:
            x = value.to_value(u.Unit(unit))
        except (u.UnitsError, TypeError, ValueError):
            raise PaledotError(
                f"{prefix}{what} {value!r} has the wrong unit: pass a number in {unit} or a Quantity "
                f"convertible to {unit}"
            ) from None
        if np.ndim(x) != 0:
            raise PaledotError(f"{prefix}{what} {value!r} must be a single value, not an array")
        value = float(x)
    if isinstance(value, (bool, np.bool_)):
        raise PaledotError(f"{prefix}{what} {value!r} must be a number{unit_text}, not true/false")
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise PaledotError(
            f"{prefix}{what} {value!r} is not a number: pass a number{unit_text}"
            + (" or an astropy Quantity" if unit else "")
        ) from None
    if not math.isfinite(x) or abs(x) > MAX_MAGNITUDE:
        raise PaledotError(f"{prefix}{what} {value!r} must be a finite number{unit_text} "
                           f"(at most {MAX_MAGNITUDE:g} in size)")
    if lo is not None and (x < lo or (lo_open and x == lo)):
        raise PaledotError(f"{prefix}{what} {value!r} must be {'above' if lo_open else 'at least'} "
                           f"{lo:g}{unit_text}")
    if hi is not None and x > hi:
        raise PaledotError(f"{prefix}{what} {value!r} must be at most {hi:g}{unit_text}")
    return x


#: numpy 2's repr of a number, ``np.float64(1.5)``: what a script writing numbers with ``repr()``
#: leaves in a file; the number inside is read as written.
_NUMPY_SCALAR_TEXT = re.compile(
    r"^(?:np|numpy)\.(?:float(?:16|32|64|128)?|double|longdouble|u?int(?:8|16|32|64)?)\((?P<v>[^()]*)\)$"
)


def parse_float(text: str, what: str, where: str) -> float:
    """A finite float read from file text (``1.5``, ``-2e3``, Fortran ``1.5D3``, numpy's repr
    ``np.float64(1.5)``); never NaN/inf."""
    s = str(text).strip()
    wrapped = _NUMPY_SCALAR_TEXT.match(s)
    try:
        x = float((wrapped.group("v") if wrapped else s).replace("D", "E").replace("d", "e"))
    except ValueError:
        raise PaledotError(f"{where}: {what} {s!r} is not a number") from None
    if not math.isfinite(x) or abs(x) > MAX_MAGNITUDE:
        raise PaledotError(
            f"{where}: {what} {s!r} must be a finite number (at most {MAX_MAGNITUDE:g} in size)"
        )
    return x


def finite_array(values, what: str, where: str = "") -> np.ndarray:
    """``values`` as a float64 array whose every element is finite and of sane size."""
    arr = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(arr) | (np.abs(np.where(np.isfinite(arr), arr, 0.0)) > MAX_MAGNITUDE)
    if bad.any():
        first = arr.reshape(-1)[int(np.flatnonzero(bad.reshape(-1))[0])]
        prefix = f"{where}: " if where else ""
        raise PaledotError(f"{prefix}{what} holds {float(first)!r}: every value must be a finite number")
    return arr


def ascii_digits(text: str) -> str:
    """``text`` with every Unicode decimal digit (full-width ``２``, Arabic-Indic ``٢``, ...: the
    digits Python's ``float`` and ``int`` read) written as its ASCII digit; nothing else changes,
    so times read the way numbers already do."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


# --- leap seconds ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def leap_second_days() -> frozenset[str]:
    """UTC dates (``YYYY-MM-DD``) whose last minute had 61 seconds, from the IERS table astropy
    ships (read offline): the day before each whole-second step of TAI - UTC since 1972."""
    from astropy.utils import iers

    with iers.conf.set_temp("auto_download", False), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = iers.LeapSeconds.auto_open()
    days = set()
    previous = None
    for row in table:
        tai_utc = float(row["tai_utc"])
        if previous is not None and tai_utc - previous == 1.0:
            import datetime as dt

            first = dt.date(int(row["year"]), int(row["month"]), 1)
            days.add((first - dt.timedelta(days=1)).isoformat())
        previous = tai_utc
    return frozenset(days)


def check_calendar_date(date: str, text: str) -> None:
    """Refuse year 0000 (no such year in the Gregorian calendar astropy and SPICE use)."""
    year = date.lstrip("+-")[:4]
    if year == "0000":
        raise TimeParseError(f"cannot read time {text!r}: there is no year 0000 (1 BC is followed by AD 1)")


def check_leap_second(date: str, hh: int, mm: int, seconds: float, text: str) -> None:
    """A seconds field of 60 or more is allowed only at 23:59 on a day that ended with a leap second."""
    if seconds < 60:
        return
    if hh == 23 and mm == 59 and seconds < 61 and date.lstrip("+") in leap_second_days():
        return
    raise TimeParseError(
        f"cannot read time {text!r}: second {seconds:g} is out of range: :60 exists only at 23:59 on a "
        "day that ended with a leap second (the last was 2016-12-31); otherwise seconds run 0 to 59.999"
    )


def pointing_fields(pointing) -> dict:
    """The checked fields of a render ``Pointing``: angles finite (degrees or Quantities), Dec within
    -90..90, RA and Dec given together for ``radec`` and a target named for ``target``."""
    mode = str(pointing.mode).strip().lower()
    if mode not in ("midpoint", "target", "radec"):
        raise PaledotError(f"pointing mode {pointing.mode!r} must be midpoint, target or radec")
    out: dict = {"mode": mode, "roll_deg": number(pointing.roll_deg, "roll_deg", "deg")}
    if mode == "radec" or pointing.ra_deg is not None or pointing.dec_deg is not None:
        if pointing.ra_deg is None or pointing.dec_deg is None:
            raise PaledotError("a radec pointing needs both ra_deg and dec_deg (degrees)")
        out["ra_deg"] = number(pointing.ra_deg, "ra_deg", "deg") % 360.0
        out["dec_deg"] = number(pointing.dec_deg, "dec_deg", "deg", lo=-90.0, hi=90.0)
    if mode == "target" and not (isinstance(pointing.target, str) and pointing.target.strip()):
        raise PaledotError(f"a target pointing needs the target's name, got {pointing.target!r}")
    return out


def vector(value, what: str, unit: str) -> np.ndarray:
    """A flat float64 array in ``unit`` from numbers (taken to be in it) or an astropy Quantity;
    the caller checks its shape and finiteness."""
    if hasattr(value, "unit") and hasattr(value, "to_value"):
        import astropy.units as u

        try:
            value = value.to_value(u.Unit(unit))
        except (u.UnitsError, TypeError, ValueError):
            raise PaledotError(f"{what} {value!r} has the wrong unit: pass numbers in {unit} or a "
                               f"Quantity convertible to {unit}") from None
    try:
        return np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise PaledotError(f"{what} {value!r} must be numbers in {unit}") from None
