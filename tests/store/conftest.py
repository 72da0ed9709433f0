"""Fixtures for the store tests: a fresh database per test.

By default each test gets its own SQLite file under tmp_path. Set WEAVESYNC_TEST_DATABASE_URL (for example
``postgresql+psycopg://weavesync@127.0.0.1/weavesync_test``) to run the same tests on another database; the
weavesync tables there are dropped before each test. Tests about SQLite files themselves use `sqlite_only`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from weavesync.store import Store, open_store
from weavesync.store.schema import metadata

TEST_URL_ENV = "WEAVESYNC_TEST_DATABASE_URL"


@pytest.fixture(autouse=True)
def _no_ambient_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """A WEAVESYNC_DATABASE_URL in the developer's shell must not redirect the tests."""
    monkeypatch.delenv("WEAVESYNC_DATABASE_URL", raising=False)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    external = os.environ.get(TEST_URL_ENV)
    if external:
        engine = create_engine(external)
        try:
            metadata.drop_all(engine)
        finally:
            engine.dispose()
        return external
    (tmp_path / "state").mkdir(exist_ok=True)
    return URL.create("sqlite", database=str(tmp_path / "state" / "weavesync.db")).render_as_string()


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "state", db_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def sqlite_only() -> None:
    if os.environ.get(TEST_URL_ENV):
        pytest.skip("about SQLite files; runs only on the default SQLite store")
