"""GitHub sandbox: issues, labels, comments and the events timeline, including what GitHub rejects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from weavesync.sandbox.github import GitHubSandbox

Make = Callable[..., dict[str, Any]]


def test_seed_default_has_the_repo_and_three_issues(bot: httpx.Client) -> None:
    issues = bot.get("/repos/acme/shop/issues", params={"state": "all", "direction": "asc"}).json()
    assert [i["number"] for i in issues][:3] == [1, 2, 3]
    assert {i["number"]: i["state_reason"] for i in issues[:3]} == {1: None, 2: "completed", 3: "not_planned"}


def test_get_issue_has_full_objects(bot: httpx.Client) -> None:
    issue = bot.get("/repos/acme/shop/issues/1").json()
    assert issue["user"]["login"] == "alice"
    label = issue["labels"][0]
    assert set(label) >= {"id", "node_id", "url", "name", "description", "color", "default", "archived_at"}


def test_unknown_issue_and_repo_are_404_deleted_is_410(bot: httpx.Client, url: str, new_issue: Make) -> None:
    assert bot.get("/repos/acme/shop/issues/99999").status_code == 404
    assert bot.get("/repos/acme/nope/issues/1").json()["message"] == "Not Found"
    number = new_issue()["number"]
    httpx.post(f"{url}/_sandbox/issues/delete", json={"number": number})
    gone = bot.get(f"/repos/acme/shop/issues/{number}")
    assert gone.status_code == 410
    listed = bot.get("/repos/acme/shop/issues", params={"state": "all", "per_page": 100}).json()
    assert number not in {i["number"] for i in listed}


def test_private_repo_is_404_without_a_token(url: str) -> None:
    assert httpx.get(f"{url}/repos/acme/shop/issues/1").status_code == 404


def test_create_requires_a_title(bot: httpx.Client) -> None:
    missing = bot.post("/repos/acme/shop/issues", json={"body": "x"})
    assert missing.status_code == 422 and "title" in missing.json()["message"]
    empty = bot.post("/repos/acme/shop/issues", json={"title": "  "})
    assert empty.status_code == 422
    assert empty.json()["errors"] == [{"resource": "Issue", "field": "title", "code": "missing_field"}]
    assert bot.post("/repos/acme/shop/issues", content=b"{nope").status_code == 400


def test_create_sets_labels_and_location(bot: httpx.Client, new_issue: Make) -> None:
    created = bot.post("/repos/acme/shop/issues", json={"title": "New", "labels": ["bug", {"name": "fresh"}]})
    assert created.status_code == 201
    assert created.headers["location"] == created.json()["url"]
    assert [lb["name"] for lb in created.json()["labels"]] == ["bug", "fresh"]


def test_close_reason_rules(bot: httpx.Client, new_issue: Make) -> None:
    n = new_issue()["number"]
    path = f"/repos/acme/shop/issues/{n}"
    bad_enum = bot.patch(path, json={"state": "closed", "state_reason": "wontfix"})
    assert bad_enum.status_code == 422 and "wontfix" in bad_enum.json()["message"]
    assert bot.patch(path, json={"state": "closed", "state_reason": "reopened"}).status_code == 422
    assert bot.patch(path, json={"state": "shut"}).status_code == 422
    closed = bot.patch(path, json={"state": "closed"}).json()
    assert (closed["state"], closed["state_reason"], closed["closed_by"]["login"]) == ("closed", "completed",
                                                                                       "weavesync-bot")
    # state_reason alone is ignored unless the state changes
    same = bot.patch(path, json={"state_reason": "not_planned"}).json()
    assert same["state_reason"] == "completed"
    assert bot.patch(path, json={"state": "open", "state_reason": "not_planned"}).status_code == 422
    reopened = bot.patch(path, json={"state": "open"}).json()
    assert (reopened["state"], reopened["state_reason"], reopened["closed_at"]) == ("open", "reopened", None)
    dropped = bot.patch(path, json={"state": "closed", "state_reason": "not_planned"}).json()
    assert dropped["state_reason"] == "not_planned"


def test_a_closed_issue_changes_its_reason_with_one_closed_event(bot: httpx.Client, alice: httpx.Client,
                                                                   new_issue: Make) -> None:
    """PATCH ``state: closed`` + another close reason on a closed issue re-closes it with that reason: one new
    ``closed`` event carrying the reason, no reopen (GitHub shows it as closed again, as not planned). The same
    reason again, or a reason without ``state``, changes nothing."""
    n = new_issue()["number"]
    path = f"/repos/acme/shop/issues/{n}"
    alice.patch(path, json={"state": "closed", "state_reason": "completed"})
    changed = bot.patch(path, json={"state": "closed", "state_reason": "not_planned"})
    assert changed.status_code == 200
    assert (changed.json()["state"], changed.json()["state_reason"]) == ("closed", "not_planned")
    assert changed.json()["closed_by"]["login"] == "weavesync-bot"
    assert bot.patch(path, json={"state": "closed", "state_reason": "not_planned"}).status_code == 200
    assert bot.patch(path, json={"state_reason": "completed"}).json()["state_reason"] == "not_planned"
    assert bot.patch(path, json={"state": "closed", "state_reason": "reopened"}).status_code == 422
    events = bot.get(f"{path}/events").json()
    assert [(e["event"], e["state_reason"], e["actor"]["login"]) for e in events] == [
        ("closed", "completed", "alice"), ("closed", "not_planned", "weavesync-bot")]


def test_every_change_bumps_updated_at_and_the_etag(bot: httpx.Client, new_issue: Make, url: str) -> None:
    n = new_issue()["number"]
    path = f"/repos/acme/shop/issues/{n}"
    before = bot.get(path)
    httpx.post(f"{url}/_sandbox/clock", json={"advance_seconds": 2})
    bot.post(f"{path}/labels", json=["bug"])
    after = bot.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.json()["updated_at"] > before.json()["updated_at"]


def test_patch_labels_replace_the_set(bot: httpx.Client, new_issue: Make) -> None:
    n = new_issue(labels=["bug", "question"])["number"]
    updated = bot.patch(f"/repos/acme/shop/issues/{n}", json={"labels": ["enhancement"]}).json()
    assert [lb["name"] for lb in updated["labels"]] == ["enhancement"]


def test_label_endpoints(bot: httpx.Client, new_issue: Make) -> None:
    n = new_issue(labels=["bug"])["number"]
    base = f"/repos/acme/shop/issues/{n}/labels"
    added = bot.post(base, json={"labels": ["in-progress"]})
    assert added.status_code == 200 and [lb["name"] for lb in added.json()] == ["bug", "in-progress"]
    assert bot.post(base, json={"labels": []}).status_code == 422
    assert [lb["name"] for lb in bot.post(base, json=["question"]).json()] == ["bug", "in-progress", "question"]
    remaining = bot.delete(f"{base}/in-progress")
    assert [lb["name"] for lb in remaining.json()] == ["bug", "question"]
    missing = bot.delete(f"{base}/in-progress")
    assert missing.status_code == 404 and missing.json()["message"] == "Label does not exist"
    assert [lb["name"] for lb in bot.put(base, json={"labels": ["wontfix"]}).json()] == ["wontfix"]
    assert bot.delete(base).status_code == 204
    assert bot.get(base).json() == []


def test_events_timeline_records_actor_and_time(bot: httpx.Client, alice: httpx.Client, new_issue: Make) -> None:
    n = new_issue()["number"]
    path = f"/repos/acme/shop/issues/{n}"
    alice.post(f"{path}/labels", json=["bug"])
    alice.patch(path, json={"state": "closed", "state_reason": "not_planned"})
    bot.patch(path, json={"state": "open"})
    bot.delete(f"{path}/labels/bug")
    events = bot.get(f"{path}/events").json()
    assert [(e["event"], e["actor"]["login"]) for e in events] == [
        ("labeled", "alice"), ("closed", "alice"), ("reopened", "weavesync-bot"), ("unlabeled", "weavesync-bot")]
    assert events[1]["state_reason"] == "not_planned"
    assert events[0]["label"]["name"] == "bug" and events[0]["created_at"].endswith("Z")


def test_comments_list_and_create(bot: httpx.Client, new_issue: Make) -> None:
    n = new_issue()["number"]
    base = f"/repos/acme/shop/issues/{n}/comments"
    assert bot.post(base, json={}).status_code == 422
    created = bot.post(base, json={"body": "hello <!-- weavesync:op=1 -->"})
    assert created.status_code == 201 and created.headers["location"].endswith(str(created.json()["id"]))
    bot.post(base, json={"body": "second"})
    bodies = [c["body"] for c in bot.get(base).json()]
    assert bodies == ["hello <!-- weavesync:op=1 -->", "second"]
    assert bot.get(f"/repos/acme/shop/issues/{n}").json()["comments"] == 2


def test_list_filters_sort_since_and_link_pages(bot: httpx.Client, url: str, state: GitHubSandbox) -> None:
    seeded = httpx.post(f"{url}/_sandbox/seed", json={"count": 250, "labels": ["seeded"], "closed_every": 5}).json()
    params: dict[str, Any] = {"state": "all", "labels": "seeded", "per_page": 100, "direction": "asc"}
    first = bot.get("/repos/acme/shop/issues", params=params)
    assert len(first.json()) == 100 and first.json()[0]["number"] == seeded["first"]
    assert 'rel="next"' in first.headers["link"] and 'rel="last"' in first.headers["link"]
    seen = [i["number"] for i in first.json()]
    next_url = first.headers["link"].split(";")[0].strip("<>")
    while next_url:
        page = bot.get(next_url)
        seen += [i["number"] for i in page.json()]
        links = {part.split(";")[1].strip(): part.split(";")[0].strip(" <>")
                 for part in page.headers.get("link", "").split(",") if ";" in part}
        next_url = links.get('rel="next"', "")
    assert seen == list(range(seeded["first"], seeded["last"] + 1))
    closed = bot.get("/repos/acme/shop/issues", params={"state": "closed", "labels": "seeded", "per_page": 100})
    assert len(closed.json()) == 50
    assert bot.get("/repos/acme/shop/issues", params={"per_page": 500, "state": "all"}).json().__len__() == 100
    assert bot.get("/repos/acme/shop/issues", params={"sort": "color"}).status_code == 422
    assert bot.get("/repos/acme/shop/issues", params={"since": "yesterday"}).status_code == 422

    httpx.post(f"{url}/_sandbox/clock", json={"advance_seconds": 5})
    touched = seeded["first"] + 7
    bot.post(f"/repos/acme/shop/issues/{touched}/labels", json=["bug"])
    since = state.store.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = bot.get("/repos/acme/shop/issues",
                     params={"state": "all", "sort": "updated", "direction": "asc", "since": since}).json()
    assert [i["number"] for i in recent] == [touched]
