"""The PostgreSQL database of the test suite's PostgreSQL runs (tests/conftest.py): a schema per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

TEST_URL_ENV = "WEAVESYNC_TEST_DATABASE_URL"
STORE_PARTS = ("store", "executor", "web", "e2e")
"""Folders under tests/ whose tests also run on PostgreSQL."""

SKIPPED_WITHOUT_URL = (f"the PostgreSQL runs of the tests in tests/{{{','.join(STORE_PARTS)}}} are skipped: set "
                       f"{TEST_URL_ENV} to a PostgreSQL database URL to run them (.ci/run starts one)")


def postgresql_base_url() -> str:
    """The PostgreSQL database the tests may use; skips the test (saying why) when none is configured."""
    base = os.environ.get(TEST_URL_ENV)
    if not base:
        pytest.skip(SKIPPED_WITHOUT_URL)
    return base


@contextmanager
def pg_schema(base: str) -> Iterator[str]:
    """A new schema in the PostgreSQL database at `base`: yields `base` pointed at it, drops it (tables and all)
    afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    base_url = make_url(base)
    engine = create_engine(base_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        try:
            yield base_url.update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(hide_password=False)
        finally:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    finally:
        engine.dispose()
