"""Render a Scene into the frame a camera would record: projection, sub-pixel disks, PSF, detector.

The path, for one epoch:
1. Geometry of the targets (apparent positions, the Sun from each target) from ``geometry``.
2. Pointing: the boresight on a target, on the midpoint of the targets, or at RA/Dec, with a roll
   (image up = the camera's +Y, turned from celestial north toward east by the roll).
3. Each body is ray-cast as its IAU ellipsoid through the camera's gnomonic projection on a grid of
   sub-pixel samples, lit by the Sun with the body's surface law, so the terminator, the limb and
   the oblateness fall where they belong; light is counted only on the sunlit, visible surface,
   and each sample ray is stopped by anything nearer that stands in its way (``depth``).
4. The fine image is convolved with the PSF (a polychromatic Airy pattern of the aperture with its
   central obscuration, blurred by the camera's measured Gaussian if it has one) on the same fine
   grid, then summed into pixels: each pixel holds the integral of (sky x PSF) over its area.
5. Photometry sets each body's total electron rate, added into the detector's ``Light`` (where
   point sources join too); an exposure ("auto" puts the brightest body's peak at a chosen
   fraction of full well); then ``detector.record``: dark current, photon noise, read noise,
   full-well saturation, gain, bias and quantisation to the camera's bit depth.
6. Catalogue stars (``paledot.light.stars``) that register in that exposure join the light as point
   sources through the same PSF, before the detector stage.
A target without a brightness model (a barycentre) is an error unless ``skip_unmodelled``.

Pixel convention (DESIGN.md): the astronomical one. Arrays are ``image[y, x]`` (numpy row = y,
column = x) with the first row at the bottom of the displayed image, pixel (0, 0) centred at
(0.0, 0.0); the boresight at the detector centre; image up = increasing y = camera +Y. With roll 0
north is up and east is left, so the WCS has det(CD) < 0 and DS9 shows the sky unmirrored. Pictures
flip the rows for display (``frames``). ``BodyImage.column``/``row`` are this x/y.
This module never writes files (``frames`` does).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from astropy.wcs import WCS

from .._io.errors import PaledotError
from ..cameras import Camera, load_camera
from ..celestial.ephemeris import default_ephemeris
from ..geometry.core import Geometry
from ..geometry.lighttime import frame_geometry
from ..light.photometry import PHASE_CURVE_LIMIT_DEG, has_photometry, photon_rate_from_magnitude, surface_law
from ..light.stars import check_mag_limit
from ..light.surfaces import notes as surface_notes
from ..light.surfaces import surface_for
from ..observers import as_observer
from ..time.timescales import to_et
from .depth import (
    central_body_id,
    central_occluder,
    close_pairs,
    ground_mask,
    nothing_seen,
    occluders_for,
    sun_exclusion,
)
from .detector import Light, record
from .projection import boresight, build_wcs, camera_axes, project, unit
from .psf import CONV_OVERSAMPLE, psf_kernel
from .raycast import DrawnBody, draw_body
from .scene import Pointing, RenderWarning, Scene

__all__ = ["BodyImage", "Frame", "MAX_EXPOSURE_S", "Pointing", "RenderWarning", "Scene", "render"]

#: Longest exposure paledot accepts, s (a day: far past any camera, short of overflowing noise draws).
MAX_EXPOSURE_S = 86400.0


# --- results ----------------------------------------------------------------------------------
@dataclass
class BodyImage:
    """One body in a frame: where it was predicted to fall and how much light it brought."""

    name: str
    naif_id: int
    column: float
    row: float
    ra_deg: float
    dec_deg: float
    range_km: float
    diameter_px: float
    phase_deg: float
    illuminated_fraction: float
    magnitude: float
    electrons: float
    in_frame: bool
    peak_electrons: float = 0.0
    snr: float = float("nan")
    saturated: bool = False
    visible_fraction: float = 1.0
    hidden_by: str = ""
    #: some of its disk covers the detector, though its centre may lie outside it
    disk_in_frame: bool = False

    @property
    def hidden(self) -> bool:
        """All of its light stopped by something nearer (the observer's planet, another target)."""
        return bool(self.hidden_by) and self.visible_fraction <= 0.0

    @property
    def x(self) -> float:
        """Predicted x (= column), 0-based pixels."""
        return self.column

    @property
    def y(self) -> float:
        """Predicted y (= row, growing upward in the displayed image), 0-based pixels."""
        return self.row


@dataclass
class Frame:
    """A rendered frame: the recorded DN, the electrons behind them, and what was predicted.

    ``expected`` is the noiseless electron image (before saturation); ``electrons`` the recorded
    electrons after noise and full-well clipping; ``dn`` the quantised output (uint16/uint32).
    """

    dn: np.ndarray
    electrons: np.ndarray
    expected: np.ndarray
    camera: Camera
    wcs: WCS
    et: float
    exposure_s: float
    bodies: list[BodyImage]
    meta: dict = field(default_factory=dict)
    #: The catalogue stars drawn (a :class:`paledot.light.stars.StarField`), None when stars were off.
    stars: object | None = None

    def body(self, name: str) -> BodyImage:
        for b in self.bodies:
            if b.name == name.lower():
                return b
        raise PaledotError(f"no body {name!r} in this frame: it has {[b.name for b in self.bodies]}")


def render(scene: Scene) -> Frame:
    """Render ``scene`` into a :class:`Frame`.

    >>> f = render(Scene("2023-05-21T03:10", "mars", ["earth", "moon"], "hrsc-src"))
    >>> f.dn.shape, f.dn.dtype.name
    ((1032, 1024), 'uint16')
    """
    camera, et, eph, obs = _resolve(scene)
    star_limit = check_mag_limit(scene.star_mag_limit)
    # The scene's one geometry: the targets, and beside them what the depth order and the Sun
    # check need (the observer's planet, the Sun), from one light-time solution.
    aside = tuple(x for x in (central_body_id(obs), 10 if camera.sun_exclusion_deg > 0 else None)
                  if x is not None)
    g = frame_geometry(obs, scene.targets, et, scene.correction, eph, aside)
    warn: list[str] = []
    _check_photometry(g, scene.skip_unmodelled, warn)
    pos = g.position.to_value("km")[:, 0, :]
    mags = g.magnitude.to_value("mag")[:, 0]
    drawable = [i for i, r in enumerate(g.targets)
                if max(r.body.radii_km) > 0 and has_photometry(r.body.naif_id)]
    axes = camera_axes(boresight(scene.pointing, g, drawable), math.radians(scene.pointing.roll_deg))
    wcs = build_wcs(camera, axes)
    psf = psf_kernel(camera) if scene.psf else None
    light = Light(camera.rows, camera.columns)  # every source's e-/s on the pixels
    bodies: list[BodyImage] = []
    stamps: dict[int, tuple[np.ndarray, int, int]] = {}
    drawn_bodies: dict[int, DrawnBody] = {}
    flux_rate = photon_rate_from_magnitude(mags, camera.bandpass_center_nm, camera.bandpass_width_nm)
    flux_rate = flux_rate * camera.collecting_area_m2 * camera.throughput  # e-/s per body
    sun_vec = g.sun_from_target.to_value("km")[:, 0, :]
    columns, rows, in_front = project(camera, axes, pos)
    # Depth order is decided in the geometry without stellar aberration (as ``occultation`` does)
    # and carried to each target's apparent place by that target's own aberration (a rotation),
    # so a limb and the target just behind it move together, as the light from both does.
    central = central_occluder(obs, g)
    plain = pos
    if g._plain is not None and (central is not None or close_pairs(g, pos, camera)):
        plain = g._plain[:, 0, :]
    sun_exclusion(camera, obs, g, axes[2], warn)
    for i, r in enumerate(g.targets):
        col, row, behind = float(columns[i]), float(rows[i]), not in_front[i]
        ang_r = g.angular_radius.to_value("rad")[i, 0]
        diam_px = 2 * ang_r / camera.pixel_scale_rad
        inside = (not behind) and (-0.5 <= col <= camera.columns - 0.5) and (-0.5 <= row <= camera.rows - 0.5)
        # the disk reaches the detector (its centre may lie outside it): pixels from the centre
        # to the nearest point of the detector, against the disk's radius
        gap = math.hypot(max(-0.5 - col, 0.0, col - (camera.columns - 0.5)),
                         max(-0.5 - row, 0.0, row - (camera.rows - 0.5)))
        disk_on = (not behind) and gap < diam_px / 2
        info = BodyImage(
            name=r.name,
            naif_id=r.body.naif_id,
            column=float(col),
            row=float(row),
            ra_deg=float(np.degrees(g.ra.to_value("rad")[i, 0])),
            dec_deg=float(np.degrees(g.dec.to_value("rad")[i, 0])),
            range_km=float(g.range.to_value("km")[i, 0]),
            diameter_px=float(diam_px),
            phase_deg=float(np.degrees(g.phase_angle.to_value("rad")[i, 0])),
            illuminated_fraction=float(g.illuminated_fraction.value[i, 0]),
            magnitude=float(mags[i]),
            electrons=0.0,
            in_frame=bool(inside),
            disk_in_frame=bool(disk_on),
        )
        bodies.append(info)
        if behind:
            warn.append(
                f"{r.name} is behind the camera (over 90 degrees from the boresight): not in the frame"
            )
            continue
        if not inside and not disk_on:
            warn.append(f"{r.name} falls outside the frame at column {col:.1f}, row {row:.1f}")
        elif not inside:
            warn.append(f"{r.name}'s centre falls outside the frame at column {col:.1f}, row {row:.1f}, "
                        f"but its disk ({diam_px:,.0f} px across) reaches into it")
        if i not in drawable:
            continue
        if not np.isfinite(flux_rate[i]):
            limit = PHASE_CURVE_LIMIT_DEG.get(r.body.naif_id)
            if limit is not None:
                warn.append(
                    f"{r.name} is at phase {info.phase_deg:.0f} deg, past where its published phase "
                    f"curve holds ({limit:g} deg): a thin crescent paledot does not draw"
                )
            continue
        sun_dir = None if r.body.naif_id == 10 else unit(sun_vec[i])
        law = surface_law(r.body.naif_id, (scene.laws or {}).get(r.name))
        albedo = None
        if scene.surfaces:
            albedo = surface_for(r.name, float(et[0]) - float(g.light_time.to_value("s")[i, 0]))
        occluders = occluders_for(i, g, pos, plain, central, drawable, camera)
        drawn = draw_body(
            camera, axes, pos[i], r.body.radii_km, r.body.pole_radec_deg, sun_dir, law, psf, occluders,
            albedo=albedo, exact_bits=scene.noise,  # noise draws follow the light's last bits
        )
        if drawn is None:
            continue
        if drawn.visible_fraction < 1.0 - 1e-9 and occluders:
            info.visible_fraction = drawn.visible_fraction
            info.hidden_by = ", ".join(o.name for o in occluders)
            how = "hidden" if drawn.visible_fraction <= 0 else f"{1 - drawn.visible_fraction:.0%} hidden"
            warn.append(f"{r.name} is {how} behind {info.hidden_by}")
        drawn_bodies[i] = drawn
        stamps[i] = (drawn.stamp, drawn.row0, drawn.col0)
        light.add(drawn.stamp, drawn.row0, drawn.col0, flux_rate[i])
    exposure = _choose_exposure(scene, camera, light.rate, stamps, flux_rate, g, warn)
    # Point sources (stars that register in this exposure) join ``light`` before the detector stage.
    star_field = _draw_stars(scene, star_limit, light, camera, axes, g, exposure, psf, warn, central)
    expected = light.to_electrons(exposure)
    for i, (stamp, r0, c0) in stamps.items():
        inside = _inside(stamp, r0, c0, camera)
        bodies[i].electrons = float(flux_rate[i] * exposure * inside.sum())
        bodies[i].peak_electrons = float(flux_rate[i] * exposure * inside.max()) if inside.size else 0.0
    dark = camera.dark_current_e_per_s * exposure
    # SFC64: the fastest of numpy's bit generators for these draws; same seed, same bytes.
    rng = np.random.Generator(np.random.SFC64(scene.seed)) if scene.noise else None
    electrons, dn = record(camera, expected, light.boxes, dark, rng)
    for i, (stamp, r0, c0) in stamps.items():
        inside = _inside(stamp, r0, c0, camera)
        if inside.size and inside.sum() > 0:
            signal = inside * flux_rate[i] * exposure
            bodies[i].saturated = bool(signal.max() + dark > camera.full_well_e)
            # what the detector can record: nothing above full well
            bodies[i].snr = _snr(np.minimum(signal, camera.full_well_e), camera, dark)
        elif bodies[i].hidden:
            bodies[i].snr = 0.0
    nothing = nothing_seen(bodies)
    if nothing:
        warn.append(nothing)
    for i, b in enumerate(bodies):  # drawn (photometry known), in the field, and dark there
        if i in drawable and np.isfinite(flux_rate[i]) and b.electrons <= 0 and b.disk_in_frame \
                and not b.hidden:
            warn.append(f"{b.name} covers part of the field, but none of its sunlit side does: the frame "
                        "shows its night side, dark")
    for text in warn:
        warnings.warn(text, RenderWarning, stacklevel=2)
    meta = {
        "observer": g.observer,
        "correction": g.correction,
        "ephemeris": list(g.ephemeris_files),
        "notes": list(g.notes) + (list(surface_notes(header=True)) if scene.surfaces else []),
        "warnings": warn,
        "seed": scene.seed,
        "pointing": scene.pointing,
        "boresight_radec_deg": tuple(float(x) for x in wcs.wcs.crval),
        "roll_deg": float(scene.pointing.roll_deg),
        "noise": scene.noise,
        "nothing_seen": nothing,
        "observer_ssb_km": tuple(float(x) for x in g._context[1][0]),  # the state observe() used
    }
    return Frame(
        dn=dn,
        electrons=electrons,
        expected=expected,
        camera=camera,
        wcs=wcs,
        et=float(et[0]),
        exposure_s=exposure,
        bodies=bodies,
        meta=meta,
        stars=star_field,
    )


def _resolve(scene: Scene):
    """The scene's camera, epoch (ET array of one), ephemeris and observer object, each read once
    and checked, with the scene's other numbers."""
    camera = scene.camera if isinstance(scene.camera, Camera) else load_camera(scene.camera)
    et = to_et(scene.time) if not isinstance(scene.time, (float, np.floating)) else np.array([scene.time])
    if et.size != 1:
        raise PaledotError("a scene renders one epoch: give a single time")
    if not (isinstance(scene.auto_fraction, (int, float)) and 0 < scene.auto_fraction <= 1):
        raise PaledotError(f"auto exposure fraction {scene.auto_fraction!r} must be in (0, 1]")
    if scene.seed is not None and (not isinstance(scene.seed, (int, np.integer)) or scene.seed < 0):
        raise PaledotError(f"seed {scene.seed!r} must be zero or a positive whole number")
    eph = scene.ephemeris or default_ephemeris()
    return camera, et, eph, as_observer(scene.observer, eph)


def _check_photometry(g: Geometry, skip: bool, warn: list[str]) -> None:
    """A target paledot cannot say the brightness of is an error, or (``skip``) a warning."""
    for r in g.targets:
        if has_photometry(r.body.naif_id):
            continue
        why = "a barycentre reflects no light" if max(r.body.radii_km) == 0 else "no brightness model"
        if not skip:
            raise PaledotError(
                f"cannot draw {r.name!r}: {why}; name a body paledot models (the Sun, Mercury to "
                "Pluto, the Moon) or skip it (skip_unmodelled=True, --skip-unmodelled)"
            )
        warn.append(f"{r.name}: {why}, so it is not drawn (skipped as asked)")


def _draw_stars(scene, limit, light, camera, axes, g, exposure, psf, warn, central=None):
    """The catalogue stars into the detector's light, before noise (None when off or missing)."""
    if not scene.stars:
        return None
    from ..light.stars import draw_stars, load_catalogue

    try:
        load_catalogue()
    except PaledotError as exc:
        if limit is not None:  # asked for stars explicitly
            raise
        warn.append(f"no stars drawn: {exc}")
        return None
    _, obs_pos, obs_vel, _ = g._context
    vel = obs_vel[0] if g.correction.endswith("+S") else None
    # Stars behind a target's disk are hidden (bodies are far nearer than any star).
    radii = g.angular_radius.to_value("rad")[:, 0]
    occulters = [(g.position.to_value("km")[i, 0], float(radii[i]))
                 for i in range(len(g.targets)) if radii[i] > 0]
    field = draw_stars(light.rate, camera, axes, float(g.t[0]), obs_pos[0], vel, exposure, psf,
                       CONV_OVERSAMPLE, limit, occulters, project=project,
                       ground=ground_mask(central, vel))
    if len(field):  # photon noise where star light fell: one box holding every star's PSF stamp
        reach = (psf.shape[0] // CONV_OVERSAMPLE if psf is not None else 1) + 2
        r1, r2 = int(np.floor(field.y.min())) - reach, int(np.ceil(field.y.max())) + reach + 1
        c1, c2 = int(np.floor(field.x.min())) - reach, int(np.ceil(field.x.max())) + reach + 1
        light.boxes.append((max(r1, 0), min(r2, camera.rows), max(c1, 0), min(c2, camera.columns)))
    return field


def _inside(stamp: np.ndarray, row0: int, col0: int, camera: Camera) -> np.ndarray:
    """The part of a stamp that lands on the detector (empty if none)."""
    h, w = stamp.shape
    r1, c1 = max(row0, 0), max(col0, 0)
    r2, c2 = min(row0 + h, camera.rows), min(col0 + w, camera.columns)
    if r1 >= r2 or c1 >= c2:
        return np.zeros((0, 0))
    return stamp[r1 - row0 : r2 - row0, c1 - col0 : c2 - col0]


def _choose_exposure(scene, camera, rate, stamps, flux_rate, g, warn) -> float:
    if scene.exposure != "auto":
        try:
            exposure = float(scene.exposure)
        except (TypeError, ValueError):
            raise PaledotError(f"exposure {scene.exposure!r} must be 'auto' or seconds") from None
        if not math.isfinite(exposure) or exposure <= 0 or exposure > MAX_EXPOSURE_S:
            raise PaledotError(
                f"exposure {scene.exposure!r} must be positive, at most {MAX_EXPOSURE_S:g} seconds"
            )
        if not (camera.exposure_min_s <= exposure <= camera.exposure_max_s):
            warn.append(
                f"exposure {exposure * 1e3:g} ms is outside {camera.name}'s range "
                f"{camera.exposure_min_s * 1e3:g}-{camera.exposure_max_s * 1e3:g} ms"
            )
        return exposure
    if not stamps:
        warn.append("nothing bright in the frame: auto exposure took the camera's longest")
        return camera.exposure_max_s
    # Brightest body's peak pixel (with everything else on top of it) at the chosen fraction.
    on_detector = {i: _inside(*stamps[i], camera) for i in stamps}
    on_detector = {i: v for i, v in on_detector.items() if v.size and v.max() > 0}
    if not on_detector:
        warn.append("no target lands on the detector: auto exposure took the camera's longest")
        return camera.exposure_max_s
    brightest = max(on_detector, key=lambda i: flux_rate[i] * on_detector[i].max())
    stamp, r0, c0 = stamps[brightest]
    h, w = stamp.shape
    r1, c1 = max(r0, 0), max(c0, 0)
    r2, c2 = min(r0 + h, camera.rows), min(c0 + w, camera.columns)
    peak = rate[r1:r2, c1:c2].max() if (r1 < r2 and c1 < c2) else rate.max()
    ceiling = min(camera.full_well_e, (camera.max_dn - camera.bias_dn) * camera.gain_e_per_dn)
    if peak <= 0:
        return camera.exposure_max_s
    # a Python float: the rate map is float32, and a float32 exposure would turn ET + exposure
    # (as the FITS times are made) into float32 too, 64 s coarse
    exposure = float(scene.auto_fraction * ceiling / (peak + camera.dark_current_e_per_s))
    name = g.targets[brightest].name
    if exposure < camera.exposure_min_s:
        # at the shortest exposure the peak lands above the target level: saturated only past
        # the ceiling (a peak at 74% of it was said to saturate)
        level = (peak + camera.dark_current_e_per_s) * camera.exposure_min_s / ceiling
        what = "it will saturate" if level >= 1 else f"its peak reaches {level:.0%} of the ceiling"
        warn.append(
            f"{name} would need {exposure * 1e3:.3g} ms, below {camera.name}'s shortest "
            f"{camera.exposure_min_s * 1e3:g} ms: {what}"
        )
        exposure = camera.exposure_min_s
    elif exposure > camera.exposure_max_s:
        warn.append(
            f"{name} would need {exposure:.3g} s, above {camera.name}'s longest "
            f"{camera.exposure_max_s:g} s: it stays below the target level"
        )
        exposure = camera.exposure_max_s
    return exposure


def _snr(signal: np.ndarray, camera: Camera, dark_e: float) -> float:
    """Aperture SNR of one body: the stamp pixels holding 99% of its light."""
    flat = np.sort(signal.ravel())[::-1]
    keep = np.searchsorted(np.cumsum(flat), 0.99 * flat.sum()) + 1
    s = float(flat[:keep].sum())
    noise = math.sqrt(s + keep * (dark_e + camera.read_noise_e**2))
    return s / noise if noise > 0 else float("nan")
