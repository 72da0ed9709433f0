"""Do the mapped statuses exist in the live workflow of every linked item, and can they be reached?

Cost is bounded by what differs, never by the number of items: linked items are read with one batched
`read_many` per tracker (which also tells each item's project and type), then the workflow is described once per
(tracker, project, item type). Jira is the exception that proves the rule: it shows transitions only from an
item's *current* status, so it is asked once per distinct current status in a group (a handful), and the graph
the adapter learns grows with each answer.

- Jira: each target's status exists (by name, else by the category fallback the adapter would use, reported as
  a warning), a path of known transitions leads to it from every linked item's status, and the screens on that
  path can be filled (`jira_screens`).
- Azure DevOps: each target resolves to a state of the item's work item type (`resolve_ado_state`), as the
  adapter resolves it; two statuses landing on the same state and tags are reported, since inbound changes
  could then not tell them apart.
- GitHub: two states, always reachable; the mapping was already checked offline.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence

from weavesync.config import TrackerMapping
from weavesync.config.ado_states import canonical_category, resolve_ado_state
from weavesync.config.validate import describe
from weavesync.doctor.finding import Finding
from weavesync.doctor.jira_screens import screen_findings
from weavesync.errors import TrackerError
from weavesync.model import Link, RemoteItem, Status, Tracker
from weavesync.trackers.base import TrackerAdapter, Workflow

CHECK = "workflow"

LinkedItems = Mapping[Tracker, Sequence[tuple[str, Link]]]
"""Per tracker: (increment id, link) for every link found in the project."""


def check_workflows(linked: LinkedItems, adapters: Mapping[Tracker, TrackerAdapter],
                    mappings: Mapping[Tracker, TrackerMapping], places: Mapping[Tracker, str]) -> list[Finding]:
    """Findings for every tracker with working credentials (`adapters`); a tracker with no linked item is checked
    against its configured project's default item type (`places` names it, for messages)."""
    out: list[Finding] = []
    for tracker, adapter in adapters.items():
        pairs = linked.get(tracker, ())
        if pairs:
            out += _tracker(tracker, adapter, mappings[tracker], pairs)
        else:
            out += _unlinked(tracker, adapter, mappings[tracker], places.get(tracker))
    return out


def _unlinked(tracker: Tracker, adapter: TrackerAdapter, mapping: TrackerMapping, place: str | None
              ) -> list[Finding]:
    try:
        workflow = adapter.describe_workflow()
    except TrackerError as exc:
        return [Finding(CHECK, "error", f"cannot read the workflow of {place or tracker.value}: {exc.message}",
                        exc.hint or "check that the token may browse that project, then run doctor again",
                        tracker=tracker.value)]
    label = " ".join(p for p in (place, workflow.item_type) if p) or tracker.value
    return _evaluate(tracker, adapter, mapping, workflow, [], label)


def _tracker(tracker: Tracker, adapter: TrackerAdapter, mapping: TrackerMapping,
             pairs: Sequence[tuple[str, Link]]) -> list[Finding]:
    owners: dict[str, list[str]] = {}
    for increment, link in pairs:
        owners.setdefault(link.item, []).append(increment)
    try:
        remote = adapter.read_many(list(owners), mapping.managed)
    except TrackerError as exc:
        return [Finding("links", "error", f"cannot read the {len(owners)} linked {tracker.value} item(s): "
                        f"{exc.message}", exc.hint or "check the credentials and the network, then run doctor again",
                        tracker=tracker.value)]
    out: list[Finding] = []
    groups: dict[tuple[str | None, str | None], list[RemoteItem]] = {}
    for item, found in remote.items():
        if found is None:
            increment = owners[item][0]
            out.append(Finding("links", "warning",
                               f"{item} (linked from {', '.join(owners[item])}) is gone or not visible",
                               f"run `weavesync unlink {increment} {tracker.value}:{item}` or link the item that "
                               "replaced it", tracker=tracker.value, item=item))
        else:
            groups.setdefault((found.project, found.item_type), []).append(found)
    for items in groups.values():
        out += _group(tracker, adapter, mapping, items)
    return out


