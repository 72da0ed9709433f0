"""write (transitions only, multi-hop, resolution, category fallback), comment, create, workflow, auth, 429."""

from __future__ import annotations

import httpx
import pytest
from jira_adapter_helpers import connection, move

from sandbox_clients import new_jira_issue, request_counts, reset_request_counts
from weavesync.errors import AuthFailed, Rejected, Retryable
from weavesync.model import Target
from weavesync.sandbox import Sandbox
from weavesync.trackers.jira import KIND, JiraAdapter
from weavesync.trackers.jira.adf import has_marker, link_marker, op_marker

DONE = Target("Done", "done", "Done")
TRANSITION = "POST /rest/api/3/issue/{key}/transitions"


def _history(alice: httpx.Client, key: str) -> list[str]:
    log = alice.get(f"/rest/api/3/issue/{key}/changelog").json()["values"]
    return [i["toString"] for h in log for i in h["items"] if i["field"] == "status"]


def test_to_do_to_done_takes_the_shortest_path_with_resolution(url: str, adapter: JiraAdapter,
                                                               alice: httpx.Client) -> None:
    key = new_jira_issue(alice)
    receipt = adapter.write(key, DONE, frozenset())
    assert receipt.changed and receipt.state.state == "Done" and receipt.state.reason == "Done"
    assert _history(alice, key) == ["In Progress", "In Review", "Done"]
    reset_request_counts(url)
    again = adapter.write(key, DONE, frozenset())
    assert not again.changed and again.version == receipt.version
    assert TRANSITION not in request_counts(url)


def test_wont_do_gets_its_own_resolution_by_default(adapter: JiraAdapter, alice: httpx.Client) -> None:
    key = new_jira_issue(alice)
    move(alice, key, "11")
    receipt = adapter.write(key, Target("Won't Do", "done"), frozenset())
    assert receipt.state.state == "Won't Do" and receipt.state.reason == "Won't Do"


def test_reopen_walks_back_through_to_do(adapter: JiraAdapter, alice: httpx.Client) -> None:
    key = new_jira_issue(alice)
    move(alice, key, "11", "21", "31")
    receipt = adapter.write(key, Target("In Progress", "indeterminate"), frozenset())
    assert receipt.state.state == "In Progress" and receipt.state.reason is None
    assert _history(alice, key)[-2:] == ["To Do", "In Progress"]


def test_unknown_status_name_falls_back_to_the_category(adapter: JiraAdapter, alice: httpx.Client) -> None:
    key = new_jira_issue(alice)
    move(alice, key, "11")
    receipt = adapter.write(key, Target("Backlog", "new"), frozenset())
    assert receipt.state.state == "To Do" and receipt.state.category == "new"


def test_no_path_is_rejected_with_what_is_reachable(adapter: JiraAdapter, alice: httpx.Client) -> None:
    key = new_jira_issue(alice)
    with pytest.raises(Rejected) as refused:
        adapter.write(key, Target("Archived", None), frozenset())
    message = str(refused.value)
    assert key in message and "'To Do'" in message and "Archived" in message and "reachable" in message
    assert refused.value.item == key


def test_a_resolution_the_screen_does_not_offer_is_refused(adapter: JiraAdapter, alice: httpx.Client) -> None:
    key = new_jira_issue(alice)
    move(alice, key, "11", "21")
    with pytest.raises(Rejected):
        adapter.write(key, Target("Done", "done", "Shipped"), frozenset())
    assert alice.get(f"/rest/api/3/issue/{key}").json()["fields"]["status"]["name"] == "In Review"


def test_managed_labels_are_added_and_removed_others_kept(adapter: JiraAdapter, alice: httpx.Client) -> None:
    key = new_jira_issue(alice)
    alice.put(f"/rest/api/3/issue/{key}", json={"fields": {"labels": ["team-x", "paused"]}})
    receipt = adapter.write(key, Target("In Progress", "indeterminate", markers=frozenset({"active"})),
                            frozenset({"paused", "active"}))
    assert receipt.state.markers == frozenset({"active"})
    labels = alice.get(f"/rest/api/3/issue/{key}").json()["fields"]["labels"]
    assert sorted(labels) == ["active", "team-x"]


def test_describe_workflow_exposes_statuses_and_learned_moves(adapter: JiraAdapter, alice: httpx.Client) -> None:
    key = new_jira_issue(alice)
    adapter.write(key, DONE, frozenset())
    workflow = adapter.describe_workflow(key)
    assert {(s.name, s.category) for s in workflow.statuses} >= {("To Do", "new"), ("Done", "done"),
                                                                   ("Won't Do", "done")}
    assert "Done" not in workflow.transitions["To Do"]
    assert "Done" in workflow.transitions["In Review"]


def test_comment_marker_dedupes(url: str, adapter: JiraAdapter, alice: httpx.Client) -> None:
    key = new_jira_issue(alice)
    assert adapter.comment(key, "Status: completed, synced from 0042", "op-1") is True
    assert adapter.comment(key, "Status: completed, synced from 0042", "op-1") is False
    assert adapter.comment(key, "Status: active", "op-2") is True
    comments = alice.get(f"/rest/api/3/issue/{key}/comment").json()["comments"]
    assert len(comments) == 2
    assert has_marker(comments[0]["body"], op_marker("op-1"))


