"""Running chunks of work on a local process pool (default) or a Dask cluster, resumably.

Work is cut into *chunks* by the caller (time spans for planning, scenes for rendering and
measuring), each with a stable key. :func:`run_chunks` maps a top-level function over them:

- ``workers=1``: in this process, one chunk after another (the reference run);
- ``workers=N`` (default: every core): a local ``concurrent.futures.ProcessPoolExecutor``. A
  worker that dies mid-run (killed, out of memory) breaks that pool for good, so the pool is
  rebuilt and only the chunks not yet finished are submitted again (each finished chunk was
  delivered once, so nothing is lost or doubled). Which chunk each worker is running is written to
  a small file per worker process; a chunk that was running at ``SHARED_DEATHS`` (2) deaths is run
  alone in a pool of one once every other chunk is done, and if its worker dies there too the run
  stops with one line naming the chunk (:class:`ChunkKillsWorkers`). Deaths with no chunk running
  are tolerated ``IDLE_DEATHS`` (3) times;
- ``scheduler="tcp://HOST:PORT"`` (or the ``PALEDOT_SCHEDULER`` environment variable): a
  ``dask.distributed`` cluster (``pip install 'paledot[dask]'``). Dask retries a chunk whose
  worker died (``distributed.scheduler.allowed-failures``, default 3); when those retries are used
  up the run stops with one line naming the chunk (:class:`ChunkKillsWorkers`).

Results come back in chunk order whatever order they finish in, so the assembled output does not
depend on the worker count. With a ``folder``, each chunk's result is written there atomically
(``<key>.pkl``, temp file + rename) by *this* process as soon as it arrives (a cluster's workers
need no shared disk); a later run with the same folder and the same job loads the chunks already
written and computes only the others, so an interrupted run resumes and nothing is counted twice.
``job.json`` in the folder records the job; a folder holding another job is an error.

Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which turns off glibc's dynamic
mmap threshold: every large numpy temporary is then mapped and unmapped, and paledot's chunks ran
2.5x slower (measured, bench/RESULTS.md). Each chunk on a Dask worker therefore first sets, once
per worker process on glibc, an mmap threshold of 64 MiB and a trim threshold of 128 MiB
(``mallopt``; what glibc's own dynamic threshold would reach), only where that variable is set.

Progress: a tqdm bar on stderr when tqdm is installed (it is in the ``dask`` extra), for local and
cluster runs alike (it advances as chunks arrive in this process).
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import pickle
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from .._io.errors import PaledotError

SCHEDULER_ENV = "PALEDOT_SCHEDULER"
DASK_HINT = "pip install 'paledot[dask]'"


def add_options(p, default_workers: str = "every core") -> None:
    """``--workers``, ``--scheduler``, ``--chunk-dir`` and ``--no-progress`` on an argparse parser."""
    p.add_argument("--workers", type=int, help=f"local worker processes (default {default_workers})")
    p.add_argument("--scheduler", help="a dask.distributed scheduler, tcp://HOST:PORT (default "
                   f"${SCHEDULER_ENV}; needs {DASK_HINT})")
    p.add_argument("--chunk-dir", help="keep each finished chunk here; rerun the command to resume")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def scheduler_address(scheduler: str | None) -> str | None:
    """The scheduler to use: ``scheduler``, else ``$PALEDOT_SCHEDULER``, else None (local)."""
    addr = scheduler if scheduler else os.environ.get(SCHEDULER_ENV) or None
    if addr is None:
        return None
    addr = addr.strip()
    if "://" not in addr or not addr.split("://", 1)[1]:
        raise PaledotError(f"scheduler {addr!r} is not an address: give tcp://HOST:PORT")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise PaledotError(f"--scheduler needs Dask: {DASK_HINT}") from None
    return addr


def worker_count(workers: int | None) -> int:
    """``workers`` checked (>= 1), or every core of this machine when None."""
    if workers is None:
        return max(os.cpu_count() or 1, 1)
    if not isinstance(workers, int) or workers < 1:
        raise PaledotError(f"--workers {workers!r} must be a whole number of processes, 1 or more")
    return workers


def run_chunks(
    fn: Callable,
    chunks: Sequence[tuple[str, object]],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    folder: str | os.PathLike | None = None,
    job: dict | None = None,
    progress: bool = True,
    desc: str = "chunks",
    keep: Callable[[str, object], object] | None = None,
) -> list:
    """``[fn(payload) for key, payload in chunks]``, computed in parallel, in chunk order.

    ``fn`` must be a module-level function (it is pickled by reference). ``folder`` keeps each
    chunk's result (resume, module text); ``job`` (JSON-able) identifies the work for that folder.
    ``keep(key, result)``, when given, is called in this process as each chunk arrives, before it
    is stored; what it returns is stored and returned in the result's place (a batch render writes
    a chunk's frames to disk there and keeps their summary, so no frame is held in memory).
    """
    keys = [str(k) for k, _ in chunks]
    if len(set(keys)) != len(keys):
        raise PaledotError("chunk keys must be unique")
    addr = scheduler_address(scheduler)
    n_workers = worker_count(workers)
    store = _Store(folder, job) if folder is not None else None
    results: dict[str, object] = {}
    if store is not None:
        for k in keys:
            if store.has(k):
                results[k] = store.load(k)
    todo = [(k, p) for k, p in chunks if str(k) not in results]
    bar = _bar(len(keys), len(results), desc, progress)

    def done(key: str, value) -> None:
        if keep is not None:
            value = keep(key, value)
        if store is not None:
            store.save(key, value)
        results[key] = value
        bar.update(1)

    try:
        if not todo:
            pass
        elif addr is not None:
            _run_dask(fn, todo, addr, done)
        elif n_workers == 1 or len(todo) == 1:
            for k, p in todo:
                done(str(k), fn(p))
        else:
            _run_pool(fn, todo, min(n_workers, len(todo)), done)
    except ChunkKillsWorkers as exc:
        if store is not None:
            raise ChunkKillsWorkers(f"{exc}; {len(results)} of {len(keys)} chunks kept in {folder}") from None
        raise
    except PaledotError:
        raise
    except (KeyboardInterrupt, Exception) as exc:
        where = f"; {len(results)} of {len(keys)} chunks kept in {folder}: rerun to resume" if store else ""
        raise PaledotError(f"a chunk failed ({type(exc).__name__}: {exc}){where}") from exc
    finally:
        bar.close()
    return [results[k] for k in keys]


#: A chunk that was running when worker processes died this many times is then run alone.
SHARED_DEATHS = 2
#: Worker deaths with no chunk running that one run tolerates.
IDLE_DEATHS = 3


class ChunkKillsWorkers(PaledotError):
    """A chunk whose worker process died every time it ran, the last time alone."""


def _run_pool(fn, todo, n: int, done) -> None:
    """``todo`` on ``n`` local processes. A worker that dies (killed, out of memory) breaks a
    ``ProcessPoolExecutor`` for good: the pool is rebuilt and only the chunks not finished are
    submitted again. A chunk that was running at ``SHARED_DEATHS`` deaths is run alone in a pool
    of one once the others are done; if its worker dies there too, the run ends naming it."""
    left = {str(k): p for k, p in todo}
    deaths: dict[str, int] = {}
    idle = 0
    with tempfile.TemporaryDirectory(prefix="paledot-pool-") as track:
        while left:
            others = [k for k in left if deaths.get(k, 0) < SHARED_DEATHS]
            alone = not others  # suspects last, one at a time, once the others are done
            batch = others or list(left)[:1]
            running = _pool_pass(fn, batch, left, 1 if alone else min(n, len(batch)), done, track)
            if running is None:
                continue
            if alone and batch[0] in running:
                k = batch[0]
                raise ChunkKillsWorkers(f"chunk {k}: its worker process died each of the "
                                        f"{deaths[k] + 1} times it ran, the last time alone (killed, or "
                                        "out of memory?): not retried again")
            if not running:
                idle += 1
                if idle > IDLE_DEATHS:
                    raise PaledotError(f"local worker processes died {idle} times with no chunk running "
                                       "(killed from outside?): stopped")
            for k in running:
                deaths[k] = deaths.get(k, 0) + 1


def _pool_pass(fn, batch: list[str], left: dict, n: int, done, track: str) -> set[str] | None:
    """Run ``batch`` (keys of ``left``) on a fresh pool of ``n``; finished chunks leave ``left``.
    None when the pool lived to the end; else the keys that were running when a worker died."""
    # imported here: the pool's machinery (multiprocessing, sockets) would cost every command's
    # start-up, where only runs with workers need it
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    for f in os.listdir(track):
        os.unlink(os.path.join(track, f))
    broken = False
    with ProcessPoolExecutor(max_workers=n, initializer=_pool_worker_init) as pool:
        pending = {}
        try:
            try:
                for k in batch:  # a worker can die before the last submit: the pool then refuses it
                    pending[pool.submit(_tracked, track, fn, k, left[k])] = k
            except BrokenProcessPool:
                broken = True
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    k = pending.pop(f)
                    if isinstance(f.exception(), BrokenProcessPool):
                        broken = True
                        continue
                    done(k, f.result())
                    del left[k]
        except BaseException:
            for f in pending:
                f.cancel()
            raise
    if not broken:
        return None
    running = set()
    for name in os.listdir(track):
        key = Path(track, name).read_text()
        if key in left:
            running.add(key)
    return running


def _pool_worker_init() -> None:
    """In each local worker: SIGTERM ends the process (the CLI's handler, inherited through fork,
    would turn it into an exception that a broken pool never hears back from)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _tracked(track: str, fn, key: str, payload):
    """``fn(payload)``, with this worker's running chunk written to ``track/<pid>`` meanwhile."""
    mark = os.path.join(track, str(os.getpid()))
    with open(mark, "w") as fh:
        fh.write(key)
    out = fn(payload)
    with open(mark, "w"):
        pass
    return out


