"""Benchmark: paledot.scale.parallel on 1 vs 2 workers, and what a 100-node cluster would cost.

1. Planning sweep: Earth-Moon imaging windows from the Mars Express preset (Kepler orbit) over
   YEARS years from 2000-01-01: Earth's Sun elongation > 30 deg & Earth-Moon separation > 40 HRSC
   SRC px & Earth wholly clear of Mars (as bench/plan.py), cut into 5-year chunks (20 for 100 years).
   Competitors, alternated round by round: the plain unchunked ``find_windows`` in this process
   (what a user without paledot.scale.parallel runs), the chunked search with ``--workers 1`` and with
   ``--workers 2`` (local process pool), and on a dask.distributed LocalCluster of 2 worker
   processes (one thread each). Windows are checked to be the same bytes for every chunked run.
2. Monte Carlo: FRAMES rendered-and-measured HRSC SRC frames (512 px crop, 2023-05-21 geometry),
   10 frames per chunk, ``--workers 1`` vs ``--workers 2`` vs the LocalCluster.

Where the wall time goes: per-chunk wall and CPU time are measured inside the workers, and each
run reports its workers' busy share (the chunks' wall time summed over workers / (run wall x
workers)): what is not busy is start-up, dispatch, result transfer and the idle tail; a chunk
slower with 2 workers than with 1 is the two processes contending for the machine (caches,
memory, clock). The one-time warm-up of a process (imports are done first; then ephemeris, camera,
constraint build and the Monte Carlo base render, in the first chunk) is timed apart: once in this
process before the first ``--workers 1`` run (local workers are forked from it and inherit it,
as the ``montecarlo``/``windows`` commands do) and once on the fresh Dask workers; the walls
below exclude it for every competitor alike. The Dask workers run with their statistical
profiler off (``distributed.worker.profile.enabled: False``, a cluster setting), which took
7% CPU per chunk here. The scheduler's own cost per task is measured from 2,000 empty tasks on
the LocalCluster. From these, the cost on a 100-node cluster is estimated.

Run: ``.venv/bin/python bench/scale.py [YEARS] [FRAMES] [ROUNDS]`` (default 100 2000 2: the
issue's sizes, about 12 minutes on 2 idle cores; e.g. ``bench/scale.py 40 200 1`` for a quick
look; needs the ``dask`` and ``measure`` extras, both in ``test``).
"""

from __future__ import annotations

import math
import os
import sys
import time

import numpy as np

from paledot.plan import find_windows
from paledot.plan.chunks import built, join, search_chunks, windows_chunk
from paledot.plan.montecarlo import MonteCarloSpec, frames_chunk
from paledot.scale.parallel import run_chunks

YEARS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
FRAMES = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
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
    return out, (time.perf_counter() - t, time.process_time() - c, os.getpid())


def timed_frames(payload):
    t, c = time.perf_counter(), time.process_time()
    out = frames_chunk(payload)
    return out, (time.perf_counter() - t, time.process_time() - c, os.getpid())


def warm_up(chunks, **kw) -> float:
    """Wall time of one chunk per worker on cold workers (ephemeris, constraint, base render)."""
    t = time.perf_counter()
    run_chunks(noop_warm, chunks, progress=False, **kw)
    return time.perf_counter() - t


def warm_worker(warm):
    """On a Dask worker: one chunk of each job, through paledot's own Dask wrapper."""
    from paledot.scale.parallel import _on_dask_worker

    for payload in warm:
        _on_dask_worker(noop_warm, payload)


def noop_warm(payload):
    kind, inner = payload
    (windows_chunk if kind == "w" else frames_chunk)(inner)
    return os.getpid()


def noop(x):
    return x


