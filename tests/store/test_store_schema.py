"""Opening the store: migrations, refusal of newer schemas, corrupt files, SQLite settings, time columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, insert, inspect, text, update
from sqlalchemy.engine import URL
from store_helpers import T0, put

import weavesync.store
from weavesync.errors import StoreError
from weavesync.store import SCHEMA_VERSION, Store, migrations, open_store
from weavesync.store.schema import metadata, schema_meta


def _version(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT version FROM schema_meta WHERE key = 'schema'")).scalar_one())
    finally:
        engine.dispose()


def test_migrates_an_empty_database_to_the_current_schema(store: Store, db_url: str) -> None:
    assert store.schema_version == SCHEMA_VERSION
    assert _version(db_url) == SCHEMA_VERSION
    engine = create_engine(db_url)
    try:
        inspector = inspect(engine)
        for table in metadata.sorted_tables:
            found = {c["name"] for c in inspector.get_columns(table.name)}
            assert found == {c.name for c in table.columns}, table.name
    finally:
        engine.dispose()


def test_reopening_keeps_data_and_version(store: Store, db_url: str, tmp_path: Path) -> None:
    entry = put(store, 1, "closed")
    store.close()
    with open_store(tmp_path / "state", db_url) as again:
        assert again.schema_version == SCHEMA_VERSION
        assert [e.id for e in again.outbox()] == [entry.id]
    assert _version(db_url) == SCHEMA_VERSION


def test_refuses_a_database_from_a_newer_weavesync(store: Store, db_url: str, tmp_path: Path) -> None:
    store.close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(update(schema_meta).values(version=SCHEMA_VERSION + 1))
    engine.dispose()
    with pytest.raises(StoreError) as caught:
        open_store(tmp_path / "state", db_url)
    assert str(SCHEMA_VERSION + 1) in str(caught.value)
    assert caught.value.hint is not None


def test_a_failing_migration_leaves_the_previous_version(
    store: Store, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each migration runs in its own transaction with its version bump: a crash mid-way changes nothing."""
    store.close()

    def broken(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("simulated failure inside migration 2")

    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, broken))
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(RuntimeError):
        open_store(tmp_path / "state", db_url)
    assert _version(db_url) == SCHEMA_VERSION
    engine = create_engine(db_url)
    try:
        assert "half_done" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_a_corrupt_file_is_reported_by_name(tmp_path: Path, sqlite_only: None) -> None:
    state = tmp_path / "state"
    state.mkdir()
    bad = state / "weavesync.db"
    bad.write_bytes(b"this is not a database, just some bytes " * 200)
    with pytest.raises(StoreError) as caught:
        open_store(state)
    assert str(bad) in str(caught.value)


def test_default_location_is_a_sqlite_file_in_the_state_folder(tmp_path: Path, sqlite_only: None) -> None:
    state = tmp_path / "not" / "yet" / "there"
    with open_store(state) as opened:
        assert opened.where == str(state / "weavesync.db")
        put(opened, 1, "closed")
    assert (state / "weavesync.db").is_file()


def test_environment_url_is_used_when_no_url_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_only: None
) -> None:
    elsewhere = tmp_path / "elsewhere.db"
    monkeypatch.setenv("WEAVESYNC_DATABASE_URL", URL.create("sqlite", database=str(elsewhere)).render_as_string())
    with open_store(tmp_path / "state") as opened:
        assert opened.where == str(elsewhere)
    assert elsewhere.is_file()
    assert not (tmp_path / "state").exists()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(store: Store, sqlite_only: None) -> None:
    with store.transaction() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() > 0


def test_passwords_never_appear_in_the_store_description() -> None:
    url = URL.create("postgresql", username="ws", password="hunter2", host="db", database="ws")
    assert "hunter2" not in weavesync.store.store.describe(url)


def test_times_come_back_as_aware_utc(store: Store) -> None:
    from datetime import timedelta, timezone

    local_noon = T0.astimezone(timezone(timedelta(hours=5)))
    entry = put(store, 1, "closed", now=local_noon)
    (stored,) = store.outbox()
    assert stored.created_at == T0
    assert stored.created_at.utcoffset() == timedelta(0)
    assert entry.next_attempt_at == T0


def test_naive_datetimes_are_refused(store: Store) -> None:
    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError):
        put(store, 1, "closed", now=T0.replace(tzinfo=None))
    assert store.outbox() == []


def test_public_names() -> None:
    assert set(weavesync.store.__all__) >= {"Store", "open_store", "OutboxEntry", "Decision", "DeliveryRecord"}
    for name in weavesync.store.__all__:
        assert getattr(weavesync.store, name) is not None


def test_an_in_memory_database_works_for_quick_tools(tmp_path: Path, sqlite_only: None) -> None:
    with open_store(tmp_path, "sqlite://") as memory:
        put(memory, 1, "closed")
        assert [e.state for e in memory.outbox()] == ["pending"]
    assert list(tmp_path.iterdir()) == []


def test_an_invalid_url_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        open_store(tmp_path, "not a url at all")


def test_a_version_1_database_gets_the_delivery_states_and_keeps_its_deliveries(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as old:
        old.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
        old.setattr(migrations, "SCHEMA_VERSION", 1)
        open_store(tmp_path / "state", db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:  # rows as version 1 stored them
        row = {"headers": {}, "body": b"{}", "received_at": T0}
        conn.execute(insert(migrations._DELIVERIES_V1), [
            {**row, "tracker": "github", "delivery_id": "done", "processed_at": T0, "outcome": "ok"},
            {**row, "tracker": "ado", "delivery_id": "waiting", "processed_at": None, "outcome": None}])
    engine.dispose()
    assert _version(db_url) == 1
    with open_store(tmp_path / "state", db_url) as upgraded:
        [waiting] = upgraded.unprocessed_deliveries()
        assert (waiting.delivery_id, waiting.state, waiting.attempts, waiting.error) == ("waiting", "received", 0, None)
        assert upgraded.last_deliveries() == {"github": T0, "ado": T0}
        assert upgraded.start_delivery_attempt(waiting.id) == 1
        upgraded.set_aside_delivery(waiting.id, error="KeyError:\n 'fields'", now=T0)
        [poison] = upgraded.set_aside_deliveries()
        assert (poison.delivery_id, poison.state, poison.error) == ("waiting", "poison", "KeyError: 'fields'")
        assert upgraded.unprocessed_deliveries() == []
    assert _version(db_url) == SCHEMA_VERSION == 3
