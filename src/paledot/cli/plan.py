"""The ``windows`` and ``campaign`` commands: when can a camera take the picture, and which frames to take.

Argument parsing and printing only; the work is in :mod:`paledot.plan`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .._io.errors import PaledotError
from ..plan.options import add_constraint_options

_FORMATS = ("table", "csv", "json", "ecsv", "ics")


def add_commands(sub) -> None:
    """Register ``windows`` and ``campaign`` on the ``paledot`` sub-command parser."""
    from .scale import add_plan_parallel_options

    w = sub.add_parser("windows", help="imaging windows: when every constraint holds (1 ms boundaries)")
    add_constraint_options(w)
    add_plan_parallel_options(w)  # --workers, --scheduler, --chunk, --chunk-dir
    w.add_argument("--format", default="table", choices=_FORMATS,
                   help=f"output format: {', '.join(_FORMATS)} (default table)")
    w.add_argument("--out", help="write the windows to this file instead of printing them")
    w.add_argument("--timeline", help="also draw a timeline PNG here (needs matplotlib)")
    w.add_argument("--overwrite", action="store_true", help="replace existing output files")
    w.set_defaults(func=_cmd_windows)

    c = sub.add_parser("campaign",
                       help="choose K frames in the windows covering the most of the Moon's orbit")
    add_constraint_options(c)
    add_plan_parallel_options(c)
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


def _has_matplotlib() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def _search(args):
    from ..cameras import load_camera
    from ..celestial.ephemeris import Ephemeris, default_ephemeris
    from ..plan import find_windows
    from ..plan.options import build_constraint

    camera = load_camera(args.camera) if args.camera else None
    if args.step is not None:
        from ..time.timescales import parse_step

        parse_step(args.step)  # one-line error for 0s, -1d, ...
    eph = Ephemeris(args.ephemeris) if args.ephemeris else default_ephemeris()
    constraint = build_constraint(args, camera)
    from .scale import parallel_windows

    found = parallel_windows(args)  # None unless --workers/--scheduler/$PALEDOT_SCHEDULER
    if found is None:
        found = find_windows(args.observer, constraint, args.start, args.stop, args.step, eph,
                             args.correction)
    return found, camera


def _cmd_windows(args) -> int:
    from .._io.outputs import atomic_write_bytes, atomic_write_text, check_destination

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
    from .._io.outputs import check_folder_destination, replace_folder
    from ..plan.campaign import covered_share, design
    from ..stories.scenarios import load_scenario
    from ..time.timescales import parse_step, to_et

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", args.name):
        raise PaledotError(f"--name {args.name!r} must be a plain name (letters, digits, '.', '_', '-'): "
                           "it names the scenario and its folder under paledot-out/")
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
        print(f"wrote {folder}/plan.toml (render it: paledot reproduce {folder}/plan.toml "
              f"--out {folder}-frames), "
              + ", ".join(n for n in sorted(files) if n != "plan.toml"))
    return 0
