"""Unit tests without a network: cursor literals and dedupe, path planning, ADF markers, keys, versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from weavesync.trackers.jira import KIND
from weavesync.trackers.jira.adf import document, has_marker, op_marker
from weavesync.trackers.jira.cursor import Cursor, advance, jql_since
from weavesync.trackers.jira.issues import parse_jira_time, version_of
from weavesync.trackers.jira.transitions import Graph, Status, goal_ids, next_step, shortest_path

BERLIN = ZoneInfo("Europe/Berlin")


def test_jql_literal_is_in_the_users_zone_one_minute_back() -> None:
    at = datetime(2026, 11, 24, 12, 45, 30, tzinfo=UTC)  # 13:45:30 in Berlin (CET)
    assert jql_since(at, BERLIN) == "2026/11/24 13:44"
    assert jql_since(at, ZoneInfo("UTC")) == "2026/11/24 12:44"
    summer = datetime(2026, 7, 1, 0, 0, 10, tzinfo=UTC)  # CEST: 02:00:10 local
    assert jql_since(summer, BERLIN) == "2026/07/01 01:59"


def test_ambiguous_local_time_moves_the_literal_back() -> None:
    # 2026-10-25: Berlin clocks go from 03:00 CEST back to 02:00 CET; 02:30 happens twice.
    first = datetime(2026, 10, 25, 0, 31, tzinfo=UTC)  # 02:31 CEST, the first 02:31
    literal = jql_since(first, BERLIN)
    naive = datetime.strptime(literal, "%Y/%m/%d %H:%M")
    latest = max(naive.replace(tzinfo=BERLIN, fold=0), naive.replace(tzinfo=BERLIN, fold=1))
    assert latest <= first - timedelta(minutes=1)


def test_cursor_round_trip_and_advance_keeps_only_the_overlap_window() -> None:
    t0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    rows = [("CORE-1", version_of("2026-11-24T11:00:00.000+0100"), t0),
            ("CORE-2", version_of("2026-11-24T10:50:00.000+0100"), t0 - timedelta(minutes=10))]
    cursor = advance(Cursor(None), rows)
    assert cursor.at == t0 and dict(cursor.seen) == {"CORE-1": rows[0][1]}
    assert Cursor.decode(cursor.encode()) == cursor
    assert advance(cursor, []) == cursor
    assert Cursor.decode(None).at is None
    assert Cursor.decode("2026-11-24T10:00:00Z").at == t0


def _graph() -> Graph:
    s = {n: Status(i, n, c) for i, n, c in [("1", "To Do", "new"), ("2", "In Progress", "indeterminate"),
                                            ("3", "In Review", "indeterminate"), ("4", "Done", "done"),
                                            ("5", "Won't Do", "done")]}

    def t(tid: str, to: str) -> dict[str, object]:
        target = s[to]
        return {"id": tid, "name": tid, "to": {"id": target.id, "name": target.name,
                                               "statusCategory": {"key": target.category}}}

    graph = Graph()
    graph.learn(s["To Do"], [t("11", "In Progress"), t("71", "Won't Do")])
    graph.learn(s["In Progress"], [t("21", "In Review"), t("91", "To Do")])
    graph.learn(s["In Review"], [t("31", "Done")])
    return graph


def test_shortest_path_and_goal_fallback() -> None:
    graph = _graph()
    goals, fallback = goal_ids(graph.statuses.values(), "Done", "done")
    assert goals == {"4"} and not fallback
    path = shortest_path(graph, "1", goals)
    assert path is not None and [e.transition_id for e in path] == ["11", "21", "31"]
    goals, fallback = goal_ids(graph.statuses.values(), "Backlog", "new")
    assert goals == {"1"} and fallback
    assert goal_ids(graph.statuses.values(), "Archived", None) == (set(), False)
    assert shortest_path(graph, "4", {"1"}) is None  # nothing learned out of Done yet


def test_exploration_avoids_finishing_on_the_way() -> None:
    graph = Graph()
    todo = Status("1", "To Do", "new")
    graph.learn(todo, [{"id": "71", "to": {"id": "5", "name": "Won't Do", "statusCategory": {"key": "done"}}},
                       {"id": "11", "to": {"id": "2", "name": "In Progress",
                                           "statusCategory": {"key": "indeterminate"}}}])
    step = next_step(graph, "1", {"4"}, "done")
    assert step is not None and step.transition_id == "11"
    graph.learn(Status("2", "In Progress", "indeterminate"), [])
    assert next_step(graph, "1", {"4"}, "done") is None  # dead end: only Won't Do is left


def test_adf_markers() -> None:
    body = document("Status: completed\nsynced", op_marker("op-7"))
    assert len(body["content"]) == 3
    assert has_marker(body, "weavesync-op:op-7") and not has_marker(body, "weavesync-op:op-70")
    assert has_marker("plain weavesync-op:op-7 text", "weavesync-op:op-7")


def test_keys_versions_and_times() -> None:
    assert KIND.parse_item("core-12") == "CORE-12"
    assert KIND.parse_item("https://acme.atlassian.net/browse/CORE-7") == "CORE-7"
    with pytest.raises(ValueError):
        KIND.parse_item("CORE-0")
    assert parse_jira_time("2017-01-30T18:32:14.716+0100") == datetime(2017, 1, 30, 17, 32, 14, 716000,
                                                                         tzinfo=UTC)
    assert version_of("2017-01-30T18:32:14.716+0100") == "2017-01-30T17:32:14.716Z"
    assert KIND.version_key("2017-01-30T17:32:14.716Z") < KIND.version_key("2017-01-30T17:32:14.717Z")
