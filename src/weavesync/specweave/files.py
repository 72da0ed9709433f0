"""Crash-safe file replacement and the per-increment inter-process lock.

Every byte weavesync writes into a SpecWeave project goes through `atomic_write`, and every read-modify-write
of an increment happens inside `increment_lock`. SpecWeave's own writer uses one fixed temp name
(`metadata.json.tmp`), so two writers can clobber each other's temp file; here the temp name is unique and the
lock keeps two weavesync processes (a `watch`, a webhook worker, a CLI run) from interleaving.

This module knows nothing about the content of the files.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from weavesync.errors import LockTimeout

TEMP_SUFFIX = ".weavesync.tmp"
"""Temp files are named ``.<target name>.<random>.weavesync.tmp`` next to their target (hidden, so no
SpecWeave reader or increment scan ever mistakes one for real content)."""

_POLL_SECONDS = 0.02


def atomic_write(path: Path, data: bytes, *, before_replace: Callable[[Path], None] | None = None) -> None:
    """Replace `path` with `data` so that readers see either the old or the new content, never a mix.

    Writes a uniquely named temp file in the same folder, fsyncs it, renames it over the target and fsyncs
    the folder, so the rename itself survives a power cut. The file keeps its permission bits (a fresh file
    gets the usual 0666 & ~umask). A symlinked target is written through the link.

    `before_replace` is a test hook called with the temp path after it is complete and synced and before the
    rename: a crash test kills the process there and checks the old file is intact.
    """
    target = Path(os.path.realpath(path))
    folder = target.parent
    mode = _mode_for(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(folder)


def remove_stale_temp_files(target: Path) -> list[Path]:
    """Delete temp files a killed `atomic_write` left behind for `target`; returns what was removed.

    Only safe while holding the lock that guards `target` (the writer module calls it under
    `increment_lock`), since a live writer's temp file has the same shape.
    """
    removed: list[Path] = []
    real = Path(os.path.realpath(target))
    for candidate in real.parent.glob(f".{real.name}.*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()
            removed.append(candidate)
    return removed


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError as exc:  # some filesystems refuse fsync on a directory; the rename is still done
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise
    finally:
        os.close(dir_fd)


def lock_path_for(increment_dir: Path) -> Path:
    """Where the lock file for an increment lives: ``.specweave/state/locks/<increment id>.lock``.

    Outside a `.specweave` tree (never the case for a real project) it falls back to a hidden file next to the
    folder, so the lock still works.
    """
    increment_dir = Path(os.path.abspath(increment_dir))
    for ancestor in increment_dir.parents:
        if ancestor.name == ".specweave":
            return ancestor / "state" / "locks" / f"{increment_dir.name}.lock"
    return increment_dir.parent / f".{increment_dir.name}.weavesync.lock"


class _Held:
    __slots__ = ("count", "fd", "owner")

    def __init__(self, fd: int, owner: tuple[int, int]) -> None:
        self.fd = fd
        self.owner = owner
        self.count = 1


_held: dict[Path, _Held] = {}
_held_guard = threading.Lock()


@contextlib.contextmanager
def increment_lock(path: Path, timeout: float = 10.0) -> Iterator[Path]:
    """Hold the exclusive inter-process lock of the increment folder `path`; yields the lock file's path.

    Uses `fcntl.flock` on a lock file under `.specweave/state/locks/`, so the lock vanishes with its process
    (a killed writer never leaves a stale lock). Re-entrant within one thread, so the engine may hold it
    around a read-decide-write while the writer functions take it again. Raises `LockTimeout` when another
    process (or thread) keeps it longer than `timeout` seconds.
    """
    lock_file = lock_path_for(path)
    owner = (os.getpid(), threading.get_ident())
    with _held_guard:
        held = _held.get(lock_file)
        if held is not None and held.owner == owner:
            held.count += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield lock_file
        finally:
            with _held_guard:
                held = _held[lock_file]
                held.count -= 1
        return

    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _acquire(fd, lock_file, timeout)
        with _held_guard:
            _held[lock_file] = _Held(fd, owner)
        try:
            yield lock_file
        finally:
            with _held_guard:
                _held.pop(lock_file, None)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, lock_file: Path, timeout: float) -> None:
    deadline = time.monotonic() + max(timeout, 0.0)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockTimeout(
                    f"another weavesync process is writing this increment (lock {lock_file.name} held for more "
                    f"than {timeout:g}s)",
                    hint="wait for the other run to finish, or stop it",
                ) from None
            time.sleep(_POLL_SECONDS)
