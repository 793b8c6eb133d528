"""Apparent geometry of targets seen from an observer, vectorised over epochs: the ``Geometry`` object.

``observe(observer, targets, t)`` runs one pass over all epochs for each target and returns arrays
shaped (targets, epochs): apparent position (J2000, km), range, light time, RA/Dec, angular radius,
phase angle, illuminated fraction and Sun elongation; pairs of targets give separation and position
angle. Internally km, s and radians; the public attributes are astropy Quantities.

Definitions (all with the same aberration correction as the positions):
- angular radius: ``asin(a / range)`` with ``a`` the target's equatorial radius (pck00011);
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

import astropy.units as u
import numpy as np
from astropy.table import QTable
from astropy.time import Time

from .corrections import apparent_position, normalise_correction
from .ephemeris import Ephemeris, ResolvedBody, default_ephemeris
from .errors import PaledotError
from .observers import as_observer
from .timescales import et_to_iso, et_to_time, to_et
from .vectors import cross, dot, norm

SUN_ID = 10


def target_row(targets: tuple[ResolvedBody, ...], target: str | int, where: str) -> int:
    """Row of ``target`` (a name, as given or canonical, or a NAIF id) among resolved targets."""
    for i, r in enumerate(targets):
        if target in (r.name, r.naif_id, r.body.naif_id) or (
            isinstance(target, str) and target.strip().lower() == r.name
        ):
            return i
    names = ", ".join(r.name for r in targets)
    raise PaledotError(f"target {target!r} is not in {where}: it has {names}")


def angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle (rad) between vectors on the last axis, accurate at 0 and pi."""
    return np.arctan2(norm(cross(a, b)), dot(a, b))


