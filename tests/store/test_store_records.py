"""Poll cursors, receipts and webhook deliveries."""

from __future__ import annotations

from store_helpers import T0, at, link

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
