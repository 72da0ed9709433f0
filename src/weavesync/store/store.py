"""`Store`: weavesync's durable state behind one object, and `open_store` to get one.

The store owns the database: which URL, how it is configured, its schema version, and transactions. The
per-table logic lives in the sibling modules (`outbox`, `decisions`, `receipts`, `deliveries`); this class
gives each of them a transaction and turns database failures into `StoreError` naming the database, so the
CLI can print one line instead of a driver traceback.

Methods that take a `conn` write inside the caller's transaction (`Store.transaction()`): that is how the
engine commits a decision and its outbox rows together. The others open their own short transaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from weavesync.errors import StoreError
from weavesync.store import decisions as _decisions
from weavesync.store import deliveries as _deliveries
from weavesync.store import outbox as _outbox
from weavesync.store import receipts as _receipts
from weavesync.store import workers as _workers
from weavesync.store.connect import READ_ONLY, is_memory_sqlite, make_engine
from weavesync.store.migrations import migrate
from weavesync.store.records import Decision, DeliveryRecord, OutboxEntry
from weavesync.store.schema import decisions as _decisions_table
from weavesync.store.workers import WorkerBeat

DATABASE_URL_ENV = "WEAVESYNC_DATABASE_URL"
DB_FILENAME = "weavesync.db"


def open_store(project_state_dir: Path, url: str | None = None) -> Store:
    """Open (and migrate) the state store.

    The database is `url`, else ``$WEAVESYNC_DATABASE_URL``, else the SQLite file
    ``<project_state_dir>/weavesync.db`` (the folder is created). Raises StoreError when the database cannot
    be opened, is not a database, or was written by a newer weavesync.
    """
    chosen = url or os.environ.get(DATABASE_URL_ENV) or None
    if chosen is None:
        project_state_dir.mkdir(parents=True, exist_ok=True)
        sa_url = URL.create("sqlite", database=str(project_state_dir / DB_FILENAME))
    else:
        try:
            sa_url = make_url(chosen)
        except ArgumentError as exc:
            raise StoreError(
                "the state store URL is not a valid database URL", hint=f"check {DATABASE_URL_ENV}"
            ) from exc
    return Store(sa_url)


class Store:
    """The durable state of one project (see the module docstring). Close it, or use it as a context manager."""

    def __init__(self, url: URL) -> None:
        self.where = describe(url)
        """The database for messages: a SQLite file path, or the URL without its password."""
        try:
            self._engine: Engine = make_engine(url)
        except (ArgumentError, ImportError) as exc:
            raise StoreError(f"cannot use state store {self.where}: {exc}",
                             hint="check WEAVESYNC_DATABASE_URL (sqlite:///PATH or postgresql://...)") from exc
        self._reader = self._engine.execution_options(**{READ_ONLY: True})
        try:
            with self._errors("open"):
                self.schema_version = migrate(self._engine, where=self.where)
        except BaseException:
            self._engine.dispose()
            raise

    # -- transactions --------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction: everything done on the yielded connection commits together or not at all."""
        with self._errors("write"), self._engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._errors("read"), self._reader.begin() as conn:
            yield conn

    @contextmanager
    def _write(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.transaction() as own:
                yield own

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            detail = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
            raise StoreError(
                f"state store {self.where}: cannot {action}: {detail}",
                hint="is it a weavesync database, readable and not corrupted? Move it aside to start afresh",
            ) from exc

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.where!r})"

    # -- outbox --------------------------------------------------------------------------------------------

    def put_desired(
        self,
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
        """Record a desired state for a link (replaces a not-yet-started one); see `weavesync.store.outbox`."""
        return _outbox.put_desired(
            conn,
            link_key=link_key,
            increment=increment,
            tracker=tracker,
            item=item,
            desired=desired,
            reason=reason,
            trigger=trigger,
            now=now,
            op_id=op_id,
        )

    def claim(self, now: datetime, *, worker: str, lease_seconds: float = 60, limit: int = 100) -> list[OutboxEntry]:
        """Claim due link heads for `worker` (at most one per link, oldest first) with a lease."""
        with self.transaction() as conn:
            return _outbox.claim(conn, now, worker=worker, lease_seconds=lease_seconds, limit=limit)

    def open_writes(self, link_keys: Sequence[str]) -> dict[str, OutboxEntry]:
        """The newest unfinished entry per link (see `weavesync.store.outbox.open_writes`)."""
        with self._read() as conn:
            return _outbox.open_writes(conn, link_keys)

    def note_landed(self, entry_id: int, *, receipt: dict[str, Any], now: datetime,
                    conn: Connection | None = None) -> None:
        with self._write(conn) as c:
            _outbox.note_landed(c, entry_id, receipt=receipt, now=now)

    def supersede_abandoned_heads(self, now: datetime) -> list[OutboxEntry]:
        """See `weavesync.store.outbox.supersede_abandoned_heads` (`claim` does it too, without telling)."""
        with self.transaction() as conn:
            return _outbox.supersede_abandoned_heads(conn, now)

    def in_flight_claimers(self) -> list[str]:
        """The workers holding claims now, on outbox entries or on deliveries."""
        with self._read() as conn:
            return sorted(set(_outbox.in_flight_claimers(conn)) | set(_deliveries.claimers(conn)))

    def expire_claims(self, workers: Iterable[str], *, now: datetime) -> int:
        """End the claims (outbox entries and deliveries) of `workers`; returns how many were freed."""
        names = list(workers)
        with self.transaction() as conn:
            return _outbox.expire_claims(conn, names, now=now) + _deliveries.expire_claims(conn, names, now=now)

    def extend_lease(self, entry_id: int, *, worker: str, now: datetime, lease_seconds: float = 60) -> bool:
        with self.transaction() as conn:
            return _outbox.extend_lease(conn, entry_id, worker=worker, now=now, lease_seconds=lease_seconds)

    def complete(
        self,
        entry_id: int,
        *,
        receipt: dict[str, Any],
        now: datetime,
        worker: str | None = None,
        conn: Connection | None = None,
    ) -> bool:
        """Done. False when the entry is no longer in flight (for `worker`): someone else's outcome stands."""
        with self._write(conn) as c:
            return _outbox.complete(c, entry_id, receipt=receipt, now=now, worker=worker)

    def reschedule(
        self,
        entry_id: int,
        *,
        error: str,
        next_attempt_at: datetime,
        now: datetime,
        worker: str | None = None,
        conn: Connection | None = None,
    ) -> bool:
        with self._write(conn) as c:
            return _outbox.reschedule(c, entry_id, error=error, next_attempt_at=next_attempt_at, now=now, worker=worker)

    def bury(
        self,
        entry_id: int,
        *,
        error: str,
        now: datetime,
        worker: str | None = None,
        conn: Connection | None = None,
    ) -> bool:
        with self._write(conn) as c:
            return _outbox.bury(c, entry_id, error=error, now=now, worker=worker)

    def outbox(self, states: Iterable[str] | None = None, *, link_key: str | None = None) -> list[OutboxEntry]:
        with self._read() as conn:
            return _outbox.entries(conn, states, link_key=link_key)

    def outbox_entry(self, entry_id: int) -> OutboxEntry | None:
        with self._read() as conn:
            return _outbox.get(conn, entry_id)

    def revive_dead(self, link_key: str | None = None, *, now: datetime) -> int:
        with self.transaction() as conn:
            return _outbox.revive_dead(conn, link_key, now=now)

    def prune(self, *, before: datetime) -> int:
        """Housekeeping: delete finished outbox entries and processed deliveries older than `before`.

        Returns the number of rows deleted. Pending, in-flight, retrying and dead entries, pending decisions,
        the conflict history, receipts and cursors are never pruned. Workers not heard of since `before` are
        forgotten too.
        """
        with self.transaction() as conn:
            return (_outbox.prune(conn, before=before) + _deliveries.prune(conn, before=before)
                    + _workers.prune(conn, before=before))

    # -- decisions and conflicts ---------------------------------------------------------------------------

    def add_decision(
        self,
        conn: Connection,
        *,
        increment: str,
        link_key: str,
        kind: str,
        observed_version: str | None,
        payload: dict[str, Any],
        now: datetime,
        fingerprint: str | None = None,
    ) -> Decision:
        return _decisions.add_decision(
            conn,
            increment=increment,
            link_key=link_key,
            kind=kind,
            observed_version=observed_version,
            payload=payload,
            now=now,
            fingerprint=fingerprint,
        )

    def withdraw_decisions(self, conn: Connection, link_key: str, *, reason: str, now: datetime) -> list[Decision]:
        """Withdraw a settled link's pending decisions (see `weavesync.store.decisions.withdraw_decisions`)."""
        return _decisions.withdraw_decisions(conn, link_key, reason=reason, now=now)

    def pending_decisions(self, increment: str | None = None) -> list[Decision]:
        with self._read() as conn:
            return _decisions.pending_decisions(conn, increment)

    def answered_decisions(self, link_keys: set[str] | None = None) -> list[Decision]:
        """Answered decisions, oldest first (see `weavesync.store.decisions.answered_decisions`)."""
        with self._read() as conn:
            return _decisions.answered_decisions(conn, link_keys)

    def decision(self, decision_id: int) -> Decision | None:
        with self._read() as conn:
            return _decisions.get_decision(conn, decision_id)

    def resolve_decision(
        self, decision_id: int, *, outcome: str, now: datetime, conn: Connection | None = None
    ) -> Decision:
        with self._write(conn) as c:
            return _decisions.resolve_decision(c, decision_id, outcome=outcome, now=now)

    def record_conflict(
        self,
        conn: Connection,
        *,
        increment: str,
        link_key: str,
        local: dict[str, Any],
        external: dict[str, Any],
        strategy: str,
        outcome: str,
        reason: str,
        now: datetime,
    ) -> dict[str, Any]:
        return _decisions.record_conflict(
            conn,
            increment=increment,
            link_key=link_key,
            local=local,
            external=external,
            strategy=strategy,
            outcome=outcome,
            reason=reason,
            now=now,
        )

    def conflicts(self, increment: str | None = None) -> list[dict[str, Any]]:
        with self._read() as conn:
            return _decisions.conflict_history(conn, increment)

    # -- cursors and receipts ------------------------------------------------------------------------------

    def get_cursor(self, tracker: str, place: str) -> str | None:
        with self._read() as conn:
            return _receipts.get_cursor(conn, tracker, place)

    def set_cursor(self, tracker: str, place: str, cursor: str, now: datetime, conn: Connection | None = None) -> None:
        with self._write(conn) as c:
            _receipts.set_cursor(c, tracker, place, cursor, now)

    def record_receipt(
        self, conn: Connection, *, link_key: str, version: str, state: dict[str, Any], op_id: str | None, now: datetime
    ) -> None:
        _receipts.record_receipt(conn, link_key=link_key, version=version, state=state, op_id=op_id, now=now)

    def last_receipt(self, link_key: str) -> dict[str, Any] | None:
        with self._read() as conn:
            return _receipts.last_receipt(conn, link_key)

    def last_receipts(self, link_keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """`last_receipt` for many links at once (a reconcile reads them all before deciding)."""
        with self._read() as conn:
            return _receipts.last_receipts(conn, link_keys)

    # -- webhook deliveries --------------------------------------------------------------------------------

    def record_delivery(
        self, *, tracker: str, delivery_id: str, headers: dict[str, str], body: bytes, now: datetime
    ) -> bool:
        """Durably store a delivery; False for a delivery id already stored. Answer 2xx only after this."""
        with self.transaction() as conn:
            return _deliveries.record_delivery(
                conn, tracker=tracker, delivery_id=delivery_id, headers=headers, body=body, now=now
            )

    def unprocessed_deliveries(self, limit: int = 100) -> list[DeliveryRecord]:
        with self._read() as conn:
            return _deliveries.unprocessed(conn, limit)

    def mark_delivery_processed(
        self, delivery_id: int, *, outcome: str, now: datetime, conn: Connection | None = None,
        worker: str | None = None,
    ) -> bool:
        """Mark the delivery row `delivery_id` (`DeliveryRecord.id`, not the tracker's id) processed; with `worker`,
        only while it holds the claim (False when another worker took it over)."""
        with self._write(conn) as c:
            return _deliveries.mark_processed(c, delivery_id, outcome=outcome, now=now, worker=worker)

    def claim_deliveries(self, now: datetime, *, worker: str, lease_seconds: float, limit: int = 10
                         ) -> list[DeliveryRecord]:
        """Claim unprocessed deliveries for `worker` with a lease (see `weavesync.store.deliveries`)."""
        with self.transaction() as conn:
            return _deliveries.claim(conn, now, worker=worker, lease_seconds=lease_seconds, limit=limit)

    def extend_delivery_leases(self, delivery_ids: Sequence[int], *, worker: str, now: datetime,
                               lease_seconds: float) -> int:
        """Renew `worker`'s claims on `delivery_ids`; returns how many it still holds."""
        with self.transaction() as conn:
            return _deliveries.extend_leases(conn, list(delivery_ids), worker=worker, now=now,
                                             lease_seconds=lease_seconds)

    @contextmanager
    def serialised(self, keys: Iterable[str]) -> Iterator[None]:
        """Hold `keys` (for example increments being reconciled) against every other process on this store until
        the block ends. PostgreSQL: session advisory locks on a connection of their own, taken in sorted order so
        two holders never deadlock. SQLite: nothing (its write lock already lets one writer in at a time, and one
        `serve` per SQLite file is the supported setup)."""
        if self._engine.dialect.name != "postgresql":
            yield
            return
        with self._errors("lock"), self._engine.connect() as conn:
            wanted = sorted(set(keys))
            for key in wanted:
                conn.execute(select(func.pg_advisory_lock(func.hashtextextended(key, 0))))
            conn.commit()
            try:
                yield
            finally:
                for key in reversed(wanted):
                    conn.execute(select(func.pg_advisory_unlock(func.hashtextextended(key, 0))))
                conn.commit()

    def start_delivery_attempt(self, delivery_id: int) -> int:
        """Count one more processing start of the delivery row (committed before processing begins)."""
        with self.transaction() as conn:
            return _deliveries.start_attempt(conn, delivery_id)

    def set_aside_delivery(self, delivery_id: int, *, error: str, now: datetime, worker: str | None = None) -> bool:
        """Set the delivery row aside as ``poison`` with `error`: it is not processed again on its own."""
        with self.transaction() as conn:
            return _deliveries.set_aside(conn, delivery_id, error=error, now=now, worker=worker)

    def set_aside_deliveries(self, limit: int = 1000) -> list[DeliveryRecord]:
        """The deliveries set aside as ``poison``, newest first."""
        with self._read() as conn:
            return _deliveries.in_state(conn, "poison", limit)

    def last_deliveries(self) -> dict[str, datetime]:
        """Per tracker (``github``, ``jira``, ``ado``), when its newest stored delivery arrived."""
        with self._read() as conn:
            return _deliveries.last_received(conn)

    # -- workers and health ----------------------------------------------------------------------------------

    def worker_beat(self, worker: str, *, role: str, now: datetime) -> None:
        """`worker` is alive (see `weavesync.store.workers`)."""
        with self.transaction() as conn:
            _workers.beat(conn, worker, role=role, now=now)

    def forget_worker(self, worker: str) -> None:
        with self.transaction() as conn:
            _workers.forget(conn, worker)

    def workers(self) -> list[WorkerBeat]:
        with self._read() as conn:
            return _workers.all_workers(conn)

    def figures(self) -> StoreFigures:
        """What `/healthz`, `/metrics` and `weavesync doctor` report about the queues, read in one transaction."""
        with self._read() as conn:
            pending = conn.scalar(select(func.count()).select_from(_decisions_table)
                                  .where(_decisions_table.c.state == "pending"))
            return StoreFigures(
                deliveries=_deliveries.counts(conn),
                oldest_unprocessed=_deliveries.oldest_unprocessed(conn),
                outbox=_outbox.counts(conn),
                decisions_pending=int(pending or 0),
                workers=_workers.all_workers(conn),
            )


@dataclass(frozen=True)
class StoreFigures:
    """Deliveries and outbox entries per state, when the oldest unprocessed delivery arrived, how many decisions
    wait for a person, and the workers' heartbeats."""

    deliveries: dict[str, int]
    oldest_unprocessed: datetime | None
    outbox: dict[str, int]
    decisions_pending: int
    workers: list[WorkerBeat]


def describe(url: URL) -> str:
    """A database name fit for messages: the SQLite file, or the URL with its password hidden."""
    if url.get_backend_name() == "sqlite":
        return ":memory:" if is_memory_sqlite(url) else str(url.database)
    return url.render_as_string(hide_password=True)
