"""Imaging constraints: conditions on the sky, each with a continuous margin, composable with & | ~.

A constraint is a *quantity* (:mod:`paledot.plan.quantities`) compared with a limit (``Threshold``),
or a combination of constraints (``All`` for ``a & b``, ``Any`` for ``a | b``, ``Not`` for ``~a``).
Every constraint is evaluated on a whole array of epochs at once and gives a *margin*: positive
where it holds, negative where it does not, continuous in time, zero exactly at a boundary, so a
boundary can be refined by root finding and a short window found by looking for the margin's
extremum between samples.

A threshold's margin is ``(value - limit) / scale`` (``>``) or ``(limit - value) / scale`` (``<``) in
the quantity's internal unit (rad, km, mag, ...) divided by a typical scale (1 degree, 1 magnitude,
...), so the margins of different constraints are comparable when combined (``min`` for ``&``,
``max`` for ``|``, minus for ``~``). The search itself (``paledot.plan.search``) works on each
threshold with its own margin and combines the resulting windows, as SPICE's GF users do.
This module never searches and never writes files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._io.errors import PaledotError
from .quantities import (  # noqa: F401 (Context, Sky and Quantity are part of this module's API)
    DEG,
    Context,
    Elevation,
    FieldSpread,
    GeometryValue,
    LimbClearance,
    PredictedSNR,
    Quantity,
    Separation,
    Sky,
    SunElongation,
)


# --- constraints ------------------------------------------------------------------------------
class Constraint:
    """A condition on the sky. ``margin(ctx, t)`` > 0 where it holds (see the module text)."""

    def margin(self, ctx: Context, t) -> np.ndarray:
        return self._margin(ctx.sky(np.atleast_1d(np.asarray(t, dtype=np.float64))))

    def holds(self, ctx: Context, t) -> np.ndarray:
        return self.margin(ctx, t) > 0

    def _margin(self, sky: Sky) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def leaves(self) -> list[Threshold]:  # pragma: no cover - abstract
        raise NotImplementedError

    def step_s(self, ctx: Context) -> float:
        return min(leaf.quantity.step_s(ctx) for leaf in self.leaves())

    def __and__(self, other: Constraint) -> Constraint:
        return All((*_parts(self, All), *_parts(other, All)))

    def __or__(self, other: Constraint) -> Constraint:
        return Any((*_parts(self, Any), *_parts(other, Any)))

    def __invert__(self) -> Constraint:
        return self.inner if isinstance(self, Not) else Not(self)


def _parts(c: Constraint, kind) -> tuple:
    return c.parts if isinstance(c, kind) else (c,)


@dataclass(frozen=True, eq=False)
class Threshold(Constraint):
    """``quantity > limit`` (``above=True``) or ``quantity < limit``, limit in the internal unit."""

    quantity: Quantity
    above: bool
    limit: float

    def _margin(self, sky):
        v = self.quantity.value(sky)
        return ((v - self.limit) if self.above else (self.limit - v)) / self.quantity.scale

    def value(self, ctx: Context, t) -> np.ndarray:
        """The quantity in its shown unit at epochs ``t``."""
        return self.quantity.value(ctx.sky(np.atleast_1d(t))) * self.quantity.to_unit

    def leaves(self):
        return [self]

    @property
    def label(self) -> str:
        shown = self.limit * self.quantity.to_unit
        unit = f" {self.quantity.unit}" if self.quantity.unit else ""
        return f"{self.quantity.key} {'>' if self.above else '<'} {shown:g}{unit}"

    def __repr__(self) -> str:
        return self.label


@dataclass(frozen=True, eq=False)
class All(Constraint):
    parts: tuple

    def _margin(self, sky):
        return np.min([p._margin(sky) for p in self.parts], axis=0)

    def leaves(self):
        return [x for p in self.parts for x in p.leaves()]

    @property
    def label(self):
        return " & ".join(f"({p.label})" if isinstance(p, Any) else p.label for p in self.parts)


@dataclass(frozen=True, eq=False)
class Any(Constraint):
    parts: tuple

    def _margin(self, sky):
        return np.max([p._margin(sky) for p in self.parts], axis=0)

    def leaves(self):
        return [x for p in self.parts for x in p.leaves()]

    @property
    def label(self):
        return " | ".join(f"({p.label})" if isinstance(p, All) else p.label for p in self.parts)


@dataclass(frozen=True, eq=False)
class Not(Constraint):
    inner: Constraint = field(default=None)

    def _margin(self, sky):
        return -self.inner._margin(sky)

    def leaves(self):
        return self.inner.leaves()

    @property
    def label(self):
        return f"not ({self.inner.label})"


# --- the constraints people ask for ------------------------------------------------------------
def _within(value, what: str, lo: float | None, hi: float | None, unit: str = ""):
    """``value`` unchanged when it is a finite number in [lo, hi] (None: open); else a one-line
    error naming it and the allowed span (an impossible limit would silently find no window)."""
    if value is None:
        return value
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    unit = f" {unit}" if unit else ""
    if not math.isfinite(v) or (lo is not None and v < lo) or (hi is not None and v > hi):
        allowed = (f"{lo:g} to {hi:g}{unit}" if lo is not None and hi is not None
                   else f"a finite number >= {lo:g}{unit}" if lo is not None else f"a finite number{unit}")
        raise PaledotError(f"{what} {value!r} must be {allowed}")
    return value


def _deg(value, what: str) -> float:
    v = float(value)
    if not math.isfinite(v):
        raise PaledotError(f"{what} {value!r} must be a finite number of degrees")
    return v * DEG


def _between(q: Quantity, lo, hi, convert) -> Constraint:
    parts = []
    if lo is not None:
        parts.append(Threshold(q, True, convert(lo)))
    if hi is not None:
        parts.append(Threshold(q, False, convert(hi)))
    if not parts:
        raise PaledotError(f"{q.key}: give a minimum, a maximum or both")
    if lo is not None and hi is not None and convert(lo) >= convert(hi):
        raise PaledotError(f"{q.key}: minimum {lo} must be below maximum {hi}")
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def sun_elongation(target: str, min_deg, max_deg=None) -> Constraint:
    """Sun-observer-target angle above ``min_deg`` (and below ``max_deg``), degrees."""
    if not 0 <= float(min_deg) < 180:
        raise PaledotError(f"Sun elongation minimum {min_deg} must be 0-180 degrees")
    q = SunElongation(f"sun_elongation({target})", "deg", 1 / DEG, DEG, target)
    return _between(q, min_deg, max_deg, lambda x: _deg(x, "Sun elongation"))


def not_occulted(target: str, margin_deg=0.0, whole: bool = True) -> Constraint:
    """The target (its whole disk, or its centre) clear of the observer's planet by ``margin_deg``."""
    _within(margin_deg, "limb margin", -90, 90, "deg")
    q = LimbClearance(f"limb_clearance({target})", "deg", 1 / DEG, DEG, target, whole)
    return Threshold(q, True, _deg(margin_deg, "limb margin"))


