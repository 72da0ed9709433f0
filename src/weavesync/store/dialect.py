"""The few statements that differ between SQLite and PostgreSQL, in one place.

Everything else in the store is plain SQLAlchemy Core that renders on both. Callers never look at the dialect
name themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, CursorResult, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(conn: Connection, table: Table, values: dict[str, Any], *, keys: list[str]) -> bool:
    """Insert one row unless a row with the same unique `keys` exists; True when a row was inserted.

    Uses the dialect's own ``ON CONFLICT DO NOTHING`` so that two writers racing on the same key never fail
    with an integrity error (which would abort the caller's whole transaction on PostgreSQL).
    """
    name = conn.dialect.name
    if name == "postgresql":
        # An explicit RETURNING: psycopg does not report a row count for the INSERT ... RETURNING that
        # SQLAlchemy would otherwise add for the primary key, so "a row came back" is the reliable test.
        pg_stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
        return conn.execute(pg_stmt.returning(*table.primary_key.columns)).first() is not None
    if name == "sqlite":
        lite_stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
        return conn.execute(lite_stmt).rowcount == 1
    raise NotImplementedError(f"weavesync.store supports sqlite and postgresql, not {name}")


def lock_key(conn: Connection, key: str) -> None:
    """Serialise writers on one key (a link) until the end of the current transaction.

    On SQLite every write transaction already starts with ``BEGIN IMMEDIATE`` (one writer at a time), so
    there is nothing to do. On PostgreSQL a transaction-scoped advisory lock stops two writers from both
    seeing "no pending row" for a link and both inserting one.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def inserted_id(result: CursorResult[Any]) -> int:
    """The integer primary key of the row a single-row INSERT just created."""
    key = result.inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError("the INSERT did not report the new row's id")
    return int(key[0])
