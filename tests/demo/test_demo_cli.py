"""`weavesync demo` as a new user runs it without a terminal: in-process (CliRunner) and as a child process.

Each run starts and stops its own sandbox; afterwards its ports must refuse connections and no sandbox thread
may be left.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from click.testing import CliRunner

from weavesync.cli.main import cli
from weavesync.demo import RESOLVE_ALL

from .conftest import log_records, refuses, run_child, sandbox_urls, statuses

KEY_LINES = (
    "Step 1: An increment is completed in SpecWeave; its three items follow",
    "GitHub acme/shop#",
    "transition In Review → Done, resolution Done",
    "Step 2: A person reopens and closes items",
    "exit 3: 2 decisions pending",
    "$ weavesync pending",
    f"$ {RESOLVE_ALL}",
    "Step 3: A tracker fails with 503 and 429",
    "the close landed once",
    "Step 4: Both sides change at once: `last-write-wins` decides",
    "conflict resolved by last-write-wins",
    "Step 5: The sync log",
    "Where everything stands",
)
FINAL = {"0001-guest-checkout": "active", "0002-wishlist": "completed", "0003-search": "completed",
         "0004-payments": "paused"}


def sandbox_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "weavesync-sandbox"]


def test_in_process_without_a_terminal() -> None:
    before = set(threading.enumerate())
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    for line in KEY_LINES:
        assert line in result.output, line
    assert "answering yes for you" not in result.output, "off a terminal nothing is answered on anyone's behalf"
    assert "Demo finished in " in result.output and "the temporary project is removed" in result.output
    urls = sandbox_urls(result.output)
    assert len(urls) == 3
    assert all(refuses(url) for url in urls), "the sandbox ports are closed"
    # Other test modules may keep their own session sandboxes running: only the demo's must be gone.
    assert not [t for t in sandbox_threads() if t not in before], "the demo's sandbox thread is stopped"
    assert not [t for t in set(threading.enumerate()) - before if not t.daemon], "no thread left behind"
    project = result.output.split("project: ", 1)[1].split(" (", 1)[0]
    assert not Path(project).exists(), "the temporary project is removed"


def test_json_with_dir_keeps_the_project(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    result = CliRunner().invoke(cli, ["demo", "--dir", str(root), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    summary = data["summary"]
    assert summary["root"] == str(root) and summary["kept"] is True and summary["interactive"] is False
    assert summary["statuses"] == FINAL == statuses(root)
    assert summary["retry"]["successful_writes"] == 1 and summary["retry"]["refused"] == {"503": 2, "429": 1}
    assert summary["conflict"]["strategy"] == "last-write-wins"
    assert summary["log_records"] == len(log_records(root))
    kinds = [e["kind"] for e in data["events"]]
    assert kinds.count("heading") == 6 and "table" in kinds
    assert all(refuses(url) for url in summary["urls"].values())


def test_dir_that_already_holds_a_project_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".specweave").mkdir()
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "already holds a .specweave folder" in result.output
    assert list((tmp_path / ".specweave").iterdir()) == [], "nothing written into a real project"


def test_child_process_without_a_terminal(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    done = run_child("demo", "--dir", str(root))
    assert done.returncode == 0, done.stderr
    for line in KEY_LINES:
        assert line in done.stdout, line
    assert done.stderr == "", "nothing on stderr (no stray retry warnings or server logs)"
    assert f"the project is kept in {root}" in done.stdout
    assert statuses(root) == FINAL
    outcomes = [r["outcome"] for r in log_records(root)]
    assert outcomes.count("retrying") == 3
    # The person's two changes were stored as pending first (what `sync` does off a terminal), then accepted.
    pulls = [(r["increment"], r["outcome"]) for r in log_records(root) if r["direction"] == "pull"]
    assert [o for _inc, o in pulls] == ["pending", "pending", "ok", "ok"], pulls
    assert all(refuses(url) for url in sandbox_urls(done.stdout))


def test_interactive_without_answers_leaves_the_decisions_pending(tmp_path: Path) -> None:
    """`--interactive` with nobody typing (end of input): nothing is decided for the person, and the demo still
    finishes."""
    root = tmp_path / "shop"
    result = CliRunner().invoke(cli, ["demo", "--interactive", "--dir", str(root)], input="")
    assert result.exit_code == 0, result.output
    assert RESOLVE_ALL not in result.output
    assert result.output.count("no answer: the decision stays pending") == 2
    assert result.output.count("pending: ") == 2
    assert statuses(root)["0001-guest-checkout"] == "completed" and statuses(root)["0002-wishlist"] == "active"
