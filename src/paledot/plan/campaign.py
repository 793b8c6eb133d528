"""Campaigns: choose K frame epochs inside windows that cover the most of the Moon's orbit.

Coverage, precisely. The Moon's *orbital phase* at an epoch is the angle of its geometric
geocentric vector in the orbit's mean plane (normal: the summed cross products of hourly vectors,
as :func:`paledot.stories.claims.orbit_fraction` takes it). The *covered share* of a set of epochs is the
shortest arc of that circle holding all their phases, over 360 degrees: one minus the largest gap
between neighbouring phases. For frames taken within one orbit whose largest gap is the one from
the last frame back round to the first (ESA's four 2023 dates), it is exactly the swept angle
first-to-last that ``paledot.stories.claims`` reports (63.5% for mex-2023); over longer spans it still
means something (frames a year apart at the same phase cover nothing new).

Design. Candidates are epochs every ``candidate_step`` inside the windows (and each window's ends,
1 s inside). The largest gap ``G`` is minimised by bisection on ``G``: a set of K frames with all
gaps at most ``G`` exists if, from some first candidate, jumping each time to the farthest
candidate at most ``G`` ahead in phase closes the circle within K frames (greedy is optimal for
this covering of a circle). Frames must be ``min_spacing`` apart in time (default: the observer's
orbital period, "one frame per orbit"; 0 for a body centre); a greedy set that breaks the spacing
counts as infeasible, so where the spacing binds the plan is good but not proven best. Then,
keeping every gap at most the best ``G``, each frame moves to the candidate that best evens the
gaps on its two sides.
Epochs ET; phases rad. This module never renders; ``scenario_toml`` writes a plan as a scenario.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from .._io.errors import PaledotError
from ..geometry.lighttime import observe
from ..time.timescales import et_to_iso, to_et
from .windows import Windows

TWO_PI = 2 * math.pi
_HOUR = 3600.0
_MAX_CANDIDATES = 40_000
_MAX_NORMAL_SAMPLES = 20_000


def orbit_normal(first_et: float, last_et: float, ephemeris=None) -> np.ndarray:
    """Unit normal of the Moon's mean geocentric orbit plane between two epochs (J2000).

    Summed cross products of consecutive hourly vectors (as ``claims.orbit_fraction``); a span of
    under a day is widened to one sidereal month from its start."""
    if last_et - first_et < 86400.0:
        last_et = first_et + 27.321661 * 86400.0
    n = int(min(max(2, (last_et - first_et) / _HOUR + 1), _MAX_NORMAL_SAMPLES))
    t = np.linspace(first_et, last_et, n)
    v = observe("earth", "moon", t, correction="NONE", ephemeris=ephemeris).position.to_value("km")[0]
    normal = np.cross(v[:-1], v[1:]).sum(axis=0)
    return normal / np.linalg.norm(normal)


def orbital_phase(et, normal: np.ndarray, ephemeris=None) -> np.ndarray:
    """The Moon's phase angle (rad, [0, 2pi)) in the plane with ``normal``, from that plane's own
    x axis (the J2000 equinox direction projected into it)."""
    et = np.atleast_1d(np.asarray(et, dtype=np.float64))
    v = observe("earth", "moon", et, correction="NONE", ephemeris=ephemeris).position.to_value("km")[0]
    x = np.array([1.0, 0.0, 0.0]) - normal[0] * normal
    x /= np.linalg.norm(x)
    y = np.cross(normal, x)
    return np.mod(np.arctan2(v @ y, v @ x), TWO_PI)


def largest_gap(phase: np.ndarray) -> float:
    """The largest angle (rad) between neighbouring phases around the circle (2pi for one epoch)."""
    p = np.sort(np.mod(np.asarray(phase, dtype=np.float64), TWO_PI))
    if p.size < 2:
        return TWO_PI
    gaps = np.diff(np.concatenate((p, [p[0] + TWO_PI])))
    return float(gaps.max())


def covered_share(et, ephemeris=None, normal: np.ndarray | None = None) -> float:
    """Share (0-1) of the Moon's orbit the epochs cover: the shortest arc holding all their phases.

    The plane is taken from the epochs' own span unless ``normal`` is given (module text).

    >>> round(covered_share(["2023-05-15T14:08", "2023-05-21T03:10", "2023-05-27T19:49",
    ...                      "2023-06-02T15:00"]), 3)
    0.635
    """
    et = np.sort(np.atleast_1d(to_et(et) if not _is_et(et) else np.asarray(et, dtype=np.float64)))
    if et.size < 2:
        return 0.0
    if normal is None:
        normal = orbit_normal(float(et[0]), float(et[-1]), ephemeris)
    return 1.0 - largest_gap(orbital_phase(et, normal, ephemeris)) / TWO_PI


def _is_et(x) -> bool:
    return isinstance(x, np.ndarray) and x.dtype.kind in "fi"


@dataclass
class Campaign:
    """A designed campaign: ``epochs`` (ET, sorted), their orbital phases and covered share."""

    epochs: np.ndarray
    phases: np.ndarray
    share: float
    windows: Windows
    min_spacing_s: float
    candidates: int
    compare: dict = field(default_factory=dict)  # name -> (covered share, epochs ET)

    def to_rows(self) -> list[dict]:
        order = np.argsort(self.epochs)
        ph = self.phases[order]
        # Gap from each frame's phase to the next frame's around the orbit (the largest of these
        # is the arc no frame covers; they add up to 360 degrees).
        by_phase = np.argsort(ph, kind="stable")
        gap = np.empty(ph.size)
        gap[by_phase] = np.mod(np.roll(ph[by_phase], -1) - ph[by_phase], TWO_PI)
        if ph.size == 1:
            gap[:] = TWO_PI
        rows = []
        utc = et_to_iso(self.epochs[order], 3)
        for k, i in enumerate(order):
            rows.append({"frame": k + 1, "utc": str(utc[k]), "et": float(self.epochs[i]),
                         "moon_phase_deg": math.degrees(float(ph[k])),
                         "gap_to_next_phase_deg": math.degrees(float(gap[k]))})
        return rows

    def summary(self) -> dict:
        from .._io.version import version

        return {
            "paledot": version(),
            "observer": self.windows.context.observer.name,
            "constraint": self.windows.constraint.label,
            "search_start_utc": str(et_to_iso(self.windows.start, 3)[0]),
            "search_stop_utc": str(et_to_iso(self.windows.stop, 3)[0]),
            "frames": len(self.epochs),
            "min_spacing_s": self.min_spacing_s,
            "covered_share": self.share,
            "coverage": "shortest arc of the Moon's geocentric orbit (mean plane) holding all frames",
            "compare": {k: {"covered_share": v[0], "epochs_utc": [str(x) for x in et_to_iso(v[1], 0)]}
                        for k, v in self.compare.items()},
        }

    def to_json(self) -> str:
        return json.dumps({**self.summary(), "plan": self.to_rows()}, indent=1) + "\n"

    def to_csv(self) -> str:
        lines = ["frame,utc,et,moon_phase_deg,gap_to_next_phase_deg"]
        for r in self.to_rows():
            lines.append(f"{r['frame']},{r['utc']},{r['et']!r},{r['moon_phase_deg']:.6f},"
                         f"{r['gap_to_next_phase_deg']:.6f}")
        lines.append(f"# covered share {self.share:.6f}")
        for k, v in self.compare.items():
            lines.append(f"# {k} covered share {v[0]:.6f}")
        return "\n".join(lines) + "\n"

    def to_text(self) -> str:
        s = self.summary()
        lines = [f"observer {s['observer']} · {s['constraint']}",
                 f"searched {s['search_start_utc']} to {s['search_stop_utc']} UTC · "
                 f"{len(self.windows)} window(s) · {self.candidates} candidate epochs · "
                 + (f"frames at least {self.min_spacing_s / 3600:g} h apart" if self.min_spacing_s > 0
                    else "no least time between frames"),
                 # the Moon's place around its orbit (CSV/JSON 'moon_phase_deg'), not its lit phase
                 f"  {'frame':>5}  {'UTC':<23}  {'Moon orbit angle (deg)':>22}  {'to next frame (deg)':>19}"]
        for r in self.to_rows():
            lines.append(f"  {r['frame']:>5}  {r['utc']:<23}  {r['moon_phase_deg']:>22.2f}  "
                         f"{r['gap_to_next_phase_deg']:>19.2f}")
        lines.append(f"covered share of the Moon's orbit: plan {self.share:.1%}")
        for k, v in self.compare.items():
            lines.append(f"                                   {k} {v[0]:.1%}")
        return "\n".join(lines) + "\n"

    def scenario_toml(self, name: str, camera: str, targets, observer: str, title: str | None = None) -> str:
        """The plan as a scenario file that ``paledot reproduce`` renders."""
        utc = [str(x) for x in et_to_iso(np.sort(self.epochs), 3)]
        best_other = max((v[0] for v in self.compare.values()), default=None)
        q = json.dumps
        summary = (f"{len(utc)} frames covering {self.share:.1%} of the Moon's orbit, "
                   f"{utc[0][:10]} to {utc[-1][:10]}")
        title = title or f"Designed campaign: {len(utc)} frames from {observer}"
        lines = [
            f"# A campaign designed by paledot ({self.windows.constraint.label}).",
            f"name = {q(name)}",
            f"title = {q(title)}",
            f"summary = {q(summary)}",
            f"observer = {q(observer)}",
            f"camera = {q(camera)}",
            f"targets = {q(list(targets))}",
            'pointing = "midpoint"',
            'exposure = "auto"',
            f"epochs = {q(utc)}",
            f"epochs_source = {q('paledot campaign: ' + self.windows.constraint.label)}",
            "",
            "[orbit]",
            "days = 27.321661",
            'step = "2h"',
        ]
        if best_other is not None:
            claim = f"The plan covers more of the Moon's orbit than {best_other:.1%}"
            lines += ["", "[[claims]]", 'id = "coverage"',
                      f"claim = {q(claim)}",
                      'source = "paledot campaign --compare"', 'kind = "orbit_fraction_more_than"',
                      f"fraction = {best_other!r}"]
        return "\n".join(lines) + "\n"


def design(
    windows: Windows,
    frames: int,
    min_spacing_s: float | None = None,
    candidate_step_s: float | None = None,
) -> Campaign:
    """Choose ``frames`` epochs inside ``windows`` covering the most of the Moon's orbit (module text)."""
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer)) or frames < 1:
        raise PaledotError(f"frames {frames!r} must be a whole number of at least 1")
    if frames > 1000:
        raise PaledotError(f"frames {frames} is more than 1000: a campaign is a handful of frames")
    spans = windows.spans
    if not len(spans):
        raise PaledotError(f"no window in which to take frames: {windows.why_empty()}")
    if min_spacing_s is None:
        period = windows.context.orbit_period_s
        min_spacing_s = period if period is not None else 0.0
    if not (math.isfinite(min_spacing_s) and min_spacing_s >= 0):
        raise PaledotError(f"minimum spacing {min_spacing_s} s must be zero or more")
    total = float(np.sum(spans[:, 1] - spans[:, 0]))
    step = candidate_step_s or max(_HOUR, total / _MAX_CANDIDATES)
    if not (math.isfinite(step) and step > 0):
        raise PaledotError(f"candidate step {candidate_step_s} s must be positive")
    cand = [np.arange(a + 1.0, b - 1.0, step) for a, b in spans] + [
        np.array([a + min(1.0, (b - a) / 2), b - min(1.0, (b - a) / 2)]) for a, b in spans]
    t = np.unique(np.concatenate(cand))
    if t.size > 5 * _MAX_CANDIDATES:
        raise PaledotError(f"{t.size:,} candidate epochs: give a larger candidate step")
    eph = windows.context.ephemeris
    normal = orbit_normal(windows.start, windows.stop, eph)
    phase = orbital_phase(t, normal, eph)
    order = np.argsort(phase, kind="stable")
    p, tt = phase[order] / TWO_PI, t[order]  # phases as turns

    best = _choose(p, tt, frames, min_spacing_s)
    if best is None:
        raise PaledotError(
            f"no {frames} epochs {min_spacing_s / 3600:g} h apart fit in the windows: fewer frames or a "
            "smaller --min-spacing"
        )
    chosen = _even_out(p, tt, best, min_spacing_s)
    epochs = np.sort(tt[chosen])
    phases = orbital_phase(epochs, normal, eph)
    share = 1.0 - largest_gap(phases) / TWO_PI
    return Campaign(epochs, phases, share, windows, float(min_spacing_s), int(t.size))


