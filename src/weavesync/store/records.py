"""The frozen values the store hands out: outbox entries, decisions, webhook deliveries.

Callers get plain values, never live rows, so nothing outside the store can write through them; every change
goes through a `Store` method that states what it means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row


@dataclass(frozen=True)
class OutboxEntry:
    """One desired state for one link, waiting to be written (sync-semantics.md §3).

    `state` is one of ``pending`` (due at `next_attempt_at`), ``in_flight`` (claimed by `claimed_by` until
    `lease_expires_at`), ``retrying`` (a retryable failure; due again at `next_attempt_at`), ``done``,
    ``dead`` (a failure that will not be retried on its own) or ``superseded`` (a dead entry made obsolete by
    a newer desired state for the same link). `attempts` counts failed attempts; `claims` counts how often the
    entry was claimed, so a worker can spot an entry whose previous holders keep crashing.
    """

    id: int
    op_id: str
    link_key: str
    increment: str
    tracker: str
    item: str
    desired: dict[str, Any]
    reason: str
    trigger: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    receipt: dict[str, Any] | None
    claims: int = 0
    claimed_by: str | None = None
    lease_expires_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Row[Any]) -> OutboxEntry:
        m = row._mapping
        return cls(
            id=m["id"],
            op_id=m["op_id"],
            link_key=m["link_key"],
            increment=m["increment"],
            tracker=m["tracker"],
            item=m["item"],
            desired=dict(m["desired"]),
            reason=m["reason"],
            trigger=m["trigger"],
            state=m["state"],
            attempts=m["attempts"],
            next_attempt_at=m["next_attempt_at"],
            last_error=m["last_error"],
            created_at=m["created_at"],
            updated_at=m["updated_at"],
            receipt=None if m["receipt"] is None else dict(m["receipt"]),
            claims=m["claims"],
            claimed_by=m["claimed_by"],
            lease_expires_at=m["lease_expires_at"],
        )


@dataclass(frozen=True)
class Decision:
    """A question for a person (sync-semantics.md §4, §5): an inbound change, a conflict, or a confirmation.

    `observed_version` is the remote version the question is about; a newer observation of the same link
    supersedes the pending question, so nobody answers a question about a state that is gone.
    """

    id: int
    increment: str
    link_key: str
    kind: str
    observed_version: str | None
    payload: dict[str, Any]
    state: str
    outcome: str | None
    created_at: datetime
    resolved_at: datetime | None

    @classmethod
    def from_row(cls, row: Row[Any]) -> Decision:
        m = row._mapping
        return cls(
            id=m["id"],
            increment=m["increment"],
            link_key=m["link_key"],
            kind=m["kind"],
            observed_version=m["observed_version"],
            payload=dict(m["payload"]),
            state=m["state"],
            outcome=m["outcome"],
            created_at=m["created_at"],
            resolved_at=m["resolved_at"],
        )


@dataclass(frozen=True)
class DeliveryRecord:
    """One webhook delivery, stored before the receiver answers 2xx so that nothing acknowledged is lost.

    `state` is ``received``, ``processed`` or ``poison`` (set aside with `error`); `attempts` counts how often
    processing it was started.
    """

    id: int
    tracker: str
    delivery_id: str
    headers: dict[str, str]
    body: bytes = field(repr=False)
    received_at: datetime
    processed_at: datetime | None = None
    outcome: str | None = None
    state: str = "received"
    attempts: int = 0
    error: str | None = None
    claimed_by: str | None = None

    @classmethod
    def from_row(cls, row: Row[Any]) -> DeliveryRecord:
        m = row._mapping
        return cls(
            id=m["id"],
            tracker=m["tracker"],
            delivery_id=m["delivery_id"],
            headers={str(k): str(v) for k, v in dict(m["headers"]).items()},
            body=bytes(m["body"]),
            received_at=m["received_at"],
            processed_at=m["processed_at"],
            outcome=m["outcome"],
            state=m["state"],
            attempts=m["attempts"],
            error=m["error"],
            claimed_by=m["claimed_by"],
        )
