"""`weavesync log`: the sync log and conflict history as a table or JSON Lines, with filters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from weavesync.cli.log_cmd import parse_since
from weavesync.synclog import SyncLog

from .conftest import table_rows
from .sync_world import INC, ITEM, SyncWorld, make_world

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture()
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SyncWorld:
    made = make_world(tmp_path, monkeypatch)
    made.set_local("completed")
    assert made.invoke("sync").exit_code == 0
    return made


def lines(world: SyncWorld, *args: str) -> list[dict[str, object]]:
    result = world.invoke("log", "--jsonl", *args)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_json_lines_carry_the_contract_fields(world: SyncWorld) -> None:
    records = lines(world)
    assert records, "the push was logged"
    push = records[-1]
    assert list(push) == ["ts", "increment", "tracker", "item", "direction", "from", "to", "reason", "trigger",
                          "outcome", "attempt", "op", "error"]
    assert (push["increment"], push["item"], push["direction"], push["to"], push["outcome"], push["trigger"]) == (
        INC, ITEM, "push", "completed", "ok", "cli")
    assert str(push["ts"]).endswith("Z") and "completed" in str(push["reason"])


def test_filters(world: SyncWorld) -> None:
    assert lines(world, "--increment", "0042") == lines(world, "--increment", INC) != []
    assert lines(world, "--increment", "0043") == []
    assert lines(world, "--increment", "004") == [], "a number matches whole, not as a prefix"
    assert lines(world, "--tracker", "jira") == []
    assert lines(world, "--tracker", "github") == lines(world)
    assert lines(world, "--since", "1h") == lines(world)
    assert lines(world, "--since", "2999-01-01T00:00:00Z") == []


def test_since_is_compared_with_the_record_time(world: SyncWorld) -> None:
    log = SyncLog(world.root / ".specweave" / "logs")
    old = datetime.now(UTC) - timedelta(hours=3)
    log.record(ts=old, increment=INC, tracker="github", item=ITEM, direction="push", reason="an old push",
               trigger="cli", outcome="ok")
    assert any(r["reason"] == "an old push" for r in lines(world))
    assert not any(r["reason"] == "an old push" for r in lines(world, "--since", "2h"))
    assert any(r["reason"] == "an old push" for r in lines(world, "--since", "1d"))


def test_json_is_one_document_and_jsonl_one_record_per_line(world: SyncWorld) -> None:
    document = world.invoke("log", "--json")
    assert document.exit_code == 0
    data = json.loads(document.stdout)
    assert list(data) == ["records", "skipped"] and data["skipped"] == 0
    assert data["records"] == lines(world) and data["records"][0]["increment"] == INC
    both = world.invoke("log", "--json", "--jsonl")
    assert both.exit_code == 2 and json.loads(both.stdout)["error"]["code"] == "usage"


def test_table_and_empty_messages(world: SyncWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = world.invoke("log")
    assert table.exit_code == 0
    [row] = [r for r in table_rows(table.stdout) if r["Item"].endswith(ITEM)]
    assert row["Increment"] == INC and row["Dir"] == "push" and row["Outcome"].startswith("ok")
    assert world.invoke("log", "--conflicts").stdout.strip() == "no conflicts recorded"
    assert world.invoke("log", "--tracker", "ado").stdout.strip() == "no sync log records"


def test_a_bad_since_is_a_usage_error(world: SyncWorld) -> None:
    result = world.invoke("log", "--since", "yesterday")
    assert result.exit_code == 2 and "relative time" in result.stderr


@pytest.mark.parametrize(("text", "expected"), [
    ("30m", NOW - timedelta(minutes=30)),
    ("2h", NOW - timedelta(hours=2)),
    ("1d", NOW - timedelta(days=1)),
    (" 1W ", NOW - timedelta(weeks=1)),
    ("45s", NOW - timedelta(seconds=45)),
    ("2026-11-24T10:00:00Z", datetime(2026, 11, 24, 10, tzinfo=UTC)),
    ("2026-11-24T12:00:00+02:00", datetime(2026, 11, 24, 10, tzinfo=UTC)),
    ("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC)),
])
def test_parse_since(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize("text", ["", "2x", "h2", "-1h", "soon"])
def test_parse_since_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_since(text, NOW)
