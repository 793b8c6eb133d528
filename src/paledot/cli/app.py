"""The ``paledot`` command: parse arguments, call the library, print. No physics lives here.

Every error a user can cause ends in one line ``paledot: error: ...`` and exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .._io.errors import PaledotError
from ..celestial.corrections import CORRECTIONS
from ..celestial.ephemeris import Ephemeris, default_ephemeris
from ..geometry.core import observe
from ..time.timescales import et_to_iso, grid, to_et

OBSERVER_HELP = ("who looks: a body name or NAIF id (its centre), 'mars express' (Kepler preset), "
                 "site:BODY,lat=DEG,lon=DEG_EAST[,alt=KM][,latitude=planetocentric], "
                 "kepler:BODY,peri_alt=KM,apo_alt=KM,i=DEG,node=DEG,argp=DEG,M=DEG,epoch=TIME, "
                 "spice:NAME,kernel=FILE (needs paledot[spice]), file:TRAJ.oem|.csv, "
                 "fixed:BODY,x=KM,y=KM,z=KM,source=TEXT (see paledot.observers.text)")
TIME_HELP = ("Times: ISO UTC 2023-05-15T14:08, with a UTC offset 2023-05-15T16:08+02:00, day of year "
             "2023-135T14:08, JD2460080.5, MJD60080.5 (UTC; JDTDB/MJDTDB for TDB), ET:<s past J2000>, now")

#: Epochs per piece when streaming CSV, ECSV or the table without --chunk.
STREAM_EPOCHS = 100_000
#: Above this many epochs a request must say how to stream them (``--chunk``).
MAX_EPOCHS_UNCHUNKED = 10_000_000


def _version() -> str:
    from .._io.version import version

    return version()


class _Version(argparse.Action):
    """--version, reading the installed version only when asked."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"paledot {_version()}")
        parser.exit()


class _Completion(argparse.Action):
    """--print-completion SHELL: shtab writes the script from this very parser."""

    def __call__(self, parser, namespace, values, option_string=None):
        _need("shtab", "completion", "--print-completion")
        import shtab

        print(shtab.complete(parser, shell=values))
        parser.exit()


