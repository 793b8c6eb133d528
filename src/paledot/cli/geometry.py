"""``paledot geometry``: apparent geometry of targets from an observer, as a table, CSV, JSON or
ECSV, the epochs streamed in pieces (``--chunk``). Argument parsing and printing only; the work is
in :mod:`paledot.geometry.core` and the formats in :mod:`paledot.geometry.tables`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import numpy as np

from .._io.errors import PaledotError
from ..celestial.corrections import CORRECTIONS
from ..celestial.ephemeris import Ephemeris, default_ephemeris
from ..geometry.lighttime import observe
from ..time.timescales import et_to_iso, grid, to_et
from .app import OBSERVER_HELP, TIME_HELP

#: Epochs per piece when streaming CSV, ECSV or the table without --chunk.
STREAM_EPOCHS = 100_000
#: Above this many epochs a request must say how to stream them (``--chunk``).
MAX_EPOCHS_UNCHUNKED = 10_000_000
#: JSON is built whole in memory; past this many epochs, CSV (which streams) is the format to use.
MAX_EPOCHS_JSON = 1_000_000


def add_commands(sub) -> None:
    """Register ``geometry``."""
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
                   help="table for people, csv (plain: the header first), json or ecsv (astropy's: "
                        "units and metadata kept) for machines; table and csv print their notes on stderr")
    g.add_argument("--digits", default="fixed", choices=("fixed", "full"),
                   help="csv numbers: fixed decimals per unit, finer than the engine's accuracy "
                        "(default: deg 1e-10, arcsec 1e-7, km 1e-6, km/s 1e-9, s 1e-12, mag 1e-6), "
                        "or full: shortest round-trip floats (exact doubles, about 6x slower)")
    g.add_argument("--ephemeris", action="append", default=[],
                   help="extra SPK file(s), taking priority over DE440")
    g.add_argument("--chunk", type=int, help="stream the epochs in pieces of this many")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress bar, and no csv notes on stderr")
    g.add_argument("--out", help="write to this file (atomically: whole or not at all) instead of stdout")
    g.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    g.set_defaults(func=_cmd_geometry)


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
    from ..geometry.tables import format_table, geometry_to_json, note_lines, write_csv, write_ecsv

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
        elif args.format == "csv":  # plain CSV, header first; its notes once, on stderr
            if first and not args.quiet:
                sys.stderr.write("".join(f"{line}\n" for line in note_lines(g, extra)))
            write_csv(g, out, header=first, digits=args.digits)
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
