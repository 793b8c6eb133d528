"""Claim checks where physics can dispute a published number: rounded distances, V magnitudes,
pixel counts, phases, which body is nearer, constellations, what the eye could see.

Each checker returns (computed, verdict, why) like those of :mod:`paledot.stories.claims`, into whose
``CHECKERS`` table they are merged. A disputed number gets the computed value and
the reason: by how much it misses, against what allowance (its own rounding, the photometric
model's accuracy, the observer's stand-in offset). Checkers hold no facts: published numbers come
from the scenario file, computed ones from ``Findings``.
"""

from __future__ import annotations

import math

import numpy as np

from .._io.errors import PaledotError
from .findings import MILE_KM, Findings

AU_KM = 149_597_870.7
MEAN_EARTH_MOON_KM = 384_400.0
UNITS_KM = {"km": 1.0, "mile": MILE_KM, "au": AU_KM}
#: Photometric allowance (mag): the Earth and Moon phase curves scatter by about this much.
PHOTOMETRY_TOLERANCE_MAG = 0.3


def rounding_half_width(value: float) -> float:
    """Half a unit of the last significant digit of ``value`` as written (6.4e9 -> 5e7).

    >>> rounding_half_width(6.4e9), rounding_half_width(183e6), rounding_half_width(9.66e6)
    (50000000.0, 500000.0, 5000.0)
    """
    v = abs(float(value))
    if v == 0:
        return 0.5
    k = math.floor(math.log10(v))
    while k > -12 and abs(v / 10**k - round(v / 10**k)) > 1e-9 * v / 10**k:
        k -= 1
    return 0.5 * 10.0**k


def _words(x: float, unit: str) -> str:
    """A distance in words: 6.05538e9 km -> '6.055 billion km'."""
    for scale, word in ((1e9, "billion"), (1e6, "million")):
        if abs(x) >= scale:
            return f"{x / scale:,.4g} {word} {unit}s" if unit == "mile" else f"{x / scale:,.4g} {word} {unit}"
    # below a million: whole units with separators ('670,600 miles', was '6.706e+05 mile')
    text = f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.4g}"
    return f"{text} {unit}s" if unit == "mile" and x != 1 else f"{text} {unit}"


def _need(f: Findings, name: str):
    value = getattr(f, name)
    if value is None:
        raise PaledotError(f"this claim needs {name.replace('_', ' ')}, which was not computed")
    return value


def _distance_rounded(c: dict, f: Findings) -> tuple[str, str, str]:
    unit = str(c.get("unit", "km")).lower()
    if unit not in UNITS_KM:
        raise PaledotError(f"claim {c['id']!r}: unit {unit!r} must be one of {', '.join(UNITS_KM)}")
    frm = str(c.get("from", "earth")).lower()
    computed_km = {"earth": f.earth_range_km, "sun": _need(f, "sun_range_km")}.get(frm)
    if computed_km is None:
        raise PaledotError(f"claim {c['id']!r}: from = {frm!r} must be earth or sun")
    said = float(c["value"])
    half = float(c.get("rounding", rounding_half_width(said)))
    allowance_km = float(c.get("observer_offset_km", 0.0))
    ours_km = float(np.mean(computed_km))
    ours = ours_km / UNITS_KM[unit]
    slack = half + allowance_km / UNITS_KM[unit]
    diff = ours - said
    what = "to Earth" if frm == "earth" else "to the Sun"
    computed = f"{_words(ours, unit)} {what}" + ("" if unit == "km" else f" ({ours_km:,.0f} km)")
    extra = f" plus {allowance_km:,.0f} km for the observer stand-in" if allowance_km else ""
    if abs(diff) <= slack:
        why = f"{_words(said, unit)} +/- {_words(half, unit)} (its rounding){extra} covers it"
        return computed, "holds", why
    return (
        computed,
        f"off by {diff / said:+.1%}",
        f"the published {_words(said, unit)} can only mean {_words(said - half, unit)} to "
        f"{_words(said + half, unit)} (its rounding){extra}; the computed distance differs by "
        f"{_words(abs(diff), unit)}, more than that",
    )


