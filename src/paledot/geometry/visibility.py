"""When a target is in view: spans of time in which the observer's planet does not hide it.

A coarse scan on a time grid finds every change of verdict, then each change is refined to a
millisecond by bisection on the limb height, all brackets at once.
A span is "visible" when the whole target is clear of the occulter's outline (``whole=True``, the
default; the camera sees all of it) or, with ``whole=False``, when its centre is. Changes shorter
than the grid step can be missed, as in any scan: choose a step shorter than the shortest span
wanted (for Mars orbiters one minute is ample; their occultations last tens of minutes).

Epochs ET; the tables show UTC. This module never draws anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._io.errors import PaledotError
from ..celestial.ephemeris import Ephemeris, default_ephemeris
from ..observers import as_observer
from ..time.timescales import DAY_S, et_to_iso, parse_step, to_et
from .occultation import occultation

if TYPE_CHECKING:
    from astropy.table import QTable


_REFINE_TOL_S = 1e-3
_REFINE_MAX = 60
_MAX_EPOCHS = 5_000_000


@dataclass
class Visibility:
    """Visible spans of one target from one observer over a searched window (ET seconds)."""

    observer: str
    target: str
    occulter: str
    start: float
    stop: float
    spans: np.ndarray  # (K, 2) ET start/stop of each visible span, inside [start, stop]
    whole: bool
    notes: tuple[str, ...] = ()

    @property
    def visible_seconds(self) -> float:
        return float(np.sum(self.spans[:, 1] - self.spans[:, 0])) if self.spans.size else 0.0

    def is_visible(self, et) -> np.ndarray:
        """Whether each ET epoch lies in a visible span."""
        et = np.atleast_1d(np.asarray(et, dtype=np.float64))
        if not self.spans.size:
            return np.zeros(et.shape, dtype=bool)
        return np.any((et[:, None] >= self.spans[None, :, 0]) & (et[:, None] <= self.spans[None, :, 1]),
                      axis=1)

    def to_table(self) -> QTable:
        """One row per visible span: UTC start/stop, duration, and whether the window cut it."""
        import astropy.units as u
        from astropy.table import QTable

        table = QTable()
        start, stop = self.spans[:, 0], self.spans[:, 1]
        table["start_utc"] = et_to_iso(start, precision=1) if start.size else np.array([], dtype=str)
        table["stop_utc"] = et_to_iso(stop, precision=1) if stop.size else np.array([], dtype=str)
        table["duration"] = ((stop - start) * u.s).to(u.min)
        table["from_window_start"] = start <= self.start
        table["to_window_stop"] = stop >= self.stop
        return table

    def per_day(self) -> QTable:
        """One row per UTC day touched by the window: visible minutes, span count, fraction."""
        import astropy.units as u
        from astropy.table import QTable

        days = _utc_days(self.start, self.stop)
        rows = []
        for d0, d1, label in days:
            lo, hi = max(d0, self.start), min(d1, self.stop)
            cut = np.clip(self.spans, lo, hi) if self.spans.size else np.zeros((0, 2))
            dur = cut[:, 1] - cut[:, 0] if cut.size else np.zeros(0)
            seconds = float(dur.sum())
            count = int(np.count_nonzero(dur > 0))
            rows.append((label, (hi - lo) / 60.0, seconds / 60.0, count, seconds / max(hi - lo, 1e-9)))
        table = QTable(rows=rows, names=("date", "searched", "visible", "spans", "fraction"),
                       dtype=(str, float, float, int, float))
        table["searched"].unit = u.min
        table["visible"].unit = u.min
        return table


def _utc_days(start: float, stop: float) -> list[tuple[float, float, str]]:
    first = str(et_to_iso(start)[0])[:10]
    out = []
    day = to_et(first)[0]
    while day < stop:
        nxt = to_et(str(et_to_iso(day + DAY_S + 3600.0)[0])[:10])[0]
        label = str(et_to_iso(day + 1.0)[0])[:10]
        out.append((day, nxt, label))
        day = nxt
    return out


def visible_spans(
    observer,
    target,
    start,
    stop,
    step="1min",
    correction: str = "LT+S",
    ephemeris: Ephemeris | None = None,
    occulter=None,
    whole: bool = True,
) -> Visibility:
    """Spans within [start, stop] in which ``target`` is clear of the observer's planet.

    ``start``/``stop`` are times (ISO UTC ...) or ET seconds; ``step`` the scan step (``"1min"`` or
    seconds). ``occulter`` defaults to the observer's central body.

    >>> v = visible_spans("mars express", "earth", "2023-05-15", "2023-05-15T08:00", "5min")
    >>> v.spans.shape[1]
    2
    """
    eph = ephemeris or default_ephemeris()
    obs = as_observer(observer, eph)
    from ..time.timescales import as_epoch

    t0, t1 = as_epoch(start, "start"), as_epoch(stop, "stop")
    seconds = parse_step(step) if isinstance(step, str) else float(step)
    if not (np.isfinite(seconds) and seconds > 0):
        raise PaledotError(f"step {step!r} must be positive (like 1min or 30s)")
    if not t1 > t0:
        raise PaledotError(f"stop ({stop}) must be later than start ({start})")
    count = int(np.floor((t1 - t0) / seconds)) + 1
    if count > _MAX_EPOCHS:
        raise PaledotError(f"{count:,} scan epochs are more than {_MAX_EPOCHS:,}: use a larger step")
    grid = t0 + seconds * np.arange(count, dtype=np.float64)
    if grid[-1] < t1:
        grid = np.append(grid, t1)

    def margin(et: np.ndarray) -> tuple[np.ndarray, object]:
        occ = occultation(obs, [target], et, correction, eph, occulter)
        h = occ._height[0] - (occ._target_radius[0] if whole else 0.0)
        # A target in front of the occulter is never hidden: give it a plainly positive margin.
        return np.where(occ._behind[0], h, np.pi), occ

    g, occ = margin(grid)
    vis = g > 0
    change = np.flatnonzero(vis[1:] != vis[:-1])
    crossings = _refine(margin, grid[change], grid[change + 1], g[change], g[change + 1])
    # Assemble spans from the verdict at the window start and the sorted crossings.
    edges = np.concatenate(([t0], crossings, [t1]))
    states = np.concatenate(([vis[0]], ~vis[change]))  # verdict after each edge
    spans = np.array([(edges[k], edges[k + 1]) for k in range(len(states)) if states[k]]).reshape(-1, 2)
    return Visibility(
        observer=obs.name, target=occ.targets[0].name, occulter=occ.occulter, start=t0, stop=t1,
        spans=spans, whole=whole, notes=occ.notes,
    )


def _refine(fn, a, b, fa, fb) -> np.ndarray:
    """Roots of fn in each bracket [a, b] (sign change), to 1 ms, all brackets per evaluation.

    Bisection: about 16 halvings from a one-minute bracket, each a single vectorised call, so it
    costs less than the scan and cannot fail on the kinks the limb height has.
    """
    a, b, fa = (np.array(x, dtype=np.float64) for x in (a, b, fa))
    del fb
    for _ in range(_REFINE_MAX):
        if a.size == 0 or np.all(b - a < _REFINE_TOL_S):
            break
        c = 0.5 * (a + b)
        fc, _ = fn(c)
        left = (fc > 0) == (fa > 0)
        a = np.where(left, c, a)
        fa = np.where(left, fc, fa)
        b = np.where(left, b, c)
    return 0.5 * (a + b)
