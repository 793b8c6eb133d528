"""Deep-space probes that DE440 does not carry, as named observers (``--observer "voyager 1"``).

Each name is backed by the best public trajectory information found, and says which kind it is:

- ``voyager 1``: a published JPL Horizons state (heliocentric, ICRF, 2017-05-25 19:44 TDB, as
  saved in a public repository's test file) moved to the solar-system barycentre and propagated as
  a two-body hyperbola about the barycentre with the whole solar system's GM. Past Saturn (1980)
  the probe coasts; what this ignores (the planets' pull as point masses off the barycentre) moves
  it by of order 10^5-10^6 km over decades, well under 0.1% of its range. Covered 1981-2030.
- ``cassini``: Saturn's system barycentre stands in (Cassini orbited Saturn 2004-07-01 to
  2017-09-15, at most a few million km from it). Covered over those dates only.
- ``messenger``, ``juno``, ``osiris-rex``: no trajectory was found in public files; each is a
  placement from the figures published with its picture (distance from Earth and an
  observer-Earth-Sun angle, see :func:`paledot.observers.place_by_sun_angle`) at the picture's
  epoch, held at a fixed offset from Earth, so covered only within a day of that epoch.

Vectors km, km/s, J2000; epochs ET. This module never renders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._io.errors import PaledotError
from ..celestial.ephemeris import Ephemeris
from ..celestial.gravity import GM_DE440
from .orbits import KeplerOrbit

#: JPL Horizons, Voyager 1 (-31) about the Sun (10), ICRF, 2017-May-25 19:44:00 TDB
#: (JD 2457899.322222222 TDB), source Voyager_1: as saved in the test file
#: physics/kepler_orbit_test.cpp of the public repository mockingbirdnest/Principia.
VOYAGER1_EPOCH = "JDTDB2457899.322222222"
VOYAGER1_POS_KM = (-4.202547896125371e09, -1.982453908150731e10, 4.378406169173994e09)
VOYAGER1_VEL_KM_S = (-2.067668772297011e00, -1.647515322877371e01, 3.618493348898172e00)
VOYAGER1_SOURCE = (
    "JPL Horizons heliocentric ICRF state of Voyager 1 at 2017-05-25 19:44 TDB (Horizons source "
    "'Voyager_1'), saved in the public Principia repository's kepler_orbit_test.cpp"
)
#: The solar system's total GM: the Sun and the nine planetary-system barycentres of DE440.
GM_SOLAR_SYSTEM = GM_DE440[10] + sum(GM_DE440[i] for i in range(1, 10))


@dataclass(frozen=True)
class Coverage:
    """The span (ET seconds) a probe observer is good for, and what it is."""

    start: str
    stop: str
    kind: str  # "trajectory", "stand-in" or "placement"

    def check(self, name: str, et: np.ndarray) -> None:
        from ..time.timescales import to_et

        lo, hi = (float(x) for x in to_et([self.start, self.stop]))
        bad = (et < lo) | (et > hi)
        if np.any(bad):
            from ..time.timescales import et_to_iso

            first = str(et_to_iso(np.asarray(et)[bad][:1])[0])[:19]
            raise PaledotError(
                f"observer {name!r} is covered only from {self.start} to {self.stop} "
                f"({self.kind}); epoch {first} is outside"
            )


class CoveredObserver:
    """Another observer (a body centre or a placement) limited to a covered span, with a note."""

    def __init__(self, name: str, inner, coverage: Coverage, note: str):
        self.name, self.inner, self.coverage, self._note = name, inner, coverage, note

    @property
    def central_body(self):
        return self.inner.central_body

    @property
    def note(self) -> str:
        return self._note

    def state(self, ephemeris: Ephemeris, et: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        et = np.atleast_1d(np.asarray(et, dtype=np.float64))
        self.coverage.check(self.name, et)
        return self.inner.state(ephemeris, et)


def voyager1(ephemeris: Ephemeris) -> CoveredObserver:
    """Voyager 1 from the saved Horizons state, about the solar-system barycentre."""
    from ..time.timescales import as_epoch

    et0 = np.array([as_epoch(VOYAGER1_EPOCH)])
    sun_pos, sun_vel = ephemeris.state(10, et0, velocity=True)
    pos = np.asarray(VOYAGER1_POS_KM) + sun_pos[0]
    vel = np.asarray(VOYAGER1_VEL_KM_S) + sun_vel[0]
    note = (
        f"voyager 1: trajectory, not a placement: {VOYAGER1_SOURCE}; moved to the solar-system "
        "barycentre and propagated as a two-body hyperbola with the whole solar system's GM "
        "(DE440), good to well under 0.1% in range over 1981-2030; covered 1981-01-01 to 2030-12-31"
    )
    orbit = KeplerOrbit.from_state(0, VOYAGER1_EPOCH, pos, vel, gm_km3_s2=GM_SOLAR_SYSTEM, name="voyager 1")
    return CoveredObserver("voyager 1", orbit, Coverage("1981-01-01", "2030-12-31", "trajectory"), note)


def cassini(ephemeris: Ephemeris):
    from .body import BodyCentre

    note = (
        "cassini: stand-in, not a trajectory: Saturn's system barycentre (Cassini orbited Saturn "
        "from 2004-07-01 to 2017-09-15, at most a few million km from it, under 0.3% of its range "
        "to Earth); covered 2004-07-01 to 2017-09-15"
    )
    return CoveredObserver("cassini", BodyCentre.of("saturn", ephemeris),
                           Coverage("2004-07-01", "2017-09-15", "stand-in for Saturn orbit"), note)


#: Placements from the figures published with each picture. Angles not published are assumed, and
#: the note says so. (name, epoch, distance km, sun angle deg, side, source of figures, assumptions)
PLACEMENTS = {
    "messenger": (
        "2010-05-06T12:00", 183e6, 15.0, "trailing",
        "MESSENGER team release (NASA/JHUAPL/CIW), Earth and Moon seen on 2010-05-06: 183 million km "
        "(114 million miles) from Earth, from inside Mercury's orbit, Earth and Moon near the "
        "boundary of Libra and Scorpius",
        "the hour (12:00 UTC) is assumed; the Sun angle (15 deg, trailing) is the one that puts Earth "
        "on the published Libra-Scorpius boundary at 183 million km, which sets MESSENGER 0.36 au "
        "from the Sun, within Mercury's range (0.31-0.47 au); a retelling's 'under 1/3 au' is off "
        "by 9% and flagged in the claims",
    ),
    "juno": (
        "2011-08-26T12:00", 9.66e6, 110.0, "leading",
        "NASA/JPL release 'Jupiter-bound Juno captures Earth and Moon' (2011-08-30): 2011-08-26, "
        "about 6 million miles (9.66 million km) from Earth; launch 2011-08-05",
        "the hour (12:00 UTC) is assumed; the Sun angle (110 deg, leading) is modelled: a departure "
        "along Earth's orbital velocity (Juno left Earth at the perihelion of its 2-year loop beyond "
        "Mars) propagated 21 days about the Sun at the speed that gives the published distance "
        "(5.46 km/s); Earth's own pull after launch is ignored",
    ),
    "osiris-rex": (
        "2017-10-02T12:00", 5.1e6, 3.6, "leading",
        "NASA Goddard / University of Arizona releases: MapCam, 2017-10-02, about 3.2 million miles "
        "(5.1 million km) from Earth, the Moon just inside the field; NavCam 1, 2017-09-25, 1,297,000 "
        "km from Earth and 1,185,000 km from the Moon",
        "the hour (12:00 UTC) is assumed; the direction (3.6 deg from the Sun as seen from Earth, in "
        "Earth's orbital plane) is the one that reproduces both 2017-09-25 distances on a straight "
        "outbound line; the other solution (126 deg trailing) puts the Moon 1.1 deg from Earth, not "
        "near the field's edge",
    ),
}


def placed(name: str, ephemeris: Ephemeris):
    from .fixed import place_by_sun_angle

    epoch, dist, angle, side, source, assumed = PLACEMENTS[name]
    inner = place_by_sun_angle("earth", dist, angle, epoch, side=side, source=source, name=name,
                               ephemeris=ephemeris)
    day = 86400.0
    from ..time.timescales import et_to_iso

    lo, hi = (str(x)[:19] for x in et_to_iso(np.array([inner._epoch_et - day, inner._epoch_et + day])))
    note = (
        f"{name}: placement, not a trajectory: {dist:,.0f} km from Earth, {angle:g} deg from the "
        f"Sun as seen from Earth, {side}, at {epoch} UTC, held at that offset from Earth. Figures: "
        f"{source}. Assumed: {assumed}. Covered within a day of the picture ({lo} to {hi})"
    )
    return CoveredObserver(name, inner, Coverage(lo, hi, "placement near one picture"), note)


PROBES = {
    "voyager 1": voyager1,
    "cassini": cassini,
    "messenger": lambda eph: placed("messenger", eph),
    "juno": lambda eph: placed("juno", eph),
    "osiris-rex": lambda eph: placed("osiris-rex", eph),
}
_ALIASES = {"voyager-1": "voyager 1", "voyager1": "voyager 1", "vgr1": "voyager 1",
            "osiris rex": "osiris-rex", "osirisrex": "osiris-rex", "orx": "osiris-rex"}


def probe_observer(text: str, ephemeris: Ephemeris):
    """The probe named ``text`` (case and spacing ignored), or None if it names no probe."""
    key = " ".join(str(text).strip().lower().split())
    key = _ALIASES.get(key, key)
    factory = PROBES.get(key)
    return factory(ephemeris) if factory else None
