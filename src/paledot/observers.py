"""Who is looking: an observer gives its SSB position and velocity at any epochs.

Every observer has ``name``, ``central_body`` (the body it sits on or orbits, or None) and
``state(ephemeris, et) -> (pos (N, 3) km, vel (N, 3) km/s)`` relative to the solar-system
barycentre in ICRF/J2000. The geometry engine needs nothing more, so every kind of observer gives
the same ``Geometry``:

- ``BodyCentre`` (here): a body's centre;
- ``FixedState`` (here): a position, and optionally a velocity, relative to a body;
- ``KeplerOrbit`` (``orbits``): a two-body orbit about any body, and the Mars Express preset;
- ``SpiceSpacecraft`` (``spacecraft``): a spacecraft from the user's SPICE kernels;
- ``TrajectoryFile`` (``trajectory``): a CCSDS OEM or CSV ephemeris, interpolated;
- ``SurfaceSite`` (``sites``): a place on a rotating body.

``as_observer`` also reads the short text forms the command line uses (see ``parse_observer``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .bodies import Body, resolve_body
from .ephemeris import Ephemeris
from .errors import PaledotError


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


@dataclass(frozen=True)
class FixedState:
    """An observer at a given position (and optional velocity) relative to a body, J2000, km, km/s.

    For a deep-space probe whose kernels a user does not have: the numbers come from somewhere (a
    mission page, a Horizons query, a paper) and ``source`` must say where, since the note carries it
    into every result. With a velocity the observer moves in a straight line from ``epoch``; without
    one it keeps its offset from the body. Straight-line motion is good for days: a probe 40 AU from
    the Sun strays about 15 m from it in a day.

    >>> from paledot.ephemeris import default_ephemeris
    >>> probe = FixedState("sun", [1.5e10, 0, 0], source="made up")
    >>> probe.state(default_ephemeris(), np.array([0.0]))[0].shape
    (1, 3)
    """

    center: Body | str | int
    position_km: np.ndarray
    velocity_km_s: np.ndarray | None = None
    epoch: float | str = 0.0
    source: str = ""
    name: str = "fixed state"
    _epoch_et: float = field(default=0.0, init=False, repr=False)

    def __post_init__(self):
        from .orbits import as_epoch

        object.__setattr__(self, "center", resolve_body(self.center))
        from .validate import vector

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


_MEX_NAMES = {"mars express", "mex", "mars-express", "marsexpress"}


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
    from .ephemeris import default_ephemeris
    from .orbits import as_epoch

    if side not in ("leading", "trailing"):
        raise PaledotError(f"side {side!r} must be 'leading' or 'trailing'")
    from .validate import number

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
    return FixedState(body.body, offset, epoch=float(et[0]), source=f"{source} ({where})", name=name)


def as_observer(observer, ephemeris: Ephemeris):
    """Accept an observer object, a body name/NAIF id (its centre), "mars express" (the Kepler
    preset) or one of the text forms of :func:`parse_observer`."""
    if hasattr(observer, "state") and hasattr(observer, "name"):
        return observer
    if isinstance(observer, str):
        text = " ".join(observer.strip().lower().split())
        if text in _MEX_NAMES:
            from .orbits import mars_express

            return mars_express()
        if ":" in text.split(",")[0] and not text.startswith(("et:", "jd")):
            from .observer_text import parse_observer

            return parse_observer(observer, ephemeris)
    return BodyCentre.of(observer, ephemeris)
