"""`GitHubAdapter.last_change` against the sandbox over real HTTP: who reopened an issue (an issue names only who
closed it), which label events count, and conditional reads of the events pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from github_helpers import MANAGED

from weavesync.errors import ItemGone
from weavesync.model import Connection, Target
from weavesync.trackers.github import GitHubAdapter
from weavesync.trackers.github.refs import parse_time
from weavesync.trackers.http import Governor

Make = Callable[..., dict[str, Any]]
ACTIVE = Target(state="open", markers=frozenset({"in-progress"}))
COMPLETED = Target(state="closed", reason="completed")


class Recording(httpx.HTTPTransport):
    """Real HTTP, remembering (method, path, status) of every exchange."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.seen.append((request.method, request.url.path, response.status_code))
        return response


def ref(number: int) -> str:
    return f"acme/shop#{number}"


def newest_event(alice: httpx.Client, number: int, kind: str) -> dict[str, Any]:
    events = alice.get(f"/repos/acme/shop/issues/{number}/events", params={"per_page": 100}).json()
    found: dict[str, Any] = [e for e in events if e["event"] == kind][-1]
    return found


def test_names_who_reopened_an_issue_the_issue_itself_does_not(adapter: GitHubAdapter, new_issue: Make,
                                                               alice: httpx.Client) -> None:
    n = new_issue()["number"]
    adapter.write(ref(n), COMPLETED, MANAGED)
    assert alice.patch(f"/repos/acme/shop/issues/{n}", json={"state": "open"}).status_code == 200
    read = adapter.read_many([ref(n)], MANAGED)[ref(n)]
    assert read is not None and read.state.state == "open" and read.changed_by is None  # why last_change exists

    who, when = adapter.last_change(ref(n), MANAGED)

    assert who == "alice"
    assert when == parse_time(newest_event(alice, n, "reopened")["created_at"])


def test_only_state_events_and_managed_labels_count(adapter: GitHubAdapter, new_issue: Make,
                                                    alice: httpx.Client) -> None:
    n = new_issue()["number"]
    assert alice.patch(f"/repos/acme/shop/issues/{n}", json={"state": "closed"}).status_code == 200
    adapter.client.http.post(f"/repos/acme/shop/issues/{n}/labels", json={"labels": ["customer"]})
    assert adapter.last_change(ref(n), MANAGED)[0] == "alice"  # the bot's label is a person's kind of label

    adapter.write(ref(n), Target(state="closed", markers=frozenset({"wontfix"})), MANAGED)

    who, when = adapter.last_change(ref(n), MANAGED)
    assert who == "weavesync-bot"
    assert when == parse_time(newest_event(alice, n, "labeled")["created_at"])
    assert adapter.last_change(ref(n))[0] == "alice"  # with no managed labels only the close counts


def test_an_issue_with_no_state_change_has_no_last_change(adapter: GitHubAdapter, new_issue: Make) -> None:
    n = new_issue()["number"]
    adapter.client.http.post(f"/repos/acme/shop/issues/{n}/labels", json={"labels": ["customer"]})
    assert adapter.last_change(ref(n), MANAGED) == (None, None)


def test_asking_again_about_an_unchanged_issue_is_answered_by_304s(
    connect: Callable[..., Connection], new_issue: Make, alice: httpx.Client
) -> None:
    n = new_issue()["number"]
    assert alice.patch(f"/repos/acme/shop/issues/{n}", json={"state": "closed"}).status_code == 200
    recording = Recording()
    adapter = GitHubAdapter(connect(), governor=Governor(writes_per_minute=None), transport=recording)
    path = f"/repos/acme/shop/issues/{n}/events"
    try:
        first = adapter.last_change(ref(n), MANAGED)
        assert [s for m, p, s in recording.seen if p == path] == [200]
        assert adapter.last_change(ref(n), MANAGED) == first
        assert [s for m, p, s in recording.seen if p == path] == [200, 304]

        assert alice.patch(f"/repos/acme/shop/issues/{n}", json={"state": "open"}).status_code == 200
        reopened = adapter.last_change(ref(n), MANAGED)
        assert [s for m, p, s in recording.seen if p == path] == [200, 304, 200]
        assert reopened == ("alice", parse_time(newest_event(alice, n, "reopened")["created_at"]))
    finally:
        adapter.close()


def test_a_missing_issue_is_gone(adapter: GitHubAdapter) -> None:
    with pytest.raises(ItemGone):
        adapter.last_change(ref(999_999), MANAGED)
