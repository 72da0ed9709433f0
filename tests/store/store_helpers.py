"""Shared helpers for the store tests (not a test module)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from weavesync.store import OutboxEntry, Store

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """T0 plus `seconds`: tests pass time explicitly and never sleep."""
    return T0 + timedelta(seconds=seconds)


def link(n: int) -> str:
    return f"github:acme/shop#{n}"


def put(store: Store, n: int, state: str, *, now: datetime = T0, **extra: Any) -> OutboxEntry:
    """Record a desired GitHub state for issue `n` of increment 0042 in its own transaction."""
    with store.transaction() as conn:
        return store.put_desired(
            conn,
            link_key=link(n),
            increment="0042-checkout",
            tracker="github",
            item=f"acme/shop#{n}",
            desired={"state": state},
            reason=f"SpecWeave status changed to {state}",
            trigger="cli",
            now=now,
            **extra,
        )


def states(store: Store) -> dict[int, str]:
    return {e.id: e.state for e in store.outbox()}
