"""Fixtures for the store tests: a fresh database per test.

Each test runs on its own SQLite file under tmp_path, and again on PostgreSQL in a schema of its own when
WEAVESYNC_TEST_DATABASE_URL is set (tests/conftest.py: `database_url`). Tests about SQLite files themselves use
`sqlite_only`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from weavesync.store import Store, open_store


@pytest.fixture
def db_url(tmp_path: Path, database_url: str | None) -> str:
    (tmp_path / "state").mkdir(exist_ok=True)
    if database_url:
        return database_url
    return URL.create("sqlite", database=str(tmp_path / "state" / "weavesync.db")).render_as_string()


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "state", db_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def sqlite_only(database_backend: str) -> None:
    if database_backend != "sqlite":
        pytest.skip("about SQLite files; runs only on the default SQLite store")