def _group(tracker: Tracker, adapter: TrackerAdapter, mapping: TrackerMapping, items: list[RemoteItem]
           ) -> list[Finding]:
    label = _label(items[0])
    try:
        workflow = _describe(tracker, adapter, items)
    except TrackerError as exc:
        return [Finding(CHECK, "error", f"cannot read the workflow of {label}: {exc.message}",
                        exc.hint or "check that the token may browse that project, then run doctor again",
                        tracker=tracker.value, item=items[0].link_item)]
    return _evaluate(tracker, adapter, mapping, workflow, items, label)


def _evaluate(tracker: Tracker, adapter: TrackerAdapter, mapping: TrackerMapping, workflow: Workflow,
              items: list[RemoteItem], label: str) -> list[Finding]:
    found: list[Finding]
    if tracker is Tracker.JIRA:
        found = _jira(mapping, workflow, items, label) + screen_findings(adapter, mapping, items)
    elif tracker is Tracker.ADO:
        found = _ado(mapping, workflow, items, label)
    else:
        found = []
    if not any(f.severity in ("warning", "error") for f in found):
        checked = f"{len(items)} linked item(s) checked" if items else "no linked item yet: default type checked"
        found.insert(0, Finding(CHECK, "ok", f"{label}: every mapped status exists in the workflow ({checked})",
                                None, tracker=tracker.value))
    return found


def _label(item: RemoteItem) -> str:
    parts = [p for p in (item.project, item.item_type) if p]
    return " ".join(parts) or item.tracker.value


def _describe(tracker: Tracker, adapter: TrackerAdapter, items: list[RemoteItem]) -> Workflow:
    if tracker is not Tracker.JIRA:
        return adapter.describe_workflow(item=items[0].link_item, item_type=items[0].item_type)
    by_status: dict[str, RemoteItem] = {}
    for item in items:
        by_status.setdefault(item.state.state_id or item.state.state.casefold(), item)
    workflow: Workflow | None = None
    for representative in by_status.values():  # each answer adds the transitions of one more status
        workflow = adapter.describe_workflow(item=representative.link_item, item_type=representative.item_type)
    assert workflow is not None  # items is never empty
    return workflow


def _jira_goals(workflow: Workflow, state: str | None, category: str | None) -> tuple[list[str], bool]:
    """Status names that satisfy a target, and whether only the category fallback found them."""
    if state is not None:
        named = [s.name for s in workflow.statuses if s.name.casefold() == state.casefold()]
        if named:
            return named, False
    if category is not None:
        return [s.name for s in workflow.statuses if (s.category or "").casefold() == category.casefold()], True
    return [], False


def reach(transitions: Mapping[str, Sequence[str]], start: str, goals: Sequence[str]) -> str:
    """``yes`` when known moves lead from `start` to a goal, ``no`` when every status reachable from `start` has
    known moves and none leads there, ``unknown`` otherwise (Jira has not shown some status's moves yet)."""
    folded = {k.casefold(): [v.casefold() for v in vs] for k, vs in transitions.items()}
    wanted = {g.casefold() for g in goals}
    seen = {start.casefold()}
    queue = deque(seen)
    unexplored = False
    while queue:
        node = queue.popleft()
        if node in wanted:
            return "yes"
        if node not in folded:
            unexplored = True
            continue
        for nxt in folded[node]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return "unknown" if unexplored else "no"