#: Modules that bring their own subcommands (each has ``add_commands(sub)``).
COMMAND_MODULES = ("plan", "measure", "scale", "gallery")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        raise PaledotError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="paledot", description="Plan, simulate and measure pictures of Earth and Moon "
                "taken from other worlds.")
    p.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    p.add_argument("--print-completion", action=_Completion, choices=("bash", "zsh", "tcsh"),
                   help="print a shell completion script and exit (needs paledot[completion]), e.g. "
                        "paledot --print-completion bash > ~/.local/share/bash-completion/completions/"
                        "paledot")
    p.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    g = sub.add_parser("geometry", help="apparent geometry of targets from an observer")
    g.add_argument("--observer", required=True, help=OBSERVER_HELP)
    g.add_argument("--target", action="append", required=True,
                   help="body name or NAIF id; repeat for several (earth, moon, sun ...)")
    g.add_argument("--time", action="append", help="an epoch; repeatable. " + TIME_HELP)
    g.add_argument("--start", help="first epoch of a grid (any form --time takes)")
    g.add_argument("--stop", help="last epoch of a grid, included if the grid lands on it")
    g.add_argument("--step", default="1d",
                   help="grid step: 1d, 6h, 30min, 10s (default 1d); steps count UTC as JPL Horizons "
                        "does, so a daily grid stays on the same UTC time across leap seconds")
    g.add_argument("--correction", default="LT+S", type=str.upper,
                   help=f"aberration correction: {', '.join(CORRECTIONS)} (default LT+S)")
    g.add_argument("--deflection", action="store_true",
                   help="also bend light by the Sun's gravity, to match JPL Horizons' apparent places "
                        "near the Sun (off by default, as in SPICE); not with --correction NONE")
    g.add_argument("--format", default="table", choices=("table", "csv", "json", "ecsv"),
                   help="table for people (notes on stderr); csv (notes as # lines), json or ecsv "
                        "(astropy's: units and metadata kept) for machines")
    g.add_argument("--digits", default="fixed", choices=("fixed", "full"),
                   help="csv numbers: fixed decimals per unit, finer than the engine's accuracy "
                        "(default: deg 1e-10, arcsec 1e-7, km 1e-6, km/s 1e-9, s 1e-12, mag 1e-6), "
                        "or full: shortest round-trip floats (exact doubles, about 6x slower)")
    g.add_argument("--ephemeris", action="append", default=[],
                   help="extra SPK file(s), taking priority over DE440")
    g.add_argument("--chunk", type=int, help="stream the epochs in pieces of this many")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    g.add_argument("--out", help="write to this file (atomically: whole or not at all) instead of stdout")
    g.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    g.set_defaults(func=_cmd_geometry)

    r = sub.add_parser("render", help="render the frame a camera would record (or one per epoch of a "
                       "batch: several --time, --start/--stop/--step or --scenario)")
    r.add_argument("--observer", help="(required) " + OBSERVER_HELP)
    r.add_argument("--camera", help="(required) catalogue name (see 'paledot cameras'), a .toml file, "
                   "or a SPICE IK (.ti)")
    r.add_argument("--instrument", help="with an IK holding several cameras: NAIF name or id, "
                   "e.g. MEX_HRSC_SRC or -41220")
    r.add_argument("--time", action="append", help="the epoch; repeat for a batch. " + TIME_HELP)
    r.add_argument("--target", action="append", help="(required) body to draw; repeatable")
    r.add_argument("--pointing",
                   help="midpoint (default), a target, or RA,DEC in degrees; negative values are "
                        "fine: --pointing -57.5,-21.7")
    r.add_argument("--roll", type=float, default=0.0, help="image up from north toward east, deg")
    r.add_argument("--exposure",
                   help="'auto' or milliseconds (Scene(exposure=...) takes seconds or an astropy Quantity)")
    r.add_argument("--auto-fraction", type=float, default=0.7,
                   help="auto exposure: brightest peak as a fraction of full well (default 0.7)")
    r.add_argument("--seed", type=int, default=0, help="noise seed (same seed, same bytes)")
    r.add_argument("--no-noise", action="store_true", help="the expected frame, without noise")
    r.add_argument("--correction", default="LT+S", type=str.upper,
                   help=f"aberration correction: {', '.join(CORRECTIONS)} (default LT+S)")
    r.add_argument("--ephemeris", action="append", default=[],
                   help="extra SPK file(s), taking priority over DE440; repeatable")
    r.add_argument("--out", required=True, help="FITS file to write (a batch: the folder to write)")
    r.add_argument("--fits-kind", default="dn", choices=("dn", "electrons"),
                   help="FITS pixel values: dn (default, as the camera records) or electrons")
    r.add_argument("--png", nargs="?", const="", help="also write a PNG of the frame (a batch: give no "
                   "name; each frame's goes beside its FITS)")
    r.add_argument("--annotated", nargs="?", const="",
                   help="also write a PNG with Earth and Moon ringed and labelled (a batch: no name)")
    r.add_argument("--stretch", default="asinh", help="PNG stretch: linear, log, asinh (default), sqrt")
    r.add_argument("--overwrite", action="store_true", help="replace existing output files")
    r.add_argument("--no-stars", action="store_true", help="leave out the catalogue stars")
    r.add_argument("--star-mag-limit", help="draw stars brighter than this V (default: those that register)")
    r.add_argument("--skip-unmodelled", action="store_true",
                   help="leave out targets paledot has no brightness model for (default: an error)")
    r.add_argument("--format", default="text", choices=("text", "json"),
                   help="the per-body summary printed after writing: text (default) or json")
    importlib.import_module("paledot.render.batch").add_arguments(r)
    r.set_defaults(func=_cmd_render)

    c = sub.add_parser("cameras", help="list the camera catalogue")
    c.add_argument("--format", default="table", choices=("table", "csv", "json"),
                   help="table for people (default), csv or json")
    c.set_defaults(func=_cmd_cameras)

    rp = sub.add_parser("reproduce", help="rebuild a published campaign: frames, pictures, facts, claims")
    rp.add_argument("scenario", nargs="?", help="scenario name (see --list) or a scenario .toml file")
    rp.add_argument("--list", action="store_true", help="list the scenarios")
    rp.add_argument("--out", help="output folder (default paledot-out/<scenario>)")
    rp.add_argument("--time", action="append", help="replace the scenario's epochs; repeatable")
    rp.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    rp.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    rp.set_defaults(func=_cmd_reproduce)

    d = sub.add_parser("demo", help="the main job: reproduce mex-2023 into paledot-out/ "
                       "(needs paledot[report] for the orbit plot)")
    d.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    d.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    d.set_defaults(func=_cmd_demo)
    _add_observer_commands(sub)
    for module in COMMAND_MODULES:  # each adds its own subcommands
        importlib.import_module(f"paledot.cli.{module}").add_commands(sub)
    return p


