"""Webhook deliveries: stored durably before the receiver answers 2xx, deduplicated by delivery id.

A tracker re-sends a delivery it did not see acknowledged, and an attacker may replay a captured one; both
arrive with a delivery id already seen and are refused here (nothing stored). Processing happens later, from
`unprocessed`, so a crash between "stored" and "processed" loses nothing.

A delivery is ``received``, then ``processed`` or ``poison``: set aside with its error because processing it
failed. `start_attempt` counts each processing start *before* it begins, so a delivery that kills the process
while being processed (and would be retried at every restart) is set aside once the count reaches the limit the
caller chooses.

Several workers. `claim` hands each unprocessed delivery to one worker at a time, with a lease, like an outbox
entry: on PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED`` (two workers never wait for or take the
same row), on SQLite the write lock serialises claims. The worker renews the lease while it processes
(`extend_lease`) and finishes with `mark_processed` / `set_aside` (given its name, only while it still holds the
claim); a worker that dies leaves its claim to expire, and the next `claim` after that takes the delivery over.

Credentials never reach the table: the receiver has already verified the request, and headers such as
``Authorization`` or ``Cookie`` are dropped before storing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, func, or_, select, update

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


def claim(conn: Connection, now: datetime, *, worker: str, lease_seconds: float, limit: int = 10
          ) -> list[DeliveryRecord]:
    """Claim up to `limit` unprocessed deliveries (oldest first) that nobody holds, whose lease ended, or that
    `worker` itself holds (its processing was interrupted), for `worker` until ``now + lease_seconds``."""
    if limit <= 0:
        return []
    due = and_(deliveries.c.processed_at.is_(None),
               or_(deliveries.c.lease_expires_at.is_(None), deliveries.c.lease_expires_at <= now,
                   deliveries.c.claimed_by == worker))
    ids = list(conn.scalars(
        select(deliveries.c.id).where(due).order_by(deliveries.c.id).limit(limit).with_for_update(skip_locked=True)))
    if not ids:
        return []
    conn.execute(update(deliveries).where(deliveries.c.id.in_(ids), due)
                 .values(claimed_by=worker, lease_expires_at=now + timedelta(seconds=lease_seconds)))
    rows = conn.execute(select(deliveries).where(deliveries.c.id.in_(ids), deliveries.c.claimed_by == worker,
                                                 deliveries.c.processed_at.is_(None)).order_by(deliveries.c.id))
    return [DeliveryRecord.from_row(r) for r in rows]


def extend_leases(conn: Connection, delivery_row_ids: list[int], *, worker: str, now: datetime,
                  lease_seconds: float) -> int:
    """Keep deliveries claimed while they wait or are processed; returns how many `worker` still holds."""
    if not delivery_row_ids:
        return 0
    result = conn.execute(
        update(deliveries)
        .where(deliveries.c.id.in_(delivery_row_ids), deliveries.c.claimed_by == worker,
               deliveries.c.processed_at.is_(None))
        .values(lease_expires_at=now + timedelta(seconds=lease_seconds)))
    return int(result.rowcount)


def claimers(conn: Connection) -> list[str]:
    """The workers holding claims on unprocessed deliveries."""
    query = select(deliveries.c.claimed_by).where(deliveries.c.processed_at.is_(None),
                                                  deliveries.c.lease_expires_at.is_not(None)).distinct()
    return [w for w in conn.scalars(query) if w]


def expire_claims(conn: Connection, workers: list[str], *, now: datetime) -> int:
    """End the leases `workers` (processes known to be dead) hold, so their deliveries are claimed again now."""
    if not workers:
        return 0
    result = conn.execute(update(deliveries)
                          .where(deliveries.c.processed_at.is_(None), deliveries.c.claimed_by.in_(workers))
                          .values(lease_expires_at=now))
    return int(result.rowcount)


def oldest_unprocessed(conn: Connection) -> datetime | None:
    """When the oldest delivery not yet processed (nor set aside) arrived; None when there is none."""
    oldest: datetime | None = conn.scalar(
        select(func.min(deliveries.c.received_at)).where(deliveries.c.processed_at.is_(None)))
    return oldest


def counts(conn: Connection) -> dict[str, int]:
    """Deliveries per state (``received``, ``processed``, ``poison``)."""
    rows = conn.execute(select(deliveries.c.state, func.count()).group_by(deliveries.c.state))
    return {str(state): int(n) for state, n in rows}


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


def mark_processed(conn: Connection, delivery_row_id: int, *, outcome: str, now: datetime,
                   worker: str | None = None) -> bool:
    """Mark the delivery processed; with `worker`, only while that worker still holds its claim (False when not:
    its lease ended and another worker took the delivery over, whose outcome stands)."""
    return _finish(conn, delivery_row_id, worker, processed_at=now, outcome=outcome, state="processed",
                   lease_expires_at=None)


def set_aside(conn: Connection, delivery_row_id: int, *, error: str, now: datetime, worker: str | None = None
              ) -> bool:
    """Mark the delivery ``poison`` with `error` (made one line): it is never processed again on its own."""
    line = " ".join(error.split())[:ERROR_MAX] or "processing failed"
    return _finish(conn, delivery_row_id, worker, processed_at=now, outcome="poison", state="poison", error=line,
                   lease_expires_at=None)


def _finish(conn: Connection, delivery_row_id: int, worker: str | None = None, **values: object) -> bool:
    stmt = update(deliveries).where(deliveries.c.id == delivery_row_id)
    if worker is not None:
        stmt = stmt.where(deliveries.c.claimed_by == worker, deliveries.c.processed_at.is_(None))
    if conn.execute(stmt.values(**values)).rowcount == 1:
        return True
    if conn.scalar(select(deliveries.c.id).where(deliveries.c.id == delivery_row_id)) is None:
        raise StoreError(f"webhook delivery {delivery_row_id} does not exist")
    return False


def prune(conn: Connection, *, before: datetime) -> int:
    """Delete processed and set-aside deliveries received before `before`; returns how many.

    Choose `before` older than the trackers' redelivery window: a pruned delivery id is accepted again.
    """
    result = conn.execute(
        deliveries.delete().where(deliveries.c.processed_at.is_not(None), deliveries.c.received_at < before)
    )
    return int(result.rowcount)
