"""The constraint a set of option values asks for: the bridge between the ``windows``/``campaign``
options (or a sweep's spec, which carries the same names) and :mod:`paledot.plan.constraints`.

It defines the options (:func:`add_constraint_options`) and reads their values back from any object
with the option names (an ``argparse.Namespace``, a sweep's spec).
"""

from __future__ import annotations

import math

from .._io.errors import PaledotError


def build_constraint(args, camera):
    """The constraint the options ask for (all of them together)."""
    from . import constraints  # here, not at the top: registering the options must stay light

    targets = list(dict.fromkeys(args.target))
    parts = []
    elong = args.sun_elongation_min
    if elong is None and camera is not None:
        elong = getattr(camera, "sun_exclusion_deg", None)
    if elong is not None:
        parts += [constraints.sun_elongation(x, elong) for x in targets if x.lower() != "sun"]
    if args.not_hidden:
        parts += [constraints.not_occulted(x, args.limb_margin) for x in targets]
    if args.separation_min is not None or args.separation_max is not None:
        if len(targets) < 2:
            raise PaledotError("a separation limit needs two --target bodies")
        cam = None
        if args.separation_unit == "px":
            cam = _need_camera(camera, "--separation-unit px")
        parts.append(constraints.separation(targets[0], targets[1], args.separation_min,
                                            args.separation_max, cam))
    if args.in_fov:
        parts.append(constraints.in_field(targets, _need_camera(camera, "--both-in-fov")))
    for x in targets:
        if args.phase_min is not None or args.phase_max is not None:
            parts.append(constraints.phase_angle(x, args.phase_min, args.phase_max))
        if args.illuminated_min is not None:
            parts.append(constraints.illuminated_fraction(x, args.illuminated_min))
        if args.magnitude_max is not None:
            parts.append(constraints.magnitude(x, faintest=args.magnitude_max))
        if args.range_max is not None:
            parts.append(constraints.range_km(x, max=args.range_max))
        if args.snr_min is not None:
            if not (math.isfinite(args.exposure) and args.exposure > 0):
                raise PaledotError(f"--exposure {args.exposure} ms must be positive")
            cam = _need_camera(camera, "--snr-min")
            parts.append(constraints.snr(x, cam, args.exposure / 1000, args.snr_min))
        if args.elevation_min is not None:
            parts.append(constraints.elevation(x, args.elevation_min))
    if args.sun_below is not None:
        parts.append(constraints.sun_below(args.sun_below))
    if not parts:
        raise PaledotError(
            "no constraint given: add e.g. --sun-elongation-min 30, --both-in-fov, --not-hidden")
    out = parts[0]
    for p in parts[1:]:
        out = out & p
    return out


def _need_camera(camera, what: str):
    if camera is None:
        raise PaledotError(f"{what} needs --camera (see 'paledot cameras')")
    return camera


def add_constraint_options(p, required: bool = True, scan_step: bool = True) -> None:
    """The observer, targets, span and constraint options of ``windows``, ``campaign`` and a sweep's
    constraint sets, added to the argparse parser ``p``; ``required=False`` leaves the observer,
    targets and span optional and ``scan_step=False`` leaves out ``--step`` (``view`` takes them
    from a scenario, and its step is the slider's)."""
    from ..celestial.corrections import CORRECTIONS

    p.add_argument("--observer", required=required,
                   help="body name or NAIF id; 'mars express'; or kepler:..., site:..., spice:..., "
                   "file:..., fixed:... (see paledot.observers.text)")
    p.add_argument("--target", action="append", required=required, help="body to image; repeatable")
    p.add_argument("--camera", help="camera for pixel limits and the field (catalogue name or .toml)")
    p.add_argument("--start", required=required, help="start of the search (ISO UTC, JD..., ET:...)")
    p.add_argument("--stop", required=required, help="end of the search")
    if scan_step:
        p.add_argument("--step", help="coarse scan step for every constraint (default: derived from each)")
    p.add_argument("--sun-elongation-min", type=float,
                   help="each target at least this far from the Sun, deg (default: the camera's "
                   "Sun exclusion angle, if its file gives one)")
    p.add_argument("--not-hidden", action="store_true",
                   help="each target wholly clear of the observer's planet (orbiters, sites)")
    p.add_argument("--limb-margin", type=float, default=0.0, help="with --not-hidden: clearance, deg")
    p.add_argument("--separation-min", type=float, help="first two targets at least this far apart")
    p.add_argument("--separation-max", type=float, help="first two targets at most this far apart")
    p.add_argument("--separation-unit", default="deg", choices=("deg", "px"),
                   help="unit of the separation limits (px needs --camera)")
    p.add_argument("--both-in-fov", "--all-in-fov", dest="in_fov", action="store_true",
                   help="all targets inside the camera's field at once (needs --camera)")
    p.add_argument("--phase-max", type=float, help="each target's phase angle at most this, deg")
    p.add_argument("--phase-min", type=float, help="each target's phase angle at least this, deg")
    p.add_argument("--illuminated-min", type=float, help="each target's sunlit fraction at least this (0-1)")
    p.add_argument("--magnitude-max", type=float, help="each target at least this bright (V)")
    p.add_argument("--range-max", type=float, help="each target at most this far, km")
    p.add_argument("--snr-min", type=float, help="each target's predicted SNR at least this (needs --camera)")
    p.add_argument("--exposure", type=float, default=10.0, help="exposure for --snr-min, ms (default 10)")
    p.add_argument("--elevation-min", type=float, help="at a site: each target at least this high, deg")
    p.add_argument("--sun-below", type=float,
                   help="at a site: the Sun at least this far below the horizon, deg")
    p.add_argument("--correction", default="LT+S", type=str.upper,
                   help=f"aberration correction: {', '.join(CORRECTIONS)} (default LT+S)")
    p.add_argument("--ephemeris", action="append", default=[], help="extra SPK file(s)")