def _magnitude_v(c: dict, f: Findings) -> tuple[str, str, str]:
    from ..light.photometry import apparent_magnitude

    body = str(c.get("body", "earth")).lower()
    if body not in ("earth", "moon"):
        raise PaledotError(f"claim {c['id']!r}: body {body!r} must be earth or moon")
    ours = float(np.mean(f.earth_v if body == "earth" else f.moon_v))
    phase = float(np.mean(_need(f, f"{body}_phase_deg")))
    dist = float(np.mean(f.earth_range_km if body == "earth" else _need(f, "moon_range_km")))
    sun = float(np.mean(_need(f, f"{body}_sun_km")))
    said = float(c["value"])
    tol = float(c.get("tolerance_mag", PHOTOMETRY_TOLERANCE_MAG))
    computed = f"V {ours:+.2f} at phase {phase:.0f} deg, {dist / 1e6:,.1f} million km"
    if abs(ours - said) <= tol:
        return computed, "holds", f"within the {tol:g} mag the published phase curves allow"
    # Which phase would give the published value at this distance? (a hint, not a verdict)
    naif = 399 if body == "earth" else 301
    grid = np.linspace(0.0, 150.0, 1501)
    mags = apparent_magnitude(naif, sun, dist, np.radians(grid))
    best = grid[int(np.nanargmin(np.abs(mags - said)))]
    brighter = "brighter" if said < ours else "fainter"
    return (
        computed,
        f"cannot be V here (off by {said - ours:+.1f} mag)",
        f"the published V {said:+.1f} is {abs(said - ours):.1f} mag {brighter} than {body.title()} "
        f"can be at phase {phase:.0f} deg and this distance (the phase curves hold to ~{tol:g} mag); "
        f"it would fit a phase near {best:.0f} deg, so it is not a V magnitude of this view",
    )


def _pixels_across(c: dict, f: Findings) -> tuple[str, str, str]:
    body = str(c.get("body", "earth")).lower()
    if body not in ("earth", "moon"):
        raise PaledotError(f"claim {c['id']!r}: body {body!r} must be earth or moon")
    disk = float(np.mean(f.earth_diameter_px if body == "earth" else f.moon_diameter_px))
    phase = float(np.mean(_need(f, f"{body}_phase_deg")))
    lit = disk * (1 + math.cos(math.radians(phase))) / 2
    said = float(c["value"])
    tol = float(c.get("tolerance", max(rounding_half_width(said) / said, 0.03)))
    computed = f"{body.title()} disk {disk:.3g} px, lit width {lit:.3g} px (phase {phase:.0f} deg)"
    if abs(disk / said - 1) <= tol:
        return computed, "holds", f"diameter over range times pixel scale; within {tol:.0%}"
    if abs(lit / said - 1) <= max(tol, 0.1):
        return (
            computed,
            "holds as the lit width",
            f"the whole disk is {disk:.3g} px, but the sunlit part is {lit:.3g} px wide across the "
            f"terminator (phase {phase:.0f} deg): the published {said:g} px matches that",
        )
    return (
        computed,
        f"does not follow from the scale (off by {disk / said - 1:+.0%})",
        f"the pixel scale ({f.km_per_px.mean():,.0f} km/px at this range) gives {disk:.3g} px for the "
        f"disk and {lit:.3g} px for its lit part; neither is {said:g}",
    )


def _phase_angle(c: dict, f: Findings) -> tuple[str, str, str]:
    ours = float(np.mean(_need(f, "earth_phase_deg")))
    said = float(c["value"])
    tol = float(c.get("tolerance_deg", 1.0))
    ok = abs(ours - said) <= tol
    return (
        f"{ours:.1f} deg",
        "holds" if ok else f"off by {ours - said:+.1f} deg",
        "the Sun-Earth-observer angle at the light-time-corrected epoch",
    )


def _half_lit(c: dict, f: Findings) -> tuple[str, str, str]:
    ours = float(np.mean(_need(f, "earth_phase_deg")))
    k = (1 + math.cos(math.radians(ours))) / 2
    ok = abs(ours - 90) <= float(c.get("tolerance_deg", 15))
    return (
        f"phase {ours:.0f} deg, {k:.0%} of the disk lit",
        "holds" if ok else "does not hold",
        "half-lit ('quarter phase') means a phase angle near 90 deg",
    )


