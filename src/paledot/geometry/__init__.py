"""Geometry: what an observer sees of each target at each epoch, as SPICE would compute it.

:func:`observe` returns a :class:`Geometry` (arrays over epochs x targets, with units) holding
every quantity a JPL Horizons user expects; beside it live the face we see (``disk``), who is in
the way (``occultation``, ``visibility``, ``sunset``) and the tables every output format takes
(``columns``, ``tables``). Vectors km, ICRF/J2000; epochs ET.

The engine's top: it imports time, sky, observers and light, and never frames, measure, plan,
stories, scale or the command line.
"""

from .core import CONVENTIONS, Geometry, TargetView
from .lighttime import frame_geometry, observe

__all__ = ["CONVENTIONS", "Geometry", "TargetView", "frame_geometry", "observe"]
