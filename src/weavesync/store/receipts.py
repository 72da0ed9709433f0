"""Receipts (what weavesync last wrote per link, for echo detection) and poll cursors.

Both are "latest value per key" tables: a receipt row per link, a cursor row per (tracker, place). They are
upserted with an insert-if-absent followed by an update, which renders on every dialect and stays correct
when two writers race (the loser's insert does nothing and its update wins or loses cleanly).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from weavesync.store.dialect import insert_ignore
from weavesync.store.schema import cursors, receipts


def record_receipt(
    conn: Connection, *, link_key: str, version: str, state: dict[str, Any], op_id: str | None, now: datetime
) -> None:
    """Remember the state and remote version a successful write left on `link_key` (sync-semantics.md §3)."""
    values = {"version": version, "state": state, "op_id": op_id, "recorded_at": now}
    if not insert_ignore(conn, receipts, {"link_key": link_key, **values}, keys=["link_key"]):
        conn.execute(update(receipts).where(receipts.c.link_key == link_key).values(**values))


def last_receipt(conn: Connection, link_key: str) -> dict[str, Any] | None:
    """``{link_key, version, state, op_id, at}`` of the latest write to `link_key`, or None."""
    row = conn.execute(select(receipts).where(receipts.c.link_key == link_key)).first()
    return None if row is None else _receipt(row)


def last_receipts(conn: Connection, link_keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The latest receipt of each of `link_keys` that has one, in one query per 500 keys (not one per link)."""
    found: dict[str, dict[str, Any]] = {}
    keys = list(dict.fromkeys(link_keys))
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        for row in conn.execute(select(receipts).where(receipts.c.link_key.in_(chunk))):
            receipt = _receipt(row)
            found[receipt["link_key"]] = receipt
    return found


def _receipt(row: Row[Any]) -> dict[str, Any]:
    m = row._mapping
    return {
        "link_key": m["link_key"],
        "version": m["version"],
        "state": dict(m["state"]),
        "op_id": m["op_id"],
        "at": m["recorded_at"],
    }


def get_cursor(conn: Connection, tracker: str, place: str) -> str | None:
    """Where the last poll of (`tracker`, `place`) stopped, in the tracker's own format."""
    value = conn.scalar(select(cursors.c.cursor).where(cursors.c.tracker == tracker, cursors.c.place == place))
    return None if value is None else str(value)


def set_cursor(conn: Connection, tracker: str, place: str, cursor: str, now: datetime) -> None:
    values = {"cursor": cursor, "updated_at": now}
    if not insert_ignore(conn, cursors, {"tracker": tracker, "place": place, **values}, keys=["tracker", "place"]):
        conn.execute(update(cursors).where(cursors.c.tracker == tracker, cursors.c.place == place).values(**values))
