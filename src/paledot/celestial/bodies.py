"""The body catalogue: names, NAIF ids and triaxial radii of the Sun, planets, Pluto and the Moon.

Radii are the IAU WG on Cartographic Coordinates and Rotational Elements values as carried in NAIF's
generic text PCK ``pck00011.tpc`` (``BODYnnn_RADII``, km; a = b equatorial, c polar), except the
Sun's: the IAU 2015 Resolution B3 nominal solar radius, 695,700 km (pck00011 still has 696,000). This module
only names things; it never reads an ephemeris.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .._io.errors import UnknownBodyError


@dataclass(frozen=True)
class Body:
    """A solar-system body.

    Attributes
    ----------
    name: canonical lower-case name (``"earth"``, ``"mars barycenter"``).
    naif_id: NAIF integer id (399 Earth, 301 Moon, 4 Mars barycentre, 499 Mars ...).
    radii_km: (a, b, c) triaxial radii in km from pck00011; (0, 0, 0) for a barycentre.
    system_id: NAIF id of the body's system barycentre (4 for Mars), equal to ``naif_id`` for one.
    """

    name: str
    naif_id: int
    radii_km: tuple[float, float, float]
    system_id: int

    @property
    def equatorial_radius_km(self) -> float:
        return self.radii_km[0]

    @property
    def polar_radius_km(self) -> float:
        return self.radii_km[2]

    @property
    def mean_radius_km(self) -> float:
        a, b, c = self.radii_km
        return (a + b + c) / 3.0

    @property
    def is_barycenter(self) -> bool:
        return self.naif_id < 10

    @property
    def pole_radec_deg(self) -> tuple[float, float]:
        """North pole (RA, Dec) in degrees, J2000; the celestial pole when unknown."""
        return _POLES_DEG.get(self.naif_id, (0.0, 90.0))

    @property
    def title(self) -> str:
        return self.name.title().replace("Barycenter", "barycentre")


# pck00011.tpc, BODYnnn_RADII (km); the Sun: IAU 2015 Resolution B3 nominal radius.
_PCK00011_RADII: dict[int, tuple[float, float, float]] = {
    10: (695700.0, 695700.0, 695700.0),
    199: (2440.53, 2440.53, 2438.26),
    299: (6051.8, 6051.8, 6051.8),
    399: (6378.1366, 6378.1366, 6356.7519),
    301: (1737.4, 1737.4, 1737.4),
    499: (3396.19, 3396.19, 3376.20),
    599: (71492.0, 71492.0, 66854.0),
    699: (60268.0, 60268.0, 54364.0),
    799: (25559.0, 25559.0, 24973.0),
    899: (24764.0, 24764.0, 24341.0),
    999: (1188.3, 1188.3, 1188.3),
}

# North pole (RA, Dec) in degrees at J2000, constant terms of the IAU WGCCRE 2015 models (Archinal et
# al. 2018, Celest. Mech. Dyn. Astr. 130:22, as in pck00011). Used only to orient an oblate outline;
# the slow and periodic terms (under a degree for these bodies, ~4 degrees for the Moon's
# librations) do not matter for that and are left out.
_POLES_DEG: dict[int, tuple[float, float]] = {
    10: (286.13, 63.87),
    199: (281.0103, 61.4155),
    299: (272.76, 67.16),
    399: (0.0, 90.0),
    301: (269.9949, 66.5392),
    499: (317.269202, 54.432516),
    599: (268.056595, 64.495303),
    699: (40.589, 83.537),
    799: (257.311, -15.175),
    899: (299.36, 43.46),
    999: (132.993, -6.163),
}

_PLANETS = ["mercury", "venus", "earth", "mars", "jupiter", "saturn", "uranus", "neptune", "pluto"]

BODIES: dict[int, Body] = {}


def _add(name: str, naif_id: int, system_id: int) -> None:
    BODIES[naif_id] = Body(name, naif_id, _PCK00011_RADII.get(naif_id, (0.0, 0.0, 0.0)), system_id)


_add("solar system barycenter", 0, 0)
_add("sun", 10, 10)
_add("moon", 301, 3)
for _i, _name in enumerate(_PLANETS, start=1):
    _add(_name, _i * 100 + 99, _i)
    _add(f"{_name} barycenter" if _name != "earth" else "earth-moon barycenter", _i, _i)

_ALIASES: dict[str, int] = {b.name: b.naif_id for b in BODIES.values()}
_ALIASES.update(
    {
        "ssb": 0,
        "solar system barycentre": 0,
        "emb": 3,
        "earth barycenter": 3,
        "earth barycentre": 3,
        "earth-moon barycentre": 3,
        "earth moon barycenter": 3,
        "luna": 301,
        "sol": 10,
    }
)
for _name in _PLANETS:
    if _name != "earth":
        _ALIASES[f"{_name} barycentre"] = _ALIASES[f"{_name} barycenter"]


def resolve_body(name_or_id: str | int | Body) -> Body:
    """Find a body by name (case-insensitive, 'barycentre' or 'barycenter') or NAIF id.

    >>> resolve_body("Moon").naif_id
    301
    """
    if isinstance(name_or_id, Body):
        return name_or_id
    if isinstance(name_or_id, (int,)) and not isinstance(name_or_id, bool):
        if name_or_id in BODIES:
            return BODIES[name_or_id]
        raise UnknownBodyError(
            f"unknown NAIF id {name_or_id}: known ids are "
            + ", ".join(str(i) for i in sorted(BODIES))
        )
    text = re.sub(r"\s+", " ", str(name_or_id).strip().lower().replace("_", " "))
    if re.fullmatch(r"[+-]?\d+", text):
        return resolve_body(int(text))
    if text in _ALIASES:
        return BODIES[_ALIASES[text]]
    import difflib  # only for a misspelt name

    close = difflib.get_close_matches(text, sorted(_ALIASES), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else (
        "known bodies: sun, moon, " + ", ".join(_PLANETS) + " and their barycenters"
    )
    raise UnknownBodyError(f"unknown body {str(name_or_id)!r}: {hint}")

