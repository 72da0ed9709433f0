"""The PostgreSQL runs (tests/conftest.py) are either collected or reported as skipped, never silently absent."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from pg_databases import pg_schema, postgresql_base_url


def test_postgresql_runs_are_configured() -> None:
    """Skipped, saying how to turn them on, when WEAVESYNC_TEST_DATABASE_URL is unset; with it, the database must
    be a reachable PostgreSQL where the tests can create and drop schemas."""
    with pg_schema(postgresql_base_url()) as url:
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                assert conn.dialect.name == "postgresql"
                conn.execute(text("CREATE TABLE probe (n INTEGER)"))
                assert conn.scalar(text("SELECT count(*) FROM probe")) == 0
        finally:
            engine.dispose()
