"""The pycontribs `jira` client, unchanged, against the sandbox (REST v3 selected through its own options)."""

from __future__ import annotations

import pytest
from jira import JIRA, JIRAError

from sandbox_clients import adf
from weavesync.sandbox.server import ACCOUNTS, BOT


@pytest.fixture(scope="module")
def client(jira_url: str) -> JIRA:
    account = ACCOUNTS["jira"][BOT]
    return JIRA(server=jira_url, basic_auth=(account.email or "", account.secret),
                options={"rest_api_version": "3", "check_update": False}, max_retries=0)


def test_library_sees_a_cloud_site_and_its_user(client: JIRA) -> None:
    assert client.deploymentType == "Cloud"
    assert client.myself()["timeZone"] == "Europe/Berlin"


def test_library_creates_transitions_and_comments(client: JIRA) -> None:
    issue = client.create_issue(fields={"project": {"key": "CORE"}, "summary": "via jira lib",
                                        "issuetype": {"name": "Task"}})
    assert issue.fields.status.name == "To Do"
    names = {t["name"] for t in client.transitions(issue)}
    assert names == {"Start progress", "Won't do"}
    client.transition_issue(issue, "Start progress")
    client.transition_issue(issue, "21")
    client.transition_issue(issue, "31", fields={"resolution": {"name": "Done"}})
    issue = client.issue(issue.key)
    assert issue.fields.status.name == "Done" and issue.fields.resolution.name == "Done"
    client.add_comment(issue, adf("from the library"))
    assert len(client.comments(issue)) == 1
    with pytest.raises(JIRAError) as refused:
        client.add_comment(issue, "a plain string is not ADF")
    assert refused.value.status_code == 400


def test_library_enhanced_search_pages(client: JIRA) -> None:
    found = client.enhanced_search_issues("project = CORE ORDER BY updated ASC", maxResults=0,
                                          fields=["status", "updated"])
    assert len(found) >= 4
    assert all(i.fields.status.name for i in found)
