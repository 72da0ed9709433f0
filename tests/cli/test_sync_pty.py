"""`python -m weavesync sync` on a pseudo-terminal (AC-US4-02 prompts): a person closed the linked item, the
command asks, and the answer typed on the terminal decides what ends up in metadata.json.

The child process reaches the file-backed fake tracker through `sync_plugin/sitecustomize.py` on its PYTHONPATH.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import ptyrun

from .sync_world import INC, SyncWorld, make_world

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")



def run_on_pty(world: SyncWorld, answers: list[bytes], *args: str) -> tuple[int, str]:
    """Run the CLI on a 120x40 terminal, typing one answer per prompt it shows."""
    return ptyrun.run_on_pty([sys.executable, "-m", "weavesync", *args, "--project", str(world.root)], answers,
                             env=world.child_env())


@pytest.fixture()
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SyncWorld:
    made = make_world(tmp_path, monkeypatch)
    made.person_closes(by="alice")
    return made


def test_yes_marks_the_increment_completed(world: SyncWorld) -> None:
    code, shown = run_on_pty(world, [b"yes\n"], "sync")
    assert code == 0, shown
    for fact in ("Decision for increment 0042-checkout", "GitHub acme/shop#1", "https://github.com/acme/shop/issues/1",
                 "by alice at", "SpecWeave `active`", "closed (completed)", "Answer [yes/no/custom/skip]"):
        assert fact in shown, fact
    meta = world.metadata()
    assert meta["status"] == "completed" and meta["readyForReviewAt"]
    assert world.json("pending")[1]["pending"] == []


def test_no_keeps_active_and_is_not_asked_again(world: SyncWorld) -> None:
    code, shown = run_on_pty(world, [b"no\n"], "sync")
    assert code == 0, shown
    assert world.metadata()["status"] == "active"
    assert world.json("sync")[0] == 0, "the declined change is part of the base now"


def test_custom_offers_only_the_allowed_statuses(world: SyncWorld) -> None:
    code, shown = run_on_pty(world, [b"custom\n", b"completed\n", b"2\n"], "sync")
    assert code == 0, shown
    assert "1) backlog  2) paused  3) ready_for_review  4) abandoned" in shown
    assert "Please choose one of" in shown, "a status not allowed from `active` is asked again"
    assert world.metadata()["status"] == "paused"


def test_end_of_input_leaves_the_decision_pending(world: SyncWorld) -> None:
    code, shown = run_on_pty(world, [b"\x04"], "sync")
    assert code == 3, shown
    assert world.metadata()["status"] == "active"
    assert len(world.json("pending")[1]["pending"]) == 1


def test_no_input_on_a_terminal_does_not_ask(world: SyncWorld) -> None:
    code, shown = run_on_pty(world, [], "sync", "--no-input")
    assert code == 3 and "Answer [" not in shown
    assert world.metadata()["status"] == "active"
    assert INC in shown
