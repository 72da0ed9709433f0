"""The GitHub adapter against the sandbox over real HTTP: reads, cursors, writes, comments, create."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from github_helpers import MANAGED, Stats

from weavesync.errors import ItemGone, Rejected, Retryable
from weavesync.model import ExternalState, Target
from weavesync.trackers.github import GitHubAdapter
from weavesync.trackers.http import Governor

Make = Callable[..., dict[str, Any]]
ACTIVE = Target(state="open", markers=frozenset({"in-progress"}))
PAUSED = Target(state="open", markers=frozenset({"paused"}))
COMPLETED = Target(state="closed", reason="completed")
ABANDONED = Target(state="closed", reason="not_planned", markers=frozenset({"wontfix"}))


def ref(number: int) -> str:
    return f"acme/shop#{number}"


def test_read_many_reads_1000_items_in_a_few_pages(adapter: GitHubAdapter, url: str, stats: Stats) -> None:
    seeded = httpx.post(f"{url}/_sandbox/seed", json={"count": 1000, "closed_every": 4,
                                                      "labels": ["in-progress", "customer"]}).json()
    newer = httpx.post(f"{url}/_sandbox/seed", json={"count": 30}).json()
    items = [ref(n) for n in range(seeded["first"], seeded["last"] + 1)]
    stats.reset()
    found = adapter.read_many(items, MANAGED)
    calls = stats.total()
    assert calls <= 11, stats.requests()
    assert set(found) == set(items)
    first = found[items[0]]
    fourth = found[items[3]]
    assert first is not None and first.state == ExternalState("open", markers=frozenset({"in-progress"}))
    assert fourth is not None and (fourth.state.state, fourth.state.reason) == ("closed", "completed")
    assert first.version.endswith("Z") and first.url is not None
    assert newer["last"] > seeded["last"]


def test_read_many_marks_only_confirmed_missing_items_gone(adapter: GitHubAdapter, url: str, new_issue: Make,
                                                           stats: Stats) -> None:
    kept, deleted = new_issue()["number"], new_issue()["number"]
    httpx.post(f"{url}/_sandbox/issues/delete", json={"number": deleted})
    stats.reset()
    found = adapter.read_many([ref(kept), ref(deleted), ref(987654)], MANAGED)
    assert found[ref(kept)] is not None
    assert found[ref(deleted)] is None and found[ref(987654)] is None
    assert stats.requests().get("GET /repos/{owner}/{repo}/issues/{issue_number}", 0) == 2


def test_read_one_is_one_call(adapter: GitHubAdapter, stats: Stats) -> None:
    stats.reset()
    found = adapter.read_many([ref(2)], MANAGED)
    assert found[ref(2)] is not None and stats.total() == 1


def test_changed_since_with_cursor(adapter: GitHubAdapter, url: str, alice: httpx.Client, new_issue: Make) -> None:
    httpx.post(f"{url}/_sandbox/clock", json={"advance_seconds": 10})
    marker = new_issue()["number"]
    first = adapter.changed_since(None, MANAGED)
    assert len(first.items) <= 100 and first.items[-1].link_item == ref(marker)
    httpx.post(f"{url}/_sandbox/clock", json={"advance_seconds": 10})
    a, b = new_issue()["number"], new_issue()["number"]
    alice.patch(f"/repos/acme/shop/issues/{a}", json={"state": "closed"})
    batch = adapter.changed_since(first.cursor, MANAGED)
    # the overlap re-reads what changed in the cursor's own second; nothing older
    assert [i.link_item for i in batch.items] == [ref(marker), ref(b), ref(a)]
    assert batch.items[-1].state.state == "closed"
    assert batch.cursor == batch.items[-1].version > first.cursor
    httpx.post(f"{url}/_sandbox/clock", json={"advance_seconds": 10})
    again = adapter.changed_since(batch.cursor, MANAGED)
    assert [i.version for i in again.items] == [batch.cursor] * len(again.items)
    assert again.cursor == batch.cursor


def test_changed_since_pages_through_many_changes_in_one_second(adapter: GitHubAdapter, url: str) -> None:
    start = adapter.changed_since(None, MANAGED).cursor
    httpx.post(f"{url}/_sandbox/clock", json={"advance_seconds": 10})
    seeded = httpx.post(f"{url}/_sandbox/seed", json={"count": 250}).json()
    batch = adapter.changed_since(start, MANAGED)
    numbers = [int(i.link_item.split("#")[1]) for i in batch.items]
    assert len(numbers) == len(set(numbers))
    assert set(range(seeded["first"], seeded["last"] + 1)) <= set(numbers)


def test_write_is_idempotent(adapter: GitHubAdapter, new_issue: Make, stats: Stats) -> None:
    n = new_issue()["number"]
    receipt = adapter.write(ref(n), COMPLETED, MANAGED)
    assert receipt.changed and receipt.state == ExternalState("closed", "completed")
    stats.reset()
    again = adapter.write(ref(n), COMPLETED, MANAGED)
    assert not again.changed and again.version == receipt.version
    assert stats.writes() == 0


def test_labels_set_by_a_person_survive_our_writes(adapter: GitHubAdapter, alice: httpx.Client,
                                                   new_issue: Make, stats: Stats) -> None:
    n = new_issue(labels=["bug"])["number"]
    alice.post(f"/repos/acme/shop/issues/{n}/labels", json=["customer-x"])
    stats.reset()
    active = adapter.write(ref(n), ACTIVE, MANAGED)
    assert active.state.markers == {"in-progress"}
    paused = adapter.write(ref(n), PAUSED, MANAGED)
    assert paused.state.markers == {"paused"}
    labels = [lb["name"] for lb in alice.get(f"/repos/acme/shop/issues/{n}").json()["labels"]]
    assert sorted(labels) == ["bug", "customer-x", "paused"]
    requests = stats.requests()
    assert "PUT /repos/{owner}/{repo}/issues/{issue_number}/labels" not in requests
    assert requests["DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name:path}"] == 1


def test_abandon_switches_the_close_reason_and_adds_wontfix(adapter: GitHubAdapter, new_issue: Make,
                                                            alice: httpx.Client) -> None:
    n = new_issue(labels=["in-progress"])["number"]
    adapter.write(ref(n), COMPLETED, MANAGED)
    receipt = adapter.write(ref(n), ABANDONED, MANAGED)
    assert receipt.state == ExternalState("closed", "not_planned", markers=frozenset({"wontfix"}))
    reopened = adapter.write(ref(n), ACTIVE, MANAGED)
    assert reopened.state == ExternalState("open", markers=frozenset({"in-progress"}))
    events = [e["event"] for e in alice.get(f"/repos/acme/shop/issues/{n}/events").json()]
    assert events.count("closed") >= 2 and events[-1] in ("labeled", "unlabeled")


def test_completed_to_abandoned_is_one_patch_and_one_closed_event(adapter: GitHubAdapter, new_issue: Make,
                                                                   alice: httpx.Client, stats: Stats) -> None:
    """SpecWeave completed -> abandoned on a closed issue changes only the close reason: one PATCH, one state
    event in the issue's timeline (a reopen + close would notify watchers twice and look like a person's reopen)."""
    n = new_issue()["number"]
    adapter.write(ref(n), COMPLETED, MANAGED)
    before = len(alice.get(f"/repos/acme/shop/issues/{n}/events").json())
    stats.reset()
    receipt = adapter.write(ref(n), ABANDONED, MANAGED)
    assert receipt.changed and receipt.state == ExternalState("closed", "not_planned", markers=frozenset({"wontfix"}))
    assert stats.requests().get("PATCH /repos/{owner}/{repo}/issues/{issue_number}") == 1
    new_events = alice.get(f"/repos/acme/shop/issues/{n}/events").json()[before:]
    assert [(e["event"], e.get("state_reason")) for e in new_events if e["event"] in ("closed", "reopened")] == [
        ("closed", "not_planned")]


def test_write_to_a_deleted_issue_is_item_gone(adapter: GitHubAdapter, new_issue: Make, url: str) -> None:
    n = new_issue()["number"]
    httpx.post(f"{url}/_sandbox/issues/delete", json={"number": n})
    with pytest.raises(ItemGone):
        adapter.write(ref(n), COMPLETED, MANAGED)


def test_bad_target_is_rejected_before_any_call(adapter: GitHubAdapter, stats: Stats) -> None:
    stats.reset()
    with pytest.raises(Rejected):
        adapter.write(ref(1), Target(state="Done"), MANAGED)
    assert stats.total() == 0


def test_comment_marker_dedupes(adapter: GitHubAdapter, new_issue: Make, alice: httpx.Client) -> None:
    n = new_issue()["number"]
    assert adapter.comment(ref(n), "Status: completed, synced from SpecWeave increment 0042", "op-1") is True
    assert adapter.comment(ref(n), "Status: completed, synced from SpecWeave increment 0042", "op-1") is False
    assert adapter.comment(ref(n), "Status: active", "op-2") is True
    bodies = [c["body"] for c in alice.get(f"/repos/acme/shop/issues/{n}/comments").json()]
    assert len(bodies) == 2 and bodies[0].endswith("<!-- weavesync:op=op-1 -->")


def test_comment_after_a_lost_response_is_not_posted_twice(adapter: GitHubAdapter, new_issue: Make,
                                                           url: str, alice: httpx.Client) -> None:
    n = new_issue()["number"]
    httpx.post(f"{url}/_sandbox/script", json={"kind": "lost", "method": "POST", "path": "/comments$"})
    with pytest.raises(Retryable):
        adapter.comment(ref(n), "hello", "op-lost")
    assert adapter.comment(ref(n), "hello", "op-lost") is False
    assert len(alice.get(f"/repos/acme/shop/issues/{n}/comments").json()) == 1


def test_create_after_a_lost_response_does_not_duplicate(adapter: GitHubAdapter, url: str,
                                                         alice: httpx.Client) -> None:
    httpx.post(f"{url}/_sandbox/script", json={"kind": "lost", "method": "POST", "path": "/issues$"})
    with pytest.raises(Retryable):
        adapter.create("0042 checkout", "Increment 0042", "0042-checkout", ACTIVE, MANAGED)
    item = adapter.create("0042 checkout", "Increment 0042", "0042-checkout", ACTIVE, MANAGED)
    assert item.state == ExternalState("open", markers=frozenset({"in-progress"}))
    assert item.created is False  # the lost attempt made it; this one found it by its marker
    mine = alice.get("/repos/acme/shop/issues", params={"state": "all", "creator": "weavesync-bot",
                                                        "per_page": 100}).json()
    marked = [i for i in mine if "weavesync:increment=0042-checkout" in (i["body"] or "")]
    assert [f"acme/shop#{i['number']}" for i in marked] == [item.link_item]


def test_create_closed_item(adapter: GitHubAdapter) -> None:
    item = adapter.create("0043 done already", "", "0043-done", ABANDONED, MANAGED)
    assert item.state == ExternalState("closed", "not_planned", markers=frozenset({"wontfix"}))
    assert item.created is True


def test_describe_workflow(adapter: GitHubAdapter) -> None:
    flow = adapter.describe_workflow()
    assert [s.name for s in flow.statuses] == ["open", "closed"]
    assert flow.transitions == {"open": ["closed"], "closed": ["open"]}


def test_writes_are_paced_by_the_governor(url: str, new_issue: Make, connect: Callable[..., Any]) -> None:
    waits: list[float] = []
    now = [1000.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    governor = Governor(writes_per_minute=60, clock=lambda: now[0], sleep=sleep)
    paced = GitHubAdapter(connect(), governor=governor)
    n = new_issue()["number"]
    paced.write(ref(n), ACTIVE, MANAGED)
    paced.write(ref(n), COMPLETED, MANAGED)
    paced.close()
    # three writes (add label; close; remove label), one second apart; the reads in between are not paced
    assert waits == [pytest.approx(1.0), pytest.approx(1.0)]
