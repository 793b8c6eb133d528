"""The ``paledot`` command: parse arguments, call the library, print. No physics lives here.

Every error a user can cause ends in one line ``paledot: error: ...`` and exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from collections.abc import Iterator

import numpy as np

from . import __version__
from .corrections import CORRECTIONS
from .ephemeris import Ephemeris, default_ephemeris
from .errors import PaledotError
from .geometry import observe
from .tables import format_csv, format_table, geometry_to_json
from .timescales import et_to_iso, grid_spec, to_et

#: Above this many epochs a request must say how to stream them (``--chunk``).
MAX_EPOCHS_UNCHUNKED = 10_000_000


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        raise PaledotError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="paledot", description="Plan, simulate and measure pictures of Earth and Moon "
                "taken from other worlds.")
    p.add_argument("--version", action="version", version=f"paledot {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    g = sub.add_parser("geometry", help="apparent geometry of targets from an observer")
    g.add_argument("--observer", required=True, help="body name or NAIF id, e.g. mars")
    g.add_argument("--target", action="append", required=True,
                   help="body name or NAIF id; repeat for several (earth, moon, sun ...)")
    g.add_argument("--time", action="append", help="an epoch (ISO UTC, JD..., ET:...); repeatable")
    g.add_argument("--start", help="first epoch of a grid")
    g.add_argument("--stop", help="last epoch of a grid (inclusive)")
    g.add_argument("--step", default="1d", help="grid step: 1d, 6h, 30min, 10s (default 1d)")
    g.add_argument("--correction", default="LT+S", type=str.upper,
                   help=f"aberration correction: {', '.join(CORRECTIONS)} (default LT+S)")
    g.add_argument("--format", default="table", choices=("table", "csv", "json"))
    g.add_argument("--ephemeris", action="append", default=[],
                   help="extra SPK file(s), taking priority over DE440")
    g.add_argument("--chunk", type=int, help="stream the epochs in pieces of this many")
    g.add_argument("--out", help="write to this file (atomically: whole or not at all) instead of stdout")
    g.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    g.set_defaults(func=_cmd_geometry)

    r = sub.add_parser("render", help="render the frame a camera would record")
    r.add_argument("--observer", required=True, help="body name or NAIF id, e.g. mars")
    r.add_argument("--camera", required=True, help="catalogue name (see 'paledot cameras') or a .toml file")
    r.add_argument("--time", required=True, help="the epoch (ISO UTC, JD..., ET:...)")
    r.add_argument("--target", action="append", required=True, help="body to draw; repeatable")
    r.add_argument("--pointing", default="midpoint", help="midpoint (default), a target, or RA,DEC deg")
    r.add_argument("--roll", type=float, default=0.0, help="image up from north toward east, deg")
    r.add_argument("--exposure", default="auto", help="'auto' or milliseconds")
    r.add_argument("--auto-fraction", type=float, default=0.7,
                   help="auto exposure: brightest peak as a fraction of full well (default 0.7)")
    r.add_argument("--seed", type=int, default=0, help="noise seed (same seed, same bytes)")
    r.add_argument("--no-noise", action="store_true", help="the expected frame, without noise")
    r.add_argument("--correction", default="LT+S", type=str.upper)
    r.add_argument("--ephemeris", action="append", default=[])
    r.add_argument("--out", required=True, help="FITS file to write")
    r.add_argument("--fits-kind", default="dn", choices=("dn", "electrons"))
    r.add_argument("--png", help="also write a PNG of the frame")
    r.add_argument("--annotated", help="also write a PNG with Earth and Moon ringed and labelled")
    r.add_argument("--stretch", default="asinh", help="PNG stretch: linear, log, asinh, sqrt")
    r.add_argument("--overwrite", action="store_true", help="replace existing output files")
    r.set_defaults(func=_cmd_render)

    c = sub.add_parser("cameras", help="list the camera catalogue")
    c.set_defaults(func=_cmd_cameras)

    rp = sub.add_parser("reproduce", help="rebuild a published campaign: frames, pictures, facts, claims")
    rp.add_argument("scenario", nargs="?", help="scenario name (see --list) or a scenario .toml file")
    rp.add_argument("--list", action="store_true", help="list the scenarios")
    rp.add_argument("--out", help="output folder (default paledot-out/<scenario>)")
    rp.add_argument("--time", action="append", help="replace the scenario's epochs; repeatable")
    rp.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    rp.add_argument("--quiet", action="store_true", help="no progress bar")
    rp.set_defaults(func=_cmd_reproduce)

    d = sub.add_parser("demo", help="the main job: reproduce mex-2023 into paledot-out/")
    d.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    d.set_defaults(func=_cmd_demo)
    _add_observer_commands(sub)
    return p


# --- geometry ---------------------------------------------------------------------------------
#: JSON is built whole in memory; past this many epochs, CSV (which streams) is the format to use.
MAX_EPOCHS_JSON = 1_000_000


def _epoch_chunks(args) -> Iterator[np.ndarray]:
    """The requested epochs in pieces of ``--chunk`` (all at once without it), built lazily."""
    if args.time and (args.start or args.stop):
        raise PaledotError("give either --time or --start/--stop, not both")
    if args.chunk is not None and args.chunk <= 0:
        raise PaledotError(f"--chunk {args.chunk} must be a positive number of epochs")
    if args.time:
        et = to_et(args.time)
        first, seconds, count = 0.0, 0.0, et.size
    elif args.start and args.stop:
        limit = None if args.chunk else MAX_EPOCHS_UNCHUNKED
        first, seconds, count = grid_spec(args.start, args.stop, args.step, max_epochs=limit)
        et = None
    else:
        raise PaledotError("give --time, or both --start and --stop")
    if args.format == "json" and count > MAX_EPOCHS_JSON:
        raise PaledotError(
            f"{count:,} epochs is too many for JSON, which is written whole: use --format csv, which streams"
        )
    chunk = args.chunk or count
    for lo in range(0, count, chunk):
        hi = min(lo + chunk, count)
        yield et[lo:hi] if et is not None else first + seconds * np.arange(lo, hi, dtype=np.float64)


def _cmd_geometry(args) -> int:
    if args.out:
        from .outputs import atomic_write, check_destination

        check_destination(args.out, args.overwrite)  # before any work

        def fill(tmp) -> None:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                _write_geometry(args, fh)

        atomic_write(args.out, fill, args.overwrite)
        return 0
    return _write_geometry(args, sys.stdout)


def _write_geometry(args, out) -> int:
    eph = Ephemeris(args.ephemeris) if args.ephemeris else default_ephemeris()
    first = True
    json_parts: list[dict] = []
    for et in _epoch_chunks(args):
        g = observe(args.observer, args.target, et, args.correction, eph)
        if args.format == "table":
            out.write(format_table(g, header=first))
        elif args.format == "csv":
            out.write(format_csv(g, header=first))
        else:
            json_parts.append(geometry_to_json(g))
        first = False
    if args.format == "json":
        merged = json_parts[0]
        for part in json_parts[1:]:
            merged["rows"].extend(part["rows"])
            merged["pairs"].extend(part["pairs"])
        json.dump(merged, out, indent=1)
        out.write("\n")
    return 0


# --- render -----------------------------------------------------------------------------------
def _cmd_render(args) -> int:
    import warnings

    from .frames import STRETCHES, annotated_png_bytes, fits_bytes, png_bytes
    from .outputs import atomic_write_group, check_destination
    from .render import Pointing, RenderWarning, Scene, render

    if args.stretch not in STRETCHES:
        raise PaledotError(f"unknown stretch {args.stretch!r}: choose one of {', '.join(STRETCHES)}")
    outputs = [p for p in (args.out, args.png, args.annotated) if p]
    for path in outputs:  # refuse before any work, so nothing is half done
        check_destination(path, args.overwrite)
    if len({os.path.realpath(p) for p in outputs}) != len(outputs):
        raise PaledotError("--out, --png and --annotated name the same file: give each its own path")
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
    eph = Ephemeris(args.ephemeris) if args.ephemeris else None
    scene = Scene(args.time, args.observer, args.target, args.camera,
                  Pointing.parse(args.pointing, args.roll), exposure, args.auto_fraction, args.seed,
                  args.correction, eph, noise=not args.no_noise)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RenderWarning)
        frame = render(scene)
    for w in caught:
        if issubclass(w.category, RenderWarning):
            print(f"paledot: warning: {w.message}", file=sys.stderr)
    items = [(args.out, fits_bytes(frame, args.fits_kind))]
    if args.png:
        items.append((args.png, png_bytes(frame, args.stretch)))
    if args.annotated:
        items.append((args.annotated, annotated_png_bytes(frame, args.stretch)))
    atomic_write_group(items, overwrite=args.overwrite)  # all of them, or none
    cam = frame.camera
    print(f"{cam.title}: {cam.columns} x {cam.rows} px, {cam.pixel_scale_rad * 1e6:.3f} urad/px; "
          f"exposure {frame.exposure_s * 1e3:.4g} ms")
    for b in frame.bodies:
        where = f"column {b.column:.2f}, row {b.row:.2f}" if b.in_frame else "outside the frame"
        print(f"  {b.name:<6} {where}; {b.diameter_px:.2f} px across, "
              f"{b.range_km * cam.pixel_scale_rad:,.0f} km/px; V {b.magnitude:.2f}; "
              f"{b.electrons:,.0f} e-, peak {b.peak_electrons:,.0f} e-"
              f"{' (saturated)' if b.saturated else ''}, SNR {b.snr:.1f}")
    print("wrote " + ", ".join(outputs))
    return 0


def _cmd_cameras(args) -> int:
    from .cameras import list_cameras, load_camera

    for name, title in list_cameras().items():
        cam = load_camera(name)
        print(f"{name:<22} {title} — {cam.columns}x{cam.rows} px, "
              f"{cam.pixel_scale_rad * 1e6:.3g} urad/px")
    return 0


# --- reproduce and demo -----------------------------------------------------------------------
def _cmd_reproduce(args) -> int:
    from .reproduce import reproduce
    from .scenarios import list_scenarios

    if args.list or not args.scenario:
        for name, sc in list_scenarios().items():
            status = f"  [needs {sc.needs.split(':')[0]}]" if sc.needs else ""
            print(f"{name:<10} {sc.summary}{status}")
        return 0
    result = reproduce(args.scenario, args.out, epochs=args.time, overwrite=args.overwrite,
                       progress=not args.quiet)
    _summary(result)
    return 0


def _summary(result) -> None:
    f = result.findings
    print(f"\n{result.folder}/ ({result.seconds:.1f} s):")
    for name in result.files:
        print(f"  {name}")
    rng = f.earth_range_km
    print(f"\nEarth from {f.observer.title()}: {rng.min():,.0f} to {rng.max():,.0f} km; "
          f"{f.earth_diameter_px.min():.1f}-{f.earth_diameter_px.max():.1f} px across at "
          f"{f.km_per_px.min():,.0f}-{f.km_per_px.max():,.0f} km/px; the frames span "
          f"{f.orbit_fraction:.0%} of the Moon's orbit.")
    print("Claims:")
    for v in result.verdicts:
        print(f"  {v.verdict:<18} {v.claim}  ({v.computed})")
    for note in result.notes:
        print(f"note: {note}")


def _cmd_demo(args) -> int:
    from .reproduce import reproduce

    _summary(reproduce("mex-2023", overwrite=args.overwrite))
    return 0


# --- observers: visibility (issue 5) ---------------------------------------------------------------
OBSERVER_HELP = ("body name or NAIF id; 'mars express' (Kepler preset); or kepler:..., site:..., "
                 "spice:..., file:..., fixed:... (see paledot.observer_text)")


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
    v.add_argument("--format", default="table", choices=("table", "csv", "json"))
    v.add_argument("--ephemeris", action="append", default=[],
                   help="extra SPK file(s), taking priority over DE440")
    v.set_defaults(func=_cmd_visibility)


def _visibility_windows(args) -> list[tuple[float, float, float | None]]:
    from .timescales import parse_step

    if args.around and (args.start or args.stop):
        raise PaledotError("give either --around or --start/--stop, not both")
    if args.around:
        half = parse_step(args.window)
        return [(float(e) - half, float(e) + half, float(e)) for e in to_et(args.around)]
    if not (args.start and args.stop):
        raise PaledotError("give --start and --stop, or --around <time> (repeatable)")
    return [(float(to_et(args.start)[0]), float(to_et(args.stop)[0]), None)]


def _cmd_visibility(args) -> int:
    from .observers import as_observer
    from .occultation import occultation
    from .visibility import visible_spans

    eph = Ephemeris(args.ephemeris) if args.ephemeris else default_ephemeris()
    obs = as_observer(args.observer, eph)
    results = []
    for lo, hi, centre in _visibility_windows(args):
        vis = visible_spans(obs, args.target, lo, hi, args.step, args.correction, eph, args.occulter,
                            whole=not args.centre_only)
        at = None
        if centre is not None:
            occ = occultation(obs, [args.target], np.array([centre]), args.correction, eph, args.occulter)
            at = (centre, int(occ.state[0, 0]), float(occ.limb_height.to_value("deg")[0, 0]))
        results.append((vis, at))
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
    from .occultation import STATE_NAMES

    doc = {
        "paledot": __version__, "observer": vis.observer, "target": vis.target,
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
    from .occultation import STATE_NAMES

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
        if argv[i] in ("--step", "--chunk", "--time", "--start", "--stop") and argv[i + 1][:1] == "-":
            argv[i : i + 2] = [f"{argv[i]}={argv[i + 1]}", ""]
    argv = [a for a in argv if a != ""]
    from .interrupts import quiet_boundary

    with quiet_boundary(debug) as outcome:
        args = _parser().parse_args(argv)
        return args.func(args)
    return outcome.code


if __name__ == "__main__":
    sys.exit(main())
