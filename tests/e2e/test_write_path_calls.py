"""The write path's API calls, counted by the sandbox itself (`GET /_sandbox/stats`), over real HTTP.

A drain re-reads its claimed items with one batched `read_many` per tracker instead of one read per write, and a
first attempt posts its completion comment without listing the comments first. What must not weaken with it
(sync-semantics §3): a replay still looks for the op-id marker and never posts twice, and ADO's ``test /rev``
still catches a change made between the batched read and the write.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

import pytest

from sandbox_clients import request_counts, reset_request_counts
from weavesync.config import default_mappings
from weavesync.executor import drain, reconcile
from weavesync.model import RemoteItem, Status, Tracker
from weavesync.specweave import set_status

from .conftest import SANDBOX_NAMES, World

ITEMS = 3
SINGLE_READ = {Tracker.GITHUB: "GET /repos/{owner}/{repo}/issues/{issue_number}",
               Tracker.JIRA: "GET /rest/api/3/issue/{key}",
               Tracker.ADO: "POST /{org}/{project}/_apis/wit/workitemsbatch"}
BATCHED_READ = {Tracker.GITHUB: "GET /repos/{owner}/{repo}/issues",
                Tracker.JIRA: "POST /rest/api/3/search/jql",
                Tracker.ADO: "POST /{org}/{project}/_apis/wit/workitemsbatch"}


def url(world: World, tracker: Tracker) -> str:
    return world.sandbox.urls[SANDBOX_NAMES[tracker]]


def counts(world: World, tracker: Tracker) -> dict[str, int]:
    return request_counts(url(world, tracker))


def comment_routes(found: dict[str, int], method: str) -> int:
    return sum(n for route, n in found.items() if route.startswith(f"{method} ") and "comment" in route)


def clone_increment(world: World, number: int) -> str:
    """Another increment like 0042 (the World's project has one), so one drain has several entries."""
    increments = world.root / ".specweave" / "increments"
    name = f"{number:04d}-checkout"
    shutil.copytree(increments / "0042-checkout", increments / name)
    metadata = json.loads((increments / name / "metadata.json").read_text())
    metadata.update({"id": name, "externalLinks": {}})
    (increments / name / "metadata.json").write_text(json.dumps(metadata))
    spec = increments / name / "spec.md"
    spec.write_text(spec.read_text().replace("0042-checkout", name))
    return f"{number:04d}"


def linked_increments(world: World, tracker: Tracker, n: int) -> list[tuple[str, str]]:
    pairs = []
    for index in range(n):
        inc = "0042" if index == 0 else clone_increment(world, 42 + index)
        item = world.create_item(tracker, Status.ACTIVE)
        world.link(inc, tracker, item)
        pairs.append((inc, item))
    with world.session() as session:
        report = reconcile(session, session.policy())
        assert not report.failed and not report.pending, report.problems
    return pairs


def test_a_drain_reads_its_items_in_one_batch_and_skips_first_comment_listings(world: World,
                                                                                tracker: Tracker) -> None:
    pairs = linked_increments(world, tracker, ITEMS)
    with world.session() as session:
        for inc, _ in pairs:
            set_status(session.increment(inc), Status.COMPLETED, now=datetime.now(UTC))
        report = reconcile(session, session.policy(), execute=False)
        assert not report.failed, report.problems
        reset_request_counts(url(world, tracker))
        outcomes = drain(session)
    found = counts(world, tracker)
    assert sorted(o.outcome for o in outcomes) == ["ok"] * ITEMS
    if tracker is Tracker.ADO:
        # One batch for the whole drain; none per item (the PATCH answers with the saved item).
        assert found.get(BATCHED_READ[tracker], 0) == 1, found
    elif tracker is Tracker.JIRA:
        assert found.get(BATCHED_READ[tracker], 0) == 1, found
        # In Progress -> In Review -> Done: the issue is read with its transitions before each of the two hops
        # (so a hop always starts from the real status) and once in Done, which is the read after the write.
        assert found.get(SINGLE_READ[tracker], 0) == 3 * ITEMS, found
        assert "GET /rest/api/3/issue/{key}/transitions" not in found, found
    else:
        assert found.get(BATCHED_READ[tracker], 0) == 1, found
        # What is left per item is the read after the write (labels and transitions answer without the item):
        # one single read each, where the re-read before the write made it two.
        assert found.get(SINGLE_READ[tracker], 0) == ITEMS, found
    assert comment_routes(found, "GET") == 0, found
    assert comment_routes(found, "POST") == ITEMS, found
    for _, item in pairs:
        seen = world.remote(tracker, item)
        assert isinstance(seen, RemoteItem)
        assert default_mappings()[tracker].satisfies(seen.state, Status.COMPLETED)


def test_b_a_replayed_entry_lists_comments_and_never_posts_twice(world: World, tracker: Tracker) -> None:
    ((inc, item),) = linked_increments(world, tracker, 1)
    with world.session() as session:
        set_status(session.increment(inc), Status.COMPLETED, now=datetime.now(UTC))
        reconcile(session, session.policy(), execute=False)
        # A first claim whose process died after posting the comment: the lease runs out at once.
        (entry,) = session.store.claim(session.now(), worker="crashed", lease_seconds=0)
        text = entry.desired.get("comment")
        assert text
        assert session.adapter(tracker).comment(item, text, entry.op_id, first_attempt=True)
        reset_request_counts(url(world, tracker))
        outcomes = drain(session)
    assert [(o.outcome, o.op_id) for o in outcomes] == [("ok", entry.op_id)]
    found = counts(world, tracker)
    assert comment_routes(found, "GET") >= 1, found
    assert comment_routes(found, "POST") == 0, found


@pytest.mark.parametrize("tracker", [Tracker.ADO], ids=["ado"])
def test_c_ado_with_a_batched_read_still_detects_a_stale_rev(world: World, tracker: Tracker) -> None:
    item = world.create_item(tracker, Status.ACTIVE)
    mapping = default_mappings()[tracker]
    with world.session() as session:
        bot = session.adapter(tracker)
        current = bot.read_many([item], mapping.managed)[item]
        assert current is not None
        world.alice_sets(tracker, item, Status.READY_FOR_REVIEW)  # alice saves between our read and our PATCH
        reset_request_counts(url(world, tracker))
        receipt = bot.write(item, mapping.target(Status.COMPLETED), mapping.managed, current=current)
    found = counts(world, tracker)
    patches = sum(n for route, n in found.items() if route.startswith("PATCH "))
    assert patches == 2, found  # the 412 on the stale rev, then the write on the re-read one
    assert found.get(SINGLE_READ[tracker], 0) == 1, found
    assert receipt.changed and int(receipt.version) > int(current.version) + 1
    seen = world.remote(tracker, item)
    assert isinstance(seen, RemoteItem) and seen.state.category == "Completed"
