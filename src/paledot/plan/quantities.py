"""What constraints look at: the ``Context`` (observer, ephemeris, correction), the ``Sky`` at an
array of epochs (each apparent vector computed once), and the *quantities* measured on it.

Each quantity gives a value per epoch in an internal unit (rad, km, mag, ...) and says how fast it
can change (``step_s``): the coarse scan step under which its margin has at most one extremum
between two samples (the Moon's month for Earth-Moon angles; for an orbiter's planet's limb half
the time the orbit takes to swing through periapsis, at most a twelfth of the orbit: 32 minutes for
Mars Express; a site's day for elevations). Vectors km, J2000; angles rad; epochs ET. This
module never searches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._io.errors import PaledotError
from ..celestial.corrections import apparent_position, normalise_correction
from ..celestial.ephemeris import Ephemeris, default_ephemeris
from ..celestial.vectors import angle_between, dot, norm
from ..geometry.lighttime import observe
from ..geometry.occultation import occultation
from ..observers import as_observer

DAY_S = 86400.0
DEG = math.pi / 180.0
MOON_ID = 301
SUN_ID = 10
#: Coarse steps (s) under which each kind of quantity changes monotonically between samples.
STEP_MOON_S = 1.0 * DAY_S  # Earth-Moon angles: two maxima and two minima a month (~7 d apart)
STEP_PLANETS_S = 5.0 * DAY_S  # planets and the Sun seen from a planet: months between extrema


# --- what constraints look at -----------------------------------------------------------------
class Context:
    """An observer, an ephemeris and an aberration correction: where constraints are evaluated."""

    def __init__(self, observer, ephemeris: Ephemeris | None = None, correction: str = "LT+S"):
        self.ephemeris = ephemeris or default_ephemeris()
        self.observer = as_observer(observer, self.ephemeris)
        self.correction = normalise_correction(correction)
        self.evaluations = 0  # epochs evaluated, for reports and benchmarks

    @property
    def orbit_period_s(self) -> float | None:
        p = getattr(self.observer, "period_s", None)
        return float(p) if p is not None and math.isfinite(p) else None

    @property
    def is_site(self) -> bool:
        return hasattr(self.observer, "local_frame")

    @property
    def rotation_period_s(self) -> float | None:
        model = getattr(self.observer, "model", None)
        if model is None:
            return None
        return 360.0 / abs(model.pm[1]) * DAY_S

    def sky(self, t: np.ndarray) -> Sky:
        self.evaluations += int(np.size(t))
        return Sky(self, np.asarray(t, dtype=np.float64))


class Sky:
    """What the constraints see at an array of epochs; each piece computed once, on first use."""

    def __init__(self, ctx: Context, t: np.ndarray):
        self.ctx, self.t = ctx, t
        self._cache: dict = {}

    def _get(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def observer_state(self):
        return self._get("obs", lambda: self.ctx.observer.state(self.ctx.ephemeris, self.t))

    def position(self, body) -> np.ndarray:
        """Apparent observer-to-body vectors (N, 3) km, J2000, with the context's correction."""
        naif = self.ctx.ephemeris.resolve(body).naif_id

        def make():
            pos, vel = self.observer_state
            return apparent_position(self.ctx.ephemeris, naif, self.t, pos, vel, self.ctx.correction)[0]

        return self._get(("pos", naif), make)

    def geometry(self, target):
        """A one-target :class:`~paledot.geometry.core.Geometry` (phase, magnitude, ...)."""
        return self._get(("geo", target), lambda: observe(self.ctx.observer, [target], self.t,
                                                         self.ctx.correction, self.ctx.ephemeris))

    def occultation(self, target):
        return self._get(("occ", target), lambda: occultation(self.ctx.observer, [target], self.t,
                                                             self.ctx.correction, self.ctx.ephemeris))

    def up(self) -> np.ndarray:
        if not self.ctx.is_site:
            raise PaledotError(f"observer {self.ctx.observer.name!r} is not a surface site: elevations "
                               "need one (site:<body>,<lat>,<lon>)")
        return self._get("up", lambda: self.ctx.observer.local_frame(self.ctx.ephemeris, self.t)[2])


