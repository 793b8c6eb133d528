"""Who is in the way: occultation of targets by the observer's own planet, and Sun-exclusion cones.

For each target and epoch, the occulting body (by default the observer's central body) is a triaxial
ellipsoid with pck00011 radii, turned by its IAU rotation model (``orientation``) at the epoch the
light left it. The target's *limb height* is the angle from the target's centre to the body's
apparent outline, measured in the plane through the body's centre direction and the target
(positive: outside the outline). In that plane the outline is found exactly: a direction ``d`` is
tangent to the ellipsoid ``x^T Q x = 1`` from the observer at ``p`` when
``(d^T Q p)^2 = (d^T Q d)(p^T Q p - 1)``, a quadratic in ``tan`` of the angle from the centre. So the
verdict "inside the outline or not" is exact; the height equals the perpendicular angular distance
to the outline to within its ellipticity squared (3e-5 relative for Mars).

Verdicts, with the target a sphere of its equatorial radius and angular radius ``rho``:
``FULL`` hidden when behind the body and ``height <= -rho``; ``PARTIAL`` when behind and
``|height| < rho``; ``VISIBLE`` otherwise. "Behind" means farther than the occulting body's centre.

Light time is applied as asked (``NONE``, ``LT``, ``CN``) to targets and occulter alike; stellar
aberration (``+S``) is left out here because it moves the target and the limb behind it together,
which leaves every verdict unchanged (as SPICE's OCCULT, which does not accept it either).

Surface sites are different: their planet is below them, so for a ``SurfaceSite`` the "limb" is the
site's horizon plane and the height is the target's elevation.

Vectors km, J2000; angles rad; epochs ET. This module never renders or plans.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._io.errors import PaledotError
from ..celestial.bodies import Body, resolve_body
from ..celestial.corrections import apparent_position, normalise_correction
from ..celestial.ephemeris import Ephemeris, ResolvedBody, default_ephemeris
from ..celestial.orientation import rotation_model
from ..celestial.vectors import angle_between, cross, dot, norm
from ..observers import as_observer
from ..time.timescales import as_et
from .request import resolve_request, target_row

if TYPE_CHECKING:
    import astropy.units as u


VISIBLE, PARTIAL, FULL = 0, 1, 2
STATE_NAMES = ("visible", "partial", "full")


def limb_height(
    body_from_observer: np.ndarray,
    matrix: np.ndarray,
    radii: tuple[float, float, float],
    directions: np.ndarray,
) -> np.ndarray:
    """Angular height (rad) of directions above an ellipsoid's apparent outline.

    Parameters
    ----------
    body_from_observer: (N, 3) km, J2000 vector from the observer to the ellipsoid's centre.
    matrix: (N, 3, 3) J2000 -> body-fixed rotation (the ellipsoid's axes are the body axes).
    radii: (a, b, c) km.
    directions: (..., N, 3) J2000 directions (any length) from the observer.

    Returns (..., N): positive outside the outline, negative inside it.
    """
    q = 1.0 / np.asarray(radii, dtype=np.float64) ** 2
    # Body-fixed: observer position relative to the centre, unit direction to the centre.
    c_j = body_from_observer / norm(body_from_observer)[:, None]
    p = -np.einsum("nij,nj->ni", matrix, body_from_observer)
    c = np.einsum("nij,nj->ni", matrix, c_j)
    k = dot(p * q, p) - 1.0
    if np.any(k <= 0):
        raise PaledotError(
            "the observer is on or inside the occulting body's ellipsoid: an orbit or position "
            "below the surface has no limb (use a SurfaceSite for the ground)"
        )
    d = np.einsum("nij,...nj->...ni", matrix, directions)
    d = d / norm(d)[..., None]
    cos_t = dot(d, c)
    perp = d - cos_t[..., None] * c
    sin_t = norm(perp)
    # Straight at the centre the plane is arbitrary; any perpendicular gives the outline there.
    fallback = cross(c, np.where(np.abs(c[..., :1]) < 0.9, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]))
    e = np.where(sin_t[..., None] > 1e-15, perp, fallback)
    e = e / norm(e)[..., None]
    theta = np.arctan2(sin_t, cos_t)
    qp = q * p
    a_ = dot(c, qp)
    b_ = dot(e, qp)
    qcc, qce, qee = dot(c * q, c), dot(c * q, e), dot(e * q, e)
    alpha = b_ * b_ - k * qee
    beta = a_ * b_ - k * qce
    gamma = a_ * a_ - k * qcc
    s = np.sqrt(np.maximum(beta * beta - alpha * gamma, 0.0))
    # The positive root of alpha t^2 + 2 beta t + gamma = 0 (alpha < 0 < gamma outside the body),
    # in whichever of two algebraically equal forms avoids cancellation.
    t_pos = np.where(beta >= 0, (beta + s) / -alpha, gamma / (s - beta))
    return theta - np.arctan(t_pos)


@dataclass
class Occultation:
    """Occultation verdicts and limb heights of T targets at N epochs (arrays shaped (T, N))."""

    t: np.ndarray
    observer: str
    occulter: str
    targets: tuple[ResolvedBody, ...]
    correction: str
    _height: np.ndarray
    _target_radius: np.ndarray
    _behind: np.ndarray
    notes: tuple[str, ...] = ()

    @property
    def target_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.targets)

    def index(self, target: str | int) -> int:
        """Row of a target, by name or NAIF id."""
        return target_row(self.targets, target, "this occultation result")

    @property
    def limb_height(self) -> u.Quantity:
        """Angle of each target's centre above the occulter's limb (negative: behind the disk), rad."""
        import astropy.units as u

        return self._height * u.rad

    @property
    def target_radius(self) -> u.Quantity:
        """Angular radius of each target (equatorial radius), rad."""
        import astropy.units as u

        return self._target_radius * u.rad

    @property
    def state(self) -> np.ndarray:
        """(T, N) int: 0 visible, 1 partly hidden, 2 fully hidden (see ``STATE_NAMES``)."""
        h, rho = self._height, self._target_radius
        out = np.zeros(h.shape, dtype=np.int8)
        out[self._behind & (h < rho)] = PARTIAL
        out[self._behind & (h <= -rho)] = FULL
        return out

    @property
    def visible(self) -> np.ndarray:
        """(T, N) bool: the whole target clear of the occulter."""
        return self.state == VISIBLE

    @property
    def hidden(self) -> np.ndarray:
        """(T, N) bool: some or all of the target behind the occulter."""
        return self.state != VISIBLE


def occulter_state(observer, ephemeris: Ephemeris, et: np.ndarray, obs_pos: np.ndarray,
                   correction: str, occulter=None):
    """The occulting body, its J2000 vector from the observer (N, 3) km and its body matrices."""
    body = resolve_body(occulter) if occulter is not None else getattr(observer, "central_body", None)
    if body is None:
        raise PaledotError(
            f"observer {observer.name!r} has no central body: name an occulter (e.g. occulter='mars')"
        )
    resolved = ephemeris.resolve(body)
    if resolved.naif_id == getattr(observer, "naif_id", None):
        raise PaledotError(f"the observer is at the centre of {body.title}: it has no limb to see")
    corr = normalise_correction(correction).replace("+S", "")
    pos, lt = apparent_position(ephemeris, resolved.naif_id, et, obs_pos, None, corr)
    emit = et if corr == "NONE" else et - lt
    matrix, _ = rotation_model(body).matrix(emit)
    return resolved, body, pos, matrix


def occultation(
    observer,
    targets,
    t,
    correction: str = "LT+S",
    ephemeris: Ephemeris | None = None,
    occulter: str | int | Body | None = None,
) -> Occultation:
    """Whether ``occulter`` (default: the observer's central body) hides each target at each epoch.

    Parameters as :func:`~paledot.geometry.core.observe`; ``correction``'s light time is used and its
    stellar aberration ignored (see the module text).

    >>> occ = occultation("mars express", ["earth", "sun"], ["2023-05-15T14:08"])
    >>> occ.state.shape
    (2, 1)
    """
    corr = normalise_correction(correction).replace("+S", "")
    eph, et, obs, resolved = resolve_request(observer, targets, t, ephemeris)
    obs_pos, _ = obs.state(eph, et)
    notes = [getattr(obs, "note", "")] + [r.note for r in resolved]
    n_t = len(resolved)
    tpos = np.empty((n_t, et.size, 3))
    for i, r in enumerate(resolved):
        tpos[i], _ = apparent_position(eph, r.naif_id, et, obs_pos, None, corr)
    radius = np.array([r.body.equatorial_radius_km for r in resolved])[:, None]
    rng = norm(tpos)
    rho = np.arcsin(np.clip(radius / rng, 0.0, 1.0))

    if hasattr(obs, "local_frame"):  # a surface site: the horizon is the limb
        up = obs.local_frame(eph, et)[2]
        height = np.arcsin(np.clip(dot(tpos / rng[..., None], up[None]), -1.0, 1.0))
        behind = np.ones(height.shape, dtype=bool)
        occ_name = obs.central_body.name
    else:
        occ_resolved, body, bpos, matrix = occulter_state(obs, eph, et, obs_pos, corr, occulter)
        for r in resolved:
            if r.naif_id == occ_resolved.naif_id:
                raise PaledotError(f"{r.name} is the occulter itself: it cannot also be a target")
        height = limb_height(bpos, matrix, body.radii_km, tpos)
        behind = rng > norm(bpos)[None]
        if not any(occ_resolved.note and occ_resolved.note in n for n in notes):
            notes.append(occ_resolved.note)
        occ_name = body.name
    return Occultation(
        t=et, observer=obs.name, occulter=occ_name, targets=tuple(resolved), correction=corr,
        _height=height, _target_radius=rho, _behind=behind,
        notes=tuple(dict.fromkeys(x for x in notes if x)),
    )


def exclusion(
    observer,
    boresight,
    t,
    half_angle,
    bodies=("sun",),
    include_central: bool = True,
    correction: str = "LT+S",
    ephemeris: Ephemeris | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Which bodies intrude into a camera's exclusion cone around its boresight.

    The boresight points at the body ``boresight`` (e.g. ``"earth"``); ``half_angle`` is in degrees
    (or an astropy angle). For each body in ``bodies`` (default the Sun) and, if
    ``include_central``, the observer's central body, returns ``name -> (gap, inside)``: the angle
    (rad, (N,)) from the boresight to the nearest point of that body's disk (0 when the boresight is
    on the disk), and whether that is inside the cone.

    >>> out = exclusion("mars express", "earth", ["2023-05-15T14:08"], half_angle=30)
    >>> sorted(out)
    ['mars', 'sun']
    """
    from .._io.angles import as_radians

    cone = as_radians(half_angle, "half_angle")
    if not 0 < cone < np.pi:
        raise PaledotError(f"half_angle {half_angle!r} must be between 0 and 180 degrees")
    eph = ephemeris or default_ephemeris()
    corr = normalise_correction(correction)
    et = as_et(t)
    obs = as_observer(observer, eph)
    obs_pos, obs_vel = obs.state(eph, et)
    aim = eph.resolve(boresight)
    aim_pos, _ = apparent_position(eph, aim.naif_id, et, obs_pos, obs_vel, corr)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    central = getattr(obs, "central_body", None)
    for name in bodies:
        r = eph.resolve(name)
        if central is not None and include_central and r.body == central:
            continue
        pos, _ = apparent_position(eph, r.naif_id, et, obs_pos, obs_vel, corr)
        rho = np.arcsin(np.clip(r.body.equatorial_radius_km / norm(pos), 0.0, 1.0))
        gap = np.maximum(angle_between(aim_pos, pos) - rho, 0.0)
        out[r.name] = (gap, gap < cone)
    if include_central and central is not None:
        if hasattr(obs, "local_frame"):
            up = obs.local_frame(eph, et)[2]
            # The ground fills everything below the horizon: its nearest point is the horizon.
            gap = np.maximum(np.arcsin(np.clip(dot(aim_pos / norm(aim_pos)[:, None], up), -1, 1)), 0)
        else:
            _, body, bpos, matrix = occulter_state(obs, eph, et, obs_pos, corr)
            gap = np.maximum(limb_height(bpos, matrix, body.radii_km, aim_pos), 0.0)
        out[central.name] = (gap, gap < cone)
    return out