def _spaced(times: np.ndarray, min_spacing: float) -> np.ndarray:
    """(..., K) times -> whether all distinct ones are at least ``min_spacing`` apart."""
    s = np.sort(times, axis=0)
    d = np.diff(s, axis=0)
    return np.all((d == 0) | (d >= min_spacing - 1e-9), axis=0)


def _feasible(p: np.ndarray, tt: np.ndarray, k: int, gap: float, min_spacing: float):
    """Indices (K,) of a set with every circular gap <= ``gap`` (turns), or None (greedy, all starts)."""
    n = p.size
    big = np.concatenate((p, p + 1.0))
    starts = np.arange(n)
    cur = starts.copy()
    picks = [starts]
    for _ in range(k - 1):
        nxt = np.searchsorted(big, big[cur] + gap, side="right") - 1
        cur = np.maximum(np.minimum(nxt, starts + n - 1), cur)
        picks.append(cur)
    ok = big[cur] + gap >= big[starts] + 1.0 - 1e-12
    idx = np.stack(picks) % n
    if min_spacing > 0:
        ok &= _spaced(tt[idx], min_spacing)
    hit = np.nonzero(ok)[0]
    return None if hit.size == 0 else idx[:, hit[0]]


def _choose(p, tt, k, min_spacing):
    lo, hi = 0.0, 1.0
    best = _feasible(p, tt, k, hi, min_spacing)
    if best is None:
        return None
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        got = _feasible(p, tt, k, mid, min_spacing)
        if got is None:
            lo = mid
        else:
            hi, best = mid, got
    return _fill(p, tt, list(dict.fromkeys(best.tolist())), k, min_spacing)


