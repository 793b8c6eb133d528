"""Progress bars for long commands: tqdm on stderr, with an ETA; silent when asked (``-q``) and,
by tqdm's own rule, when stderr is not a terminal (logs and pipes get no bar). No physics here."""

from __future__ import annotations

import sys


def progress_bar(total: int, desc: str = "", enabled: bool = True, unit: str = "it", stream=None):
    """A tqdm bar of ``total`` units (``update(n)``, ``set_description_str``, ``close``)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=stream or sys.stderr, leave=True,
                disable=None if enabled else True, dynamic_ncols=True, unit_scale=unit != "it")
