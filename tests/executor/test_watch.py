"""`executor.watch` and the polling half of `executor.inbound` over an in-memory tracker (unit tests; the
sandbox round trip over real HTTP is in tests/web/test_sandbox_flow.py)."""

from __future__ import annotations

import sys
import threading
import time
import types
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from linked_project import make_project
from weavesync.errors import Retryable, WeavesyncError
from weavesync.executor import SyncSession, reconcile
from weavesync.executor.inbound import poll_tracker
from weavesync.executor.watch import Watcher, increment_folder, watch
from weavesync.model import Base, Status, Tracker
from weavesync.specweave import find_project, set_status, write_bases
from weavesync.trackers import registry
from weavesync.trackers.base import ChangeBatch

from .fakes import FakeItem, FakeKind

ITEM = "acme/shop#1"
KEY = f"github:{ITEM}"


@pytest.fixture()
def kind(monkeypatch: pytest.MonkeyPatch) -> FakeKind:
    fake = FakeKind()
    module = types.ModuleType("fake_watch_tracker")
    module.KIND = fake  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_watch_tracker", module)
    monkeypatch.setitem(registry._KINDS, Tracker.GITHUB, "fake_watch_tracker")
    fake.adapter.items[ITEM] = FakeItem(state="open", labels={"in-progress"})
    return fake


@pytest.fixture()
def session(tmp_path: Path, kind: FakeKind) -> Iterator[SyncSession]:
    make_project(tmp_path)
    with SyncSession.open(find_project(tmp_path), env={"GITHUB_TOKEN": "ghp_test"}) as opened:
        yield opened


def test_only_metadata_and_spec_of_an_increment_are_watched(tmp_path: Path) -> None:
    root = tmp_path / ".specweave" / "increments"
    assert increment_folder(root, root / "0042-checkout" / "metadata.json") == "0042-checkout"
    assert increment_folder(root, root / "0042-checkout" / "spec.md") == "0042-checkout"
    assert increment_folder(root, root / "_archive" / "0007-old" / "metadata.json") == "0007-old"
    for ignored in (root / "0042-checkout" / ".metadata.json.k2j3.weavesync.tmp",
                    root / "0042-checkout" / "metadata.json.tmp",
                    root / "0042-checkout" / "tasks.md",
                    root / "0042-checkout" / "reports" / "metadata.json",
                    root / "_archive" / "metadata.json",
                    tmp_path / "elsewhere" / "0042-checkout" / "metadata.json"):
        assert increment_folder(root, ignored) is None, ignored


def test_a_status_change_is_pushed_but_a_base_write_is_not_a_change(session: SyncSession, kind: FakeKind) -> None:
    watcher = Watcher(session, session.policy(interactive=False), poll_interval=0)
    watcher.start(initial_sync=True)
    assert KEY in session.increment("0042").bases, "the initial sync recorded the base"
    folder = str(session.increment("0042").metadata_path)

    inc = session.increment("0042")
    write_bases(inc, {KEY: Base(Status.ACTIVE, inc.bases[KEY].external, inc.bases[KEY].version,
                                datetime.now(UTC))})
    reads = kind.adapter.read_calls
    assert watcher.on_files([folder]) is None
    assert kind.adapter.read_calls == reads, "a base-only write must not cause a reconcile"

    set_status(session.increment("0042"), Status.COMPLETED, now=datetime.now(UTC))
    report = watcher.on_files([folder])
    assert report is not None and [w.outcome for w in report.writes] == ["ok"]
    assert kind.adapter.items[ITEM].state == "closed"
    assert [r["trigger"] for r in session.log.records() if r["outcome"] == "ok"] == ["watch"]


