"""Angles given by users: degrees as plain numbers, or astropy Quantities, to radians."""

from __future__ import annotations

import numpy as np

from .errors import PaledotError


def as_radians(value, what: str) -> float:
    """An angle given in degrees (a number) or as an astropy Quantity, in radians."""
    if hasattr(value, "unit"):
        import astropy.units as u

        try:
            return float(value.to_value(u.rad))
        except (u.UnitsError, TypeError):
            raise PaledotError(f"{what} {value!r} is not an angle") from None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise PaledotError(f"{what} {value!r} is not a number of degrees") from None
    if not np.isfinite(x):
        raise PaledotError(f"{what} {value!r} must be a finite number of degrees")
    return np.radians(x)
