"""Window search: when a constraint holds, from a few days to centuries, boundaries to 1 ms.

How (for each threshold, then combined as windows, the way SPICE's GF is used):

1. *Scan* the searched spans every ``step`` (default: the quantity's own ``step_s``, the step under
   which its margin has at most one extremum between samples; a user may set it).
2. *Sign changes* between samples bracket a boundary.
3. *Short windows and short gaps*: where a sampled margin has a local extremum on the wrong side of
   zero (a maximum below it, a minimum above it, or an edge sample nearer zero than its neighbour),
   a golden-section search over the two steps around it finds the extremum to ``EXTREMUM_TOL_S``.
   If it crosses zero, the two sides bracket two boundaries. This is GF's "step + where the
   derivative changes sign" idea, done on all samples at once.
4. *Refine* every bracket by bisection, all brackets per vectorised evaluation, to ``TOL_S`` = 1 ms.

``&`` searches the slowest constraint first and each next one only inside the windows found so far
(GF's confinement windows); ``|`` unites, ``~`` takes the complement inside the searched spans.

Minimum window: a window or gap whose margin peaks between samples is found when it lasts longer
than ``MIN_WINDOW_S`` = 2 x ``EXTREMUM_TOL_S`` = 1 s (the golden search lands within the
tolerance of the peak, where a parabolic margin is still positive for windows longer than twice
it), provided each margin has at most one extremum per step, which the derived steps ensure.

Epochs ET (TDB s past J2000). This module never draws and never writes files.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import PaledotError
from .constraints import All, Any, Constraint, Context, Not, Threshold

TOL_S = 1e-3
EXTREMUM_TOL_S = 0.5
MIN_WINDOW_S = 2 * EXTREMUM_TOL_S
_GOLDEN = (math.sqrt(5) - 1) / 2
#: More coarse samples than this in one scan is a sign of a mistaken step.
MAX_SCAN_SAMPLES = 50_000_000


def solve(constraint: Constraint, ctx: Context, spans: np.ndarray, step_s: float | None = None) -> np.ndarray:
    """Sub-spans (K, 2) of ``spans`` (sorted, disjoint, ET) in which ``constraint`` holds."""
    spans = np.asarray(spans, dtype=np.float64).reshape(-1, 2)
    if spans.size == 0:
        return spans
    if isinstance(constraint, Threshold):
        return threshold_spans(constraint, ctx, spans, step_s)
    if isinstance(constraint, All):
        # The slowest (largest step) first: cheap to scan, and it confines the fast ones.
        order = sorted(constraint.parts, key=lambda p: -p.step_s(ctx))
        for part in order:
            spans = solve(part, ctx, spans, step_s)
            if spans.size == 0:
                break
        return spans
    if isinstance(constraint, Any):
        return union([solve(p, ctx, spans, step_s) for p in constraint.parts])
    if isinstance(constraint, Not):
        return difference(spans, solve(constraint.inner, ctx, spans, step_s))
    raise PaledotError(f"not a constraint: {constraint!r}")


def threshold_spans(leaf: Threshold, ctx: Context, spans: np.ndarray,
                    step_s: float | None = None) -> np.ndarray:
    """Where one threshold holds inside ``spans``: scan, extrema, bisection (module text)."""
    step = float(step_s) if step_s else leaf.quantity.step_s(ctx)
    lo, hi = spans[:, 0], spans[:, 1]
    n = np.maximum(np.ceil((hi - lo) / step).astype(np.int64), 1) + 1
    if n.sum() > MAX_SCAN_SAMPLES:
        raise PaledotError(f"a step of {step:g} s gives {int(n.sum()):,} samples: use a larger step")
    sid = np.repeat(np.arange(len(spans)), n)
    first = np.concatenate(([0], np.cumsum(n)[:-1]))
    k = np.arange(n.sum()) - first[sid]
    t = lo[sid] + (hi - lo)[sid] * (k / (n - 1)[sid])
    m = leaf.margin(ctx, t)
    pos = m > 0

    same = sid[1:] == sid[:-1]
    ch = np.nonzero(same & (pos[1:] != pos[:-1]))[0]
    a, b, fa = t[ch], t[ch + 1], m[ch]

    # Extremum candidates on the wrong side (see module text): interior local extrema and edges.
    s = np.where(pos, -1.0, 1.0)  # s*m < 0 everywhere; we look for s*m rising above 0
    g = s * m
    cand_lo, cand_hi = [], []
    if t.size >= 3:
        inner = np.arange(1, t.size - 1)
        ok = (sid[inner - 1] == sid[inner]) & (sid[inner + 1] == sid[inner])
        ok &= (pos[inner - 1] == pos[inner]) & (pos[inner + 1] == pos[inner])
        ok &= (g[inner] >= g[inner - 1]) & (g[inner] >= g[inner + 1])
        i = inner[ok]
        cand_lo.append(t[i - 1])
        cand_hi.append(t[i + 1])
    # Edges: the first (last) sample of a span nearer zero than the next (previous) one.
    last = first + n - 1
    e = first[(pos[first] == pos[first + 1]) & (g[first] > g[first + 1])]
    cand_lo.append(t[e])
    cand_hi.append(t[e + 1])
    e = last[(pos[last] == pos[last - 1]) & (g[last] > g[last - 1])]
    cand_lo.append(t[e - 1])
    cand_hi.append(t[e])
    c_lo, c_hi = np.concatenate(cand_lo), np.concatenate(cand_hi)
    if c_lo.size:
        c_lo, idx = np.unique(c_lo, return_index=True)
        c_hi = c_hi[idx]
        side = np.interp(c_lo, t, s)  # sign of the side, constant on each candidate's samples
        t_ext, g_ext = _golden_max(lambda x: side * leaf.margin(ctx, x), c_lo, c_hi)
        hit = g_ext > 0
        if hit.any():
            te, ls, hs, sd = t_ext[hit], c_lo[hit], c_hi[hit], side[hit]
            # Two brackets: [lo, t*] and [t*, hi]; at lo the margin is on the side's wrong side.
            a = np.concatenate((a, ls, te))
            b = np.concatenate((b, te, hs))
            fa = np.concatenate((fa, sd * -1.0, sd * 1.0))
    roots = _bisect(lambda x: leaf.margin(ctx, x), a, b, fa)

    return _assemble(spans, pos[first], roots)


def _golden_max(fn, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum of unimodal ``fn`` on each [lo, hi], all at once, to EXTREMUM_TOL_S; (t*, fn(t*))."""
    a, b = lo.astype(np.float64), hi.astype(np.float64)
    c = b - _GOLDEN * (b - a)
    d = a + _GOLDEN * (b - a)
    fc, fd = fn(c), fn(d)
    while np.max(b - a) > 2 * EXTREMUM_TOL_S:
        left = fc > fd  # the maximum lies in [a, d]
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        c_new = np.where(left, b - _GOLDEN * (b - a), d)
        d_new = np.where(left, c, a + _GOLDEN * (b - a))
        f_new = fn(np.where(left, c_new, d_new))
        fc, fd = np.where(left, f_new, fd), np.where(left, fc, f_new)
        c, d = c_new, d_new
    take_c = fc > fd
    return np.where(take_c, c, d), np.where(take_c, fc, fd)


