"""Depth order: what stands in front of what in a frame, and when there is nothing to see.

An :class:`Occluder` is anything nearer than a target that can block its light: the observer's
own planet (its IAU ellipsoid and orientation), a surface site's horizon, or a nearer target (the
Moon behind Earth). ``render`` asks each sample ray of a target whether an occluder stops it first.
The order is decided in the geometry without stellar aberration, as ``occultation`` does, and
carried to each target's apparent place by that target's own aberration (a rotation), so a limb
and the target just behind it move together, as the light from both does. This module also warns
when the Sun comes inside a camera's exclusion cone. Vectors km, J2000; angles rad; epochs ET.
It never draws pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .._io.errors import PaledotError
from ..celestial.corrections import stellar_aberration
from ..celestial.orientation import rotation_model
from ..geometry.core import Geometry
from ..observers import BodyCentre


def body_frame(pole_radec_deg: tuple[float, float]) -> np.ndarray:
    """J2000 -> body axes (rows: two equatorial axes and the pole) from the pole (RA, Dec) deg alone."""
    ra, dec = np.radians(pole_radec_deg)
    k = np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])
    ref = np.array([1.0, 0.0, 0.0]) if abs(k[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = np.cross(k, ref)
    e1 /= np.linalg.norm(e1)
    return np.vstack([e1, np.cross(k, e1), k])


@dataclass(frozen=True)
class Occluder:
    """Something nearer than a target that can stand in front of it.

    An ellipsoid (``center_km`` the apparent J2000 vector from the observer, ``radii_km``, and
    ``axes`` its J2000 -> body-fixed rotation from the IAU model at the epoch the light left it), or,
    with ``up`` set, a surface site's horizon plane (everything below it is ground).
    """

    name: str
    center_km: np.ndarray | None = None
    radii_km: tuple[float, float, float] = (0.0, 0.0, 0.0)
    axes: np.ndarray | None = None
    up: np.ndarray | None = None

    def blocked(self, dirs: np.ndarray, t_target: np.ndarray, sample_rad: float) -> np.ndarray:
        """Share (0..1) of each sample's ray (unit J2000 directions, (M, 3)) stopped before it
        reaches the target surface at distance ``t_target`` km; edges ramp across one sample of
        ``sample_rad`` radians, so limbs are anti-aliased like the target's own."""
        if self.up is not None:
            return np.clip(0.5 - (dirs @ self.up) / sample_rad, 0.0, 1.0)
        inv_r = 1.0 / np.asarray(self.radii_km, dtype=np.float64)
        m = self.axes * inv_r[:, None]
        mp = m @ self.center_km
        md = dirs @ m.T
        aa = np.einsum("ij,ij->i", md, md)
        b = md @ mp
        crs = np.cross(md, mp)
        rho2 = np.einsum("ij,ij->i", crs, crs) / aa
        dist = float(np.linalg.norm(self.center_km))
        samples_per_radius = math.asin(min(max(self.radii_km) / dist, 1.0)) / sample_rad
        cover = np.clip(0.5 + (1.0 - np.sqrt(rho2)) * samples_per_radius, 0.0, 1.0)
        t_hit = (b - np.sqrt(np.clip(aa * (1.0 - rho2), 0.0, None))) / aa
        return np.where((t_hit > 0) & (t_hit < t_target), cover, 0.0)


def central_body_id(obs) -> int | None:
    """NAIF id of the observer's own planet when it can stand in a frame (an orbit or a fixed point
    near it; not a body's centre, nor a surface site, whose planet is its horizon), else None."""
    body = getattr(obs, "central_body", None)
    if body is None or isinstance(obs, BodyCentre) or max(body.radii_km) <= 0 or hasattr(obs, "local_frame"):
        return None
    return body.naif_id


def central_occluder(obs, g: Geometry) -> Occluder | None:
    """The observer's own planet as an occluder: its ellipsoid seen from an orbit or a fixed point,
    its horizon from a surface site; None for an observer at a body's centre or with no planet.
    The planet comes from the frame's one geometry (:func:`~paledot.geometry.lighttime.frame_geometry`
    with :func:`central_body_id` aside), placed without stellar aberration (see ``render``)."""
    body = getattr(obs, "central_body", None)
    if body is None or isinstance(obs, BodyCentre) or max(body.radii_km) <= 0:
        return None
    eph, et = g._context[0], g.t
    if hasattr(obs, "local_frame"):  # a surface site: the ground below the horizon
        return Occluder(body.name, up=obs.local_frame(eph, et)[2][0])
    if body.naif_id in g._aside:
        _, plain, lt = g._aside[body.naif_id]
    else:  # the planet is a target too
        i = [r.body.naif_id for r in g.targets].index(body.naif_id)
        plain = g._position[i] if g._plain is None else g._plain[i]
        lt = g._light_time[i]
    if float(np.linalg.norm(plain[0])) <= max(body.radii_km):
        return None  # a stand-in at (or inside) the planet, as the 'cassini' probe is: nothing to cut
    return Occluder(body.name, plain[0], body.radii_km, _body_axes(body, et - lt))


