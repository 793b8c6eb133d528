"""``paledot render`` over many epochs (a grid, several --time, a scenario): one FITS per epoch in a
folder, the same bytes for any worker count (local pool and a real 2-process Dask LocalCluster),
each frame the same bytes as a single ``paledot render`` at that epoch with the seed the batch
reports, a resumed run after a real SIGINT equal to an uninterrupted one, and --overwrite kept.

Oracles: the single-frame ``render`` command (bytes), astropy reading each FITS (SEED, DATE-AVG),
numpy's SeedSequence for the documented seed rule, and the uninterrupted run (bytes).
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from paledot.cli import main
from paledot.time.timescales import to_et

GRID = ["render", "--observer", "mars", "--camera", "hrsc-src", "--target", "earth", "--target", "moon",
        "--start", "2023-05-15", "--stop", "2023-05-17T12:00", "--step", "12h", "--png", "--no-progress"]
FRAMES = 6


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _rows(folder: Path) -> list[dict]:
    with open(folder / "frames.csv", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch") / "one"
    assert main(GRID + ["--out", str(out), "--workers", "1", "--chunk-frames", "4"]) == 0
    return out


def test_one_fits_png_per_epoch_with_times_and_seeds(one_process):
    rows = _rows(one_process)
    assert len(rows) == FRAMES
    want = to_et([f"2023-05-{15 + k // 2:02d}T{12 * (k % 2):02d}:00" for k in range(FRAMES)])
    for k, r in enumerate(rows):
        names = r["files"].split()
        assert names[0].endswith(".fits") and any(n.endswith(".png") for n in names)
        with fits.open(one_process / names[0]) as hdul:
            h = hdul[0].header
            assert h["SEED"] == int(r["seed"])
            assert h["DATE-AVG"].startswith(f"2023-05-{15 + k // 2:02d}T{12 * (k % 2):02d}:00:00")
        assert float(r["et"]) == pytest.approx(float(want[k]), abs=1e-6)
        # the documented rule: SeedSequence([seed, ET bits lo, hi, crc32(pointing)]), top bit dropped
        lo, hi = np.array([float(r["et"])], dtype="<f8").view("<u4")
        ss = np.random.SeedSequence([0, int(lo), int(hi), zlib.crc32(b"midpoint")])
        assert int(r["seed"]) == int(ss.generate_state(1)[0] >> 1)
    assert len({r["seed"] for r in rows}) == FRAMES  # every frame its own noise


def test_each_frame_is_the_single_render_at_its_seed(one_process, tmp_path):
    r = _rows(one_process)[3]
    single = tmp_path / "single.fits"
    args = ["render", "--observer", "mars", "--camera", "hrsc-src", "--target", "earth", "--target", "moon",
            "--time", f"ET:{r['et']}", "--seed", r["seed"], "--out", str(single)]
    assert main(args) == 0
    assert single.read_bytes() == (one_process / r["files"].split()[0]).read_bytes()


def test_two_local_workers_same_bytes(one_process, tmp_path):
    out = tmp_path / "two"
    assert main(GRID + ["--out", str(out), "--workers", "2", "--chunk-frames", "1"]) == 0
    assert _files(out) == _files(one_process)


def test_dask_local_cluster_same_bytes(one_process, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        out = tmp_path / "dask"
        assert main(GRID + ["--out", str(out), "--scheduler", cluster.scheduler_address,
                            "--chunk-frames", "2"]) == 0
    assert _files(out) == _files(one_process)


def test_resume_after_sigint_same_as_uninterrupted(one_process, tmp_path):
    out, chunks = tmp_path / "resumed", tmp_path / "chunks"
    cmd = [sys.executable, "-m", "paledot.cli", *GRID, "--out", str(out), "--workers", "1",
           "--chunk-frames", "4", "--chunk-dir", str(chunks)]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (chunks / "00000.pkl").exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)  # mid-run: the first chunk written, the second being rendered
    _, err = proc.communicate(timeout=60)
    # one line that says how to go on (paledot.scale.parallel turns the interruption into it)
    assert proc.returncode == 2 and err.count("\n") == 1 and "1 of 2 chunks kept" in err, err
    assert not out.exists()  # the folder appears whole or not at all
    kept = {p.name: p.stat().st_mtime_ns for p in chunks.glob("*.pkl")}
    assert list(kept) == ["00000.pkl"]
    assert main(GRID + ["--out", str(out), "--workers", "2", "--chunk-frames", "4",
                        "--chunk-dir", str(chunks)]) == 0
    assert _files(out) == _files(one_process)
    assert {n: (chunks / n).stat().st_mtime_ns for n in kept} == kept  # kept, not rendered again
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporaries left


def test_existing_folder_needs_overwrite(one_process, tmp_path, capsys):
    out = tmp_path / "o"
    base = ["render", "--observer", "mars", "--camera", "hrsc-src", "--target", "earth",
            "--time", "2023-05-15", "--time", "2023-05-16", "--no-progress", "--out", str(out)]
    assert main(base) == 0
    first = _files(out)
    assert main(base) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--overwrite" in err
    assert _files(out) == first
    assert main(base + ["--overwrite", "--seed", "7"]) == 0
    assert _files(out)["frames.csv"] != first["frames.csv"]  # other seeds: replaced whole


def test_scenario_epochs_with_their_pointings(tmp_path):
    out = tmp_path / "sc"
    assert main(["render", "--scenario", "mex-2003", "--out", str(out), "--no-progress"]) == 0
    earth, moon = _rows(out)  # mex-2003 points first at Earth, then at the Moon
    assert float(earth["earth_x"]) == pytest.approx(511.5, abs=0.01)  # 1024 x 1032 px: centre
    assert float(earth["earth_y"]) == pytest.approx(515.5, abs=0.01)
    assert float(moon["moon_x"]) == pytest.approx(511.5, abs=0.01)
    assert earth["seed"] != moon["seed"]  # same epoch, another pointing: another scene


@pytest.mark.parametrize("extra, message", [
    (["--time", "2023-05-15", "--time", "2023-05-16", "--png", "x.png"], "--png 'x.png': in a batch"),
    (["--time", "2023-05-15", "--workers", "2"], "--workers is for a batch render"),
    (["--start", "2023-05-15"], "needs both --start and --stop"),
    (["--start", "2023-01-01", "--stop", "2023-12-31", "--step", "1min"], "use a larger --step"),
    (["--time", "2023-05-15", "--time", "2023-05-16", "--chunk-frames", "0"], "--chunk-frames 0"),
    (["--time", "2023-05-15", "--time", "2700-01-01"], "2700"),
    (["--scenario", "mex-2023", "--time", "2023-05-15"], "brings its own epochs"),
    (["--time", "2023-05-15", "--time", "2023-05-16", "--pointing", "10,10"],
     "nothing to see in any of the 2 epochs (the first: earth outside the field): nothing written"),
])
def test_bad_batch_input_is_one_line(tmp_path, capsys, extra, message):
    args = ["render", "--observer", "mars", "--camera", "hrsc-src", "--target", "earth", "--no-progress",
            "--out", str(tmp_path / "x"), *extra]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "x").exists() and not os.listdir(tmp_path)


def test_json_summary_has_numbers_matching_frames_csv(tmp_path, capsys):
    import json

    out = tmp_path / "j"
    assert main(["render", "--observer", "mars", "--camera", "hrsc-src", "--target", "earth", "--target",
                 "moon", "--time", "2023-05-15", "--time", "2023-05-16", "--no-progress", "--format", "json",
                 "--out", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = _rows(out)
    assert len(doc["frames"]) == len(rows) == 2
    for j, r in zip(doc["frames"], rows, strict=True):
        assert isinstance(j["seed"], int) and j["seed"] == int(r["seed"])
        assert j["moon_snr"] == float(r["moon_snr"]) and j["utc"] == r["utc"] and j["files"] == r["files"]
