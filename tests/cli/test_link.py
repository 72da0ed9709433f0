"""`weavesync link` / `unlink`: round trips through metadata.json in SpecWeave 1.0.x's externalLinks shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from weavesync import exitcodes
from weavesync.cli.targets import ACCEPTED_FORMS

from .conftest import Invoke

CHECKOUT = Path(".specweave/increments/0002-checkout/metadata.json")


def _read(path: Path) -> tuple[bytes, dict[str, Any]]:
    raw = path.read_bytes()
    return raw, json.loads(raw)


def test_link_then_unlink_round_trip(invoke: Invoke, project: Path) -> None:
    path = project / CHECKOUT
    _before_raw, before = _read(path)

    linked = invoke("link", "0002", "github:acme/shop#7", "--project", str(project))
    assert linked.exit_code == exitcodes.OK, linked.stderr
    assert "linked 0002-checkout to github acme/shop#7" in linked.stdout
    raw, after = _read(path)
    assert after["externalLinks"]["github"]["issueNumber"] == 7
    assert after["externalLinks"]["github"]["repo"] == "acme/shop"
    assert list(after)[: len(before)] == list(before)
    assert {k: v for k, v in after.items() if k != "externalLinks"} == before
    assert raw.startswith(b'{\n  "id": ') and not raw.endswith(b"\n")

    data = json.loads(invoke("status", "--project", str(project), "--json").stdout)
    [row] = [r for r in data["increments"] if r["id"] == "0002-checkout"]
    assert sorted((link["tracker"], link["item"]) for link in row["links"]) == [
        ("github", "acme/shop#7"), ("jira", "CORE-7")]

    unlinked = invoke("unlink", "0002-checkout", "github:acme/shop#7", "--project", str(project))
    assert unlinked.exit_code == exitcodes.OK, unlinked.stderr
    assert "unlinked 0002-checkout" in unlinked.stdout
    raw_back, back = _read(path)
    assert "github" not in back.get("externalLinks", {})
    assert {k: v for k, v in back.items() if k != "externalLinks"} == before
    assert [k for k in back if k != "externalLinks"] == list(before)
    assert raw_back.startswith(b'{\n  "id": ') and not raw_back.endswith(b"\n")


def test_linking_twice_is_a_noop_that_says_so(invoke: Invoke, project: Path) -> None:
    path = project / CHECKOUT
    before = path.read_bytes()
    again = invoke("link", "0002", "jira:CORE-7", "--project", str(project), "--json")
    assert again.exit_code == exitcodes.OK
    assert json.loads(again.stdout)["action"] == "unchanged"
    assert path.read_bytes() == before
    text = invoke("link", "0002", "jira:CORE-7", "--project", str(project))
    assert "already linked" in text.stdout


def test_unlinking_an_unknown_link_is_an_error(invoke: Invoke, project: Path) -> None:
    path = project / CHECKOUT
    before = path.read_bytes()
    result = invoke("unlink", "0002", "github:acme/shop#999", "--project", str(project))
    assert result.exit_code == exitcodes.ERROR
    lines = result.stderr.splitlines()
    assert lines[0] == "error: 0002-checkout is not linked to github acme/shop#999"
    assert lines[1] == "hint: its links: jira:CORE-7"
    assert path.read_bytes() == before


@pytest.mark.parametrize("target", ["acme/shop#7", "github:acme/shop", "jira:core7", "ado:acme/Shop",
                                    "trello:abc"])
def test_malformed_target_is_a_usage_error(invoke: Invoke, project: Path, target: str) -> None:
    before = (project / CHECKOUT).read_bytes()
    for command in ("link", "unlink"):
        result = invoke(command, "0002", target, "--project", str(project))
        assert result.exit_code == exitcodes.USAGE
        first = result.stderr.splitlines()[0]
        assert first.startswith("error: invalid TARGET") and ACCEPTED_FORMS in first
        assert "Traceback" not in result.stderr
    assert (project / CHECKOUT).read_bytes() == before


def test_unknown_increment_is_a_usage_error(invoke: Invoke, project: Path) -> None:
    result = invoke("link", "0099", "jira:CORE-1", "--project", str(project))
    assert result.exit_code == exitcodes.USAGE
    assert result.stderr.startswith("error: no increment '0099'")


def test_ado_and_user_story_links(invoke: Invoke, project: Path) -> None:
    path = project / CHECKOUT
    ado = invoke("link", "0002", "ado:acme/Shop#2441", "--project", str(project), "--json")
    assert ado.exit_code == exitcodes.OK, ado.stderr
    assert json.loads(ado.stdout)["link"]["item"] == "acme/Shop/2441"
    story = invoke("link", "0002", "github:acme/shop#8", "--story", "us-1", "--project", str(project))
    assert story.exit_code == exitcodes.OK, story.stderr
    links = json.loads(path.read_text())["externalLinks"]
    assert links["ado"]["workItemId"] == 2441
    assert links["github"]["issues"]["US-001"]["issueNumber"] == 8
    data = json.loads(invoke("status", "--project", str(project), "--json").stdout)
    [row] = [r for r in data["increments"] if r["id"] == "0002-checkout"]
    assert {(link["item"], link["role"], link["story"]) for link in row["links"]} >= {
        ("acme/Shop/2441", "increment", None), ("acme/shop#8", "user-story", "US-001")}


def test_sample_project_round_trip(invoke: Invoke, sample_project: Path) -> None:
    path = sample_project / ".specweave/increments/0001-status-sync/metadata.json"
    _raw, before = _read(path)
    others = {k: v for k, v in before.items() if k != "externalLinks"}
    assert invoke("link", "0001", "github:acme/shop#42", "--project", str(sample_project)).exit_code == 0
    _raw, after = _read(path)
    assert {k: v for k, v in after.items() if k != "externalLinks"} == others
    assert list(after) == [*before, *(["externalLinks"] if "externalLinks" not in before else [])]
    assert after["externalLinks"]["github"]["issueNumber"] == 42
    assert invoke("unlink", "0001", "github:acme/shop#42", "--project", str(sample_project)).exit_code == 0
    _raw, back = _read(path)
    assert {k: v for k, v in back.items() if k != "externalLinks"} == others
    assert "github" not in back.get("externalLinks", {})
