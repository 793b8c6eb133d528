"""``paledot render`` (one frame, or a batch: one per epoch of a grid, several --time or a
scenario) and ``paledot cameras``. Argument parsing and printing only; the work is in
:mod:`paledot.render.frame`, :mod:`paledot.render.files` and :mod:`paledot.render.batch`."""

from __future__ import annotations

import csv
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

from .._io.errors import PaledotError
from ..celestial.corrections import CORRECTIONS
from ..celestial.ephemeris import Ephemeris
from ..geometry.lighttime import observe
from ..time.timescales import et_to_iso, to_et
from .app import OBSERVER_HELP, TIME_HELP, _version


def add_commands(sub) -> None:
    """Register ``render`` and ``cameras``."""
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
    _add_batch_arguments(r)
    r.set_defaults(func=_cmd_render)

    c = sub.add_parser("cameras", help="list the camera catalogue")
    c.add_argument("--format", default="table", choices=("table", "csv", "json"),
                   help="table for people (default), csv or json")
    c.set_defaults(func=_cmd_cameras)


# --- one frame ---------------------------------------------------------------------------------
def _cmd_render(args) -> int:
    import warnings

    from .._io.outputs import atomic_write_group, check_destination, output_key
    from ..light.stars import check_mag_limit
    from ..render.files import STRETCHES, annotated_png_bytes, fits_bytes, png_bytes
    from ..render.frame import Pointing, RenderWarning, Scene, render
    from ..render.regions import region_path, region_text, regions_available

    if args.stretch not in STRETCHES:
        raise PaledotError(f"unknown stretch {args.stretch!r}: choose one of {', '.join(STRETCHES)}")
    if _is_batch(args):
        if args.out and Path(args.out).suffix.lower() in (".fits", ".fit", ".fts"):
            raise PaledotError(f"--out {args.out!r} is the folder of a batch render (one FITS per epoch "
                               "goes into it): give a folder name, e.g. --out frames/")
        return _cmd_render_batch(args)
    _check_single_render(args)
    if args.out and Path(args.out).suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff"):
        raise PaledotError(f"--out {args.out!r} is where the FITS frame goes: name it .fits, and give "
                           "--png or --annotated for a picture")
    outputs = [p for p in (args.out, args.png, args.annotated) if p]
    for path in outputs + [region_path(args.out)]:  # refuse before any work: nothing half done
        check_destination(path, args.overwrite)
    if len({output_key(p) for p in outputs + [region_path(args.out)]}) != len(outputs) + 1:
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


# --- a batch: many epochs into a folder (paledot.render.batch) ----------------------------------
def _add_batch_arguments(r) -> None:
    """The batch options of ``paledot render``."""
    from ..scale.parallel import add_options

    r.add_argument("--start", help="batch: first epoch of a grid (one frame per epoch; --out is a folder)")
    r.add_argument("--stop", help="batch: last epoch of the grid, included if the grid lands on it")
    r.add_argument("--step", default="1d", help="batch: grid step, 1d, 6h, 30min, 10s (default 1d)")
    r.add_argument("--scenario", help="batch: a scenario's epochs (see 'paledot reproduce --list'), with its "
                   "observer, camera, targets, pointings and exposure unless given here")
    r.add_argument("--chunk-frames", type=int, default=8, help="batch: frames per chunk (default 8)")
    add_options(r)


def _is_batch(args) -> bool:
    """A batch: a grid, a scenario, or more than one --time."""
    return bool(args.start or args.stop or args.scenario or (args.time and len(args.time) > 1))


