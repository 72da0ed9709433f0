"""Writing through the Azure DevOps adapter: states per type, tags, 412 races, comments, create without duplicates."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from ado_helpers import connection, control, person_create, person_patch, requests_made

from weavesync.errors import Retryable
from weavesync.model import Target
from weavesync.sandbox import Sandbox
from weavesync.trackers.azure_devops import AdoAdapter
from weavesync.trackers.azure_devops.client import AdoClient

MANAGED = frozenset({"weavesync-paused", "weavesync-review"})
ACTIVE = Target(state=None, category="InProgress")


def test_write_by_category_is_idempotent(adapter: AdoAdapter, alice: httpx.Client) -> None:
    story = person_create(alice, "User Story", "Write me")
    item = f"acme/Shop/{story['id']}"
    first = adapter.write(item, ACTIVE, MANAGED)
    assert first.changed and first.state.state == "Active" and first.state.category == "InProgress"
    assert first.version == "2"
    second = adapter.write(item, ACTIVE, MANAGED)
    assert not second.changed and second.version == "2"
    closed = adapter.write(item, Target(state="Closed"), MANAGED)
    assert closed.state.state == "Closed" and closed.state.category == "Completed"


def test_managed_tags_change_and_people_tags_survive(adapter: AdoAdapter, alice: httpx.Client) -> None:
    story = person_create(alice, "User Story", "Tagged", **{"System.Tags": "customer-x; weavesync-review"})
    item = f"acme/Shop/{story['id']}"
    receipt = adapter.write(item, Target(state="Active", markers=frozenset({"weavesync-paused"})), MANAGED)
    assert receipt.state.markers == frozenset({"weavesync-paused"})
    tags = alice.get(f"/Shop/_apis/wit/workitems/{story['id']}").json()["fields"]["System.Tags"]
    assert tags == "customer-x; weavesync-paused"


def test_resolved_falls_back_to_in_progress_and_removed_to_completed(
        sandbox: Sandbox, adapter: AdoAdapter, alice: httpx.Client) -> None:
    control(sandbox, "POST", "projects", {"name": "Plain", "process": "Basic"})
    basic = AdoAdapter(connection(sandbox, project="Plain"))
    issue = person_create(alice, "Issue", "Basic issue", project="Plain")
    receipt = basic.write(f"acme/Plain/{issue['id']}", Target(state=None, category="Resolved"), MANAGED)
    assert receipt.state.state == "Doing"
    bug = person_create(alice, "Bug", "Cannot be removed")
    closed = adapter.write(f"acme/Shop/{bug['id']}", Target(state=None, category="Removed"), MANAGED)
    assert closed.state.state == "Closed"
    story = person_create(alice, "User Story", "Can be removed")
    removed = adapter.write(f"acme/Shop/{story['id']}", Target(state=None, category="Removed"), MANAGED)
    assert removed.state.state == "Removed"


class RacingClient(AdoClient):
    """Lets a person save the item between our read and our PATCH, `races` times (a real race over HTTP)."""

    def __init__(self, *args: Any, person: httpx.Client, races: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.races = races

    def patch(self, item_id: int, ops: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        if self.races > 0:
            self.races -= 1
            person_patch(self.person, item_id, [{"op": "add", "path": "/fields/System.Tags", "value": "hands-on"}])
        return super().patch(item_id, ops, **kwargs)


def test_412_race_rereads_and_retries(sandbox: Sandbox, alice: httpx.Client) -> None:
    story = person_create(alice, "User Story", "Raced")
    racing = AdoAdapter(connection(sandbox), client=RacingClient(connection(sandbox), person=alice, races=1))
    control(sandbox, "POST", "stats/reset", {})
    receipt = racing.write(f"acme/Shop/{story['id']}", Target(state="Active"), MANAGED)
    assert receipt.changed and receipt.state.state == "Active" and receipt.version == "3"
    assert requests_made(sandbox)["PATCH /{org}/{project}/_apis/wit/workitems/{id:int}"] == 3  # 1 person + 2 ours
    fields = alice.get(f"/Shop/_apis/wit/workitems/{story['id']}").json()["fields"]
    assert fields["System.Tags"] == "hands-on"


def test_412_race_that_never_ends_is_a_conflict(sandbox: Sandbox, alice: httpx.Client) -> None:
    from weavesync.errors import Conflict

    story = person_create(alice, "User Story", "Always raced")
    racing = AdoAdapter(connection(sandbox), client=RacingClient(connection(sandbox), person=alice, races=10))
    with pytest.raises(Conflict):
        racing.write(f"acme/Shop/{story['id']}", Target(state="Active"), MANAGED)


def test_comment_with_the_same_op_posts_once(adapter: AdoAdapter, alice: httpx.Client) -> None:
    story = person_create(alice, "User Story", "Comment me")
    item = f"acme/Shop/{story['id']}"
    assert adapter.comment(item, "Status: completed, synced from SpecWeave increment 0042", "op-1") is True
    assert adapter.comment(item, "Status: completed, synced from SpecWeave increment 0042", "op-1") is False
    assert adapter.comment(item, "Status: active", "op-2") is True
    comments = alice.get(f"/Shop/_apis/wit/workItems/{story['id']}/comments",
                         params={"api-version": "7.1-preview.4"}).json()["comments"]
    assert len(comments) == 2
    assert "<!-- weavesync:op=op-1 -->" in comments[0]["text"]


def test_create_after_a_lost_response_does_not_duplicate(sandbox: Sandbox, adapter: AdoAdapter,
                                                         alice: httpx.Client) -> None:
    target = Target(state=None, category="InProgress", markers=frozenset({"weavesync-review"}))
    fresh = adapter.create("Other", "Increment 0041-other", "weavesync:0041-other", target, MANAGED)
    assert fresh.created is True
    control(sandbox, "POST", "script", {"kind": "lost", "method": "POST", "path": r"/workitems/\$"})
    with pytest.raises(Retryable):
        adapter.create("Checkout v2", "Increment 0042-checkout", "weavesync:0042-checkout", target, MANAGED)
    created = adapter.create("Checkout v2", "Increment 0042-checkout", "weavesync:0042-checkout", target, MANAGED)
    assert created.state.state == "Active" and created.item_type == "Feature"
    assert created.created is False  # the lost attempt made it; this one found it by its marker
    assert created.state.markers == frozenset({"weavesync-review"})
    query = {"query": "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND "
                      "[System.Tags] CONTAINS 'weavesync:0042-checkout'"}
    found = alice.post("/Shop/_apis/wit/wiql", json=query).json()["workItems"]
    assert [f"acme/Shop/{w['id']}" for w in found] == [created.link_item]
    again = adapter.create("Checkout v2", "Increment 0042-checkout", "weavesync:0042-checkout", target, MANAGED)
    assert again.link_item == created.link_item and again.created is False


def test_a_lost_patch_is_retried_into_the_target_with_one_revision(sandbox: Sandbox, adapter: AdoAdapter,
                                                                     alice: httpx.Client) -> None:
    """State and tags go in one PATCH: after a lost response the item is already at the target (never partial),
    and writing again changes nothing."""
    story = person_create(alice, "User Story", "Lost patch")
    item = f"acme/Shop/{story['id']}"
    target = Target(state="Active", markers=frozenset({"weavesync-review"}))
    before = adapter.read_many([item], MANAGED)[item]
    assert before is not None
    control(sandbox, "POST", "script", [{"kind": "lost", "method": "PATCH", "path": f"/workitems/{story['id']}$"}])
    with pytest.raises(Retryable):
        adapter.write(item, target, MANAGED)
    after = adapter.read_many([item], MANAGED)[item]
    assert after is not None and after.version == "2"
    assert not adapter.is_partial_write(before.state, target, after.state, MANAGED)
    assert not adapter.is_partial_write(before.state, target, before.state, MANAGED)
    receipt = adapter.write(item, target, MANAGED)
    assert not receipt.changed and receipt.version == "2"
    assert (receipt.state.state, receipt.state.markers) == ("Active", frozenset({"weavesync-review"}))
