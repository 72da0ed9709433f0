"""GitHub writes cut short between their steps (state PATCH, then one call per managed label) against the sandbox:
the item left half-way is recognised as ours (`is_partial_write`), and writing again completes it without a state
event or a label event too many, also when the cut was a lost response (applied, answer never received)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from github_helpers import MANAGED

from weavesync.errors import Retryable
from weavesync.model import ExternalState, Target
from weavesync.trackers.github import GitHubAdapter

Make = Callable[..., dict[str, Any]]
ACTIVE = Target(state="open", markers=frozenset({"in-progress"}))
ABANDONED = Target(state="closed", reason="not_planned", markers=frozenset({"wontfix"}))


def _events(alice: httpx.Client, number: int) -> list[tuple[str, str | None]]:
    """(event, label or close reason) of every state and label event, oldest first."""
    events = alice.get(f"/repos/acme/shop/issues/{number}/events").json()
    return [(e["event"], (e.get("label") or {}).get("name") or e.get("state_reason")) for e in events]


def _state(adapter: GitHubAdapter, number: int) -> ExternalState:
    found = adapter.read_many([f"acme/shop#{number}"], MANAGED)[f"acme/shop#{number}"]
    assert found is not None
    return found.state


def _cut(url: str, kind: str, method: str, path: str) -> None:
    httpx.post(f"{url}/_sandbox/script", json={"kind": kind, "method": method, "path": path})


@pytest.mark.parametrize(("kind", "method", "path", "halfway"), [
    # a 429 on the label call: the state is written, no label yet
    ("429", "POST", r"/labels$", ExternalState("closed", "not_planned", markers=frozenset({"in-progress"}))),
    # the label add's answer is lost: added, the old label still there
    ("lost", "POST", r"/labels$",
     ExternalState("closed", "not_planned", markers=frozenset({"in-progress", "wontfix"}))),
    # the state PATCH's answer is lost: closed, labels untouched
    ("lost", "PATCH", r"/issues/\d+$", ExternalState("closed", "not_planned", markers=frozenset({"in-progress"}))),
    # the label removal's answer is lost: everything done, the write only failed to hear so
    ("lost", "DELETE", r"/labels/", ExternalState("closed", "not_planned", markers=frozenset({"wontfix"}))),
])
def test_a_cut_write_is_partial_and_the_next_write_completes_it_once(
        adapter: GitHubAdapter, url: str, alice: httpx.Client, new_issue: Make,
        kind: str, method: str, path: str, halfway: ExternalState) -> None:
    number = new_issue(labels=["in-progress", "customer-x"])["number"]
    item = f"acme/shop#{number}"
    before = _state(adapter, number)
    assert before == ExternalState("open", markers=frozenset({"in-progress"}))
    _cut(url, kind, method, path)
    with pytest.raises(Retryable):
        adapter.write(item, ABANDONED, MANAGED)
    observed = _state(adapter, number)
    assert observed == halfway
    finished = observed.markers == ABANDONED.markers
    assert adapter.is_partial_write(before, ABANDONED, observed, MANAGED) is not finished
    receipt = adapter.write(item, ABANDONED, MANAGED)
    assert receipt.state == ExternalState("closed", "not_planned", markers=frozenset({"wontfix"}))
    assert receipt.changed is not finished
    assert _events(alice, number)[2:] == [("closed", "not_planned"), ("labeled", "wontfix"),
                                          ("unlabeled", "in-progress")]
    labels = {lb["name"] for lb in alice.get(f"/repos/acme/shop/issues/{number}").json()["labels"]}
    assert labels == {"customer-x", "wontfix"}, "a person's label survives the replay"


def test_labels_written_before_the_state_count_as_on_the_way(adapter: GitHubAdapter) -> None:
    """The other order (labels first, state not yet) is on the way too; a state nobody was heading for is not."""
    before = ExternalState("open", markers=frozenset({"in-progress"}))
    labels_only = ExternalState("open", markers=frozenset({"wontfix"}))
    assert adapter.is_partial_write(before, ABANDONED, labels_only, MANAGED)
    reopened_by_someone = ExternalState("closed", "completed", markers=frozenset({"in-progress"}))
    assert not adapter.is_partial_write(before, ABANDONED, reopened_by_someone, MANAGED)
    someone_paused = ExternalState("open", markers=frozenset({"paused"}))
    assert not adapter.is_partial_write(before, ABANDONED, someone_paused, MANAGED)
    assert not adapter.is_partial_write(before, ABANDONED, before, MANAGED), "nothing written yet"
    done = ExternalState("closed", "not_planned", markers=frozenset({"wontfix"}))
    assert not adapter.is_partial_write(before, ABANDONED, done, MANAGED), "finished"
    assert adapter.is_partial_write(done, ACTIVE, ExternalState("open", "reopened", frozenset({"wontfix"})),
                                    MANAGED)
