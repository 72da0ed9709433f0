"""Issues, transitions, comments and changelog: the rules and Jira's rejections, over real HTTP."""

from __future__ import annotations

import httpx

from sandbox_clients import adf, new_jira_issue


def test_missing_or_bad_credentials_get_401(jira_url: str) -> None:
    assert httpx.get(f"{jira_url}/rest/api/3/myself").status_code == 401
    bad = httpx.get(f"{jira_url}/rest/api/3/myself", auth=("weavesync-bot@acme.example", "wrong"))
    assert bad.status_code == 401
    assert "authenticated" in bad.text


def test_myself_gives_the_bot_a_non_utc_time_zone(bot: httpx.Client, alice: httpx.Client) -> None:
    me = bot.get("/rest/api/3/myself").json()
    assert me["timeZone"] == "Europe/Berlin" and me["emailAddress"] == "weavesync-bot@acme.example"
    assert alice.get("/rest/api/3/myself").json()["timeZone"] == "America/New_York"
    info = bot.get("/rest/api/2/serverInfo").json()
    assert info["deploymentType"] == "Cloud"


def test_get_issue_fields_expand_and_404(bot: httpx.Client) -> None:
    body = bot.get("/rest/api/3/issue/CORE-1", params={"fields": "status,updated",
                                                       "expand": "transitions,changelog"}).json()
    assert set(body["fields"]) == {"status", "updated"}
    assert body["fields"]["status"]["statusCategory"]["key"] in ("new", "indeterminate", "done")
    assert "transitions" in body and "changelog" in body
    full = bot.get("/rest/api/3/issue/CORE-1").json()
    assert {"summary", "labels", "resolution", "issuetype", "project"} <= set(full["fields"])
    missing = bot.get("/rest/api/3/issue/CORE-99999")
    assert missing.status_code == 404
    assert missing.json() == {"errorMessages": ["Issue does not exist or you do not have permission to see it."],
                              "errors": {}}


def test_create_rejects_what_jira_rejects(bot: httpx.Client) -> None:
    no_summary = bot.post("/rest/api/3/issue", json={"fields": {"project": {"key": "CORE"},
                                                                "issuetype": {"name": "Task"}}})
    assert no_summary.status_code == 400 and "summary" in no_summary.json()["errors"]
    plain = bot.post("/rest/api/3/issue", json={"fields": {
        "project": {"key": "CORE"}, "issuetype": {"name": "Task"}, "summary": "x", "description": "plain"}})
    assert plain.status_code == 400 and "description" in plain.json()["errors"]
    status = bot.post("/rest/api/3/issue", json={"fields": {
        "project": {"key": "CORE"}, "issuetype": {"name": "Task"}, "summary": "x", "status": {"name": "Done"}}})
    assert status.status_code == 400
    assert "not on the appropriate screen" in status.json()["errors"]["status"]
    bad_project = bot.post("/rest/api/3/issue", json={"fields": {
        "project": {"key": "NOPE"}, "issuetype": {"name": "Task"}, "summary": "x"}})
    assert bad_project.status_code == 400 and "project" in bad_project.json()["errors"]


def test_created_issue_starts_in_to_do(bot: httpx.Client) -> None:
    key = new_jira_issue(bot, "Fresh")
    issue = bot.get(f"/rest/api/3/issue/{key}").json()
    assert issue["fields"]["status"]["name"] == "To Do"
    assert issue["fields"]["resolution"] is None


def test_transitions_are_only_those_from_the_current_status(bot: httpx.Client) -> None:
    key = new_jira_issue(bot)
    names = {t["to"]["name"] for t in bot.get(f"/rest/api/3/issue/{key}/transitions").json()["transitions"]}
    assert names == {"In Progress", "Won't Do"}
    assert "Done" not in names  # no direct path from To Do to Done
    with_fields = bot.get(f"/rest/api/3/issue/{key}/transitions",
                          params={"expand": "transitions.fields"}).json()["transitions"]
    wont = next(t for t in with_fields if t["to"]["name"] == "Won't Do")
    assert wont["fields"]["resolution"]["required"] is True
    assert wont["hasScreen"] is True


