"""Imaging windows: ``find_windows`` and the ``Windows`` result (table, JSON, ECSV, iCalendar, timeline).

A window is a span in which the whole constraint holds. For each one the table gives its start and
stop (UTC, and ET), duration, the tightest value each threshold reaches inside it (sampled at 65
epochs from 2 ms after the start to 2 ms before the stop), and which threshold closes it (the one
whose margin changes sign at the stop; "search end" when the searched span ends first). When
nothing holds, ``never_held`` names each threshold that never holds alone in the span, or says that
they hold only at different times.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .._io.errors import PaledotError
from ..time.timescales import et_to_iso, parse_step, to_et
from .constraints import All, Any, Constraint, Context
from .search import MIN_WINDOW_S, TOL_S, solve

if TYPE_CHECKING:  # astropy is imported where a table is made: the CLI's start stays light
    from astropy.table import QTable

_SAMPLES = 65


def _span(start, stop) -> tuple[float, float]:
    lo = float(start) if isinstance(start, (int, float)) else float(to_et(start)[0])
    hi = float(stop) if isinstance(stop, (int, float)) else float(to_et(stop)[0])
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise PaledotError("start and stop must be finite times")
    if hi <= lo:
        raise PaledotError(f"stop ({stop}) is not after start ({start}): give a stop later than the start")
    return lo, hi


def find_windows(
    observer,
    constraint: Constraint,
    start,
    stop,
    step: str | float | None = None,
    ephemeris=None,
    correction: str = "LT+S",
) -> Windows:
    """Every span between ``start`` and ``stop`` in which ``constraint`` holds, boundaries to 1 ms.

    ``observer`` is anything :func:`paledot.observers.as_observer` reads (or a ``Context``);
    ``start``/``stop`` are times (ISO UTC...) or ET seconds; ``step`` overrides the coarse scan step
    derived from each constraint (a string like ``6h`` or seconds). See :mod:`paledot.plan.search`
    for the method and the minimum window length (``MIN_WINDOW_S``).
    """
    if not isinstance(constraint, Constraint):
        raise PaledotError(f"{constraint!r} is not a constraint: build one with paledot.plan "
                           "(sun_elongation, separation, not_occulted, ... combined with & | ~)")
    ctx = observer if isinstance(observer, Context) else Context(observer, ephemeris, correction)
    lo, hi = _span(start, stop)
    step_s = None
    if step is not None:
        step_s = parse_step(step) if isinstance(step, str) else float(step)
        if not (math.isfinite(step_s) and step_s > 0):
            raise PaledotError(f"step {step!r} must be positive (like 1d, 6h or 30min)")
    constraint.margin(ctx, np.array([lo, hi]))  # the whole span covered? (one-line error if not)
    spans = solve(constraint, ctx, np.array([[lo, hi]]), step_s)
    return Windows(ctx, constraint, lo, hi, spans, step_s)


@dataclass
class Windows:
    """Windows of one constraint from one observer: ``spans`` (K, 2) ET start/stop."""

    context: Context
    constraint: Constraint
    start: float
    stop: float
    spans: np.ndarray
    step_s: float | None = None
    notes: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.spans)

    @property
    def durations(self) -> np.ndarray:
        return self.spans[:, 1] - self.spans[:, 0]

    @property
    def leaves(self):
        return self.constraint.leaves()

    @cached_property
    def never_held(self) -> list[str]:
        """Empty when windows exist; else each threshold that never holds alone, or a sentence."""
        if len(self.spans):
            return []
        span = np.array([[self.start, self.stop]])
        alone = [atom.label for atom in _atoms(self.constraint)
                 if solve(atom, self.context, span, self.step_s).size == 0]
        return alone or ["each constraint holds at some time, but never all together"]

    def why_empty(self) -> str:
        """One line: which constraint never held (empty when there are windows)."""
        return "; ".join(x if x.startswith("each") else f"{x} never holds" for x in self.never_held)

    @cached_property
    def _details(self) -> tuple[dict, list[str]]:
        leaves, spans = self.leaves, self.spans
        if not len(spans):
            return {leaf.label: np.zeros(0) for leaf in leaves}, []
        frac = np.linspace(0.0, 1.0, _SAMPLES)
        # Just inside the ends (the boundaries are within TOL_S of the true ones, either side).
        inset = np.minimum(2 * TOL_S, (spans[:, 1] - spans[:, 0]) / 4)[:, None]
        lo, hi = spans[:, :1] + inset, spans[:, 1:] - inset
        t = (lo + (hi - lo) * frac).reshape(-1)
        extremes = {}
        for leaf in leaves:
            v = leaf.value(self.context, t).reshape(len(spans), _SAMPLES)
            extremes[leaf.label] = v.min(axis=1) if leaf.above else v.max(axis=1)
        # Who closes: the threshold whose margin changes sign across the stop.
        stop = spans[:, 1]
        before = np.array([leaf.margin(self.context, stop - 2 * TOL_S) for leaf in leaves])
        after = np.array([leaf.margin(self.context, stop + 2 * TOL_S) for leaf in leaves])
        closers = []
        for k in range(len(spans)):
            if stop[k] >= self.stop:
                closers.append("search end")
                continue
            flip = [i for i in range(len(leaves)) if (before[i, k] > 0) != (after[i, k] > 0)]
            i = flip[0] if flip else int(np.argmin(np.abs(after[:, k])))
            closers.append(leaves[i].label)
        return extremes, closers

    @property
    def closed_by(self) -> list[str]:
        return self._details[1]

    def to_table(self) -> QTable:
        """One row per window: UTC start/stop, ET, duration (h), tightest value of each threshold,
        the threshold that closes the window."""
        import astropy.units as u
        from astropy.table import QTable

        extremes, closers = self._details
        t = QTable()
        s = self.spans
        t["start_utc"] = et_to_iso(s[:, 0], 3) if len(s) else np.array([], dtype="U23")
        t["stop_utc"] = et_to_iso(s[:, 1], 3) if len(s) else np.array([], dtype="U23")
        t["start_et"] = s[:, 0] * u.s
        t["stop_et"] = s[:, 1] * u.s
        t["duration"] = (self.durations * u.s).to(u.h)
        for leaf in self.leaves:
            q = leaf.quantity
            col = extremes[leaf.label]
            unit = u.Unit(q.unit) if q.unit and q.unit != "px" else u.dimensionless_unscaled
            t[_column(leaf)] = col * unit
            t[_column(leaf)].description = f"tightest value inside for {leaf.label}" + (
                " (pixels)" if q.unit == "px" else "")
        t["closed_by"] = np.array(closers, dtype=str) if closers else np.array([], dtype="U1")
        t.meta.update(self.meta())
        return t

    def meta(self) -> dict:
        from .._io.version import version

        return {
            "paledot": version(),
            "observer": self.context.observer.name,
            "constraint": self.constraint.label,
            "search_start_utc": str(et_to_iso(self.start, 3)[0]),
            "search_stop_utc": str(et_to_iso(self.stop, 3)[0]),
            "correction": self.context.correction,
            "step_s": self.step_s if self.step_s else {leaf.label: leaf.quantity.step_s(self.context)
                                                          for leaf in self.leaves},
            "boundary_tolerance_s": TOL_S,
            "min_window_s": MIN_WINDOW_S,
            "ephemeris": [str(p) for p in self.context.ephemeris.paths],
            "never_held": self.never_held,
        }

    # --- formats -------------------------------------------------------------------------------
    def to_text(self) -> str:
        t = self.to_table()
        lines = [f"observer {self.context.observer.name} · {self.constraint.label}",
                 f"searched {t.meta['search_start_utc']} to {t.meta['search_stop_utc']} UTC · "
                 f"{len(self)} window(s), {self.durations.sum() / 86400:.3f} days in all · "
                 f"boundaries to {TOL_S * 1e3:g} ms"]
        note = getattr(self.context.observer, "note", "")
        if note:
            lines.append(f"note: {note}")
        if not len(self):
            lines.append("no window: " + self.why_empty())
            return "\n".join(lines) + "\n"
        extra = [c for c in t.colnames if c not in ("start_utc", "stop_utc", "start_et", "stop_et",
                                                     "duration", "closed_by")]
        head = f"  {'start (UTC)':<23}  {'stop (UTC)':<23}  {'hours':>9}  " + "  ".join(
            f"{c:>{max(len(c), 10)}}" for c in extra) + "  closed by"
        lines.append(head)
        for r in t:
            vals = "  ".join(f"{_num(r[c]):>{max(len(c), 10)}}" for c in extra)
            lines.append(f"  {r['start_utc']:<23}  {r['stop_utc']:<23}  {r['duration'].value:>9.3f}  "
                         f"{vals}  {r['closed_by']}")
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        import io

        buf = io.StringIO()
        table = self.to_table()
        table.meta.clear()
        table.rename_columns(["start_et", "stop_et", "duration"], ["start_et_s", "stop_et_s", "duration_h"])
        table.write(buf, format="ascii.csv")
        return buf.getvalue()

    def to_json(self) -> str:
        import astropy.units as u

        t = self.to_table()
        rows = []
        for r in t:
            row = {"start_utc": str(r["start_utc"]), "stop_utc": str(r["stop_utc"]),
                   "start_et": float(r["start_et"].value), "stop_et": float(r["stop_et"].value),
                   "duration_s": float(r["duration"].to_value(u.s)), "closed_by": str(r["closed_by"])}
            row["tightest"] = {leaf.label: float(_num(r[_column(leaf)], raw=True)) for leaf in self.leaves}
            rows.append(row)
        return json.dumps({**t.meta, "windows": rows}, indent=1) + "\n"

    def to_ecsv(self) -> str:
        import io

        buf = io.StringIO()
        t = self.to_table()
        t.meta = {k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in t.meta.items()}
        t.write(buf, format="ascii.ecsv")
        return buf.getvalue()

    def to_ics(self) -> str:
        """The windows as an iCalendar (RFC 5545) calendar: one VEVENT per window, UTC times."""
        from .ical import calendar

        events = []
        for k, (a, b) in enumerate(self.spans):
            closer = self.closed_by[k]
            events.append({
                "start_utc": str(et_to_iso(a, 0)[0]), "stop_utc": str(et_to_iso(b, 0)[0]),
                "summary": f"window {k + 1}: {self.constraint.label}",
                "description": f"observer {self.context.observer.name}; closed by {closer}; "
                               f"boundaries ET {float(a)!r} to {float(b)!r}",
                "uid": f"paledot-{int(a * 1000)}-{int(b * 1000)}-{k}@paledot",
            })
        return calendar(events)

    def timeline_png(self, title: str | None = None, marks=None, mark_labels=None) -> bytes:
        """PNG bytes of a timeline (needs matplotlib): each threshold's windows and all together,
        ``marks`` (ET) drawn as labelled lines."""
        from .timeline import timeline_png

        return timeline_png(self, title, marks, mark_labels)


def _atoms(c: Constraint) -> list[Constraint]:
    """The simplest parts that hold or not on their own: thresholds, or negations of a threshold."""
    if isinstance(c, (All, Any)):
        return [a for p in c.parts for a in _atoms(p)]
    return [c]


def _column(leaf) -> str:
    q = leaf.quantity
    unit = {"deg": "_deg", "px": "_px", "km": "_km", "mag": "_mag"}.get(q.unit, "")
    key = q.key.replace("(", "_").replace(")", "").replace(",", "_").replace(".", "p")
    return f"{key}{unit}"


def _num(value, raw: bool = False):
    v = value.value if hasattr(value, "value") else value
    if raw:
        return float(v)
    v = float(v)
    return f"{v:.6g}" if abs(v) < 1e6 else f"{v:.6e}"