# --- geometry ---------------------------------------------------------------------------------
#: JSON is built whole in memory; past this many epochs, CSV (which streams) is the format to use.
MAX_EPOCHS_JSON = 1_000_000


def _epoch_chunks(args) -> Iterator[np.ndarray]:
    """The requested epochs in pieces of ``--chunk`` (of STREAM_EPOCHS without it, JSON whole),
    built lazily."""
    return _epoch_plan(args)[1]


def _epoch_plan(args) -> tuple[int, Iterator[np.ndarray]]:
    """(number of epochs, the lazy pieces of :func:`_epoch_chunks`); checks everything first."""
    if args.time and (args.start or args.stop):
        raise PaledotError("give either --time or --start/--stop, not both")
    if args.chunk is not None and args.chunk <= 0:
        raise PaledotError(f"--chunk {args.chunk} must be a positive number of epochs")
    if args.time:
        et = to_et(args.time)
        count = et.size
    elif args.start and args.stop:
        limit = None if args.chunk else MAX_EPOCHS_UNCHUNKED
        steps = grid(args.start, args.stop, args.step, max_epochs=limit)
        et, count = None, steps.count
    else:
        raise PaledotError("give --time, or both --start and --stop")
    if args.format == "json" and count > MAX_EPOCHS_JSON:
        raise PaledotError(
            f"{count:,} epochs is too many for JSON, which is written whole: use --format csv, which streams"
        )
    # Without --chunk, stream in pieces anyway: memory stays bounded and the output is the same.
    chunk = args.chunk or (count if args.format == "json" else min(count, STREAM_EPOCHS))

    def pieces():
        for lo in range(0, count, chunk):
            hi = min(lo + chunk, count)
            yield et[lo:hi] if et is not None else steps.et(lo, hi)

    return count, pieces()


def _now_notes(args) -> list[str]:
    """A note stamping what 'now' meant, when a time was given as now."""
    given = [*(args.time or []), args.start or "", args.stop or ""]
    if not any(str(x).strip().lower() == "now" for x in given):
        return []
    return [f"'now' was {et_to_iso(to_et('now'), 3)[0]} UTC (the system clock when the command ran)"]


def _cmd_geometry(args) -> int:
    if args.out:
        from .._io.outputs import atomic_write, check_destination

        check_destination(args.out, args.overwrite)  # before any work

        def fill(tmp) -> None:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                _write_geometry(args, fh)

        atomic_write(args.out, fill, args.overwrite)
        return 0
    return _write_geometry(args, sys.stdout)


