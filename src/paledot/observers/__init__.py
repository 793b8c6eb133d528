"""Who is looking: an observer gives its SSB position and velocity at any epochs.

Every observer has ``name``, ``central_body`` (the body it sits on or orbits, or None) and
``state(ephemeris, et) -> (pos (N, 3) km, vel (N, 3) km/s)`` relative to the solar-system
barycentre in ICRF/J2000. The geometry engine needs nothing more, so every kind of observer gives
the same ``Geometry``. One module per kind:

- ``body``: ``BodyCentre``, a body's centre;
- ``fixed``: ``FixedState``, a given state relative to a body, and ``place_by_sun_angle``;
- ``orbits`` (two-body mechanics in ``kepler``): ``KeplerOrbit`` about any body, ``mars_express``;
- ``spacecraft``: ``SpiceSpacecraft`` from the user's SPICE kernels;
- ``trajectory``: ``TrajectoryFile``, a CCSDS OEM or CSV ephemeris, interpolated;
- ``sites``: ``SurfaceSite`` on a rotating body, and ``sky`` (elevation, azimuth, Sun up);
- ``text``: the short text forms the command line uses, and ``as_observer``.

Time comes from ``paledot.time.timescales`` only; nothing here imports the geometry engine.
"""

from __future__ import annotations

from .body import BodyCentre
from .fixed import FixedState, place_by_sun_angle
from .orbits import KeplerOrbit, mars_express
from .sites import SurfaceSite, sky
from .spacecraft import SpiceSpacecraft
from .text import as_observer, parse_observer
from .trajectory import TrajectoryFile

__all__ = [
    "BodyCentre", "FixedState", "KeplerOrbit", "SpiceSpacecraft", "SurfaceSite", "TrajectoryFile",
    "as_observer", "mars_express", "parse_observer", "place_by_sun_angle", "sky",
]
