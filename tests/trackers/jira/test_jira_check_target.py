"""`JiraAdapter.check_target` over real HTTP against the sandbox Jira, and the pure parts it shares with `write`.

The sandbox CORE workflow: To Do -> In Progress -> In Review -> Done ("Approve", whose screen requires a
resolution), Won't Do from any open status, Reopen from Done / Won't Do, On Hold from In Progress / In Review.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from jira_adapter_helpers import connection, move

from sandbox_clients import new_jira_issue, request_counts, reset_request_counts
from weavesync.errors import Rejected
from weavesync.model import Target
from weavesync.trackers.http import Governor
from weavesync.trackers.jira import KIND, JiraAdapter
from weavesync.trackers.jira.transitions import Edge, Graph, Status, fill_screen, reachability

DONE = Target("Done", "done", "Done")
DEFAULTS = [Target("To Do", "new"), Target("In Progress", "indeterminate"), Target("On Hold", "indeterminate"),
            Target("In Review", "indeterminate"), DONE, Target("Won't Do", "done", "Won't Do")]


@pytest.fixture()
def adapter(url: str) -> Iterator[JiraAdapter]:
    """The bot's adapter with a governor of its own: the process-wide one keeps the budget a rate-limit test
    taught it (limit 1, reset a minute away) after the sandbox drops its limit, and would pause every call."""
    made = KIND.connect(connection(url))
    assert isinstance(made, JiraAdapter)
    made.client.http.governor = Governor()
    yield made
    made.close()


def in_review(alice: httpx.Client) -> str:
    key = new_jira_issue(alice, "check target")
    move(alice, key, "11", "21")
    return key


def test_direct_transition_is_reachable_with_its_path(adapter: JiraAdapter, alice: httpx.Client) -> None:
    check = adapter.check_target(DONE, item=in_review(alice))
    assert (check.state, check.reachable, check.path, check.fallback) == ("Done", True, ("Done",), None)
    assert check.missing_fields == () and check.problem is None


def test_longer_path_once_the_statuses_on_it_were_seen(adapter: JiraAdapter, alice: httpx.Client) -> None:
    todo = new_jira_issue(alice, "from to do")
    assert adapter.check_target(DONE, item=todo).reachable is None, "In Progress has not shown its moves yet"
    middle = new_jira_issue(alice, "in progress")
    move(alice, middle, "11")
    adapter.check_target(DONE, item=middle)  # learns In Progress's moves
    adapter.check_target(DONE, item=in_review(alice))  # and In Review's
    check = adapter.check_target(DONE, item=todo)
    assert (check.reachable, check.path) == (True, ("In Progress", "In Review", "Done"))


def test_already_there(adapter: JiraAdapter, alice: httpx.Client) -> None:
    check = adapter.check_target(Target("In Review", "indeterminate"), item=in_review(alice))
    assert (check.state, check.reachable, check.path) == ("In Review", True, ())


def test_category_fallback_names_the_status_and_the_rule(adapter: JiraAdapter, alice: httpx.Client) -> None:
    check = adapter.check_target(Target("Blocked", "indeterminate"), item=new_jira_issue(alice, "fallback"))
    assert (check.state, check.reachable, check.path) == ("In Progress", True, ("In Progress",))
    assert check.fallback == "category indeterminate: one of In Progress, In Review, On Hold"
    typed = adapter.check_target(Target("Blocked", "indeterminate"), item_type="Task")
    assert (typed.state, typed.reachable, typed.fallback) == ("In Progress", None, check.fallback)


def test_resolution_the_screen_does_not_offer(adapter: JiraAdapter, alice: httpx.Client) -> None:
    key = in_review(alice)
    check = adapter.check_target(DONE, item=key, resolution="Fixed")
    assert check.missing_fields == ("resolution",)
    assert "Won't Do" in check.choices["resolution"] and "Fixed" not in check.choices["resolution"]
    assert check.problem is not None and "'Approve'" in check.problem and "'Fixed'" in check.problem
    with pytest.raises(Rejected) as refused:  # the write refuses for the very same reason
        adapter.write(key, DONE, frozenset(), resolution="Fixed")
    assert check.problem in refused.value.message


def test_unexpressible_target(adapter: JiraAdapter, alice: httpx.Client) -> None:
    check = adapter.check_target(Target("Archived", None), item=new_jira_issue(alice, "nowhere"))
    assert (check.state, check.reachable) == (None, False)
    assert check.problem is not None and "'Archived'" in check.problem and "On Hold" in check.problem
    typed = adapter.check_target(Target("Archived", None))
    assert typed.state is None and typed.problem == check.problem


def test_no_call_per_status(adapter: JiraAdapter, url: str, alice: httpx.Client) -> None:
    key = in_review(alice)
    reset_request_counts(url)
    adapter.check_target(DONE, item=key)
    one = request_counts(url)
    assert sum(one.values()) == 3, one  # the issue, the project's statuses, In Review's transitions
    for target in DEFAULTS:
        adapter.check_target(target, item=key)
    assert request_counts(url) == one, "every further status is answered from the cached graph and issue"
    other = in_review(alice)
    reset_request_counts(url)
    for target in DEFAULTS:
        adapter.check_target(target, item=other)
    assert sum(request_counts(url).values()) == 1, "another issue in a known status: only the issue is read"


def test_write_forgets_the_checked_issue(adapter: JiraAdapter, alice: httpx.Client) -> None:
    key = in_review(alice)
    assert adapter.check_target(DONE, item=key).path == ("Done",)
    adapter.write(key, DONE, frozenset())
    assert adapter.check_target(DONE, item=key).path == (), "re-read after the write: already there"


# -- the pure parts write and check share ------------------------------------------------------------------
A, B, C, D = (Status(i, n, "indeterminate") for i, n in (("1", "A"), ("2", "B"), ("3", "C"), ("4", "D")))


def graph_with(edges: dict[Status, list[Status]]) -> Graph:
    graph = Graph()
    for source, targets in edges.items():
        graph.learn(source, [{"id": f"{source.id}{t.id}", "name": f"to {t.name}",
                              "to": {"id": t.id, "name": t.name, "statusCategory": {"key": t.category}}}
                             for t in targets])
    return graph


def test_reachability_true_false_unknown() -> None:
    assert reachability(graph_with({A: [B], B: [C]}), "1", {"3"}) is True
    assert reachability(graph_with({A: [B], B: [A]}), "1", {"3"}) is False
    assert reachability(graph_with({A: [B]}), "1", {"3"}) is None, "B has not shown its moves"
    assert reachability(graph_with({A: [B], B: [A], D: [C]}), "1", {"3"}) is False


def test_fill_screen_rules() -> None:
    edge = Edge("31", "Approve", "1", "2", {"resolution": True}, {"resolution": ("Done", "Won't Do")})
    assert fill_screen(edge, "Done", None) == ({"resolution": {"name": "Done"}}, [])
    assert fill_screen(edge, "Won't Do", "Won't Do")[0] == {"resolution": {"name": "Won't Do"}}
    _, gaps = fill_screen(edge, "Done", "Fixed")
    assert [(g.field, g.wanted, g.allowed) for g in gaps] == [("resolution", "Fixed", ("Done", "Won't Do"))]
    strict = Edge("41", "Ship", "1", "2", {"customfield_1": True, "comment": False})
    assert [g.field for g in fill_screen(strict, "Done", None)[1]] == ["customfield_1"]
