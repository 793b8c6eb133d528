"""Writing output files safely: whole or not at all, and never over an existing file unasked.

Every writer in paledot goes through :func:`atomic_write`: the bytes go to a temporary file in the
destination folder, which is renamed over the target only once complete (a rename within one
filesystem is atomic), so a crash or an error leaves no half-written file behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import PaledotError


def check_destination(path: str | os.PathLike, overwrite: bool) -> Path:
    """The path as a Path, after checking its folder exists and it may be (over)written."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise PaledotError(f"cannot write {str(path)!r}: the folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise PaledotError(f"cannot write {str(path)!r}: it is a folder")
    if path.exists() and not overwrite:
        raise PaledotError(f"{str(path)!r} already exists: pass --overwrite (overwrite=True) to replace it")
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish_mode(path: Path, directory: bool = False) -> None:
    """Give a finished temp file (or folder) the permissions a plain open() would have: mkstemp and
    mkdtemp make them private, which is right while writing and wrong once published."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


def atomic_write_group(items: list[tuple[str | os.PathLike, bytes]], overwrite: bool = False) -> list[Path]:
    """Write several files all or nothing: every one goes to a temp file first, and only when all
    are complete are they renamed into place. Refuses duplicate destinations."""
    paths = [check_destination(p, overwrite) for p, _ in items]
    resolved = [p.resolve() for p in paths]
    if len(set(resolved)) != len(resolved):
        raise PaledotError("two outputs name the same file: give each output its own path")
    temps: list[Path] = []
    try:
        for path, (_, data) in zip(paths, items, strict=True):
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            temps.append(Path(tmp))
            _publish_mode(Path(tmp))
        for tmp, path in zip(temps, paths, strict=True):
            os.replace(tmp, path)
    except BaseException:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        raise
    return paths


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None], overwrite: bool = False) -> Path:
    """Call ``write(tmp_path)`` to fill a temporary file, then rename it to ``path``."""
    path = check_destination(path, overwrite)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        _publish_mode(tmp_path)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path, data: bytes, overwrite: bool = False) -> Path:
    return atomic_write(path, lambda p: p.write_bytes(data), overwrite)


def atomic_write_text(path, text: str, overwrite: bool = False) -> Path:
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"), overwrite)


def check_folder_destination(folder: str | os.PathLike, overwrite: bool) -> Path:
    """Refuse, before any work, an output folder that exists (unless ``overwrite``), is a file, or
    sits below a file."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise PaledotError(f"cannot write into {str(folder)!r}: it is a file, not a folder")
    if folder.exists() and not overwrite:
        raise PaledotError(f"{str(folder)!r} already exists: pass --overwrite to replace it")
    for parent in folder.parents:
        if parent.exists():
            if not parent.is_dir():
                raise PaledotError(f"cannot write into {str(folder)!r}: {str(parent)!r} is a file")
            break
    return folder


def replace_folder(folder: str | os.PathLike, fill: Callable[[Path], None], overwrite: bool = False) -> Path:
    """Build a whole output folder in a temporary sibling, then swap it into place.

    Without ``overwrite`` an existing folder is refused, naming it; with it, the old folder is
    replaced only after the new one is complete.
    """
    folder = Path(folder)
    if folder.exists() and not overwrite:
        raise PaledotError(f"{str(folder)!r} already exists: pass --overwrite to replace it")
    parent = folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".part", dir=parent))
    try:
        fill(tmp)
        _publish_mode(tmp, directory=True)
        if folder.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=parent))
            os.replace(folder, old / "x")
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder
