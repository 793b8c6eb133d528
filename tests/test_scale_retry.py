"""A local pool worker killed mid-run (a real SIGKILL of the child process) is retried: the pool is
rebuilt, only unfinished chunks run again, and the result is the same bytes as one process, with
one chunk file per chunk. A chunk that kills its worker every time ends the run with one line.

Oracles: the single-process run of the same chunks (bytes) and the chunk files on disk.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from pathlib import Path

import pytest

from paledot.plan.chunks import join, search_chunks, windows_chunk
from paledot.scale.parallel import ChunkKillsWorkers, run_chunks

SPEC = dict(observer="mars", target=["earth", "moon"], camera="hrsc-src", start="2023-01-01",
            stop="2024-01-01", step=None, sun_elongation_min=30.0, not_hidden=False, limb_margin=0.0,
            separation_min=0.05, separation_max=None, separation_unit="deg", in_fov=False, phase_max=None,
            phase_min=None, illuminated_min=None, magnitude_max=None, range_max=None, snr_min=None,
            exposure=10.0, elevation_min=None, sun_below=None, correction="LT+S", ephemeris=[])
DAY = 86400.0


def _waits_to_be_killed(payload):
    """windows_chunk; the chosen chunk, on its first run, says its pid and waits to be killed."""
    folder, victim, inner = payload
    key = repr(inner[3])
    with open(os.path.join(folder, "ran.log"), "a") as fh:
        fh.write(f"{key}\n")
    if key == victim and not os.path.exists(os.path.join(folder, "killed")):
        Path(folder, "victim.pid").write_text(str(os.getpid()))
        time.sleep(60)  # the test kills this process long before
    return windows_chunk(inner)


def _kill_when_seen(folder: Path) -> threading.Thread:
    def run():
        pid_file = folder / "victim.pid"
        for _ in range(6000):
            if pid_file.exists() and pid_file.read_text():
                (folder / "killed").write_text("yes")
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
                return
            time.sleep(0.01)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_killed_local_worker_is_retried_nothing_lost_or_doubled(tmp_path):
    _, _, chunks = search_chunks(SPEC, 40 * DAY)
    reference = join(run_chunks(windows_chunk, chunks, workers=1, progress=False))
    victim = repr(chunks[3][1][3])
    wrapped = [(k, (str(tmp_path), victim, p)) for k, p in chunks]
    killer = _kill_when_seen(tmp_path)
    store = tmp_path / "chunks"
    parts = run_chunks(_waits_to_be_killed, wrapped, workers=2, folder=store, job={"kill": 1},
                       progress=False)
    killer.join(5)
    assert (tmp_path / "killed").exists()  # a worker really was killed mid-chunk
    ran = (tmp_path / "ran.log").read_text().split()
    assert ran.count(victim) == 2  # the killed chunk ran again
    assert join(parts).tobytes() == reference.tobytes()  # nothing lost, nothing doubled
    assert sorted(p.name for p in store.glob("*.pkl")) == sorted(f"{k}.pkl" for k, _ in chunks)


def _square_or_die(payload):
    key, x = payload
    if key == "c3":
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x


def test_chunk_that_keeps_killing_workers_is_named_in_one_line(tmp_path):
    chunks = [(f"c{i}", (f"c{i}", i)) for i in range(8)]
    with pytest.raises(ChunkKillsWorkers) as err:
        run_chunks(_square_or_die, chunks, workers=2, folder=tmp_path, job={"die": 1}, progress=False)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("chunk c3:") and "3 times" in msg
    assert "7 of 8 chunks kept" in msg
    assert sorted(p.stem for p in tmp_path.glob("*.pkl")) == [f"c{i}" for i in range(8) if i != 3]
    # the others were kept: a rerun without the killer computes only c3
    again = run_chunks(_square, chunks, workers=2, folder=tmp_path, job={"die": 1}, progress=False)
    assert again == [i * i for i in range(8)]


def _square(payload):
    return payload[1] ** 2


def test_dask_chunk_that_keeps_killing_workers_is_named(tmp_path):
    distributed = pytest.importorskip("distributed")
    import dask

    # one retry (Dask's default is 3): Dask also blames the tasks queued on a worker that died, so
    # which chunk is named is Dask's call; the message must still be one line naming a chunk
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=50) as cluster:
            chunks = [(f"c{i}", (f"c{i}", i)) for i in range(6)]
            with pytest.raises(ChunkKillsWorkers) as err:
                run_chunks(_square_or_die, chunks, scheduler=cluster.scheduler_address, folder=tmp_path,
                           job={"dask": 1}, progress=False)
    msg = str(err.value)
    assert "\n" not in msg and re.match(r"chunk c\d: its worker died each of the 2 times Dask ran it", msg)


def _times_itself(x):
    return x * x


def _dies_at_start(folder: str, passes: int):
    """A worker initialiser that SIGKILLs its own process, before any chunk reaches it, in the
    first ``passes`` pools: deaths with no chunk running, as from an outside killer."""
    def init():
        if len(Path(folder, "passes.log").read_text().split()) <= passes:
            os.kill(os.getpid(), signal.SIGKILL)
    return init


@pytest.mark.parametrize("passes, survives", [(1, True), (3, True), (50, False)])
def test_worker_deaths_with_no_chunk_running(tmp_path, monkeypatch, passes, survives):
    """A pool whose workers die before running anything is rebuilt: the run survives up to
    IDLE_DEATHS such pools with every chunk done once, and then stops with one line."""
    import paledot.scale.parallel as par

    real_pass = par._pool_pass

    def counting_pass(*a, **k):  # one line per pool, read by the initialiser in each child
        with open(tmp_path / "passes.log", "a") as fh:
            fh.write("pass\n")
        return real_pass(*a, **k)

    monkeypatch.setattr(par, "_pool_pass", counting_pass)
    monkeypatch.setattr(par, "_pool_worker_init", _dies_at_start(str(tmp_path), passes))
    chunks = [(i, i) for i in range(8)]
    if survives:
        assert run_chunks(_times_itself, chunks, workers=2, progress=False) == [i * i for i in range(8)]
        assert len((tmp_path / "passes.log").read_text().split()) == passes + 1
    else:
        with pytest.raises(par.PaledotError, match=r"died \d+ times with no chunk running") as e:
            run_chunks(_times_itself, chunks, workers=2, progress=False)
        assert "\n" not in str(e.value)
        assert int(re.search(r"died (\d+) times", str(e.value)).group(1)) == par.IDLE_DEATHS + 1