def _gaps(p, chosen):
    ph = np.sort(p[chosen])
    return np.diff(np.concatenate((ph, [ph[0] + 1.0])))


def _fill(p, tt, chosen, k, min_spacing):
    """Add frames (greedy set may use fewer than K) where they split the largest gap."""
    while len(chosen) < k:
        ok = np.ones(p.size, dtype=bool)
        ok[chosen] = False
        for j in chosen:
            ok &= np.abs(tt - tt[j]) >= min_spacing
        if not ok.any():
            return None
        ph = np.sort(p[chosen])
        gaps = np.diff(np.concatenate((ph, [ph[0] + 1.0])))
        i = int(np.argmax(gaps))
        mid = (ph[i] + gaps[i] / 2) % 1.0
        dist = np.abs((p - mid + 0.5) % 1.0 - 0.5)
        dist[~ok] = np.inf
        chosen.append(int(np.argmin(dist)))
    return chosen


def _even_out(p, tt, chosen, min_spacing, sweeps: int = 4):
    """Move each frame to the candidate that best evens its two neighbouring gaps, never widening
    the largest gap and keeping the spacing."""
    chosen = list(chosen)
    if len(chosen) < 3:
        return np.array(chosen)
    limit = _gaps(p, chosen).max() + 1e-12
    for _ in range(sweeps):
        for slot in range(len(chosen)):
            others = [c for i, c in enumerate(chosen) if i != slot]
            ph = np.sort(p[others])
            here = p[chosen[slot]]
            after = np.searchsorted(ph, here) % len(ph)
            nxt, prev = ph[after], ph[after - 1]
            span = (nxt - prev) % 1.0 or 1.0
            off = (p - prev) % 1.0
            score = np.minimum(off, span - off)
            ok = (off > 0) & (off < span) & (np.maximum(off, span - off) <= limit)
            for c in others:
                ok &= np.abs(tt - tt[c]) >= min_spacing
            if ok.any():
                score = np.where(ok, score, -1.0)
                cand = int(np.argmax(score))
                if score[cand] > min((here - prev) % 1.0, (nxt - here) % 1.0) + 1e-12:
                    chosen[slot] = cand
    return np.array(chosen)
