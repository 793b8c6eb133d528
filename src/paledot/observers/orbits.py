"""An observer on a Keplerian orbit about any body, and the Mars Express preset.

``KeplerOrbit`` takes classical elements at an epoch in a named reference plane and propagates them
as a two-body orbit, vectorised over epochs, with GM from DE440 (``gravity``). It is the observer for
"a spacecraft in orbit" when no SPICE kernel of the real spacecraft is at hand: the orbit's shape and
period are right, its phase (where on the orbit the spacecraft is at a given minute) is only as good
as the elements given. This module never reads kernels of spacecraft; ``spacecraft`` does.

Reference planes (``plane=``):
- ``"j2000"``: the J2000 (ICRF) equator and equinox;
- ``"ecliptic"``: the J2000 ecliptic (obliquity 84381.448 arcsec, SPICE's ECLIPJ2000);
- ``"equator"``: the central body's equator from its IAU pole at the elements' epoch, with the
  node measured from the ascending node of that equator on the J2000 equator (the "IAU vector" of
  the WGCCRE reports; SPICE calls such a frame mean-equator-of-epoch).
"""

from __future__ import annotations

import numpy as np

from .._io.angles import as_radians
from .._io.errors import PaledotError
from .._io.validate import number
from ..celestial.bodies import Body, resolve_body
from ..celestial.ephemeris import Ephemeris
from ..celestial.gravity import gm as body_gm
from ..celestial.orientation import rotation_model
from ..time.timescales import as_epoch
from . import kepler

PLANES = ("j2000", "ecliptic", "equator")
_OBLIQUITY_J2000 = np.radians(84381.448 / 3600.0)


def plane_matrix(plane: str, center: Body, epoch_et: float) -> np.ndarray:
    """3x3 matrix taking vectors in the named reference plane's axes to J2000 axes."""
    name = str(plane).strip().lower()
    if name == "j2000":
        return np.eye(3)
    if name == "ecliptic":
        c, s = np.cos(_OBLIQUITY_J2000), np.sin(_OBLIQUITY_J2000)
        return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])
    if name == "equator":
        pole = rotation_model(center).pole([epoch_et])[0]
        node = np.cross([0.0, 0.0, 1.0], pole)
        size = np.linalg.norm(node)
        # A pole on the J2000 pole leaves the node undefined: take the J2000 equinox then.
        x = node / size if size > 1e-12 else np.array([1.0, 0.0, 0.0])
        y = np.cross(pole, x)
        return np.column_stack((x, y, pole))
    raise PaledotError(f"unknown reference plane {plane!r}: choose one of {', '.join(PLANES)}")


