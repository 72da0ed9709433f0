"""Worker heartbeats: which long-running processes (`serve`) share this store, and when each was last heard of.

A worker calls `beat` when it starts and then every few seconds; `forget` when it stops cleanly. A row whose
`seen_at` is older than a few heartbeats is a worker that died without saying so: `weavesync doctor` and
``/healthz`` report it, and the claims it held are taken over when their leases end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from weavesync.store.dialect import insert_ignore
from weavesync.store.schema import workers

HEARTBEAT_SECONDS = 5.0
"""How often a `serve` worker records that it is alive."""

STALE_AFTER = 6 * HEARTBEAT_SECONDS
"""A worker not heard of for this long is reported as stopped (`/healthz`, `weavesync doctor`)."""


@dataclass(frozen=True)
class WorkerBeat:
    worker: str
    role: str
    started_at: datetime
    seen_at: datetime

    def alive(self, now: datetime, *, within: float) -> bool:
        """Heard of less than `within` seconds before `now`."""
        return (now - self.seen_at).total_seconds() < within


def beat(conn: Connection, worker: str, *, role: str, now: datetime) -> None:
    if not insert_ignore(conn, workers, {"worker": worker, "role": role, "started_at": now, "seen_at": now},
                         keys=["worker"]):
        conn.execute(update(workers).where(workers.c.worker == worker).values(seen_at=now))


def forget(conn: Connection, worker: str) -> None:
    conn.execute(delete(workers).where(workers.c.worker == worker))


def all_workers(conn: Connection) -> list[WorkerBeat]:
    rows = conn.execute(select(workers).order_by(workers.c.started_at, workers.c.worker))
    return [WorkerBeat(r.worker, r.role, r.started_at, r.seen_at) for r in rows]


def prune(conn: Connection, *, before: datetime) -> int:
    """Forget workers not heard of since `before` (killed long ago, never restarted)."""
    return int(conn.execute(delete(workers).where(workers.c.seen_at < before)).rowcount)
