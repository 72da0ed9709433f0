"""Creating the SQLAlchemy engine with the settings weavesync's guarantees depend on.

SQLite (the default, one file per project):

- WAL journal, so readers (``weavesync status``) never block the worker, and ``synchronous=FULL`` so a
  webhook acknowledged after its delivery row committed survives a power cut, not only a kill -9;
- ``busy_timeout``, so a second process waits for the write lock instead of failing at once;
- foreign keys on;
- every write transaction starts with ``BEGIN IMMEDIATE``. Python's sqlite3 would otherwise begin lazily and
  take the write lock only at the first write, after the reads that decided what to write; two workers could
  then both read "entry 7 is due" before either wrote, which is exactly the double claim the outbox forbids.
  Read-only work opts out through the `READ_ONLY` execution option and begins a plain deferred transaction.

PostgreSQL needs none of this: claims use ``FOR UPDATE SKIP LOCKED`` and link writes an advisory lock.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import StaticPool

READ_ONLY = "weavesync_read_only"
"""Execution option: this transaction only reads (SQLite begins it deferred, without the write lock)."""

BUSY_TIMEOUT_MS = 15_000


def is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(url: str | URL) -> Engine:
    """An engine for `url`, configured for weavesync (see the module docstring)."""
    sa_url = make_url(url)
    if sa_url.get_backend_name() != "sqlite":
        return create_engine(sa_url, pool_pre_ping=True)
    if is_memory_sqlite(sa_url):
        # One shared connection, or every checkout would see its own empty database (tests, demos).
        engine = create_engine(sa_url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        engine = create_engine(sa_url)
    _configure_sqlite(engine, wal=not is_memory_sqlite(sa_url))
    return engine


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; `_on_begin` emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if wal:
                _enable_wal(cursor)
                cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _enable_wal(cursor: Any) -> None:
    """Switch the file to WAL (a persistent setting), waiting for other processes doing the same.

    Changing the journal mode needs an exclusive lock and SQLite reports SQLITE_BUSY at once, without calling
    the busy handler, when several processes open a brand-new database together. Once one of them succeeds
    the file stays in WAL mode, so the others only need to wait and look again.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
