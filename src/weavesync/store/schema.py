"""The store's tables (SQLAlchemy Core) and the schema version this code knows.

These definitions are the shape of the newest schema version; `migrations.py` builds it step by step (version 1
created every table, version 2 added the delivery `state`, `attempts` and `error` columns, version 3 the delivery
claims (`claimed_by`, `lease_expires_at`) and the `workers` table). To change a table
later: edit it here AND append a migration that alters existing databases; earlier migrations keep creating
the old shape (they hold copies of the old definitions), otherwise an upgrade would try to add a column that
migration 1 already created and fail loudly.

Every time is UTC (`UTCDateTime`); every structured value is JSON.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from weavesync.store.sqltypes import IdType, JsonType, UTCDateTime

metadata = MetaData()

OUTBOX_STATES = ("pending", "in_flight", "retrying", "done", "dead", "superseded")
DECISION_KINDS = ("inbound", "conflict", "confirm")
DECISION_STATES = ("pending", "resolved", "superseded")
DELIVERY_STATES = ("received", "processed", "poison")
"""``poison``: set aside with its `error`, because processing it failed (or kept failing): never retried on its
own, so one bad delivery never blocks the next ones (sync-semantics.md §8)."""

schema_meta = Table(
    "schema_meta",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("op_id", String(64), nullable=False, unique=True),
    Column("link_key", String(512), nullable=False),
    Column("increment", String(255), nullable=False),
    Column("tracker", String(32), nullable=False),
    Column("item", String(400), nullable=False),
    Column("desired", JsonType, nullable=False),
    Column("reason", Text, nullable=False),
    Column("trigger", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claims", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("claimed_by", String(200), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("receipt", JsonType, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(f"state IN {OUTBOX_STATES!r}", name="ck_outbox_state"),
    Index("ix_outbox_link", "link_key", "id"),
    Index("ix_outbox_due", "state", "next_attempt_at"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("increment", String(255), nullable=False),
    Column("link_key", String(512), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("observed_version", String(200), nullable=True),
    Column("payload", JsonType, nullable=False),
    Column("state", String(16), nullable=False),
    Column("outcome", String(200), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
    CheckConstraint(f"kind IN {DECISION_KINDS!r}", name="ck_decisions_kind"),
    CheckConstraint(f"state IN {DECISION_STATES!r}", name="ck_decisions_state"),
    Index("ix_decisions_link", "link_key", "state"),
    Index("ix_decisions_increment", "increment", "state"),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("increment", String(255), nullable=False),
    Column("link_key", String(512), nullable=False),
    Column("local", JsonType, nullable=False),
    Column("external", JsonType, nullable=False),
    Column("strategy", String(64), nullable=False),
    Column("outcome", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_conflicts_increment", "increment", "id"),
)

receipts = Table(
    "receipts",
    metadata,
    Column("link_key", String(512), primary_key=True),
    Column("version", String(200), nullable=False),
    Column("state", JsonType, nullable=False),
    Column("op_id", String(64), nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
)

cursors = Table(
    "cursors",
    metadata,
    Column("tracker", String(32), primary_key=True),
    Column("place", String(400), primary_key=True),
    Column("cursor", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("tracker", String(32), nullable=False),
    Column("delivery_id", String(200), nullable=False),
    Column("headers", JsonType, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("processed_at", UTCDateTime, nullable=True),
    Column("outcome", String(200), nullable=True),
    Column("state", String(16), nullable=False, default="received", server_default="received"),
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("error", Text, nullable=True),
    Column("claimed_by", String(200), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    UniqueConstraint("tracker", "delivery_id", name="uq_deliveries_tracker_delivery"),
    Index("ix_deliveries_unprocessed", "processed_at", "id"),
)

workers = Table(
    "workers",
    metadata,
    Column("worker", String(200), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
)
"""The long-running processes (`serve`) sharing this store, each refreshing `seen_at` while it runs; a row whose
`seen_at` is old is a worker that stopped without saying so (killed, or its host gone). A clean stop deletes it."""