def radec(vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Right ascension in [0, 2pi) and declination (rad) of J2000 vectors (last axis)."""
    x, y, z = vec[..., 0], vec[..., 1], vec[..., 2]
    ra = np.mod(np.arctan2(y, x), 2 * np.pi)
    dec = np.arctan2(z, np.hypot(x, y))
    return ra, dec


def position_angle(ra1, dec1, ra2, dec2) -> np.ndarray:
    """Position angle (rad, [0, 2pi)) of point 2 seen from point 1, north through east."""
    dra = ra2 - ra1
    y = np.sin(dra) * np.cos(dec2)
    x = np.cos(dec1) * np.sin(dec2) - np.sin(dec1) * np.cos(dec2) * np.cos(dra)
    return np.mod(np.arctan2(y, x), 2 * np.pi)


@dataclass
class Geometry:
    """Apparent geometry of T targets at N epochs from one observer.

    Array attributes are shaped (T, N) (or (T, N, 3) for vectors); index the first axis with
    :meth:`index`. ``t`` holds the ET epochs (TDB seconds past J2000).
    """

    t: np.ndarray
    observer: str
    targets: tuple[ResolvedBody, ...]
    correction: str
    ephemeris_files: tuple[str, ...]
    _position: np.ndarray = field(repr=False)
    _light_time: np.ndarray = field(repr=False)
    notes: tuple[str, ...] = ()
    # What the Sun-dependent quantities need; they are computed on first use, since many callers
    # want positions only and the Sun costs as much again as the targets themselves.
    _context: tuple | None = field(default=None, repr=False, compare=False)

    @cached_property
    def _illumination(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(phase, sun elongation, target-to-Sun vectors): (T, N) rad, (T, N) rad, (T, N, 3) km.

        All with the geometry's own correction; the Sun is seen from each target at the epoch its
        light left for the observer."""
        eph, obs_pos, obs_vel, obs_id = self._context
        ids = [r.naif_id for r in self.targets]
        corr, et, position = self.correction, self.t, self._position
        if obs_id == SUN_ID:
            elongation = np.full(position.shape[:2], np.nan)
        else:
            if SUN_ID in ids:
                sun_pos = position[ids.index(SUN_ID)]
            else:
                sun_pos, _ = apparent_position(eph, SUN_ID, et, obs_pos, obs_vel, corr)
            elongation = angle_between(position, sun_pos[None])
        phase = np.full(position.shape[:2], np.nan)
        sun_from_target = np.zeros(position.shape)
        for i, naif_id in enumerate(ids):
            if naif_id == SUN_ID:
                continue
            emit = et if corr == "NONE" else et - self._light_time[i]
            tpos, tvel = eph.state(naif_id, emit, velocity=corr.endswith("+S"))
            to_sun, _ = apparent_position(eph, SUN_ID, emit, tpos, tvel, corr)
            phase[i] = angle_between(-position[i], to_sun)
            sun_from_target[i] = to_sun
        return phase, elongation, sun_from_target

    @property
    def _phase(self) -> np.ndarray:
        return self._illumination[0]

    @property
    def _sun_elongation(self) -> np.ndarray:
        return self._illumination[1]

    # --- naming -------------------------------------------------------------------------------
    @property
    def target_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.targets)

    def index(self, target: str | int) -> int:
        """Row of a target, by name (as given or canonical), position or NAIF id."""
        if isinstance(target, int) and 0 <= target < len(self.targets) and target < 10:
            return target
        return target_row(self.targets, target, "this geometry")

    # --- per-target quantities ------------------------------------------------------------
    @property
    def time(self) -> Time:
        """The epochs as an astropy Time (TDB scale)."""
        return et_to_time(self.t)

    @property
    def position(self) -> u.Quantity:
        """Apparent observer-to-target vectors, J2000, km, shape (T, N, 3)."""
        return self._position * u.km

    @property
    def range(self) -> u.Quantity:
        """Apparent distance (km): the length of the corrected vector."""
        return norm(self._position) * u.km

    @property
    def light_time(self) -> u.Quantity:
        """One-way light time (s) from the final light-time iteration."""
        return self._light_time * u.s

    @property
    def ra(self) -> u.Quantity:
        return radec(self._position)[0] * u.rad

    @property
    def dec(self) -> u.Quantity:
        return radec(self._position)[1] * u.rad

    @property
    def radii(self) -> u.Quantity:
        """(T, 3) triaxial radii of each target, km (pck00011)."""
        return np.array([r.body.radii_km for r in self.targets]) * u.km

    @property
    def angular_radius(self) -> u.Quantity:
        """Apparent angular radius from the equatorial radius, rad."""
        a = np.array([r.body.equatorial_radius_km for r in self.targets])[:, None]
        rng = norm(self._position)
        return np.arcsin(np.clip(a / rng, 0.0, 1.0)) * u.rad

    @property
    def angular_diameter(self) -> u.Quantity:
        return 2 * self.angular_radius

    @property
    def phase_angle(self) -> u.Quantity:
        """Sun-target-observer angle, rad (NaN for the Sun itself)."""
        return self._phase * u.rad

    @property
    def sun_from_target(self) -> u.Quantity:
        """Vectors from each target to the Sun (J2000, km), at the light's emission epoch; (T, N, 3)."""
        return self._illumination[2] * u.km

    @property
    def heliocentric_distance(self) -> u.Quantity:
        """Each target's distance from the Sun (km) at the emission epoch; 0 for the Sun."""
        return norm(self._illumination[2]) * u.km

    @property
    def magnitude(self) -> u.Quantity:
        """Apparent V magnitude of each target (NaN where paledot has no phase curve).

        See :mod:`paledot.photometry` for the published phase curves used."""
        from .photometry import apparent_magnitude

        rows = [
            apparent_magnitude(r.body.naif_id, self.heliocentric_distance.to_value("km")[i],
                               self.range.to_value("km")[i], self._phase[i])
            for i, r in enumerate(self.targets)
        ]
        return np.array(rows) * u.mag

    @property
    def illuminated_fraction(self) -> u.Quantity:
        """Fraction of the disk's area that is sunlit, for a sphere."""
        return ((1.0 + np.cos(self._phase)) / 2.0) * u.dimensionless_unscaled

    @property
    def sun_elongation(self) -> u.Quantity:
        """Sun-observer-target angle, rad (NaN when the observer is the Sun)."""
        return self._sun_elongation * u.rad

    # --- pairs ----------------------------------------------------------------------------
    def separation(self, a: str | int, b: str | int) -> u.Quantity:
        """Angular separation between two targets' apparent directions, rad, shape (N,)."""
        pa, pb = self._position[self.index(a)], self._position[self.index(b)]
        return angle_between(pa, pb) * u.rad

    def position_angle(self, a: str | int, b: str | int) -> u.Quantity:
        """Position angle of target ``b`` from target ``a``, north through east, rad, (N,)."""
        ra1, dec1 = radec(self._position[self.index(a)])
        ra2, dec2 = radec(self._position[self.index(b)])
        return position_angle(ra1, dec1, ra2, dec2) * u.rad

    # --- tables ---------------------------------------------------------------------------
    def to_table(self) -> QTable:
        """One row per (epoch, target), units on every column."""
        n_t, n = len(self.targets), self.t.size
        utc = np.tile(et_to_iso(self.t, precision=3), n_t)
        ra, dec = radec(self._position)
        table = QTable()
        table["utc"] = utc
        table["et"] = np.tile(self.t, n_t) * u.s
        table["target"] = np.repeat(self.target_names, n)
        pos = self._position.reshape(-1, 3)
        table["x"], table["y"], table["z"] = (pos[:, i] * u.km for i in range(3))
        table["range"] = self.range.reshape(-1)
        table["light_time"] = self.light_time.reshape(-1)
        table["ra"] = (ra.reshape(-1) * u.rad).to(u.deg)
        table["dec"] = (dec.reshape(-1) * u.rad).to(u.deg)
        table["angular_diameter"] = self.angular_diameter.reshape(-1).to(u.arcsec)
        table["phase_angle"] = self.phase_angle.reshape(-1).to(u.deg)
        table["illuminated_fraction"] = self.illuminated_fraction.reshape(-1)
        table["sun_elongation"] = self.sun_elongation.reshape(-1).to(u.deg)
        order = np.lexsort((np.repeat(np.arange(n_t), n), np.tile(np.arange(n), n_t)))
        return table[order]

    def pairs_table(self) -> QTable:
        """One row per (epoch, target pair): separation and position angle of the second."""
        table = QTable(
            names=("utc", "et", "target_a", "target_b", "separation", "position_angle"),
            dtype=(str, float, str, str, float, float),
        )
        if len(self.targets) < 2:
            return table
        utc = et_to_iso(self.t, precision=3)
        parts = []
        for i in range(len(self.targets)):
            for j in range(i + 1, len(self.targets)):
                part = QTable()
                part["utc"] = utc
                part["et"] = self.t * u.s
                part["target_a"] = [self.target_names[i]] * self.t.size
                part["target_b"] = [self.target_names[j]] * self.t.size
                part["separation"] = self.separation(i, j).to(u.arcsec)
                part["position_angle"] = self.position_angle(i, j).to(u.deg)
                parts.append(part)
        from astropy.table import vstack

        return vstack(parts)


