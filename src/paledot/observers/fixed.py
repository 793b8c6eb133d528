"""An observer at a given state relative to a body: ``FixedState``, and ``place_by_sun_angle`` to
place one from the distance and Sun angle missions publish. Vectors J2000, km, km/s; epochs ET.
This module never reads kernels or files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._io.errors import PaledotError
from ..celestial.bodies import Body, resolve_body
from ..celestial.ephemeris import Ephemeris
from ..time.timescales import as_epoch


@dataclass(frozen=True)
class FixedState:
    """An observer at a given position (and optional velocity) relative to a body, J2000, km, km/s.

    For a deep-space probe whose kernels a user does not have: the numbers come from somewhere (a
    mission page, a Horizons query, a paper) and ``source`` must say where, since the note carries it
    into every result. With a velocity the observer moves in a straight line from ``epoch``; without
    one it keeps its offset from the body. Straight-line motion is good for days: a probe 40 AU from
    the Sun strays about 15 m from it in a day.

    >>> from paledot.celestial.ephemeris import default_ephemeris
    >>> probe = FixedState("sun", [1.5e10, 0, 0], source="made up")
    >>> probe.state(default_ephemeris(), np.array([0.0]))[0].shape
    (1, 3)
    """

    center: Body | str | int
    position_km: np.ndarray
    velocity_km_s: np.ndarray | None = None
    epoch: object = "ET:0"
    source: str = ""
    name: str = "fixed state"
    _epoch_et: float = field(default=0.0, init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "center", resolve_body(self.center))
        from .._io.validate import vector

        pos = vector(self.position_km, "position_km", "km")
        if pos.shape != (3,) or not np.all(np.isfinite(pos)):
            raise PaledotError(f"position_km {self.position_km!r} must be three finite numbers (km)")
        object.__setattr__(self, "position_km", pos)
        if self.velocity_km_s is not None:
            vel = vector(self.velocity_km_s, "velocity_km_s", "km/s")
            if vel.shape != (3,) or not np.all(np.isfinite(vel)):
                raise PaledotError(
                    f"velocity_km_s {self.velocity_km_s!r} must be three finite numbers (km/s)"
                )
            object.__setattr__(self, "velocity_km_s", vel)
        if not str(self.source).strip():
            raise PaledotError("a FixedState needs source='...': say where its numbers come from")
        object.__setattr__(self, "_epoch_et", as_epoch(self.epoch))
        radius = self.center.mean_radius_km
        if np.linalg.norm(pos) < radius:
            raise PaledotError(
                f"position {np.linalg.norm(pos):g} km from {self.center.title}'s centre is inside "
                f"the body (radius {radius:g} km)"
            )

    @property
    def central_body(self) -> Body:
        return self.center

    @property
    def note(self) -> str:
        motion = "moving in a straight line" if self.velocity_km_s is not None else "at a fixed offset"
        return f"{self.name}: a given state relative to {self.center.title}, {motion}; source: {self.source}"

    def state(self, ephemeris: Ephemeris, et: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """SSB position (N, 3) km and velocity (N, 3) km/s at ET epochs ``et``."""
        et = np.atleast_1d(np.asarray(et, dtype=np.float64))
        resolved = ephemeris.resolve(self.center)
        ephemeris.check_coverage(resolved.naif_id, et, label=self.center.title)
        cpos, cvel = ephemeris.state(resolved.naif_id, et, velocity=True)
        vel = self.velocity_km_s if self.velocity_km_s is not None else np.zeros(3)
        return cpos + self.position_km + (et - self._epoch_et)[:, None] * vel, cvel + vel


def place_by_sun_angle(
    center: str | int | Body,
    distance_km: float,
    sun_angle_deg: float,
    epoch,
    side: str = "leading",
    source: str = "",
    name: str = "placed observer",
    ephemeris: Ephemeris | None = None,
) -> FixedState:
    """A FixedState placed from the figures missions publish: a distance from a body and the
    observer-body-Sun angle, in the body's orbital plane, ahead of it ("leading", toward its
    heliocentric velocity) or behind it ("trailing"), at ``epoch``.

    The angle is the body's phase angle seen by the observer (0 = the observer sees it full).
    """
    from ..celestial.ephemeris import default_ephemeris

    if side not in ("leading", "trailing"):
        raise PaledotError(f"side {side!r} must be 'leading' or 'trailing'")
    from .._io.validate import number

    sun_angle_deg = number(sun_angle_deg, "sun angle", "deg", lo=0.0, hi=180.0)
    distance_km = number(distance_km, "distance", "km", lo=0.0, lo_open=True)
    eph = ephemeris or default_ephemeris()
    body = eph.resolve(center)
    et = np.array([as_epoch(epoch)])
    pos, vel = eph.state(body.naif_id, et)
    sun, sun_vel = eph.state(10, et)
    r, v = (pos - sun)[0], (vel - sun_vel)[0]
    to_sun = -r / np.linalg.norm(r)
    ahead = v - (v @ to_sun) * to_sun
    ahead /= np.linalg.norm(ahead)
    if side == "trailing":
        ahead = -ahead
    a = np.radians(sun_angle_deg)
    offset = distance_km * (np.cos(a) * to_sun + np.sin(a) * ahead)
    where = (f"{distance_km:,.0f} km from {body.body.title}, {sun_angle_deg:g} deg from the Sun as seen "
             f"from it, {side} in its orbital plane")
    return FixedState(body.body, offset, epoch=f"ET:{float(et[0])!r}", source=f"{source} ({where})",
                      name=name)