def _run_dask(fn, todo, addr: str, done) -> None:
    from distributed import Client, as_completed
    from distributed.scheduler import KilledWorker

    try:
        client = Client(addr, timeout="20s")
    except OSError as exc:
        raise PaledotError(f"cannot reach the Dask scheduler at {addr}: {exc}") from None
    try:
        futures = client.map(functools.partial(_on_dask_worker, fn), [p for _, p in todo], pure=False)
        key_of = {f.key: str(k) for f, (k, _) in zip(futures, todo, strict=True)}
        for f in as_completed(futures):
            try:
                value = f.result()
            except KilledWorker as exc:  # Dask's own retries are used up
                raise ChunkKillsWorkers(f"chunk {key_of[f.key]}: its worker died each of the "
                                        f"{exc.allowed_failures + 1} times Dask ran it (killed, or out of "
                                        "memory?): not retried again") from None
            done(key_of[f.key], value)
            f.release()
    finally:
        client.close()


_MALLOC_RELAXED = False


def _on_dask_worker(fn, payload):
    """``fn(payload)`` on a Dask worker, after :func:`relax_malloc` (module text)."""
    global _MALLOC_RELAXED
    if not _MALLOC_RELAXED:
        relax_malloc()
        _MALLOC_RELAXED = True
    return fn(payload)


