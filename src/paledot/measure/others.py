"""Other predicted bodies in the field (a planet, another moon) found once Earth anchors the frame.

Each one is looked for where the sky puts it relative to Earth: Earth's measured pixel plus the
predicted offset between the two (so a pointing offset cancels). How far the look reaches grows
with how well the sky is known at that distance from Earth (``lever``): a roll and scale solved
from the Earth-Moon pair rest on their light centres, which a phase moves by up to a radius, so
an error of a few tenths of a pixel over the pair's separation grows along the lever; a header's
roll may be off by a degree; stars fix it to a few thousandths. Among the sources within reach
(never a hot pixel, a catalogue star or a body already named) the one whose distance and
brightness (against Earth's, predicted from the magnitudes) fit best is taken.
Pixels are 0-based (x, y), y up (DESIGN.md).
"""

from __future__ import annotations

import math

#: Reach for a body's place: this many px plus its radius, plus a share of its distance from Earth.
BASE_PX = 3.0
#: Share of the distance from Earth allowed per way the sky was fixed (a roll error in radians).
LEVER_SHARE = {"stars": 0.002, "header": 0.02, "pair": 0.02}


def identify_others(srcs, ident, predicted, wcs, sky_from: str = "header", stretched: bool = False) -> None:
    """Name the sources of the other predicted bodies (``ident.bodies`` grows in place; a body not
    found gets a note). ``wcs`` maps the sky to this frame, ``sky_from`` says how it was fixed
    ("stars", "header" or "pair")."""
    if wcs is None or "earth" not in ident.bodies:
        return
    e = srcs.sources[ident.bodies["earth"]]
    earth = next(p for p in predicted if p.name == "earth")
    (ex,), (ey,) = wcs.all_world2pix([earth.ra_deg], [earth.dec_deg], 0)
    scale = _scale(wcs, ex, ey)
    share = LEVER_SHARE.get(sky_from, 0.02)
    if sky_from == "pair" and "moon" in ident.bodies:
        m = srcs.sources[ident.bodies["moon"]]
        pair_px = math.hypot(m.x - e.x, m.y - e.y)
        light = (earth.diameter_arcsec / 2) / scale + 1.0  # a light centre may sit a radius off
        share = max(share, 2 * light / max(pair_px, 1.0))
    used = set(ident.bodies.values())
    for p in predicted:
        if p.name in ident.bodies:
            continue
        (px,), (py,) = wcs.all_world2pix([p.ra_deg], [p.dec_deg], 0)
        if not (math.isfinite(px) and math.isfinite(py)):
            ident.notes.append(f"{p.name}: its predicted place is off this frame's sky")
            continue
        lever = math.hypot(px - ex, py - ey)
        x0, y0 = e.x + (px - ex), e.y + (py - ey)
        radius = p.diameter_arcsec / 2 / scale
        tol = BASE_PX + radius + share * lever
        ratio = 10 ** (-0.4 * (p.magnitude - earth.magnitude)) if math.isfinite(p.magnitude) else None
        best = None
        for k, s in enumerate(srcs.sources):
            if k in used or "hot" in s.flags or any(f.startswith("star") for f in s.flags):
                continue
            d = math.hypot(s.x - x0, s.y - y0)
            if d > tol:
                continue
            score = (d / tol) ** 2
            if ratio and not stretched and s.flux > 0 and e.flux > 0:
                lr = math.log10(s.flux / e.flux / ratio)
                if "saturated" in e.flags:  # Earth's flux is a lower bound: the ratio an upper one
                    lr = min(lr, 0.0)
                score += lr**2
            if best is None or score < best[0]:
                best = (score, k)
        if best is None:
            ident.notes.append(f"{p.name}: no source within {tol:.1f} px of its predicted place")
            continue
        ident.bodies[p.name] = best[1]
        used.add(best[1])


def _scale(wcs, x: float, y: float) -> float:
    from .identify import wcs_scale

    return wcs_scale(wcs, x, y)
