"""`JiraAdapter`: weavesync's `TrackerAdapter` for one Jira Cloud site and project.

Reads go through the enhanced search (``key in (...)`` for known items, ``updated >=`` for polling); status
writes go through transitions only, planned over a workflow graph learned per project + issue type (see
transitions.py); comments and created issues carry ADF markers (see adf.py) so that retries never duplicate.
`check_target` answers from the same graph, path planning and screen rule (`transitions.fill_screen`) as `write`,
without writing: the project's status list is read once per adapter, each status's transitions once per graph.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from weavesync.errors import AuthFailed, ItemGone, Rejected
from weavesync.model import Connection, ExternalState, Receipt, RemoteItem, Target, Tracker
from weavesync.trackers.base import (
    AuthInfo,
    ChangeBatch,
    TargetCheck,
    WayPoint,
    Workflow,
    WorkflowStatus,
    announces,
    partial_write,
)
from weavesync.trackers.jira import adf, transitions
from weavesync.trackers.jira.client import PAGE, JiraClient
from weavesync.trackers.jira.cursor import FIRST_READ, Cursor, advance, jql_since
from weavesync.trackers.jira.issues import (
    READ_EXPAND,
    READ_FIELDS,
    changes_managed,
    history_author,
    parse_jira_time,
    remote_item,
)
from weavesync.trackers.jira.transitions import (
    CATEGORY_RANK,
    Graph,
    fill_screen,
    gap_text,
    goal_ids,
    next_step,
    reachability,
    shortest_path,
    status_from_json,
)

MOVE_EXPAND = f"{READ_EXPAND},transitions,transitions.fields"
"""A read before each hop: the issue as `_read` sees it plus the transitions from its status, with their screens."""
KEYS_PER_QUERY = 500
MAX_STEPS = 20
DEFAULT_TYPE = "Task"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class JiraAdapter:
    tracker = Tracker.JIRA

    def __init__(self, client: JiraClient, project: str) -> None:
        self.client = client
        self.project = project
        self.graphs: dict[tuple[str, str], Graph] = {}
        self._zone: ZoneInfo | None = None
        self._listings: dict[str, list[dict[str, Any]]] = {}
        """``GET /project/{key}/statuses`` per project (every issue type's statuses), read once per adapter."""
        self._inspected: dict[str, RemoteItem] = {}
        """Issues as `describe_workflow`/`check_target` last read them, so checking every status of one issue
        reads it once; dropped when this adapter writes the issue."""

    def __repr__(self) -> str:
        return f"JiraAdapter(base_url={self.client.base_url!r}, project={self.project!r})"

    # -- reads ----------------------------------------------------------------------------------------------
    def read_many(self, items: Sequence[str], managed: frozenset[str]) -> dict[str, RemoteItem | None]:
        keys = list(dict.fromkeys(k.upper() for k in items))
        found: dict[str, RemoteItem | None] = dict.fromkeys(keys)
        for start in range(0, len(keys), KEYS_PER_QUERY):
            self._read_chunk(keys[start:start + KEYS_PER_QUERY], managed, found)
        return {item: found[item.upper()] for item in items}

    def _read_chunk(self, keys: list[str], managed: frozenset[str], found: dict[str, RemoteItem | None]) -> None:
        """Jira refuses a whole ``key in`` query when one key does not exist; halve until the gone ones are
        isolated (k missing keys cost about k*log(n) extra calls, and only on that path)."""
        try:
            for issue in self.client.search(f"key in ({', '.join(keys)})", READ_FIELDS, expand=READ_EXPAND):
                item = remote_item(issue, managed, self.client.base_url)
                if item.link_item in found:
                    found[item.link_item] = item
            return
        except Rejected:
            if len(keys) > 1:
                middle = len(keys) // 2
                self._read_chunk(keys[:middle], managed, found)
                self._read_chunk(keys[middle:], managed, found)
                return
        try:
            found[keys[0]] = remote_item(self.client.issue(keys[0], READ_FIELDS, READ_EXPAND), managed,
                                         self.client.base_url)
        except ItemGone:
            found[keys[0]] = None

    def changed_since(self, cursor: str | None, managed: frozenset[str]) -> ChangeBatch:
        previous = Cursor.decode(cursor)
        since = FIRST_READ if previous.at is None else _quote(jql_since(previous.at, self.zone()))
        jql = f"project = {_quote(self.project)} AND updated >= {since} ORDER BY updated ASC, key ASC"
        items: dict[tuple[str, str], RemoteItem] = {}
        for issue in self.client.search(jql, READ_FIELDS, expand=READ_EXPAND):
            item = remote_item(issue, managed, self.client.base_url)
            if previous.seen.get(item.link_item) == item.version:
                continue
            items.setdefault((item.link_item, item.version), item)
        observed = [(i.link_item, i.version, i.updated_at) for i in items.values() if i.updated_at is not None]
        following = advance(previous, observed)
        return ChangeBatch(items=list(items.values()), cursor=following.encode())

    def zone(self) -> ZoneInfo:
        """The bot's time zone (JQL dates are read in it), asked once per adapter."""
        if self._zone is None:
            self._zone = _zone_named(self.client.myself().get("timeZone"))
        return self._zone

    def _read(self, key: str, managed: frozenset[str]) -> RemoteItem:
        return remote_item(self.client.issue(key, READ_FIELDS, READ_EXPAND), managed, self.client.base_url)

    # -- writes ---------------------------------------------------------------------------------------------
    def write(self, item: str, target: Target, managed: frozenset[str], *, resolution: str | None = None,
              current: RemoteItem | None = None) -> Receipt:
        """Transition to `target` and set the managed labels; `current`, a caller's fresh read, saves the
        re-read before writing."""
        receipt, _ = self._write(item.upper(), target, managed, resolution, current)
        return receipt

    def _write(self, key: str, target: Target, managed: frozenset[str], resolution: str | None,
               fresh: RemoteItem | None = None) -> tuple[Receipt, RemoteItem]:
        """`write`, also returning the issue as last read (so `create` needs no read of its own)."""
        self._inspected.pop(key, None)
        current = fresh if fresh is not None else self._read(key, managed)
        changed = False
        graph = self._graph(current)
        goals, _ = goal_ids(self._known_statuses(current, graph), target.state, target.category)
        if current.state.state_id not in goals:
            current = self._move(key, current, target, resolution, graph, goals, managed)
            changed = True
        wanted = {m.casefold(): m for m in target.markers}
        present = {m.casefold() for m in current.state.markers}
        add = [m for f, m in wanted.items() if f not in present]
        remove = [m for m in current.state.markers if m.casefold() not in wanted]
        if add or remove:
            self.client.update_labels(key, add, remove)
            current = self._read(key, managed)
            changed = True
        receipt = Receipt(link_item=key, tracker=Tracker.JIRA, state=current.state, version=current.version,
                          changed=changed, at=current.updated_at)
        return receipt, current

    def _graph(self, item: RemoteItem) -> Graph:
        return self.graphs.setdefault((item.project or self.project, item.item_type or DEFAULT_TYPE), Graph())

    def _known_statuses(self, item: RemoteItem, graph: Graph) -> list[transitions.Status]:
        """The workflow's statuses: from the project's status list, plus any learned."""
        for status in self._listed(item.project or self.project, item.item_type or DEFAULT_TYPE):
            graph.statuses.setdefault(status.id, status)
        return list(graph.statuses.values())

    def _listed(self, project: str, kind: str) -> list[transitions.Status]:
        """One issue type's statuses in Jira's order, from the project's list (read once per project)."""
        if project not in self._listings:
            self._listings[project] = list(self.client.project_statuses(project))
        return [status_from_json(raw) for entry in self._listings[project]
                if str(entry.get("name", "")).casefold() == kind.casefold()
                for raw in entry.get("statuses") or []]

    def _move(self, key: str, item: RemoteItem, target: Target, resolution: str | None, graph: Graph,
              goals: set[str], managed: frozenset[str]) -> RemoteItem:
        """Walk transitions until the issue is in a goal status; returns the issue as last read (in it).

        Before every hop the issue is read again, with the transitions available from where it *is* (one
        call: ``expand=transitions``), never from where the previous hop should have left it: after a lost
        response, a retry or a person's move, the walk goes on from the real status, so it never takes a hop
        past the target (a Reopen out of Done) nor files one status's transitions under another."""
        goal_category = next((graph.statuses[g].category for g in sorted(goals) if g in graph.statuses),
                             target.category)
        start = _status(item)
        current = start
        for _ in range(MAX_STEPS):
            raw = self.client.issue(key, READ_FIELDS, MOVE_EXPAND)
            item = remote_item(raw, managed, self.client.base_url)
            current = _status(item)
            if current.id in goals:
                return item
            graph.learn(current, raw.get("transitions") or [])
            step = next_step(graph, current.id, goals, goal_category)
            if step is None:
                break
            self.client.transition(key, step.transition_id,
                                   self._screen_values(key, step, graph, target, resolution))
        raise Rejected(f"jira {key}: {_no_path(graph, start, target)} (now {current.name!r})",
                       tracker="jira", item=key,
                       hint="check the Jira workflow or the status mapping (weavesync doctor)")

    def is_partial_write(self, before: ExternalState, target: Target, observed: ExternalState,
                         managed: frozenset[str]) -> bool:
        """On the way: a status on the path `write` takes from `before` (an intermediate hop, or the goal with
        the labels not yet edited). The path comes from the workflow this adapter has learned; when it has not
        seen `before`'s workflow yet (another process wrote), a status whose category lies between the start's
        and the target's counts as a hop."""
        return partial_write(self._way_point(before, target, observed), before, target, observed, managed)

    def _way_point(self, before: ExternalState, target: Target, observed: ExternalState) -> WayPoint:
        at_start = _same_status(observed, before)
        for graph in self.graphs.values():
            if before.state_id not in graph.explored:
                continue
            goals, _ = goal_ids(graph.statuses.values(), target.state, target.category)
            path = shortest_path(graph, before.state_id, goals) if goals else None
            if path is not None:
                hops = {edge.target for edge in path[:-1]}
                return WayPoint(at_start, observed.state_id in goals, observed.state_id in hops)
        at_goal = (observed.state.casefold() == target.state.casefold() if target.state
                   else (observed.category or "").casefold() == (target.category or "").casefold())
        ranks = sorted(CATEGORY_RANK.get((c or "").casefold(), 1) for c in (before.category, target.category))
        between = ranks[0] <= CATEGORY_RANK.get((observed.category or "").casefold(), 1) <= ranks[1]
        return WayPoint(at_start, at_goal, between and not at_start)

    def _screen_values(self, key: str, edge: transitions.Edge, graph: Graph, target: Target,
                       resolution: str | None) -> dict[str, Any]:
        """What the transition screen needs (`fill_screen`); a field it cannot fill refuses the write."""
        values, gaps = fill_screen(edge, graph.statuses[edge.target].name, resolution or target.reason)
        if gaps:
            hint = ("set sync.statusSync resolution for this status in .specweave/config.json"
                    if gaps[0].field == "resolution" else
                    "remove the field from the transition screen or make it optional")
            raise Rejected(f"jira {key}: {gap_text(graph, gaps[0])}", tracker="jira", item=key, hint=hint)
        return values

    def comment(self, item: str, body: str, op_id: str, *, first_attempt: bool = False,
                announced_since: datetime | None = None) -> bool:
        """Post once per `op_id`, and with `announced_since` once per closure (`TrackerAdapter.comment`); the
        comments are searched unless this is a first attempt."""
        key = item.upper()
        marker = adf.op_marker(op_id)
        if not first_attempt:
            for existing in self.client.comments(key):
                if adf.has_marker(existing.get("body"), marker):
                    return False
                if (announces(parse_jira_time(existing.get("created")), announced_since)
                        and adf.announces(existing.get("body"), body)):
                    return False
        self.client.add_comment(key, adf.document(body, marker))
        return True

    def create(self, title: str, body: str, marker: str, target: Target, managed: frozenset[str],
               *, item_type: str | None = None) -> RemoteItem:
        tag = adf.link_marker(marker)
        jql = f"project = {_quote(self.project)} AND text ~ {_quote(_quote(tag))} ORDER BY key ASC"
        existing = [i for i in self.client.search(jql, ("description",))
                    if adf.has_marker((i.get("fields") or {}).get("description"), tag)]
        if existing:
            key = str(existing[0]["key"])
        else:
            fields: dict[str, Any] = {"project": {"key": self.project}, "summary": title,
                                      "issuetype": {"name": item_type or DEFAULT_TYPE},
                                      "description": adf.document(body, tag)}
            if target.markers:
                fields["labels"] = sorted(target.markers)
            key = str(self.client.create_issue(fields)["key"])
        _, current = self._write(key, target, managed, None)
        return replace(current, created=not existing)

    # -- who changed it -------------------------------------------------------------------------------------
    def last_change(self, item: str, managed: frozenset[str] = frozenset()) -> tuple[str | None, datetime | None]:
        """The author and time of the newest changelog entry that moved the status or a managed label.

        Read from the changelog endpoint, newest page first: one call for an issue with up to 100 entries (the
        changelog embedded by ``expand=changelog`` may be cut short on long-lived issues)."""
        key = item.upper()
        for history in self._histories_newest_first(key):
            if changes_managed(history, managed):
                return history_author(history), parse_jira_time(history.get("created"))
        return None, None

    def _histories_newest_first(self, key: str) -> Iterator[dict[str, Any]]:
        first = self.client.changelog(key, 0)
        values: list[dict[str, Any]] = list(first.get("values") or [])
        total = int(first.get("total") or len(values))
        end = total
        while end > len(values):
            start = max(end - PAGE, len(values))
            page = list(self.client.changelog(key, start, end - start).get("values") or [])
            if not page:
                break
            yield from reversed(page)
            end = start
        yield from reversed(values[:end])

    # -- introspection --------------------------------------------------------------------------------------
    def describe_workflow(self, item: str | None = None, item_type: str | None = None) -> Workflow:
        kind = item_type or DEFAULT_TYPE
        project = self.project
        if item is not None:
            current = self._read(item.upper(), frozenset())
            self._inspected[current.link_item] = current
            kind, project = current.item_type or kind, current.project or project
            graph = self._graph(current)
            self._known_statuses(current, graph)
            here = transitions.Status(current.state.state_id or "", current.state.state, current.state.category)
            graph.learn(here, self.client.transitions(current.link_item))
        graph = self.graphs.setdefault((project, kind), Graph())
        statuses: list[WorkflowStatus] = []
        for status in self._listed(project, kind):
            graph.statuses.setdefault(status.id, status)
            statuses.append(WorkflowStatus(status.name, status.category, status.id))
        return Workflow(item_type=kind, statuses=statuses, transitions=graph.by_name())

    def check_target(self, target: Target, *, item: str | None = None, item_type: str | None = None,
                     resolution: str | None = None) -> TargetCheck:
        """The status `write` would reach, by the path it would take over the learned graph, and the screens on
        that path it could not fill. Jira shows transitions only from an issue's current status, so `reachable`
        is None while the path runs through statuses no checked issue has been in."""
        current: RemoteItem | None = None
        project, kind = self.project, item_type or DEFAULT_TYPE
        if item is not None:
            key = item.upper()
            if key not in self._inspected:
                self._inspected[key] = self._read(key, frozenset())
            current = self._inspected[key]
            project, kind = current.project or project, current.item_type or kind
        graph = self.graphs.setdefault((project, kind), Graph())
        listed = self._listed(project, kind)
        for status in listed:
            graph.statuses.setdefault(status.id, status)
        known = listed + [s for s in graph.statuses.values() if s not in listed]
        goals, by_category = goal_ids(known, target.state, target.category)
        options = [s.name for s in known if s.id in goals]
        if not options:
            names = ", ".join(s.name for s in known) or "none"
            return TargetCheck(state=None, reachable=False,
                               problem=f"{project} {kind} has no status for {_wanted(target)}; its statuses: {names}")
        fallback = None
        if by_category:
            fallback = f"category {target.category}" + (f": one of {', '.join(options)}" if len(options) > 1 else "")
        if current is None:
            return TargetCheck(state=options[0], fallback=fallback)
        here = transitions.Status(current.state.state_id or "", current.state.state, current.state.category)
        if here.id in goals:
            return TargetCheck(state=here.name, reachable=True, fallback=fallback)
        if here.id not in graph.explored:
            graph.learn(here, self.client.transitions(current.link_item))
        path = shortest_path(graph, here.id, goals)
        if path is None:
            reachable = reachability(graph, here.id, goals)
            return TargetCheck(state=options[0], reachable=reachable, fallback=fallback,
                               problem=None if reachable is None else _no_path(graph, here, target))
        configured = resolution or target.reason
        gaps = [gap for edge in path for gap in fill_screen(edge, graph.statuses[edge.target].name, configured)[1]]
        steps = tuple(graph.statuses[edge.target].name for edge in path)
        return TargetCheck(state=steps[-1], reachable=True, path=steps, fallback=fallback,
                           missing_fields=tuple(dict.fromkeys(g.field for g in gaps)),
                           choices={g.field: g.allowed for g in gaps if g.allowed},
                           problem=gap_text(graph, gaps[0]) if gaps else None)

    def check_auth(self) -> AuthInfo:
        me = self.client.myself()
        zone = me.get("timeZone")
        if zone:
            self._zone = _zone_named(zone)
        return AuthInfo(ok=True, user=me.get("emailAddress") or me.get("displayName"), scopes=None,
                        detail=f"Jira account {me.get('accountId')}, time zone {zone}")

    def close(self) -> None:
        self.client.close()


def _status(item: RemoteItem) -> transitions.Status:
    return transitions.Status(item.state.state_id or "", item.state.state, item.state.category)


def _same_status(a: ExternalState, b: ExternalState) -> bool:
    """By id when both have one (names are per workflow and may repeat), else by name."""
    if a.state_id and b.state_id:
        return a.state_id == b.state_id
    return a.state.casefold() == b.state.casefold()


def _zone_named(name: object) -> ZoneInfo:
    """The bot's time zone from ``/myself``; UTC when Jira names none or one this Python does not know."""
    try:
        return ZoneInfo(str(name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _wanted(target: Target) -> str:
    if target.state is not None and target.category is not None:
        return f"{target.state!r} (nor category {target.category})"
    return repr(target.state) if target.state is not None else f"category {target.category}"


def _no_path(graph: Graph, start: transitions.Status, target: Target) -> str:
    """The one line `write` raises and `check_target` reports when no known transitions lead to the target."""
    wanted = target.state or f"category {target.category}"
    return (f"no transition path from {start.name!r} to {wanted!r}; "
            f"reachable: {', '.join(graph.reachable(start.id)) or 'nothing'}")


def connect(connection: Connection) -> JiraAdapter:
    """Build an adapter from a resolved `Connection` (``place``: ``domain`` and ``projectKey``)."""
    project = connection.place.get("projectKey") or connection.place.get("project")
    if not project:
        raise Rejected("jira connection has no projectKey", tracker="jira")
    base = connection.base_url or _site_url(connection.place.get("domain", ""))
    if not connection.user or connection.token is None or not connection.token:
        raise AuthFailed("jira needs an e-mail and an API token", tracker="jira",
                         hint="set JIRA_EMAIL and JIRA_API_TOKEN")
    client = JiraClient(base, connection.user, connection.token.reveal())
    return JiraAdapter(client, project.upper())


def _site_url(domain: str) -> str:
    if domain.startswith(("http://", "https://")):
        return domain.rstrip("/")
    return f"https://{domain if '.' in domain else domain + '.atlassian.net'}"


__all__ = ["JiraAdapter", "connect", "parse_jira_time"]
