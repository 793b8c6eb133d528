"""The ``paledot`` command: parse arguments, call the library, print. No physics lives here.

Every error a user can cause ends in one line ``paledot: error: ...`` and exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from collections.abc import Iterator

import numpy as np

from . import __version__
from .corrections import CORRECTIONS
from .ephemeris import Ephemeris, default_ephemeris
from .errors import PaledotError
from .geometry import Geometry, observe
from .timescales import et_to_iso, time_grid, to_et

#: Above this many epochs a request must say how to stream them (``--chunk``).
MAX_EPOCHS_UNCHUNKED = 10_000_000
AU_KM = 149_597_870.7
MILE_KM = 1.609344
ARCSEC = math.pi / 180 / 3600


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
    g.set_defaults(func=_cmd_geometry)

    d = sub.add_parser("demo", help="the main job: Mars Express 2023 geometry")
    d.set_defaults(func=_cmd_demo)
    _add_observer_commands(sub)
    return p


# --- geometry ---------------------------------------------------------------------------------
def _epochs(args) -> np.ndarray:
    if args.time and (args.start or args.stop):
        raise PaledotError("give either --time or --start/--stop, not both")
    if args.time:
        return to_et(args.time)
    if not (args.start and args.stop):
        raise PaledotError("give --time, or both --start and --stop")
    if args.chunk is not None and args.chunk <= 0:
        raise PaledotError(f"--chunk {args.chunk} must be a positive number of epochs")
    limit = None if args.chunk else MAX_EPOCHS_UNCHUNKED
    return time_grid(args.start, args.stop, args.step, max_epochs=limit)


def _cmd_geometry(args) -> int:
    eph = Ephemeris(args.ephemeris) if args.ephemeris else default_ephemeris()
    et = _epochs(args)
    chunk = args.chunk or et.size
    first = True
    out = sys.stdout
    json_parts: list[dict] = []
    for lo in range(0, et.size, chunk):
        g = observe(args.observer, args.target, et[lo:lo + chunk], args.correction, eph)
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


def _rows(g: Geometry) -> Iterator[dict]:
    """Long-format rows (epoch-major) with plain floats in edge units."""
    utc = et_to_iso(g.t, precision=3)
    rng = g.range.to_value("km")
    lt = g.light_time.to_value("s")
    ra, dec = g.ra.to_value("deg"), g.dec.to_value("deg")
    diam = g.angular_diameter.to_value("arcsec")
    phase = g.phase_angle.to_value("deg")
    illum = g.illuminated_fraction.value
    elong = g.sun_elongation.to_value("deg")
    pos = g.position.to_value("km")
    for j in range(g.t.size):
        for i, name in enumerate(g.target_names):
            yield {
                "utc": utc[j], "et": float(g.t[j]), "target": name,
                "x_km": float(pos[i, j, 0]), "y_km": float(pos[i, j, 1]),
                "z_km": float(pos[i, j, 2]), "range_km": float(rng[i, j]),
                "light_time_s": float(lt[i, j]), "ra_deg": float(ra[i, j]),
                "dec_deg": float(dec[i, j]), "angular_diameter_arcsec": float(diam[i, j]),
                "phase_angle_deg": float(phase[i, j]), "illuminated_fraction": float(illum[i, j]),
                "sun_elongation_deg": float(elong[i, j]),
            }


def _pair_rows(g: Geometry) -> Iterator[dict]:
    utc = et_to_iso(g.t, precision=3)
    names = g.target_names
    pairs = [(a, b) for k, a in enumerate(names) for b in names[k + 1:]]
    seps = {p: g.separation(*p).to_value("arcsec") for p in pairs}
    pas = {p: g.position_angle(*p).to_value("deg") for p in pairs}
    for j in range(g.t.size):
        for p in pairs:
            yield {"utc": utc[j], "et": float(g.t[j]), "target_a": p[0], "target_b": p[1],
                   "separation_arcsec": float(seps[p][j]), "position_angle_deg": float(pas[p][j])}


def format_csv(g: Geometry, header: bool = True) -> str:
    """CSV, one row per (epoch, target), floats written exactly (shortest round-trip repr)."""
    buf = io.StringIO()
    writer = None
    for row in _rows(g):
        if writer is None:
            writer = csv.DictWriter(buf, fieldnames=list(row), lineterminator="\n")
            if header:
                writer.writeheader()
        writer.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in row.items()})
    return buf.getvalue()


def geometry_to_json(g: Geometry) -> dict:
    """A JSON-ready dict: metadata, per-target rows and pair rows (floats exact)."""
    return {
        "paledot": __version__, "observer": g.observer, "correction": g.correction,
        "ephemeris": list(g.ephemeris_files), "notes": list(g.notes),
        "targets": list(g.target_names),
        "rows": [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                 for r in _rows(g)],
        "pairs": list(_pair_rows(g)),
    }


def format_table(g: Geometry, header: bool = True) -> str:
    """A table for people: km, AU, million miles, light-minutes, arcseconds, degrees."""
    lines = []
    if header:
        lines.append(f"observer {g.observer} · correction {g.correction} · ephemeris "
                     + ", ".join(p.rsplit('/', 1)[-1] for p in g.ephemeris_files))
        lines.extend(f"note: {n}" for n in g.notes)
        lines.append(
            f"{'UTC':<19}  {'target':<8} {'range km':>15} {'AU':>10} {'M miles':>9} "
            f"{'lt min':>7} {'RA deg':>9} {'Dec deg':>8} {'diam as':>8} {'phase':>6} "
            f"{'lit %':>6} {'elong':>6}"
        )
    for r in _rows(g):
        lines.append(
            f"{r['utc'][:19].replace('T', ' '):<19}  {r['target']:<8} {r['range_km']:>15,.0f} "
            f"{r['range_km'] / AU_KM:>10.6f} {r['range_km'] / MILE_KM / 1e6:>9.3f} "
            f"{r['light_time_s'] / 60:>7.3f} {r['ra_deg']:>9.4f} {r['dec_deg']:>8.4f} "
            f"{r['angular_diameter_arcsec']:>8.3f} {r['phase_angle_deg']:>6.1f} "
            f"{100 * r['illuminated_fraction']:>6.1f} {r['sun_elongation_deg']:>6.1f}"
        )
    pairs = list(_pair_rows(g))
    if pairs:
        if header:
            lines.append("")
            lines.append(f"{'UTC':<19}  {'pair':<17} {'sep arcsec':>13} {'PA deg':>8}")
        for p in pairs:
            lines.append(
                f"{p['utc'][:19].replace('T', ' '):<19}  {p['target_a'] + '-' + p['target_b']:<17} "
                f"{p['separation_arcsec']:>13.2f} {p['position_angle_deg']:>8.2f}"
            )
    return "\n".join(lines) + "\n"


# --- demo -------------------------------------------------------------------------------------
MEX_2023_TIMES = ["2023-05-15T14:08", "2023-05-21T03:10", "2023-05-27T19:49", "2023-06-02T15:00"]


def _cmd_demo(args) -> int:
    print("Mars Express looks back at Earth, 2023 (ESA image times). Observer: Mars's centre "
          "until spacecraft orbits land.\n")
    g = observe("mars", ["earth", "moon"], MEX_2023_TIMES)
    sys.stdout.write(format_table(g))
    rng = g.range[g.index("earth")].to_value("km")
    print(f"\nEarth's distance over the sequence: {rng.min():,.0f} to {rng.max():,.0f} km "
          "(ESA: 279,186,624 to 301,016,265 km, from the spacecraft itself).")
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
    try:
        args = _parser().parse_args(argv)
        return args.func(args)
    except PaledotError as exc:
        print(f"paledot: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an unexpected failure still gets one line unless debugging
        if debug:
            raise
        print(f"paledot: internal error: {type(exc).__name__}: {exc} (rerun with --debug)",
              file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
