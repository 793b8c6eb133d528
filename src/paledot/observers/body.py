"""An observer at a body's centre (or its system barycentre where the ephemeris has no centre).

Positions relative to the solar-system barycentre, J2000, km and km/s; epochs ET. This module never
parses text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..celestial.bodies import Body
from ..celestial.ephemeris import Ephemeris


@dataclass(frozen=True)
class BodyCentre:
    """An observer at a body's centre (or its system barycentre where the ephemeris has no centre).

    >>> from paledot.celestial.ephemeris import default_ephemeris
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
