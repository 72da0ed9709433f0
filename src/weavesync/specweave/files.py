"""Crash-safe file replacement: a complete, synced temp file renamed over the target, then the folder synced.

Every byte weavesync writes into a SpecWeave project goes through here (`atomic_write`, or `cas.swap` for
increment files, which SpecWeave writes too). SpecWeave's own writer uses one fixed temp name
(`metadata.json.tmp`), so two writers can clobber each other's temp file; here the temp name is unique.

A failure of the operating system (disk full, no permission, read-only file system) becomes a one-line
`SpecWeaveFileError` naming the file and the cause; the temp file is removed and the original left intact.

This module knows nothing about the content of the files.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from weavesync.errors import SpecWeaveFileError
from weavesync.specweave.lock import increment_lock, lock_path_for

__all__ = ["TEMP_SUFFIX", "atomic_write", "increment_lock", "lock_path_for", "remove_stale_temp_files"]

TEMP_SUFFIX = ".weavesync.tmp"
"""Temp files are named ``.<target name>.<random>.weavesync.tmp`` next to their target (hidden, so no
SpecWeave reader or increment scan ever mistakes one for real content)."""


def atomic_write(
    path: Path, data: bytes, *, before_replace: Callable[[Path], None] | None = None, shown: str | None = None
) -> None:
    """Replace `path` with `data` so that readers see either the old or the new content, never a mix.

    Writes a uniquely named temp file in the same folder, fsyncs it, renames it over the target and fsyncs
    the folder, so the rename itself survives a power cut. The file keeps its permission bits (a fresh file
    gets the usual 0666 & ~umask). A symlinked target is written through the link. `shown` names the file in
    errors (default: the path as given).

    `before_replace` is a test hook called with the temp path after it is complete and synced and before the
    rename: a crash test kills the process there and checks the old file is intact.
    """
    target = Path(os.path.realpath(path))
    with temp_file(target, data, shown or str(path)) as (tmp, _ident):
        if before_replace is not None:
            before_replace(tmp)
        with unchanged_on_error(shown or str(path)):
            os.replace(tmp, target)
    synced_folder(target, shown or str(path))


@contextlib.contextmanager
def os_errors(shown: str, done: str = "cannot be written", after: str = "") -> Iterator[None]:
    """Turn an OSError inside the block into the one-line ``<shown>: <done> (<cause>)<after>``."""
    try:
        yield
    except OSError as exc:
        cause = exc.strerror or str(exc)
        hint = _HINTS.get(exc.errno or 0)
        raise SpecWeaveFileError(shown, f"{done} ({cause}){after}", hint=hint) from None


def unchanged_on_error(shown: str) -> contextlib.AbstractContextManager[None]:
    """`os_errors` for the steps before the rename: the message says the file is unchanged."""
    return os_errors(shown, "cannot be written", "; the file is unchanged")


_HINTS = {
    errno.ENOSPC: "free some disk space and run again",
    errno.EDQUOT: "free some disk space and run again",
    errno.EACCES: "check the file and its folder are writable by this user",
    errno.EPERM: "check the file and its folder are writable by this user",
    errno.EROFS: "the file system is read-only; run where the project can be written",
}


@contextlib.contextmanager
def temp_file(target: Path, data: bytes, shown: str) -> Iterator[tuple[Path, tuple[int, ...]]]:
    """A complete, synced temp file holding `data` next to `target`, with `target`'s permission bits.

    Yields its path and its identity (`identity` of its stat); removes it on the way out unless it was renamed
    away. OSErrors become `SpecWeaveFileError`s saying the file is unchanged.
    """
    with unchanged_on_error(shown):
        mode = _mode_for(target)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with unchanged_on_error(shown), os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            _chmod(handle.fileno(), tmp, mode)
            os.fsync(handle.fileno())
            ident = identity(os.fstat(handle.fileno()))
        yield tmp, ident
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def identity(st: os.stat_result) -> tuple[int, ...]:
    """What tells two versions of a file apart without reading them: device, inode, size, mtime (ns)."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _chmod(fd: int, tmp: Path, mode: int) -> None:
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:  # Windows before Python 3.13
        os.chmod(tmp, mode)


def synced_folder(target: Path, shown: str) -> None:
    """fsync the folder of a file just renamed into place, so the rename survives a power cut."""
    with os_errors(shown, "was replaced, but its folder could not be synced to disk"):
        _fsync_dir(target.parent)


def remove_stale_temp_files(target: Path) -> list[Path]:
    """Delete temp files a killed writer left behind for `target`; returns what was removed.

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
    except OSError:  # Windows cannot open a folder; there a rename is durable without it
        return
    try:
        os.fsync(dir_fd)
    except OSError as exc:  # some filesystems refuse fsync on a directory; the rename is still done
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):
            raise
    finally:
        os.close(dir_fd)