def _write_geometry(args, out) -> int:
    from ..geometry.tables import format_table, geometry_to_json, write_csv, write_ecsv

    eph = Ephemeris(args.ephemeris) if args.ephemeris else default_ephemeris()
    extra = _now_notes(args)
    first = True
    parts = []
    count, chunks = _epoch_plan(args)
    bar = None
    if count > STREAM_EPOCHS or (args.chunk and count > args.chunk):
        from .._io.progress import progress_bar

        bar = progress_bar(count, "geometry", not args.quiet, unit="epoch")
    for et in chunks:
        g = observe(args.observer, args.target, et, args.correction, eph, deflection=args.deflection)
        if args.format == "table":
            if first:
                for note in (*g.notes, *extra):
                    print(f"note: {note}", file=sys.stderr)
            out.write(format_table(g, header=first))
        elif args.format == "csv":
            write_csv(g, out, header=first, extra_notes=extra, digits=args.digits)
        elif args.format == "ecsv":
            write_ecsv(g, out, header=first, extra_notes=extra)
        else:
            parts.append(g)
        first = False
        if bar is not None:
            bar.update(et.size)
    if bar is not None:
        bar.close()
    if args.format == "json":
        merged = geometry_to_json(parts[0], extra)
        for g in parts[1:]:
            more = geometry_to_json(g)
            merged["rows"].extend(more["rows"])
            merged["pairs"].extend(more["pairs"])
        json.dump(merged, out, indent=1)
        out.write("\n")
    return 0