def _moon_behind(c: dict, f: Findings) -> tuple[str, str, str]:
    moon = float(np.mean(_need(f, "moon_range_km")))
    earth = float(np.mean(f.earth_range_km))
    ok = moon > earth
    return (
        f"Moon {moon - earth:+,.0f} km farther than Earth",
        "holds" if ok else "does not hold",
        "the Moon's range minus Earth's, from the observer",
    )


def _moon_in_field(c: dict, f: Findings) -> tuple[str, str, str]:
    sep = float(np.mean(_need(f, "earth_moon_separation_deg")))
    scale = _need(f, "pixel_scale_rad")
    half_diag = 0.5 * math.hypot(*c.get("field_deg", [f.field_of_view_deg, f.field_of_view_deg]))
    width = f.field_of_view_deg
    ok = sep <= half_diag * 2 and sep >= 0.5 * width * float(c.get("near_edge", 0.0))
    return (
        f"Earth-Moon {sep:.2f} deg ({math.radians(sep) / scale:,.0f} px); field {width:.2f} deg",
        "holds" if ok else "does not hold",
        "both fit in one frame only if their separation is under the field's diagonal",
    )


def _apart_in_frame(c: dict, f: Findings) -> tuple[str, str, str]:
    sep_px = math.radians(float(np.mean(_need(f, "earth_moon_separation_deg")))) / _need(f, "pixel_scale_rad")
    need = 0.5 * (float(np.mean(f.earth_diameter_px)) + float(np.mean(f.moon_diameter_px))) + 2.0
    if str(c.get("expect", "apart")) == "touching":  # "a protrusion", "one blob"
        ok = sep_px <= need + 2.0
        why = ("a protrusion rather than two dots: the centres are within a blur width (2 px) of "
               "the distance at which the two images would separate")
    else:
        ok = sep_px > need
        why = "two dots are seen apart when their centres are further apart than their radii plus the blur"
    return (
        f"centres {sep_px:.1f} px apart; disks and a 2 px blur need {need:.1f}",
        "holds" if ok else "does not hold",
        why,
    )


def _sub_pixel(c: dict, f: Findings) -> tuple[str, str, str]:
    px = float(np.mean(f.earth_diameter_px))
    return (
        f"Earth {px:.2f} px across",
        "holds" if px < 1 else "does not hold",
        "Earth's angular diameter over the pixel scale",
    )


def _constellation(c: dict, f: Findings) -> tuple[str, str, str]:
    import astropy.units as u
    from astropy.coordinates import SkyCoord, get_constellation

    radec = _need(f, "earth_radec_deg")
    ra, dec = float(radec[0][0]), float(radec[0][1])
    name = str(get_constellation(SkyCoord(ra * u.deg, dec * u.deg, frame="icrs")))
    said = [str(x) for x in c["names"]]
    # "near the boundary": the same test a degree away in each direction
    near = {
        str(get_constellation(SkyCoord((ra + dra) * u.deg, (dec + ddec) * u.deg, frame="icrs")))
        for dra, ddec in ((1, 0), (-1, 0), (0, 1), (0, -1), (3, 0), (-3, 0), (0, 3), (0, -3))
    }
    ok = name in said and (len(said) < 2 or bool(set(said) - {name} & near))
    return (
        f"Earth at RA {ra:.1f} deg, Dec {dec:+.1f} deg: {name} (within 3 deg: {', '.join(sorted(near))})",
        "holds" if ok else "does not hold",
        "IAU constellation boundaries (astropy get_constellation) at Earth's apparent place",
    )


def _naked_eye_pair(c: dict, f: Findings) -> tuple[str, str, str]:
    sep_arcmin = float(np.mean(_need(f, "earth_moon_separation_deg"))) * 60
    moon_v = float(np.mean(f.moon_v))
    ok = sep_arcmin > 1.0 and moon_v < 6.0
    return (
        f"{sep_arcmin:.0f} arcmin apart; Earth V {float(np.mean(f.earth_v)):+.1f}, Moon V {moon_v:+.1f}",
        "holds" if ok else "does not hold",
        "an eye resolves ~1 arcmin and sees to V ~6 in a dark sky",
    )


