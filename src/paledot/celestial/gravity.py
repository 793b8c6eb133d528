"""Gravitational parameters GM (km^3/s^2) of the Sun, planets, Moon and system barycentres.

Values are those of NAIF's generic text PCK ``gm_de440.tpc`` (``BODYnnn_GM``), which carries the
constants of the DE440 ephemeris (Park et al. 2021, "The JPL Planetary and Lunar Ephemerides DE440
and DE441", AJ 161:105) and the satellite solutions consistent with it. A barycentre's GM is its
whole system's. This module only holds numbers; it never integrates anything.
"""

from __future__ import annotations

from .._io.errors import PaledotError
from .bodies import Body, resolve_body

#: gm_de440.tpc, BODYnnn_GM, km^3/s^2.
GM_DE440: dict[int, float] = {
    1: 2.2031868551400003e04,
    2: 3.2485859200000000e05,
    3: 4.0350323562548019e05,
    4: 4.2828375815756102e04,
    5: 1.2671276409999998e08,
    6: 3.7940584841799997e07,
    7: 5.7945563999999985e06,
    8: 6.8365271005803989e06,
    9: 9.7550000000000000e02,
    10: 1.3271244004127942e11,
    199: 2.2031868551400003e04,
    299: 3.2485859200000000e05,
    399: 3.9860043550702266e05,
    301: 4.9028001184575496e03,
    499: 4.282837362069909e04,
    599: 1.266865319003704e08,
    699: 3.793120623436167e07,
    799: 5.793951256527211e06,
    899: 6.835103145462294e06,
}


def gm(body: str | int | Body) -> float:
    """GM of a body (km^3/s^2) from gm_de440.tpc.

    >>> round(gm("mars"), 3)
    42828.374
    """
    b = resolve_body(body)
    if b.naif_id not in GM_DE440:
        raise PaledotError(
            f"no DE440 GM for {b.title} (NAIF {b.naif_id}): give gm_km3_s2 explicitly, or orbit one "
            "of the Sun, planets, their barycentres or the Moon"
        )
    return GM_DE440[b.naif_id]
