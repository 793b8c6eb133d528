"""Window search: when a constraint holds, from a few days to centuries, boundaries to 1 ms.

How (for each threshold, then combined as windows, the way SPICE's GF is used):

1. *Scan* the searched spans every ``step`` (default: the quantity's own ``step_s``, under which
   its margin has at most one extremum between two samples; a user may set it).
2. *Sign changes* between samples bracket a boundary.
3. *Short windows and short gaps*: where the sampled margin has a local extremum on the wrong side
   of zero (a maximum below it, a minimum above it, or a span's end sample nearer zero than the
   next) and lies within one sample-to-sample change of zero, a golden-section search over the
   two steps around it looks for the other side of zero. A parabolic peak between samples rises
   above the best sample by at most a quarter of that change, so the test keeps every extremum
   that could cross. The search stops as soon as it finds a point across zero (it splits the
   bracket in two), when the same parabolic bound says the peak cannot reach zero, or when the
   bracket is under ``EXTREMUM_TOL_S``. This is GF's "step + where the derivative changes sign"
   idea, done on all samples at once.
4. *Refine* every bracket with regula falsi (Illinois), all unconverged brackets per vectorised
   evaluation, until it is shorter than ``TOL_S`` = 1 ms; the boundary is its middle.

``&`` searches the slowest constraint first and each next one only inside the windows found so far
(GF's confinement windows); ``|`` unites, ``~`` takes the complement inside the searched spans.

Minimum window: a window or gap whose margin peaks between samples is found when it lasts longer
than ``MIN_WINDOW_S`` = 2 x ``EXTREMUM_TOL_S`` = 1 s (the golden search ends within
``EXTREMUM_TOL_S`` of the peak), provided each margin has at most one extremum per step and is
smooth on the scale of a step (its curvature changes little over two steps), which the derived
steps ensure for geometry. A spike narrower than the step (no physical margin has one) is not.

Epochs ET (TDB s past J2000). This module never draws and never writes files.
"""

from __future__ import annotations

import math

import numpy as np

from .._io.errors import PaledotError
from .constraints import All, Any, Constraint, Context, Not, Threshold

TOL_S = 1e-3
EXTREMUM_TOL_S = 0.5
MIN_WINDOW_S = 2 * EXTREMUM_TOL_S
_GOLDEN = (math.sqrt(5) - 1) / 2
#: More coarse samples than this in one scan is a sign of a mistaken step.
MAX_SCAN_SAMPLES = 10_000_000


def solve(constraint: Constraint, ctx: Context, spans: np.ndarray, step_s: float | None = None) -> np.ndarray:
    """Sub-spans (K, 2) of ``spans`` (sorted, disjoint, ET) in which ``constraint`` holds."""
    spans = np.asarray(spans, dtype=np.float64).reshape(-1, 2)
    if spans.size == 0:
        return spans
    if isinstance(constraint, Threshold):
        return threshold_spans(constraint, ctx, spans, step_s)
    if isinstance(constraint, All):
        # The slowest (largest step) first: cheap to scan, and it confines the fast ones.
        order = sorted(constraint.parts, key=lambda p: -_step_or_zero(p, ctx))
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


def _step_or_zero(c: Constraint, ctx: Context) -> float:
    """A constraint's derived step, or 0 when it has none (a user-given step then applies)."""
    try:
        return c.step_s(ctx)
    except PaledotError:
        return 0.0


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
    a, b, fa, fb = t[ch], t[ch + 1], m[ch], m[ch + 1]

    # Extremum candidates on the wrong side (module text): interior local extrema and span edges,
    # kept when within one sample-to-sample change of zero (a parabolic peak between samples rises
    # above the best sample by at most a quarter of that change).
    g = np.where(pos, -m, m)  # g < 0 everywhere; a hidden boundary pair needs g to rise above 0
    lo_i, hi_i = [], []
    if t.size >= 3:
        i = np.arange(1, t.size - 1)
        ok = (sid[i - 1] == sid[i]) & (sid[i + 1] == sid[i])
        ok &= (pos[i - 1] == pos[i]) & (pos[i + 1] == pos[i])
        ok &= (g[i] > g[i - 1]) & (g[i] >= g[i + 1])  # a tie of two samples: one candidate
        ok &= g[i] + np.maximum(g[i] - g[i - 1], g[i] - g[i + 1]) > 0
        lo_i.append(i[ok] - 1)
        hi_i.append(i[ok] + 1)
    last = first + n - 1
    three = n >= 3
    for e, nb, nb2 in ((first, first + 1, np.where(three, first + 2, first + 1)),
                       (last, last - 1, np.where(three, last - 2, last - 1))):
        near = g[e] + np.maximum(g[e] - g[nb], g[e] - g[nb2]) > 0
        ok = (pos[e] == pos[nb]) & (g[e] >= g[nb]) & (near | ~three)
        lo_i.append(np.minimum(e, nb)[ok])
        hi_i.append(np.maximum(e, nb)[ok])
    c_lo, c_hi = _merge_overlaps(np.concatenate(lo_i), np.concatenate(hi_i))
    if c_lo.size:
        side = np.where(pos[c_lo], -1.0, 1.0)
        t_ext, g_ext = _golden_max(lambda x, i: side[i] * leaf.margin(ctx, x), t[c_lo], t[c_hi],
                                   side * m[c_lo], side * m[c_hi])
        hit = g_ext > 0
        if hit.any():
            te, me = t_ext[hit], side[hit] * g_ext[hit]
            lo_k, hi_k = c_lo[hit], c_hi[hit]
            a = np.concatenate((a, t[lo_k], te))
            b = np.concatenate((b, te, t[hi_k]))
            fa = np.concatenate((fa, m[lo_k], me))
            fb = np.concatenate((fb, me, m[hi_k]))
    roots = _illinois(lambda x: leaf.margin(ctx, x), a, b, fa, fb)

    return _assemble(spans, pos[first], roots)


