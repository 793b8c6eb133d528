"""paledot's version, for provenance stamps (FITS headers, ECSV/JSON metadata, plan files)."""

from __future__ import annotations

from functools import cache


@cache
def version() -> str:
    """The installed distribution's version; ``0.0.0+src`` when run from a source tree.

    Read on first use: ``importlib.metadata`` is slow to import and most commands never need it."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _installed

    try:
        return _installed("paledot")
    except PackageNotFoundError:  # running from a source tree
        return "0.0.0+src"
