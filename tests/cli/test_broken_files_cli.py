"""`weavesync status` and `sync` with one increment file that cannot be read or written: one line naming the
file, and the other increments still sync."""

from __future__ import annotations

from pathlib import Path

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
