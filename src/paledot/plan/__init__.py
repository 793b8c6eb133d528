"""Planning: constraints on the sky, the windows in which they hold, and campaigns of frames.

>>> from paledot.plan import find_windows, sun_elongation
>>> w = find_windows("mars", sun_elongation("earth", 30), "2023-05-01", "2023-07-01")
>>> w.to_table()["stop_utc"][0][:10]
'2023-06-03'
"""

from .constraints import (
    All,
    Any,
    Constraint,
    Context,
    Not,
    Threshold,
    elevation,
    illuminated_fraction,
    in_field,
    magnitude,
    not_occulted,
    phase_angle,
    range_km,
    separation,
    snr,
    sun_below,
    sun_elongation,
)
from .windows import Windows, find_windows

__all__ = [
    "All", "Any", "Constraint", "Context", "Not", "Threshold", "Windows", "elevation", "find_windows",
    "illuminated_fraction", "in_field", "magnitude", "not_occulted", "phase_angle", "range_km",
    "separation", "snr", "sun_below", "sun_elongation",
]
