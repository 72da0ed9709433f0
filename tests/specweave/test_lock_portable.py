"""weavesync imports and locks where there is no `fcntl` (Windows, where SpecWeave also runs).

`files.py` imported fcntl at module level, so `import weavesync.cli.main` failed with ImportError on Windows.
The lock now imports its OS module when a lock is taken: fcntl, else msvcrt.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from weavesync.errors import LockTimeout
from weavesync.specweave import increment_lock

from .conftest import ProjectFactory

SRC = str(Path(__file__).resolve().parents[2] / "src")
CTX = multiprocessing.get_context("fork")

IMPORT_WITHOUT_FCNTL = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    sys.modules["fcntl"] = None  # what `import fcntl` meets on Windows: ImportError
    import weavesync.cli.main, weavesync.specweave, weavesync.executor, weavesync.web
    print("imported")
    """
)


def test_the_package_imports_without_fcntl() -> None:
    result = subprocess.run([sys.executable, "-c", IMPORT_WITHOUT_FCNTL, SRC], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported"


def _fake_msvcrt() -> SimpleNamespace:
    """msvcrt.locking's contract (lock n bytes from the current position, LK_NBLCK fails at once with OSError),
    carried out with POSIX record locks so it really excludes another process."""

    def locking(fd: int, mode: int, nbytes: int) -> None:
        if mode == 2:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, nbytes, 0, os.SEEK_CUR)
        elif mode == 0:
            fcntl.lockf(fd, fcntl.LOCK_UN, nbytes, 0, os.SEEK_CUR)
        else:
            raise AssertionError(f"unexpected mode {mode}")

    return SimpleNamespace(LK_UNLCK=0, LK_NBLCK=2, locking=locking)


def _hold(folder: str, held: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event) -> None:
    with increment_lock(Path(folder)):
        held.set()
        release.wait(30)


def test_without_fcntl_the_lock_uses_msvcrt_and_excludes_another_process(
        factory: ProjectFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = factory.increment("0042-a")
    monkeypatch.setitem(sys.modules, "fcntl", None)
    monkeypatch.setitem(sys.modules, "msvcrt", _fake_msvcrt())
    held, release = CTX.Event(), CTX.Event()
    holder = CTX.Process(target=_hold, args=(str(folder), held, release))  # inherits the patched modules
    holder.start()
    try:
        assert held.wait(30)
        with pytest.raises(LockTimeout), increment_lock(folder, timeout=0.05):
            pass
    finally:
        release.set()
        holder.join()
    assert holder.exitcode == 0
    with increment_lock(folder, timeout=5):  # released with LK_UNLCK
        pass


def test_without_any_lock_module_the_error_says_so(factory: ProjectFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = factory.increment("0042-a")
    monkeypatch.setitem(sys.modules, "fcntl", None)
    monkeypatch.setitem(sys.modules, "msvcrt", None)
    with pytest.raises(OSError, match="no file locking"), increment_lock(folder, timeout=0.05):
        pass
