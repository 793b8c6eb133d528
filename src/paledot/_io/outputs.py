"""Writing output files safely: whole or not at all, and never over an existing file unasked.

Every writer in paledot goes through this module. What it guarantees, and how:

- **One file**: the bytes go to a temporary file in the destination folder (named
  ``.<name>.<pid>-<random>.part``), flushed to disk, then renamed over the target. A rename within
  one filesystem is atomic, so at every moment the target is either the whole old file or the whole
  new one; with ``overwrite`` there is no moment where neither exists.
- **A group of files** (a render's FITS, PNG and annotated PNG): every temporary is written first;
  then a journal naming each (temporary, target) pair is written and flushed, and the renames run
  with SIGINT and SIGTERM held back, so a Ctrl-C or a kill lands after the whole group. If the
  process dies harder than that (SIGKILL, power loss) in the middle of the renames, the journal
  says the group was complete, and the next paledot write into that folder finishes the renames
  (rolls forward); a group killed before its journal existed never lands and its temporaries are
  removed.
- **A folder** (``reproduce``): built whole in a temporary sibling, then swapped in. Where the
  kernel offers it (Linux 3.15+, through ``renameat2(RENAME_EXCHANGE)`` called with ctypes), the
  old and new folders trade places in one atomic step and the old one is deleted afterwards; the
  fallback (other systems, filesystems without exchange) renames the old folder aside, the new one
  in, then deletes the old, and a run killed between those two renames is repaired by the next
  write there (the old folder is put back).
- **Failures**: an error, Ctrl-C or SIGTERM during a write removes its temporaries before the
  exception goes on. A temporary left by a process that no longer runs (SIGKILL) carries that
  process's id in its name; the next write into the same folder removes it.
- **Symbolic links**: a link standing at an output path (to a file, a folder, or dangling) is an
  existing output: refused without ``overwrite``; with it, the rename lands on the link's own name,
  so the link is replaced by the new file and whatever it pointed to is left as it was.
- **Before any work**: a folder that does not exist, or that cannot be written (read-only,
  permissions), is refused with one line, by actually creating and removing a probe file there.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import PaledotError

_JOURNAL = ".paledot-group."
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-[^.]+\.(?P<kind>part|old)$")
_JOURNAL_NAME = re.compile(r"^\.paledot-group\.(?P<pid>\d+)-[^.]+\.json$")
_PROBE = ".paledot-probe."  # + pid: swept like any temporary if its process is killed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def sweep(folder: str | os.PathLike) -> None:
    """Finish or remove what dead paledot processes left in ``folder``: complete a group whose
    journal was written (roll forward), put back a folder moved aside by an unfinished swap, and
    delete stray temporaries. Files of running processes are left alone."""
    folder = Path(folder)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:  # journals first: they decide which temporaries still matter
        m = _JOURNAL_NAME.match(name)
        if m and not _alive(int(m.group("pid"))):
            _roll_forward(folder / name)
    for name in os.listdir(folder):
        m = _TEMP.match(name)
        if not m or _alive(int(m.group("pid"))):
            continue
        path = folder / name
        target = folder / m.group("name")
        if m.group("kind") == "old" and path.is_dir() and not target.exists():
            # a fallback folder swap killed between its two renames: the old folder goes back
            inner = path / "x"
            with contextlib.suppress(OSError):
                os.rename(inner if inner.exists() else path, target)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()


def _roll_forward(journal: Path) -> None:
    try:
        pairs = json.loads(journal.read_text(encoding="utf-8"))
        for tmp, target in pairs:
            if os.path.exists(tmp):
                os.replace(tmp, target)
    except (OSError, ValueError, TypeError):
        pass
    with contextlib.suppress(OSError):
        journal.unlink()


def _temp_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}-"


def check_writable_folder(folder: str | os.PathLike, what: str) -> None:
    """Refuse a folder paledot cannot create files in, by creating (and removing) a probe file."""
    folder = Path(folder) if str(folder) else Path(".")
    try:
        fd, probe = tempfile.mkstemp(prefix=f"{_PROBE}{os.getpid()}-", suffix=".part", dir=folder)
    except OSError as exc:
        raise PaledotError(
            f"cannot write {what}: the folder {str(folder)!r} is not writable ({exc.strerror or exc})"
        ) from None
    os.close(fd)
    os.unlink(probe)


def output_key(path: str | os.PathLike) -> str:
    """The file an output ``path`` names, for telling two outputs apart: its folder resolved, its
    own name kept (a symbolic link there is replaced, not followed)."""
    path = Path(path)
    return os.path.join(os.path.realpath(path.parent if str(path.parent) else "."), path.name)


def check_destination(path: str | os.PathLike, overwrite: bool) -> Path:
    """The path as a Path, after checking its folder exists, can be written, and ``path`` may be
    (over)written. A symbolic link there (to a file, or dangling) is an existing output: refused
    without ``overwrite``; with it, the link itself is replaced, never the file it points to."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise PaledotError(f"cannot write {str(path)!r}: the folder {str(folder)!r} does not exist")
    if path.is_dir() and not path.is_symlink():
        raise PaledotError(f"cannot write {str(path)!r}: it is a folder")
    if os.path.lexists(path) and not overwrite:  # a link counts, dangling or not: never followed
        kind = " (a symbolic link)" if path.is_symlink() else ""
        raise PaledotError(f"{str(path)!r} already exists{kind}: pass --overwrite (overwrite=True) to "
                           "replace it")
    check_writable_folder(folder, repr(str(path)))
    sweep(folder)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish_mode(path: Path, directory: bool = False) -> None:
    """Give a finished temp file (or folder) the permissions a plain open() would have: mkstemp and
    mkdtemp make them private, which is right while writing and wrong once published."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (delivered on exit) so a few renames complete together.
    Only the main thread can block signals for the process; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _write_temp(path: Path, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".part", dir=path.parent)
    tmp_path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _publish_mode(tmp_path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return tmp_path


def atomic_write_group(items: list[tuple[str | os.PathLike, bytes]], overwrite: bool = False) -> list[Path]:
    """Write several files all or nothing (see the module text). Refuses duplicate destinations."""
    paths = [check_destination(p, overwrite) for p, _ in items]
    resolved = [Path(output_key(p)) for p in paths]  # a link at a path is replaced, not followed
    if len(set(resolved)) != len(resolved):
        raise PaledotError("two outputs name the same file: give each output its own path")
    temps: list[Path] = []
    journal: Path | None = None
    try:
        for path, (_, data) in zip(paths, items, strict=True):
            temps.append(_write_temp(path, data))
        pairs = [[str(t.resolve()), str(p)] for t, p in zip(temps, resolved, strict=True)]
        fd, name = tempfile.mkstemp(prefix=f"{_JOURNAL}{os.getpid()}-", suffix=".json", dir=paths[0].parent)
        journal = Path(name)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(pairs, fh)
            fh.flush()
            os.fsync(fh.fileno())
        with held_signals():
            for tmp, path in zip(temps, paths, strict=True):
                os.replace(tmp, path)
            journal.unlink()
            journal = None
    except BaseException:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        if journal is not None:
            journal.unlink(missing_ok=True)
        raise
    return paths


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None], overwrite: bool = False) -> Path:
    """Call ``write(tmp_path)`` to fill a temporary file, then rename it to ``path``."""
    path = check_destination(path, overwrite)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
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
    """Refuse, before any work, an output folder that exists (unless ``overwrite``), is a file, sits
    below a file, or whose nearest existing parent cannot be written."""
    folder = Path(folder)
    link = folder.is_symlink()  # to a folder, a file or nothing: an existing output, replaced as a link
    if link and not overwrite:
        raise PaledotError(f"{str(folder)!r} already exists (a symbolic link): pass --overwrite to "
                           "replace it")
    if not link and folder.exists() and not folder.is_dir():
        raise PaledotError(f"cannot write into {str(folder)!r}: it is a file, not a folder")
    if not link and folder.exists() and not overwrite:
        raise PaledotError(f"{str(folder)!r} already exists: pass --overwrite to replace it")
    for parent in folder.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise PaledotError(f"cannot write into {str(folder)!r}: {str(parent)!r} is a file")
            check_writable_folder(parent, f"into {str(folder)!r}")
            break
    return folder


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Swap two paths in one atomic step with Linux's ``renameat2(RENAME_EXCHANGE)``. Returns False
    (having changed nothing) where the system or filesystem does not offer it."""
    import ctypes.util  # here, not at the top: it costs every start-up otherwise

    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), os.fspath(b))


