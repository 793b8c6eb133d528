"""``paledot view``: one self-contained HTML page to scrub time over a scenario or a span, or the same
page served locally (``--serve``) with frames rendered on demand. Parsing and printing only; the
work is in :mod:`paledot.view`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .._io.errors import PaledotError
from ..plan.options import add_constraint_options

#: The constraint options (dest names) of ``windows``: any of them given replaces the default.
_CONSTRAINT_DESTS = ("sun_elongation_min", "not_hidden", "separation_min", "separation_max", "in_fov",
                     "phase_max", "phase_min", "illuminated_min", "magnitude_max", "range_max", "snr_min",
                     "elevation_min", "sun_below")


def add_commands(sub) -> None:
    """Register ``view``."""
    v = sub.add_parser(
        "view", help="a self-contained HTML page to scrub time: frame, sky, numbers, windows, claims",
        description="Write one offline HTML page (no network: everything inlined) with a time slider "
        "over a scenario's span or --start/--stop, showing the frame paledot renders, the sky around "
        "the boresight, the numbers of 'paledot geometry', the windows of 'paledot windows' for the "
        "constraints given (default: every target in the field, clear of the camera's Sun exclusion), "
        "the Moon's orbit and a scenario's claims. --serve serves it locally, rendering frames on demand.")
    v.add_argument("scenario", nargs="?", help="a scenario name or .toml (see paledot reproduce --list)")
    add_constraint_options(v, required=False, scan_step=False)
    v.add_argument("--step", dest="view_step",
                   help="slider step, e.g. 6h (default: the scenario's animation step, else the finest "
                   "of 1min..30d giving at most 100 steps)")
    v.add_argument("--pointing", help="midpoint (default), a target's name, or RA,DEC in degrees")
    v.add_argument("--roll", type=float, default=0.0, help="camera roll, deg from north through east")
    v.add_argument("--seed", type=int, default=0, help="noise seed of every frame (default 0)")
    v.add_argument("--no-stars", action="store_true", help="frames without catalogue stars")
    v.add_argument("--frames", type=int, help="also design a campaign of this many frames in the windows "
                   "and mark them (as 'paledot campaign' does)")
    v.add_argument("--out", help="the page's file (default paledot-out/view-<scenario>.html or "
                   "paledot-out/view.html)")
    v.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    v.add_argument("--serve", action="store_true",
                   help="serve the page on http://127.0.0.1:PORT/ and render frames on demand (Ctrl-C stops)")
    v.add_argument("--port", type=int, default=8022,
                   help="with --serve: the port (default 8022; 0: any free one)")
    v.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    v.set_defaults(func=_cmd_view)


def _given_constraint(args) -> bool:
    defaults = {"not_hidden": False, "in_fov": False}
    return any(getattr(args, d) not in (None, defaults.get(d)) for d in _CONSTRAINT_DESTS)


def spec_from_args(args: argparse.Namespace):
    """The :class:`~paledot.view.ViewSpec` the options ask for (one-line errors naming bad values)."""
    from ..cameras import load_camera
    from ..plan.options import build_constraint
    from ..view import spec_from_options, spec_from_scenario

    if args.port is not None and not 0 <= args.port <= 65535:
        raise PaledotError(f"--port {args.port} must be 0-65535")
    if args.seed < 0:
        raise PaledotError(f"--seed {args.seed} must be zero or a positive whole number")
    if args.frames is not None and args.frames < 1:
        raise PaledotError(f"--frames {args.frames} must be at least 1")
    more = dict(seed=args.seed, stars=not args.no_stars, frames=args.frames, roll_deg=args.roll)
    if args.pointing:
        from ..render.scene import Pointing

        Pointing.parse(args.pointing)  # one-line error for a bad RA,DEC
        more["pointing"] = args.pointing
    if args.scenario:
        if args.observer or args.target:
            raise PaledotError("give a scenario or --observer/--target, not both")
        spec = spec_from_scenario(args.scenario, args.start, args.stop, args.view_step, **more)
        if args.pointing:  # one pointing for every step, over the scenario's own
            from dataclasses import replace

            spec = replace(spec, pointings=())
    else:
        missing = [f"--{n}" for n in ("observer", "camera", "target", "start", "stop")
                   if not getattr(args, n)]
        if missing:
            raise PaledotError("give a scenario (see paledot reproduce --list), or " + ", ".join(missing))
        spec = spec_from_options(args.observer, args.camera, args.target, args.start, args.stop,
                                 args.view_step, **more)
    camera_name = args.camera or spec.camera
    if args.camera and args.scenario:
        from dataclasses import replace

        spec = replace(spec, camera=args.camera)
    if _given_constraint(args):
        from dataclasses import replace

        args.target = list(spec.targets)
        spec = replace(spec, constraint=build_constraint(args, load_camera(camera_name)))
    return spec


def _default_out(args) -> Path:
    name = Path(args.scenario).stem if args.scenario else ""
    return Path("paledot-out") / (f"view-{name}.html" if name else "view.html")


def _cmd_view(args) -> int:
    from .._io.outputs import atomic_write_text, check_destination

    spec = spec_from_args(args)
    if args.serve:
        from ..view.serve import serve

        return serve(spec, args.port, progress=not args.quiet)
    out = Path(args.out) if args.out else _default_out(args)
    if not args.out:
        out.parent.mkdir(exist_ok=True)
    check_destination(out, args.overwrite)  # before any work
    from ..view import build_page

    text = build_page(spec, progress=not args.quiet)
    atomic_write_text(out, text, overwrite=args.overwrite)
    print(f"wrote {out} ({len(text.encode()) / 1e6:.1f} MB): open it in a browser, no network needed",
          file=sys.stdout)
    return 0