class KeplerOrbit:
    """An observer on a two-body orbit about ``center``; positions relative to the SSB in J2000.

    Give the size and shape by one of: ``a_km`` and ``e``; ``periapsis_altitude_km`` and
    ``apoapsis_altitude_km``; ``periapsis_altitude_km`` and ``e``; ``periapsis_radius_km`` and ``e``.
    Altitudes are above the central body's equatorial radius (pck00011). Orientation in degrees (or
    astropy Quantities): ``inclination``, ``node`` (longitude of the ascending node), ``argp``
    (argument of periapsis), in ``plane``. Phase: ``mean_anomaly`` (degrees) at ``epoch``, or
    ``periapsis_time``. Hyperbolic (e > 1) orbits need ``hyperbolic=True``. ``gm_km3_s2`` overrides
    the DE440 GM.

    >>> orbit = KeplerOrbit("mars", periapsis_altitude_km=300, apoapsis_altitude_km=10000,
    ...                     inclination=86, epoch="2023-05-15")
    >>> round(orbit.period_s / 3600, 2)
    6.66
    """

    def __init__(
        self,
        center: str | int | Body,
        *,
        epoch,
        a_km: float | None = None,
        e: float | None = None,
        periapsis_altitude_km: float | None = None,
        apoapsis_altitude_km: float | None = None,
        periapsis_radius_km: float | None = None,
        inclination=0.0,
        node=0.0,
        argp=0.0,
        mean_anomaly=None,
        periapsis_time=None,
        plane: str = "equator",
        hyperbolic: bool = False,
        gm_km3_s2: float | None = None,
        name: str | None = None,
        note: str = "",
    ):
        self.center = resolve_body(center)
        self.epoch_et = as_epoch(epoch)
        self.plane = str(plane).strip().lower()
        mu = number(gm_km3_s2, "gm_km3_s2", "km3/s2") if gm_km3_s2 is not None else body_gm(self.center)
        if not mu > 0:
            raise PaledotError(f"gm_km3_s2 {gm_km3_s2!r} must be positive")
        rp, ecc = self._size(a_km, e, periapsis_altitude_km, apoapsis_altitude_km,
                             periapsis_radius_km, hyperbolic)
        inc = as_radians(inclination, "inclination")
        if not 0.0 <= inc <= np.pi:
            raise PaledotError(f"inclination {inclination!r} must be between 0 and 180 degrees")
        el = kepler.Elements(rp, ecc, inc, as_radians(node, "node"), as_radians(argp, "argp"), 0.0,
                             self.epoch_et, mu)
        if mean_anomaly is not None and periapsis_time is not None:
            raise PaledotError("give mean_anomaly or periapsis_time, not both")
        if periapsis_time is not None:
            m0 = el.mean_motion * (self.epoch_et - as_epoch(periapsis_time, "periapsis_time"))
        else:
            m0 = as_radians(0.0 if mean_anomaly is None else mean_anomaly, "mean_anomaly")
        self.elements = kepler.Elements(rp, ecc, inc, el.node, el.argp, m0, self.epoch_et, mu)
        self._to_j2000 = plane_matrix(self.plane, self.center, self.epoch_et)
        self.name = name or f"kepler orbit about {self.center.name}"
        self._note = note
        self._centre_note = ""

    @classmethod
    def from_state(cls, center: str | int | Body, epoch, position_km, velocity_km_s, *,
                   gm_km3_s2: float | None = None, name: str | None = None, note: str = "") -> KeplerOrbit:
        """The conic through a published state at ``epoch``: position (km) and velocity (km/s)
        relative to ``center``, J2000 axes; ``gm_km3_s2`` overrides the DE440 GM."""
        orbit = cls.__new__(cls)
        orbit.center = resolve_body(center)
        orbit.epoch_et = as_epoch(epoch)
        orbit.plane = "j2000"
        mu = number(gm_km3_s2, "gm_km3_s2", "km3/s2") if gm_km3_s2 is not None else body_gm(orbit.center)
        if not mu > 0:
            raise PaledotError(f"gm_km3_s2 {gm_km3_s2!r} must be positive")
        orbit.elements = kepler.from_state(np.asarray(position_km, float), np.asarray(velocity_km_s, float),
                                           orbit.epoch_et, mu)
        orbit._to_j2000 = plane_matrix("j2000", orbit.center, orbit.epoch_et)
        orbit.name = name or f"kepler orbit about {orbit.center.name}"
        orbit._note, orbit._centre_note = note, ""
        return orbit

    def _size(self, a_km, e, peri_alt, apo_alt, peri_r, hyperbolic) -> tuple[float, float]:
        """(periapsis radius km, eccentricity) from whichever size/shape pair was given."""
        radius = self.center.equatorial_radius_km
        given = {k: v for k, v in (("a_km", a_km), ("periapsis_altitude_km", peri_alt),
                                   ("apoapsis_altitude_km", apo_alt),
                                   ("periapsis_radius_km", peri_r), ("e", e)) if v is not None}
        given = {k: number(v, k, None if k == "e" else "km") for k, v in given.items()}
        a_km, peri_alt, apo_alt, peri_r, e = (given.get(k) for k in (
            "a_km", "periapsis_altitude_km", "apoapsis_altitude_km", "periapsis_radius_km", "e"))
        if (peri_alt is not None or apo_alt is not None) and radius == 0.0:
            raise PaledotError(
                f"{self.center.title} has no surface to measure altitudes from: give a_km or "
                "periapsis_radius_km"
            )
        if e is not None:
            e = float(e)
            if e < 0:
                raise PaledotError(f"eccentricity {e!r} must be 0 or more")
            if e >= 1.0 and not hyperbolic:
                raise PaledotError(
                    f"eccentricity {e!r} is not an ellipse (e >= 1): give e < 1, or hyperbolic=True "
                    "(CLI: hyperbolic=yes) for a flyby"
                )
            if hyperbolic and e <= 1.0:
                raise PaledotError(f"a hyperbolic orbit needs eccentricity above 1, got {e!r}")
        if peri_alt is not None and apo_alt is not None and a_km is None and peri_r is None:
            if e is not None:
                raise PaledotError("give e or apoapsis_altitude_km, not both")
            if hyperbolic:
                raise PaledotError("a hyperbolic orbit has no apoapsis: give periapsis_altitude_km and e")
            rp, ra = radius + float(peri_alt), radius + float(apo_alt)
            self._check_periapsis(rp, f"periapsis altitude {peri_alt!r} km")
            if ra < rp:
                raise PaledotError(
                    f"apoapsis altitude {apo_alt!r} km is below the periapsis altitude {peri_alt!r} km"
                )
            return rp, (ra - rp) / (ra + rp)
        if e is None:
            raise PaledotError(
                "an orbit needs its size and shape: give a_km and e, periapsis_altitude_km and "
                "apoapsis_altitude_km, or periapsis_altitude_km (or periapsis_radius_km) and e"
            )
        sizes = [k for k in ("a_km", "periapsis_altitude_km", "periapsis_radius_km") if k in given]
        if len(sizes) != 1 or apo_alt is not None:
            raise PaledotError(f"give exactly one orbit size with e, got {', '.join(sizes) or 'none'}")
        if a_km is not None:
            a = float(a_km)
            if e > 1.0:
                a = -abs(a)  # a hyperbola's a is negative; accept either sign
            elif a <= 0:
                raise PaledotError(f"semi-major axis a_km {a_km!r} must be positive for an ellipse")
            rp = a * (1.0 - e)
            self._check_periapsis(rp, f"periapsis radius {rp:.3f} km (from a and e)")
            return rp, e
        if peri_alt is not None:
            rp = radius + float(peri_alt)
            self._check_periapsis(rp, f"periapsis altitude {peri_alt!r} km")
            return rp, e
        rp = float(peri_r)
        self._check_periapsis(rp, f"periapsis radius {peri_r!r} km")
        return rp, e

    def _check_periapsis(self, rp: float, label: str) -> None:
        radius = self.center.equatorial_radius_km
        if rp <= 0 or rp < radius:
            raise PaledotError(
                f"{label} puts periapsis below {self.center.title}'s surface: the orbit must stay "
                f"above the {radius:g} km equatorial radius (altitude >= 0)"
            )

    # --- observer interface -----------------------------------------------------------------
    @property
    def central_body(self) -> Body:
        return self.center

    @property
    def note(self) -> str:
        return "; ".join(x for x in (self._note, self._centre_note) if x)

    @property
    def period_s(self) -> float:
        """Orbital period, s (inf for a hyperbola)."""
        return self.elements.period

    def relative_state(self, et) -> tuple[np.ndarray, np.ndarray]:
        """Position (N, 3) km and velocity (N, 3) km/s relative to the central body, J2000 axes."""
        pos, vel = kepler.propagate(self.elements, np.atleast_1d(np.asarray(et, dtype=np.float64)))
        return pos @ self._to_j2000.T, vel @ self._to_j2000.T

    def state(self, ephemeris: Ephemeris, et: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """SSB position (N, 3) km and velocity (N, 3) km/s, J2000, at ET epochs ``et``."""
        et = np.atleast_1d(np.asarray(et, dtype=np.float64))
        resolved = ephemeris.resolve(self.center)
        self._centre_note = resolved.note
        ephemeris.check_coverage(resolved.naif_id, et, label=self.center.title)
        cpos, cvel = ephemeris.state(resolved.naif_id, et, velocity=True)
        pos, vel = self.relative_state(et)
        return cpos + pos, cvel + vel

    def __repr__(self) -> str:
        el = self.elements
        return (f"KeplerOrbit({self.center.name!r}, rp={el.rp:.3f} km, e={el.e:.6f}, "
                f"i={np.degrees(el.i):.4f} deg, plane={self.plane!r})")


# --- Mars Express -------------------------------------------------------------------------------
#: Published figures of Mars Express's operational orbit (after its first 440 days), ESA,
#: "Mars Express: The mission" (esa.int/Our_Activities/Space_Science/Mars_Express/The_mission):
#: pericentre 298 km, apocentre 10,107 km, inclination 86 deg, period 6.7 h. ESA's 2010 operations
#: news "Auspicious orbit marks run-up to Phobos flyby" gives a polar orbit of 350 km x 10,300 km
#: and 6 h 54 min; the orbit has been trimmed over the years, so these are class values.
MEX_PERIAPSIS_ALTITUDE_KM = 298.0
MEX_APOAPSIS_ALTITUDE_KM = 10_107.0
MEX_INCLINATION_DEG = 86.0
#: Node, argument of periapsis and phase are NOT published for 2023: nominal zeros at this epoch.
MEX_NOMINAL_EPOCH = "2023-05-15T00:00:00"
MEX_NOTE = (
    "Mars Express: Kepler orbit from ESA's published figures (298 x 10,107 km, i = 86 deg, "
    "P = 6.7 h) about Mars's IAU equator; node, periapsis and orbital phase are nominal, not the "
    "real 2023 ones: load ESA's MEX SPICE kernels (SpiceSpacecraft) for the true position"
)


def mars_express() -> KeplerOrbit:
    """The Mars Express preset: a nominal-phase Kepler orbit of the published size and tilt."""
    return KeplerOrbit(
        "mars",
        epoch=MEX_NOMINAL_EPOCH,
        periapsis_altitude_km=MEX_PERIAPSIS_ALTITUDE_KM,
        apoapsis_altitude_km=MEX_APOAPSIS_ALTITUDE_KM,
        inclination=MEX_INCLINATION_DEG,
        node=0.0,
        argp=0.0,
        mean_anomaly=0.0,
        plane="equator",
        name="mars express",
        note=MEX_NOTE,
    )
