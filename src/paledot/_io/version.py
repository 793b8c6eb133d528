"""paledot's version, for provenance stamps (FITS headers, ECSV/JSON metadata, plan files)."""

from __future__ import annotations

import os
import sys
from functools import cache


@cache
def version() -> str:
    """The installed distribution's version; ``0.0.0+src`` when run from a source tree.

    Read on first use. The installed ``paledot-*.dist-info/METADATA`` is found on ``sys.path`` as
    ``importlib.metadata`` finds it (the first entry holding one), without importing that package
    (about 10 ms of start-up, its email parser included); anything unusual (zipped paths, several
    candidates in one place, an egg) is left to ``importlib.metadata`` itself."""
    found = _dist_info_version()
    if found is not None:
        return found
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _installed

    try:
        return _installed("paledot")
    except PackageNotFoundError:  # running from a source tree
        return "0.0.0+src"


def _dist_info_version() -> str | None:
    """``Version:`` of the first ``paledot-*.dist-info`` on ``sys.path``, or None (not plain)."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip file, or gone: importlib.metadata's business
            if entry and os.path.exists(entry):
                return None
            continue
        hits = [n for n in names if n.lower().startswith(("paledot-", "paledot.")) and
                n.lower().endswith((".dist-info", ".egg-info")) or n.lower() == "paledot.egg-info"]
        if not hits:
            continue
        if len(hits) != 1 or not hits[0].endswith(".dist-info"):
            return None
        try:
            with open(os.path.join(entry or ".", hits[0], "METADATA"), encoding="utf-8") as fh:
                for line in fh:
                    if line.startswith("Version:"):
                        return line.split(":", 1)[1].strip()
                    if not line.strip():  # the headers end at the first blank line
                        break
        except OSError:
            return None
        return None
    return None
