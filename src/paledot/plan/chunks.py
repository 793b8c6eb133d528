"""Window searches cut into time chunks and run through :mod:`paledot.scale.parallel`.

A search over ``[start, stop]`` is cut into *cores* of ``chunk_s`` seconds. Each chunk searches
its core widened by a pad of two of the constraint's largest scan steps on each side (so a
short window or a peak near the core's edge is seen as the whole search sees it), then:

1. *snaps* every boundary it found (not the search's own ends) onto the global 1 ms grid: the
   margin of the whole constraint is evaluated at the grid epochs ``k * 1 ms`` around the refined
   boundary and the boundary becomes the middle of the grid cell in which the margin changes sign
   the right way. That cell depends only on the sky, not on where a chunk began, so every
   chunking (and every worker count) gives the same bytes; each boundary is still within 0.5 ms
   of the root inside that cell (the plain search's own ``TOL_S`` = 1 ms contract);
2. clips the windows to its core.

The cores are then put back together and windows that touch at a core edge are joined into one.

Work is described by a plain dict ``spec`` (the ``windows`` command's options) so it pickles to
any worker; each worker process builds its observer, camera and constraint once per spec.
"""

from __future__ import annotations

import argparse
import json
import math
from functools import lru_cache

import numpy as np

from .._io.errors import PaledotError

GRID_S = 1e-3
_AROUND = 4  # grid cells searched each side of a refined boundary
DEFAULT_CHUNK_S = 365.25 * 86400.0


def spec_from_args(args: argparse.Namespace) -> dict:
    """The search options of a parsed ``windows``/``campaign`` command line, as a JSON-able dict."""
    keep = ("observer", "target", "camera", "start", "stop", "step", "sun_elongation_min", "not_hidden",
            "limb_margin", "separation_min", "separation_max", "separation_unit", "in_fov", "phase_max",
            "phase_min", "illuminated_min", "magnitude_max", "range_max", "snr_min", "exposure",
            "elevation_min", "sun_below", "correction", "ephemeris")
    return {k: getattr(args, k, None) for k in keep}


@lru_cache(maxsize=16)
def _built(spec_json: str):
    from ..cameras import load_camera
    from ..celestial.ephemeris import Ephemeris, default_ephemeris
    from . import Context
    from .options import build_constraint

    spec = json.loads(spec_json)
    args = argparse.Namespace(**spec)
    camera = load_camera(args.camera) if args.camera else None
    eph = Ephemeris(args.ephemeris) if args.ephemeris else default_ephemeris()
    ctx = Context(args.observer, eph, args.correction)
    step_s = None
    if args.step is not None:
        from ..time.timescales import parse_step

        step_s = parse_step(args.step)
    return ctx, build_constraint(args, camera), step_s


def built(spec: dict):
    """(Context, constraint, user step s or None) for ``spec``; cached in each process."""
    return _built(json.dumps(spec, sort_keys=True))


def pad_s(ctx, constraint, step_s: float | None) -> float:
    """Two of the largest scan steps any threshold of ``constraint`` uses, in seconds."""
    from .search import _step_or_zero

    steps = [step_s or _step_or_zero(leaf, ctx) for leaf in constraint.leaves()]
    return 2.0 * max([s for s in steps if s] or [86400.0])


def cores(lo: float, hi: float, chunk_s: float) -> list[tuple[float, float]]:
    """``[lo, hi]`` cut into consecutive pieces of ``chunk_s`` (the last one shorter, or up to 1%
    longer: a remainder under 1% of a chunk, such as the leap seconds of a span given in whole
    UTC years, joins the last piece rather than costing a chunk of its own), ET s."""
    if not (math.isfinite(chunk_s) and chunk_s > 0):
        raise PaledotError(f"chunk {chunk_s!r} s must be positive")
    n = max(int(math.ceil((hi - lo) / chunk_s - 0.01)), 1)
    edges = [lo + k * chunk_s for k in range(n)] + [hi]
    return list(zip(edges[:-1], edges[1:], strict=True))


