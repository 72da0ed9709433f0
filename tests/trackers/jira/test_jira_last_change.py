"""`JiraAdapter.last_change` against the sandbox over real HTTP: the newest changelog entry that moved the status
or a managed label, read newest page first; plus `changes_managed` on its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jira_adapter_helpers import connection, move

from sandbox_clients import new_jira_issue, request_counts, reset_request_counts
from weavesync.errors import ItemGone
from weavesync.sandbox.server import ACCOUNTS, BOT, PERSON
from weavesync.trackers.http import Governor
from weavesync.trackers.jira import KIND, JiraAdapter
from weavesync.trackers.jira.issues import changes_managed, parse_jira_time

MANAGED = frozenset({"weavesync-paused"})
CHANGELOG = "GET /rest/api/3/issue/{key}/changelog"
ALICE = ACCOUNTS["jira"][PERSON].display_name
THE_BOT = ACCOUNTS["jira"][BOT].display_name


@pytest.fixture()
def adapter(url: str) -> Iterator[JiraAdapter]:
    """The bot's adapter with a governor of its own (as in test_jira_check_target.py): the process-wide one keeps
    the budget a rate-limit test taught it after the sandbox drops its limit, and would pause every call."""
    made = KIND.connect(connection(url))
    assert isinstance(made, JiraAdapter)
    made.client.http.governor = Governor()
    yield made
    made.close()


def newest_history(alice: httpx.Client, key: str, field: str) -> dict[str, Any]:
    """The newest entry touching `field`, from every page of the changelog (oldest first)."""
    values: list[dict[str, Any]] = []
    while True:
        page = alice.get(f"/rest/api/3/issue/{key}/changelog", params={"startAt": len(values)}).json()
        values.extend(page["values"])
        if page["isLast"]:
            break
    found: dict[str, Any] = [h for h in values if any(i["field"] == field for i in h["items"])][-1]
    return found


def test_names_who_moved_the_status_and_when(adapter: JiraAdapter, alice: httpx.Client) -> None:
    key = new_jira_issue(alice)
    move(alice, key, "11")
    adapter.client.update_labels(key, ["customer"], [])  # a person's kind of label: not a managed change

    who, when = adapter.last_change(key, MANAGED)

    assert who == ALICE
    assert when == parse_jira_time(newest_history(alice, key, "status")["created"])


def test_a_managed_label_counts_and_an_unmanaged_one_does_not(adapter: JiraAdapter, alice: httpx.Client) -> None:
    key = new_jira_issue(alice)
    move(alice, key, "11")
    adapter.client.update_labels(key, ["weavesync-paused"], [])

    who, when = adapter.last_change(key, MANAGED)

    assert who == THE_BOT
    assert when == parse_jira_time(newest_history(alice, key, "labels")["created"])
    assert adapter.last_change(key)[0] == ALICE  # with no managed labels only the status counts


def test_an_issue_never_moved_has_no_last_change(adapter: JiraAdapter, alice: httpx.Client) -> None:
    assert adapter.last_change(new_jira_issue(alice), MANAGED) == (None, None)


def test_a_long_changelog_is_read_from_its_newest_page_back(url: str, adapter: JiraAdapter,
                                                            alice: httpx.Client) -> None:
    key = new_jira_issue(alice)
    move(alice, key, "11")
    for n in range(105):  # 105 unmanaged label edits after the move: the move is on the first page of 106
        adapter.client.update_labels(key, [f"tag-{n}"], [f"tag-{n - 1}"] if n else [])
    reset_request_counts(url)

    who, when = adapter.last_change(key, MANAGED)

    assert request_counts(url).get(CHANGELOG) == 2  # the first page (kept, and it says the total), then the newest one
    assert who == ALICE
    assert when == parse_jira_time(newest_history(alice, key, "status")["created"])

    adapter.client.update_labels(key, ["weavesync-paused"], [])
    reset_request_counts(url)
    assert adapter.last_change(key, MANAGED)[0] == THE_BOT
    assert request_counts(url).get(CHANGELOG) == 2  # found on the newest page: no walk back


def test_a_missing_issue_is_gone(adapter: JiraAdapter) -> None:
    with pytest.raises(ItemGone):
        adapter.last_change("CORE-999999", MANAGED)


@pytest.mark.parametrize(("items", "expected"), [
    ([{"field": "status", "fromString": "To Do", "toString": "Done"}], True),
    ([{"field": "labels", "fromString": "customer", "toString": "customer weavesync-paused"}], True),
    ([{"field": "labels", "fromString": "Weavesync-Paused", "toString": ""}], True),
    ([{"field": "labels", "fromString": "customer", "toString": "customer vip"}], False),
    ([{"field": "labels", "fromString": "weavesync-paused", "toString": "weavesync-paused vip"}], False),
    ([{"field": "summary", "fromString": "a", "toString": "b"}], False),
    ([], False),
])
def test_changes_managed(items: list[dict[str, str]], expected: bool) -> None:
    assert changes_managed({"items": items}, MANAGED) is expected
