"""Reading through the Azure DevOps adapter: batches, changes since a cursor, workflow, auth, throttling."""

from __future__ import annotations

import httpx
import pytest
from ado_helpers import connection, control, person_create, person_patch, requests_made

from weavesync.errors import AuthFailed, Retryable
from weavesync.sandbox import Sandbox
from weavesync.trackers.azure_devops import AdoAdapter
from weavesync.trackers.azure_devops.client import AdoClient
from weavesync.trackers.http import Governor, HttpClient

MANAGED = frozenset({"weavesync-paused", "weavesync-review"})


def test_read_many_uses_batches_of_200_and_reports_gone_items(sandbox: Sandbox, adapter: AdoAdapter) -> None:
    seeded = control(sandbox, "POST", "seed", {"count": 450, "type": "Feature", "state": "Active",
                                       "tags": "weavesync-paused; team-red"})
    items = [f"acme/Shop/{i}" for i in seeded["ids"]] + ["acme/Shop/999999"]
    control(sandbox, "POST", "stats/reset", {})
    found = adapter.read_many(items, MANAGED)
    counts = requests_made(sandbox)
    assert counts == {"POST /{org}/{project}/_apis/wit/workitemsbatch": 3,
                      "GET /{org}/{project}/_apis/wit/workitemtypes/{type}/states": 1}
    assert found["acme/Shop/999999"] is None
    first = found[items[0]]
    assert first is not None
    assert first.state.state == "Active" and first.state.category == "InProgress"
    assert first.state.markers == frozenset({"weavesync-paused"})
    assert first.version == "1" and first.item_type == "Feature"


def test_changed_since_overlaps_dedupes_and_advances(sandbox: Sandbox, adapter: AdoAdapter,
                                                     alice: httpx.Client) -> None:
    start = adapter.changed_since(None, MANAGED)
    created = person_create(alice, "User Story", "Poll me")
    first = adapter.changed_since(start.cursor, MANAGED)
    assert [r.link_item for r in first.items] == [f"acme/Shop/{created['id']}"]
    again = adapter.changed_since(first.cursor, MANAGED)
    assert again.items == []
    person_patch(alice, created["id"], [{"op": "add", "path": "/fields/System.State", "value": "Active"}])
    moved = adapter.changed_since(again.cursor, MANAGED)
    assert [(r.link_item, r.version, r.state.state) for r in moved.items] == [
        (f"acme/Shop/{created['id']}", "2", "Active")]
    assert moved.items[0].changed_by == "Alice Example"


def test_changed_since_reads_items_changed_a_little_before_the_cursor(sandbox: Sandbox, adapter: AdoAdapter,
                                                                      alice: httpx.Client) -> None:
    """The overlap: an item saved just before the last asOf (e.g. a lagging write) is still found once."""
    baseline = adapter.changed_since(None, MANAGED)
    created = person_create(alice, "Task", "Saved just before asOf")
    stamp, _, _ = baseline.cursor.partition("|")
    # A cursor whose asOf lies after the change, with nothing seen: the overlap must still find the item.
    later = adapter.changed_since(baseline.cursor, MANAGED).cursor.partition("|")[0]
    found = adapter.changed_since(f"{later}|", MANAGED)
    assert f"acme/Shop/{created['id']}" in [r.link_item for r in found.items]
    assert stamp <= later


def test_describe_workflow_per_type_and_process(sandbox: Sandbox, adapter: AdoAdapter) -> None:
    control(sandbox, "POST", "projects", {"name": "Scrummy", "process": "Scrum"})
    scrum = AdoAdapter(connection(sandbox, project="Scrummy"))
    workflow = scrum.describe_workflow(item_type="Product Backlog Item")
    assert [(s.name, s.category) for s in workflow.statuses] == [
        ("New", "Proposed"), ("Approved", "Proposed"), ("Committed", "InProgress"), ("Done", "Completed"),
        ("Removed", "Removed")]
    assert "Done" in workflow.transitions["New"]
    agile = adapter.describe_workflow("acme/Shop/6")
    assert agile.item_type == "Bug" and "Removed" not in [s.name for s in agile.statuses]


def test_check_auth_and_a_bad_pat(sandbox: Sandbox, adapter: AdoAdapter) -> None:
    info = adapter.check_auth()
    assert info.ok and info.user == "weavesync bot"
    bad_pat = "not-a-real-pat-0123456789"
    bad = AdoAdapter(connection(sandbox, pat=bad_pat))
    with pytest.raises(AuthFailed) as caught:
        bad.check_auth()
    assert caught.value.status == 401
    assert "TF400813" in str(caught.value)
    assert bad_pat not in str(caught.value) and bad_pat not in repr(caught.value) and bad_pat not in repr(bad)
    with pytest.raises(AuthFailed):
        bad.read_many(["acme/Shop/1"], MANAGED)


def test_429_surfaces_as_retryable_with_retry_after(sandbox: Sandbox) -> None:
    waits: list[float] = []
    conn = connection(sandbox)
    client = AdoClient(conn)
    client.http = HttpClient(tracker="ado", base_url=client.org_url, auth_header=client.http._client.headers[
        "Authorization"], credential_id="rate-test", governor=Governor(sleep=waits.append))
    limited = AdoAdapter(conn, client=client)
    control(sandbox, "POST", "ratelimit", {"limit": 2, "block_at": 3, "delay_seconds": 0.01})
    try:
        limited.read_many(["acme/Shop/1"], MANAGED)  # type states + batch: the budget is used up
        limited.read_many(["acme/Shop/1"], MANAGED)  # delayed: X-RateLimit-Delay tells the governor to wait
        with pytest.raises(Retryable) as caught:
            limited.read_many(["acme/Shop/1"], MANAGED)
    finally:
        control(sandbox, "POST", "ratelimit", {"limit": None})
    assert caught.value.status == 429 and caught.value.retry_after is not None and caught.value.retry_after >= 1
    assert waits and waits[0] > 0


def test_bench_reads_a_thousand_items_in_six_requests() -> None:
    from bench.bench_ado_read import measure

    total, per_route, _ = measure(1000)
    assert per_route["POST /{org}/{project}/_apis/wit/workitemsbatch"] == 5
    assert total == 6
