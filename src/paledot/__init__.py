"""paledot: plan, simulate and measure pictures of Earth and its Moon taken from other worlds.

>>> import paledot
>>> g = paledot.observe("mars", ["earth", "moon"], ["2023-05-15T14:08", "2023-06-02T15:00"])
>>> g.range.shape
(2, 2)
"""

from __future__ import annotations

from ._io.errors import KernelError, OutOfRangeError, PaledotError, TimeParseError, UnknownBodyError
from .celestial.bodies import Body, resolve_body
from .celestial.corrections import CORRECTIONS
from .celestial.ephemeris import Ephemeris, default_ephemeris
from .geometry.core import Geometry
from .geometry.lighttime import observe
from .geometry.occultation import exclusion, occultation
from .geometry.visibility import visible_spans
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
from .time.timescales import et_to_iso, time_grid, to_et

#: Names of the public face that live in heavier stations, imported on first use so that
#: ``import paledot`` stays as quick as a geometry script needs.
_LAZY = {
    "Scene": "paledot.render", "Pointing": "paledot.render", "Frame": "paledot.render",
    "Camera": "paledot.cameras", "load_camera": "paledot.cameras",
    "find_windows": "paledot.plan", "read_observation": "paledot.measure",
}


def __getattr__(name: str):
    """``__version__`` and the lazily imported names of :data:`_LAZY`, on first use."""
    if name == "__version__":
        from ._io.version import version

        value = version()
    elif name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'paledot' has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = [
    "Body", "BodyCentre", "CORRECTIONS", "Ephemeris", "Geometry", "KernelError",
    "OutOfRangeError", "PaledotError", "TimeParseError", "UnknownBodyError", "default_ephemeris",
    "et_to_iso", "observe", "resolve_body", "time_grid", "to_et", "__version__",
    # observers beyond a planet's centre (issue 5)
    "FixedState", "KeplerOrbit", "SpiceSpacecraft", "SurfaceSite", "TrajectoryFile", "exclusion",
    "as_observer", "mars_express", "occultation", "place_by_sun_angle", "sky", "visible_spans",
    # the later stations, imported on first use
    "Scene", "Pointing", "Frame", "Camera", "load_camera", "find_windows", "read_observation",
]
