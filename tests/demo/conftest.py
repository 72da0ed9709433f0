"""Fixtures for the demo tests: one library run against a sandbox the test owns, and child-process helpers.

The library run passes its own `Sandbox` to `run_demo`, so the demo leaves it running and the tests can look at
what the trackers really hold afterwards (the sandbox's in-memory models and its HTTP API). Everything else runs
the demo as a user would, which starts and stops its own sandbox.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from weavesync.demo import DemoSummary, Event, plain_text, run_demo
from weavesync.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
URL = re.compile(r"sandbox (?:GitHub|Jira|Azure DevOps): (http://127\.0\.0\.1:\d+)")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
GUARD_SECONDS = 90.0
"""Only a guard against a hung child; the tests never assert on time."""


@dataclass
class LibraryRun:
    sandbox: Sandbox
    root: Path
    summary: DemoSummary
    events: list[Event] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(plain_text(e) for e in self.events)


@pytest.fixture(scope="module")
def library_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LibraryRun]:
    root = tmp_path_factory.mktemp("demo") / "shop"
    events: list[Event] = []
    with Sandbox(log_level="error") as box:
        summary = run_demo(events.append, directory=root, sandbox=box)
        yield LibraryRun(box, root, summary, events)


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a `python -m weavesync` child: this checkout's sources, no colour, no tracker tokens."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "GH_", "JIRA_", "AZURE_DEVOPS_", "WEAVESYNC_", "FORCE_COLOR"))}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def run_child(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m weavesync ARGS` with no terminal anywhere (stdin from /dev/null, output captured)."""
    return subprocess.run([sys.executable, "-m", "weavesync", *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=child_env(), timeout=GUARD_SECONDS, check=False)


def sandbox_urls(output: str) -> list[str]:
    return URL.findall(output)


def refuses(url: str) -> bool:
    """True when nothing listens at `url` any more."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


def statuses(root: Path) -> dict[str, str]:
    """Each increment's status as SpecWeave's own metadata.json holds it."""
    found: dict[str, str] = {}
    for path in sorted((root / ".specweave" / "increments").glob("*/metadata.json")):
        found[path.parent.name] = json.loads(path.read_text())["status"]
    return found


def log_records(root: Path) -> list[dict[str, object]]:
    path = root / ".specweave" / "logs" / "weavesync-sync.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]
