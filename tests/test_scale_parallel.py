"""paledot.scale.parallel and the chunked window search: chunking never changes results; a real
dask.distributed LocalCluster (2 worker processes) gives the same bytes as one process, survives a
killed worker, and an interrupted run resumes to the same output.

Oracles: the unchunked ``paledot.plan.find_windows`` (boundaries to its 1 ms contract), the
single-process run (bytes), and the chunk files on disk (nothing lost or doubled).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paledot._io.errors import PaledotError
from paledot.plan import find_windows
from paledot.plan.chunks import (
    GRID_S,
    built,
    find_windows_parallel,
    join,
    search_chunks,
    windows_chunk,
)
from paledot.scale.parallel import run_chunks, scheduler_address, worker_count

SPEC = dict(observer="mars", target=["earth", "moon"], camera="hrsc-src", start="2023-01-01",
            stop="2025-01-01", step=None, sun_elongation_min=30.0, not_hidden=False, limb_margin=0.0,
            separation_min=0.05, separation_max=None, separation_unit="deg", in_fov=False, phase_max=None,
            phase_min=None, illuminated_min=None, magnitude_max=None, range_max=None, snr_min=None,
            exposure=10.0, elevation_min=None, sun_below=None, correction="LT+S", ephemeris=[])
DAY = 86400.0


@pytest.fixture(scope="module")
def reference():
    return find_windows_parallel(SPEC, chunk_s=90 * DAY, workers=1, progress=False).spans


def test_chunked_equals_unchunked_within_1ms(reference):
    ctx, constraint, _ = built(SPEC)
    plain = find_windows(ctx, constraint, SPEC["start"], SPEC["stop"]).spans
    assert plain.shape == reference.shape and len(plain) > 10
    assert np.abs(plain - reference).max() <= 1e-3  # both within 0.5 ms of the same root
    # interior boundaries sit at the middle of a 1 ms grid cell of ET
    inner = reference.reshape(-1)[1:-1]
    assert np.allclose((inner / GRID_S) % 1.0, 0.5, atol=1e-3)


@pytest.mark.parametrize("chunk_days", [1000.0, 45.0, 17.37, 5.0])
def test_any_chunk_size_same_bytes(reference, chunk_days):
    # 5 days is about the pad (2 scan steps each side): windows cross many edges and are joined
    got = find_windows_parallel(SPEC, chunk_s=chunk_days * DAY, workers=1, progress=False).spans
    assert got.tobytes() == reference.tobytes()


@settings(max_examples=6, deadline=None)
@given(chunk_days=st.floats(min_value=3.0, max_value=400.0),
       shift_s=st.floats(min_value=0.0, max_value=86400.0))
def test_random_chunk_sizes_same_bytes(reference, chunk_days, shift_s):
    # a search over a sub-span (start moved by up to a day) against the reference cut to that sub-span:
    # interior boundaries identical to the bit, whatever the chunking
    spec = {**SPEC, "start": f"ET:{float(reference[0, 0]) + shift_s!r}"}
    got = find_windows_parallel(spec, chunk_s=chunk_days * DAY, workers=1, progress=False).spans
    inner_ref = reference.reshape(-1)[1:-1]  # the first start moved with the span; the end is the span's
    inner_got = got.reshape(-1)[1:-1]
    assert inner_got.tobytes() == inner_ref.tobytes()


def test_local_pool_same_bytes(reference):
    got = find_windows_parallel(SPEC, chunk_s=90 * DAY, workers=2, progress=False).spans
    assert got.tobytes() == reference.tobytes()


def test_option_errors(monkeypatch, tmp_path):
    with pytest.raises(PaledotError, match="--workers 0"):
        worker_count(0)
    with pytest.raises(PaledotError, match="not an address"):
        scheduler_address("localhost")
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if Dask were not installed
    with pytest.raises(PaledotError, match=r"paledot\[dask\]"):
        scheduler_address("tcp://127.0.0.1:8786")
    monkeypatch.setenv("PALEDOT_SCHEDULER", "tcp://127.0.0.1:8786")
    with pytest.raises(PaledotError, match=r"paledot\[dask\]"):
        scheduler_address(None)
    monkeypatch.delenv("PALEDOT_SCHEDULER")
    run_chunks(_square, [("a", 2)], workers=1, folder=tmp_path, job={"n": 1}, progress=False)
    with pytest.raises(PaledotError, match="another job"):
        run_chunks(_square, [("a", 2)], workers=1, folder=tmp_path, job={"n": 2}, progress=False)


def _square(x):
    return x * x


# --- interruption and resume (local) -------------------------------------------------------------
def _flaky_windows(payload):
    """windows_chunk, logging each call; fails (an interruption) on the chunk named in the stop file."""
    spec, lo, hi, c0, c1 = payload
    log = Path(os.environ["PALEDOT_TEST_LOG"])
    with log.open("a") as fh:
        fh.write(f"{c0}\n")
    stop = Path(os.environ["PALEDOT_TEST_STOP"])
    if stop.exists() and float(stop.read_text()) == c0:
        raise KeyboardInterrupt("interrupted")
    return windows_chunk(payload)


def test_resume_after_interruption(reference, tmp_path, monkeypatch):
    lo, hi, chunks = search_chunks(SPEC, 90 * DAY)
    log, stop, folder = tmp_path / "calls.log", tmp_path / "stop", tmp_path / "chunks"
    monkeypatch.setenv("PALEDOT_TEST_LOG", str(log))
    monkeypatch.setenv("PALEDOT_TEST_STOP", str(stop))
    stop.write_text(repr(chunks[4][1][3]))  # the fifth chunk is interrupted
    with pytest.raises(PaledotError, match="4 of 9 chunks kept"):
        run_chunks(_flaky_windows, chunks, workers=1, folder=folder, job={"t": 1}, progress=False)
    kept = sorted(p.name for p in folder.glob("*.pkl"))
    assert kept == [f"{k:05d}.pkl" for k in range(4)]
    assert not list(folder.glob(".*tmp"))  # no half-written chunk
    stop.unlink()
    log.write_text("")
    parts = run_chunks(_flaky_windows, chunks, workers=1, folder=folder, job={"t": 1}, progress=False)
    assert len(log.read_text().split()) == len(chunks) - 4  # only the missing chunks computed
    assert join(parts).tobytes() == reference.tobytes()
    assert len(list(folder.glob("*.pkl"))) == len(chunks)


# --- a real dask.distributed LocalCluster ----------------------------------------------------------
@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # this module's helpers by value
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as c:
        yield c.scheduler_address


def test_cluster_same_bytes_windows(cluster, reference, tmp_path):
    got = find_windows_parallel(SPEC, chunk_s=90 * DAY, scheduler=cluster, folder=tmp_path, progress=False)
    assert got.spans.tobytes() == reference.tobytes()
    assert len(list(tmp_path.glob("*.pkl"))) == 9


def _killer(payload):
    """Kill this worker process (once, on the chunk named in the marker's folder) mid-run."""
    marker, inner = payload
    if inner[3] == float(Path(marker).read_text()) and not Path(marker + ".done").exists():
        Path(marker + ".done").write_text("killed")
        os._exit(1)  # the worker dies; Dask must rerun the chunk elsewhere
    return windows_chunk(inner)


def test_cluster_worker_killed_mid_run(cluster, reference, tmp_path):
    lo, hi, chunks = search_chunks(SPEC, 90 * DAY)
    marker = tmp_path / "kill"
    marker.write_text(repr(chunks[2][1][3]))
    wrapped = [(k, (str(marker), p)) for k, p in chunks]
    folder = tmp_path / "chunks"
    parts = run_chunks(_killer, wrapped, scheduler=cluster, folder=folder, job={"k": 1}, progress=False)
    assert (tmp_path / "kill.done").exists()  # a worker really died
    assert join(parts).tobytes() == reference.tobytes()  # nothing lost, nothing doubled
    assert sorted(p.name for p in folder.glob("*.pkl")) == [f"{k:05d}.pkl" for k in range(len(chunks))]


def test_cluster_resume(cluster, reference, tmp_path, monkeypatch):
    lo, hi, chunks = search_chunks(SPEC, 90 * DAY)
    folder = tmp_path / "chunks"
    # an interrupted run: only the first three chunks got written
    run_chunks(windows_chunk, chunks[:3], scheduler=cluster, folder=folder, job={"r": 1}, progress=False)
    mtimes = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.pkl")}
    parts = run_chunks(windows_chunk, chunks, scheduler=cluster, folder=folder, job={"r": 1}, progress=False)
    assert join(parts).tobytes() == reference.tobytes()
    assert {p: (folder / p).stat().st_mtime_ns for p in mtimes} == mtimes  # kept, not recomputed


def test_cluster_montecarlo_same_bytes(cluster):
    pytest.importorskip("sep")
    from paledot.plan.montecarlo import MonteCarloSpec, run_montecarlo

    spec = MonteCarloSpec(exposures_s=(2e-4, 5e-4), frames=4, crop=192, pointing_px=5.0)
    one = run_montecarlo(spec, chunk_frames=4, workers=1, progress=False)
    many = run_montecarlo(spec, chunk_frames=1, scheduler=cluster, progress=False)
    assert many.csv_text() == one.csv_text()


def test_relax_malloc_only_under_dask_setting(monkeypatch):
    from paledot.scale.parallel import relax_malloc

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert relax_malloc() is False
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    if sys.platform.startswith("linux"):  # glibc here: mallopt accepts both settings
        assert relax_malloc() is True


def test_unreadable_chunk_file_named(tmp_path):
    run_chunks(_square, [("a", 2), ("b", 3)], workers=1, folder=tmp_path, job={}, progress=False)
    (tmp_path / "b.pkl").write_bytes(b"not a pickle")
    with pytest.raises(PaledotError, match=r"b\.pkl.*remove it"):
        run_chunks(_square, [("a", 2), ("b", 3)], workers=1, folder=tmp_path, job={}, progress=False)
    (tmp_path / "b.pkl").unlink()
    again = run_chunks(_square, [("a", 2), ("b", 3)], workers=1, folder=tmp_path, job={}, progress=False)
    assert again == [4, 9]


def test_snap_near_cells_first_gives_the_wide_search(reference):
    # snap looks next door first and falls back to _AROUND cells each side; the wide search alone
    # (every boundary) is the oracle. Boundaries moved by up to 3.5 ms make the near look miss.
    from paledot.plan.chunks import _AROUND, _snap_cells, snap

    ctx, constraint, _ = built(SPEC)
    spans = reference[5:60].copy()
    rng = np.random.default_rng(1)
    spans += rng.uniform(-3.5e-3, 3.5e-3, spans.shape)
    ends = (float(spans[0, 0]) - 1.0, float(spans[-1, 1]) + 1.0)
    got = snap(ctx, constraint, spans, ends)
    b = spans.reshape(-1)
    wide, found = _snap_cells(ctx, constraint, b, (np.arange(b.size) % 2) == 0, _AROUND)
    assert found.all()
    assert got.reshape(-1).tobytes() == wide.tobytes()
    assert np.abs(got - reference[5:60]).max() < 0.6e-3  # back to the reference's cells
