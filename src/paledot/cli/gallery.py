"""`paledot gallery`: every scenario rebuilt into one folder with a montage and an HTML page."""

from __future__ import annotations

#: A gallery viewer without its scenario's own animation step gets at most this many steps.
GALLERY_VIEW_STEPS = 25


def add_commands(sub) -> None:
    g = sub.add_parser("gallery", help="rebuild every famous look back at Earth into one gallery")
    g.add_argument("--out", help="output folder (default paledot-out/gallery)")
    g.add_argument("--scenario", action="append", help="only this scenario (repeatable)")
    g.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    g.add_argument("--no-view", action="store_true",
                   help="no viewer page (paledot view) beside each report: faster")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    g.set_defaults(func=_cmd_gallery)


def _cmd_gallery(args) -> int:
    from ..stories.gallery import build_gallery

    viewer = None
    if not args.no_view:
        from ..view import build_page, spec_from_scenario

        def viewer(sc) -> str:  # each scenario's viewer page, beside its report
            return build_page(spec_from_scenario(sc, most=GALLERY_VIEW_STEPS))

    result = build_gallery(args.out, overwrite=args.overwrite, progress=not args.quiet,
                           names=args.scenario, viewer=viewer)
    held = sum(v.verdict.startswith("holds") for e in result.entries for v in e.verdicts)
    total = sum(len(e.verdicts) for e in result.entries)
    print(f"{len(result.entries)} pictures, {held}/{total} claims hold, in {result.seconds:.1f} s")
    for e in result.entries:
        for v in e.verdicts:
            if not v.verdict.startswith("holds"):
                print(f"  {e.scenario.name}: {v.claim} -> {v.verdict}")
    views = " and each picture's view.html" if viewer else ""
    print(f"wrote {result.folder}/index.html, montage.png{views}")
    return 0
