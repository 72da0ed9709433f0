"""`weavesync pending` and `weavesync resolve`: listing stored decisions and answering them with flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from .sync_world import INC, ITEM, SyncWorld, make_world


@pytest.fixture()
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SyncWorld:
    made = make_world(tmp_path, monkeypatch)
    made.person_closes()
    assert made.invoke("sync").exit_code == 3
    return made


def test_pending_lists_the_question_the_answers_and_who(world: SyncWorld) -> None:
    code, listed = world.json("pending")
    assert code == 0
    (row,) = listed["pending"]
    assert set(row) == {"id", "increment", "kind", "tracker", "item", "title", "url", "question", "choices",
                        "meanings", "customChoices", "proposed", "local", "external", "changedBy", "changedAt",
                        "createdAt"}
    assert row["meanings"]["yes"] == "mark increment 0042-checkout `completed`"
    assert row["meanings"]["no"].startswith("keep `active`")
    assert (row["tracker"], row["item"], row["local"], row["external"]) == ("github", ITEM, "active",
                                                                            "closed (completed)")
    assert row["url"] == "https://github.com/acme/shop/issues/1" and row["title"] == f"Issue {ITEM}"
    text = world.invoke("pending")
    assert text.exit_code == 0 and "alice" in text.stdout and "Mark" in text.stdout
    assert "--accept: mark increment" in text.stdout and "--decline: keep" in text.stdout
    assert "https://github.com" in text.stdout and "…" not in text.stdout, "long cells fold, never crop"


def test_pending_when_there_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clean = make_world(tmp_path, monkeypatch)
    assert clean.json("pending") == (0, {"pending": [], "keptApart": []})
    assert "no pending decisions" in clean.invoke("pending").stdout


def test_accept_applies_the_proposal_and_is_not_asked_again(world: SyncWorld) -> None:
    code, done = world.json("resolve", "0042", "--accept")
    assert code == 0 and done["increments"] == [INC]
    assert [(r["answer"], r["kind"]) for r in done["resolved"]] == [("yes", "inbound")]
    assert world.metadata()["status"] == "completed" and world.metadata()["readyForReviewAt"]
    assert world.json("pending")[1]["pending"] == []
    assert world.json("sync")[0] == 0


def test_decline_keeps_specweave_and_is_not_asked_again(world: SyncWorld) -> None:
    assert world.invoke("resolve", INC, "--decline").exit_code == 0
    assert world.metadata()["status"] == "active"
    assert world.json("sync")[0] == 0 and world.json("plan")[0] == 0
    assert world.item()["state"] == "closed", "declining does not reopen the item"


def test_custom_status_from_the_allowed_list(world: SyncWorld) -> None:
    code, done = world.json("resolve", INC, "--status", "paused")
    assert code == 0 and done["resolved"][0]["status"] == "paused"
    assert world.metadata()["status"] == "paused"
    assert world.json("sync")[0] == 0


def test_a_status_not_allowed_next_is_a_one_line_usage_error(world: SyncWorld) -> None:
    result = world.invoke("resolve", INC, "--status", "completed")
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first == "error: --status completed is not allowed from `active`; allowed: backlog, paused, " \
                    "ready_for_review, abandoned"
    assert world.json("pending")[1]["pending"], "nothing was applied"
    assert world.invoke("resolve", INC, "--status", "shipped").exit_code == 2


@pytest.mark.parametrize("args", [["--accept", "--decline"], ["--accept", "--status", "paused"], []])
def test_flags_must_be_exactly_one_off_a_terminal(world: SyncWorld, args: list[str]) -> None:
    result = world.invoke("resolve", INC, *args)
    assert result.exit_code == 2 and result.stderr.startswith("error:")
    assert world.metadata()["status"] == "active"


def test_link_selects_the_decision(world: SyncWorld) -> None:
    other = world.invoke("resolve", INC, "--accept", "--link", "github:acme/shop#9")
    assert other.exit_code == 1 and "no pending decision" in other.stderr
    assert world.invoke("resolve", INC, "--accept", "--link", f"github:{ITEM}").exit_code == 0
    assert world.metadata()["status"] == "completed"


def test_nothing_pending_is_an_error(world: SyncWorld) -> None:
    assert world.invoke("resolve", INC, "--decline").exit_code == 0
    again = world.invoke("resolve", INC, "--decline")
    assert again.exit_code == 1 and "hint: list them with `weavesync pending`" in again.stderr


def test_a_conflict_maps_accept_to_the_item_and_decline_to_specweave(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    world = make_world(tmp_path, monkeypatch)
    world.set_local("paused")
    world.person_closes()
    assert world.invoke("sync").exit_code == 3
    code, done = world.json("resolve", INC, "--decline")
    assert code == 0 and done["resolved"][0]["answer"] == "no"
    assert [w["outcome"] for w in done["writes"]] == ["ok"], "the push lands before resolve returns"
    assert world.item()["state"] == "open" and world.item()["labels"] == ["paused"]
    assert world.metadata()["status"] == "paused"
    history = world.invoke("log", "--conflicts", "--json").stdout
    assert '"outcome": "specweave"' in history and '"strategy": "prompt"' in history


def test_a_conflict_accepted_takes_the_items_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = make_world(tmp_path, monkeypatch)
    world.set_local("paused")
    world.person_closes()
    world.invoke("sync")
    code, done = world.json("resolve", INC, "--accept")
    assert code == 0 and done["resolved"][0]["answer"] == "yes"
    assert world.metadata()["status"] == "completed" and world.item()["state"] == "closed"
