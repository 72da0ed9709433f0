"""Can weavesync fill what Jira's transition screens require, on the paths it would take?

`Workflow` (trackers/base.py) carries statuses and moves but not screen fields, so this module reads the graph
the Jira adapter learned while describing the workflow (`JiraAdapter.graphs`, keyed like the adapter keys it: by
project and issue type). It is the only doctor module that knows a tracker's internals, and it mirrors the
adapter's own rule (`JiraAdapter._screen_values`): weavesync fills ``resolution`` (the configured one, else the
destination's name or "Done") and nothing else, so any other required field makes the write fail.
"""

from __future__ import annotations

from collections.abc import Sequence

from weavesync.config import TrackerMapping
from weavesync.doctor.finding import Finding
from weavesync.model import RemoteItem, Status
from weavesync.trackers.base import TrackerAdapter
from weavesync.trackers.jira import JiraAdapter
from weavesync.trackers.jira.adapter import DEFAULT_TYPE
from weavesync.trackers.jira.transitions import Edge, Graph, goal_ids, shortest_path

CHECK = "workflow"


def screen_findings(adapter: TrackerAdapter, mapping: TrackerMapping, items: Sequence[RemoteItem]
                    ) -> list[Finding]:
    """Errors for each known transition on the way to a mapped status whose screen weavesync cannot fill."""
    if not isinstance(adapter, JiraAdapter) or not items:
        return []
    first = items[0]
    graph = adapter.graphs.get((first.project or adapter.project, first.item_type or DEFAULT_TYPE))
    if graph is None:
        return []
    starts = sorted({i.state.state_id for i in items if i.state.state_id})
    out: list[Finding] = []
    seen: set[tuple[str, Status]] = set()
    for status in Status:
        target = mapping.target(status)
        goals, _ = goal_ids(graph.statuses.values(), target.state, target.category)
        for start in starts:
            for edge in shortest_path(graph, start, goals) or []:
                if (edge.transition_id, status) in seen:
                    continue
                seen.add((edge.transition_id, status))
                out += _edge_findings(graph, edge, status, target.reason, first)
    return out


def _edge_findings(graph: Graph, edge: Edge, status: Status, configured: str | None, item: RemoteItem
                   ) -> list[Finding]:
    source, destination = graph.statuses[edge.source].name, graph.statuses[edge.target].name
    where = f"transition {edge.name!r} ({source} -> {destination})"
    out: list[Finding] = []
    for field_id, required in edge.screen.items():
        if field_id == "resolution":
            allowed = edge.allowed.get("resolution") or ()
            choices = [configured] if configured else [destination, "Done"]
            if allowed and not any(c in allowed for c in choices):
                wanted = f"the configured resolution {configured!r}" if configured else "a default resolution"
                out.append(Finding(CHECK, "error",
                                   f"{where} needs a resolution for '{status.value}': {wanted} is not one of "
                                   f"{', '.join(allowed)}",
                                   f"set sync.statusSync.jira.resolutions.{status.value} to one of: "
                                   f"{', '.join(allowed)}", tracker="jira", item=item.link_item))
        elif required:
            out.append(Finding(CHECK, "error",
                               f"{where} requires the field {field_id!r}, which weavesync cannot fill "
                               f"(on the way to '{status.value}')",
                               "ask a Jira admin to make the field optional on that transition, or map "
                               f"{status.value} to a status reached without it", tracker="jira", item=item.link_item))
    return out
