"""When the Sun sets at a surface site: the moment its upper limb crosses the site's geometric
horizon (no refraction), found on a fine grid and refined by linear interpolation.

Used to time pictures published as "N minutes after sunset" (Curiosity's 2014 Earth and Moon).
Epochs ET seconds; this module never renders.
"""

from __future__ import annotations

import numpy as np

from .._io.errors import PaledotError
from ..observers.sites import SurfaceSite, sky
from ..time.timescales import to_et


def sunsets(site: SurfaceSite, start, stop, step_s: float = 30.0) -> np.ndarray:
    """ET of every sunset at ``site`` between ``start`` and ``stop`` (any time form)."""
    t0, t1 = (float(x) for x in to_et([start, stop]))
    if not t1 > t0:
        raise PaledotError(f"sunset search: stop {stop!r} must come after start {start!r}")
    grid = np.arange(t0, t1 + step_s, step_s)
    s = sky(site, [], grid)
    h = s.sun_elevation.to_value("rad") + s._sun_radius  # upper limb above the horizon
    idx = np.nonzero((h[:-1] > 0) & (h[1:] <= 0))[0]
    frac = h[idx] / (h[idx] - h[idx + 1])
    return grid[idx] + frac * step_s


def after_sunset(site: SurfaceSite, start, stop, minutes: float) -> float:
    """ET ``minutes`` after the first sunset at ``site`` between ``start`` and ``stop``."""
    found = sunsets(site, start, stop)
    if found.size == 0:
        raise PaledotError(f"no sunset at {site.name} between {start} and {stop}")
    return float(found[0] + 60.0 * minutes)
