"""`weavesync link INCREMENT TARGET --create` over real HTTP against the sandbox, on GitHub, Jira and ADO."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from weavesync import exitcodes
from weavesync.cli import remote
from weavesync.config import SyncConfig, default_mappings
from weavesync.errors import ConfigError
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

CREATE_ROUTES = {
    Tracker.GITHUB: "POST /repos/{owner}/{repo}/issues",
    Tracker.JIRA: "POST /rest/api/3/issue",
    Tracker.ADO: "POST /{org}/{project}/_apis/wit/workitems/{type}",
}
CREATE_PATHS = {
    Tracker.GITHUB: r"^/repos/acme/shop/issues$",
    Tracker.JIRA: r"^/rest/api/3/issue$",
    Tracker.ADO: r"/_apis/wit/workitems/\$",
}
"""The create endpoint of each tracker: the sandbox's route template (for counting) and a path regex (faults)."""


def _create(project: RemoteProject, inc: str, target: str, *extra: str) -> dict[str, object]:
    result = project.run("link", inc, target, "--create", "--json", *extra)
    assert result.exit_code == exitcodes.OK, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def _linked_items(project: RemoteProject) -> list[tuple[str, str]]:
    """(tracker, item) of every link, as `weavesync status` reads them back from metadata.json."""
    listed = json.loads(project.run("status", "--json").stdout)
    return [(lk["tracker"], lk["item"]) for row in listed["increments"] for lk in row["links"]]


def _links(project: RemoteProject, inc: str) -> dict[str, dict[str, object]]:
    links: dict[str, dict[str, object]] = project.metadata(inc).get("externalLinks", {})
    return links


@pytest.mark.parametrize(("tracker", "status"), [
    (Tracker.GITHUB, Status.COMPLETED),
    (Tracker.JIRA, Status.READY_FOR_REVIEW),
    (Tracker.ADO, Status.PAUSED),
], ids=["github-completed", "jira-ready_for_review", "ado-paused"])
def test_create_makes_the_item_in_the_mapped_state_and_links_it(
    remote_project: RemoteProject, tracker: Tracker, status: Status
) -> None:
    inc = unique_increment()
    write_increment(remote_project.root, inc, status.value, title="Guest checkout")

    data = _create(remote_project, inc, tracker.value)

    item = str(data["item"])
    assert data["increment"] == inc and data["tracker"] == tracker.value
    assert data["created"] is True
    remote = remote_project.alice(tracker).read_many([item], default_mappings()[tracker].managed)[item]
    assert remote is not None
    assert default_mappings()[tracker].satisfies(remote.state, status), remote.state
    assert remote.title == "Guest checkout"
    assert data["url"] == remote.url
    link = _links(remote_project, inc)[tracker.value]
    if tracker is Tracker.GITHUB:
        assert link == {"issueNumber": int(item.rpartition("#")[2]), "issueUrl": remote.url, "repo": "acme/shop"}
    elif tracker is Tracker.JIRA:
        assert link == {"issueKey": item, "issueUrl": remote.url}
        assert remote.item_type == "Epic"
    else:
        assert link == {"workItemId": int(item.rpartition("/")[2]), "workItemUrl": remote.url,
                        "organization": "acme", "project": "Shop"}
        assert remote.item_type == "Feature"
    assert _linked_items(remote_project) == [(tracker.value, item)]


def test_create_text_output_names_the_item_and_its_url(remote_project: RemoteProject) -> None:
    inc = unique_increment()
    write_increment(remote_project.root, inc, title=None)
    result = remote_project.run("link", inc, "github", "--create")
    assert result.exit_code == exitcodes.OK, result.stderr
    item = f"acme/shop#{_links(remote_project, inc)['github']['issueNumber']}"
    assert f"linked {inc} to github {item} (increment link)" in result.stdout
    assert f"{remote_project.sandbox.urls['github']}/acme/shop/issues/" in result.stdout
    remote = remote_project.alice(Tracker.GITHUB).read_many([item], frozenset())[item]
    assert remote is not None and remote.title == inc  # no title in spec.md: the id stands in


def test_type_overrides_the_default_item_type(remote_project: RemoteProject) -> None:
    inc = unique_increment()
    write_increment(remote_project.root, inc)
    data = _create(remote_project, inc, "jira", "--type", "Task")
    item = str(data["item"])
    remote = remote_project.alice(Tracker.JIRA).read_many([item], frozenset())[item]
    assert remote is not None and remote.item_type == "Task"