def test_an_increment_whose_items_could_not_be_read_is_retried_on_the_next_tick(session: SyncSession,
                                                                                 kind: FakeKind) -> None:
    clock = [0.0]
    watcher = Watcher(session, session.policy(interactive=False), poll_interval=10, clock=lambda: clock[0])
    watcher.start()
    original = kind.adapter.read_many

    def down(items: object, managed: frozenset[str]) -> dict[str, object]:
        raise Retryable("down", tracker="github", status=503)

    kind.adapter.read_many = down  # type: ignore[assignment,method-assign]
    set_status(session.increment("0042"), Status.COMPLETED, now=datetime.now(UTC))
    watcher.on_files([str(session.increment("0042").metadata_path)])
    assert watcher.dirty == {"0042-checkout"} and kind.adapter.items[ITEM].state == "open"

    kind.adapter.read_many = original  # type: ignore[method-assign]
    watcher.tick()
    assert kind.adapter.items[ITEM].state == "open", "not due yet"
    clock[0] = 11.0
    watcher.tick()
    assert watcher.dirty == set() and kind.adapter.items[ITEM].state == "closed"


def test_the_poll_cursor_moves_only_after_a_complete_read_and_reconcile(session: SyncSession,
                                                                        kind: FakeKind) -> None:
    policy = session.policy(interactive=False)
    reconcile(session, policy)
    adapter = kind.adapter
    batches = iter([Retryable("down", tracker="github", status=503),
                    ChangeBatch(items=[], cursor="c1"), ChangeBatch(items=[], cursor="c2")])

    def changed_since(cursor: str | None, managed: frozenset[str]) -> ChangeBatch:
        found = next(batches)
        if isinstance(found, Exception):
            raise found
        remote = adapter.read_many([ITEM], managed)[ITEM]
        return ChangeBatch(items=[remote] if remote else [], cursor=found.cursor)

    adapter.changed_since = changed_since  # type: ignore[method-assign]
    failed = poll_tracker(session, policy, Tracker.GITHUB)
    assert failed.error and not failed.cursor_moved
    assert session.store.get_cursor("github", "acme/shop") is None

    adapter.person_changes(ITEM, state="closed", reason="completed")
    original = adapter.read_many
    calls = [0]

    def read_fails_once(items: object, managed: frozenset[str]) -> object:
        calls[0] += 1
        if calls[0] == 2:  # the changed_since above reads once; the reconcile's read is the second
            raise Retryable("down", tracker="github", status=503)
        return original(items, managed)  # type: ignore[arg-type]

    adapter.read_many = read_fails_once  # type: ignore[assignment,method-assign]
    unreconciled = poll_tracker(session, policy, Tracker.GITHUB)
    assert unreconciled.error and unreconciled.changed == 1 and not unreconciled.cursor_moved
    assert session.store.get_cursor("github", "acme/shop") is None

    done = poll_tracker(session, policy, Tracker.GITHUB)
    assert done.cursor_moved and done.increments == ("0042-checkout",)
    assert session.store.get_cursor("github", "acme/shop") == "c2"
    assert len(session.store.pending_decisions()) == 1, "a person's close found by polling waits for a decision"


def test_watch_pushes_a_local_change_and_stops_on_the_event(session: SyncSession, kind: FakeKind) -> None:
    stop = threading.Event()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            watch(session, session.policy(interactive=False), stop_event=stop, poll_interval=0, debounce_ms=100)
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while KEY not in session.increment("0042").bases and time.monotonic() < deadline:
            time.sleep(0.02)
        set_status(session.increment("0042"), Status.COMPLETED, now=datetime.now(UTC))
        while kind.adapter.items[ITEM].state != "closed" and time.monotonic() < deadline and not failures:
            time.sleep(0.02)
        assert kind.adapter.items[ITEM].state == "closed", failures
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive() and not failures


def test_watch_refuses_a_project_without_increments(tmp_path: Path, kind: FakeKind) -> None:
    (tmp_path / ".specweave").mkdir()
    opened = SyncSession.open(find_project(tmp_path), env={})
    try:
        with pytest.raises(WeavesyncError, match="does not exist"):
            watch(opened, opened.policy(), stop_event=threading.Event())
    finally:
        opened.close()
