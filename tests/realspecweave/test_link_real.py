"""Links that are right (issue 11, point 5): checked against the tracker, recorded with the configured server's
address, in an increment SpecWeave made."""

from __future__ import annotations

from click.testing import CliRunner, Result

from e2e.conftest import World
from specweave_cli import SpecWeaveProject
from weavesync.cli.main import cli
from weavesync.model import Status, Tracker


def run(project: SpecWeaveProject, env: dict[str, str], *args: str) -> Result:
    clean = {k: None for k in ("GITHUB_API_URL", "AZURE_DEVOPS_ORG_URL", "GITHUB_TOKEN", "AZURE_DEVOPS_PAT")}
    return CliRunner().invoke(cli, [*args, "--project", str(project.root)], env={**clean, **env})


def test_a_missing_item_is_refused_and_an_existing_one_shows_its_state(world: World,
                                                                      project: SpecWeaveProject) -> None:
    project.create("0001-alpha", "Alpha")
    problems = project.problems()
    before = project.metadata("0001-alpha")
    missing = run(project, world.env, "link", "0001", "github:acme/shop#987654")
    assert missing.exit_code == 1
    assert "github acme/shop#987654 does not exist" in missing.stderr
    assert project.metadata("0001-alpha") == before
    item = world.create_item(Tracker.GITHUB, Status.ACTIVE)
    linked = run(project, world.env, "link", "0001", f"github:{item}")
    assert linked.exit_code == 0, linked.output
    assert "(its state: open)" in linked.stdout
    url = project.metadata("0001-alpha")["externalLinks"]["github"]["issueUrl"]
    assert url.startswith(world.env["GITHUB_API_URL"].rstrip("/")) and url.endswith("/issues/" + item.split("#")[1])
    assert project.problems() <= problems
    project.pause("0001-alpha")  # SpecWeave still reads what was written
    assert project.metadata("0001-alpha")["status"] == "paused"


def test_no_verify_records_the_configured_servers_address(project: SpecWeaveProject) -> None:
    project.create("0001-alpha", "Alpha")
    env = {"GITHUB_API_URL": "https://ghe.example.com/api/v3", "AZURE_DEVOPS_ORG_URL": "https://tfs.example.com/tfs/acme"}
    assert run(project, env, "link", "0001", "github:acme/shop#5", "--no-verify").exit_code == 0
    assert run(project, env, "link", "0001", "ado:acme/Shop#7", "--no-verify").exit_code == 0
    links = project.metadata("0001-alpha")["externalLinks"]
    assert links["github"]["issueUrl"] == "https://ghe.example.com/acme/shop/issues/5"
    assert links["ado"]["workItemUrl"] == "https://tfs.example.com/tfs/acme/Shop/_workitems/edit/7"
    plain = run(project, {}, "link", "0001", "jira:CORE-3", "--no-verify")
    assert plain.exit_code == 0 and "not checked" not in plain.stderr
    unchecked = run(project, {}, "link", "0001", "jira:CORE-4", "--story", "US-001")  # configured, no token
    assert unchecked.exit_code == 0 and "jira CORE-4 not checked (jira: no credentials" in unchecked.stderr


def test_create_with_a_story_says_why_not(project: SpecWeaveProject) -> None:
    project.create("0001-alpha", "Alpha")
    result = run(project, {}, "link", "0001", "github", "--create", "--story", "US-001")
    assert result.exit_code == 2
    assert "living-docs sync" in result.stderr and "--story US-NNN" in result.stderr