@pytest.mark.parametrize("tracker", TRACKERS, ids=[t.value for t in TRACKERS])
def test_a_lost_create_response_then_a_rerun_links_the_one_item(
    remote_project: RemoteProject, sandbox: Sandbox, tracker: Tracker
) -> None:
    inc = unique_increment()
    write_increment(remote_project.root, inc)
    reset_stats(sandbox)
    script_fault(sandbox, tracker, kind="lost", method="POST", path=CREATE_PATHS[tracker])

    lost = remote_project.run("link", inc, tracker.value, "--create")

    assert lost.exit_code == exitcodes.ERROR
    lines = lost.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: run the same command")
    assert tracker.value not in _links(remote_project, inc)
    first = stats(sandbox, tracker)
    assert first.get("FAULT lost") == 1 and CREATE_ROUTES[tracker] not in first  # the create landed, unanswered

    reset_stats(sandbox)
    data = _create(remote_project, inc, tracker.value)

    assert CREATE_ROUTES[tracker] not in stats(sandbox, tracker)  # found by its marker: nothing created again
    assert data["created"] is False  # the lost attempt made it; the rerun found it by its marker
    item = str(data["item"])
    assert _linked_items(remote_project) == [(tracker.value, item)]
    remote = remote_project.alice(tracker).read_many([item], default_mappings()[tracker].managed)[item]
    assert remote is not None and remote.title == "Guest checkout"
    assert default_mappings()[tracker].satisfies(remote.state, Status.ACTIVE)


def test_rerunning_a_finished_create_changes_nothing(remote_project: RemoteProject, sandbox: Sandbox) -> None:
    inc = unique_increment()
    write_increment(remote_project.root, inc)
    first = _create(remote_project, inc, "ado")
    assert first["created"] is True
    before = (remote_project.root / ".specweave" / "increments" / inc / "metadata.json").read_bytes()
    reset_stats(sandbox)

    again = _create(remote_project, inc, "ado:acme/Shop")

    assert again["item"] == first["item"] and again["created"] is False
    assert stats(sandbox, Tracker.ADO) == {}
    assert (remote_project.root / ".specweave" / "increments" / inc / "metadata.json").read_bytes() == before


@pytest.mark.parametrize("tracker", TRACKERS, ids=[t.value for t in TRACKERS])
def test_an_explicit_place_other_than_the_configured_one(
    remote_project: RemoteProject, sandbox: Sandbox, tracker: Tracker
) -> None:
    places = {t: dict(p) for t, p in PLACES.items()}
    if tracker is Tracker.GITHUB:
        places[tracker]["repo"] = "not-this-one"
        target, expected = "github:acme/shop", "acme/shop#"
    elif tracker is Tracker.JIRA:
        places[tracker]["projectKey"] = "NOPE"
        target, expected = "jira:core", "CORE-"
    else:
        name = f"Web{uuid.uuid4().hex[:6]}"
        httpx.post(f"{sandbox.urls['ado']}/_sandbox/projects",
                   json={"name": name, "process": "Agile"}).raise_for_status()
        target, expected = f"ado:acme/{name}", f"acme/{name}/"
    write_config(remote_project.root, places)
    inc = unique_increment()
    write_increment(remote_project.root, inc)

    data = _create(remote_project, inc, target)

    assert str(data["item"]).startswith(expected)
    assert tracker.value in _links(remote_project, inc)


def test_an_unconfigured_tracker_names_the_missing_key(remote_project: RemoteProject, sandbox: Sandbox) -> None:
    write_config(remote_project.root, {Tracker.GITHUB: PLACES[Tracker.GITHUB]})
    inc = unique_increment()
    write_increment(remote_project.root, inc)
    reset_stats(sandbox)

    result = remote_project.run("link", inc, "jira", "--create")

    assert result.exit_code == exitcodes.ERROR
    assert result.stderr.splitlines()[0] == "error: jira is not configured in .specweave/config.json"
    assert "sync.statusSync.jira" in result.stderr
    assert stats(sandbox, Tracker.JIRA) == {}
    assert _links(remote_project, inc) == {}


def test_an_unconfigured_tracker_still_takes_a_complete_place(remote_project: RemoteProject) -> None:
    write_config(remote_project.root, {})
    inc = unique_increment()
    write_increment(remote_project.root, inc)
    data = _create(remote_project, inc, "github:acme/shop")
    assert str(data["item"]).startswith("acme/shop#")


