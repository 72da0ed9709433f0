"""Disk full, no permission, read-only file system while writing: one line naming the file and the cause,
the temp file removed, the original intact.

The tests run as root, which `chmod` cannot stop, and there is no tiny tmpfs to fill: each failure is injected
at the system call that meets it (mkstemp for a read-only or forbidden folder, fsync for a full disk, the
rename, the folder's fsync after it).
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from weavesync.errors import SpecWeaveFileError
from weavesync.model import Base, ExternalState, Status
from weavesync.specweave import atomic_write, cas, set_status, write_bases
from weavesync.specweave.files import TEMP_SUFFIX

from .conftest import ProjectFactory, tree_digest

NOW = datetime(2026, 12, 4, tzinfo=UTC)
META = ".specweave/increments/0042-a/metadata.json"


def _failing(code: int, real: Callable[..., Any], when: Callable[..., bool] = lambda *a: True) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        if when(*args):
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    return call


def _temp_fd(fd: int, *_: object) -> bool:
    return os.readlink(f"/proc/self/fd/{fd}").endswith(TEMP_SUFFIX)


INJECTIONS: list[tuple[str, Any, str, int]] = [
    ("no space for the temp file", tempfile, "mkstemp", errno.ENOSPC),
    ("read-only folder", tempfile, "mkstemp", errno.EACCES),
    ("read-only file system", tempfile, "mkstemp", errno.EROFS),
    ("disk full on fsync", os, "fsync", errno.ENOSPC),
    ("rename refused", os, "replace", errno.EACCES),
    ("exchange refused", cas, "_exchange", errno.EROFS),
]


@pytest.mark.parametrize(("why", "module", "name", "code"), INJECTIONS, ids=[i[0] for i in INJECTIONS])
def test_writer_names_the_file_and_leaves_it_intact(factory: ProjectFactory, monkeypatch: pytest.MonkeyPatch,
                                                    why: str, module: Any, name: str, code: int) -> None:
    folder = factory.increment("0042-a", "active")
    inc = factory.project.increment("42")
    before = tree_digest(factory.root)
    when = _temp_fd if name == "fsync" else (lambda *a: True)
    monkeypatch.setattr(module, name, _failing(code, getattr(module, name), when))
    if name == "replace":
        monkeypatch.setattr(cas, "_exchange", lambda a, b: False)  # the path taken where there is no exchange
    with pytest.raises(SpecWeaveFileError) as caught:
        write_bases(inc, {"github:a/b#1": Base(Status.ACTIVE, ExternalState("open"), "v1", NOW)})
    message = str(caught.value)
    assert message == f"{META}: cannot be written ({os.strerror(code)}); the file is unchanged"
    assert caught.value.hint
    assert tree_digest(factory.root) == before
    assert not list(folder.glob(f"*{TEMP_SUFFIX}"))


def test_set_status_failing_on_metadata_puts_spec_md_back(factory: ProjectFactory,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    factory.increment("0042-a", "active")
    inc = factory.project.increment("42")
    before = tree_digest(factory.root)
    real = cas._exchange
    monkeypatch.setattr(cas, "_exchange", lambda a, b: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full"))
                        if b.name == "metadata.json" else real(a, b))
    with pytest.raises(SpecWeaveFileError, match=f"{META}: cannot be written"):
        set_status(inc, Status.PAUSED, now=NOW)
    assert tree_digest(factory.root) == before


def test_folder_fsync_failure_says_the_file_was_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "metadata.json"
    target.write_bytes(b"old")
    monkeypatch.setattr(os, "fsync", _failing(errno.EIO, os.fsync, lambda fd: os.path.isdir(f"/proc/self/fd/{fd}")))
    with pytest.raises(SpecWeaveFileError, match=r"metadata\.json: was replaced, but its folder could not be synced"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"new"


def test_atomic_write_failure_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "config.json"
    target.write_bytes(b"old")
    monkeypatch.setattr(os, "fsync", _failing(errno.ENOSPC, os.fsync, _temp_fd))
    full = r"config\.json: cannot be written \(No space left on device\); the file is unchanged"
    with pytest.raises(SpecWeaveFileError, match=full):
        atomic_write(target, b"new", shown="config.json")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["config.json"]


def test_lock_file_that_cannot_be_created_names_it(factory: ProjectFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    factory.increment("0042-a", "active")
    inc = factory.project.increment("42")
    monkeypatch.setattr(os, "open", _failing(errno.EROFS, os.open, lambda path, *a: str(path).endswith(".lock")))
    with pytest.raises(SpecWeaveFileError, match=r"\.specweave/state/locks/0042-a\.lock: lock file cannot be created"):
        write_bases(inc, {})
