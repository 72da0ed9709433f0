"""Shared by every test folder: `tests/` itself is on the import path, so helpers such as `ptyrun` import plainly.

The state store. Every test starts without a WEAVESYNC_DATABASE_URL from the developer's shell, so each project
uses its own SQLite file. The tests of the parts that talk to the store (`STORE_PARTS`) run twice: once on SQLite
and once on PostgreSQL, each PostgreSQL run in a schema of its own (created before the test, dropped after it)
of the database named by WEAVESYNC_TEST_DATABASE_URL, for example
``postgresql+psycopg://weavesync:PASSWORD@127.0.0.1/weavesync_test``; `.ci/run` starts one. Without that variable
only the SQLite runs are collected and `test_postgresql.py` reports, as one skip, that the PostgreSQL runs were
left out; with it, a database that cannot be reached fails them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pg_databases import STORE_PARTS, TEST_URL_ENV, pg_schema, postgresql_base_url

DATABASE_URL_ENV = "WEAVESYNC_DATABASE_URL"
BACKENDS = ("sqlite", "postgresql")

_TESTS = Path(__file__).resolve().parent


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_backend" not in metafunc.fixturenames:
        return
    parts = Path(metafunc.definition.path).resolve().relative_to(_TESTS).parts
    if parts and parts[0] in STORE_PARTS:
        # Without a PostgreSQL URL only the SQLite runs are collected; tests/test_postgresql.py says what is left out.
        chosen = BACKENDS if os.environ.get(TEST_URL_ENV) else BACKENDS[:1]
        metafunc.parametrize("database_backend", chosen, indirect=True)


@pytest.fixture
def database_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``: the database this run of the test uses."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(autouse=True)
def database_url(database_backend: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """None on SQLite (each project keeps its own file); on PostgreSQL, the URL of a fresh schema, also set as
    WEAVESYNC_DATABASE_URL so every store the test opens (and every process it starts) uses it."""
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    if database_backend == "sqlite":
        yield None
        return
    with pg_schema(postgresql_base_url()) as url:
        monkeypatch.setenv(DATABASE_URL_ENV, url)
        yield url


@pytest.fixture
def pg_only(database_backend: str) -> None:
    """For tests about sharing one PostgreSQL store (row locks, several processes)."""
    if database_backend != "postgresql":
        pytest.skip("about a shared PostgreSQL store; runs only in the PostgreSQL run")
