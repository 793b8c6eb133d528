"""Killed and starved runs of ``reproduce``, ``render`` and ``geometry --chunk --out``, as real
processes: SIGINT, SIGTERM and SIGKILL at seeded random moments, and writes that fail for lack of
space on a real (tiny) tmpfs. After each: no traceback, one line, the documented exit status, no
temporary file left (after SIGKILL: once the next paledot write into that folder has run), and an
existing output whole — byte for byte the old one, or (when the kill came after the swap) the
complete new one.
"""

from __future__ import annotations

import errno
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PALEDOT = str(Path(sys.executable).parent / "paledot")
RNG = random.Random(20230521)
TEMP_MARKS = (".part", ".old", ".paledot-group.", ".paledot-probe.")


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()
    }


def _temporaries(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if any(m in p.name for m in TEMP_MARKS)]


def _run(argv, cwd, kill_after=None, sig=signal.SIGINT):
    proc = subprocess.Popen(
        [PALEDOT, *argv], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    if kill_after is not None:
        time.sleep(kill_after)
        proc.send_signal(sig)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out.decode(), err.decode()


def _assert_quiet_end(code, err, sig):
    """No traceback; one line and 130/143 for SIGINT/SIGTERM (the shell shows the same numbers for a
    process that died of the signal itself, as one does if it lands before the interpreter has set
    up signal handling)."""
    assert "Traceback" not in err, err
    if code == 0:  # the kill came after the work was done
        return
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
        return
    if code == -sig:  # died of it before Python ran a line of paledot (interpreter start-up)
        assert err == "", err
        return
    assert code == {signal.SIGINT: 130, signal.SIGTERM: 143}[sig], (code, err)
    assert err.count("\n") == 1 and err.startswith("paledot: "), err


REPRODUCE = ["reproduce", "mex-2023", "--time", "2023-05-21T03:10", "--quiet", "--out", "out"]
RENDER = [
    "render",
    "--observer",
    "mars",
    "--camera",
    "hrsc-src",
    "--time",
    "2023-05-21T03:10",
    "--target",
    "earth",
    "--target",
    "moon",
    "--out",
    "f.fits",
    "--png",
    "f.png",
    "--annotated",
    "a.png",
]
GEOMETRY = [  # --quiet: no CSV notes on stderr, where only the interrupt's one line may be
    "geometry",
    "--quiet",
    "--observer",
    "mars",
    "--target",
    "earth",
    "--target",
    "moon",
    "--format",
    "csv",
    "--out",
    "g.csv",
]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """One finished run of each command, timed, whose outputs the killed runs must leave whole."""
    root = tmp_path_factory.mktemp("baseline")
    times = {}
    for name, argv in (
        ("reproduce", REPRODUCE),
        ("render", RENDER + ["--seed", "1"]),
        ("geometry", GEOMETRY + ["--start", "2023-05-01", "--stop", "2023-05-02"]),
    ):
        t0 = time.perf_counter()
        code, _, err = _run(argv, root)
        assert code == 0, err
        times[name] = time.perf_counter() - t0
    return root, times


def _copy(baseline, tmp_path) -> Path:
    root, _ = baseline
    for p in root.iterdir():
        (shutil.copytree if p.is_dir() else shutil.copy2)(p, tmp_path / p.name)
    return tmp_path


def _sweep_by_next_write(folder: Path) -> None:
    """The next paledot write into ``folder`` (here a tiny geometry file) clears what a SIGKILLed run
    left and completes a journalled group."""
    code, _, err = _run(
        [
            "geometry",
            "--observer",
            "mars",
            "--target",
            "earth",
            "--time",
            "2023-05-15",
            "--format",
            "csv",
            "--out",
            "sweep.csv",
        ],
        folder,
    )
    assert code == 0, err
    (folder / "sweep.csv").unlink()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_killed_reproduce_leaves_the_old_folder_whole(baseline, tmp_path, sig):
    folder = _copy(baseline, tmp_path)
    old = _digest(folder / "out")
    when = RNG.uniform(0.3, baseline[1]["reproduce"] * 1.1)
    code, _, err = _run(REPRODUCE + ["--overwrite"], folder, when, sig)
    _assert_quiet_end(code, err, sig)
    if sig == signal.SIGKILL:
        _sweep_by_next_write(folder)
    assert _temporaries(folder) == [], (when, _temporaries(folder))
    now = _digest(folder / "out")
    # deterministic outputs: the new folder equals the old except the report's timing line
    assert now.keys() == old.keys(), when
    same = {k for k in old if old[k] == now[k]}
    assert same >= set(old) - {"report.html", "facts.md"}, when


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_killed_render_leaves_the_group_all_old_or_all_new(baseline, tmp_path, sig):
    folder = _copy(baseline, tmp_path)
    old = {k: v for k, v in _digest(folder).items() if k in ("f.fits", "f.png", "a.png")}
    when = RNG.uniform(0.3, baseline[1]["render"] * 1.1)
    code, _, err = _run(RENDER + ["--seed", "2", "--overwrite"], folder, when, sig)
    _assert_quiet_end(code, err, sig)
    if sig == signal.SIGKILL:
        _sweep_by_next_write(folder)
    assert _temporaries(folder) == [], (when, _temporaries(folder))
    now = {k: v for k, v in _digest(folder).items() if k in old}
    changed = {k for k in old if now[k] != old[k]}
    assert changed in (set(), set(old)), (when, changed)  # never a mix of old and new


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_killed_chunked_geometry_leaves_the_old_file_whole(baseline, tmp_path, sig):
    folder = _copy(baseline, tmp_path)
    old = _digest(folder)["g.csv"]
    when = RNG.uniform(0.3, 4.0)
    code, _, err = _run(
        GEOMETRY
        + [
            "--start",
            "2000-01-01",
            "--stop",
            "2100-01-01",
            "--step",
            "1min",
            "--chunk",
            "50000",
            "--overwrite",
        ],
        folder,
        when,
        sig,
    )
    _assert_quiet_end(code, err, sig)
    assert code != 0  # a century by the minute cannot finish in four seconds
    if sig == signal.SIGKILL:
        _sweep_by_next_write(folder)
    assert _temporaries(folder) == [], (when, _temporaries(folder))
    assert _digest(folder)["g.csv"] == old


# --- writes that fail for lack of space ------------------------------------------------------------
@pytest.fixture
def tiny_disk(tmp_path):
    """A real 6 MB tmpfs (needs root, as on the project's machines; skipped elsewhere)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mnt)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a tmpfs here (not root?)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


def _fill_until(mnt: Path, free_bytes: int) -> None:
    """Leave about ``free_bytes`` free on ``mnt``."""
    st = os.statvfs(mnt)
    spare = st.f_bavail * st.f_frsize - free_bytes
    if spare > 0:
        (mnt / "ballast").write_bytes(b"\0" * spare)


def test_render_without_space_fails_in_one_line_and_keeps_the_old_group(baseline, tiny_disk):
    root, _ = baseline
    for name in ("f.fits", "f.png", "a.png"):
        shutil.copy2(root / name, tiny_disk / name)
    old = _digest(tiny_disk)
    _fill_until(tiny_disk, 1_000_000)  # room for the PNGs, not for the 2 MB FITS as well
    code, _, err = _run(RENDER + ["--seed", "2", "--overwrite"], tiny_disk)
    assert code == 1 and "Traceback" not in err and err.count("\n") == 1, err
    assert "No space left on device" in err and err.startswith("paledot: error: cannot complete"), err
    assert _temporaries(tiny_disk) == []
    assert {k: v for k, v in _digest(tiny_disk).items() if k != "ballast"} == old


def test_reproduce_without_space_keeps_the_old_folder(baseline, tiny_disk):
    root, _ = baseline
    shutil.copytree(root / "out", tiny_disk / "out")
    old = _digest(tiny_disk / "out")
    _fill_until(tiny_disk, 500_000)
    code, _, err = _run(REPRODUCE + ["--overwrite"], tiny_disk)
    assert code == 1 and "Traceback" not in err and "No space left on device" in err, err
    assert _temporaries(tiny_disk) == []
    assert _digest(tiny_disk / "out") == old


def test_chunked_geometry_without_space_keeps_the_old_file(baseline, tiny_disk):
    root, _ = baseline
    shutil.copy2(root / "g.csv", tiny_disk / "g.csv")
    old = _digest(tiny_disk)
    _fill_until(tiny_disk, 300_000)
    code, _, err = _run(
        GEOMETRY
        + [
            "--start",
            "2023-01-01",
            "--stop",
            "2023-02-01",
            "--step",
            "1min",
            "--chunk",
            "10000",
            "--overwrite",
        ],
        tiny_disk,
    )
    assert code == 1 and "Traceback" not in err and "No space left on device" in err, err
    assert _temporaries(tiny_disk) == []
    assert {k: v for k, v in _digest(tiny_disk).items() if k != "ballast"} == old


def test_an_unwritable_folder_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    """Root can write anywhere, so the refusal is shown with the probe's mkstemp failing as a
    read-only filesystem makes it fail (EROFS); the render never starts."""
    import tempfile

    from paledot import cli
    from paledot._io import outputs

    real = tempfile.mkstemp

    def read_only(*args, **kwargs):
        if str(kwargs.get("prefix", "")).startswith(outputs._PROBE):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real(*args, **kwargs)

    monkeypatch.setattr(outputs.tempfile, "mkstemp", read_only)
    started = []
    monkeypatch.setattr("paledot.render.frame.render", lambda *a, **k: started.append(1))
    code = cli.main(RENDER[:-6] + ["--out", str(tmp_path / "f.fits")])
    err = capsys.readouterr().err
    assert code == 2 and "is not writable (Read-only file system)" in err and err.count("\n") == 1, err
    assert started == [] and list(tmp_path.iterdir()) == []
