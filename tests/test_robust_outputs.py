"""What ``outputs`` promises when a write is cut short: checked by staging exactly what a process
killed at each step would leave behind (its temporaries carry its process id), then running the
next write into that folder."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest

from paledot._io import outputs
from paledot._io.errors import PaledotError


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The id of a process that has exited (what a SIGKILLed paledot leaves in its file names)."""
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(proc.stdout)


def test_group_killed_mid_rename_is_completed_by_the_next_write(tmp_path, dead_pid):
    for name in ("f.fits", "f.png", "a.png"):
        (tmp_path / name).write_text(f"old {name}")
    # killed after the journal and the first rename: f.fits new, the others still temporaries
    pairs = []
    for name in ("f.fits", "f.png", "a.png"):
        tmp = tmp_path / f".{name}.{dead_pid}-abc.part"
        tmp.write_text(f"new {name}")
        pairs.append([str(tmp), str(tmp_path / name)])
    (tmp_path / f".paledot-group.{dead_pid}-xyz.json").write_text(json.dumps(pairs))
    os.replace(pairs[0][0], pairs[0][1])
    outputs.atomic_write_text(tmp_path / "other.txt", "next write")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "f.fits", "f.png", "other.txt"]
    assert all((tmp_path / n).read_text() == f"new {n}" for n in ("f.fits", "f.png", "a.png"))


def test_group_killed_before_its_journal_never_lands(tmp_path, dead_pid):
    (tmp_path / "f.fits").write_text("old")
    (tmp_path / f".f.fits.{dead_pid}-abc.part").write_text("new, never committed")
    outputs.sweep(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["f.fits"] and (tmp_path / "f.fits").read_text() == "old"


def test_live_processes_temporaries_are_left_alone(tmp_path):
    mine = tmp_path / f".x.{os.getpid()}-abc.part"
    mine.write_text("in progress")
    outputs.sweep(tmp_path)
    assert mine.exists()


def test_fallback_folder_swap_killed_between_renames_puts_the_old_folder_back(tmp_path, dead_pid):
    old = tmp_path / f".out.{dead_pid}-abc.old"
    (old / "x").mkdir(parents=True)
    (old / "x" / "report.html").write_text("old report")
    (tmp_path / f".out.{dead_pid}-def.part").mkdir()  # the new folder, complete or not: dropped
    outputs.sweep(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (tmp_path / "out" / "report.html").read_text() == "old report"


def test_overwrite_swaps_folders_atomically_and_leaves_nothing_behind(tmp_path, monkeypatch):
    out = tmp_path / "out"
    outputs.replace_folder(out, lambda d: (d / "a.txt").write_text("1"))
    seen = []
    real = outputs.exchange

    def spy(a, b):
        seen.append(os.path.exists(b))  # the old folder is there up to the exchange
        done = real(a, b)
        seen.append(os.path.exists(b))  # and the new one is there right after it
        return done

    monkeypatch.setattr(outputs, "exchange", spy)
    outputs.replace_folder(out, lambda d: (d / "b.txt").write_text("2"), overwrite=True)
    assert seen == [True, True]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert [p.name for p in out.iterdir()] == ["b.txt"]


def test_fallback_swap_without_renameat2_still_replaces(tmp_path, monkeypatch):
    out = tmp_path / "out"
    outputs.replace_folder(out, lambda d: (d / "a.txt").write_text("1"))
    monkeypatch.setattr(outputs, "exchange", lambda a, b: False)
    outputs.replace_folder(out, lambda d: (d / "b.txt").write_text("2"), overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert [p.name for p in out.iterdir()] == ["b.txt"]


def test_failed_group_write_leaves_no_temporary_and_old_files_whole(tmp_path, monkeypatch):
    for name in ("f.fits", "f.png"):
        (tmp_path / name).write_text(f"old {name}")
    calls = []
    real = os.fsync

    def full(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)

    monkeypatch.setattr(outputs.os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        outputs.atomic_write_group(
            [(tmp_path / "f.fits", b"new"), (tmp_path / "f.png", b"new")], overwrite=True
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.fits", "f.png"]
    assert (tmp_path / "f.fits").read_text() == "old f.fits"


def test_existing_file_still_needs_overwrite(tmp_path):
    (tmp_path / "f.txt").write_text("keep")
    with pytest.raises(PaledotError, match="already exists"):
        outputs.atomic_write_text(tmp_path / "f.txt", "new")
    assert (tmp_path / "f.txt").read_text() == "keep"