def separation(a: str, b: str, min=None, max=None, camera=None) -> Constraint:  # noqa: A002
    """Angle between two targets within limits: degrees, or pixels of ``camera`` when one is given."""
    if camera is not None:
        scale, unit = camera.pixel_scale_rad, "px"
    else:
        scale, unit = DEG, "deg"
    q = Separation(f"separation({a},{b})", unit, 1 / scale, scale, a, b)
    for v in (min, max):
        if v is not None and not (math.isfinite(float(v)) and float(v) >= 0):
            raise PaledotError(f"separation limit {v} must be a number >= 0 ({unit})")
    return _between(q, min, max, lambda x: float(x) * scale)


def in_field(targets, camera) -> Constraint:
    """All ``targets`` fit in ``camera``'s field at once, whatever the roll (see FieldSpread)."""
    side = min(camera.field_of_view_rad)
    names = tuple(targets)
    q = FieldSpread(f"spread({','.join(names)})", "px", 1 / camera.pixel_scale_rad,
                    camera.pixel_scale_rad * 10, names)
    return Threshold(q, False, side)


def phase_angle(target: str, min_deg=None, max_deg=None) -> Constraint:
    for v in (min_deg, max_deg):
        _within(v, "phase angle limit", 0, 180, "deg")
    q = GeometryValue(f"phase_angle({target})", "deg", 1 / DEG, DEG, target, "phase_angle", "rad")
    return _between(q, min_deg, max_deg, lambda x: _deg(x, "phase angle"))


def illuminated_fraction(target: str, min=None, max=None) -> Constraint:  # noqa: A002
    for v in (min, max):
        _within(v, "illuminated fraction limit", 0, 1, "(a fraction, not per cent)")
    q = GeometryValue(f"illuminated_fraction({target})", "", 1.0, 0.01, target, "illuminated_fraction", "")
    return _between(q, min, max, float)


def magnitude(target: str, brightest=None, faintest=None) -> Constraint:
    """V magnitude between ``brightest`` and ``faintest`` (i.e. value >= brightest, <= faintest)."""
    for v in (brightest, faintest):
        _within(v, "magnitude limit", None, None, "(V)")
    q = GeometryValue(f"magnitude({target})", "mag", 1.0, 1.0, target, "magnitude", "mag")
    return _between(q, brightest, faintest, float)


def range_km(target: str, min=None, max=None) -> Constraint:  # noqa: A002
    for v in (min, max):
        _within(v, "range limit", 0, None, "km")
    q = GeometryValue(f"range({target})", "km", 1.0, 1e6, target, "range", "km")
    return _between(q, min, max, float)


def snr(target: str, camera, exposure_s: float, min: float) -> Constraint:  # noqa: A002
    """Predicted point-source SNR of ``target`` in an ``exposure_s`` frame above ``min``."""
    if not (math.isfinite(exposure_s) and exposure_s > 0):
        raise PaledotError(f"exposure {exposure_s} s must be positive")
    _within(min, "SNR minimum", 0, None)
    q = PredictedSNR(f"snr({target},{exposure_s:g}s)", "", 1.0, 1.0, target, camera, float(exposure_s))
    return Threshold(q, True, float(min))


def elevation(target: str, min_deg) -> Constraint:
    """At a surface site: the target's centre at least ``min_deg`` above the horizon."""
    _within(min_deg, "elevation minimum", -90, 90, "deg")
    q = Elevation(f"elevation({target})", "deg", 1 / DEG, DEG, target)
    return Threshold(q, True, _deg(min_deg, "elevation"))


def sun_below(depression_deg) -> Constraint:
    """At a surface site: the Sun's centre at least ``depression_deg`` below the horizon."""
    _within(depression_deg, "Sun depression", -90, 90, "deg")
    q = Elevation("elevation(sun)", "deg", 1 / DEG, DEG, "sun")
    return Threshold(q, False, -_deg(depression_deg, "Sun depression"))
