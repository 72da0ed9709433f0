"""Webhook deliveries: stored durably before the receiver answers 2xx, deduplicated by delivery id.

A tracker re-sends a delivery it did not see acknowledged, and an attacker may replay a captured one; both
arrive with a delivery id already seen and are refused here (nothing stored). Processing happens later, from
`unprocessed`, so a crash between "stored" and "processed" loses nothing.

Credentials never reach the table: the receiver has already verified the request, and headers such as
``Authorization`` or ``Cookie`` are dropped before storing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from weavesync.errors import StoreError
from weavesync.store.dialect import insert_ignore
from weavesync.store.records import DeliveryRecord
from weavesync.store.schema import deliveries

_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


def record_delivery(
    conn: Connection, *, tracker: str, delivery_id: str, headers: dict[str, str], body: bytes, now: datetime
) -> bool:
    """Store one delivery; False when (`tracker`, `delivery_id`) was already stored (nothing is changed)."""
    kept = {k: v for k, v in headers.items() if k.lower() not in _SENSITIVE_HEADERS}
    return insert_ignore(
        conn,
        deliveries,
        {
            "tracker": tracker,
            "delivery_id": delivery_id,
            "headers": kept,
            "body": body,
            "received_at": now,
        },
        keys=["tracker", "delivery_id"],
    )


def unprocessed(conn: Connection, limit: int = 100) -> list[DeliveryRecord]:
    """Deliveries not yet processed, oldest first."""
    rows = conn.execute(
        select(deliveries).where(deliveries.c.processed_at.is_(None)).order_by(deliveries.c.id).limit(limit)
    )
    return [DeliveryRecord.from_row(r) for r in rows]


def mark_processed(conn: Connection, delivery_row_id: int, *, outcome: str, now: datetime) -> None:
    result = conn.execute(
        update(deliveries).where(deliveries.c.id == delivery_row_id).values(processed_at=now, outcome=outcome)
    )
    if result.rowcount != 1:
        raise StoreError(f"webhook delivery {delivery_row_id} does not exist")


def prune(conn: Connection, *, before: datetime) -> int:
    """Delete processed deliveries received before `before`; returns how many.

    Choose `before` older than the trackers' redelivery window: a pruned delivery id is accepted again.
    """
    result = conn.execute(
        deliveries.delete().where(deliveries.c.processed_at.is_not(None), deliveries.c.received_at < before)
    )
    return int(result.rowcount)
