"""An observer standing on a body: position from latitude, longitude and altitude, turned with the
body's IAU rotation model, and the sky from there (elevation, azimuth, is the Sun up).

Coordinates (always said which):
- ``latitude="planetographic"`` (default): geodetic latitude, the angle of the ellipsoid's normal
  to the equator, and altitude along that normal — what maps and GPS give on Earth;
- ``latitude="planetocentric"``: the angle of the radius vector to the equator, and altitude
  along the radius above the ellipsoid.
Longitude is east-positive in both (planetocentric convention; note that IAU planetographic longitude
of Mars is west-positive: give -west as east). Ellipsoid: pck00011 radii (``bodies``).

The local vertical is the ellipsoid normal through the site itself (its geodetic vertical, as
SPICE's AZLCPO takes it) for both kinds; azimuth is
measured from north through east; elevation is geometric (no refraction). The Sun is "up" when its
upper limb is above that horizon. Rotation: for Earth the full IERS rotation (``paledot.celestial.earth``:
IAU 2006/2000A, UT1, polar motion; within centimetres of astropy's ``EarthLocation``); for other
bodies their IAU WGCCRE model (``orientation``). A body without a rotation model cannot carry a site.

Vectors km, J2000; epochs ET; angles rad inside. This module never plans observations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._io.angles import as_radians
from .._io.errors import PaledotError
from ..celestial.bodies import Body, resolve_body
from ..celestial.corrections import apparent_position, normalise_correction
from ..celestial.ephemeris import Ephemeris, ResolvedBody, default_ephemeris
from ..celestial.orientation import rotation_model
from ..celestial.vectors import dot, norm
from ..time.timescales import as_et

if TYPE_CHECKING:
    import astropy.units as u


LATITUDE_KINDS = ("planetographic", "planetocentric")
#: No real surface lies this far below a body's reference ellipsoid (Earth's deepest trench is
#: 11 km down; Mars's Hellas floor about 8 km): a lower altitude is a typing error.
MIN_ALTITUDE_KM = -20.0
SUN_ID = 10
EARTH_ID = 399


class SurfaceSite:
    """An observer fixed on a rotating body (see the module text for the coordinates).

    >>> site = SurfaceSite("mars", 18.44, 77.45, latitude="planetocentric", name="jezero")
    >>> round(float(np.linalg.norm(site.body_fixed_km)), 1)
    3394.2
    """

    def __init__(self, body: str | int | Body, lat, lon, alt_km: float = 0.0, *,
                 latitude: str = "planetographic", name: str | None = None):
        self.body = resolve_body(body)
        self.model = rotation_model(self.body)
        self._orientation_note = ""
        if self.body.is_barycenter:
            raise PaledotError(f"{self.body.title} is a barycentre, not a surface: name the body itself")
        kind = str(latitude).strip().lower()
        if kind not in LATITUDE_KINDS:
            raise PaledotError(f"latitude kind {latitude!r} is unknown: choose {' or '.join(LATITUDE_KINDS)}")
        phi, lam = as_radians(lat, "latitude"), as_radians(lon, "longitude")
        if abs(phi) > np.pi / 2 + 1e-12:
            raise PaledotError(f"latitude {lat!r} is out of range: it must be between -90 and 90 degrees")
        from .._io.validate import number

        alt = number(alt_km, "altitude", "km")
        if not np.isfinite(alt) or alt < MIN_ALTITUDE_KM:
            raise PaledotError(
                f"altitude {alt_km!r} km is below {self.body.title}'s surface by more than any real "
                f"site: it must be at least {MIN_ALTITUDE_KM:g} km"
            )
        a, b, c = self.body.radii_km
        if a != b:
            raise PaledotError(f"{self.body.title} is triaxial: surface sites need a spheroid (a = b)")
        self.lat, self.lon, self.alt_km, self.kind = phi, lam, alt, kind
        cl, sl = np.cos(lam), np.sin(lam)
        if kind == "planetographic":
            n = a * a / np.sqrt((a * np.cos(phi)) ** 2 + (c * np.sin(phi)) ** 2)
            surface = np.array([n * np.cos(phi) * cl, n * np.cos(phi) * sl,
                                n * (c * c) / (a * a) * np.sin(phi)])
            up = np.array([np.cos(phi) * cl, np.cos(phi) * sl, np.sin(phi)])
            pos = surface + alt * up
        else:
            radial = np.array([np.cos(phi) * cl, np.cos(phi) * sl, np.sin(phi)])
            r_s = 1.0 / np.sqrt((np.cos(phi) / a) ** 2 + (np.sin(phi) / c) ** 2)
            pos = (r_s + alt) * radial
            up = _geodetic_up(pos, a, c)
        east = np.array([-np.sin(lam), np.cos(lam), 0.0])
        if abs(np.cos(phi)) < 1e-12:  # at a pole any east will do; keep the prime meridian's
            east = np.array([0.0, 1.0, 0.0])
        north = np.cross(up, east)
        self.body_fixed_km = pos
        self._enu = np.vstack((east, north, up))  # rows: east, north, up in body-fixed axes
        self.name = name or f"site on {self.body.name}"

    @property
    def central_body(self) -> Body:
        return self.body

    @property
    def note(self) -> str:
        turn = ("IAU 2006/2000A precession-nutation, UT1 and polar motion from astropy's IERS tables"
                if self.body.naif_id == EARTH_ID else self.model.source)
        text = (f"{self.name}: {self.kind} latitude {np.degrees(self.lat):.6f} deg, east longitude "
                f"{np.degrees(self.lon):.6f} deg, altitude {self.alt_km:g} km on {self.body.title} "
                f"(pck00011 ellipsoid; {turn})")
        return text + (f"; {self._orientation_note}" if self._orientation_note else "")

    def rotation(self, et, rate: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """J2000 -> body-fixed matrices (N, 3, 3) (and their rates, 1/s): for Earth the full IERS
        rotation (``paledot.celestial.earth``), for other bodies their IAU model."""
        et = np.atleast_1d(np.asarray(et, dtype=np.float64))
        if self.body.naif_id != EARTH_ID:
            return self.model.matrix(et, rate=rate)
        from ..celestial.earth import earth_matrix

        m, dm, note = earth_matrix(et, rate=rate)
        if note:
            self._orientation_note = note
        return m, dm

    def local_frame(self, ephemeris: Ephemeris, et) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(east, north, up) unit vectors, each (N, 3) in J2000, at ET epochs ``et``."""
        m, _ = self.rotation(et)
        enu = np.einsum("nij,ki->knj", m, self._enu)  # M^T applied to each body-fixed axis
        return enu[0], enu[1], enu[2]

    def state(self, ephemeris: Ephemeris, et: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """SSB position (N, 3) km and velocity (N, 3) km/s (the body's spin included), J2000."""
        et = np.atleast_1d(np.asarray(et, dtype=np.float64))
        resolved = ephemeris.resolve(self.body)
        ephemeris.check_coverage(resolved.naif_id, et, label=self.body.title)
        cpos, cvel = ephemeris.state(resolved.naif_id, et, velocity=True)
        m, dm = self.rotation(et, rate=True)
        r = self.body_fixed_km
        return cpos + np.einsum("nji,j->ni", m, r), cvel + np.einsum("nji,j->ni", dm, r)


def _geodetic_up(pos: np.ndarray, a: float, c: float) -> np.ndarray:
    """Unit normal of the spheroid (a, a, c) through the point ``pos`` (its geodetic vertical).

    The point's geodetic latitude by fixed-point iteration of tan(phi) = (z + e^2 N sin phi) / p,
    which converges to rounding in a few steps for points near the surface.
    """
    e2 = 1.0 - (c * c) / (a * a)
    p = np.hypot(pos[0], pos[1])
    phi = np.arctan2(pos[2], p * (1.0 - e2))
    for _ in range(20):
        n = a / np.sqrt(1.0 - e2 * np.sin(phi) ** 2)
        new = np.arctan2(pos[2] + e2 * n * np.sin(phi), p)
        if abs(new - phi) < 1e-16:
            break
        phi = new
    lam = np.arctan2(pos[1], pos[0])
    return np.array([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


@dataclass
class Sky:
    """Elevation and azimuth of T targets at N epochs from a surface site, and the Sun's state."""

    t: np.ndarray
    site: str
    targets: tuple[ResolvedBody, ...]
    correction: str
    _elevation: np.ndarray
    _azimuth: np.ndarray
    _sun_elevation: np.ndarray
    _sun_radius: np.ndarray

    @property
    def elevation(self) -> u.Quantity:
        """Geometric elevation above the site's horizon plane, rad, (T, N)."""
        import astropy.units as u

        return self._elevation * u.rad

    @property
    def azimuth(self) -> u.Quantity:
        """Azimuth from north through east, rad in [0, 2 pi), (T, N)."""
        import astropy.units as u

        return self._azimuth * u.rad

    @property
    def sun_elevation(self) -> u.Quantity:
        """Elevation of the Sun's centre, rad, (N,)."""
        import astropy.units as u

        return self._sun_elevation * u.rad

    @property
    def sun_up(self) -> np.ndarray:
        """(N,) bool: the Sun's upper limb above the horizon (no refraction)."""
        return self._sun_elevation + self._sun_radius > 0


def sky(site: SurfaceSite, targets, t, correction: str = "LT+S",
        ephemeris: Ephemeris | None = None, deflection: bool = False) -> Sky:
    """Elevation, azimuth and Sun-up of ``targets`` seen from ``site`` (apparent directions; with
    ``deflection`` bent by the Sun's gravity too, see ``observe``).

    >>> s = sky(SurfaceSite("earth", 52.0, 13.4), ["moon"], ["2023-05-15T22:00"])
    >>> s.elevation.shape, s.sun_up.shape
    ((1, 1), (1,))
    """
    eph = ephemeris or default_ephemeris()
    corr = normalise_correction(correction)
    et = as_et(t)
    if isinstance(targets, (str, int)):
        targets = [targets]
    resolved = [eph.resolve(x) for x in targets]
    obs_pos, obs_vel = site.state(eph, et)
    east, north, up = site.local_frame(eph, et)

    def horizontal(naif_id):
        pos, _ = apparent_position(eph, naif_id, et, obs_pos, obs_vel, corr, deflection)
        unit = pos / norm(pos)[:, None]
        el = np.arcsin(np.clip(dot(unit, up), -1.0, 1.0))
        az = np.mod(np.arctan2(dot(unit, east), dot(unit, north)), 2 * np.pi)
        return el, az, norm(pos)

    el = np.empty((len(resolved), et.size))
    az = np.empty_like(el)
    for i, r in enumerate(resolved):
        el[i], az[i], _ = horizontal(r.naif_id)
    sun_el, _, sun_rng = horizontal(SUN_ID)
    sun_radius = np.arcsin(resolve_body("sun").equatorial_radius_km / sun_rng)
    return Sky(et, site.name, tuple(resolved), corr, el, az, sun_el, sun_radius)
