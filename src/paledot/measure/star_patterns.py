"""Triangle patterns: which similarity transforms could map the frame's detections onto catalogue stars.

A triangle's shape (its middle and shortest side over its longest) is the same whatever the roll,
scale and offset, so triangles of the brightest detections and of the brightest catalogue stars are
compared by shape alone; each pair of alike triangles with the same handedness and a scale inside
the allowed range proposes a similarity transform sky = a w + b, the most-voted first, and the
transform that lands the most detections on catalogue stars is picked. The solve that uses them is
:func:`paledot.measure.pointing.solve_pointing`.

Units and conventions: points are complex numbers, detections as ``w`` (pixels about the optical
axis, x mirrored for parity as :func:`paledot.measure.pointing_fit._w` does) and catalogue stars as
tangent-plane standard coordinates xi + i eta (rad); ``a`` is complex (rad per px: scale and
rotation), ``b`` the offset (rad).

This module only proposes and ranks transforms: it never reads the catalogue, never judges whether
a match is real (the fit and its checks do) and must never import :mod:`paledot.measure.pointing`.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

import numpy as np


def _triangles(p: np.ndarray, min_side: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every triangle of the complex points ``p``: shape invariants (M, 2) = (middle, shortest side)
    over the longest, vertices (M, 3) ordered opposite the longest, middle and shortest side,
    handedness (M,) and longest side (M,). Triangles with a longest side under ``min_side`` or a
    nearly flat shape are left out."""
    n = p.size
    if n < 3:
        return np.empty((0, 2)), np.empty((0, 3), int), np.empty(0), np.empty(0)
    tri = _combos(n)
    dist = np.abs(p[:, None] - p[None, :])  # (n, n): each side once per pair of points
    # side opposite each vertex
    i, j, k = tri.T
    sides = np.stack((dist[j, k], dist[i, k], dist[i, j]), axis=1)
    order = np.argsort(-sides, axis=1, kind="stable")
    s = np.take_along_axis(sides, order, axis=1)
    v = np.take_along_axis(tri, order, axis=1)
    pv = p[v]
    pa, pb, pc = pv[:, 0], pv[:, 1], pv[:, 2]
    cross = ((pb - pa).conjugate() * (pc - pa)).imag
    inv = np.stack((s[:, 1] / s[:, 0], s[:, 2] / s[:, 0]), axis=1)
    keep = (s[:, 0] >= min_side) & (np.abs(cross) > 0.02 * s[:, 0] ** 2) & (inv[:, 0] < 0.995)
    return inv[keep], v[keep], np.sign(cross[keep]), s[keep, 0]


@lru_cache(maxsize=8)
def _combos(n: int) -> np.ndarray:
    """All index triples i < j < k < n, (M, 3) (read-only, cached)."""
    out = np.array(list(combinations(range(n), 3)), dtype=np.intp).reshape(-1, 3)
    out.setflags(write=False)
    return out


def _hypotheses(
    det: np.ndarray, cat: np.ndarray, scale_lo: float, scale_hi: float, min_side_px: float, tol: float
) -> tuple[np.ndarray, np.ndarray]:
    """Similarity transforms (a, b; sky = a det + b) proposed by alike triangles."""
    inv_d, v_d, h_d, l_d = _triangles(det, min_side_px)
    inv_c, v_c, h_c, l_c = _triangles(cat, min_side_px * scale_lo)
    if not len(inv_d) or not len(inv_c):
        return np.empty(0, complex), np.empty(0, complex)
    di, ci = _alike(inv_d, inv_c, tol)
    if not di.size:
        return np.empty(0, complex), np.empty(0, complex)
    ratio = l_c[ci] / l_d[di]
    ok = (h_d[di] == h_c[ci]) & (ratio >= scale_lo) & (ratio <= scale_hi)
    di, ci = di[ok], ci[ok]
    if not di.size:
        return np.empty(0, complex), np.empty(0, complex)
    w = det[v_d[di]]  # (K, 3)
    z = cat[v_c[ci]]
    wm, zm = w.mean(axis=1, keepdims=True), z.mean(axis=1, keepdims=True)
    dw, dz = w - wm, z - zm
    a = (dw.conjugate() * dz).sum(axis=1) / (np.abs(dw) ** 2).sum(axis=1)
    b = zm[:, 0] - a * wm[:, 0]
    # most-voted first: the true transform is proposed by every triangle of the stars it matches,
    # so cells of (scale, angle, offset of a few px) it falls in gather many hypotheses
    cell = np.stack(
        (
            np.round(np.log(np.abs(a)) / 0.01),
            np.round(np.angle(a) / 0.01),
            np.round(b.real / np.abs(a) / 10.0),
            np.round(b.imag / np.abs(a) / 10.0),
        ),
        axis=1,
    ).astype(np.int64)
    _, inverse, counts = np.unique(_cell_key(cell), return_inverse=True, return_counts=True)
    order = np.argsort(-counts[inverse.ravel()], kind="stable")
    return a[order], b[order]


