"""Versioned schema migrations: an ordered list of functions, each applied in its own transaction.

`schema_meta` holds one row, ``key = 'schema'``, with the version the database is at. Migration ``n``
(1-based) moves a database from version ``n - 1`` to ``n``; the version is bumped in the same transaction as
the change, so a crash mid-way leaves the database at the previous version and the next open finishes the job.
Each step re-reads the version under the write lock, so two processes opening the same new database at once
apply every migration exactly once.

A database at a version newer than `SCHEMA_VERSION` was written by a newer weavesync: it is refused rather
than guessed at, because an older worker could misread rows it does not understand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    select,
    text,
    update,
)

from weavesync.errors import StoreError
from weavesync.store import schema
from weavesync.store.dialect import insert_ignore, lock_key
from weavesync.store.sqltypes import IdType, JsonType, UTCDateTime

Migration = Callable[[Connection], None]

_META_KEY = "schema"
_LOCK = "weavesync:schema"


_V1 = MetaData()
_DELIVERIES_V1 = Table(
    "deliveries",
    _V1,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("tracker", String(32), nullable=False),
    Column("delivery_id", String(200), nullable=False),
    Column("headers", JsonType, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("processed_at", UTCDateTime, nullable=True),
    Column("outcome", String(200), nullable=True),
    UniqueConstraint("tracker", "delivery_id", name="uq_deliveries_tracker_delivery"),
    Index("ix_deliveries_unprocessed", "processed_at", "id"),
)
"""The deliveries table as version 1 created it (migration 2 adds its columns)."""


def _m001_initial(conn: Connection) -> None:
    """Version 1: outbox, decisions, conflict history, receipts, poll cursors, webhook deliveries."""
    schema.metadata.create_all(
        conn, tables=[schema.outbox, schema.decisions, schema.conflicts, schema.receipts, schema.cursors]
    )
    _V1.create_all(conn)


def _m002_delivery_state(conn: Connection) -> None:
    """Version 2: a delivery's `state` (received, processed, poison), how often processing was started
    (`attempts`), and the `error` it was set aside with. Deliveries processed before keep their outcome."""
    for column in ("state VARCHAR(16) NOT NULL DEFAULT 'received'", "attempts INTEGER NOT NULL DEFAULT 0",
                   "error TEXT"):
        conn.execute(text(f"ALTER TABLE deliveries ADD COLUMN {column}"))
    conn.execute(text("UPDATE deliveries SET state = 'processed' WHERE processed_at IS NOT NULL"))


def _m003_shared_workers(conn: Connection) -> None:
    """Version 3: several `serve` processes on one store. A delivery is claimed with a lease (`claimed_by`,
    `lease_expires_at`) like an outbox entry, and each worker's heartbeat is a row of `workers`."""
    when = UTCDateTime().compile(dialect=conn.dialect)
    for column in ("claimed_by VARCHAR(200)", f"lease_expires_at {when}"):
        conn.execute(text(f"ALTER TABLE deliveries ADD COLUMN {column}"))
    schema.metadata.create_all(conn, tables=[schema.workers])


MIGRATIONS: tuple[Migration, ...] = (_m001_initial, _m002_delivery_state, _m003_shared_workers)
SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this code reads and writes."""


def current_version(conn: Connection) -> int:
    """The version recorded in `schema_meta` (0 when the row is missing)."""
    value = conn.scalar(select(schema.schema_meta.c.version).where(schema.schema_meta.c.key == _META_KEY))
    return int(value) if value is not None else 0


def migrate(engine: Engine, *, where: str) -> int:
    """Bring the database up to `SCHEMA_VERSION`; return the version it is at afterwards.

    `where` names the database in errors (a file path, or a URL without its password).
    """
    with engine.begin() as conn:
        lock_key(conn, _LOCK)
        schema.schema_meta.create(conn, checkfirst=True)
        insert_ignore(conn, schema.schema_meta, {"key": _META_KEY, "version": 0, "updated_at": _now()}, keys=["key"])
        found = current_version(conn)
    _refuse_newer(found, where)
    for target in range(found + 1, SCHEMA_VERSION + 1):
        with engine.begin() as conn:
            lock_key(conn, _LOCK)
            version = current_version(conn)
            _refuse_newer(version, where)
            if version >= target:
                continue  # another process applied it first
            MIGRATIONS[target - 1](conn)
            conn.execute(
                update(schema.schema_meta)
                .where(schema.schema_meta.c.key == _META_KEY)
                .values(version=target, updated_at=_now())
            )
    return SCHEMA_VERSION


def _refuse_newer(version: int, where: str) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"state store {where} has schema version {version}, but this weavesync knows only up to "
            f"version {SCHEMA_VERSION}",
            hint="upgrade weavesync, or point WEAVESYNC_DATABASE_URL at another database",
        )


def _now() -> datetime:
    # Only stamps schema_meta for people reading the database; no decision depends on it.
    return datetime.now(UTC)
