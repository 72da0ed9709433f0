"""`python -m weavesync demo` on a pseudo-terminal: it asks step 2's questions, and the answers typed decide what
SpecWeave's files and the trackers hold afterwards.

The answers differ from the demo's own (yes, yes), so the test can tell that the person's answers were used:
the reopen of 0001 is declined, and the close of 0002 is answered with a custom status, `abandoned`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import ptyrun

from .conftest import GUARD_SECONDS, REPO, child_env, log_records, refuses, sandbox_urls, statuses

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")



def run_on_pty(answers: list[bytes], *args: str) -> tuple[int, str]:
    """Run the demo on a 200x50 terminal, typing one answer per prompt it shows."""
    return ptyrun.run_on_pty([sys.executable, "-m", "weavesync", *args], answers, env=child_env(TERM="xterm"),
                             cwd=REPO, size=(50, 200), guard=GUARD_SECONDS)


def test_a_person_answers_the_prompts(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    code, shown = run_on_pty([b"no\n", b"custom\n", b"abandoned\n"], "demo", "--dir", str(root))
    assert code == 0, shown
    assert "no terminal" not in shown, "a person is there: the demo does not answer for them"
    assert shown.count("Decision for increment") == 2
    assert "Mark increment 0001-guest-checkout as `active`?" in shown
    assert "Mark increment 0002-wishlist as `completed`?" in shown
    final = statuses(root)
    assert final["0001-guest-checkout"] == "completed", "the reopen was declined"
    assert final["0002-wishlist"] == "abandoned", "the custom answer"
    records = log_records(root)
    assert any(r["outcome"] == "declined" and r["increment"] == "0001-guest-checkout" for r in records)
    assert any(r["direction"] == "push" and r["increment"] == "0002-wishlist" and r["to"] == "abandoned"
               and r["tracker"] == "ado" and r["outcome"] == "ok" for r in records)
    # What the trackers held at the end, as the demo read them back and printed them.
    rows = {line.split("│")[1].strip(): line for line in shown.splitlines() if line.count("│") >= 5}
    assert "acme/shop#" in rows["0001-guest-checkout"] and "closed (completed)" in rows["0001-guest-checkout"]
    assert "In Progress" in rows["0001-guest-checkout"], "declining never reopens or closes anything by itself"
    assert "Removed" in rows["0002-wishlist"], "ADO follows the custom status"
    assert all(refuses(url) for url in sandbox_urls(shown))