def test_a_bad_token_is_one_line_and_links_nothing(remote_project: RemoteProject) -> None:
    inc = unique_increment()
    write_increment(remote_project.root, inc)
    env = {**remote_project.env, "AZURE_DEVOPS_PAT": "not-a-valid-pat"}
    result = remote_project.run("link", inc, "ado", "--create", env=env)
    assert result.exit_code == exitcodes.ERROR
    assert result.stderr.startswith("error: ")
    assert "not-a-valid-pat" not in result.stderr
    assert all(line.startswith(("error: ", "hint: ")) for line in result.stderr.splitlines())
    assert _links(remote_project, inc) == {}


def test_a_different_increment_link_on_that_tracker_is_refused_before_any_call(
    remote_project: RemoteProject, sandbox: Sandbox
) -> None:
    inc = unique_increment()
    write_increment(remote_project.root, inc)
    linked = remote_project.run("link", inc, "github:acme/elsewhere#3", "--no-verify")  # no such repo
    assert linked.exit_code == exitcodes.OK
    reset_stats(sandbox)
    result = remote_project.run("link", inc, "github:acme/shop", "--create")
    assert result.exit_code == exitcodes.USAGE
    assert "already has an increment link on github: acme/elsewhere#3" in result.stderr
    assert stats(sandbox, Tracker.GITHUB) == {}


@pytest.mark.parametrize(("args", "why"), [
    (("github:acme/shop#7", "--create"), "it names an item"),
    (("jira:CORE-7", "--create"), "it names an item"),
    (("ado:acme", "--create"), "ORG/PROJECT"),
    (("trello", "--create"), "unknown tracker"),
    (("github", "--create", "--story", "US-001"), "--story"),
    (("github:acme/shop#7", "--type", "Epic"), "--type only applies with --create"),
])
def test_usage_errors(remote_project: RemoteProject, args: tuple[str, ...], why: str) -> None:
    inc = unique_increment()
    write_increment(remote_project.root, inc)
    result = remote_project.run("link", inc, *args)
    assert result.exit_code == exitcodes.USAGE
    assert why in result.stderr.splitlines()[0]
    assert _links(remote_project, inc) == {}


# ---- places and connections, without a network -------------------------------------------------------------


@pytest.mark.parametrize(("text", "tracker", "place"), [
    ("github", Tracker.GITHUB, None),
    ("GitHub:", Tracker.GITHUB, None),
    ("github:acme/shop.web", Tracker.GITHUB, {"owner": "acme", "repo": "shop.web"}),
    ("jira:core", Tracker.JIRA, {"projectKey": "CORE"}),
    ("azure-devops:acme/Online Shop", Tracker.ADO, {"organization": "acme", "project": "Online Shop"}),
])
def test_parse_place(text: str, tracker: Tracker, place: dict[str, str] | None) -> None:
    assert remote.parse_place(text) == (tracker, place)


def _config(**places: dict[str, str]) -> SyncConfig:
    return SyncConfig(trackers={Tracker(name): place for name, place in places.items()})


ENV = {"AZURE_DEVOPS_PAT": "pat", "AZURE_DEVOPS_ORG_URL": "https://dev.azure.com/acme", "JIRA_API_TOKEN": "t",
       "JIRA_EMAIL": "bot@acme.example", "GITHUB_TOKEN": "g"}


def test_connection_at_another_ado_organization_moves_the_org_url() -> None:
    config = _config(ado={"organization": "acme", "project": "Shop"})
    same = remote.connection_at(config, Tracker.ADO, {"organization": "ACME", "project": "Web"}, ENV)
    other = remote.connection_at(config, Tracker.ADO, {"organization": "globex", "project": "Web"}, ENV)
    assert (same.base_url, dict(same.place)) == ("https://dev.azure.com/acme", {"organization": "ACME",
                                                                                "project": "Web"})
    assert (other.base_url, dict(other.place)) == ("https://dev.azure.com/globex", {"organization": "globex",
                                                                                    "project": "Web"})


def test_connection_at_keeps_the_configured_jira_site_and_names_a_missing_one() -> None:
    env = {k: v for k, v in ENV.items() if k != "JIRA_BASE_URL"}
    found = remote.connection_at(_config(jira={"domain": "acme.atlassian.net", "projectKey": "CORE"}),
                                 Tracker.JIRA, {"projectKey": "WEB"}, env)
    assert (found.base_url, found.place["projectKey"]) == ("https://acme.atlassian.net", "WEB")
    with pytest.raises(ConfigError) as missing:
        remote.connection_at(_config(), Tracker.JIRA, {"projectKey": "WEB"}, env)
    assert missing.value.path == "$.sync.statusSync.jira.domain"