def _cmd_render_batch(args) -> int:
    """``paledot render`` over many epochs (see :func:`_add_batch_arguments`): the batch built from
    the options (or a scenario's epochs), rendered by :func:`paledot.render.batch.render_batch`."""
    from ..cameras import load_camera
    from ..light.stars import check_mag_limit
    from ..render.batch import MAX_FRAMES, BatchSpec, _ephemeris, render_batch
    from ..render.regions import regions_available
    from ..time.timescales import grid

    if args.time and (args.start or args.stop):
        raise PaledotError("give either --time or --start/--stop, not both")
    if args.scenario and (args.time or args.start or args.stop):
        raise PaledotError("--scenario brings its own epochs: give no --time, --start or --stop with it")
    for flag, value in (("--png", args.png), ("--annotated", args.annotated)):
        if value not in (None, ""):
            raise PaledotError(f"{flag} {value!r}: in a batch {flag} takes no file name (each frame's goes "
                               "beside its FITS in the --out folder)")
    observer, camera, targets = args.observer, args.camera, args.target
    if args.seed < 0:
        raise PaledotError(f"--seed {args.seed} must be zero or a positive whole number")
    exposure = _exposure(args.exposure) if args.exposure is not None else "auto"
    pointing, auto_fraction, surfaces = args.pointing, args.auto_fraction, False
    if args.scenario:
        from ..stories.reproduce import scenario_observer
        from ..stories.scenarios import load_scenario

        sc = load_scenario(args.scenario)
        if sc.needs:
            raise PaledotError(f"scenario {sc.name!r} cannot run yet: it needs {sc.needs}")
        et = to_et(list(sc.epochs))
        observer = observer or scenario_observer(sc, et)
        camera, targets = camera or sc.camera, targets or list(sc.targets)
        pointing = pointing or sc.pointing
        if args.exposure is None:  # the scenario's: 'auto' or seconds, as a Scene takes it
            exposure, auto_fraction = sc.exposure, sc.auto_fraction
        surfaces = sc.surfaces
    elif args.start or args.stop:
        if not (args.start and args.stop):
            raise PaledotError("a grid needs both --start and --stop")
        g = grid(args.start, args.stop, args.step)
        if g.count > MAX_FRAMES:
            raise PaledotError(f"{g.count:,} frames from {args.start} to {args.stop} every {args.step} is "
                               f"more than {MAX_FRAMES:,}: use a larger --step")
        et = g.et(0, g.count)
    else:
        et = to_et(args.time)
    if not (observer and camera and targets):
        raise PaledotError("paledot render needs --observer, --camera and --target (or --scenario NAME)")
    pointing = pointing or "midpoint"
    pointings = tuple(pointing) if isinstance(pointing, tuple) else (pointing,) * et.size
    if len(pointings) != et.size:
        raise PaledotError(f"scenario {args.scenario!r} has {len(pointings)} pointings for {et.size} epochs")
    cam = load_camera(camera, args.instrument)
    eph = tuple(args.ephemeris or ())
    observe(observer, list(targets), et, args.correction, _ephemeris(eph))  # bad names or times: here, once
    spec = BatchSpec(observer, tuple(t.lower() for t in targets), cam, tuple(float(e) for e in et),
                     pointings, args.roll, exposure, auto_fraction, args.seed, not args.no_noise,
                     args.correction, eph, not args.no_stars, check_mag_limit(args.star_mag_limit),
                     args.skip_unmodelled, surfaces, args.fits_kind, args.png is not None,
                     args.annotated is not None, args.stretch, regions_available())
    res = render_batch(spec, args.out, overwrite=args.overwrite, chunk_frames=args.chunk_frames,
                       workers=args.workers, scheduler=args.scheduler, chunk_dir=args.chunk_dir,
                       progress=not args.no_progress)
    for text, n in res.warnings.items():
        print(f"paledot: warning: {text} ({n} of {len(res.rows)} frames)", file=sys.stderr)
    if not spec.regions:
        print("paledot: warning: no DS9 region files: they need pip install 'paledot[regions]'",
              file=sys.stderr)
    empty = [r for r in res.rows if not r["files"]]
    if empty:
        print(f"paledot: warning: {len(empty)} of {len(res.rows)} epochs had nothing to see: no frame "
              "written for them (frames.csv says why)", file=sys.stderr)
    if args.format == "json":
        json.dump({"folder": str(res.folder), "frames": res.json_rows()}, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    print(f"{cam.title}: {cam.columns} x {cam.rows} px; {len(res.rows)} epochs, {res.written} frames written")
    for t in spec.targets:
        snr = np.array([r.get(f"{t}_snr", np.nan) for r in res.rows if r["files"]], dtype=float)
        size = np.array([r.get(f"{t}_diameter_px", np.nan) for r in res.rows if r["files"]], dtype=float)
        if snr.size and np.isfinite(snr).any():
            print(f"  {t:<6} {np.nanmin(size):.2f}-{np.nanmax(size):.2f} px across; SNR "
                  f"{np.nanmin(snr):.1f}-{np.nanmax(snr):.1f}")
    print(f"wrote {res.folder}/ (frames.csv lists each frame)")
    return 0


def _exposure(value) -> str | float:
    """'auto', or milliseconds (the command line's unit) as seconds; a scenario's exposure is text too."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    try:
        seconds = float(value) / 1000.0
    except (TypeError, ValueError):
        raise PaledotError(f"exposure {value!r} must be 'auto' or milliseconds") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise PaledotError(f"exposure {value!r} ms must be a positive number")
    _at_most_a_day(value, seconds)
    return seconds


def _at_most_a_day(value, seconds: float) -> None:
    """The render's own limit (a day), said in the milliseconds the user typed."""
    from ..render.frame import MAX_EXPOSURE_S

    if seconds > MAX_EXPOSURE_S:
        raise PaledotError(f"exposure {value!r} ms must be at most {MAX_EXPOSURE_S * 1e3:,.0f} ms (a day)")