def main() -> None:
    import dask
    import distributed

    _, _, wchunks = search_chunks(SPEC, 5 * YEAR_S)
    mchunks = [(f"{k // 10:05d}", (MC, k, min(k + 10, FRAMES))) for k in range(0, FRAMES, 10)]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()}")
    warm = [("w", wchunks[0][1]), ("m", (MC, 0, 1))]
    here = warm_up([("w", warm[0]), ("m", warm[1])], workers=1)
    dask.config.set({"distributed.worker.profile.enabled": False})
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        addr = cluster.scheduler_address
        # both fresh workers warmed with one chunk of each job each (timed, outside the walls)
        with distributed.Client(addr) as client:
            t = time.perf_counter()
            client.run(warm_worker, warm)  # on every worker at once
            on_dask = time.perf_counter() - t
        print(f"one-time warm-up, both jobs' first chunks (one 5-year chunk, one frame): this process "
              f"{here:.2f} s; each of the 2 fresh Dask workers, in parallel, {on_dask:.2f} s")
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
        cpu_chunk: dict = {}
        for title, runs in ((f"planning sweep, {YEARS} years, {len(wchunks)} chunks", plan),
                            (f"Monte Carlo, {FRAMES} frames, {len(mchunks)} chunks", montecarlo)):
            walls = {k: [] for k in runs}
            chunk_t: dict = {k: [] for k in runs}
            busy: dict = {k: [] for k in runs}
            outs = {}
            for r in range(ROUNDS):
                order = list(runs) if r % 2 == 0 else list(runs)[::-1]
                for k in order:
                    t = time.perf_counter()
                    out, ct = runs[k]()
                    walls[k].append(time.perf_counter() - t)
                    chunk_t[k] += [c[:2] for c in ct]
                    if ct:
                        n = len({c[2] for c in ct})
                        busy[k].append(sum(c[0] for c in ct) / (walls[k][-1] * max(n, 1)))
                    outs.setdefault(k, out)
            keys = list(runs)
            cpu_chunk[title.split(",")[0]] = float(np.mean(chunk_t[keys[-3]], axis=0)[1])  # --workers 1
            chunked_keys = [k for k in keys if not k.startswith("plain")]
            same = all(_same(outs[k], outs[chunked_keys[0]]) for k in chunked_keys)
            base = min(walls[chunked_keys[0]])
            load = os.getloadavg()[0]
            print(f"\n## {title} (load average now {load:.1f}); chunked outputs identical: {same}")
            print("| run | best wall (s) | all rounds (s) | speedup vs --workers 1 | mean chunk wall (s) "
                  "| mean chunk CPU (s) | workers busy |")
            print("|---|---:|---:|---:|---:|---:|---:|")
            for k in keys:
                ct = np.mean(chunk_t[k], axis=0) if chunk_t[k] else (float("nan"),) * 2
                b = f"{100 * np.mean(busy[k]):.1f}%" if busy[k] else "-"
                print(f"| {k} | {min(walls[k]):.2f} | {', '.join(f'{w:.2f}' for w in walls[k])} | "
                      f"{base / min(walls[k]):.2f}x | {ct[0]:.3f} | {ct[1]:.3f} | {b} |")
        # the scheduler's own cost per task: 2,000 empty tasks
        client = distributed.Client(addr)
        t = time.perf_counter()
        futs = client.map(noop, range(2000), pure=False)
        client.gather(futs)
        per_task = (time.perf_counter() - t) / 2000
        client.close()
        print(f"\nDask scheduler: {per_task * 1e3:.2f} ms per empty task (2,000 tasks, 2 workers); "
              f"load average at the end {os.getloadavg()}")
        estimate(len(wchunks), cpu_chunk["planning sweep"], len(mchunks), cpu_chunk["Monte Carlo"], per_task,
                 on_dask)


def estimate(n_sweep: int, t_sweep: float, n_mc: int, t_mc: float, per_task: float, warm: float,
             workers: int = 800) -> None:
    """The cost on 100 nodes x 8 cores from this run's chunk CPU times, the scheduler's cost per
    task (it hands out tasks one at a time, so it bounds the rate) and a fresh worker's warm-up."""
    print(f"\nEstimate for a 100-node cluster ({workers} worker processes, 8 cores a node; chunk CPU "
          f"from the --workers 1 runs; {per_task * 1e3:.2f} ms of scheduler per task; {warm:.1f} s warm-up "
          "per fresh worker, paid once: this run's, one chunk of each job included, so an upper bound):")
    issue_sweep = 500 * 4  # 10 orbiters/rovers x 10 cameras x 5 constraint sets, 2025-2045 in 5-year chunks
    for what, n, t in ((f"this sweep ({n_sweep} chunks)", n_sweep, t_sweep),
                       (f"this Monte Carlo ({n_mc} chunks)", n_mc, t_mc),
                       ("500-combination sweep, 2025-2045 (2,000 5-year chunks)", issue_sweep, t_sweep),
                       ("20,000-frame Monte Carlo (2,000 chunks of 10)", 2000, t_mc)):
        compute = math.ceil(n / workers) * t
        sched = n * per_task
        total = warm + max(compute, sched)
        print(f"- {what}: {n * t:.0f} CPU-s on one core; on the cluster about {total:.1f} s "
              f"(warm-up {warm:.1f} s + the larger of compute {compute:.2f} s and scheduling {sched:.2f} s)")


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return a.tobytes() == b.tobytes()
    return repr(a) == repr(b)  # rows hold NaN (no Moon found): compare their text


if __name__ == "__main__":
    main()