def relax_malloc() -> bool:
    """Where ``MALLOC_TRIM_THRESHOLD_`` is set and the C library is glibc: mmap threshold 64 MiB,
    trim threshold 128 MiB for this process (module text). True when it changed anything."""
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(-3, 64 << 20)) and bool(libc.mallopt(-1, 128 << 20))  # M_MMAP/M_TRIM
    except (OSError, AttributeError):
        return False


class _Store:
    """A chunk folder: ``job.json`` plus one ``<key>.pkl`` per finished chunk, written atomically."""

    def __init__(self, folder, job: dict | None):
        self.folder = Path(folder)
        check_chunk_folder(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(job or {}, sort_keys=True, default=str)
        jf = self.folder / "job.json"
        if jf.exists():
            if jf.read_text() != text:
                raise PaledotError(f"chunk folder {str(self.folder)!r} holds another job's chunks: "
                                   "give an empty folder (or remove it)")
        else:
            _atomic(jf, text.encode())

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.pkl"

    def has(self, key: str) -> bool:
        return self._path(key).is_file()

    def load(self, key: str):
        try:
            with self._path(key).open("rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            raise PaledotError(f"chunk file {str(self._path(key))!r} cannot be read ({exc}): "
                               "remove it to recompute that chunk") from None

    def save(self, key: str, value) -> None:
        _atomic(self._path(key), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def _atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _bar(total: int, initial: int, desc: str, enabled: bool):
    if not enabled:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoBar()
    return tqdm(total=total, initial=initial, desc=desc, unit="chunk", file=sys.stderr, leave=False,
                disable=None)


def check_chunk_folder(folder) -> None:
    """A --chunk-dir that names a file (or sits under one) is a one-line error, not an I/O failure."""
    p = Path(folder)
    for q in (p, *p.parents):
        if q.exists():
            if not q.is_dir():
                raise PaledotError(f"--chunk-dir {str(folder)!r}: {str(q)!r} is a file, not a folder: "
                                   "give a folder (it is created if missing)")
            return
