"""`python -m weavesync sync` on a pseudo-terminal (AC-US4-02 prompts): a person closed the linked item, the
command asks, and the answer typed on the terminal decides what ends up in metadata.json.

The child process reaches the file-backed fake tracker through `sync_plugin/sitecustomize.py` on its PYTHONPATH.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from .sync_world import INC, SyncWorld, make_world

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

PROMPTS = (b"Answer [", b"Which status? ")
GUARD_SECONDS = 60.0
"""Only a guard against a hung child (the test then fails with the output so far); never a timed assertion."""


def run_on_pty(world: SyncWorld, answers: list[bytes], *args: str) -> tuple[int, str]:
    """Run the CLI with a terminal on stdin/stdout/stderr, typing one answer per prompt it shows."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a 120x40 terminal
    proc = subprocess.Popen([sys.executable, "-m", "weavesync", *args, "--project", str(world.root)],
                            stdin=slave, stdout=slave, stderr=slave, env=world.child_env(), close_fds=True,
                            start_new_session=True)
    os.close(slave)
    output = b""
    typed = 0
    deadline = time.monotonic() + GUARD_SECONDS
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            shown = sum(output.count(p) for p in PROMPTS)
            if typed < len(answers) and shown > typed:
                os.write(master, answers[typed])
                typed += 1
            elif proc.poll() is not None and not ready:
                break
        else:
            proc.kill()
            pytest.fail(f"the child did not finish; output so far:\n{output.decode(errors='replace')}")
        code = proc.wait(timeout=GUARD_SECONDS)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return code, output.decode(errors="replace").replace("\r\n", "\n")


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
