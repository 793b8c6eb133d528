"""Filling a :class:`~paledot.geometry.core.Geometry`: the light-time solutions of every target
from one observer at every epoch, block by block (:data:`~paledot.geometry.request.BLOCK` epochs at a
time, so memory stays flat however many epochs a caller passes).

:func:`observe` is what users call. :func:`frame_geometry` is the same solve for a rendered frame:
it also keeps what the frame's depth order needs (each target's place without stellar aberration,
the observer's planet and the Sun under the same correction), so a frame resolves its scene and
asks the ephemeris once. Vectors km, J2000; epochs ET. This module never renders or writes files.
"""

from __future__ import annotations

import numpy as np

from .._io.errors import PaledotError
from ..celestial.corrections import apparent_position, normalise_correction, stellar_aberration
from ..celestial.ephemeris import Ephemeris
from .core import Geometry
from .request import _blocks, resolve_request


def observe(
    observer,
    targets,
    t,
    correction: str = "LT+S",
    ephemeris: Ephemeris | None = None,
    deflection: bool = False,
) -> Geometry:
    """Apparent geometry of ``targets`` from ``observer`` at epochs ``t``.

    Parameters
    ----------
    observer: a body name or NAIF id (meaning its centre), or an observer object.
    targets: a body name/id or a list of them.
    t: ET seconds (float array) or times :func:`~paledot.time.timescales.to_et` reads.
    correction: ``NONE``, ``LT``, ``LT+S`` (default), ``CN`` or ``CN+S``, as in SPICE.
    ephemeris: kernels to use; DE440 by default.
    deflection: also bend the light by the Sun's gravity (as JPL Horizons and astropy do; SPICE
        does not, so the default is off); needs a light-time correction.

    >>> g = observe("mars", ["earth", "moon"], ["2023-05-15T14:08"])
    >>> bool(2.7e8 < g.range[g.index("earth")][0].to_value("km") < 3.1e8)
    True
    """
    corr = normalise_correction(correction)
    if deflection and corr == "NONE":
        raise PaledotError("light deflection needs a light-time correction: use LT, LT+S, CN or CN+S "
                           "with deflection, not NONE")
    eph, et, obs, resolved = resolve_request(observer, targets, t, ephemeris)
    return _solve(eph, et, obs, resolved, corr, deflection)


def frame_geometry(
    observer, targets, et: np.ndarray, correction: str, ephemeris: Ephemeris, aside: tuple[int, ...] = ()
) -> Geometry:
    """:func:`observe` for one rendered frame, keeping what its depth order and Sun check need.

    Besides the targets' apparent places, the result holds (``Geometry._plain``) each target's
    place without stellar aberration, from the same light-time solution, and (``_aside``) the
    bodies of ``aside`` (NAIF ids: the observer's planet, the Sun) seen with the same correction,
    apparent and without stellar aberration, with their light times. ``observer`` an observer
    object, ``et`` an ET array: the frame has resolved them already.
    """
    eph, et, obs, resolved = resolve_request(observer, targets, et, ephemeris)
    return _solve(eph, et, obs, resolved, normalise_correction(correction), False, keep_plain=True,
                  aside=aside)


def _solve(eph, et, obs, resolved, corr, deflection, keep_plain=False, aside=()) -> Geometry:
    """The light-time solutions of ``resolved`` from ``obs`` at ``et``, block by block."""
    names = [r.name for r in resolved]
    if len(set(names)) != len(names):
        raise PaledotError(f"a target is named twice in {names}: name each target once")
    obs_id = getattr(obs, "naif_id", None)
    for r in resolved:
        if obs_id is not None and r.naif_id == obs_id:
            raise PaledotError(f"the observer {obs.name!r} cannot also be a target")

    n_t, n = len(resolved), et.size
    position = np.empty((n_t, n, 3))
    light_time = np.empty((n_t, n))
    # with +S, the place before stellar aberration is one step of the same solution: keep it
    aberrate = keep_plain and corr.endswith("+S")
    plain = np.empty((n_t, n, 3)) if aberrate else None
    base = corr.replace("+S", "") if aberrate else corr
    # bodies aside, by their own NAIF id, each read through its ephemeris stand-in as targets are
    known = {r.body.naif_id for r in resolved} | {r.naif_id for r in resolved}
    aside = {x: eph.resolve(x).naif_id for x in dict.fromkeys(aside) if x not in known}
    extra = {x: (np.empty((n, 3)), np.empty((n, 3)), np.empty(n)) for x in aside}
    if getattr(obs, "naif_id", None) is None:  # spacecraft, sites...: their own vectorised state
        obs_pos, obs_vel = obs.state(eph, et)
    else:  # a body's centre: one Chebyshev chain, evaluated block by block with the targets
        obs_pos, obs_vel = np.empty((n, 3)), np.empty((n, 3))
    for b in _blocks(n):
        if getattr(obs, "naif_id", None) is not None:
            obs_pos[b], obs_vel[b] = obs.state(eph, et[b])
        ssb = eph.positions([r.naif_id for r in resolved], et[b])  # shared segments evaluated once
        for i, r in enumerate(resolved):
            position[i, b], light_time[i, b] = apparent_position(eph, r.naif_id, et[b], obs_pos[b],
                                                                 obs_vel[b], base, deflection, ssb[i])
            if aberrate:
                plain[i, b] = position[i, b]
                position[i, b] = stellar_aberration(plain[i, b], obs_vel[b])
        for x, (app, geo, lt) in extra.items():
            geo[b], lt[b] = apparent_position(eph, aside[x], et[b], obs_pos[b], obs_vel[b], base)
            app[b] = stellar_aberration(geo[b], obs_vel[b]) if aberrate else geo[b]

    notes = [getattr(obs, "note", "")] + [r.note for r in resolved]
    if deflection:
        notes.append("directions bent by the Sun's gravity (as Horizons and astropy; SPICE does not)")
    return Geometry(
        t=et,
        observer=obs.name,
        targets=tuple(resolved),
        correction=corr,
        ephemeris_files=tuple(eph.paths),
        _position=position,
        _light_time=light_time,
        notes=tuple(dict.fromkeys(x for x in notes if x)),
        _context=(eph, obs_pos, obs_vel, obs),
        deflection=bool(deflection),
        _plain=plain,
        _aside=extra,
    )