# --- render -----------------------------------------------------------------------------------
def _cmd_render(args) -> int:
    import warnings

    from .._io.outputs import atomic_write_group, check_destination
    from ..light.stars import check_mag_limit
    from ..render.batch import is_batch, run_command
    from ..render.files import STRETCHES, annotated_png_bytes, fits_bytes, png_bytes
    from ..render.frame import Pointing, RenderWarning, Scene, render
    from ..render.regions import region_path, region_text, regions_available

    if args.stretch not in STRETCHES:
        raise PaledotError(f"unknown stretch {args.stretch!r}: choose one of {', '.join(STRETCHES)}")
    if is_batch(args):
        if args.out and Path(args.out).suffix.lower() in (".fits", ".fit", ".fts"):
            raise PaledotError(f"--out {args.out!r} is the folder of a batch render (one FITS per epoch "
                               "goes into it): give a folder name, e.g. --out frames/")
        return run_command(args)
    _check_single_render(args)
    if args.out and Path(args.out).suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff"):
        raise PaledotError(f"--out {args.out!r} is where the FITS frame goes: name it .fits, and give "
                           "--png or --annotated for a picture")
    outputs = [p for p in (args.out, args.png, args.annotated) if p]
    for path in outputs + [region_path(args.out)]:  # refuse before any work: nothing half done
        check_destination(path, args.overwrite)
    if len({os.path.realpath(p) for p in outputs + [region_path(args.out)]}) != len(outputs) + 1:
        raise PaledotError("--out, --png, --annotated and the region file beside --out name the same "
                           "file: give each its own path")
    if args.seed < 0:
        raise PaledotError(f"--seed {args.seed} must be zero or a positive whole number")
    if args.exposure.lower() == "auto":
        exposure: str | float = "auto"
    else:
        try:
            exposure = float(args.exposure) / 1000.0
        except ValueError:
            raise PaledotError(f"exposure {args.exposure!r} must be 'auto' or milliseconds") from None
        if not math.isfinite(exposure) or exposure <= 0:
            raise PaledotError(f"exposure {args.exposure!r} ms must be a positive number")
        from ..render.batch import _at_most_a_day

        _at_most_a_day(args.exposure, exposure)
    eph = Ephemeris(args.ephemeris) if args.ephemeris else None
    from ..cameras import load_camera

    scene = Scene(args.time, args.observer, args.target, load_camera(args.camera, args.instrument),
                  Pointing.parse(args.pointing, args.roll), exposure, args.auto_fraction, args.seed,
                  args.correction, eph, noise=not args.no_noise, stars=not args.no_stars,
                  star_mag_limit=check_mag_limit(args.star_mag_limit),
                  skip_unmodelled=args.skip_unmodelled)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RenderWarning)
        frame = render(scene)
    nothing = frame.meta.get("nothing_seen", "")
    if nothing:  # one line that says it all; the warnings behind it would only repeat it
        raise PaledotError(f"{nothing}: nothing written")
    for w in caught:
        if issubclass(w.category, RenderWarning):
            print(f"paledot: warning: {w.message}", file=sys.stderr)
    items = [(args.out, fits_bytes(frame, args.fits_kind))]
    written = list(outputs)
    if regions_available():  # a DS9 region file beside the FITS, in the same all-or-nothing group
        items.append((region_path(args.out), region_text(frame).encode()))
        written.insert(1, region_path(args.out))
    else:
        print("paledot: warning: no DS9 region file: it needs pip install 'paledot[regions]'",
              file=sys.stderr)
    if args.png:
        items.append((args.png, png_bytes(frame, args.stretch)))
    if args.annotated:
        items.append((args.annotated, annotated_png_bytes(frame, args.stretch)))
    atomic_write_group(items, overwrite=args.overwrite)  # all of them, or none
    cam = frame.camera
    if args.format == "json":
        json.dump(_render_summary(frame, written), sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    when = et_to_iso(np.atleast_1d(frame.et), 3)[0]  # 'now' and ET:... said back as UTC
    print(f"{cam.title}: {cam.columns} x {cam.rows} px, {cam.pixel_scale_rad * 1e6:.3f} urad/px; "
          f"exposure {frame.exposure_s * 1e3:.4g} ms at {when} UTC (mid-exposure)")
    for b in frame.bodies:
        where = f"x {b.x:.2f}, y {b.y:.2f}" if b.in_frame else "outside the frame"
        print(f"  {b.name:<6} {where}; {b.diameter_px:.2f} px across, "
              f"{_per_px(b.range_km * cam.pixel_scale_rad)}; V {b.magnitude:.2f}; "
              f"{b.electrons:,.0f} e-, peak {b.peak_electrons:,.0f} e-"
              f"{' (saturated)' if b.saturated else ''}, SNR "
              f"{format(b.snr, '.1f') if math.isfinite(b.snr) else '-'}"
              + (f"; {1 - b.visible_fraction:.0%} hidden by {b.hidden_by}" if b.hidden_by else ""))
    if frame.stars is not None:
        print(f"  stars: {len(frame.stars)} drawn (V <= {frame.stars.v_limit:.1f})")
    print("wrote " + ", ".join(written))
    return 0


def _per_px(km: float) -> str:
    """A ground scale for people: km/px from 10 km up, else three figures, in m below 1 km."""
    if km >= 10:
        return f"{km:,.0f} km/px"
    return f"{km:.3g} km/px" if km >= 1 else f"{km * 1e3:.3g} m/px"


def _check_single_render(args) -> None:
    """One frame: the options a batch does not need are required; the batch's are refused."""
    if not (args.observer and args.camera and args.target and args.time):
        raise PaledotError("paledot render needs --observer, --camera, --target and --time "
                           "(or --start/--stop, several --time or --scenario for a batch)")
    args.time = args.time[0]
    for flag, value in (("--png", args.png), ("--annotated", args.annotated)):
        if value == "":
            raise PaledotError(f"{flag} needs a file name for a single frame")
    for flag, value in (("--workers", args.workers), ("--scheduler", args.scheduler),
                        ("--chunk-dir", args.chunk_dir)):
        if value is not None:
            raise PaledotError(f"{flag} is for a batch render (several --time, --start/--stop or --scenario)")
    args.pointing = "midpoint" if args.pointing is None else args.pointing
    args.exposure = "auto" if args.exposure is None else args.exposure


def _render_summary(frame, outputs) -> dict:
    """The per-body summary of a rendered frame, for machines (pixels 0-based x, y)."""
    cam = frame.camera
    return {
        "paledot": _version(), "camera": cam.title, "columns": cam.columns, "rows": cam.rows,
        "pixel_scale_urad": cam.pixel_scale_rad * 1e6, "exposure_ms": float(frame.exposure_s) * 1e3,
        "utc": et_to_iso(np.atleast_1d(frame.et), 3)[0], "et": float(frame.et),
        "files": [os.path.basename(p) for p in outputs],  # every file written, the region file too
        "stars": None if frame.stars is None else len(frame.stars),
        "bodies": [{"name": b.name, "in_frame": bool(b.in_frame), "x": float(b.column), "y": float(b.row),
                    "diameter_px": float(b.diameter_px), "km_per_px": float(b.range_km * cam.pixel_scale_rad),
                    "magnitude_v": float(b.magnitude), "electrons": float(b.electrons),
                    "peak_electrons": float(b.peak_electrons), "saturated": bool(b.saturated),
                    "snr": float(b.snr)} for b in frame.bodies],
    }


def _cmd_cameras(args) -> int:
    from ..cameras import list_cameras, load_camera

    rows = []
    for name, title in list_cameras().items():
        cam = load_camera(name)
        rows.append({"name": name, "title": title, "columns": cam.columns, "rows": cam.rows,
                     "pixel_scale_urad": cam.pixel_scale_rad * 1e6})
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: (repr(v) if isinstance(v, float) else v) for k, v in r.items()} for r in rows)
    else:
        for r in rows:
            print(f"{r['name']:<22} {r['title']} — {r['columns']}x{r['rows']} px, "
                  f"{r['pixel_scale_urad']:.3g} urad/px")
    return 0