def _merge_overlaps(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sample-index brackets sorted, those that overlap (not merely touch) merged into one, so no
    extremum is searched twice."""
    order = np.lexsort((hi, lo))
    lo, hi = lo[order], hi[order]
    reach = np.maximum.accumulate(hi) if hi.size else hi
    new = np.concatenate(([True], lo[1:] >= reach[:-1])) if lo.size else np.zeros(0, dtype=bool)
    group = np.cumsum(new) - 1
    out_hi = np.zeros(int(new.sum()), dtype=hi.dtype)
    np.maximum.at(out_hi, group, hi)
    return lo[new], out_hi


def _golden_max(fn, lo: np.ndarray, hi: np.ndarray, f_lo: np.ndarray, f_hi: np.ndarray):
    """Look for a point where ``fn(t, rows)`` > 0 on each [lo, hi] (< 0 at both ends, one maximum
    inside); ``rows`` says which brackets the epochs ``t`` belong to.

    Golden-section search for the maximum, all brackets at once, each stopping early: when a
    point with fn > 0 is found (a hidden window: the point splits the bracket in two), when the
    best point is too far below zero for a parabolic peak near it to reach zero (as in the
    candidate test), or when the bracket is under EXTREMUM_TOL_S. Returns (t*, fn(t*))."""
    a, b = lo.astype(np.float64).copy(), hi.astype(np.float64).copy()
    fa, fb = np.asarray(f_lo, dtype=np.float64).copy(), np.asarray(f_hi, dtype=np.float64).copy()
    c = b - _GOLDEN * (b - a)
    d = a + _GOLDEN * (b - a)
    every = np.arange(a.size)
    fc, fd = fn(c, every), fn(d, every)
    best_t, best_f = np.where(fc > fd, c, d), np.maximum(fc, fd)
    active = np.arange(a.size)
    while True:
        i = active
        left = fc[i] > fd[i]
        x_best, g_best = np.where(left, c[i], d[i]), np.where(left, fc[i], fd[i])
        best_t[i], best_f[i] = x_best, g_best
        g_l, g_r = np.where(left, fa[i], fc[i]), np.where(left, fd[i], fb[i])
        hopeless = g_best + np.maximum(g_best - g_l, g_best - g_r) <= 0
        keep = (g_best <= 0) & ~hopeless & (b[i] - a[i] > EXTREMUM_TOL_S)
        active, left = i[keep], left[keep]
        if active.size == 0:
            return best_t, best_f
        i = active
        a_, b_, c_, d_ = a[i], b[i], c[i], d[i]
        fa_, fb_, fc_, fd_ = fa[i], fb[i], fc[i], fd[i]
        nb = np.where(left, d_, b_)
        na = np.where(left, a_, c_)
        fb[i] = np.where(left, fd_, fb_)
        fa[i] = np.where(left, fa_, fc_)
        c_new = np.where(left, nb - _GOLDEN * (nb - na), d_)
        d_new = np.where(left, c_, na + _GOLDEN * (nb - na))
        f_new = fn(np.where(left, c_new, d_new), i)
        fc[i] = np.where(left, f_new, fd_)
        fd[i] = np.where(left, fc_, f_new)
        a[i], b[i], c[i], d[i] = na, nb, c_new, d_new


def _illinois(fn, a: np.ndarray, b: np.ndarray, fa: np.ndarray, fb: np.ndarray) -> np.ndarray:
    """A root of ``fn`` in each bracket [a, b] (margins of opposite signs), to TOL_S.

    Regula falsi with the Illinois modification (superlinear, never leaves the bracket), on the
    unconverged brackets only, each round one vectorised call; a bisection step replaces a false
    position that would stall at an end, so every bracket shrinks below TOL_S."""
    a, b = a.astype(np.float64).copy(), b.astype(np.float64).copy()
    fa, fb = np.asarray(fa, dtype=np.float64).copy(), np.asarray(fb, dtype=np.float64).copy()
    active = np.nonzero(np.abs(b - a) > TOL_S)[0]
    for _ in range(200):
        if active.size == 0:
            break
        aa, bb, fa_, fb_ = a[active], b[active], fa[active], fb[active]
        with np.errstate(divide="ignore", invalid="ignore"):
            c = (aa * fb_ - bb * fa_) / (fb_ - fa_)
        lo, hi = np.minimum(aa, bb), np.maximum(aa, bb)
        # Outside the bracket or stalling at the far end: bisect. A step shorter than the tolerance
        # from the latest point cannot shrink the bracket: step just past it instead (Dekker).
        bad = ~np.isfinite(c) | (c <= lo) | (c >= hi) | (np.abs(c - aa) < TOL_S / 4)
        c = np.where(bad, 0.5 * (aa + bb), c)
        near = ~bad & (np.abs(c - bb) < TOL_S / 2)
        c = np.where(near, bb + np.sign(aa - bb) * TOL_S / 2, c)
        fc = fn(c)
        cross = (fc > 0) != (fb_ > 0)  # the root lies between c and b: b becomes the far end
        a[active] = np.where(cross, bb, aa)
        fa[active] = np.where(cross, fb_, fa_ * 0.5)
        b[active], fb[active] = c, fc
        active = active[np.abs(b[active] - a[active]) > TOL_S]
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
