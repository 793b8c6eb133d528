"""Angles given by users: degrees as plain numbers, or astropy Quantities, to radians."""

from __future__ import annotations

import numpy as np


def as_radians(value, what: str) -> float:
    """An angle given in degrees (a number) or as an astropy Quantity, in radians; a finite number
    or a one-line error naming it."""
    from .validate import number

    return float(np.radians(number(value, what, "deg")))
