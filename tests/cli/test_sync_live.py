"""`weavesync watch` and `weavesync serve` as child processes: they act, report, and stop cleanly on SIGINT."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from .sync_world import SyncWorld, make_world

GUARD_SECONDS = 60.0
"""Only a guard against a hung child; never a timed assertion."""


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def start(world: SyncWorld, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "weavesync", *args, "--project", str(world.root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=world.child_env())


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGINT) -> tuple[int, str, str]:
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=GUARD_SECONDS)
    return proc.returncode, out, err


@pytest.fixture()
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SyncWorld:
    return make_world(tmp_path, monkeypatch)


def test_watch_pushes_a_local_change_and_stops_on_sigint(world: SyncWorld) -> None:
    proc = start(world, "watch", "--poll-interval", "0")
    try:
        log = world.root / ".specweave" / "logs" / "weavesync-sync.jsonl"
        world.set_local("paused")
        wait_for(lambda: world.item()["labels"] == ["paused"], "the watcher to push the local change")
        wait_for(lambda: log.exists() and '"watch"' in log.read_text(), "the push to be logged")
    finally:
        code, out, err = stop(proc)
    assert code == 0, err
    assert "watching" in out and "weavesync watch stopped" in out
    assert "[watch] 0042-checkout github acme/shop#1: push" in out and " ok" in out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_answers_health_checks_and_stops_on_a_signal(world: SyncWorld, sig: int) -> None:
    port = free_port()
    proc = start(world, "serve", "--port", str(port), "--poll-interval", "0")

    def healthy() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"serve exited early: {proc.communicate()}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()["status"] == "ok"
        except httpx.HTTPError:
            return False

    try:
        wait_for(healthy, "the receiver to answer")
        refused = httpx.post(f"http://127.0.0.1:{port}/webhooks/github", content=b"{}",
                             headers={"content-type": "application/json"}, timeout=5)
        assert refused.status_code >= 400, "an unsigned delivery is refused"
    finally:
        code, out, err = stop(proc, sig)
    assert code == 0, err
    assert f"http://127.0.0.1:{port}/webhooks/" in out and "weavesync serve stopped" in out


def test_serve_register_without_a_webhook_secret_is_one_error_line(world: SyncWorld) -> None:
    proc = subprocess.run([sys.executable, "-m", "weavesync", "serve", "--register", "--port", str(free_port()),
                           "--project", str(world.root)], capture_output=True, text=True, env=world.child_env(),
                          timeout=GUARD_SECONDS, check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: no webhook secret for github")
