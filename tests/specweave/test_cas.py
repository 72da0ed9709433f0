"""Writes of increment files are compare-and-swap: a change another writer (SpecWeave) makes between weavesync's
read and its rename is kept, and a status change weavesync did not see is never reverted (sync-semantics §8).

Each test puts the other writer's change exactly in weavesync's write window (`in_write_window`), so a writer
that re-reads and then renames without checking fails every time, not once in a thousand runs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from weavesync.errors import ConcurrentChange
from weavesync.model import Base, ExternalState, Link, Status, Tracker
from weavesync.specweave import add_link, set_status, write_bases
from weavesync.specweave.files import TEMP_SUFFIX

from .conftest import ProjectFactory, in_write_window, specweave_writes, tree_digest

NOW = datetime(2026, 11, 24, 3, 17, 25, tzinfo=UTC)
BASE = Base(Status.ACTIVE, ExternalState("open"), "v1", NOW)


def _meta(factory: ProjectFactory) -> dict[str, object]:
    data: dict[str, object] = json.loads((factory.root / ".specweave/increments/0042-a/metadata.json").read_bytes())
    return data


def test_a_field_specweave_writes_in_the_window_is_kept(factory: ProjectFactory, monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    folder = factory.increment("0042-a", "active")
    inc = factory.project.increment("42")
    in_write_window(monkeypatch, "metadata.json",
                    lambda: specweave_writes(folder / "metadata.json", counter=1, lastActivity="2026-12-01T00:00:00Z"))
    after = write_bases(inc, {"github:a/b#1": BASE})
    data = _meta(factory)
    assert data["counter"] == 1 and data["lastActivity"] == "2026-12-01T00:00:00Z", "SpecWeave's write was lost"
    assert after.bases == {"github:a/b#1": BASE} == factory.project.increment("42").bases
    assert list(data)[-2:] == ["counter", "weavesync"]  # SpecWeave's new key first, ours re-applied after it


def test_a_status_change_in_the_window_keeps_bases_writes_and_specweaves_status(
        factory: ProjectFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = factory.increment("0042-a", "active")
    inc = factory.project.increment("42")
    in_write_window(monkeypatch, "metadata.json", lambda: specweave_writes(folder / "metadata.json", status="paused"))
    after = add_link(inc, Link(Tracker.JIRA, "CORE-1"))
    assert after.status is Status.PAUSED and [link.key for link in after.links] == ["jira:CORE-1"]


def test_a_status_change_in_the_window_is_not_reverted_by_set_status(
        factory: ProjectFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = factory.increment("0042-a", "active")
    spec_before = (folder / "spec.md").read_bytes()
    inc = factory.project.increment("42")
    in_write_window(monkeypatch, "metadata.json",
                    lambda: specweave_writes(folder / "metadata.json", status="paused", pausedReason="by SpecWeave"))
    with pytest.raises(ConcurrentChange, match=r"0042-a/metadata\.json: .*paused"):
        set_status(inc, Status.COMPLETED, now=NOW)
    data = _meta(factory)
    assert data["status"] == "paused" and data["pausedReason"] == "by SpecWeave"
    assert "approvedAt" not in data
    assert (folder / "spec.md").read_bytes() == spec_before, "the spec.md mirror written first is put back"
    assert not list(folder.glob(f"*{TEMP_SUFFIX}"))


def test_a_status_change_after_the_snapshot_is_not_overridden(factory: ProjectFactory) -> None:
    """weavesync decided from `active`; SpecWeave paused since. Walking on from `paused` would revert it."""
    folder = factory.increment("0042-a", "active")
    inc = factory.project.increment("42")
    specweave_writes(folder / "metadata.json", status="paused")
    before = tree_digest(factory.root)
    with pytest.raises(ConcurrentChange, match="paused"):
        set_status(inc, Status.COMPLETED, now=NOW)
    assert tree_digest(factory.root) == before


def test_weavesync_key_changed_in_the_window_is_a_concurrent_change(
        factory: ProjectFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another clone's bases arriving (a git pull) while weavesync writes its own: neither is silently dropped."""
    folder = factory.increment("0042-a", "active")
    inc = factory.project.increment("42")
    theirs = {"bases": {"github:a/b#1": {**BASE.to_json(), "version": "v9"}}}
    in_write_window(monkeypatch, "metadata.json", lambda: specweave_writes(folder / "metadata.json", weavesync=theirs))
    with pytest.raises(ConcurrentChange, match="weavesync"):
        write_bases(inc, {"github:a/b#1": BASE})
    assert _meta(factory)["weavesync"] == theirs


def test_a_person_editing_spec_md_in_the_window_keeps_the_edit(factory: ProjectFactory,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    folder = factory.increment("0042-a", "active")
    spec = folder / "spec.md"
    inc = factory.project.increment("42")
    in_write_window(monkeypatch, "spec.md", lambda: spec.write_text(spec.read_text() + "\nA line a person added.\n"))
    after = set_status(inc, Status.PAUSED, now=NOW, reason="r")
    text = spec.read_text()
    assert "\nstatus: paused\n" in text and text.endswith("\nA line a person added.\n")
    assert after.status is Status.PAUSED and not after.status_mismatch


def test_a_status_change_in_spec_md_in_the_window_is_not_reverted(factory: ProjectFactory,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = factory.increment("0042-a", "active")
    spec = folder / "spec.md"
    inc = factory.project.increment("42")
    in_write_window(monkeypatch, "spec.md",
                    lambda: spec.write_text(spec.read_text().replace("status: active", "status: abandoned")))
    with pytest.raises(ConcurrentChange, match=r"spec\.md"):
        set_status(inc, Status.PAUSED, now=NOW, reason="r")
    assert "\nstatus: abandoned\n" in spec.read_text() and _meta(factory)["status"] == "active"


def test_a_writer_that_never_stops_gives_up_after_bounded_retries(factory: ProjectFactory,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = factory.increment("0042-a", "active")
    inc = factory.project.increment("42")
    bumps = [0]

    def bump() -> None:
        bumps[0] += 1
        specweave_writes(folder / "metadata.json", counter=bumps[0])

    in_write_window(monkeypatch, "metadata.json", bump, times=1000)
    with pytest.raises(ConcurrentChange, match="kept changing"):
        write_bases(inc, {"github:a/b#1": BASE})
    assert 1 < bumps[0] < 20
    assert _meta(factory)["counter"] == bumps[0] and "weavesync" not in _meta(factory)
