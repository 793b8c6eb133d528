"""``paledot reproduce`` (rebuild a published campaign) and ``paledot demo``. Argument parsing and
printing only; the work is in :mod:`paledot.stories.reproduce`."""

from __future__ import annotations

from .app import _need


def add_commands(sub) -> None:
    """Register ``reproduce`` and ``demo``."""
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
