"""`weavesync status` and `sync` with one increment file that cannot be read or written: one line naming the
file, and the other increments still sync."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from .sync_world import INC, SyncWorld, make_world

DEEP = ".specweave/increments/0043-deep/metadata.json"


@pytest.fixture()
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SyncWorld:
    world = make_world(tmp_path, monkeypatch)
    deep = world.root / DEEP
    deep.parent.mkdir(parents=True)
    deep.write_bytes(b'{"id": "0043-deep", "status": "active", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    return world


def test_status_names_the_deep_file_and_lists_the_others(world: SyncWorld) -> None:
    code, data = world.json("status")
    assert code == 1, "a problem is reported by the exit code"
    assert [inc["id"] for inc in data["increments"]] == [INC]
    [problem] = data["problems"]
    assert problem["file"] == DEEP and "nested deeper than" in problem["message"]
    text = world.invoke("status")
    [line] = [line for line in text.output.splitlines() if "0043-deep" in line]
    assert "nested deeper than" in line and "Traceback" not in text.output


def test_sync_names_the_deep_file_and_still_pushes_the_others(world: SyncWorld) -> None:
    world.set_local("completed")
    code, report = world.json("sync")
    assert code == 1
    assert any(DEEP in problem and "nested deeper" in problem for problem in report["problems"])
    assert [(c["action"], c["outcome"]) for c in report["changes"] if c["action"] == "push"] == [("push", "ok")]
    assert world.item()["state"] == "closed"


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EROFS])
def test_link_on_a_full_or_read_only_disk_exits_1_with_one_line(world: SyncWorld, monkeypatch: pytest.MonkeyPatch,
                                                                code: int) -> None:
    meta = world.root / ".specweave" / "increments" / INC / "metadata.json"
    before = meta.read_bytes()
    real = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if str(kwargs.get("prefix", "")).startswith(".metadata.json."):
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    result = world.invoke("link", INC, "jira:CORE-7")
    assert result.exit_code == 1
    first, *rest = result.stderr.splitlines()
    assert first == (f"error: .specweave/increments/{INC}/metadata.json: cannot be written ({os.strerror(code)}); "
                     "the file is unchanged")
    assert all(line.startswith("hint: ") for line in rest) and "Traceback" not in result.output
    assert meta.read_bytes() == before
