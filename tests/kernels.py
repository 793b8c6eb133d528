"""Kernels the tests write for SPICE, from paledot's own constants and orbits (independent readers).

- ``write_pck``: a text PCK with the IAU rotation constants of ``paledot.celestial.orientation`` and the radii
  of ``paledot.celestial.bodies``, written in NAIF's own keywords, so SPICE's IAU_<BODY> frames and
  ellipsoids use the same numbers through SPICE's own code;
- ``write_spk13``: an SPK type 13 (Hermite) segment from states sampled off a paledot orbit;
- ``write_mars_centre``: Mars (499) at its barycentre (4), so SPICE can name MARS and IAU_MARS;
- ``write_earth_offset``: Earth (399) about the Earth-Moon barycentre (3) as a made-up offset, in
  SPK type 2 records of 10 days (the kind of kernel a user writes with spiceypy).
"""

from __future__ import annotations

import numpy as np

from paledot.celestial.bodies import BODIES
from paledot.celestial.orientation import MODELS


def write_pck(path, body_ids=(10, 399, 301, 499)) -> None:
    lines = ["KPL/PCK", "\\begindata"]
    systems: dict[int, list] = {}
    for naif in body_ids:
        m = MODELS[naif]
        system = naif if naif < 100 else naif // 100
        angles = systems.setdefault(system, [])
        lines.append(f"BODY{naif}_POLE_RA = ( {m.pole_ra[0]!r} {m.pole_ra[1]!r} {m.pole_ra[2]!r} )")
        lines.append(f"BODY{naif}_POLE_DEC = ( {m.pole_dec[0]!r} {m.pole_dec[1]!r} {m.pole_dec[2]!r} )")
        lines.append(f"BODY{naif}_PM = ( {m.pm[0]!r} {m.pm[1]!r} {m.pm[2]!r} )")
        a, b, c = BODIES[naif].radii_km
        lines.append(f"BODY{naif}_RADII = ( {a!r} {b!r} {c!r} )")
        # One angle per periodic term, appended to the system's list; amplitudes elsewhere zero.
        for key, terms in (("RA", m.ra_terms), ("DEC", m.dec_terms), ("PM", m.pm_terms)):
            if not terms:
                continue
            amps = []
            for amp, a_k, b_k in terms:
                angles.append((a_k, b_k))
                amps.append((len(angles) - 1, amp))
            series = [0.0] * len(angles)
            for idx, amp in amps:
                series[idx] = amp
            lines.append(f"BODY{naif}_NUT_PREC_{key} = ( {_wrap(series)} )")
    for system, angles in systems.items():
        if angles:
            flat = [x for pair in angles for x in pair]
            lines.append(f"BODY{system}_NUT_PREC_ANGLES = ( {_wrap(flat)} )")
    lines += ["\\begintext", ""]
    with open(path, "w") as fh:
        fh.write("\n".join(lines))


def _wrap(values) -> str:
    """Numbers four to a line: SPICE's text kernels limit line length."""
    text = [" ".join(repr(float(x)) for x in values[i:i + 4]) for i in range(0, len(values), 4)]
    return "\n    ".join(text)


def write_spk13(sp, path, naif_id, center, et, pos, vel, degree=7, name=None) -> None:
    handle = sp.spkopn(str(path), "paledot test", 0)
    states = np.hstack((pos, vel))
    sp.spkw13(handle, naif_id, center, "J2000", float(et[0]), float(et[-1]), "paledot test", degree,
              len(et), states, et)
    sp.spkcls(handle)


def write_mars_centre(sp, path, first_et, last_et) -> None:
    """Mars (499) exactly at the Mars barycentre (4): lets SPICE use MARS / IAU_MARS with DE440."""
    handle = sp.spkopn(str(path), "paledot test", 0)
    record = np.zeros(9)
    sp.spkw02(handle, 499, 4, "J2000", first_et, last_et, "mars centre", last_et - first_et, 1, 2,
              record, first_et)
    sp.spkcls(handle)


#: The made-up Earth offset from the Earth-Moon barycentre (km) and its drift (km per record).
EARTH_OFFSET_KM = (4321.0, -2000.0, 300.0)
EARTH_DRIFT_KM = (25.0, 10.0, -5.0)


def write_earth_offset(sp, path, first_et, records=6, days=10.0, degree=3) -> None:
    """An SPK with one type 2 segment of Earth (399) relative to the Earth-Moon barycentre (3):
    ``records`` Chebyshev records of ``days`` each from ``first_et``, the offset
    :data:`EARTH_OFFSET_KM` plus a linear drift of :data:`EARTH_DRIFT_KM` across each record."""
    intlen = days * 86400.0
    coeffs = []
    for _ in range(records):
        for c, drift in zip(EARTH_OFFSET_KM, EARTH_DRIFT_KM, strict=True):
            coeffs += [c, 0.5 * drift] + [0.0] * (degree - 1)
    handle = sp.spkopn(str(path), "paledot test", 0)
    sp.spkw02(handle, 399, 3, "J2000", first_et, first_et + records * intlen, "earth offset", intlen,
              records, degree, np.array(coeffs), first_et)
    sp.spkcls(handle)


def write_names(path, names: dict[str, int]) -> None:
    lines = ["KPL/FK", "\\begindata"]
    lines.append("NAIF_BODY_NAME += ( " + " ".join(f"'{n}'" for n in names) + " )")
    lines.append("NAIF_BODY_CODE += ( " + " ".join(str(c) for c in names.values()) + " )")
    lines += ["\\begintext", ""]
    with open(path, "w") as fh:
        fh.write("\n".join(lines))
