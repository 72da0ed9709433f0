"""Enhanced search: bounded JQL, id-only default, nextPageToken paging, time zones, Jira's 400s."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx

from sandbox_clients import new_jira_issue
from weavesync.sandbox import Sandbox

SEARCH = "/rest/api/3/search/jql"


def test_fields_default_to_id_only(bot: httpx.Client) -> None:
    body = bot.get(SEARCH, params={"jql": "project = CORE"}).json()
    assert body["issues"] and all(set(i) == {"id"} for i in body["issues"])
    assert "total" not in body


def test_the_removed_search_endpoints_answer_410_gone(bot: httpx.Client) -> None:
    """Jira Cloud removed /rest/api/{2,3}/search: 410 with Atlassian's message naming the replacement, not 404."""
    for version in ("2", "3"):
        for response in (bot.get(f"/rest/api/{version}/search", params={"jql": "project = CORE"}),
                         bot.post(f"/rest/api/{version}/search", json={"jql": "project = CORE"})):
            assert response.status_code == 410, response.text
            [message] = response.json()["errorMessages"]
            assert message.startswith("The requested API has been removed.")
            assert f"/rest/api/{version}/search/jql" in message and "CHANGE-2046" in message
    assert bot.get("/rest/api/3/searchx").status_code == 404, "other unknown paths stay 404"


def test_unbounded_jql_is_rejected(bot: httpx.Client) -> None:
    for jql in ("order by key desc", ""):
        response = bot.post(SEARCH, json={"jql": jql})
        assert response.status_code == 400
        assert response.json()["errorMessages"][0].startswith("Unbounded JQL queries are not allowed")


def test_jql_errors_are_400(bot: httpx.Client) -> None:
    cases = {"key in (CORE-1, CORE-999999)": "An issue with key 'CORE-999999' does not exist",
             "project = NOPE": "The value 'NOPE' does not exist for the field 'project'",
             "colour = red": "Field 'colour' does not exist",
             'updated >= "yesterday"': "Date value 'yesterday' for field 'updated' is invalid",
             "project = CORE ORDER BY summary": "Not able to sort using field 'summary'"}
    for jql, message in cases.items():
        response = bot.post(SEARCH, json={"jql": jql})
        assert response.status_code == 400, jql
        assert response.json()["errorMessages"][0].startswith(message), response.text


def test_unknown_body_keys_and_bad_tokens_are_rejected(bot: httpx.Client) -> None:
    assert bot.post(SEARCH, json={"jql": "project = CORE", "startAt": 5}).status_code == 400
    bad = bot.post(SEARCH, json={"jql": "project = CORE", "nextPageToken": "forged"})
    assert bad.status_code == 400 and "next page token" in bad.json()["errorMessages"][0]


def test_key_in_pages_with_next_page_token(bot: httpx.Client) -> None:
    keys = [new_jira_issue(bot, f"page {n}") for n in range(7)]
    jql = f"key in ({', '.join(keys)}) ORDER BY key ASC"
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        body = {"jql": jql, "fields": ["status", "updated"], "maxResults": 3}
        if token:
            body["nextPageToken"] = token
        page = bot.post(SEARCH, json=body).json()
        pages += 1
        seen += [i["key"] for i in page["issues"]]
        assert all("status" in i["fields"] for i in page["issues"])
        token = page.get("nextPageToken")
        if token is None:
            assert page["isLast"] is True
            break
    assert seen == keys and pages == 3


def test_page_size_is_capped_when_fields_are_requested(jira_sandbox: Sandbox, bot: httpx.Client) -> None:
    site = jira_sandbox.apps["jira"].state
    keys = site.seed({"count": 120, "summary": "cap"})["keys"]
    jql = f"key in ({', '.join(keys)})"
    with_fields = bot.post(SEARCH, json={"jql": jql, "fields": ["status"], "maxResults": 500}).json()
    assert len(with_fields["issues"]) == 100 and with_fields["nextPageToken"]
    ids = bot.post(SEARCH, json={"jql": jql, "fields": ["id"], "maxResults": 500}).json()
    assert len(ids["issues"]) == 120 and ids["isLast"] is True


def test_updated_literal_is_read_in_the_users_time_zone(jira_sandbox: Sandbox, bot: httpx.Client,
                                                        alice: httpx.Client) -> None:
    key = new_jira_issue(bot, "zone probe")
    site = jira_sandbox.apps["jira"].state
    updated = site.state.issues[key].updated
    # The same wall-clock literal, written as Berlin time: matches for the Berlin bot only when read in Berlin.
    berlin = (updated - timedelta(minutes=1)).astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y/%m/%d %H:%M")
    jql = f'key = {key} AND updated >= "{berlin}"'
    assert [i["id"] for i in bot.post(SEARCH, json={"jql": jql}).json()["issues"]] == [str(site.state.issues[key].id)]
    # New York is 6 hours behind Berlin, so for alice the same literal lies 6 hours later: no match.
    assert alice.post(SEARCH, json={"jql": jql}).json()["issues"] == []


def test_status_category_and_order_by_updated(bot: httpx.Client) -> None:
    first = new_jira_issue(bot, "order A")
    second = new_jira_issue(bot, "order B")
    bot.post(f"/rest/api/3/issue/{first}/transitions", json={"transition": {"id": "11"}})
    jql = f"key in ({first}, {second}) AND statusCategory = indeterminate"
    found = bot.post(SEARCH, json={"jql": jql, "fields": ["status"]}).json()["issues"]
    assert [i["key"] for i in found] == [first]
    ordered = bot.post(SEARCH, json={"jql": f"key in ({first}, {second}) ORDER BY updated DESC",
                                     "fields": ["updated"]}).json()["issues"]
    assert [i["key"] for i in ordered] == [first, second]
    by_status = bot.post(SEARCH, json={"jql": f'key in ({first}, {second}) AND status = "To Do"',
                                       "fields": ["key"]}).json()["issues"]
    assert [i["key"] for i in by_status] == [second]
