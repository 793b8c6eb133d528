"""``paledot measure``: find Earth and the Moon in a frame (or every frame of a folder), measure
them and say whether the sky fits. Thin: it parses, calls ``paledot.measure`` and prints/writes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .._io.errors import PaledotError
from .._io.outputs import atomic_write_bytes

#: Exit status when a frame was measured but no verdict could be given (its line says why).
NO_VERDICT = 3


def add_commands(sub) -> None:
    """Register ``measure`` on the main parser's subcommands."""
    m = sub.add_parser(
        "measure",
        help="find Earth and the Moon in a frame and compare with the sky (needs paledot[measure])",
        description="Find Earth and the Moon in a frame and compare with the sky. Exit status: 0 when a "
        "verdict is given (fits, off, or a body found on evidence), 3 when none can be (Earth not found "
        "or not identified: the verdict line says what is missing), 2 for bad input.",
    )
    m.add_argument("frame", nargs="?", help="FITS, PNG/JPEG/TIFF or PDS3/PDS4 product")
    m.add_argument("--campaign", metavar="DIR", help="measure every frame in a folder, one verdict")
    m.add_argument("--observer", help="observer if the file does not say (e.g. mars, 'mars express')")
    m.add_argument("--time", help="mid-exposure time if the file does not say (ISO UTC, JD..., ET:...)")
    m.add_argument("--camera", help="camera if the file does not say (catalogue name or .toml/.ti)")
    m.add_argument("--target", action="append", help="bodies to look for (default earth and moon)")
    m.add_argument("--scale", type=float, metavar="ARCSEC_PER_PX",
                   help="the picture's pixel scale when no camera says it (arcsec per pixel of the picture "
                   "as saved); without --camera or --scale the catalogue cameras are tried")
    m.add_argument("--format", default="table", choices=("table", "json"),
                   help="what is printed: table (default) or json (bodies, x, y 0-based, errors, verdict)")
    m.add_argument("--sources", action="store_true", help="list every detected source, identify nothing")
    m.add_argument("--engine", default="sep", choices=("sep", "photutils"),
                   help="detection engine (default sep)")
    m.add_argument("--nsigma", type=float, default=None, help="detection threshold in sigma (default 4)")
    m.add_argument(
        "--sextractor",
        action="store_true",
        help="with --sources: SExtractor's default configuration (1.5 sigma, 5 px, 3x3 filter, no "
        "deblending) and its windowed centroids (XWIN_IMAGE/YWIN_IMAGE, 0-based here)",
    )
    m.add_argument(
        "--mirrored",
        action="store_true",
        help="a frame without WCS is mirrored (det CD > 0) rather than as on the sky",
    )
    m.add_argument("--sip", type=int, default=0, metavar="DEGREE",
                   help="fit a SIP distortion of this degree (2-5) with the star-solved pointing")
    m.add_argument("--json", dest="json_out", metavar="FILE", help="also write the JSON here")
    m.add_argument("--region", metavar="FILE", help="write a DS9 region file")
    m.add_argument("--annotated", metavar="FILE", help="write an annotated PNG")
    m.add_argument("--solved-fits", metavar="FILE", help="write a FITS copy with the solved WCS")
    m.add_argument("--plot", metavar="FILE", help="campaign: the Moon's path about Earth (PNG)")
    m.add_argument("--overwrite", action="store_true", help="replace existing output files")
    m.add_argument("--workers", type=int, default=1,
                   help="campaign: frames measured by this many local processes (default 1)")
    m.add_argument("--scheduler", help="campaign: a dask.distributed scheduler, tcp://HOST:PORT "
                   "(default $PALEDOT_SCHEDULER; needs paledot[dask])")
    m.set_defaults(func=_cmd_measure)


