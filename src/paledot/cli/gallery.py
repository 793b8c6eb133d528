"""`paledot gallery`: every scenario rebuilt into one folder with a montage and an HTML page."""

from __future__ import annotations


def add_commands(sub) -> None:
    g = sub.add_parser("gallery", help="rebuild every famous look back at Earth into one gallery")
    g.add_argument("--out", help="output folder (default paledot-out/gallery)")
    g.add_argument("--scenario", action="append", help="only this scenario (repeatable)")
    g.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    g.set_defaults(func=_cmd_gallery)


def _cmd_gallery(args) -> int:
    from ..stories.gallery import build_gallery

    result = build_gallery(args.out, overwrite=args.overwrite, progress=not args.quiet,
                           names=args.scenario)
    held = sum(v.verdict.startswith("holds") for e in result.entries for v in e.verdicts)
    total = sum(len(e.verdicts) for e in result.entries)
    print(f"{len(result.entries)} pictures, {held}/{total} claims hold, in {result.seconds:.1f} s")
    for e in result.entries:
        for v in e.verdicts:
            if not v.verdict.startswith("holds"):
                print(f"  {e.scenario.name}: {v.claim} -> {v.verdict}")
    print(f"wrote {result.folder}/index.html and montage.png")
    return 0