def _alike(inv_d: np.ndarray, inv_c: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) of the shapes ``inv_d[i]`` and ``inv_c[j]`` (invariants, (M, 2)) within
    ``tol`` of each other, i ascending: ``inv_c`` sorted by columns of width ``tol`` in its first
    invariant and by its second within each (one sorted key), each of ``inv_d`` is compared only
    with the run of its own column and the two beside it that lies within ``tol`` in the second."""
    col = np.floor(inv_c[:, 0] / tol)
    span = float(max(inv_c[:, 1].max(), inv_d[:, 1].max()) - min(inv_c[:, 1].min(), inv_d[:, 1].min()))
    span += 4.0 * tol + 1.0  # a column's keys never reach the next one's
    key = col * span + inv_c[:, 1]
    order = np.argsort(key)
    key = key[order]
    mid = (np.floor(inv_d[:, 0] / tol)[:, None] + np.arange(-1.0, 2.0)) * span + inv_d[:, 1:]  # (Md, 3)
    reach = tol * (1.0 + 1e-6)  # a little wide: the exact test follows
    start = np.searchsorted(key, mid - reach, "left").ravel()
    count = np.searchsorted(key, mid + reach, "right").ravel() - start
    first = np.repeat(start - (np.cumsum(count) - count), count)  # each run's start less its offset
    j = order[first + np.arange(first.size)]
    i = np.repeat(np.arange(count.size) // 3, count)
    xd, yd, xc, yc = (np.ascontiguousarray(a) for a in (*inv_d.T, *inv_c.T))
    dx, dy = xd[i] - xc[j], yd[i] - yc[j]
    near = dx * dx + dy * dy <= tol * tol
    return i[near], j[near]


def _cell_key(cell: np.ndarray) -> np.ndarray:
    """One integer per row of ``cell`` (K, 4), equal exactly for equal rows (mixed radix over each
    column's span; rows themselves when the spans' product would overflow)."""
    lo = cell.min(axis=0)
    span = cell.max(axis=0) - lo + 1
    if float(np.prod(span.astype(float))) >= 2.0**62:
        return np.unique(cell, axis=0, return_inverse=True)[1].ravel()
    return np.ravel_multi_index(tuple((cell - lo).T), tuple(int(v) for v in span))


def _best_hypothesis(
    det: np.ndarray, cat: np.ndarray, a: np.ndarray, b: np.ndarray, radius: np.ndarray, enough: int
) -> tuple[int, int]:
    """Index of the transform landing the most detections within ``radius`` (per transform, rad)
    of a catalogue star, and that count; the search stops at the first that lands ``enough``."""
    from scipy.spatial import cKDTree

    tree = cKDTree(np.stack((cat.real, cat.imag), axis=1))
    best, best_n = -1, 0
    step = max(1, 8_000 // max(det.size, 1))
    for k0 in range(0, a.size, step):
        aa, bb, rr = a[k0 : k0 + step], b[k0 : k0 + step], radius[k0 : k0 + step]
        q = aa[:, None] * det[None, :] + bb[:, None]
        d, _ = tree.query(
            np.stack((q.real.ravel(), q.imag.ravel()), axis=1), distance_upper_bound=float(rr.max())
        )
        n = (d.reshape(q.shape) <= rr[:, None]).sum(axis=1)
        k = int(np.argmax(n))
        if n[k] > best_n:
            best, best_n = k0 + k, int(n[k])
        if best_n >= enough:
            break
    return best, best_n