def _need(module: str, extra: str, what: str) -> None:
    """Refuse at once, naming the extra to install, when an optional module is missing."""
    try:
        __import__(module)
    except ImportError:
        raise PaledotError(f"{what} needs {module}, which is not installed: "
                           f"pip install 'paledot[{extra}]'") from None


# --- reproduce and demo -----------------------------------------------------------------------
def _cmd_reproduce(args) -> int:
    from ..stories.reproduce import reproduce
    from ..stories.scenarios import list_scenarios

    if args.list or not args.scenario:
        for name, sc in list_scenarios().items():
            status = f"  [needs {sc.needs.split(':')[0]}]" if sc.needs else ""
            print(f"{name:<17} {sc.summary}{status}")
        return 0
    _need("matplotlib", "report", "paledot reproduce (the orbit plot)")
    result = reproduce(args.scenario, args.out, epochs=args.time, overwrite=args.overwrite,
                       progress=not args.quiet)
    _summary(result)
    return 0


def _summary(result) -> None:
    from ..stories.claims import span

    f = result.findings
    print(f"\n{result.folder}/ ({result.seconds:.1f} s):")
    for name in result.files:
        print(f"  {name}")
    rng = f.earth_range_km
    lo, hi = f"{rng.min():,.0f}", f"{rng.max():,.0f}"
    dist = lo if lo == hi else f"{lo} to {hi}"
    who = " ".join(w if w in ("at", "of", "on", "in", "the") else w[:1].upper() + w[1:]
                   for w in f.observer.split())  # 'Curiosity at Gale', not 'Curiosity At Gale'
    print(f"\nEarth from {who}: {dist} km; "
          f"{span(f.earth_diameter_px.min(), f.earth_diameter_px.max(), '.1f')} px across at "
          f"{span(f.km_per_px.min(), f.km_per_px.max(), ',.0f')} km/px"
          + (f"; the frames span {f.orbit_fraction:.0%} of the Moon's orbit." if f.earth_range_km.size > 1
             else "."))
    print("Claims:")
    width = max([18] + [len(v.verdict) for v in result.verdicts])  # a long verdict keeps the column
    for v in result.verdicts:
        print(f"  {v.verdict:<{width}}  {v.claim}  ({v.computed})")
    for note in result.notes:
        print(f"note: {note}")


