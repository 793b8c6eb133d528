"""Checking published claims against the computed sky.

Each claim in a scenario has a ``kind``; the checker of that kind compares it with numbers paledot
computed (``Findings``) and returns a ``Verdict``: the computed value, one of ``holds`` /
``off by ...`` / ``looks like a typo`` / ``does not hold``, and why. Checkers hold no facts of their
own: every published number comes from the scenario file, every computed one from ``Findings``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .._io.errors import PaledotError
from .claims_physics import PHYSICS_CHECKERS
from .findings import MILE_KM, Findings  # noqa: F401  (re-exported: callers import them from here)


@dataclass(frozen=True)
class Verdict:
    id: str
    claim: str
    source: str
    computed: str
    verdict: str
    why: str



def span(lo: float, hi: float, fmt: str) -> str:
    """'lo-hi' in ``fmt``, or the one value when both read the same ('4.8', not '4.8-4.8')."""
    a, b = format(lo, fmt), format(hi, fmt)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return f"{a} to {b}"  # left whole, so the check for NaN and infinity sees it ('nanx' hid it)
    return a if a == b else f"{a}-{b}"

def _km(x: float) -> str:
    return f"{x:,.0f} km"


def _distance_range(c: dict, f: Findings) -> tuple[str, str, str]:
    lo, hi = float(c["low_km"]), float(c["high_km"])
    first, last = float(f.earth_range_km[0]), float(f.earth_range_km[-1])
    computed = f"{_km(first)} to {_km(last)}"
    lt_err = (first - lo, last - hi)
    geo_err = (float(f.earth_range_geometric_km[0]) - lo, float(f.earth_range_geometric_km[-1]) - hi)
    use_lt = max(map(abs, lt_err)) <= max(map(abs, geo_err))
    d1, d2 = lt_err if use_lt else geo_err
    worst = max(abs(d1), abs(d2))
    better = "light-time-corrected" if use_lt else "geometric (instantaneous)"
    why = (
        f"light-time-corrected range differs by {lt_err[0]:+,.0f} km and {lt_err[1]:+,.0f} km, the "
        f"geometric one by {geo_err[0]:+,.0f} and {geo_err[1]:+,.0f} km: the published figures fit the "
        f"{better} range best, off by {worst / hi:.4%}"
    )
    # What may honestly explain the remainder: the observer's offset from where paledot puts it.
    allowance = float(c.get("orbit_max_from_centre_km", 14000)) if f.observer_is_body_centre else 0.01 * hi
    ok = worst <= allowance
    if f.observer_is_body_centre:
        why += (
            f"; paledot observes from {f.observer.title()}'s centre and the spacecraft flies up to "
            f"~{allowance:,.0f} km from it, which {'covers' if ok else 'cannot explain'} the remainder"
        )
    return computed, ("holds" if ok else f"off by up to {_km(worst)}"), why + "."


def _km_per_pixel(c: dict, f: Findings) -> tuple[str, str, str]:
    i = int(c.get("epoch", 0))
    ours, said = float(f.km_per_px[i]), float(c["value"])
    rel = ours / said - 1
    computed = f"{ours:,.0f} km/px on {f.epochs_utc[i][:10]}"
    ok = abs(rel) <= 0.02
    why = f"range x pixel scale; {rel:+.2%} from the published {said:,.0f} km/px, " + (
        "within the rounding and the observer offset" if ok else "more than rounding explains"
    )
    return computed, ("holds" if ok else f"off by {rel:+.1%}"), why


def _size_equivalent(c: dict, f: Findings) -> tuple[str, str, str]:
    d_m = float(c["distance_m"])
    sizes_mm = f.earth_diameter_rad * d_m * 1000
    lo, hi = float(c["low_mm"]), float(c["high_mm"])
    computed = f"Earth spans {span(sizes_mm.min(), sizes_mm.max(), '.1f')} mm at {d_m:g} m"
    ok = lo <= sizes_mm.min() and sizes_mm.max() <= hi
    return (
        computed,
        ("holds" if ok else "does not hold"),
        (
            f"Earth's angular diameter ({np.degrees(f.earth_diameter_rad).max() * 3600:.1f} arcsec at most) "
            f"times {d_m:g} m; {c.get('object', 'the object')} is {lo:g}-{hi:g} mm"
        ),
    )


def _orbit_fraction(c: dict, f: Findings) -> tuple[str, str, str]:
    need = float(c["fraction"])
    computed = f"{f.orbit_fraction:.0%} of an orbit ({f.orbit_fraction * 360:.0f} degrees)"
    ok = f.orbit_fraction > need
    return (
        computed,
        ("holds" if ok else "does not hold"),
        (
            "the Moon's geocentric direction swept between the first and last frame, in its orbital "
            "plane, as a share of 360 degrees"
        ),
    )


def _distance_value(c: dict, f: Findings) -> tuple[str, str, str]:
    unit = c.get("unit", "km")
    factor = {"km": 1.0, "mile": MILE_KM}.get(unit)
    if factor is None:
        raise PaledotError(f"claim {c['id']!r}: unit {unit!r} must be km or mile")
    said_km = float(c["value"]) * factor
    lo, hi = float(f.earth_range_km.min()), float(f.earth_range_km.max())
    in_unit = f"{span(lo / factor / 1e6, hi / factor / 1e6, '.1f')} million {unit}s"
    said_text = (
        f"{float(c['value']) / 1e6:g} million {unit}s"
        if float(c["value"]) >= 1e6
        else f"{float(c['value']):g} {unit}s"
    )
    if lo * 0.99 <= said_km <= hi * 1.01:
        return in_unit, "holds", f"{said_text} lies inside the computed span"
    for scale, word in ((1e6, "million"), (1e3, "thousand")):
        if lo * 0.99 <= said_km * scale <= hi * 1.01:
            return (
                in_unit,
                "looks like a typo",
                (
                    f"off by a factor of a {word}: {float(c['value']):,.4g} {word} {unit}s lies inside the "
                    f"span, so a dropped '{word}' explains it"
                ),
            )
    rel = said_km / (lo if said_km < lo else hi) - 1
    for scale, word in ((1e6, "million"), (1e3, "thousand")):
        # a dropped word AND another span (other epochs): 'off by -100%' said nothing useful
        big = said_km * scale
        rel_big = big / (lo if big < lo else hi) - 1
        if abs(rel_big) < 0.5:
            return (
                in_unit,
                f"off by {rel_big:+.0%} (typo?)",
                f"{float(c['value']):,.4g} {unit}s is about a {word} times too little; read as "
                f"{float(c['value']):,.4g} {word} {unit}s (a dropped '{word}') it is off by {rel_big:+.0%}, "
                "outside the computed span",
            )
    return in_unit, f"off by {rel:+.0%}", "outside the computed span"


def _observer_location(c: dict, f: Findings) -> tuple[str, str, str]:
    r = float(c.get("orbit_max_from_centre_km", 14000))
    share = r / float(f.earth_range_km.min())
    return (
        f"the camera was {c['actual']}",
        "does not hold",
        f"said: {c['said']}. The distance to Earth is the same either way to {share:.4%}, "
        "so the picture looks alike, but it was taken from orbit",
    )


def _dot_identity(c: dict, f: Findings) -> tuple[str, str, str]:
    el = f.sun_elongation_deg
    computed = (
        f"the Sun was {span(el.min(), el.max(), '.0f')} degrees from Earth in the sky; the field "
        f"is {f.field_of_view_deg:.2f} degrees"
    )
    return (
        computed,
        "does not hold",
        (
            f"the Sun was about {el.min() / f.field_of_view_deg:.0f} fields of view away, so it cannot be "
            f"in the frame; the bright dot is Earth (V {f.earth_v.min():.1f}), the faint one the Moon "
            f"(V {f.moon_v.min():.1f})"
        ),
    )


def _moon_fainter(c: dict, f: Findings) -> tuple[str, str, str]:
    ratio = 10 ** (0.4 * (f.moon_v - f.earth_v))
    smaller = bool(np.all(f.moon_diameter_px < f.earth_diameter_px))
    ok = bool(np.all(ratio > 1)) and smaller
    return (
        (
            f"Earth {span(ratio.min(), ratio.max(), '.0f')}x brighter; "
            f"Moon {f.moon_diameter_px.mean():.1f} px "
            f"vs Earth {f.earth_diameter_px.mean():.1f} px across"
        ),
        ("holds" if ok else "does not hold"),
        ("V magnitudes from the published phase curves; sizes from the IAU radii"),
    )


def _size_px(c: dict, f: Findings) -> tuple[str, str, str]:
    body = c.get("body", "earth")
    sizes = {"earth": f.earth_diameter_px, "moon": f.moon_diameter_px}.get(body)
    if sizes is None:
        raise PaledotError(f"claim {c['id']!r}: body {body!r} must be earth or moon")
    ours, said = float(np.mean(sizes)), float(c["value"])
    rel = ours / said - 1
    tol = float(c.get("tolerance", 0.03))
    return (
        f"{body.title()} {ours:.1f} px across",
        "holds" if abs(rel) <= tol else f"off by {rel:+.1%}",
        f"IAU equatorial diameter over range x pixel scale; the published {said:g} px "
        f"{'agrees' if abs(rel) <= tol else 'does not agree'} within {tol:.0%}",
    )


def _separation_deg(c: dict, f: Findings) -> tuple[str, str, str]:
    if f.earth_moon_separation_deg is None:
        raise PaledotError(f"claim {c['id']!r}: no Earth-Moon separation was computed")
    ours, said = float(np.mean(f.earth_moon_separation_deg)), float(c["value"])
    tol = float(c.get("tolerance_deg", 0.1))
    ok = abs(ours - said) <= tol
    why = "angle between Earth's and the Moon's apparent directions"
    if not ok and not f.observer_is_body_centre:
        why += (
            f" from the placed observer ({f.observer}); the Moon's offset depends on exactly where "
            "the spacecraft was, which the published figures do not fix"
        )
    return f"{ours:.2f} deg", ("holds" if ok else f"off by {ours - said:+.2f} deg"), why


CHECKERS = {
    "distance_range": _distance_range,
    "km_per_pixel": _km_per_pixel,
    "size_equivalent": _size_equivalent,
    "orbit_fraction_more_than": _orbit_fraction,
    "distance_value": _distance_value,
    "observer_location": _observer_location,
    "dot_identity": _dot_identity,
    "moon_fainter": _moon_fainter,
    "size_px": _size_px,
    "separation_deg": _separation_deg,
    **PHYSICS_CHECKERS,
}


def check_claims(claims, findings: Findings) -> list[Verdict]:
    """A verdict for every claim; an unknown kind is an error naming the known ones."""
    out = []
    for c in claims:
        kind = c.get("kind")
        if kind not in CHECKERS:
            raise PaledotError(f"claim {c.get('id')!r}: unknown kind {kind!r}; known: {', '.join(CHECKERS)}")
        try:
            with np.errstate(all="ignore"):
                computed, verdict, why = CHECKERS[kind](c, findings)
            if re.search(r"\b-?(nan|inf)\b", f"{computed} {verdict} {why}", re.IGNORECASE):
                # never a verdict computed from NaN or infinity: say what could not be computed
                unusable = ", ".join(_non_finite(findings)) or "a published or computed value"
                out.append(Verdict(c["id"], c["claim"], c.get("source", ""), "not computable",
                                   "cannot judge", f"{unusable}: not a finite number (NaN or infinity) "
                                   "for these epochs, so the claim cannot be checked"))
                continue
        except KeyError as exc:
            raise PaledotError(f"claim {c.get('id')!r} ({kind}) lacks the field {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise PaledotError(
                f"claim {c.get('id')!r} ({kind}) has a value of the wrong kind: {exc}"
            ) from None
        out.append(Verdict(c["id"], c["claim"], c.get("source", ""), computed, verdict, why))
    return out


def _non_finite(findings: Findings) -> list[str]:
    """Names of the computed quantities holding NaN or infinity."""
    bad = []
    for name, value in vars(findings).items():
        if isinstance(value, (float, np.ndarray)) and np.asarray(value).dtype.kind == "f":
            if not np.all(np.isfinite(value)):
                bad.append(name.replace("_", " "))
    return bad


def orbit_fraction(moon_from_earth_km: np.ndarray) -> float:
    """Share of a full orbit the Moon swept between the first and last vectors (N, 3), in its plane.

    The plane's normal is the mean angular-momentum direction of consecutive vectors; the swept
    angle is summed step by step, so it may exceed a half turn."""
    v = np.asarray(moon_from_earth_km, dtype=float)
    if v.shape[0] < 2:
        return 0.0
    n = np.cross(v[:-1], v[1:]).sum(axis=0)
    if np.linalg.norm(n) == 0:  # one epoch (or the same one repeated): nothing swept
        return 0.0
    n /= np.linalg.norm(n)
    flat = v - np.outer(v @ n, n)
    a, b = flat[:-1], flat[1:]
    steps = np.arctan2(np.cross(a, b) @ n, np.einsum("ij,ij->i", a, b))
    return float(np.sum(steps) / (2 * math.pi))
