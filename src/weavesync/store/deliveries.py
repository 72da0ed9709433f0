"""Webhook deliveries: stored durably before the receiver answers 2xx, deduplicated by delivery id.

A tracker re-sends a delivery it did not see acknowledged, and an attacker may replay a captured one; both
arrive with a delivery id already seen and are refused here (nothing stored). Processing happens later, from
`unprocessed`, so a crash between "stored" and "processed" loses nothing.

A delivery is ``received``, then ``processed`` or ``poison``: set aside with its error because processing it
failed. `start_attempt` counts each processing start *before* it begins, so a delivery that kills the process
while being processed (and would be retried at every restart) is set aside once the count reaches the limit the
caller chooses.

Credentials never reach the table: the receiver has already verified the request, and headers such as
``Authorization`` or ``Cookie`` are dropped before storing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select, update

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


ERROR_MAX = 2000
"""A set-aside delivery's error is cut to this length (one line for people, not a dump)."""


def unprocessed(conn: Connection, limit: int = 100) -> list[DeliveryRecord]:
    """Deliveries not yet processed (nor set aside), oldest first."""
    rows = conn.execute(
        select(deliveries).where(deliveries.c.processed_at.is_(None)).order_by(deliveries.c.id).limit(limit)
    )
    return [DeliveryRecord.from_row(r) for r in rows]


def in_state(conn: Connection, state: str, limit: int = 1000) -> list[DeliveryRecord]:
    """Deliveries in `state`, newest first."""
    rows = conn.execute(
        select(deliveries).where(deliveries.c.state == state).order_by(deliveries.c.id.desc()).limit(limit)
    )
    return [DeliveryRecord.from_row(r) for r in rows]


def last_received(conn: Connection) -> dict[str, datetime]:
    """Per tracker, when its newest stored delivery arrived, whatever became of it."""
    rows = conn.execute(select(deliveries.c.tracker, func.max(deliveries.c.received_at)).group_by(deliveries.c.tracker))
    return {str(tracker): when for tracker, when in rows if when is not None}


def start_attempt(conn: Connection, delivery_row_id: int) -> int:
    """Count one more processing start of the delivery; returns the count including this one."""
    _finish(conn, delivery_row_id, attempts=deliveries.c.attempts + 1)
    return int(conn.scalar(select(deliveries.c.attempts).where(deliveries.c.id == delivery_row_id)) or 0)


def mark_processed(conn: Connection, delivery_row_id: int, *, outcome: str, now: datetime) -> None:
    _finish(conn, delivery_row_id, processed_at=now, outcome=outcome, state="processed")


def set_aside(conn: Connection, delivery_row_id: int, *, error: str, now: datetime) -> None:
    """Mark the delivery ``poison`` with `error` (made one line): it is never processed again on its own."""
    line = " ".join(error.split())[:ERROR_MAX] or "processing failed"
    _finish(conn, delivery_row_id, processed_at=now, outcome="poison", state="poison", error=line)


def _finish(conn: Connection, delivery_row_id: int, **values: object) -> None:
    result = conn.execute(update(deliveries).where(deliveries.c.id == delivery_row_id).values(**values))
    if result.rowcount != 1:
        raise StoreError(f"webhook delivery {delivery_row_id} does not exist")


def prune(conn: Connection, *, before: datetime) -> int:
    """Delete processed and set-aside deliveries received before `before`; returns how many.

    Choose `before` older than the trackers' redelivery window: a pruned delivery id is accepted again.
    """
    result = conn.execute(
        deliveries.delete().where(deliveries.c.processed_at.is_not(None), deliveries.c.received_at < before)
    )
    return int(result.rowcount)
