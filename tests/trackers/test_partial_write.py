"""`is_partial_write` without a network: the tracker-neutral rule (trackers/base.py) and Jira's path lookup over a
learned workflow graph (GitHub's and Azure DevOps' answers are checked against the sandbox in their folders)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from weavesync.model import ExternalState, Target
from weavesync.trackers.base import WayPoint, markers_between, partial_write
from weavesync.trackers.jira import JiraAdapter
from weavesync.trackers.jira.client import JiraClient
from weavesync.trackers.jira.transitions import Graph, status_from_json

MANAGED = frozenset({"in-progress", "In-Review", "wontfix"})


@pytest.mark.parametrize(("observed", "between"), [
    ({"in-progress"}, True), ({"in-progress", "wontfix"}, True), ({"wontfix"}, True), (set(), True),
    ({"IN-PROGRESS", "WontFix"}, True), ({"in-review"}, False), ({"in-progress", "customer-x"}, True),
])
def test_markers_between_old_and_new(observed: set[str], between: bool) -> None:
    assert markers_between(frozenset({"in-progress"}), frozenset({"wontfix"}), frozenset(observed),
                           MANAGED) is between


def test_a_marker_both_sides_keep_must_stay() -> None:
    keep = frozenset({"in-progress"})
    assert not markers_between(keep | {"wontfix"}, keep, frozenset({"wontfix"}), MANAGED)


def test_neither_untouched_nor_finished_is_partial() -> None:
    before = ExternalState("open", markers=frozenset({"in-progress"}))
    target = Target("closed", reason="not_planned", markers=frozenset({"wontfix"}))
    mixed = ExternalState("open", markers=frozenset({"in-progress", "wontfix"}))
    assert partial_write(WayPoint(at_start=True, at_goal=False), before, target, mixed, MANAGED)
    assert not partial_write(WayPoint(at_start=True, at_goal=False), before, target, before, MANAGED)
    done = ExternalState("closed", "not_planned", markers=frozenset({"wontfix"}))
    assert not partial_write(WayPoint(at_start=False, at_goal=True), before, target, done, MANAGED)
    assert not partial_write(WayPoint(at_start=False, at_goal=False), before, target, mixed, MANAGED), "off the way"
    hop = ExternalState("In Review", markers=frozenset({"in-progress"}))
    assert partial_write(WayPoint(at_start=False, at_goal=False, between=True), before, target, hop, MANAGED)


TO_DO = {"id": "1", "name": "To Do", "statusCategory": {"key": "new"}}
IN_PROGRESS = {"id": "2", "name": "In Progress", "statusCategory": {"key": "indeterminate"}}
IN_REVIEW = {"id": "3", "name": "In Review", "statusCategory": {"key": "indeterminate"}}
ON_HOLD = {"id": "4", "name": "On Hold", "statusCategory": {"key": "indeterminate"}}
DONE = {"id": "5", "name": "Done", "statusCategory": {"key": "done"}}
WONT = {"id": "6", "name": "Won't Do", "statusCategory": {"key": "done"}}


def _state(raw: dict[str, object], *markers: str) -> ExternalState:
    category = raw["statusCategory"]
    assert isinstance(category, dict)
    return ExternalState(str(raw["name"]), category=str(category["key"]), state_id=str(raw["id"]),
                         markers=frozenset(markers))


@pytest.fixture()
def jira() -> Iterator[JiraAdapter]:
    adapter = JiraAdapter(JiraClient("http://127.0.0.1:9", "bot@acme.test", "t"), "CORE")
    yield adapter
    adapter.close()


def _learn(adapter: JiraAdapter) -> None:
    """The sandbox's CORE workflow as a write would have learned it: To Do -> In Progress -> In Review -> Done."""
    graph = adapter.graphs.setdefault(("CORE", "Task"), Graph())
    moves = {"1": [IN_PROGRESS, WONT], "2": [IN_REVIEW, ON_HOLD, TO_DO, WONT], "3": [DONE, IN_PROGRESS, ON_HOLD],
             "4": [IN_PROGRESS], "5": [TO_DO], "6": [TO_DO]}
    statuses = {str(s["id"]): s for s in (TO_DO, IN_PROGRESS, IN_REVIEW, ON_HOLD, DONE, WONT)}
    for source, targets in moves.items():
        graph.learn(status_from_json(statuses[source]),
                    [{"id": f"{source}{t['id']}", "name": "move", "to": t} for t in targets])


def test_jira_hops_on_the_learned_path_are_partial(jira: JiraAdapter) -> None:
    _learn(jira)
    target = Target("Done", "done")
    before = _state(TO_DO)
    assert jira.is_partial_write(before, target, _state(IN_PROGRESS), frozenset())
    assert jira.is_partial_write(before, target, _state(IN_REVIEW), frozenset())
    assert not jira.is_partial_write(before, target, _state(ON_HOLD), frozenset()), "not on the path"
    assert not jira.is_partial_write(before, target, _state(WONT), frozenset())
    assert not jira.is_partial_write(before, target, before, frozenset())
    assert not jira.is_partial_write(before, target, _state(DONE), frozenset())


def test_jira_goal_reached_with_labels_not_yet_is_partial(jira: JiraAdapter) -> None:
    _learn(jira)
    target = Target("Won't Do", "done", markers=frozenset({"wontfix"}))
    before = _state(IN_PROGRESS, "in-progress")
    assert jira.is_partial_write(before, target, _state(WONT, "in-progress"), MANAGED)
    assert not jira.is_partial_write(before, target, _state(WONT, "wontfix"), MANAGED)
    assert not jira.is_partial_write(before, target, _state(IN_REVIEW, "in-progress"), MANAGED), "no hop there"


def test_jira_without_a_learned_workflow_goes_by_category(jira: JiraAdapter) -> None:
    target = Target("Done", "done")
    before = _state(TO_DO)
    assert jira.is_partial_write(before, target, _state(IN_REVIEW), frozenset())
    assert not jira.is_partial_write(before, Target("To Do", "new"), _state(IN_REVIEW), frozenset())
    assert not jira.is_partial_write(before, target, _state(DONE), frozenset())