def _cmd_demo(args) -> int:
    from ..stories.reproduce import reproduce

    _need("matplotlib", "report", "paledot demo (the orbit plot)")
    _summary(reproduce("mex-2023", overwrite=args.overwrite, progress=not args.quiet))
    return 0


# --- observers: visibility (issue 5) ---------------------------------------------------------------

def _add_observer_commands(sub) -> None:
    v = sub.add_parser("visibility", help="when a target is clear of the observer's planet: spans per day")
    v.add_argument("--observer", required=True, help=OBSERVER_HELP)
    v.add_argument("--target", required=True, help="body name or NAIF id, e.g. earth")
    v.add_argument("--start", help="first epoch of the search")
    v.add_argument("--stop", help="last epoch of the search")
    v.add_argument("--around", action="append",
                   help="search --window either side of this epoch instead; repeatable")
    v.add_argument("--window", default="12h", help="half-width for --around (default 12h)")
    v.add_argument("--step", default="1min", help="scan step (default 1min)")
    v.add_argument("--occulter", help="body that may hide the target (default: the observer's planet)")
    v.add_argument("--centre-only", action="store_true",
                   help="count the target visible when its centre is clear (default: the whole disk)")
    v.add_argument("--correction", default="LT+S", type=str.upper,
                   help=f"aberration correction: {', '.join(CORRECTIONS)} (default LT+S)")
    v.add_argument("--format", default="table", choices=("table", "csv", "json"),
                   help="table for people (default), csv of the spans, or json with the per-day summary")
    v.add_argument("--ephemeris", action="append", default=[],
                   help="extra SPK file(s), taking priority over DE440")
    v.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    v.set_defaults(func=_cmd_visibility)


def _visibility_windows(args) -> list[tuple[float, float, float | None]]:
    from ..time.timescales import parse_step

    if args.around and (args.start or args.stop):
        raise PaledotError("give either --around or --start/--stop, not both")
    if args.around:
        half = parse_step(args.window)
        return [(float(e) - half, float(e) + half, float(e)) for e in to_et(args.around)]
    if not (args.start and args.stop):
        raise PaledotError("give --start and --stop, or --around <time> (repeatable)")
    return [(float(to_et(args.start)[0]), float(to_et(args.stop)[0]), None)]


def _cmd_visibility(args) -> int:
    from ..geometry.occultation import occultation
    from ..geometry.visibility import visible_spans
    from ..observers import as_observer

    eph = Ephemeris(args.ephemeris) if args.ephemeris else default_ephemeris()
    obs = as_observer(args.observer, eph)
    from .._io.progress import progress_bar

    results = []
    windows = _visibility_windows(args)
    # weighted by the hours each window scans, which is what the time goes into
    bar = progress_bar(round(sum(hi - lo for lo, hi, _ in windows) / 3600), "visibility", not args.quiet,
                       unit="h")
    for lo, hi, centre in windows:
        vis = visible_spans(obs, args.target, f"ET:{lo!r}", f"ET:{hi!r}", args.step, args.correction, eph,
                            args.occulter, whole=not args.centre_only)
        at = None
        if centre is not None:
            occ = occultation(obs, [args.target], np.array([centre]), args.correction, eph, args.occulter)
            at = (centre, int(occ.state[0, 0]), float(occ.limb_height.to_value("deg")[0, 0]))
        results.append((vis, at))
        bar.update(round((hi - lo) / 3600))
    bar.close()
    out = sys.stdout
    if args.format == "json":
        json.dump([_visibility_json(v, at) for v, at in results], out, indent=1)
        out.write("\n")
    elif args.format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["observer", "target", "occulter", "start_utc", "stop_utc", "start_et", "stop_et",
                         "duration_s"])
        for vis, _ in results:
            for a, b in vis.spans:
                writer.writerow([vis.observer, vis.target, vis.occulter, et_to_iso(a, 1)[0],
                                 et_to_iso(b, 1)[0], repr(float(a)), repr(float(b)), repr(float(b - a))])
    else:
        for k, (vis, at) in enumerate(results):
            out.write(format_visibility(vis, at, header=(k == 0), step=args.step,
                                        correction=args.correction))
    return 0


