"""The learned workflow graph of one project + issue type, and how to plan a move through it (no I/O).

Jira only shows the transitions available *from an issue's current status*, and reading a whole workflow needs
admin rights, so weavesync learns the graph as it goes: every read of an issue's transitions (with the issue
before each hop of a write, ``GET .../transitions`` for checks) adds that status's outgoing edges. A move then
takes, in order of preference: a direct transition to the goal; the shortest known path (breadth-first over
learned edges); or, while no known path exists, one exploring step to a status whose edges are still unknown,
preferring statuses whose category is closest to the goal and never a
finished ("done") status that is not itself a goal.

Screens: weavesync fills ``resolution`` (the configured one, else the destination's name or "Done") and nothing
else; `fill_screen` decides that once for both a write and a check (`JiraAdapter.check_target`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CATEGORY_RANK = {"new": 0, "undefined": 0, "indeterminate": 1, "done": 2}


@dataclass(frozen=True)
class Status:
    id: str
    name: str
    category: str | None


@dataclass(frozen=True)
class Edge:
    transition_id: str
    name: str
    source: str
    target: str
    """Status ids."""
    screen: Mapping[str, bool] = field(default_factory=dict)
    """Screen field id -> required."""
    allowed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Screen field id -> allowed value names (e.g. resolutions), when Jira lists them."""


@dataclass
class Graph:
    """Statuses and learned edges of one project + issue type; `explored` holds statuses whose edges are known."""

    statuses: dict[str, Status] = field(default_factory=dict)
    edges: dict[str, list[Edge]] = field(default_factory=dict)
    explored: set[str] = field(default_factory=set)

    def learn(self, source: Status, transitions: Sequence[Mapping[str, object]]) -> list[Edge]:
        """Record the outgoing edges of `source` from a ``GET .../transitions?expand=transitions.fields`` body."""
        self.statuses[source.id] = source
        found: list[Edge] = []
        for raw in transitions:
            to = raw.get("to")
            if not isinstance(to, Mapping):
                continue
            target = status_from_json(to)
            self.statuses[target.id] = target
            screen: dict[str, bool] = {}
            allowed: dict[str, tuple[str, ...]] = {}
            fields = raw.get("fields")
            if isinstance(fields, Mapping):
                for fid, meta in fields.items():
                    if isinstance(meta, Mapping):
                        screen[str(fid)] = bool(meta.get("required"))
                        values = meta.get("allowedValues")
                        if isinstance(values, list):
                            allowed[str(fid)] = tuple(str(v.get("name")) for v in values
                                                      if isinstance(v, Mapping) and v.get("name"))
            found.append(Edge(str(raw.get("id")), str(raw.get("name", "")), source.id, target.id, screen, allowed))
        self.edges[source.id] = found
        self.explored.add(source.id)
        return found

    def by_name(self) -> dict[str, list[str]]:
        """From status name to the names reachable in one step (for `Workflow.transitions`)."""
        out: dict[str, list[str]] = {}
        for source, edges in self.edges.items():
            names = [self.statuses[e.target].name for e in edges if e.target in self.statuses]
            out[self.statuses[source].name] = list(dict.fromkeys(names))
        return out

    def reachable(self, start: str) -> list[str]:
        """Names of every status known to be reachable from `start`."""
        seen = {start}
        queue = deque([start])
        while queue:
            for edge in self.edges.get(queue.popleft(), []):
                if edge.target not in seen:
                    seen.add(edge.target)
                    queue.append(edge.target)
        seen.discard(start)
        return sorted(self.statuses[s].name for s in seen if s in self.statuses)


def status_from_json(raw: Mapping[str, object]) -> Status:
    category = raw.get("statusCategory")
    key = category.get("key") if isinstance(category, Mapping) else None
    return Status(str(raw.get("id")), str(raw.get("name", "")), str(key) if key is not None else None)


def goal_ids(statuses: Iterable[Status], state: str | None, category: str | None) -> tuple[set[str], bool]:
    """Status ids that satisfy a target: by name, else (name unknown in this workflow) by category.

    Returns the ids and whether the category fallback was used.
    """
    known = list(statuses)
    if state is not None:
        named = {s.id for s in known if s.name.casefold() == state.casefold()}
        if named:
            return named, False
    if category is not None:
        return {s.id for s in known if (s.category or "").casefold() == category.casefold()}, True
    return set(), False