def test_create_after_a_lost_response_does_not_duplicate(sandbox: Sandbox, url: str, adapter: JiraAdapter,
                                                        alice: httpx.Client) -> None:
    target = Target("In Progress", "indeterminate")
    fresh = adapter.create("Other", "Increment 0041", "0041-other", target, frozenset())
    assert fresh.created is True
    httpx.post(f"{url}/_sandbox/script", json={"kind": "lost", "method": "POST", "path": "/rest/api/3/issue$"})
    with pytest.raises(Retryable):
        adapter.create("Checkout", "Increment 0042", "0042-checkout", target, frozenset())
    created = adapter.create("Checkout", "Increment 0042", "0042-checkout", target, frozenset())
    assert created.state.state == "In Progress"
    assert created.created is False  # the lost attempt made it; this one found it by its marker
    issues = sandbox.apps["jira"].state.state.issues.values()
    marked = [i for i in issues if has_marker(i.description, link_marker("0042-checkout"))]
    assert [i.key for i in marked] == [created.link_item]


def test_check_auth_and_a_bad_token(url: str, adapter: JiraAdapter) -> None:
    info = adapter.check_auth()
    assert info.ok and info.user == "weavesync-bot@acme.example"
    bad = KIND.connect(connection(url, token="not-the-token-xyz"))
    with pytest.raises(AuthFailed) as failed:
        bad.check_auth()
    assert failed.value.status == 401 and "401" in str(failed.value)
    for text in (str(failed.value), repr(failed.value), repr(bad), str(failed.value.hint)):
        assert "not-the-token-xyz" not in text
    bad.close()


def test_429_surfaces_as_retryable_with_retry_after(url: str, adapter: JiraAdapter) -> None:
    httpx.post(f"{url}/_sandbox/ratelimit", json={"limit": 1, "window_seconds": 1})
    adapter.check_auth()
    with pytest.raises(Retryable) as limited:
        adapter.check_auth()
    assert limited.value.status == 429
    assert limited.value.retry_after is not None and 0 < limited.value.retry_after <= 1


def _status_moves(alice: httpx.Client, key: str) -> list[str]:
    return _history(alice, key)


def test_a_write_cut_after_its_first_hop_is_recognised_and_completed(url: str, adapter: JiraAdapter,
                                                                     alice: httpx.Client) -> None:
    """A lost response on the first transition: the hop happened, the write failed. The item is on the way
    (`is_partial_write`), and writing again finishes the path without a hop too many."""
    key = new_jira_issue(alice)
    before = adapter.read_many([key], frozenset())[key]
    assert before is not None
    httpx.post(f"{url}/_sandbox/script", json={"kind": "lost", "method": "POST", "path": "/transitions$"})
    with pytest.raises(Retryable):
        adapter.write(key, DONE, frozenset())
    halfway = adapter.read_many([key], frozenset())[key]
    assert halfway is not None and halfway.state.state == "In Progress"
    assert adapter.is_partial_write(before.state, DONE, halfway.state, frozenset())
    receipt = adapter.write(key, DONE, frozenset())
    assert receipt.state.state == "Done"
    assert _status_moves(alice, key) == ["In Progress", "In Review", "Done"]


def test_a_lost_last_hop_is_not_walked_again_from_a_stale_read(url: str, adapter: JiraAdapter,
                                                               alice: httpx.Client) -> None:
    """The response of the hop into Done is lost; the retry is handed the read made before that attempt (In
    Review). Re-reading before each hop sees Done and stops: no Reopen and no second walk to Done."""
    key = new_jira_issue(alice)
    move(alice, key, "11", "21")
    stale = adapter.read_many([key], frozenset())[key]
    assert stale is not None and stale.state.state == "In Review"
    httpx.post(f"{url}/_sandbox/script", json={"kind": "lost", "method": "POST", "path": "/transitions$"})
    with pytest.raises(Retryable):
        adapter.write(key, DONE, frozenset(), current=stale)
    reset_request_counts(url)
    receipt = adapter.write(key, DONE, frozenset(), current=stale)
    assert receipt.state.state == "Done"
    assert _status_moves(alice, key) == ["In Progress", "In Review", "Done"]
    assert TRANSITION not in request_counts(url)


def test_a_write_cut_before_its_labels_is_completed_with_the_labels(url: str, adapter: JiraAdapter,
                                                                    alice: httpx.Client) -> None:
    """Status reached, labels not yet (a 429 on the label edit): partial, and the next write only adds them."""
    managed = frozenset({"wontfix", "in-progress"})
    target = Target("Won't Do", "done", markers=frozenset({"wontfix"}))
    key = new_jira_issue(alice)
    before = adapter.read_many([key], managed)[key]
    assert before is not None
    httpx.post(f"{url}/_sandbox/script", json={"kind": "429", "method": "PUT", "path": f"/issue/{key}$"})
    with pytest.raises(Retryable):
        adapter.write(key, target, managed)
    halfway = adapter.read_many([key], managed)[key]
    assert halfway is not None and (halfway.state.state, halfway.state.markers) == ("Won't Do", frozenset())
    assert adapter.is_partial_write(before.state, target, halfway.state, managed)
    reset_request_counts(url)
    receipt = adapter.write(key, target, managed)
    assert (receipt.state.state, receipt.state.markers) == ("Won't Do", frozenset({"wontfix"}))
    assert TRANSITION not in request_counts(url)
    assert _status_moves(alice, key) == ["Won't Do"]
    assert not adapter.is_partial_write(before.state, target, receipt.state, managed), "finished, not partial"
