"""Apparent geometry of targets seen from an observer, vectorised over epochs: the ``Geometry`` object.

:func:`paledot.geometry.lighttime.observe` fills one (it works through the epochs in blocks of
:data:`~paledot.geometry.request.BLOCK`, so the cost per epoch and the memory of temporaries stay
flat) with arrays shaped (targets, epochs): apparent position (J2000, km), range, range rate, light
time, RA/Dec, angular radius, phase angle, illuminated fraction, Sun elongation, V magnitude and
surface brightness; the face we see (sub-observer and sub-solar points, north-pole and bright-limb
position angles, see ``disk``); for an observer on or around a body, whether that body hides each
target; from a surface site, azimuth, elevation and whether the Sun is up. Pairs of targets give
separation and position angle.
Internally km, s and radians; the public attributes are astropy Quantities.

Definitions (all with the same aberration correction as the positions):
- angular radius: ``asin(a / range)`` with ``a`` the target's equatorial radius (pck00011);
- range rate: d(range)/dt in km/s, SPICE's (the rate of the light-time-corrected distance,
  including the rate of change of light time; stellar aberration keeps lengths);
- phase angle: Sun-target-observer angle, the Sun seen from the target at the light-time-corrected
  emission epoch (SPICE's PHASEQ);
- illuminated fraction: ``(1 + cos(phase)) / 2`` of the disk's area, for a sphere;
- Sun elongation: Sun-observer-target angle;
- position angle of B from A: from celestial north through east, in the J2000 equatorial frame.
This module never renders or writes files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .._io.errors import PaledotError
from ..celestial.corrections import C_KM_S, apparent_position
from ..celestial.ephemeris import ResolvedBody
from ..celestial.vectors import angle_between, dot, norm, position_angle, radec
from ..time.timescales import as_et as _as_et  # noqa: F401 - the name callers used before timescales had it
from ..time.timescales import et_to_time
from .request import SUN_ID, _blocks, target_row

if TYPE_CHECKING:
    import astropy.units as u



def _units():
    """astropy.units, imported on first use (``import paledot`` stays light)."""
    import astropy.units as u

    return u



@dataclass
class Geometry:
    """Apparent geometry of T targets at N epochs from one observer.

    Array attributes are shaped (T, N) (or (T, N, 3) for vectors); index the first axis with
    :meth:`index`, or take one target's view with ``g["earth"]`` (then shapes are (N,)). ``t`` holds
    the ET epochs (TDB seconds past J2000).
    """

    t: np.ndarray
    observer: str
    targets: tuple[ResolvedBody, ...]
    correction: str
    ephemeris_files: tuple[str, ...]
    _position: np.ndarray = field(repr=False)
    _light_time: np.ndarray = field(repr=False)
    notes: tuple[str, ...] = ()
    # What the Sun-dependent and observer-dependent quantities need; they are computed on first
    # use, since many callers want positions only: (ephemeris, obs_pos, obs_vel, observer object).
    _context: tuple | None = field(default=None, repr=False, compare=False)
    deflection: bool = False
    _emitted: dict = field(default_factory=dict, repr=False, compare=False)
    #: What a frame's depth order needs besides the targets (``frame_geometry``): the positions
    #: without stellar aberration, (T, N, 3) km (None when the correction has none or nobody
    #: asked), and other bodies seen with the same correction, by NAIF id: (apparent (N, 3) km,
    #: without stellar aberration (N, 3) km, light time (N,) s).
    _plain: np.ndarray | None = field(default=None, repr=False, compare=False)
    _aside: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def _obs(self):
        return self._context[3]

    def _emission_state(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """SSB position (N, 3) km and velocity (N, 3) km/s of target ``i`` at the epochs its light
        left for the observer (computed once: illumination, range rate and the face share it)."""
        if i not in self._emitted:
            eph = self._context[0]
            pos, vel = np.empty((self.t.size, 3)), np.empty((self.t.size, 3))
            emit = self._emission_epochs(i)
            for b in _blocks(self.t.size):
                pos[b], vel[b] = eph.state(self.targets[i].naif_id, emit[b], velocity=True)
            self._emitted[i] = (pos, vel)
        return self._emitted[i]

    @cached_property
    def _illumination(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(phase, sun elongation, target-to-Sun vectors): (T, N) rad, (T, N) rad, (T, N, 3) km.

        All with the geometry's own correction; the Sun is seen from each target at the epoch its
        light left for the observer."""
        eph, obs_pos, obs_vel, obs = self._context
        ids = [r.naif_id for r in self.targets]
        corr, et, position = self.correction, self.t, self._position
        elongation = np.full(position.shape[:2], np.nan)
        if getattr(obs, "naif_id", None) != SUN_ID:
            if SUN_ID in ids:
                elongation = angle_between(position, position[ids.index(SUN_ID)][None])
            else:
                for b in _blocks(et.size):
                    sun_pos, _ = apparent_position(eph, SUN_ID, et[b], obs_pos[b], obs_vel[b], corr)
                    elongation[:, b] = angle_between(position[:, b], sun_pos[None])
        phase = np.full(position.shape[:2], np.nan)
        sun_from_target = np.zeros(position.shape)
        for i, naif_id in enumerate(ids):
            if naif_id == SUN_ID:
                continue
            state = self._emission_state(i)
            for b in _blocks(et.size):
                emit = et[b] if corr == "NONE" else et[b] - self._light_time[i, b]
                to_sun, _ = apparent_position(eph, SUN_ID, emit, state[0][b], state[1][b], corr)
                phase[i, b] = angle_between(-position[i, b], to_sun)
                sun_from_target[i, b] = to_sun
        return phase, elongation, sun_from_target

    @property
    def _phase(self) -> np.ndarray:
        return self._illumination[0]

    @property
    def _sun_elongation(self) -> np.ndarray:
        return self._illumination[1]

    def _emission_epochs(self, i: int) -> np.ndarray:
        return self.t if self.correction == "NONE" else self.t - self._light_time[i]

    # --- naming -------------------------------------------------------------------------------
    @property
    def target_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.targets)

    def index(self, target: str | int) -> int:
        """Row of a target, by name (as given or canonical), position or NAIF id."""
        if isinstance(target, int) and 0 <= target < len(self.targets) and target < 10:
            return target
        return target_row(self.targets, target, "this geometry")

    def __getitem__(self, target: str | int) -> TargetView:
        """One target's quantities, shaped (N,): ``g["earth"].range``."""
        return TargetView(self, self.index(target))

    # --- per-target quantities ------------------------------------------------------------
    @property
    def time(self):
        """The epochs as an astropy Time (TDB scale)."""
        return et_to_time(self.t)

    @property
    def position(self) -> u.Quantity:
        """Apparent observer-to-target vectors, J2000, km, shape (T, N, 3)."""
        return self._position * _units().km

    @property
    def range(self) -> u.Quantity:
        """Apparent distance (km): the length of the corrected vector."""
        return norm(self._position) * _units().km

    @cached_property
    def _range_rate(self) -> np.ndarray:
        obs_vel = self._context[2]
        out = np.empty(self._light_time.shape)
        for i in range(len(self.targets)):
            state = self._emission_state(i)
            for b in _blocks(self.t.size):
                tpos, tvel = state[0][b], state[1][b]
                geo = tpos - self._context[1][b]  # light-time corrected, without aberration
                unit = geo / norm(geo)[:, None]
                rate = dot(unit, tvel - obs_vel[b])
                if self.correction != "NONE":  # the light time shrinks or grows as the range does
                    rate = rate / (1.0 + dot(unit, tvel) / C_KM_S)
                out[i, b] = rate
        return out

    @property
    def range_rate(self) -> u.Quantity:
        """d(range)/dt, km/s (positive: receding), as SPICE's corrected state gives it."""
        return self._range_rate * (_units().km / _units().s)

    @property
    def light_time(self) -> u.Quantity:
        """One-way light time (s) from the final light-time iteration."""
        return self._light_time * _units().s

    @property
    def ra(self) -> u.Quantity:
        return radec(self._position)[0] * _units().rad

    @property
    def dec(self) -> u.Quantity:
        return radec(self._position)[1] * _units().rad

    def skycoord(self, target: str | int):
        """One target's apparent places as an astropy ``SkyCoord`` (RA, Dec, distance) with ``obstime``.

        The directions are the apparent ones (the geometry's correction), in ICRS axes."""
        from astropy.coordinates import SkyCoord

        u = _units()
        i = self.index(target)
        ra, dec = radec(self._position[i])
        return SkyCoord(ra * u.rad, dec * u.rad, norm(self._position[i]) * u.km, frame="icrs",
                        obstime=self.time)

    @property
    def radii(self) -> u.Quantity:
        """(T, 3) triaxial radii of each target, km (pck00011)."""
        return np.array([r.body.radii_km for r in self.targets]) * _units().km

    @property
    def _angular_radius(self) -> np.ndarray:
        a = np.array([r.body.equatorial_radius_km for r in self.targets])[:, None]
        return np.arcsin(np.clip(a / norm(self._position), 0.0, 1.0))

    @property
    def angular_radius(self) -> u.Quantity:
        """Apparent angular radius from the equatorial radius, rad."""
        return self._angular_radius * _units().rad

    @property
    def angular_diameter(self) -> u.Quantity:
        return 2 * self.angular_radius

    @property
    def phase_angle(self) -> u.Quantity:
        """Sun-target-observer angle, rad (NaN for the Sun itself)."""
        return self._phase * _units().rad

    @property
    def sun_from_target(self) -> u.Quantity:
        """Vectors from each target to the Sun (J2000, km), at the light's emission epoch; (T, N, 3)."""
        return self._illumination[2] * _units().km

    @property
    def heliocentric_distance(self) -> u.Quantity:
        """Each target's distance from the Sun (km) at the emission epoch; 0 for the Sun."""
        return norm(self._illumination[2]) * _units().km

    @cached_property
    def _magnitude(self) -> np.ndarray:
        from ..light.photometry import apparent_magnitude

        sun_dist, rng = norm(self._illumination[2]), norm(self._position)
        # Mars, Saturn and Uranus depend on their aspect, Mars and Neptune on the date.
        return np.array([apparent_magnitude(r.body.naif_id, sun_dist[i], rng[i], self._phase[i],
                                            target_to_sun=self._illumination[2][i],
                                            target_to_observer=-self._position[i], et=self.t)
                         for i, r in enumerate(self.targets)], dtype=np.float64).reshape(rng.shape)

    @property
    def magnitude(self) -> u.Quantity:
        """Apparent V magnitude of each target (NaN where paledot has no phase curve).

        See :mod:`paledot.light.photometry` for the published phase curves used."""
        return self._magnitude * _units().mag

    @property
    def _surface_brightness(self) -> np.ndarray:
        radius_arcsec = self._angular_radius * (180.0 / np.pi * 3600.0)
        cos_phase = np.nan_to_num(np.cos(self._phase), nan=1.0)  # the Sun has no phase: all lit
        lit = np.pi * radius_arcsec**2 * (1.0 + cos_phase) / 2.0  # arcsec^2
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(lit > 0.0, self._magnitude + 2.5 * np.log10(lit), np.nan)

    @property
    def surface_brightness(self) -> u.Quantity:
        """Mean V surface brightness of the sunlit part of the disk, mag/arcsec^2 (Horizons' S-brt):
        the magnitude spread over the lit fraction of the disk of the equatorial angular radius;
        NaN where the magnitude is."""
        units = _units()
        return self._surface_brightness * (units.mag / units.arcsec**2)

    @property
    def illuminated_fraction(self) -> u.Quantity:
        """Fraction of the disk's area that is sunlit, for a sphere."""
        return ((1.0 + np.cos(self._phase)) / 2.0) * _units().dimensionless_unscaled

    @property
    def sun_elongation(self) -> u.Quantity:
        """Sun-observer-target angle, rad (NaN when the observer is the Sun)."""
        return self._sun_elongation * _units().rad

    # --- the face we see (see ``disk`` for the conventions) ------------------------------------
    @cached_property
    def _disk(self) -> dict[str, np.ndarray]:
        """Sub-observer and sub-solar lon/lat and pole and bright-limb position angles, (T, N) rad;
        NaN for a target without a rotation model (and the sub-solar point of the Sun)."""
        from .disk import face

        return face(self)

    def _angle(self, key: str) -> u.Quantity:
        return self._disk[key] * _units().rad

    @property
    def sub_observer_lon(self) -> u.Quantity:
        """Planetocentric east longitude of the sub-observer point, rad in [0, 2 pi) (Horizons 14)."""
        return self._angle("sub_observer_lon")

    @property
    def sub_observer_lat(self) -> u.Quantity:
        """Planetocentric latitude of the sub-observer point, rad (Horizons 14)."""
        return self._angle("sub_observer_lat")

    @property
    def sub_solar_lon(self) -> u.Quantity:
        """Planetocentric east longitude of the sub-solar point, rad in [0, 2 pi) (Horizons 15)."""
        return self._angle("sub_solar_lon")

    @property
    def sub_solar_lat(self) -> u.Quantity:
        """Planetocentric latitude of the sub-solar point, rad (Horizons 15)."""
        return self._angle("sub_solar_lat")

    @property
    def north_pole_position_angle(self) -> u.Quantity:
        """Position angle of the target's north pole on the sky, J2000 north through east, rad
        (Horizons 17, which measures from the true-of-date north)."""
        return self._angle("north_pole_pa")

    @property
    def bright_limb_position_angle(self) -> u.Quantity:
        """Position angle of the midpoint of the sunlit limb (the Sun's direction from the target
        projected on the sky), J2000 north through east, rad."""
        return self._angle("bright_limb_pa")

    # --- the observer's own planet and sky ------------------------------------------------------
    @cached_property
    def occultation(self):
        """For an observer on or around a body (not its centre): an
        :class:`~paledot.geometry.occultation.Occultation` by that body (``state``: 0 none, 1 partial,
        2 full; ``limb_height``: angle above the limb, or above the horizon from a surface site);
        None for a body's centre or an observer with no central body."""
        from .occultation import occultation

        obs = self._obs
        central = getattr(obs, "central_body", None)
        if central is None or getattr(obs, "naif_id", None) is not None:
            return None
        try:
            return occultation(obs, [r.naif_id for r in self.targets], self.t, self.correction,
                               self._context[0])
        except PaledotError:  # no rotation model for the body, a target is the body itself...
            return None

    @cached_property
    def sky(self):
        """From a surface site: a :class:`~paledot.observers.sites.Sky` (azimuth, elevation, Sun
        up) of the targets' apparent directions (this geometry's own, deflection included); None
        for other observers."""
        from ..observers.sites import Sky, SurfaceSite

        obs = self._obs
        if not isinstance(obs, SurfaceSite):
            return None
        eph, obs_pos, obs_vel, _ = self._context
        east, north, up = obs.local_frame(eph, self.t)
        ids = [r.naif_id for r in self.targets]
        if SUN_ID in ids:
            sun = self._position[ids.index(SUN_ID)]
        else:
            sun = np.empty((self.t.size, 3))
            for b in _blocks(self.t.size):
                sun[b] = apparent_position(eph, SUN_ID, self.t[b], obs_pos[b], obs_vel[b], self.correction,
                                           self.deflection)[0]

        def horizontal(vec):
            unit = vec / norm(vec)[..., None]
            el = np.arcsin(np.clip(dot(unit, up), -1.0, 1.0))
            return el, np.mod(np.arctan2(dot(unit, east), dot(unit, north)), 2 * np.pi)

        el, az = horizontal(self._position)
        sun_el, _ = horizontal(sun)
        from ..celestial.bodies import resolve_body

        sun_radius = np.arcsin(resolve_body("sun").equatorial_radius_km / norm(sun))
        return Sky(self.t, obs.name, self.targets, self.correction, el, az, sun_el, sun_radius)

    # --- pairs ----------------------------------------------------------------------------
    def _separation(self, i: int, j: int) -> np.ndarray:
        return angle_between(self._position[i], self._position[j])

    def _pair_position_angle(self, i: int, j: int) -> np.ndarray:
        ra1, dec1 = radec(self._position[i])
        ra2, dec2 = radec(self._position[j])
        return position_angle(ra1, dec1, ra2, dec2)

    def separation(self, a: str | int, b: str | int) -> u.Quantity:
        """Angular separation between two targets' apparent directions, rad, shape (N,)."""
        return self._separation(self.index(a), self.index(b)) * _units().rad

    def position_angle(self, a: str | int, b: str | int) -> u.Quantity:
        """Position angle of target ``b`` from target ``a``, north through east, rad, (N,)."""
        return self._pair_position_angle(self.index(a), self.index(b)) * _units().rad

    # --- tables ---------------------------------------------------------------------------
    def meta(self) -> dict:
        """What every output of this geometry carries: observer, correction, ephemeris, notes,
        conventions and the paledot version."""
        from .._io.version import version

        return {
            "paledot": version(), "observer": self.observer, "correction": self.correction,
            "deflection": self.deflection,
            "ephemeris": [p.replace("\\", "/").rsplit("/", 1)[-1] for p in self.ephemeris_files],
            "targets": list(self.target_names), "notes": list(self.notes),
            "conventions": CONVENTIONS,
        }

    def to_table(self):
        """One row per (epoch, target) as an astropy ``QTable``: a ``time`` column (astropy Time,
        UTC), RA/Dec as ``Longitude``/``Latitude``, units on every column, and ``meta`` with the
        observer, correction, ephemeris, notes and paledot version."""
        from .columns import geometry_qtable

        return geometry_qtable(self)

    def pairs_table(self):
        """One row per (epoch, target pair): separation and position angle of the second."""
        from .columns import pairs_qtable

        return pairs_qtable(self)