def ground_mask(central: Occluder | None, obs_vel_km_s: np.ndarray | None):
    """A test of which star directions the observer's own planet hides, or None when nothing can.

    Stars are at infinity: a star is hidden when its ray meets the planet's ellipsoid at all, or,
    from a surface site, when it is below the horizon. The planet (placed without stellar
    aberration, as ``central_occluder`` gives it) is turned by the observer's aberration when the
    star directions carry it (``obs_vel_km_s`` km/s, J2000), so a limb and the stars beside it
    move together. Returns a function of unit directions (M, 3) giving a bool mask (M,).
    """
    if central is None:
        return None
    if central.up is not None:
        up = central.up
        return lambda dirs: dirs @ up < 0.0
    occ = central
    if obs_vel_km_s is not None:
        c_app = stellar_aberration(central.center_km[None, :], np.asarray(obs_vel_km_s)[None, :])[0]
        occ = replace(central, center_km=c_app, axes=central.axes @ _rotation(central.center_km, c_app).T)

    def hidden(dirs: np.ndarray) -> np.ndarray:
        # a vanishing sample size makes the share a step at the limb: hidden or not
        return occ.blocked(dirs, np.full(len(dirs), np.inf), 1e-12) > 0.5

    return hidden


def close_pairs(g: Geometry, pos: np.ndarray, camera) -> bool:
    """Whether any two targets' disks come within a few pixels of each other (one may hide the
    other). Stellar aberration changes a separation by at most v/c (~1e-4) of itself: a 1e-3
    margin covers it."""
    ang = g.angular_radius.to_value("rad")[:, 0]
    reach = 4 * camera.pixel_scale_rad
    n = len(pos)
    return any(
        _angle(pos[i], pos[j]) * (1 - 1e-3) < ang[i] + ang[j] + reach
        for i in range(n)
        for j in range(i + 1, n)
    )


def _rotation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation (3, 3) taking direction ``a`` to direction ``b``."""
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    k = np.cross(a, b)
    s, c = float(np.linalg.norm(k)), float(a @ b)
    if s < 1e-15:
        return np.eye(3)
    k /= s
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + s * kx + (1 - c) * (kx @ kx)


def _body_axes(body, emit: np.ndarray) -> np.ndarray:
    """J2000 -> body-fixed rotation (3, 3) from the IAU model at ``emit`` (ET); without a model, the
    pole from the body catalogue and an arbitrary prime meridian (right for spheroids)."""
    try:
        return rotation_model(body).matrix(np.atleast_1d(emit))[0][0]
    except PaledotError:
        return body_frame(body.pole_radec_deg)


def occluders_for(
    i: int, g: Geometry, pos: np.ndarray, plain: np.ndarray, central, drawable, camera
) -> tuple[Occluder, ...]:
    """What may stand in front of target ``i``: the observer's planet and the other targets whose
    disks come within a few pixels of its disk and whose centres are nearer. ``pos`` are the
    apparent target vectors, ``plain`` the same without stellar aberration; every occluder is
    turned by target ``i``'s aberration (``plain[i]`` -> ``pos[i]``)."""
    turn = _rotation(plain[i], pos[i])
    rng = np.linalg.norm(pos, axis=-1)
    ang = g.angular_radius.to_value("rad")[:, 0]
    reach = 4 * camera.pixel_scale_rad
    out = []
    if central is not None and central.name != g.targets[i].body.name:
        if central.up is not None:
            out.append(replace(central, up=turn @ central.up))
        else:
            c = turn @ central.center_km
            rho = math.asin(min(max(central.radii_km) / float(np.linalg.norm(c)), 1.0))
            if _angle(c, pos[i]) < rho + ang[i] + reach and np.linalg.norm(c) < rng[i]:
                out.append(replace(central, center_km=c, axes=central.axes @ turn.T))
    for j in drawable:
        r = g.targets[j]
        if central is not None and r.body.name == central.name:
            continue  # already there as the observer's planet
        c = turn @ plain[j]
        if j != i and rng[j] < rng[i] and _angle(c, pos[i]) < ang[i] + ang[j] + reach:
            emit = g.t - g.light_time.to_value("s")[j]
            out.append(Occluder(r.name, c, r.body.radii_km, _body_axes(r.body, emit) @ turn.T))
    return tuple(out)


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    return math.atan2(float(np.linalg.norm(np.cross(a, b))), float(a @ b))


def sun_exclusion(camera, obs, g, boresight, warn) -> None:
    """Warn when the Sun's disk comes inside the camera's Sun-exclusion cone. The Sun comes from the
    frame's one geometry: a target, or seen aside (:func:`~paledot.geometry.lighttime.frame_geometry`)."""
    if camera.sun_exclusion_deg <= 0 or getattr(obs, "naif_id", None) == 10:
        return
    names = [r.naif_id for r in g.targets]
    sun = g.position.to_value("km")[names.index(10), 0] if 10 in names else g._aside[10][0][0]
    gap = _angle(sun, boresight) - math.asin(min(695_700.0 / float(np.linalg.norm(sun)), 1.0))
    if gap < math.radians(camera.sun_exclusion_deg):
        warn.append(
            f"the Sun is {math.degrees(max(gap, 0.0)):.1f} deg from the boresight, inside "
            f"{camera.name}'s {camera.sun_exclusion_deg:g} deg Sun-exclusion cone: the camera "
            "would not be pointed there (stray light, detector safety)"
        )


def nothing_seen(bodies: list) -> str:
    """A sentence when every target is hidden or outside the field, else ''."""
    # seen: light of it landed on the detector, or its disk (lit or not) covers some of it and
    # nothing hides it: a night side filling the field is a picture of something
    if not bodies or any(
        b.electrons > 0 or ((b.in_frame or b.disk_in_frame) and not b.hidden)
        for b in bodies
    ):
        return ""
    why = [f"{b.name} hidden by {b.hidden_by}" if b.hidden else f"{b.name} outside the field" for b in bodies]
    return "nothing to see in this frame: " + "; ".join(why)
