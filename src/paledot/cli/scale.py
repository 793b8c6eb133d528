"""``sweep`` and ``montecarlo``, and the ``--workers``/``--scheduler`` options of ``windows`` and
``campaign``. Argument parsing and printing only; the work is in :mod:`paledot.scale.parallel`,
:mod:`paledot.plan.chunks`, :mod:`paledot.plan.sweep` and :mod:`paledot.plan.montecarlo`."""

from __future__ import annotations

import sys
from pathlib import Path

from .._io.errors import PaledotError
from ..scale.parallel import add_options, scheduler_address


def add_plan_parallel_options(p) -> None:
    """``--workers``, ``--scheduler``, ``--chunk``, ``--chunk-dir`` for ``windows``/``campaign``."""
    add_options(p, "none: one process, no chunks; give N to chunk the span")
    p.add_argument("--chunk", help="with --workers/--scheduler: time chunk of the search (default 365d)")


def parallel_windows(args):
    """The windows for ``windows``/``campaign`` through paledot.scale.parallel, or None when neither
    ``--workers``, ``--scheduler`` nor ``$PALEDOT_SCHEDULER`` asks for it."""
    addr = scheduler_address(getattr(args, "scheduler", None))
    if getattr(args, "workers", None) is None and addr is None:
        return None
    from ..plan.chunks import find_windows_parallel, spec_from_args
    from ..time.timescales import parse_step

    chunk_s = parse_step(args.chunk) if getattr(args, "chunk", None) else None
    return find_windows_parallel(spec_from_args(args), chunk_s=chunk_s, workers=args.workers,
                                 scheduler=addr, folder=args.chunk_dir, progress=not args.no_progress)


def add_commands(sub) -> None:
    """Register ``sweep`` and ``montecarlo``."""
    s = sub.add_parser("sweep", help="windows for many observers x cameras x constraint sets, to Parquet "
                       "(needs paledot[sweep])")
    s.add_argument("spec", nargs="?", help="sweep spec TOML (see paledot.plan.sweep); options below override "
                   "it")
    s.add_argument("--observer", action="append", help="observer; repeatable")
    s.add_argument("--camera", action="append", help="camera; repeatable")
    s.add_argument("--target", action="append", help="target; repeatable (default earth and moon)")
    s.add_argument("--constraints", action="append", metavar="NAME=OPTIONS",
                   help="a constraint set, e.g. 'apart=--separation-min 0.05 --not-hidden'; repeatable")
    s.add_argument("--start", help="start of the sweep (ISO UTC...)")
    s.add_argument("--stop", help="end of the sweep")
    s.add_argument("--chunk", help="time chunk of each search (default 365d)")
    s.add_argument("--out", default="paledot-out/sweep",
                   help="folder for windows.parquet, summary.txt, sweep.png (default paledot-out/sweep)")
    s.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    add_options(s)
    s.set_defaults(func=_cmd_sweep)

    m = sub.add_parser("montecarlo", help="render and measure N jittered frames: Moon detection rate vs "
                       "exposure, recommended exposure (needs paledot[measure])")
    from ..plan.montecarlo import add_arguments

    add_arguments(m)
    add_options(m)
    m.set_defaults(func=_cmd_montecarlo)


def _sweep_spec(args):
    import shlex

    from ..plan.sweep import SweepSpec

    d: dict = {}
    if args.spec:
        d = SweepSpec.from_toml(args.spec).__dict__.copy()
    for key, val in (("observers", args.observer), ("cameras", args.camera), ("targets", args.target),
                     ("start", args.start), ("stop", args.stop), ("chunk", args.chunk)):
        if val:
            d[key] = val
    if args.constraints:
        d["constraints"] = {}
        for item in args.constraints:
            name, sep, opts = item.partition("=")
            if not sep or not name.strip():
                raise PaledotError(f"--constraints {item!r}: expected NAME=OPTIONS, e.g. "
                                   "'apart=--separation-min 0.05'")
            d["constraints"][name.strip()] = _argv_to_options(shlex.split(opts), name)
    d = {k: v for k, v in d.items() if v is not None}
    return SweepSpec.from_dict(d, "the sweep")


def _argv_to_options(argv: list[str], name: str) -> dict:
    out: dict = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if not a.startswith("--"):
            raise PaledotError(f"constraint set {name!r}: {a!r} is not an option (--separation-min 0.05...)")
        key = a[2:]
        if i + 1 < len(argv) and not (argv[i + 1].startswith("--")):
            out.setdefault(key, []).append(argv[i + 1])
            i += 2
        else:
            out[key] = True
            i += 1
    return {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in out.items()}


def _cmd_sweep(args) -> int:
    from .._io.outputs import check_folder_destination, replace_folder
    from ..plan.sweep import _pyarrow, run_sweep

    _pyarrow()
    spec = _sweep_spec(args)
    folder = Path(args.out)
    check_folder_destination(folder, args.overwrite)
    res = run_sweep(spec, workers=args.workers, scheduler=args.scheduler, folder=args.chunk_dir,
                    progress=not args.no_progress)
    files = {"windows.parquet": res.parquet_bytes(), "summary.txt": res.summary_text().encode(),
             "sweep.png": res.plot_png()}

    def fill(tmp: Path) -> None:
        for name, data in files.items():
            (tmp / name).write_bytes(data)

    replace_folder(folder, fill, overwrite=args.overwrite)
    sys.stdout.write(res.summary_text())
    print(f"wrote {folder}/windows.parquet ({sum(len(w) for w in res.windows)} window(s)), summary.txt, "
          "sweep.png")
    return 0


def _cmd_montecarlo(args) -> int:
    from ..plan.montecarlo import run_command

    return run_command(args)