#: How the numbers are defined, carried in every table's metadata.
CONVENTIONS = (
    "ICRF/J2000 axes; RA/Dec and position angles (north through east) in J2000; sub-observer and "
    "sub-solar points planetocentric, east longitude 0-360 deg, IAU rotation models (pck00011) at "
    "the epoch the light left each point (as SPICE's SUBPNT/SUBSLR); range rate d(range)/dt km/s; "
    "occultation by the observer's planet: none/partial/full with the target centre's height above "
    "the limb (above the horizon from a surface site); V magnitudes from photometry's published "
    "phase curves (NaN without one)"
)


class TargetView:
    """One target of a :class:`Geometry`: every (T, ...) attribute indexed to that target, so
    ``g["earth"].range`` is shaped (N,)."""

    def __init__(self, geometry: Geometry, row: int):
        self._g, self._row = geometry, row
        self.name = geometry.target_names[row]

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self._g, name)
        if name in ("t", "time", "observer", "correction", "notes", "ephemeris_files"):
            return value
        if callable(value):
            raise AttributeError(f"{name} needs the whole Geometry: use g.{name}(...)")
        shape = getattr(value, "shape", ())
        if len(shape) >= 1 and shape[0] == len(self._g.targets):
            return value[self._row]
        return value

    def skycoord(self):
        """This target's apparent places as an astropy ``SkyCoord`` (see :meth:`Geometry.skycoord`)."""
        return self._g.skycoord(self._row)

    def __repr__(self) -> str:
        return f"<{self.name} seen from {self._g.observer}: {self._g.t.size} epochs>"