def observe(
    observer,
    targets,
    t,
    correction: str = "LT+S",
    ephemeris: Ephemeris | None = None,
) -> Geometry:
    """Apparent geometry of ``targets`` from ``observer`` at epochs ``t``.

    Parameters
    ----------
    observer: a body name or NAIF id (meaning its centre), or an observer object.
    targets: a body name/id or a list of them.
    t: ET seconds (float array) or times :func:`~paledot.timescales.to_et` reads.
    correction: ``NONE``, ``LT``, ``LT+S`` (default), ``CN`` or ``CN+S``, as in SPICE.
    ephemeris: kernels to use; DE440 by default.

    >>> g = observe("mars", ["earth", "moon"], ["2023-05-15T14:08"])
    >>> bool(2.7e8 < g.range[g.index("earth")][0].to_value("km") < 3.1e8)
    True
    """
    corr = normalise_correction(correction)
    eph, et, obs, resolved = resolve_request(observer, targets, t, ephemeris)
    names = [r.name for r in resolved]
    if len(set(names)) != len(names):
        raise PaledotError(f"a target is named twice in {names}: name each target once")
    obs_id = getattr(obs, "naif_id", None)
    for r in resolved:
        if obs_id is not None and r.naif_id == obs_id:
            raise PaledotError(f"the observer {obs.name!r} cannot also be a target")

    obs_pos, obs_vel = obs.state(eph, et)
    n_t, n = len(resolved), et.size
    position = np.empty((n_t, n, 3))
    light_time = np.empty((n_t, n))
    for i, r in enumerate(resolved):
        position[i], light_time[i] = apparent_position(eph, r.naif_id, et, obs_pos, obs_vel, corr)

    notes = [getattr(obs, "note", "")] + [r.note for r in resolved]
    return Geometry(
        t=et,
        observer=obs.name,
        targets=tuple(resolved),
        correction=corr,
        ephemeris_files=tuple(eph.paths),
        _position=position,
        _light_time=light_time,
        notes=tuple(dict.fromkeys(x for x in notes if x)),
        _context=(eph, obs_pos, obs_vel, obs_id),
    )


def resolve_request(observer, targets, t, ephemeris: Ephemeris | None = None):
    """The common start of every per-epoch query: (ephemeris, ET array, observer, resolved targets)."""
    eph = ephemeris or default_ephemeris()
    et = _as_et(t)
    obs = as_observer(observer, eph)
    if isinstance(targets, (str, int)):
        targets = [targets]
    resolved = [eph.resolve(x) for x in targets]
    if not resolved:
        raise PaledotError("no target given: name at least one body")
    return eph, et, obs, resolved


def _as_et(t) -> np.ndarray:
    if hasattr(t, "unit") and hasattr(t, "to_value"):  # a Quantity: ET in any unit of time
        from .validate import vector

        t = vector(t, "ET", "s")
    if isinstance(t, np.ndarray) and t.dtype.kind in "fi":
        et = np.atleast_1d(t.astype(np.float64))
        if not np.all(np.isfinite(et)):
            raise PaledotError("an epoch is NaN or infinite: every ET must be a finite number")
        return et
    if isinstance(t, (float, int)) and not isinstance(t, bool):
        return _as_et(np.array([t], dtype=np.float64))
    return to_et(t)
