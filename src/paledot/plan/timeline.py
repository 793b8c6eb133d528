"""Timeline picture of windows: one row per threshold alone, one for them all, campaign epochs marked.

Needs matplotlib (the ``report`` extra). Times on the axis are UTC. This module only draws.
"""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np

from .._io.errors import PaledotError
from ..time.timescales import et_to_iso
from .search import solve


def _dates(et) -> list[datetime]:
    return [datetime.fromisoformat(str(s)) for s in et_to_iso(np.atleast_1d(et), 3)]


def timeline_png(windows, title: str | None = None, marks=None, mark_labels=None) -> bytes:
    """PNG bytes: the windows of each threshold and of the whole constraint, ``marks`` (ET) as lines."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt
    except ImportError:
        raise PaledotError("the timeline picture needs matplotlib: pip install 'paledot[report]'") from None
    ctx, lo, hi = windows.context, windows.start, windows.stop
    leaves = windows.leaves
    rows = [(leaf.label, solve(leaf, ctx, np.array([[lo, hi]]), windows.step_s)) for leaf in leaves]
    if len(leaves) > 1 or not rows:
        rows.append(("all together", windows.spans))
    fig, ax = plt.subplots(figsize=(11, 1.0 + 0.55 * len(rows)), dpi=110)
    d_lo, d_hi = _dates([lo, hi])
    # at least a pixel wide (the axis is ~1000 px): 304 windows of 1.4 h over 13 months drew none
    least = (mdates.date2num(d_hi) - mdates.date2num(d_lo)) / 1000
    for k, (label, spans) in enumerate(rows):
        y = len(rows) - 1 - k
        colour = "#2a7f3f" if label == "all together" or len(rows) == 1 else "#7a9cc6"
        if len(spans):
            starts = mdates.date2num(_dates(spans[:, 0]))
            widths = np.maximum(mdates.date2num(_dates(spans[:, 1])) - starts, least)
            ax.broken_barh(list(zip(starts, widths, strict=True)), (y - 0.35, 0.7), facecolor=colour,
                           edgecolor="none")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in reversed(rows)], fontsize=8)
    ax.set_xlim(d_lo, d_hi)
    ax.xaxis_date()
    locator = mdates.AutoDateLocator(interval_multiples=False)  # no 31 May and 01 Jun side by side
    ax.xaxis.set_major_locator(locator)
    # day ticks carry their month ('15 May') and month ticks their year ('Dec 2026'), the offset
    # at most the year: matplotlib's default offset names the last tick's month or year ('2023-Jun'
    # read '15' as 15 June; '2027' read the first 'Dec' as December 2027)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(
        locator, formats=["%Y", "%b %Y", "%d %b", "%H:%M", "%H:%M", "%S.%f"],
        zero_formats=["", "%b %Y", "%d %b", "%d %b", "%H:%M", "%H:%M"],
        offset_formats=["", "", "%Y", "%Y-%m-%d", "%Y-%m-%d", "%Y-%m-%d %H:%M"]))
    if marks is not None:
        labels = mark_labels or [None] * len(marks)
        for d, lab in zip(_dates(marks), labels, strict=True):
            ax.axvline(d, color="#c0392b", lw=1.2)
            if lab:
                ax.text(d, len(rows) - 0.38, lab, fontsize=7, va="bottom", ha="center",
                        color="#c0392b", clip_on=False)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("UTC")
    ax.set_title(title or f"Windows from {ctx.observer.name}: {len(windows)} found", fontsize=10,
                 pad=14 if marks is not None else 6)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