def _is_moon(ctx: Context, body) -> bool:
    return ctx.ephemeris.resolve(body).naif_id == MOON_ID


# --- quantities -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Quantity:
    """Something measurable at every epoch, in an internal unit, shown in ``unit`` (x ``to_unit``)."""

    key: str  # a short machine name: sun_elongation(earth)
    unit: str
    to_unit: float  # internal value x to_unit = shown value
    scale: float  # typical size, internal unit, for comparable margins

    def value(self, sky: Sky) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def step_s(self, ctx: Context) -> float:
        return STEP_PLANETS_S

    def bodies(self) -> tuple:
        return ()


@dataclass(frozen=True)
class SunElongation(Quantity):
    target: str = "earth"

    def value(self, sky):
        return angle_between(sky.position(self.target), sky.position("sun"))

    def step_s(self, ctx):
        return STEP_MOON_S if _is_moon(ctx, self.target) else STEP_PLANETS_S


@dataclass(frozen=True)
class Separation(Quantity):
    a: str = "earth"
    b: str = "moon"

    def value(self, sky):
        return angle_between(sky.position(self.a), sky.position(self.b))

    def step_s(self, ctx):
        return STEP_MOON_S if (_is_moon(ctx, self.a) or _is_moon(ctx, self.b)) else STEP_PLANETS_S


@dataclass(frozen=True)
class FieldSpread(Quantity):
    """Angle (rad) the targets and their disks need in the field, whatever the camera's roll.

    Two targets: their separation plus both angular radii (exact). More: the diameter of a circle
    holding them all, at most 2/sqrt(3) of their largest separation (Jung's theorem), plus twice the
    largest radius. "All in the field" is this spread within the field's shorter side."""

    targets: tuple = ("earth", "moon")

    def value(self, sky):
        pos = [sky.position(x) for x in self.targets]
        radii = [self_radius(sky, x, p) for x, p in zip(self.targets, pos, strict=True)]
        if len(pos) == 1:
            return 2 * radii[0]
        worst = np.zeros(sky.t.shape)
        for i in range(len(pos)):
            for j in range(i + 1, len(pos)):
                worst = np.maximum(worst, angle_between(pos[i], pos[j]) + radii[i] + radii[j])
        if len(pos) > 2:
            return worst * 2 / math.sqrt(3) + 2 * np.max(radii, axis=0)
        return worst

    def step_s(self, ctx):
        return STEP_MOON_S if any(_is_moon(ctx, x) for x in self.targets) else STEP_PLANETS_S


def self_radius(sky: Sky, body, pos: np.ndarray) -> np.ndarray:
    """Angular radius (rad) of ``body`` at apparent vectors ``pos`` (N, 3) km."""
    a = sky.ctx.ephemeris.resolve(body).body.equatorial_radius_km
    return np.arcsin(np.clip(a / norm(pos), 0.0, 1.0))


@dataclass(frozen=True)
class LimbClearance(Quantity):
    """Angle (rad) of the target's nearest edge (or centre) above the observer's planet's outline.

    From orbit: :mod:`paledot.geometry.occultation`'s limb height minus the target's angular radius (whole
    disk) when the target is beyond the planet. At a surface site the outline is the horizon."""

    target: str = "earth"
    whole: bool = True

    def value(self, sky):
        occ = sky.occultation(self.target)
        h = occ.limb_height.to_value("rad")[0]
        rho = occ.target_radius.to_value("rad")[0] if self.whole else 0.0
        return np.where(occ._behind[0], h - rho, np.pi)

    def step_s(self, ctx):
        if ctx.is_site:
            return ctx.rotation_period_s / 24
        period = ctx.orbit_period_s
        if period is None:
            if hasattr(ctx.observer, "naif_id"):
                raise PaledotError(
                    f"observer {ctx.observer.name!r} is at a body's centre: nothing can hide a target "
                    "from it (use an orbit such as 'mars express' or a site)"
                )
            raise PaledotError(
                f"observer {ctx.observer.name!r} has no orbital period to set the scan step for its "
                "planet's limb: give a step shorter than the shortest occultation (e.g. 1min)"
            )
        return min(period / 12, _periapsis_pass_s(ctx.observer) / 2)


