"""The outbox: desired states per link, written durably before any network call (sync-semantics.md §3).

Every function takes an open `Connection` so the caller decides the transaction: the engine records a
decision and its outbox rows together; the worker claims, then completes, reschedules or buries.

Per-link order. Entries of one link form a queue ordered by id. Its *head* is the oldest entry that is still
open (pending, in_flight, retrying or dead). Only a head is ever claimed, so:

- at most one write per link is in flight, and writes apply in the order they were recorded;
- a failed write (retrying) holds back later writes for that link only; other links go on;
- a dead entry holds back later entries of its link until it is revived (`revive_dead`) or superseded.
  Superseded means: `put_desired` for that link marks every dead entry of the link ``superseded`` (kept with
  its error for the record). The newer desired state makes the dead one obsolete, and writing the obsolete
  state first would only flap the item; the new entry still re-reads the item before writing.

Replacement. A desired state is a whole state, not an operation, so a newer one for the same link replaces
the newest entry that has not started (pending or retrying) in place: new desired/reason/trigger/op id,
attempts and error reset. The same desired state again is the same operation: the open entry is returned as it
is (same op id, so a comment an earlier attempt posted is found by its marker). A retrying entry whose state
write already landed and whose comment is still owed (`note_landed`) is not replaced: the newer state queues
behind it, so the change that did happen is announced. A retrying entry keeps its `next_attempt_at`, because
the wait it holds came from the tracker (Retry-After) and a new state does not make the tracker less busy. If
the newest entry is in flight, the new state is queued behind it.

Crashes. A claim is a lease: a worker killed after claiming leaves an ``in_flight`` row whose lease expires,
and the next claim after that time takes it again (the write re-reads the item first, so a write that did
happen before the crash becomes a no-op).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select, update

from weavesync.errors import StoreError
from weavesync.store.dialect import inserted_id, lock_key
from weavesync.store.records import OutboxEntry
from weavesync.store.schema import OUTBOX_STATES, outbox

OPEN_STATES = ("pending", "in_flight", "retrying", "dead")
"""States that keep an entry at (or in) its link's queue."""
_REPLACEABLE = ("pending", "retrying")


def put_desired(
    conn: Connection,
    *,
    link_key: str,
    increment: str,
    tracker: str,
    item: str,
    desired: dict[str, Any],
    reason: str,
    trigger: str,
    now: datetime,
    op_id: str | None = None,
) -> OutboxEntry:
    """Record `desired` as the state `link_key` must reach; see the module docstring for replacement rules.

    Passing an `op_id` that is already recorded returns that entry unchanged, so replaying the same decision
    (after a crash between recording and acknowledging it) does not queue it twice.
    """
    lock_key(conn, "outbox:" + link_key)
    if op_id is not None:
        same = conn.execute(select(outbox).where(outbox.c.op_id == op_id)).first()
        if same is not None:
            return OutboxEntry.from_row(same)
    new_op = op_id or uuid.uuid4().hex
    conn.execute(
        update(outbox)
        .where(outbox.c.link_key == link_key, outbox.c.state == "dead")
        .values(state="superseded", updated_at=now)
    )
    newest = conn.execute(
        select(outbox)
        .where(outbox.c.link_key == link_key, outbox.c.state.in_(("pending", "in_flight", "retrying")))
        .order_by(outbox.c.id.desc())
        .limit(1)
    ).first()
    if newest is not None and same_write(newest.desired, desired):
        # The same desired state is already owed: one operation, one op id, so its comment marker finds the
        # comment an earlier attempt may have posted (a second op id would post it again).
        return OutboxEntry.from_row(newest)
    values: dict[str, Any] = {
        "op_id": new_op,
        "increment": increment,
        "tracker": tracker,
        "item": item,
        "desired": desired,
        "reason": reason,
        "trigger": trigger,
        "attempts": 0,
        "last_error": None,
        "updated_at": now,
    }
    landed = newest is not None and newest.receipt is not None and bool((newest.desired or {}).get("comment"))
    if newest is not None and newest.state in _REPLACEABLE and not landed:
        replaced = conn.execute(
            update(outbox)
            .where(outbox.c.id == newest.id, outbox.c.state.in_(_REPLACEABLE))
            .values(state="pending", next_attempt_at=max(newest.next_attempt_at, now), **values)
        )
        if replaced.rowcount == 1:
            return _get(conn, newest.id)
    result = conn.execute(
        outbox.insert().values(
            link_key=link_key,
            state="pending",
            claims=0,
            next_attempt_at=now,
            created_at=now,
            **values,
        )
    )
    return _get(conn, inserted_id(result))