def snap(ctx, constraint, spans: np.ndarray, ends: tuple[float, float]) -> np.ndarray:
    """``spans`` with every boundary other than the searched ``ends`` moved to the middle of the
    1 ms grid cell (of ET) where the margin changes sign the right way (module text).

    The right-way change nearest the refined boundary's own cell is looked for first among the
    cells next to it (4 grid epochs per boundary), and only where none is there among
    ``_AROUND`` cells each side: a change found next door is the nearest in the wide window too
    (ties go to the earlier cell in both), so the answer is the wide search's, for half the
    margin evaluations."""
    spans = np.array(spans, dtype=np.float64).reshape(-1, 2)
    b = spans.reshape(-1)
    start = (np.arange(b.size) % 2) == 0
    inner = np.nonzero((b != ends[0]) & (b != ends[1]))[0]
    if not inner.size:
        return spans
    b = b.copy()
    near, found = _snap_cells(ctx, constraint, b[inner], start[inner], 2)
    b[inner[found]] = near[found]
    rest = inner[~found]
    if rest.size:
        wide, ok = _snap_cells(ctx, constraint, b[rest], start[rest], _AROUND)
        b[rest[ok]] = wide[ok]
    out = b.reshape(-1, 2)
    return out[out[:, 1] > out[:, 0]]


def _snap_cells(ctx, constraint, t: np.ndarray, rising: np.ndarray, around: int):
    """(snapped boundaries, found?) looking ``around`` grid cells each side of each ``t``'s own."""
    k0 = np.floor(t / GRID_S) - around + 1
    grid = (k0[:, None] + np.arange(2 * around)) * GRID_S
    holds = (constraint.margin(ctx, grid.reshape(-1)) > 0).reshape(grid.shape)
    ok = (holds[:, :-1] != holds[:, 1:]) & (holds[:, 1:] == rising[:, None])
    # the right-way change nearest the refined boundary's own cell (index around - 1)
    dist = np.abs(np.arange(2 * around - 1) - (around - 1)) + np.where(ok, 0, 1000)
    j = np.argmin(dist, axis=1)
    found = ok[np.arange(j.size), j]
    return (k0 + j + 0.5) * GRID_S, found


def windows_chunk(payload: tuple) -> np.ndarray:
    """One chunk: ``(spec, lo, hi, core_lo, core_hi)`` -> windows (K, 2) ET inside the core."""
    from .search import solve

    spec, lo, hi, c0, c1 = payload
    ctx, constraint, step_s = built(spec)
    pad = pad_s(ctx, constraint, step_s)
    a, b = max(lo, c0 - pad), min(hi, c1 + pad)
    spans = solve(constraint, ctx, np.array([[a, b]]), step_s)
    spans = snap(ctx, constraint, spans, (a, b))
    clipped = np.stack((np.maximum(spans[:, 0], c0), np.minimum(spans[:, 1], c1)), axis=1)
    return clipped[clipped[:, 1] > clipped[:, 0]].reshape(-1, 2)


def join(parts: list[np.ndarray]) -> np.ndarray:
    """Chunk results (in time order) as one sorted list, windows touching at a core edge joined."""
    from .search import union

    return union([p.reshape(-1, 2) for p in parts]).reshape(-1, 2)


def search_chunks(spec: dict, chunk_s: float | None = None) -> tuple[float, float, list]:
    """(lo, hi, [(key, payload)...]) for a spec: its span cut into cores of ``chunk_s``."""
    from .windows import _span

    ctx, constraint, _ = built(spec)
    lo, hi = _span(spec["start"], spec["stop"])
    constraint.margin(ctx, np.array([lo, hi]))  # the whole span covered? (one-line error if not)
    pieces = cores(lo, hi, chunk_s or DEFAULT_CHUNK_S)
    return lo, hi, [(f"{k:05d}", (spec, lo, hi, c0, c1)) for k, (c0, c1) in enumerate(pieces)]


def find_windows_parallel(spec: dict, *, chunk_s: float | None = None, workers=None, scheduler=None,
                          folder=None, progress: bool = True):
    """:func:`paledot.plan.find_windows` for ``spec``, chunked and run by
    :func:`paledot.scale.parallel.run_chunks`.

    Returns a :class:`paledot.plan.Windows`; the same bytes for any worker count and chunk size.
    """
    from ..scale.parallel import run_chunks
    from . import Windows

    ctx, constraint, step_s = built(spec)
    lo, hi, chunks = search_chunks(spec, chunk_s)
    parts = run_chunks(windows_chunk, chunks, workers=workers, scheduler=scheduler, folder=folder,
                       job={"kind": "windows", "spec": spec, "chunk_s": chunk_s, "layout": 2},
                       progress=progress,
                       desc="windows")
    return Windows(ctx, constraint, lo, hi, join(parts), step_s)
