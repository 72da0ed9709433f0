"""`weavesync sync`, `push`, `pull` and `plan` over the file-backed fake tracker: every exit code, the rows they
report, and that off a terminal nothing is ever chosen for a person."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from weavesync.model import parse_utc

from .sync_world import INC, ITEM, SyncWorld, fake, make_world


@pytest.fixture()
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SyncWorld:
    return make_world(tmp_path, monkeypatch)


def test_first_sync_records_the_base_and_then_plan_is_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    world = make_world(tmp_path, monkeypatch, synced=False)
    code, plan = world.json("plan")
    assert code == 4, "no base yet: sync would record one"
    assert [(c["action"], c["outcome"]) for c in plan["changes"]] == [("agree", "planned")]

    code, report = world.json("sync")
    assert code == 0 and report["exitCode"] == 0
    assert [(c["action"], c["outcome"], c["increment"], c["item"]) for c in report["changes"]] == [
        ("agree", "recorded", INC, ITEM)]
    assert world.tracker_state()["writes"] == []

    code, plan = world.json("plan")
    assert code == 0 and plan["changes"][0]["action"] == "none" and plan["inSync"] == 1


def test_plan_shows_the_push_per_field_and_writes_nothing(world: SyncWorld) -> None:
    world.set_local("completed")
    code, plan = world.json("plan")
    assert code == 4
    (push,) = [c for c in plan["changes"] if c["action"] == "push"]
    assert push["field"] == "state" and push["from"].startswith("open") and push["to"].startswith("closed")
    assert push["outcome"] == "planned"
    assert world.tracker_state()["writes"] == [] and world.item()["state"] == "open"

    text = world.invoke("plan")
    assert text.exit_code == 4 and "push" in text.stdout and "planned" in text.stdout


def test_local_completion_is_pushed_with_one_comment(world: SyncWorld) -> None:
    world.set_local("completed")
    code, report = world.json("sync")
    assert code == 0
    (push,) = [c for c in report["changes"] if c["action"] == "push"]
    assert push["outcome"] == "ok" and push["attempts"] == 1
    assert (world.item()["state"], world.item()["reason"]) == ("closed", "completed")
    assert len(world.tracker_state()["comments"][ITEM]) == 1
    assert world.json("plan")[0] == 0, "our own write is an echo, not a change"


def test_a_person_closing_the_item_is_stored_pending_off_a_terminal(world: SyncWorld) -> None:
    world.person_closes()
    result = world.invoke("sync")
    assert result.exit_code == 3
    assert "1 decision pending" in result.stdout and f"weavesync resolve {INC}" in result.stdout
    assert world.metadata()["status"] == "active", "nothing may be chosen silently off a terminal"

    code, report = world.json("sync")
    assert code == 3
    (pending,) = report["pending"]
    assert pending["increment"] == INC and pending["item"] == ITEM and pending["kind"] == "inbound"
    assert pending["choices"] == ["yes", "no", "custom", "skip"] and pending["proposed"] == "completed"
    assert pending["changedBy"] == "alice" and "alice" in pending["question"]
    assert pending["customChoices"] == ["backlog", "paused", "ready_for_review", "abandoned"]
    assert world.metadata()["status"] == "active"
    assert world.json("pending")[1]["pending"][0]["id"] == pending["id"], "asked once, stored once"
    assert world.json("plan")[0] == 3


def test_no_input_also_stores_the_decision(world: SyncWorld) -> None:
    world.person_closes()
    assert world.invoke("sync", "--no-input").exit_code == 3
    assert world.metadata()["status"] == "active"


def test_yes_applies_the_proposal(world: SyncWorld) -> None:
    world.person_closes(reason="not_planned")
    code, report = world.json("sync", "--yes")
    assert code == 0 and not report["pending"]
    (accept,) = [c for c in report["changes"] if c["action"] == "accept"]
    assert (accept["from"], accept["to"], accept["outcome"]) == ("active", "abandoned", "applied")
    assert world.metadata()["status"] == "abandoned"


def test_a_dead_write_exits_1_and_is_listed_then_retried(world: SyncWorld) -> None:
    world.set_local("paused")
    fake.fail_next(world.state, "auth")
    result = world.invoke("sync")
    assert result.exit_code == 1
    assert "dead" in result.stdout
    code, outbox = world.json("outbox")
    assert code == 0
    (entry,) = outbox["entries"]
    assert entry["state"] == "dead" and "Bad credentials" in entry["lastError"] and entry["status"] == "paused"

    code, retried = world.json("retry")
    assert code == 0 and retried["writes"] == [], "dead entries wait for --dead"
    code, retried = world.json("retry", "--dead")
    assert code == 0 and retried["revived"] == 1
    assert [w["outcome"] for w in retried["writes"]] == ["ok"] and retried["left"] == []
    assert world.item()["labels"] == ["paused"]
    assert world.json("outbox")[1]["entries"] == []


def test_failure_wins_over_pending(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = make_world(tmp_path, monkeypatch)
    second = world.root / ".specweave" / "increments" / "0043-search"
    second.mkdir()
    (second / "metadata.json").write_text(
        '{"id": "0043-search", "status": "active", "externalLinks": {"github": {"issueNumber": 2, '
        '"repo": "acme/shop"}}}')
    fake.put_item(world.state, "acme/shop#2")
    assert world.invoke("sync").exit_code == 0
    world.person_closes()
    fake.fail_next(world.state, "auth")
    meta = (second / "metadata.json").read_text().replace('"status": "active"', '"status": "paused"')
    (second / "metadata.json").write_text(meta)
    code, report = world.json("sync")
    assert report["pending"] and any(c["outcome"] == "dead" for c in report["changes"])
    assert code == 1 and report["exitCode"] == 1


def test_a_long_retry_after_is_rescheduled_not_lost(world: SyncWorld) -> None:
    world.set_local("paused")
    fake.fail_next(world.state, "busy", retry_after=3600)
    code, report = world.json("sync")
    assert code == 0
    assert [c["outcome"] for c in report["changes"] if c["action"] == "push"] == ["retrying"]
    (entry,) = world.json("outbox")[1]["entries"]
    assert entry["state"] == "retrying" and entry["attempts"] == 1 and "429" in entry["lastError"]
    assert parse_utc(entry["nextAttemptAt"]) - datetime.now(UTC) > timedelta(minutes=30)
    assert world.json("retry")[1]["writes"] == [], "not due yet"


def test_push_leaves_inbound_changes_and_pull_leaves_local_ones(world: SyncWorld) -> None:
    world.person_closes()
    code, report = world.json("push")
    assert code == 0 and report["direction"] == "push" and not report["pending"]
    assert world.metadata()["status"] == "active"
    assert world.json("pull")[0] == 3

    world.invoke("resolve", INC, "--decline")
    world.set_local("paused")
    code, report = world.json("pull")
    assert code == 0 and world.tracker_state()["writes"] == []
    assert world.json("push")[0] == 0
    assert world.item()["labels"] == ["paused"]


def test_a_conflict_is_settled_by_the_given_strategy_and_recorded(world: SyncWorld) -> None:
    world.set_local("paused")
    world.person_closes()
    code, report = world.json("sync", "--strategy", "specweave-wins")
    assert code == 0
    (conflict,) = [c for c in report["changes"] if c["action"] == "conflict"]
    assert conflict["strategy"] == "specweave-wins" and conflict["outcome"] == "specweave"
    assert world.metadata()["status"] == "paused" and world.item()["state"] == "open"
    history = world.invoke("log", "--conflicts", "--json")
    assert history.exit_code == 0 and '"specweave-wins"' in history.stdout


def test_a_conflict_under_prompt_waits_for_a_person(world: SyncWorld) -> None:
    world.set_local("paused")
    world.person_closes()
    code, report = world.json("sync")
    assert code == 3
    assert report["pending"][0]["kind"] == "conflict"
    assert report["pending"][0]["choices"] == ["yes", "no", "custom", "skip"]
    assert world.metadata()["status"] == "paused" and world.item()["state"] == "closed"


@pytest.mark.parametrize("args", [["sync", "9999"], ["sync", "--strategy", "coin-flip"], ["plan", "--bogus"]])
def test_usage_errors_exit_2(world: SyncWorld, args: list[str]) -> None:
    result = world.invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error:")


def test_a_config_error_exits_1_with_one_line(world: SyncWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    world.set_local("paused")
    monkeypatch.delenv("GITHUB_TOKEN")
    code, report = world.json("sync")
    assert code == 1
    assert any("GITHUB_TOKEN" in p for p in report["problems"]) or any(
        "GITHUB_TOKEN" in str(c["error"]) for c in report["changes"])


def test_sync_switched_off_in_config_does_nothing_and_says_so(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    world = make_world(tmp_path, monkeypatch)
    config = world.root / ".specweave" / "config.json"
    data = json.loads(config.read_text())
    data["sync"]["statusSync"] = {"enabled": False}
    config.write_text(json.dumps(data, indent=2))
    world.set_local("paused")
    result = world.invoke("sync")
    assert result.exit_code == 0 and "switched off" in result.output
    assert world.item()["labels"] != ["paused"], "nothing was pushed"
    code, out = world.json("sync")
    assert code == 0 and out["disabled"] is True
