"""`weavesync status --remote` over real HTTP against the sandbox: live state per link, read in batches."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from weavesync import exitcodes
from weavesync.cli.remote import TrackerProblem
from weavesync.config import default_mappings
from weavesync.model import Status, Tracker
from weavesync.sandbox import Sandbox

from .remote_world import (
    PLACES,
    TRACKERS,
    RemoteProject,
    remote_project,
    reset_stats,
    sandbox,
    script_fault,
    stats,
    unique_increment,
    write_config,
    write_increment,
)

__all__ = ["remote_project", "sandbox"]  # fixtures, imported for pytest

PER_ITEM_READS = {
    Tracker.GITHUB: "GET /repos/{owner}/{repo}/issues/{issue_number}",
    Tracker.JIRA: "GET /rest/api/3/issue/{key}",
    Tracker.ADO: "GET /{org}/{project}/_apis/wit/workitems/{id:int}",
}


def _link(project: RemoteProject, inc: str, tracker: Tracker, item: str) -> None:
    result = project.run("link", inc, f"{tracker.value}:{item}", "--no-verify")  # some are gone on purpose
    assert result.exit_code == exitcodes.OK, result.stderr


def _remote_by_item(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(lk["tracker"], lk["item"]): lk["remote"] for row in data["increments"] for lk in row["links"]}


def test_remote_state_of_many_links_in_a_few_calls(remote_project: RemoteProject, sandbox: Sandbox) -> None:
    statuses = [Status.ACTIVE, Status.ACTIVE, Status.PAUSED, Status.COMPLETED, Status.READY_FOR_REVIEW]
    expected: dict[tuple[str, str], bool] = {}
    for n, status in enumerate(statuses):
        inc = unique_increment(f"part{n}")
        write_increment(remote_project.root, inc, status.value)
        for tracker in TRACKERS:
            # the last increment's items are left open: out of sync with ready_for_review on every tracker
            made_as = Status.ACTIVE if status is Status.READY_FOR_REVIEW else status
            item = remote_project.make_item(tracker, made_as)
            _link(remote_project, inc, tracker, item)
            expected[(tracker.value, item)] = made_as is status
    reset_stats(sandbox)

    result = remote_project.run("status", "--remote", "--json")

    assert result.exit_code == exitcodes.OK, result.stderr
    calls = {tracker: stats(sandbox, tracker) for tracker in TRACKERS}
    data = json.loads(result.stdout)
    remote = _remote_by_item(data)
    assert set(remote) == set(expected)
    for (tracker_name, item), in_sync in expected.items():
        tracker = Tracker(tracker_name)
        truth = remote_project.alice(tracker).read_many([item], default_mappings()[tracker].managed)[item]
        assert truth is not None
        assert remote[(tracker_name, item)] == {
            "state": truth.state.state, "reason": truth.state.reason, "category": truth.state.category,
            "markers": sorted(truth.state.markers), "version": truth.version, "inSync": in_sync,
            "keptApart": False, "gone": False, "error": None}
    assert data["remoteProblems"] == []
    # five links per tracker, read in batches: never one call per item
    assert calls[Tracker.GITHUB] == {"GET /repos/{owner}/{repo}/issues": 1}
    assert calls[Tracker.JIRA] == {"POST /rest/api/3/search/jql": 1}
    assert calls[Tracker.ADO]["POST /{org}/{project}/_apis/wit/workitemsbatch"] == 1
    assert set(calls[Tracker.ADO]) <= {"POST /{org}/{project}/_apis/wit/workitemsbatch",
                                       "GET /{org}/{project}/_apis/wit/workitemtypes/{type}/states"}
    for tracker in TRACKERS:
        assert PER_ITEM_READS[tracker] not in calls[tracker]


def test_table_shows_state_verdict_and_gone_items(remote_project: RemoteProject, sandbox: Sandbox) -> None:
    inc = unique_increment()
    write_increment(remote_project.root, inc, "completed")
    closed = remote_project.make_item(Tracker.GITHUB, Status.COMPLETED)
    _link(remote_project, inc, Tracker.GITHUB, closed)
    _link(remote_project, inc, Tracker.JIRA, "CORE-99999")
    _link(remote_project, inc, Tracker.ADO, "acme/Shop/999999")
    gone_github = remote_project.make_item(Tracker.GITHUB)
    httpx.post(f"{sandbox.urls['github']}/_sandbox/issues/delete",
               json={"number": int(gone_github.rpartition("#")[2])}).raise_for_status()
    other = unique_increment("other")
    write_increment(remote_project.root, other)
    _link(remote_project, other, Tracker.GITHUB, gone_github)

    text = remote_project.run("status", "--remote", env={**remote_project.env, "COLUMNS": "200"})
    data = json.loads(remote_project.run("status", "--remote", "--json").stdout)

    assert text.exit_code == exitcodes.OK, text.stderr
    assert f"{closed} (increment) [remote: closed (completed), in sync]" in text.stdout
    assert "CORE-99999 (increment) [remote: gone]" in text.stdout
    assert "acme/Shop/999999 (increment) [remote: gone]" in text.stdout
    assert f"{gone_github} (increment) [remote: gone]" in text.stdout
    remote = _remote_by_item(data)
    for key in (("jira", "CORE-99999"), ("ado", "acme/Shop/999999"), ("github", gone_github)):
        assert remote[key]["gone"] is True and remote[key]["inSync"] is False and remote[key]["state"] is None
    assert remote[("github", closed)]["inSync"] is True


def test_a_bad_token_is_one_problem_line_while_the_others_still_show(
    remote_project: RemoteProject, sandbox: Sandbox
) -> None:
    inc = unique_increment()
    write_increment(remote_project.root, inc)
    items = {tracker: remote_project.make_item(tracker) for tracker in TRACKERS}
    for tracker, item in items.items():
        _link(remote_project, inc, tracker, item)
    second = remote_project.make_item(Tracker.GITHUB)
    other = unique_increment("other")
    write_increment(remote_project.root, other)
    _link(remote_project, other, Tracker.GITHUB, second)
    env = {**remote_project.env, "GITHUB_TOKEN": "ghp_notValid0000000000000000000000000000"}

    text = remote_project.run("status", "--remote", env=env)
    result = remote_project.run("status", "--remote", "--json", env=env)

    assert text.exit_code == result.exit_code == exitcodes.ERROR
    errors = [line for line in text.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith("error: github ")
    shown = errors[0].rpartition("(not read: ")[2].removesuffix(")")
    assert sorted(shown.split(", ")) == sorted([items[Tracker.GITHUB], second])
    assert "ghp_notValid" not in text.stderr + result.stderr + result.stdout
    assert f"{items[Tracker.JIRA]} (increment) [remote: In Progress, in sync]" in text.stdout
    data = json.loads(result.stdout)
    remote = _remote_by_item(data)
    assert remote[("github", items[Tracker.GITHUB])]["error"] and remote[("github", second)]["error"]
    assert remote[("github", second)]["state"] is None and remote[("github", second)]["inSync"] is None
    assert remote[("jira", items[Tracker.JIRA])]["inSync"] is True
    assert remote[("ado", items[Tracker.ADO])]["state"] == "Active"
    [problem] = data["remoteProblems"]
    assert problem["tracker"] == "github" and sorted(problem["items"]) == sorted([items[Tracker.GITHUB], second])


def test_an_unavailable_tracker_is_reported_and_the_others_still_show(
    remote_project: RemoteProject, sandbox: Sandbox
) -> None:
    inc = unique_increment()
    write_increment(remote_project.root, inc)
    items = {tracker: remote_project.make_item(tracker) for tracker in TRACKERS}
    for tracker, item in items.items():
        _link(remote_project, inc, tracker, item)
    script_fault(sandbox, Tracker.ADO, kind="reset", method="POST", path=r"/_apis/wit/workitemsbatch$")

    result = remote_project.run("status", "--remote", "--json")

    assert result.exit_code == exitcodes.ERROR
    data = json.loads(result.stdout)
    [problem] = data["remoteProblems"]
    assert problem["tracker"] == "ado" and problem["items"] == [items[Tracker.ADO]]
    remote = _remote_by_item(data)
    assert remote[("ado", items[Tracker.ADO])]["error"]
    assert remote[("github", items[Tracker.GITHUB])]["inSync"] is True
    assert remote[("jira", items[Tracker.JIRA])]["inSync"] is True


def test_an_unconfigured_tracker_is_a_problem_only_when_its_links_need_the_config(
    remote_project: RemoteProject,
) -> None:
    inc = unique_increment()
    write_increment(remote_project.root, inc)
    items = {tracker: remote_project.make_item(tracker) for tracker in TRACKERS}
    for tracker, item in items.items():
        _link(remote_project, inc, tracker, item)
    write_config(remote_project.root, {Tracker.ADO: PLACES[Tracker.ADO]})

    result = remote_project.run("status", "--remote", "--json")

    assert result.exit_code == exitcodes.ERROR
    data = json.loads(result.stdout)
    [problem] = data["remoteProblems"]
    assert problem["tracker"] == "jira" and "sync.statusSync.jira" in problem["hint"]
    remote = _remote_by_item(data)
    assert remote[("github", items[Tracker.GITHUB])]["inSync"] is True  # the item names its own repository
    assert remote[("ado", items[Tracker.ADO])]["inSync"] is True
    assert remote[("jira", items[Tracker.JIRA])]["error"]


@pytest.mark.parametrize("args", [("status",), ("status", "--json")])
def test_without_remote_no_tracker_is_called(remote_project: RemoteProject, sandbox: Sandbox,
                                             args: tuple[str, ...]) -> None:
    inc = unique_increment()
    write_increment(remote_project.root, inc)
    _link(remote_project, inc, Tracker.GITHUB, remote_project.make_item(Tracker.GITHUB))
    reset_stats(sandbox)
    result = remote_project.run(*args)
    assert result.exit_code == exitcodes.OK
    assert "[remote:" not in result.stdout and '"remote"' not in result.stdout
    assert all(stats(sandbox, tracker) == {} for tracker in TRACKERS)


def test_problem_line_names_at_most_five_items_and_never_repeats_the_tracker() -> None:
    items = tuple(f"CORE-{n}" for n in range(1, 8))
    adapter_worded = TrackerProblem("jira", "jira POST /rest/api/3/search/jql failed with 401:\n  denied", None, items)
    config_worded = TrackerProblem("github", "no credentials: GITHUB_TOKEN is not set", "export it", items[:1])
    assert adapter_worded.line() == ("jira POST /rest/api/3/search/jql failed with 401: denied "
                                     "(not read: CORE-1, CORE-2, CORE-3, CORE-4, CORE-5 and 2 more)")
    assert config_worded.line() == "github: no credentials: GITHUB_TOKEN is not set (not read: CORE-1)"
