"""The per-increment inter-process lock that keeps two weavesync processes from interleaving their writes.

A `watch`, a webhook worker and a CLI run may write the same increment; each read-modify-write happens inside
`increment_lock`. SpecWeave takes no such lock, which is why the writes themselves are compare-and-swap
(`cas`): the lock only orders weavesync against itself.

The OS lock is taken on a lock file, so it vanishes with its process (a killed writer never leaves a stale
lock): `fcntl.flock` on POSIX, `msvcrt.locking` on Windows (where SpecWeave also runs). Both modules are
imported when the first lock is taken, never at import time, so `import weavesync` works on either system.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from weavesync.errors import LockTimeout, SpecWeaveFileError

_POLL_SECONDS = 0.02


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


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _try_lock(fd: int) -> bool:
    """Take the exclusive OS lock on `fd` without waiting; False when another process holds it."""
    fcntl = _module("fcntl")
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    msvcrt = _module("msvcrt")
    if msvcrt is None:
        raise OSError("no file locking on this system (neither fcntl nor msvcrt)")
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # the first byte; the file may be empty
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    fcntl = _module("fcntl")
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return
    msvcrt = _module("msvcrt")
    if msvcrt is not None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


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

    Re-entrant within one thread, so the engine may hold it around a read-decide-write while the writer
    functions take it again. Raises `LockTimeout` when another process (or thread) keeps it longer than
    `timeout` seconds, and `SpecWeaveFileError` naming the lock file when it cannot be created (read-only
    project, no permission).
    """
    lock_file = lock_path_for(path)
    owner = (os.getpid(), threading.get_ident())
    with _held_guard:
        held = _held.get(lock_file)
        reentered = held is not None and held.owner == owner
        if held is not None and reentered:
            held.count += 1
    if reentered:
        try:
            yield lock_file
        finally:
            with _held_guard:
                _held[lock_file].count -= 1
        return

    fd = _open(lock_file)
    try:
        _acquire(fd, lock_file, timeout)
        with _held_guard:
            _held[lock_file] = _Held(fd, owner)
        try:
            yield lock_file
        finally:
            with _held_guard:
                _held.pop(lock_file, None)
            _unlock(fd)
    finally:
        os.close(fd)


def _open(lock_file: Path) -> int:
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        return os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        roots = [folder.parent for folder in lock_file.parents if folder.name == ".specweave"]
        shown = os.path.relpath(lock_file, roots[0]) if roots else str(lock_file)
        raise SpecWeaveFileError(shown, f"lock file cannot be created ({exc.strerror or exc})",
                                 hint="check the project folder is writable") from None


def _acquire(fd: int, lock_file: Path, timeout: float) -> None:
    deadline = time.monotonic() + max(timeout, 0.0)
    while not _try_lock(fd):
        if time.monotonic() >= deadline:
            raise LockTimeout(
                f"another weavesync process is writing this increment (lock {lock_file.name} held for more "
                f"than {timeout:g}s)",
                hint="wait for the other run to finish, or stop it",
            )
        time.sleep(_POLL_SECONDS)