def _visibility_json(vis, at) -> dict:
    from ..geometry.occultation import STATE_NAMES

    doc = {
        "paledot": _version(), "observer": vis.observer, "target": vis.target,
        "occulter": vis.occulter, "whole_disk": vis.whole, "notes": list(vis.notes),
        "start_et": vis.start, "stop_et": vis.stop,
        "spans": [{"start_utc": et_to_iso(a, 1)[0], "stop_utc": et_to_iso(b, 1)[0],
                   "start_et": float(a), "stop_et": float(b), "duration_s": float(b - a)}
                  for a, b in vis.spans],
        "per_day": [{"date": str(r["date"]), "searched_min": float(r["searched"].value),
                     "visible_min": float(r["visible"].value), "spans": int(r["spans"])}
                    for r in vis.per_day()],
    }
    if at is not None:
        doc["at"] = {"utc": et_to_iso(at[0], 0)[0], "state": STATE_NAMES[at[1]], "limb_height_deg": at[2]}
    return doc


def format_visibility(vis, at=None, header: bool = True, step: str = "", correction: str = "") -> str:
    """Visible spans and a per-day summary, for people."""
    from ..geometry.occultation import STATE_NAMES

    lines = []
    if header:
        lines.append(f"observer {vis.observer} · target {vis.target} · occulter {vis.occulter} · "
                     f"{'whole disk' if vis.whole else 'centre'} clear counts as visible · step {step} · "
                     f"correction {correction}")
        lines.extend(f"note: {n}" for n in vis.notes)
    lines.append("")
    lines.append(f"window {et_to_iso(vis.start)[0]} to {et_to_iso(vis.stop)[0]} UTC")
    if at is not None:
        lines.append(f"at {et_to_iso(at[0])[0]} UTC: {vis.target} {STATE_NAMES[at[1]]}"
                     f"{' (hidden)' if at[1] else ''}, {at[2]:+.3f} deg from the limb")
    lines.append(f"  {'visible from (UTC)':<21}  {'to (UTC)':<21}  {'minutes':>8}")
    for a, b in vis.spans:
        lines.append(f"  {et_to_iso(a, 1)[0].replace('T', ' '):<21}  "
                     f"{et_to_iso(b, 1)[0].replace('T', ' '):<21}  {(b - a) / 60:>8.1f}")
    if not len(vis.spans):
        lines.append("  (never visible in this window)")
    lines.append(f"  {'date':<10}  {'searched min':>12}  {'visible min':>11}  {'spans':>5}  {'visible %':>9}")
    for r in vis.per_day():
        lines.append(f"  {r['date']:<10}  {r['searched'].value:>12.1f}  {r['visible'].value:>11.1f}  "
                     f"{r['spans']:>5d}  {100 * r['fraction']:>9.1f}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    # argparse would read a value like "-1d" as an option; glue it to its flag so the value
    # reaches our own check, which names it.
    for i in range(len(argv) - 1):
        if argv[i] in ("--step", "--chunk", "--time", "--start", "--stop", "--pointing", "--around",
                       "--window", "--instrument") and argv[i + 1][:1] == "-":
            argv[i : i + 2] = [f"{argv[i]}={argv[i + 1]}", ""]
    argv = [a for a in argv if a != ""]
    from .._io.interrupts import quiet_boundary

    with quiet_boundary(debug) as outcome:
        args = _parser().parse_args(argv)
        return args.func(args)
    return outcome.code


if __name__ == "__main__":
    sys.exit(main())
