"""Benchmark: paledot.parallel on 1 vs 2 workers, and what a 100-node cluster would cost.

1. Planning sweep: Earth-Moon imaging windows from the Mars Express preset (Kepler orbit) over
   YEARS years from 2000-01-01: Earth's Sun elongation > 30 deg & Earth-Moon separation > 40 HRSC
   SRC px & Earth wholly clear of Mars (as bench/plan.py), cut into 5-year chunks.
   Competitors, alternated round by round: the plain unchunked ``find_windows`` in this process
   (what a user without paledot.parallel runs), the chunked search with ``--workers 1`` and with
   ``--workers 2`` (local process pool), and on a dask.distributed LocalCluster of 2 worker
   processes (one thread each). Windows are checked to be the same bytes for every chunked run.
2. Monte Carlo: FRAMES rendered-and-measured HRSC SRC frames (512 px crop, 2023-05-21 geometry),
   10 frames per chunk, ``--workers 1`` vs ``--workers 2`` vs the LocalCluster.

Per-chunk compute time is measured inside the workers; the scheduler's own cost per task from
2,000 empty tasks on the LocalCluster. From these, the cost on a 100-node cluster is estimated.

Run: ``.venv/bin/python bench/scale.py [YEARS] [FRAMES] [ROUNDS]`` (default 100 200 2; needs the
``dask`` and ``measure`` extras, both in ``test``).
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from paledot.montecarlo import MonteCarloSpec, frames_chunk
from paledot.parallel import run_chunks
from paledot.plan import find_windows
from paledot.plan_chunks import built, join, search_chunks, windows_chunk

YEARS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
FRAMES = int(sys.argv[2]) if len(sys.argv) > 2 else 200
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 2
YEAR_S = 365.25 * 86400.0

SPEC = dict(observer="mars express", target=["earth", "moon"], camera="hrsc-src", start="2000-01-01",
            stop=f"{2000 + YEARS}-01-01", step=None, sun_elongation_min=30.0, not_hidden=True,
            limb_margin=0.0, separation_min=40.0, separation_max=None, separation_unit="px", in_fov=False,
            phase_max=None, phase_min=None, illuminated_min=None, magnitude_max=None, range_max=None,
            snr_min=None, exposure=10.0, elevation_min=None, sun_below=None, correction="LT+S", ephemeris=[])
MC = MonteCarloSpec(frames=FRAMES, crop=512)


def timed_windows(payload):
    t, c = time.perf_counter(), time.process_time()
    out = windows_chunk(payload)
    return out, (time.perf_counter() - t, time.process_time() - c)


def timed_frames(payload):
    t, c = time.perf_counter(), time.process_time()
    out = frames_chunk(payload)
    return out, (time.perf_counter() - t, time.process_time() - c)


def noop(x):
    return x


def main() -> None:
    import distributed

    _, _, wchunks = search_chunks(SPEC, 5 * YEAR_S)
    mchunks = [(f"{k // 10:05d}", (MC, k, min(k + 10, FRAMES))) for k in range(0, FRAMES, 10)]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()}")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        addr = cluster.scheduler_address
        # warm both workers (imports, ephemeris, the Monte Carlo base render) outside the timings
        run_chunks(timed_windows, wchunks[:2], scheduler=addr, progress=False)
        run_chunks(timed_frames, [("w0", (MC, 0, 1)), ("w1", (MC, 1, 2))], scheduler=addr, progress=False)
        ctx, constraint, _ = built(SPEC)

        def plain():
            return find_windows(ctx, constraint, SPEC["start"], SPEC["stop"]).spans, []

        def chunked(**kw):
            def run():
                parts = run_chunks(timed_windows, wchunks, progress=False, **kw)
                return join([p for p, _ in parts]), [t for _, t in parts]
            return run

        plan = {"plain find_windows (1 process, unchunked)": plain,
                "chunked, --workers 1": chunked(workers=1),
                "chunked, --workers 2 (local pool)": chunked(workers=2),
                "chunked, Dask LocalCluster 2 workers": chunked(scheduler=addr)}

        def mc(**kw):
            def run():
                parts = run_chunks(timed_frames, mchunks, progress=False, **kw)
                return [r for p, _ in parts for r in p], [t for _, t in parts]
            return run

        montecarlo = {"--workers 1": mc(workers=1), "--workers 2 (local pool)": mc(workers=2),
                      "Dask LocalCluster 2 workers": mc(scheduler=addr)}
        for title, runs in ((f"planning sweep, {YEARS} years, {len(wchunks)} chunks", plan),
                            (f"Monte Carlo, {FRAMES} frames, {len(mchunks)} chunks", montecarlo)):
            walls = {k: [] for k in runs}
            chunk_t: dict = {k: [] for k in runs}
            outs = {}
            for r in range(ROUNDS):
                order = list(runs) if r % 2 == 0 else list(runs)[::-1]
                for k in order:
                    t = time.perf_counter()
                    out, ct = runs[k]()
                    walls[k].append(time.perf_counter() - t)
                    chunk_t[k] += ct
                    outs.setdefault(k, out)
            keys = list(runs)
            chunked_keys = [k for k in keys if not k.startswith("plain")]
            same = all(_same(outs[k], outs[chunked_keys[0]]) for k in chunked_keys)
            base = min(walls[chunked_keys[0]])
            load = os.getloadavg()[0]
            print(f"\n## {title} (load average now {load:.1f}); chunked outputs identical: {same}")
            print("| run | best wall (s) | all rounds (s) | speedup vs --workers 1 | mean chunk wall (s) "
                  "| mean chunk CPU (s) |")
            print("|---|---:|---:|---:|---:|---:|")
            for k in keys:
                ct = np.mean(chunk_t[k], axis=0) if chunk_t[k] else (float("nan"),) * 2
                print(f"| {k} | {min(walls[k]):.2f} | {', '.join(f'{w:.2f}' for w in walls[k])} | "
                      f"{base / min(walls[k]):.2f}x | {ct[0]:.3f} | {ct[1]:.3f} |")
        # the scheduler's own cost per task: 2,000 empty tasks
        client = distributed.Client(addr)
        t = time.perf_counter()
        futs = client.map(noop, range(2000), pure=False)
        client.gather(futs)
        per_task = (time.perf_counter() - t) / 2000
        client.close()
        print(f"\nDask scheduler: {per_task * 1e3:.2f} ms per empty task (2,000 tasks, 2 workers); "
              f"load average at the end {os.getloadavg()}")


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return a.tobytes() == b.tobytes()
    return repr(a) == repr(b)  # rows hold NaN (no Moon found): compare their text


if __name__ == "__main__":
    main()
