"""``paledot visibility``: when a target is clear of the observer's planet, as spans and a per-day
summary. Argument parsing and printing only; the work is in :mod:`paledot.geometry.visibility` and
:mod:`paledot.geometry.occultation`."""

from __future__ import annotations

import csv
import json
import sys

import numpy as np

from .._io.errors import PaledotError
from ..celestial.corrections import CORRECTIONS
from ..celestial.ephemeris import Ephemeris, default_ephemeris
from ..time.timescales import et_to_iso, to_et
from .app import OBSERVER_HELP, _version


def add_commands(sub) -> None:
    """Register ``visibility``."""
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
    lo, hi = float(to_et(args.start)[0]), float(to_et(args.stop)[0])
    if not hi > lo:  # said here, in the user's words: the library sees only ET numbers
        raise PaledotError(f"--stop {args.stop!r} must be later than --start {args.start!r}")
    return [(lo, hi, None)]


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
