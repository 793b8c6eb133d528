"""Who is looking: an observer gives its SSB position and velocity at any epochs.

Every observer has ``name``, ``central_body`` (the body it sits on or orbits, or None) and
``state(ephemeris, et) -> (pos (N, 3) km, vel (N, 3) km/s)`` relative to the solar-system
barycentre in ICRF/J2000. The geometry engine needs nothing more, so every kind of observer (a body
centre now; orbits, spacecraft kernels and surface sites later) gives the same ``Geometry``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bodies import Body
from .ephemeris import Ephemeris


@dataclass(frozen=True)
class BodyCentre:
    """An observer at a body's centre (or its system barycentre where the ephemeris has no centre).

    >>> from paledot.ephemeris import default_ephemeris
    >>> BodyCentre.of("earth", default_ephemeris()).naif_id
    399
    """

    body: Body
    naif_id: int
    note: str = ""

    @classmethod
    def of(cls, name_or_id, ephemeris: Ephemeris) -> BodyCentre:
        resolved = ephemeris.resolve(name_or_id)
        return cls(resolved.body, resolved.naif_id, resolved.note)

    @property
    def name(self) -> str:
        return self.body.name

    @property
    def central_body(self) -> Body:
        return self.body

    def state(self, ephemeris: Ephemeris, et: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """SSB position (N, 3) km and velocity (N, 3) km/s at ET epochs ``et``."""
        ephemeris.check_coverage(self.naif_id, et, label=self.body.title)
        pos, vel = ephemeris.state(self.naif_id, et, velocity=True)
        return pos, vel


def as_observer(observer, ephemeris: Ephemeris):
    """Accept an observer object, or a body name/NAIF id meaning that body's centre."""
    if hasattr(observer, "state") and hasattr(observer, "name"):
        return observer
    return BodyCentre.of(observer, ephemeris)