def _bisect(fn, a: np.ndarray, b: np.ndarray, fa: np.ndarray) -> np.ndarray:
    """A root of ``fn`` in each bracket [a, b] (opposite signs), to TOL_S; all brackets per call."""
    a, b, pa = a.astype(np.float64), b.astype(np.float64), np.asarray(fa) > 0
    if a.size == 0:
        return a
    while np.max(b - a) > TOL_S:
        c = 0.5 * (a + b)
        same = (fn(c) > 0) == pa
        a = np.where(same, c, a)
        b = np.where(same, b, c)
    return 0.5 * (a + b)


def _assemble(spans: np.ndarray, state0: np.ndarray, roots: np.ndarray) -> np.ndarray:
    """Holding sub-spans from each span's first state and the boundary epochs inside it."""
    owner = np.searchsorted(spans[:, 0], roots, side="right") - 1
    k = len(spans)
    bounds = np.concatenate((spans[:, 0], roots, spans[:, 1]))
    who = np.concatenate((np.arange(k), owner, np.arange(k)))
    rank = np.concatenate((np.zeros(k), np.ones(roots.size), np.full(k, 2.0)))
    order = np.lexsort((rank, bounds, who))  # by span, then time, span edges outermost
    bounds, who = bounds[order], who[order]
    # The j-th interval of a span holds when j is even for a span that starts holding, else odd.
    j = np.arange(bounds.size) - np.searchsorted(who, who)
    same = who[1:] == who[:-1]
    holds = same & ((j[:-1] % 2 == 0) == state0[who[:-1]])
    out = np.stack((bounds[:-1][holds], bounds[1:][holds]), axis=1)
    return out[out[:, 1] > out[:, 0]]


def union(parts: list[np.ndarray]) -> np.ndarray:
    """Union of span lists (each (K, 2)), merged and sorted."""
    allx = np.concatenate([p.reshape(-1, 2) for p in parts]) if parts else np.zeros((0, 2))
    if allx.size == 0:
        return np.zeros((0, 2))
    allx = allx[np.argsort(allx[:, 0])]
    reach = np.maximum.accumulate(allx[:, 1])
    new = np.concatenate(([True], allx[1:, 0] > reach[:-1]))
    group = np.cumsum(new) - 1
    starts = allx[new, 0]
    stops = np.zeros(starts.size)
    np.maximum.at(stops, group, allx[:, 1])
    return np.stack((starts, stops), axis=1)


def difference(spans: np.ndarray, holes: np.ndarray) -> np.ndarray:
    """Parts of ``spans`` outside ``holes`` (both sorted, disjoint)."""
    if holes.size == 0:
        return spans
    edges = []
    for lo, hi in spans:
        inside = holes[(holes[:, 1] > lo) & (holes[:, 0] < hi)]
        cur = lo
        for h0, h1 in inside:
            if h0 > cur:
                edges.append((cur, h0))
            cur = max(cur, h1)
        if cur < hi:
            edges.append((cur, hi))
    return np.array(edges, dtype=np.float64).reshape(-1, 2)
