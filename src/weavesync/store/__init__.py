"""weavesync's durable state: the outbox, pending decisions, conflict history, receipts, poll cursors and
webhook deliveries, in one database (SQLite by default, PostgreSQL for teams) behind `Store`.

The store knows nothing about trackers, the engine, the CLI or the web receiver; they all build on it.
"""

from weavesync.store.migrations import SCHEMA_VERSION
from weavesync.store.records import Decision, DeliveryRecord, OutboxEntry
from weavesync.store.store import DATABASE_URL_ENV, Store, open_store

__all__ = [
    "DATABASE_URL_ENV",
    "SCHEMA_VERSION",
    "Decision",
    "DeliveryRecord",
    "OutboxEntry",
    "Store",
    "open_store",
]