def replace_folder(folder: str | os.PathLike, fill: Callable[[Path], None], overwrite: bool = False) -> Path:
    """Build a whole output folder in a temporary sibling, then swap it into place.

    Without ``overwrite`` an existing folder is refused, naming it; with it, the old folder is
    replaced only after the new one is complete, by an atomic exchange where available (see the
    module text).
    """
    folder = Path(folder)
    if os.path.lexists(folder) and not overwrite:
        raise PaledotError(f"{str(folder)!r} already exists: pass --overwrite to replace it")
    parent = folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    sweep(parent)
    tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(folder), suffix=".part", dir=parent))
    try:
        fill(tmp)
        _publish_mode(tmp, directory=True)
        with held_signals():
            if not os.path.lexists(folder):
                os.replace(tmp, folder)
            elif exchange(tmp, folder):
                pass  # tmp now holds the old folder (or the link that stood there); removed below
            else:
                old = Path(tempfile.mkdtemp(prefix=_temp_prefix(folder), suffix=".old", dir=parent))
                os.replace(folder, old / "x")
                os.replace(tmp, folder)
                shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _remove(tmp)  # the old folder (or link) after an exchange; nothing otherwise
    return folder


def _remove(path: Path) -> None:
    """Delete a folder tree, or a symbolic link itself (never what it points to)."""
    if path.is_symlink():
        with contextlib.suppress(OSError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)
