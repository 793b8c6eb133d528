"""paledot: plan, simulate and measure pictures of Earth and its Moon taken from other worlds.

>>> import paledot
>>> g = paledot.observe("mars", ["earth", "moon"], ["2023-05-15T14:08", "2023-06-02T15:00"])
>>> g.range.shape
(2, 2)
"""

from __future__ import annotations

from .bodies import Body, resolve_body
from .corrections import CORRECTIONS
from .ephemeris import Ephemeris, default_ephemeris
from .errors import KernelError, OutOfRangeError, PaledotError, TimeParseError, UnknownBodyError
from .geometry import Geometry, observe
from .observers import (
    BodyCentre,
    FixedState,
    KeplerOrbit,
    SpiceSpacecraft,
    SurfaceSite,
    TrajectoryFile,
    as_observer,
    mars_express,
    place_by_sun_angle,
    sky,
)
from .occultation import exclusion, occultation
from .timescales import et_to_iso, time_grid, to_et
from .visibility import visible_spans


def __getattr__(name: str):
    """``__version__`` read from the installed metadata on first use (importlib.metadata is slow
    to import, and most commands never need it)."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("paledot")
        except PackageNotFoundError:  # running from a source tree
            value = "0.0.0+src"
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module 'paledot' has no attribute {name!r}")

__all__ = [
    "Body", "BodyCentre", "CORRECTIONS", "Ephemeris", "Geometry", "KernelError",
    "OutOfRangeError", "PaledotError", "TimeParseError", "UnknownBodyError", "default_ephemeris",
    "et_to_iso", "observe", "resolve_body", "time_grid", "to_et", "__version__",
    # observers beyond a planet's centre (issue 5)
    "FixedState", "KeplerOrbit", "SpiceSpacecraft", "SurfaceSite", "TrajectoryFile", "exclusion",
    "as_observer", "mars_express", "occultation", "place_by_sun_angle", "sky", "visible_spans",
]
