"""The ``windows`` and ``campaign`` commands: when can a camera take the picture, and which frames to take.

Argument parsing and printing only; the work is in :mod:`paledot.plan`.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from .errors import PaledotError

_FORMATS = ("table", "csv", "json", "ecsv", "ics")


def add_commands(sub) -> None:
    """Register ``windows`` and ``campaign`` on the ``paledot`` sub-command parser."""
    w = sub.add_parser("windows", help="imaging windows: when every constraint holds (1 ms boundaries)")
    _common(w)
    w.add_argument("--format", default="table", choices=_FORMATS,
                   help=f"output format: {', '.join(_FORMATS)} (default table)")
    w.add_argument("--out", help="write the windows to this file instead of printing them")
    w.add_argument("--timeline", help="also draw a timeline PNG here (needs matplotlib)")
    w.add_argument("--overwrite", action="store_true", help="replace existing output files")
    w.set_defaults(func=_cmd_windows)

    c = sub.add_parser("campaign",
                       help="choose K frames in the windows covering the most of the Moon's orbit")
    _common(c)
    c.add_argument("--frames", type=int, required=True, help="how many frames (K)")
    c.add_argument("--min-spacing", help="least time between frames, e.g. 6.7h (default: the observer's "
                   "orbital period, one frame per orbit; 0 for a body centre)")
    c.add_argument("--candidate-step",
                   help="candidate epochs every this much inside the windows (default 1h)")
    c.add_argument("--compare", action="append", default=[],
                   help="a scenario (name or .toml) whose epochs to compare with, e.g. mex-2023; repeatable")
    c.add_argument("--name", default="plan", help="the plan scenario's name (default plan)")
    c.add_argument("--format", default="table", choices=("table", "json"),
                   help="what is printed: table (default) or json; the plan files are written either way")
    c.add_argument("--out", help="folder for plan.toml, plan.csv, plan.json, timeline.png "
                   "(default paledot-out/<name>)")
    c.add_argument("--overwrite", action="store_true", help="replace existing output files")
    c.set_defaults(func=_cmd_campaign)


def _common(p) -> None:
    from .corrections import CORRECTIONS

    p.add_argument("--observer", required=True,
                   help="body name or NAIF id; 'mars express'; or kepler:..., site:..., spice:..., "
                   "file:..., fixed:... (see paledot.observers.text)")
    p.add_argument("--target", action="append", required=True, help="body to image; repeatable")
    p.add_argument("--camera", help="camera for pixel limits and the field (catalogue name or .toml)")
    p.add_argument("--start", required=True, help="start of the search (ISO UTC, JD..., ET:...)")
    p.add_argument("--stop", required=True, help="end of the search")
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
    from .cli_scale import add_plan_parallel_options

    add_plan_parallel_options(p)  # --workers, --scheduler, --chunk, --chunk-dir (paledot.parallel)


def build_constraint(args, camera):
    """The constraint the options ask for (all of them together)."""
    from . import plan

    targets = list(dict.fromkeys(args.target))
    parts = []
    elong = args.sun_elongation_min
    if elong is None and camera is not None:
        elong = getattr(camera, "sun_exclusion_deg", None)
    if elong is not None:
        parts += [plan.sun_elongation(x, elong) for x in targets if x.lower() != "sun"]
    if args.not_hidden:
        parts += [plan.not_occulted(x, args.limb_margin) for x in targets]
    if args.separation_min is not None or args.separation_max is not None:
        if len(targets) < 2:
            raise PaledotError("a separation limit needs two --target bodies")
        cam = None
        if args.separation_unit == "px":
            cam = _need_camera(camera, "--separation-unit px")
        parts.append(plan.separation(targets[0], targets[1], args.separation_min, args.separation_max, cam))
    if args.in_fov:
        parts.append(plan.in_field(targets, _need_camera(camera, "--both-in-fov")))
    for x in targets:
        if args.phase_min is not None or args.phase_max is not None:
            parts.append(plan.phase_angle(x, args.phase_min, args.phase_max))
        if args.illuminated_min is not None:
            parts.append(plan.illuminated_fraction(x, args.illuminated_min))
        if args.magnitude_max is not None:
            parts.append(plan.magnitude(x, faintest=args.magnitude_max))
        if args.range_max is not None:
            parts.append(plan.range_km(x, max=args.range_max))
        if args.snr_min is not None:
            if not (math.isfinite(args.exposure) and args.exposure > 0):
                raise PaledotError(f"--exposure {args.exposure} ms must be positive")
            parts.append(plan.snr(x, _need_camera(camera, "--snr-min"), args.exposure / 1000, args.snr_min))
        if args.elevation_min is not None:
            parts.append(plan.elevation(x, args.elevation_min))
    if args.sun_below is not None:
        parts.append(plan.sun_below(args.sun_below))
    if not parts:
        raise PaledotError(
            "no constraint given: add e.g. --sun-elongation-min 30, --both-in-fov, --not-hidden")
    out = parts[0]
    for p in parts[1:]:
        out = out & p
    return out


def _has_matplotlib() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def _need_camera(camera, what: str):
    if camera is None:
        raise PaledotError(f"{what} needs --camera (see 'paledot cameras')")
    return camera


def _search(args):
    from .cameras import load_camera
    from .ephemeris import Ephemeris, default_ephemeris
    from .plan import find_windows

    camera = load_camera(args.camera) if args.camera else None
    if args.step is not None:
        from .timescales import parse_step

        parse_step(args.step)  # one-line error for 0s, -1d, ...
    eph = Ephemeris(args.ephemeris) if args.ephemeris else default_ephemeris()
    constraint = build_constraint(args, camera)
    from .cli_scale import parallel_windows

    found = parallel_windows(args)  # None unless --workers/--scheduler/$PALEDOT_SCHEDULER
    if found is None:
        found = find_windows(args.observer, constraint, args.start, args.stop, args.step, eph,
                             args.correction)
    return found, camera


def _cmd_windows(args) -> int:
    from .outputs import atomic_write_bytes, atomic_write_text, check_destination

    for path in (args.out, args.timeline):
        if path:
            check_destination(path, args.overwrite)
    if args.timeline and not _has_matplotlib():
        raise PaledotError("--timeline needs matplotlib: pip install 'paledot[report]'")
    windows, _ = _search(args)
    text = {"table": windows.to_text, "csv": windows.to_csv, "json": windows.to_json,
            "ecsv": windows.to_ecsv, "ics": windows.to_ics}[args.format]()
    if args.timeline:
        atomic_write_bytes(args.timeline, windows.timeline_png(), overwrite=args.overwrite)
    if args.out:
        atomic_write_text(args.out, text, overwrite=args.overwrite)
        also = f" and {args.timeline}" if args.timeline else ""
        print(f"wrote {args.out} ({len(windows)} window(s)){also}")
    else:
        sys.stdout.write(text)
    if not len(windows) and args.format != "table":
        print(f"paledot: no window: {windows.why_empty()}", file=sys.stderr)
    return 0


def _cmd_campaign(args) -> int:
    from .outputs import check_folder_destination, replace_folder
    from .plan.campaign import covered_share, design
    from .scenarios import load_scenario
    from .timescales import parse_step, to_et

    folder = Path(args.out) if args.out else Path("paledot-out") / args.name
    check_folder_destination(folder, args.overwrite)
    spacing = None
    if args.min_spacing is not None:
        spacing = 0.0 if args.min_spacing.strip() in ("0", "0s") else parse_step(args.min_spacing)
    cand = parse_step(args.candidate_step) if args.candidate_step else None
    compared = {}
    for name in args.compare:
        sc = load_scenario(name)
        compared[sc.name] = (covered_share(list(sc.epochs)), to_et(list(sc.epochs)))
    windows, camera = _search(args)
    plan = design(windows, args.frames, spacing, cand)
    plan.compare.update(compared)
    cam_name = args.camera or next((load_scenario(n).camera for n in args.compare), "generic-ccd")
    toml = plan.scenario_toml(args.name, cam_name, list(dict.fromkeys(args.target)), args.observer)
    png = None if not _has_matplotlib() else windows.timeline_png(
        title=f"{args.frames} frames covering {plan.share:.1%} of the Moon's orbit"
        + "".join(f"; {k} {v[0]:.1%}" for k, v in compared.items()),
        marks=plan.epochs, mark_labels=[f"frame {k + 1}" for k in range(len(plan.epochs))])
    files = {"plan.toml": toml.encode(), "plan.csv": plan.to_csv().encode(),
             "plan.json": plan.to_json().encode()}
    if png is None:
        print("paledot: warning: timeline.png needs matplotlib (pip install 'paledot[report]'): not drawn",
              file=sys.stderr)
    else:
        files["timeline.png"] = png

    def fill(tmp: Path) -> None:
        for name, data in files.items():
            (tmp / name).write_bytes(data)

    replace_folder(folder, fill, overwrite=args.overwrite)  # every file, or none
    sys.stdout.write(plan.to_json() if args.format == "json" else plan.to_text())
    if args.format != "json":
        print(f"wrote {folder}/plan.toml (render it: paledot reproduce {folder}/plan.toml), "
              + ", ".join(n for n in sorted(files) if n != "plan.toml"))
    return 0