def _cmd_measure(args) -> int:
    try:
        from .. import measure as M
        from ..measure import products
    except ImportError as exc:  # the optional extra is missing
        raise PaledotError(
            f"paledot measure needs its extra: pip install 'paledot[measure]' ({exc})"
        ) from None
    if args.nsigma is not None and (args.nsigma <= 0 or args.nsigma != args.nsigma):
        raise PaledotError(f"--nsigma {args.nsigma!r} must be a positive number of sigma")
    if args.sextractor and not args.sources:
        raise PaledotError("--sextractor applies to --sources (a source list made as SExtractor makes it)")
    settings = dict(M.SEXTRACTOR) if args.sextractor else {}
    if args.nsigma is not None:
        settings["nsigma"] = args.nsigma
    args.nsigma = settings.setdefault("nsigma", 4.0)
    targets = [t.lower() for t in (args.target or ["earth", "moon"])]
    if args.scale is not None and not (args.scale > 0 and args.scale < 3.6e6):
        raise PaledotError(f"--scale {args.scale!r} must be a positive pixel scale in arcsec per pixel")
    if args.sip and not 2 <= args.sip <= 5:
        raise PaledotError(f"--sip {args.sip} must be a SIP degree from 2 to 5 (or 0: none)")
    from .._io.outputs import check_destination

    for path in (args.json_out, args.region, args.annotated, args.solved_fits, args.plot):
        if path:  # refused before the measuring, not after it
            check_destination(path, args.overwrite)
    if args.campaign:
        if args.frame:
            raise PaledotError("give either a FRAME or --campaign DIR, not both")
        from ..measure.campaign import campaign_plot_png, measure_campaign

        c = measure_campaign(
            args.campaign,
            targets,
            time=args.time,
            observer=args.observer,
            camera=args.camera,
            engine=args.engine,
            nsigma=args.nsigma,
            workers=args.workers,
            scheduler=args.scheduler,
        )
        if args.format == "json":
            text = json.dumps(c.to_dict(), indent=2) + "\n"
        else:
            names = [Path(p).name for p, _, _ in c.frames]
            width = max([5] + [len(n) for n in names])
            lines = [f"{'frame':<{width}}  verdict"]
            lines += [
                f"{n:<{width}}  {m.verdict if m is not None else 'error: ' + e}"
                for n, (_, m, e) in zip(names, c.frames, strict=True)
            ]
            text = "\n".join(lines) + f"\n\ncampaign verdict: {c.verdict}\n"
            if c.skipped:
                text += (f"note: {len(c.skipped)} picture(s) beside the FITS/PDS frames passed over "
                         f"({', '.join(c.skipped[:3])}{', ...' if len(c.skipped) > 3 else ''}); "
                         "measure a picture alone with: paledot measure PICTURE --time ...\n")
        if args.plot:
            atomic_write_bytes(args.plot, campaign_plot_png(c), args.overwrite)
        sys.stdout.write(text)
        return 0
    if not args.frame:
        raise PaledotError("give a FRAME to measure, or --campaign DIR")
    obs = M.read_observation(args.frame, time=args.time, observer=args.observer, camera=args.camera)
    for note in [] if args.sources else obs.meta.get("warnings", []):  # a source list needs none
        print(f"paledot: warning: {note}", file=sys.stderr)  # what the file said that could not be used
    if args.sources:
        found = M.find_sources(obs, engine=args.engine, **settings)
        text = (
            products.sources_json(found.sources)
            if args.format == "json"
            else products.sources_table(found.sources)
        )
        sys.stdout.write(text)
        return 0
    par = 1 if args.mirrored else None
    meas = M.measure(obs, targets, engine=args.engine, nsigma=args.nsigma, par=par, sip_degree=args.sip,
                     scale_arcsec=args.scale)
    outputs = []
    if args.json_out:
        outputs.append((args.json_out, products.measurement_json(meas).encode()))
    if args.region:
        outputs.append((args.region, products.region_text(meas).encode()))
    if args.annotated:
        outputs.append((args.annotated, products.annotated_png(meas)))
    if args.solved_fits:
        outputs.append((args.solved_fits, products.solved_fits_bytes(meas)))
    if outputs:
        from .._io.outputs import atomic_write_group

        atomic_write_group(outputs, args.overwrite)
    sys.stdout.write(
        products.measurement_json(meas) if args.format == "json" else products.measurement_table(meas)
    )
    return 0 if meas.verdict_given else NO_VERDICT
