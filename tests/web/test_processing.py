"""After the answer: the worker turns recorded deliveries into reconciles, recovers what a crash left
unprocessed, and polls as the fallback for deliveries that never came (fake trackers, no HTTP)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from weavesync.executor import SyncSession, inbound, reconcile
from weavesync.executor.inbound import MAX_ATTEMPTS, process_deliveries
from weavesync.model import Tracker
from weavesync.store.schema import deliveries
from weavesync.web import create_app
from weavesync.web.worker import InboundWorker

from .conftest import SECRET
from .fakes import ITEM, FakeKind, Item, sign

KEY = f"github:{ITEM}"


def deliver(client: TestClient, delivery: str, data: dict[str, object]) -> int:
    body = json.dumps(data).encode()
    headers = {"Content-Type": "application/json", "X-GitHub-Delivery": delivery,
               "X-Hub-Signature-256": sign(SECRET, body)}
    return client.post("/webhooks/github", content=body, headers=headers).status_code


def outcomes(session: SyncSession) -> dict[str, str | None]:
    with session.store.transaction() as conn:
        rows = conn.execute(select(deliveries.c.delivery_id, deliveries.c.outcome)).fetchall()
    return {str(r[0]): r[1] for r in rows}


def synced(open_session: Callable[[], SyncSession], kinds: dict[Tracker, FakeKind]) -> SyncSession:
    """A session whose increment and item agree and have a base (the state before a person acts)."""
    kinds[Tracker.GITHUB].adapter.items[ITEM] = Item()
    session = open_session()
    reconcile(session, session.policy(interactive=False))
    assert KEY in session.increment("0042").bases
    return session


def test_a_close_delivered_by_webhook_becomes_a_pending_decision(open_session: Callable[[], SyncSession],
                                                                kinds: dict[Tracker, FakeKind]) -> None:
    session = synced(open_session, kinds)
    kinds[Tracker.GITHUB].adapter.person_closes(ITEM)
    app = create_app(lambda: session, close_session=False, poll_interval=0)
    with TestClient(app) as client:
        assert deliver(client, "close-1", {"action": "closed", "item": ITEM}) == 202
        assert deliver(client, "unrelated", {"action": "closed", "item": "acme/shop#99"}) == 202
        assert deliver(client, "ping", {"zen": "hello"}) == 202
        assert app.state.worker.wait_idle(10)
        assert deliver(client, "close-1", {"action": "closed", "item": ITEM}) == 200
        assert app.state.worker.wait_idle(10)
    [decision] = session.store.pending_decisions()
    assert (decision.increment, decision.link_key) == ("0042-checkout", KEY)
    assert session.increment("0042").status.value == "active", "never chosen silently off a terminal"
    found = outcomes(session)
    assert found["close-1"] is not None and found["close-1"].startswith("pending")
    assert found["unrelated"] == "unlinked: acme/shop#99"
    assert found["ping"] == "ignored"
    assert kinds[Tracker.GITHUB].parsed == 3, "the duplicate must not be processed again"
    assert [r["trigger"] for r in session.log.records() if r["outcome"] == "pending"] == ["webhook"]


def test_prompt_user_off_applies_the_close(open_session: Callable[[], SyncSession],
                                           kinds: dict[Tracker, FakeKind]) -> None:
    session = synced(open_session, kinds)
    kinds[Tracker.GITHUB].adapter.person_closes(ITEM)
    session.store.record_delivery(tracker="github", delivery_id="d", headers={}, body=json.dumps({"item": ITEM})
                                  .encode(), now=datetime.now(UTC))
    policy = session.policy(interactive=False)
    policy = type(policy)(**{**policy.__dict__, "prompt_user": False})
    [outcome] = process_deliveries(session, policy)
    assert outcome.outcome == "ok"
    assert session.increment("0042").status.value == "completed"


def test_deliveries_recorded_before_a_crash_are_processed_at_startup(open_session: Callable[[], SyncSession],
                                                                    kinds: dict[Tracker, FakeKind]) -> None:
    session = synced(open_session, kinds)
    kinds[Tracker.GITHUB].adapter.person_closes(ITEM)
    session.store.record_delivery(tracker="github", delivery_id="before-crash", headers={"X-GitHub-Event": "issues"},
                                  body=json.dumps({"item": ITEM}).encode(), now=datetime.now(UTC))
    app = create_app(lambda: session, close_session=False, poll_interval=0)
    with TestClient(app):
        assert app.state.worker.wait_idle(10)
    assert session.store.unprocessed_deliveries() == []
    assert len(session.store.pending_decisions()) == 1


def test_a_failed_read_is_marked_failed_and_the_poll_catches_up(open_session: Callable[[], SyncSession],
                                                               kinds: dict[Tracker, FakeKind]) -> None:
    session = synced(open_session, kinds)
    adapter = kinds[Tracker.GITHUB].adapter
    adapter.person_closes(ITEM)
    adapter.down = True
    session.store.record_delivery(tracker="github", delivery_id="while-down", headers={},
                                  body=json.dumps({"item": ITEM}).encode(), now=datetime.now(UTC))
    policy = session.policy(interactive=False)
    [outcome] = process_deliveries(session, policy)
    assert outcome.outcome == "failed" and "down" in (outcome.detail or "")
    assert session.store.pending_decisions() == []
    adapter.down = False
    worker = InboundWorker(session, policy, poll_interval=3600)
    worker.start()
    try:
        assert worker.wait_idle(10)
    finally:
        worker.stop()
    assert len(session.store.pending_decisions()) == 1, "the startup poll found the close the webhook lost"
    assert session.store.get_cursor("github", "acme/shop") == str(adapter.items[ITEM].version)


def record(session: SyncSession, delivery: str, data: dict[str, object]) -> None:
    session.store.record_delivery(tracker="github", delivery_id=delivery, headers={},
                                  body=json.dumps(data).encode(), now=datetime.now(UTC))


def test_anything_a_delivery_raises_sets_it_aside_and_the_next_one_is_processed(
        open_session: Callable[[], SyncSession], kinds: dict[Tracker, FakeKind]) -> None:
    session = synced(open_session, kinds)
    kinds[Tracker.GITHUB].adapter.person_closes(ITEM)
    record(session, "bug", {"raise": "ZeroDivisionError"})
    record(session, "deep", {"raise": "RecursionError"})
    record(session, "close", {"item": ITEM})
    found = [(o.delivery_id, o.outcome) for o in process_deliveries(session, session.policy(interactive=False))]
    assert found == [("bug", "invalid"), ("deep", "invalid"), ("close", "pending")]
    aside = {d.delivery_id: d.error for d in session.store.set_aside_deliveries()}
    assert aside == {"bug": "invalid: ZeroDivisionError while parsing the payload: raised by the fake parser",
                     "deep": "invalid: RecursionError while parsing the payload: raised by the fake parser"}
    assert session.store.unprocessed_deliveries() == [] and len(session.store.pending_decisions()) == 1


def test_a_delivery_that_kills_the_worker_is_set_aside_after_bounded_attempts(
        open_session: Callable[[], SyncSession], kinds: dict[Tracker, FakeKind]) -> None:
    session = synced(open_session, kinds)
    record(session, "killer", {"raise": "SystemExit"})
    policy = session.policy(interactive=False)
    for _ in range(MAX_ATTEMPTS):  # each start dies as a process would; the next start is a restart
        with pytest.raises(SystemExit):
            process_deliveries(session, policy)
    assert kinds[Tracker.GITHUB].parsed == MAX_ATTEMPTS
    [outcome] = process_deliveries(session, policy)
    assert outcome.outcome == "poison" and kinds[Tracker.GITHUB].parsed == MAX_ATTEMPTS
    [aside] = session.store.set_aside_deliveries()
    assert (aside.delivery_id, aside.attempts) == ("killer", MAX_ATTEMPTS + 1)
    assert aside.error == f"poison: processing was started {MAX_ATTEMPTS} times and never finished"


def test_an_unexpected_failure_after_parsing_sets_the_delivery_aside(
        open_session: Callable[[], SyncSession], kinds: dict[Tracker, FakeKind],
        monkeypatch: pytest.MonkeyPatch) -> None:
    session = synced(open_session, kinds)
    record(session, "close", {"item": ITEM})
    record(session, "again", {"item": ITEM})

    real = inbound.reconcile_items
    calls: list[int] = []

    def broken(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:  # only the first delivery meets the bug
            raise KeyError("base")
        return real(*args, **kwargs)

    monkeypatch.setattr(inbound, "reconcile_items", broken)
    found = [(o.delivery_id, o.outcome) for o in process_deliveries(session, session.policy(interactive=False))]
    assert found == [("close", "poison"), ("again", "ok")]
    [aside] = session.store.set_aside_deliveries()
    assert aside.error == "poison: KeyError while processing: 'base'"
