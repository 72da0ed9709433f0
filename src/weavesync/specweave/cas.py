"""Compare-and-swap replacement of an increment file that SpecWeave writes too.

SpecWeave rewrites `metadata.json` (and `spec.md`) by read-modify-write without taking weavesync's lock, so
weavesync's lock cannot keep it out. A writer that re-reads and then renames its new version over the file
loses whatever SpecWeave wrote between that read and the rename (measured: 11 of 7,195 writes). So every write
here remembers what it read (`Seen`: the bytes and the file's device, inode, size and mtime) and `swap` replaces
the file only if it still is exactly that. Otherwise nothing is written and the caller gets the file as it is
now, to re-apply its change to (`writer` does, a bounded number of times).

The check and the rename are two system calls, so a rename by another writer can land between them. Where the
system can swap two names atomically (Linux `renameat2(RENAME_EXCHANGE)`) that window is closed for writers that
rename, as SpecWeave does: the swap puts our file in place and leaves the displaced one under the temp name, so
we see exactly what we replaced; if it is not what we checked, we swap it straight back and report the change.
What remains, honestly:

- during those few microseconds our version, without the other writer's change, is visible; a reader that
  reads it then and writes back derives from it (we then report a change that we cannot undo);
- writers that rewrite the file in place (open, truncate, write) rather than rename can still lose a write
  that lands after our check: nothing but a shared lock prevents that, and SpecWeave takes none;
- elsewhere (macOS, Windows, file systems without RENAME_EXCHANGE) the check is the last thing before
  `os.replace`, after the temp file is written and synced: a window of one `stat`, one read and one rename.

A missing file is created with `os.link`, which fails if someone created it in the meantime.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from weavesync.specweave.files import identity, synced_folder, temp_file, unchanged_on_error

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_READ_TRIES = 5


@dataclass(frozen=True)
class Seen:
    """One version of a file as read: its bytes (None: no file) and identity (`files.identity`)."""

    data: bytes | None
    ident: tuple[int, ...] | None


@dataclass(frozen=True)
class Swap:
    """The result of `swap`: `done`, and the file as it now is (ours when done, the other writer's if not)."""

    done: bool
    now: Seen


def read(path: Path) -> Seen:
    """Read `path` with its identity; a file rewritten in place while being read is read again."""
    seen = Seen(None, None)
    for _ in range(_READ_TRIES):
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            return Seen(None, None)
        try:
            before = identity(os.fstat(fd))
            chunks = []
            while chunk := os.read(fd, 1 << 16):
                chunks.append(chunk)
            data = b"".join(chunks)
            seen = Seen(data, identity(os.fstat(fd)))
        finally:
            os.close(fd)
        if seen.ident == before:
            return seen
    return seen


def swap(path: Path, data: bytes, expected: Seen, *, shown: str) -> Swap:
    """Replace `path` with `data` atomically if it still is `expected`; never overwrite another version.

    Returns ``Swap(True, <what we wrote>)``, or ``Swap(False, <the file now>)`` with nothing written.
    Raises `SpecWeaveFileError` naming `shown` on an OS failure (the original is then intact).
    """
    target = Path(os.path.realpath(path))
    with temp_file(target, data, shown) as (tmp, ours_ident):
        ours = Seen(data, ours_ident)
        current = read(target)
        if current != expected:
            return Swap(False, current)
        with unchanged_on_error(shown):
            if expected.data is None:
                if not _link_new(tmp, target):
                    return Swap(False, read(target))
            elif _exchange(tmp, target):
                displaced = read(tmp)
                if displaced != expected:
                    return Swap(False, _put_back(tmp, target, ours, displaced))
            else:
                os.replace(tmp, target)
    synced_folder(target, shown)
    return Swap(True, ours)


def _link_new(tmp: Path, target: Path) -> bool:
    try:
        os.link(tmp, target)
    except FileExistsError:
        return False
    return True


def _put_back(tmp: Path, target: Path, ours: Seen, theirs: Seen) -> Seen:
    """We displaced a version we never checked: swap it back in place of ours, and return it."""
    if _exchange(tmp, target) and read(tmp) != ours:
        # A third version replaced ours in the microseconds between: it is the newest; leave it in place.
        _exchange(tmp, target)
        return read(target)
    return theirs


def _exchange(a: Path, b: Path) -> bool:
    """Swap the names `a` and `b` atomically; False (nothing done) where the system cannot."""
    call = _renameat2()
    if call is None:
        return False
    if call(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
        return False  # this file system or kernel cannot exchange: fall back to check-then-replace
    raise OSError(err, os.strerror(err))


_renameat2_cache: list[object] = []


def _renameat2() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    if not _renameat2_cache:
        found = None
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):
                found = ctypes.CDLL(None, use_errno=True).renameat2
                found.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
                found.restype = ctypes.c_int
        _renameat2_cache.append(found)
    return _renameat2_cache[0]
