"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no time-zone-aware timestamp: ``DateTime(timezone=True)`` comes back naive there. The store keeps
every time in UTC and hands back aware UTC datetimes on every dialect, so the engine can compare them with
``now`` without caring where they came from. Naive datetimes are refused on the way in: a naive value would be
silently read as UTC, which hides a bug in the caller.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

JsonType: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")
"""JSON everywhere, JSONB on PostgreSQL (indexable, compact)."""

IdType: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit ids; on SQLite an INTEGER primary key so it aliases the rowid and autoincrements."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("weavesync.store needs aware datetimes (UTC); got a naive one")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # Stored as text: one fixed UTC form keeps string comparison equal to time comparison.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