def same_write(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Do two desired states ask for the same write? Everything but where they came from (``from``) counts."""
    if a is None or b is None:
        return False
    return {k: v for k, v in a.items() if k != "from"} == {k: v for k, v in b.items() if k != "from"}


def note_landed(conn: Connection, entry_id: int, *, receipt: dict[str, Any], now: datetime) -> None:
    """The entry's state write landed (its receipt) while something of it is still owed (the comment). A newer
    desired state then queues behind it instead of replacing it, so the comment for a change that did happen is
    never dropped."""
    conn.execute(update(outbox).where(outbox.c.id == entry_id).values(receipt=receipt, updated_at=now))


def claim(
    conn: Connection, now: datetime, *, worker: str, lease_seconds: float = 60, limit: int = 100
) -> list[OutboxEntry]:
    """Take up to `limit` due link heads (oldest first) for `worker` until ``now + lease_seconds``.

    Due: pending or retrying with ``next_attempt_at <= now``, or in flight with an expired lease. An entry is
    a head when no older entry of its link is open, which also gives "at most one per link".
    """
    if limit <= 0:
        return []
    supersede_abandoned_heads(conn, now)
    earlier = outbox.alias("earlier")
    blocked = exists().where(
        earlier.c.link_key == outbox.c.link_key,
        earlier.c.id < outbox.c.id,
        earlier.c.state.in_(OPEN_STATES),
    )
    due = or_(
        and_(outbox.c.state.in_(_REPLACEABLE), outbox.c.next_attempt_at <= now),
        and_(outbox.c.state == "in_flight", outbox.c.lease_expires_at <= now),
    )
    ids = list(
        conn.scalars(
            select(outbox.c.id)
            .where(due, ~blocked)
            .order_by(outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(ids), due)
        .values(
            state="in_flight",
            claimed_by=worker,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            claims=outbox.c.claims + 1,
            updated_at=now,
        )
    )
    rows = conn.execute(select(outbox).where(outbox.c.id.in_(ids), outbox.c.claimed_by == worker).order_by(outbox.c.id))
    return [OutboxEntry.from_row(r) for r in rows]


def open_writes(conn: Connection, link_keys: Iterable[str]) -> dict[str, OutboxEntry]:
    """The newest open entry (pending, in flight, retrying or dead) of each link in `link_keys` that has one.

    A link with an open entry has a write of weavesync's own that is not finished: whatever its item shows
    meanwhile is weavesync's doing (sync-semantics.md §8), and the engine must not read it as a person's change.
    """
    keys = list(dict.fromkeys(link_keys))
    found: dict[str, OutboxEntry] = {}
    for start in range(0, len(keys), 500):
        rows = conn.execute(
            select(outbox)
            .where(outbox.c.link_key.in_(keys[start:start + 500]), outbox.c.state.in_(OPEN_STATES))
            .order_by(outbox.c.id)
        )
        for row in rows:
            found[row.link_key] = OutboxEntry.from_row(row)  # id order: the newest stays
    return found


def in_flight_claimers(conn: Connection) -> list[str]:
    """The workers that hold in-flight entries now (to find those whose process has died)."""
    return [w for w in conn.scalars(select(outbox.c.claimed_by).where(outbox.c.state == "in_flight").distinct()) if w]


def expire_claims(conn: Connection, workers: Iterable[str], *, now: datetime) -> int:
    """End the leases held by `workers` (processes known to be dead), so their entries are claimed again now
    instead of after the lease; returns how many entries were freed."""
    names = list(workers)
    if not names:
        return 0
    result = conn.execute(
        update(outbox)
        .where(outbox.c.state == "in_flight", outbox.c.claimed_by.in_(names))
        .values(lease_expires_at=now, updated_at=now)
    )
    return int(result.rowcount)


def supersede_abandoned_heads(conn: Connection, now: datetime) -> list[OutboxEntry]:
    """An in-flight entry whose worker is gone (lease over) and that has a newer desired state queued behind it
    is obsolete: replaying it would write a status that is no longer wanted before the wanted one (an issue
    closed, then reopened). The newer entry re-reads the item and finishes from whatever state it is in.
    Returns the entries superseded (as they were), so the caller can finish what of them may already have landed
    (a completion comment owed for a close that did happen)."""
    newer = outbox.alias("newer")
    queued_behind = exists().where(
        newer.c.link_key == outbox.c.link_key,
        newer.c.id > outbox.c.id,
        newer.c.state.in_(_REPLACEABLE),
    )
    stale = [OutboxEntry.from_row(r) for r in conn.execute(
        select(outbox).where(outbox.c.state == "in_flight", outbox.c.lease_expires_at <= now, queued_behind)
        .with_for_update(skip_locked=True))]
    if stale:
        conn.execute(
            update(outbox)
            .where(outbox.c.id.in_([e.id for e in stale]), outbox.c.state == "in_flight")
            .values(state="superseded", lease_expires_at=None, updated_at=now)
        )
    return stale


def extend_lease(conn: Connection, entry_id: int, *, worker: str, now: datetime, lease_seconds: float) -> bool:
    """Keep a long write claimed; False when `worker` no longer holds the entry."""
    result = conn.execute(
        update(outbox)
        .where(outbox.c.id == entry_id, outbox.c.state == "in_flight", outbox.c.claimed_by == worker)
        .values(lease_expires_at=now + timedelta(seconds=lease_seconds), updated_at=now)
    )
    return _changed(conn, entry_id, result.rowcount)


def complete(
    conn: Connection, entry_id: int, *, receipt: dict[str, Any], now: datetime, worker: str | None = None
) -> bool:
    """Mark an in-flight entry done with its receipt.

    Returns False (and changes nothing) when the entry is no longer in flight, or, with `worker`, no longer
    held by that worker: its lease expired and someone else finished it, and that outcome stands.
    """
    return _finish(conn, entry_id, worker, state="done", receipt=receipt, updated_at=now)


def reschedule(
    conn: Connection,
    entry_id: int,
    *,
    error: str,
    next_attempt_at: datetime,
    now: datetime,
    worker: str | None = None,
) -> bool:
    """A retryable failure: try again at `next_attempt_at` (state retrying, attempts + 1)."""
    return _finish(
        conn,
        entry_id,
        worker,
        state="retrying",
        attempts=outbox.c.attempts + 1,
        last_error=error,
        next_attempt_at=next_attempt_at,
        updated_at=now,
    )


def bury(conn: Connection, entry_id: int, *, error: str, now: datetime, worker: str | None = None) -> bool:
    """A failure that must not be retried on its own (auth, item gone, rejected): state dead, attempts + 1."""
    return _finish(
        conn, entry_id, worker, state="dead", attempts=outbox.c.attempts + 1, last_error=error, updated_at=now
    )


def revive_dead(conn: Connection, link_key: str | None, *, now: datetime) -> int:
    """Dead entries (all, or one link's) become pending again with attempts 0; returns how many."""
    stmt = update(outbox).where(outbox.c.state == "dead")
    if link_key is not None:
        stmt = stmt.where(outbox.c.link_key == link_key)
    result = conn.execute(stmt.values(state="pending", attempts=0, next_attempt_at=now, updated_at=now))
    return int(result.rowcount)


def entries(conn: Connection, states: Iterable[str] | None = None, *, link_key: str | None = None
            ) -> list[OutboxEntry]:
    """Entries in id order, optionally only those in `states` (and of one link)."""
    stmt = select(outbox).order_by(outbox.c.id)
    if link_key is not None:
        stmt = stmt.where(outbox.c.link_key == link_key)
    if states is not None:
        wanted = list(states)
        unknown = sorted(set(wanted) - set(OUTBOX_STATES))
        if unknown:
            raise ValueError(f"unknown outbox states {unknown}; known: {list(OUTBOX_STATES)}")
        stmt = stmt.where(outbox.c.state.in_(wanted))
    return [OutboxEntry.from_row(r) for r in conn.execute(stmt)]


def counts(conn: Connection) -> dict[str, int]:
    """Entries per state."""
    rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
    return {str(state): int(n) for state, n in rows}


def get(conn: Connection, entry_id: int) -> OutboxEntry | None:
    row = conn.execute(select(outbox).where(outbox.c.id == entry_id)).first()
    return None if row is None else OutboxEntry.from_row(row)


def _get(conn: Connection, entry_id: int) -> OutboxEntry:
    found = get(conn, entry_id)
    if found is None:
        raise StoreError(f"outbox entry {entry_id} does not exist")
    return found


def _finish(conn: Connection, entry_id: int, worker: str | None, **values: Any) -> bool:
    stmt = update(outbox).where(outbox.c.id == entry_id, outbox.c.state == "in_flight")
    if worker is not None:
        stmt = stmt.where(outbox.c.claimed_by == worker)
    result = conn.execute(stmt.values(lease_expires_at=None, **values))
    return _changed(conn, entry_id, result.rowcount)


def _changed(conn: Connection, entry_id: int, rowcount: int) -> bool:
    if rowcount == 1:
        return True
    _get(conn, entry_id)  # raises for an unknown id: that is a caller bug, not a lost lease
    return False


def prune(conn: Connection, *, before: datetime) -> int:
    """Delete finished entries (done, superseded) last changed before `before`; returns how many.

    Open and dead entries are never pruned: they are work still owed, or failures a person has to see.
    """
    result = conn.execute(
        outbox.delete().where(outbox.c.state.in_(("done", "superseded")), outbox.c.updated_at < before)
    )
    return int(result.rowcount)