def shortest_path(graph: Graph, start: str, goals: set[str]) -> list[Edge] | None:
    """Fewest transitions from `start` to any goal over learned edges (breadth-first), or None."""
    if start in goals:
        return []
    previous: dict[str, Edge] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        current = queue.popleft()
        for edge in graph.edges.get(current, []):
            if edge.target in seen:
                continue
            seen.add(edge.target)
            previous[edge.target] = edge
            if edge.target in goals:
                path = [edge]
                while path[0].source != start:
                    path.insert(0, previous[path[0].source])
                return path
            queue.append(edge.target)
    return None


def next_step(graph: Graph, current: str, goals: set[str], goal_category: str | None) -> Edge | None:
    """The next transition to take from `current`: along a known shortest path, else toward the nearest status
    whose edges are still unknown (so each exploring step learns something and the walk always ends)."""
    path = shortest_path(graph, current, goals)
    if path:
        return path[0]
    want = CATEGORY_RANK.get((goal_category or "").casefold(), 1)

    def passable(status_id: str) -> bool:
        status = graph.statuses.get(status_id)
        return status is not None and (status_id in goals or (status.category or "").casefold() != "done")

    best: tuple[int, int, int, Edge] | None = None
    first: dict[str, Edge] = {}
    depth = {current: 0}
    queue = deque([current])
    order = 0
    while queue:
        node = queue.popleft()
        for edge in graph.edges.get(node, []):
            if edge.target in depth or not passable(edge.target):
                continue
            depth[edge.target] = depth[node] + 1
            first[edge.target] = first.get(node, edge)
            order += 1
            if edge.target not in graph.explored:
                status = graph.statuses[edge.target]
                distance = abs(CATEGORY_RANK.get((status.category or "").casefold(), 1) - want)
                rank = (depth[edge.target], distance, order, first[edge.target])
                if best is None or rank[:3] < best[:3]:
                    best = rank
            else:
                queue.append(edge.target)
    return best[3] if best is not None else None


def reachability(graph: Graph, start: str, goals: set[str]) -> bool | None:
    """True when learned edges lead from `start` to a goal; False when every status reachable from `start` has
    shown its edges and none is a goal; None while some reachable status has not been explored yet."""
    if shortest_path(graph, start, goals) is not None:
        return True
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node not in graph.explored:
            return None
        for edge in graph.edges.get(node, []):
            if edge.target not in seen:
                seen.add(edge.target)
                queue.append(edge.target)
    return False


@dataclass(frozen=True)
class ScreenGap:
    """A field on a transition's screen that weavesync cannot fill."""

    edge: Edge
    field: str
    allowed: tuple[str, ...]
    """The values Jira offers for the field, when it lists them."""
    wanted: str | None = None
    """For ``resolution``: the configured resolution the screen does not offer."""


def fill_screen(edge: Edge, destination: str, configured: str | None) -> tuple[dict[str, Any], list[ScreenGap]]:
    """The values to send with `edge` and the fields that cannot be filled.

    A resolution is given when the screen has one: `configured` when set (never swapped for another), else the
    destination's name or "Done", whichever the screen offers. Any other required field is a gap.
    """
    values: dict[str, Any] = {}
    gaps: list[ScreenGap] = []
    for field_id, required in edge.screen.items():
        allowed = edge.allowed.get(field_id) or ()
        if field_id == "resolution":
            choices = [configured] if configured else [destination, "Done"]
            pick = next((c for c in choices if not allowed or c in allowed), None)
            if pick is None:
                gaps.append(ScreenGap(edge, field_id, allowed, configured))
            else:
                values["resolution"] = {"name": pick}
        elif required:
            gaps.append(ScreenGap(edge, field_id, allowed))
    return values, gaps


def gap_text(graph: Graph, gap: ScreenGap) -> str:
    """One line naming the transition and what its screen needs."""
    source, target = graph.statuses[gap.edge.source].name, graph.statuses[gap.edge.target].name
    where = f"transition {gap.edge.name!r} ({source} -> {target})"
    if gap.field == "resolution":
        wanted = f"the configured resolution {gap.wanted!r}" if gap.wanted else "a default resolution"
        return f"{where} needs a resolution: {wanted} is not one of {', '.join(gap.allowed)}"
    return f"{where} requires the field {gap.field!r}, which weavesync cannot fill"
