"""Poll cursors, receipts and webhook deliveries."""

from __future__ import annotations

import pytest
from store_helpers import T0, at, link, put, states

from weavesync.errors import StoreError
from weavesync.store import Store


def test_cursors_start_empty_and_keep_the_latest_value(store: Store) -> None:
    assert store.get_cursor("jira", "acme.atlassian.net/SHOP") is None
    store.set_cursor("jira", "acme.atlassian.net/SHOP", "2026-11-24T10:00:00Z", T0)
    store.set_cursor("jira", "acme.atlassian.net/SHOP", "2026-11-24T10:05:00Z", at(300))
    store.set_cursor("github", "acme/shop", "etag-1", T0)
    assert store.get_cursor("jira", "acme.atlassian.net/SHOP") == "2026-11-24T10:05:00Z"
    assert store.get_cursor("github", "acme/shop") == "etag-1"


def test_receipts_keep_the_latest_write_per_link(store: Store) -> None:
    assert store.last_receipt(link(1)) is None
    with store.transaction() as conn:
        store.record_receipt(conn, link_key=link(1), version="v1", state={"state": "closed"}, op_id="op-1", now=T0)
    with store.transaction() as conn:
        store.record_receipt(conn, link_key=link(1), version="v2", state={"state": "open"}, op_id="op-2", now=at(5))
    assert store.last_receipt(link(1)) == {
        "link_key": link(1),
        "version": "v2",
        "state": {"state": "open"},
        "op_id": "op-2",
        "at": at(5),
    }
    assert store.last_receipt(link(2)) is None


def test_deliveries_are_stored_once_per_delivery_id(store: Store) -> None:
    headers = {"X-GitHub-Delivery": "d-1", "X-GitHub-Event": "issues"}
    assert store.record_delivery(tracker="github", delivery_id="d-1", headers=headers, body=b'{"a":1}', now=T0)
    assert not store.record_delivery(tracker="github", delivery_id="d-1", headers={}, body=b"replayed", now=at(1))
    assert store.record_delivery(tracker="jira", delivery_id="d-1", headers={}, body=b"{}", now=at(2))
    pending = store.unprocessed_deliveries(10)
    assert [(d.tracker, d.delivery_id, d.body) for d in pending] == [
        ("github", "d-1", b'{"a":1}'),
        ("jira", "d-1", b"{}"),
    ]
    assert pending[0].headers == headers
    assert pending[0].received_at == T0


def test_processed_deliveries_leave_the_queue(store: Store) -> None:
    for n in range(3):
        store.record_delivery(tracker="ado", delivery_id=f"d-{n}", headers={}, body=b"{}", now=at(n))
    first, second, _ = store.unprocessed_deliveries(10)
    store.mark_delivery_processed(second.id, outcome="ok", now=at(10))
    assert [d.delivery_id for d in store.unprocessed_deliveries(10)] == ["d-0", "d-2"]
    assert [d.delivery_id for d in store.unprocessed_deliveries(1)] == ["d-0"]
    assert first.processed_at is None


def test_credentials_in_headers_are_not_stored(store: Store) -> None:
    store.record_delivery(
        tracker="ado",
        delivery_id="d-1",
        headers={"Authorization": "Basic c2VjcmV0", "cookie": "s=1", "X-Request-Id": "r"},
        body=b"{}",
        now=T0,
    )
    (stored,) = store.unprocessed_deliveries(10)
    assert stored.headers == {"X-Request-Id": "r"}


def test_marking_an_unknown_delivery_is_an_error(store: Store) -> None:
    with pytest.raises(StoreError):
        store.mark_delivery_processed(404, outcome="ok", now=T0)


def test_prune_removes_only_finished_rows_older_than_the_cutoff(store: Store) -> None:
    done_old = put(store, 1, "closed")
    dead_old = put(store, 2, "closed")
    pending_old = put(store, 3, "closed")
    store.claim(T0, worker="w", limit=2)
    store.complete(done_old.id, receipt={}, now=at(1))
    store.bury(dead_old.id, error="401", now=at(1))
    done_new = put(store, 4, "closed", now=at(100))
    store.claim(at(100), worker="w")
    store.complete(done_new.id, receipt={}, now=at(101))
    store.record_delivery(tracker="github", delivery_id="old", headers={}, body=b"{}", now=at(1))
    store.record_delivery(tracker="github", delivery_id="unprocessed", headers={}, body=b"{}", now=at(1))
    store.record_delivery(tracker="github", delivery_id="new", headers={}, body=b"{}", now=at(101))
    for d in store.unprocessed_deliveries(10):
        if d.delivery_id != "unprocessed":
            store.mark_delivery_processed(d.id, outcome="ok", now=at(102))

    assert store.prune(before=at(50)) == 2
    assert states(store) == {dead_old.id: "dead", pending_old.id: "in_flight", done_new.id: "done"}
    assert [d.delivery_id for d in store.unprocessed_deliveries(10)] == ["unprocessed"]
    assert not store.record_delivery(tracker="github", delivery_id="new", headers={}, body=b"{}", now=at(103))
    assert store.record_delivery(tracker="github", delivery_id="old", headers={}, body=b"{}", now=at(103))


def test_last_receipts_reads_many_links_at_once(store: Store) -> None:
    keys = [f"github:acme/shop#{n}" for n in range(1, 1203)]
    with store.transaction() as conn:
        for n, key in enumerate(keys[:1200]):
            store.record_receipt(conn, link_key=key, version=f"v{n}", state={"state": "open"}, op_id=None, now=T0)
    found = store.last_receipts(keys)
    assert len(found) == 1200 and found[keys[5]]["version"] == "v5"
    assert keys[-1] not in found
    assert store.last_receipt(keys[5]) == found[keys[5]]
