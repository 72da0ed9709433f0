"""read_many and changed_since over real HTTP, counted with the sandbox's request counter."""

from __future__ import annotations

import httpx
from jira_adapter_helpers import move

from sandbox_clients import new_jira_issue, request_counts, reset_request_counts
from weavesync.sandbox import Sandbox
from weavesync.trackers.jira import JiraAdapter
from weavesync.trackers.jira.cursor import Cursor

SEARCH = "POST /rest/api/3/search/jql"


def test_read_many_pages_through_search_only(sandbox: Sandbox, url: str, adapter: JiraAdapter) -> None:
    keys = sandbox.apps["jira"].state.seed({"count": 250, "status": "In Review"})["keys"]
    reset_request_counts(url)
    found = adapter.read_many(keys, frozenset())
    assert request_counts(url) == {SEARCH: 3}  # 250 items, 100 per page when fields are asked for
    assert set(found) == set(keys)
    item = found[keys[0]]
    assert item is not None and item.state.state == "In Review" and item.state.category == "indeterminate"
    assert item.version.endswith("Z") and item.url == f"{url}/browse/{keys[0]}"


def test_read_many_marks_missing_items_gone(url: str, adapter: JiraAdapter, alice: httpx.Client) -> None:
    keys = [new_jira_issue(alice) for _ in range(3)]
    found = adapter.read_many([*keys, "CORE-999999"], frozenset({"weavesync"}))
    assert found["CORE-999999"] is None
    assert all(found[k] is not None for k in keys)


def test_changed_since_uses_the_users_zone_overlap_and_dedupe(url: str, adapter: JiraAdapter,
                                                             alice: httpx.Client) -> None:
    old = new_jira_issue(alice, "old")
    httpx.post(f"{url}/_sandbox/clock", json={"advance_seconds": 600})
    edge = new_jira_issue(alice, "edge")
    first = adapter.changed_since(None, frozenset())
    keys = {i.link_item for i in first.items}
    assert {old, edge} <= keys
    assert Cursor.decode(first.cursor).seen.get(edge)  # the item at the cursor's edge is remembered
    httpx.post(f"{url}/_sandbox/clock", json={"advance_seconds": 600})
    move(alice, old, "11")
    second = adapter.changed_since(first.cursor, frozenset())
    assert [i.link_item for i in second.items if i.link_item in (old, edge)] == [old]
    assert second.items[-1].state.state == "In Progress"
    third = adapter.changed_since(second.cursor, frozenset())
    assert all(i.link_item not in (old, edge) for i in third.items)  # overlap re-reads are deduped
    assert Cursor.decode(third.cursor).at == Cursor.decode(second.cursor).at
