"""Light-time and stellar-aberration corrections with SPICE's exact semantics, vectorised over epochs.

``NONE``  geometric position at the observation epoch.
``LT``    one-way light time by one iteration of the Newtonian light-time equation (SPKLTC).
``CN``    the same equation iterated to convergence (at most five iterations, as SPKLTC).
``+S``    stellar aberration on the observer's SSB velocity, the exact rotation SPICE's STELAB
          makes: the direction turns toward the velocity by ``asin(|u x v/c|)``, length kept.
Only reception corrections are offered (light arriving at the observer), which is all a camera needs.
Gravitational light deflection by the Sun is off by default, as in SPICE; ``deflection=True``
applies it (ERFA's ``eraLd``, the IERS Conventions formula, after light time and before stellar
aberration, as JPL Horizons and astropy do): up to 1.75 arcsec at the Sun's limb, 4 mas at 90 deg.

Vectors are km in ICRF/J2000, epochs ET seconds. This module never chooses an observer or a target
name: it works on NAIF ids and states handed to it.
"""

from __future__ import annotations

import numpy as np

from .._io.errors import PaledotError
from .vectors import cross, norm

#: Speed of light, km/s (exact; SPICE's CLIGHT).
C_KM_S = 299792.458

CORRECTIONS = ("NONE", "LT", "LT+S", "CN", "CN+S")
_CN_MAX_ITER = 5


def normalise_correction(correction: str) -> str:
    """Canonical spelling of an aberration-correction name, or a clear error."""
    text = str(correction).upper().replace(" ", "")
    if text not in CORRECTIONS:
        raise PaledotError(
            f"unknown aberration correction {correction!r}: choose one of {', '.join(CORRECTIONS)}"
        )
    return text


def stellar_aberration(pos: np.ndarray, obs_vel: np.ndarray) -> np.ndarray:
    """Apply stellar aberration to (N, 3) positions seen by an observer moving at (N, 3) km/s.

    The position is rotated about ``u x v/c`` by ``asin(|u x v/c|)``, keeping its length (STELAB).
    """
    rng = norm(pos)
    inv = np.divide(1.0, rng, out=np.zeros_like(rng), where=rng > 0)
    inv *= 1.0 / C_KM_S
    h = cross(pos, obs_vel)  # |h| = sin(phi): u x v/c with u = pos / |pos|
    h *= inv[:, None]
    sin_phi = norm(h)
    # Rodrigues' rotation of pos about the unit axis h/|h| by phi; the axis is perpendicular to pos,
    # so the (axis . pos) term vanishes, and axis x pos sin(phi) = h x pos. cos(asin(x)) = sqrt(1 - x^2).
    np.minimum(sin_phi, 1.0, out=sin_phi)
    cos_phi = np.sqrt(1.0 - sin_phi * sin_phi)
    out = cross(h, pos)
    out += pos * cos_phi[:, None]
    return out


def apparent_position(
    ephemeris,
    target_id: int,
    et: np.ndarray,
    obs_pos: np.ndarray,
    obs_vel: np.ndarray | None,
    correction: str = "LT+S",
    deflection: bool = False,
    ssb_position: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Apparent position of ``target_id`` from an observer at SSB position/velocity ``obs_*``.

    Parameters
    ----------
    ephemeris: an :class:`~paledot.celestial.ephemeris.Ephemeris`.
    target_id: NAIF id of the target.
    et: (N,) observation epochs, ET seconds.
    obs_pos, obs_vel: (N, 3) observer SSB position (km) and velocity (km/s) at ``et``.
    correction: one of ``NONE``, ``LT``, ``LT+S``, ``CN``, ``CN+S``.
    ssb_position: the target's SSB position (N, 3) km at ``et`` if the caller has it already
        (:meth:`~paledot.celestial.ephemeris.Ephemeris.positions`); not modified.

    Returns
    -------
    position: (N, 3) km, J2000, observer to target, corrected.
    light_time: (N,) one-way light time in seconds (geometric distance / c for ``NONE``).
    """
    corr = normalise_correction(correction)
    if ssb_position is None:
        pos = ephemeris.position(target_id, et)  # checks the coverage
        pos -= obs_pos
    else:
        pos = ssb_position - obs_pos
    lt = norm(pos) / C_KM_S
    if corr == "NONE":
        return pos, lt
    if not corr.startswith("CN"):  # LT: one light-time iteration, as SPICE's
        pos = ephemeris.position(target_id, et - lt)
        pos -= obs_pos
        lt = norm(pos) / C_KM_S
    iterations = _CN_MAX_ITER if corr.startswith("CN") else 0
    active = np.arange(et.size)
    for _ in range(iterations):
        # Each epoch iterates until its own light time stops changing (SPKLTC's test: below 1e-17
        # relative to the epoch), so a result never depends on which epochs share a batch.
        idx = slice(None) if active.size == et.size else active  # plain slices while all move
        epoch = et[idx] - lt[idx]
        pos[idx] = ephemeris.position(target_id, epoch) - obs_pos[idx]
        prev = lt[idx].copy()  # a slice would be a view, overwritten on the next line
        lt[idx] = norm(pos[idx]) / C_KM_S
        moving = np.abs(lt[idx] - prev) > 1e-17 * np.maximum(1.0, np.abs(epoch))
        active = active[moving]
        if active.size == 0:
            break
    if deflection:
        if corr == "NONE":
            raise PaledotError("light deflection needs a light-time correction: use LT, LT+S, CN or "
                               "CN+S with deflection, not NONE")
        pos = sun_deflection(ephemeris, target_id, et, et - lt, obs_pos, pos)
    if corr.endswith("+S"):
        if obs_vel is None:
            raise PaledotError("stellar aberration needs the observer's velocity")
        pos = stellar_aberration(pos, obs_vel)
    return pos, lt


#: The astronomical unit, km (ERFA takes the Sun-observer distance in au).
_AU_KM = 149_597_870.7
_SUN_ID = 10


def sun_deflection(ephemeris, target_id: int, et: np.ndarray, emit: np.ndarray, obs_pos: np.ndarray,
                   pos: np.ndarray) -> np.ndarray:
    """Bend light-time-corrected positions ``pos`` (N, 3, observer to target, km) by the Sun's
    gravity: the Sun at the observation epochs ``et``, the target at ``emit`` (ERFA ``eraLd`` with
    eraLdsun's limit near the Sun). Length kept. The Sun as target is left as it is."""
    import erfa

    if target_id == _SUN_ID:
        return pos
    sun = ephemeris.position(_SUN_ID, et)
    rng = norm(pos)[:, None]
    e = obs_pos - sun  # Sun to observer
    em = norm(e)
    q = (obs_pos + pos) - sun  # Sun to target at emission (observer + light-time vector)
    em_au = em / _AU_KM
    dlim = 1e-6 / np.maximum(em_au * em_au, 1.0)
    bent = erfa.ld(1.0, pos / rng, q / norm(q)[:, None], e / em[:, None], em_au, dlim)
    return bent / norm(bent)[:, None] * rng  # eraLd is first order: keep the length exactly