def _periapsis_pass_s(orbit) -> float:
    """Time (s) an elliptic orbit takes from true anomaly -90 to +90 degrees: where the limb height
    changes fastest. 0.16 of the period for Mars Express (e = 0.57), 0.02 for e = 0.9."""
    el = getattr(orbit, "elements", None)
    if el is None or not 0 <= el.e < 1:
        return math.inf
    ecc_anomaly = 2 * math.atan(math.sqrt((1 - el.e) / (1 + el.e)))
    mean_anomaly = ecc_anomaly - el.e * math.sin(ecc_anomaly)
    return 2 * mean_anomaly / (2 * math.pi) * el.period


@dataclass(frozen=True)
class Elevation(Quantity):
    """Elevation (rad) of a body's centre above a surface site's horizon plane."""

    target: str = "sun"

    def value(self, sky):
        p = sky.position(self.target)
        return np.arcsin(np.clip(dot(p / norm(p)[:, None], sky.up()), -1.0, 1.0))

    def step_s(self, ctx):
        if not ctx.is_site:
            raise PaledotError(f"observer {ctx.observer.name!r} is not a surface site: an elevation "
                               "limit needs one (site:<body>,<lat>,<lon>)")
        return ctx.rotation_period_s / 24


@dataclass(frozen=True)
class GeometryValue(Quantity):
    """One of a target's :class:`~paledot.geometry.core.Geometry` attributes (phase_angle, magnitude...)."""

    target: str = "earth"
    attribute: str = "phase_angle"
    internal: str = "rad"

    def value(self, sky):
        q = getattr(sky.geometry(self.target), self.attribute)
        return np.asarray(q.to_value(self.internal) if self.internal else q.value)[0]

    def step_s(self, ctx):
        return STEP_MOON_S if _is_moon(ctx, self.target) else STEP_PLANETS_S


@dataclass(frozen=True)
class PredictedSNR(Quantity):
    """Signal-to-noise ratio of a target in one exposure of a camera, as a point source.

    Electrons ``S`` from the V magnitude through the camera's band, aperture and throughput
    (:func:`paledot.light.photometry.photon_rate_from_magnitude`, as :mod:`paledot.render.frame`
    does); noise from
    ``S``, dark current and read noise over the pixels of the disk plus the PSF's core:
    ``n = pi (r_px + fwhm_px)^2``, at least one pixel. An estimate for planning; a rendered frame's
    SNR is exact."""

    target: str = "earth"
    camera: object = None
    exposure_s: float = 0.01

    def value(self, sky):
        from ..light.photometry import photon_rate_from_magnitude

        cam = self.camera
        g = sky.geometry(self.target)
        mag = g.magnitude.to_value("mag")[0]
        rate = photon_rate_from_magnitude(mag, cam.bandpass_center_nm, cam.bandpass_width_nm)
        signal = np.nan_to_num(rate * cam.collecting_area_m2 * cam.throughput * self.exposure_s)
        r_px = g.angular_radius.to_value("rad")[0] / cam.pixel_scale_rad
        npix = np.maximum(np.pi * (r_px + cam.psf_fwhm_px) ** 2, 1.0)
        noise = np.sqrt(signal + npix * (cam.dark_current_e_per_s * self.exposure_s + cam.read_noise_e**2))
        return signal / noise

    def step_s(self, ctx):
        return STEP_MOON_S if _is_moon(ctx, self.target) else STEP_PLANETS_S