def _times_earth_moon(c: dict, f: Findings) -> tuple[str, str, str]:
    ours = float(np.mean(f.earth_range_km)) / MEAN_EARTH_MOON_KM
    said = float(c["value"])
    half = rounding_half_width(said)
    ok = abs(ours - said) <= half
    return (
        f"{ours:.1f} mean Earth-Moon distances",
        "holds" if ok else f"off by {ours - said:+.1f}",
        f"range over 384,400 km; the published {said:g} allows +/- {half:g}",
    )


#: Published figures a placed observer must reproduce: fact name -> (Findings field, label).
_FACTS = {
    "distance_km": ("earth_range_km", "distance to Earth (km)"),
    "sun_distance_km": ("sun_range_km", "distance to the Sun (km)"),
    "earth_phase_deg": ("earth_phase_deg", "Earth's phase angle (deg)"),
}


def check_published_figures(name: str, facts: dict, f: Findings, limit: float = 0.05) -> None:
    """Raise if the computed geometry contradicts a scenario's own published figures by more
    than ``limit`` (5%): the observer is then misplaced, and no claim verdict would be honest."""
    for key, published in facts.items():
        if key not in _FACTS:
            raise PaledotError(
                f"scenario {name!r}: unknown fact {key!r}; known facts are {', '.join(_FACTS)}"
            )
        field_name, label = _FACTS[key]
        ours = float(np.mean(_need(f, field_name)))
        said = float(published)
        if said == 0 or abs(ours / said - 1) > limit:
            raise PaledotError(
                f"scenario {name!r}: the observer gives a {label} of {ours:,.6g}, but the published "
                f"figure is {said:,.6g} ({ours / said - 1:+.1%}, more than {limit:.0%}): the "
                "placement contradicts its own figures"
            )


def _feature_facing(c: dict, f: Findings) -> tuple[str, str, str]:
    """A named place (east longitude, latitude, degrees) on the sunlit, visible part of Earth, and
    how far it is from the middle of that lit part (the bisector of the observer and Sun
    directions): 'at the centre' claims need it within ``central_deg`` (default 35)."""
    dirs = _need(f, "earth_fixed_observer_sun")[0]
    lon, lat = math.radians(float(c["lon"])), math.radians(float(c["lat"]))
    p = np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])
    emission = math.degrees(math.acos(np.clip(p @ dirs[0], -1, 1)))
    incidence = math.degrees(math.acos(np.clip(p @ dirs[1], -1, 1)))
    mid = dirs[0] + dirs[1]
    mid /= np.linalg.norm(mid)
    off = math.degrees(math.acos(np.clip(p @ mid, -1, 1)))
    sub_lon = math.degrees(math.atan2(dirs[0][1], dirs[0][0]))
    sub_lat = math.degrees(math.asin(dirs[0][2]))
    place = c.get("place", "the place")
    computed = (f"{place}: {off:.0f} deg from the lit disk's middle; emission {emission:.0f} deg, "
                f"incidence {incidence:.0f} deg (sub-observer point {sub_lon:.0f}E {sub_lat:.0f}N)")
    ok = emission < 90 and incidence < 90 and off <= float(c.get("central_deg", 35))
    why = "Earth's IAU rotation at the light's emission epoch; both angles under 90 deg means seen and sunlit"
    if not ok and (emission >= 90 or incidence >= 90):
        why += f"; {place} was {'on the far side' if emission >= 90 else 'in night'} at this epoch"
    return computed, "holds" if ok else "does not hold", why


#: Checkers of the physics kinds, merged into :data:`paledot.stories.claims.CHECKERS`.
PHYSICS_CHECKERS = {
    "distance_rounded": _distance_rounded,
    "magnitude_v": _magnitude_v,
    "pixels_across": _pixels_across,
    "phase_angle_deg": _phase_angle,
    "half_lit": _half_lit,
    "moon_behind": _moon_behind,
    "moon_in_field": _moon_in_field,
    "apart_in_frame": _apart_in_frame,
    "sub_pixel": _sub_pixel,
    "constellation": _constellation,
    "naked_eye_pair": _naked_eye_pair,
    "times_earth_moon_distance": _times_earth_moon,
    "feature_facing": _feature_facing,
}