def test_transition_rejections_have_jira_bodies(bot: httpx.Client) -> None:
    key = new_jira_issue(bot)
    url = f"/rest/api/3/issue/{key}/transitions"
    invalid = bot.post(url, json={"transition": {"id": "31"}})
    assert invalid.status_code == 400
    assert invalid.json() == {"errorMessages": ["Transition id '31' is not valid for this issue."], "errors": {}}
    missing = bot.post(url, json={"transition": {"id": "71"}})
    assert missing.status_code == 400 and missing.json()["errors"] == {"resolution": "Field Resolution is required."}
    off_screen = bot.post(url, json={"transition": {"id": "11"}, "fields": {"resolution": {"name": "Done"}}})
    assert off_screen.status_code == 400
    assert off_screen.json()["errors"]["resolution"].startswith("Field 'resolution' cannot be set")
    bad_value = bot.post(url, json={"transition": {"id": "71"}, "fields": {"resolution": {"name": "Nope"}}})
    assert bad_value.status_code == 400
    assert bot.get(f"/rest/api/3/issue/{key}").json()["fields"]["status"]["name"] == "To Do"


def test_multi_hop_to_done_with_resolution_records_changelog(bot: httpx.Client) -> None:
    key = new_jira_issue(bot)
    url = f"/rest/api/3/issue/{key}/transitions"
    before = bot.get(f"/rest/api/3/issue/{key}", params={"fields": "updated"}).json()["fields"]["updated"]
    assert bot.post(url, json={"transition": {"id": "11"}}).status_code == 204
    assert bot.post(url, json={"transition": {"id": "21"}}).status_code == 204
    done = bot.post(url, json={"transition": {"id": "31"}, "fields": {"resolution": {"name": "Done"}}})
    assert done.status_code == 204 and done.content == b""
    issue = bot.get(f"/rest/api/3/issue/{key}", params={"expand": "changelog"}).json()
    assert issue["fields"]["status"]["name"] == "Done"
    assert issue["fields"]["resolution"]["name"] == "Done"
    assert issue["fields"]["updated"] > before
    log = bot.get(f"/rest/api/3/issue/{key}/changelog").json()
    statuses = [i["toString"] for h in log["values"] for i in h["items"] if i["field"] == "status"]
    assert statuses == ["In Progress", "In Review", "Done"]
    assert log["total"] == 3 and log["isLast"] is True
    reopen = bot.post(url, json={"transition": {"id": "81"}})
    assert reopen.status_code == 204
    assert bot.get(f"/rest/api/3/issue/{key}").json()["fields"]["resolution"] is None


def test_comments_need_adf(bot: httpx.Client, alice: httpx.Client) -> None:
    key = new_jira_issue(bot)
    plain = bot.post(f"/rest/api/3/issue/{key}/comment", json={"body": "plain text"})
    assert plain.status_code == 400 and plain.json()["errorMessages"]
    created = alice.post(f"/rest/api/3/issue/{key}/comment", json={"body": adf("Looks good")})
    assert created.status_code == 201
    assert created.json()["author"]["emailAddress"] == "alice@acme.example"
    page = bot.get(f"/rest/api/3/issue/{key}/comment").json()
    assert page["total"] == 1 and page["comments"][0]["body"] == adf("Looks good")


def test_edit_cannot_set_status(bot: httpx.Client) -> None:
    key = new_jira_issue(bot)
    refused = bot.put(f"/rest/api/3/issue/{key}", json={"fields": {"status": {"name": "Done"}}})
    assert refused.status_code == 400
    ok = bot.put(f"/rest/api/3/issue/{key}", json={"update": {"labels": [{"add": "weavesync"}]}})
    assert ok.status_code == 204
    assert bot.get(f"/rest/api/3/issue/{key}").json()["fields"]["labels"] == ["weavesync"]


def test_status_categories_and_project_statuses(bot: httpx.Client) -> None:
    keys = {c["key"] for c in bot.get("/rest/api/3/statuscategory").json()}
    assert keys == {"undefined", "new", "indeterminate", "done"}
    types = bot.get("/rest/api/3/project/CORE/statuses").json()
    names = {s["name"] for s in types[0]["statuses"]}
    assert names == {"To Do", "In Progress", "In Review", "On Hold", "Done", "Won't Do"}
    assert bot.get("/rest/api/3/project/NOPE/statuses").status_code == 404