def _jira(mapping: TrackerMapping, workflow: Workflow, items: list[RemoteItem], label: str) -> list[Finding]:
    out: list[Finding] = []
    names = ", ".join(s.name for s in workflow.statuses)
    first = items[0].link_item if items else None
    starts: dict[str, RemoteItem] = {}
    for item in items:
        starts.setdefault(item.state.state.casefold(), item)
    unknown: dict[str, list[str]] = {}
    for status in Status:
        target = mapping.target(status)
        goals, fallback = _jira_goals(workflow, target.state, target.category)
        key = f"sync.statusSync.mappings.jira.{status.value}"
        if not goals:
            out.append(Finding(CHECK, "error", f"'{status.value}' maps to {describe(target)!r}, which {label} does "
                               f"not have (statuses: {names})", f"set {key} to one of: {names}",
                               tracker="jira", item=first))
            continue
        if fallback and target.state is not None:
            out.append(Finding(CHECK, "warning", f"'{status.value}' maps to '{target.state}', which {label} does not "
                               f"have; weavesync will use {' or '.join(goals)} (category {target.category})",
                               f"set {key} to a status of {label} ({names})", tracker="jira", item=first))
        for item in starts.values():
            answer = reach(workflow.transitions, item.state.state, goals)
            if answer == "no":
                out.append(Finding(CHECK, "error", f"no transition path in {label} from '{item.state.state}' to "
                                   f"{' or '.join(goals)} ('{status.value}')",
                                   f"add a transition to the Jira workflow, or set {key} to a status reachable from "
                                   f"'{item.state.state}'", tracker="jira", item=item.link_item))
            elif answer == "unknown":
                unknown.setdefault(item.state.state, []).append(status.value)
    for start, statuses in unknown.items():
        out.append(Finding(CHECK, "info", f"{label}: Jira shows moves only from an item's current status, so a path "
                           f"from '{start}' to the targets of {', '.join(statuses)} is not confirmed yet",
                           "nothing to do unless a write fails; weavesync explores the workflow as it moves items",
                           tracker="jira", item=starts[start.casefold()].link_item))
    return out


def _ado(mapping: TrackerMapping, workflow: Workflow, items: list[RemoteItem], label: str) -> list[Finding]:
    out: list[Finding] = []
    states = [(s.name, s.category or "") for s in workflow.statuses]
    names = ", ".join(n for n, _ in states)
    item = items[0].link_item if items else None
    chosen: dict[Status, str] = {}
    for status in Status:
        target = mapping.target(status)
        key = f"sync.statusSync.mappings.ado.{status.value}"
        state = resolve_ado_state(target, states)
        if state is None:
            listing = ", ".join(f"{name} ({category})" for name, category in states)
            out.append(Finding(CHECK, "error", f"'{status.value}' maps to {describe(target)!r}, which no state of "
                               f"{label} fits (states: {listing})",
                               f"set {key} to a category (Proposed, InProgress, Resolved, Completed, Removed) or "
                               f"one of: {names}", tracker="ado", item=item))
            continue
        chosen[status] = state
        if target.state is not None and state.casefold() != target.state.casefold():
            out.append(Finding(CHECK, "warning", f"'{status.value}' maps to state '{target.state}', which {label} "
                               f"does not have; weavesync will write '{state}'",
                               f"set {key} to one of the states of {label}: {names}", tracker="ado", item=item))
    landing: dict[tuple[str, frozenset[str]], list[Status]] = {}
    for status, state in chosen.items():
        markers = frozenset(m.casefold() for m in mapping.target(status).markers)
        landing.setdefault((state.casefold(), markers), []).append(status)
    for statuses in landing.values():
        if len(statuses) > 1:
            both = " and ".join(s.value for s in statuses)
            out.append(Finding(CHECK, "warning", f"on {label}, {both} are all written as '{chosen[statuses[0]]}' "
                               "with the same tags, so a change seen in Azure DevOps cannot tell them apart",
                               f"add a distinguishing tag under sync.statusSync.mappings.ado.{statuses[-1].value}.tags",
                               tracker="ado", item=item))
            continue
        out += _ado_fallback(mapping, statuses[0], chosen[statuses[0]], dict(states), label, item)
    return out


def _ado_fallback(mapping: TrackerMapping, status: Status, state: str, categories: Mapping[str, str], label: str,
                  item: str | None) -> list[Finding]:
    """Info when a category-only target lands on another category (the documented fallbacks of ado_states)."""
    target = mapping.target(status)
    if target.state is not None or target.category is None:
        return []
    category = categories.get(state, "")
    wanted = canonical_category(target.category) or target.category
    if (canonical_category(category) or category) == wanted:
        return []
    return [Finding(CHECK, "info", f"{label} has no {wanted} state; '{status.value}' is written as '{state}' "
                    f"({category})", f"nothing to do unless you want it distinct: add a tag under "
                    f"sync.statusSync.mappings.ado.{status.value}.tags", tracker="ado", item=item)]
