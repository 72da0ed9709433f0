"""Do the mapped statuses exist in the live workflow of every linked item, and can weavesync reach them?

Tracker-neutral on purpose: every answer comes from `TrackerAdapter.describe_workflow` and
`TrackerAdapter.check_target`, which apply the very rules the adapter's `write` applies (state resolution and
its fallbacks, transition paths, transition screens). So this module cannot drift from what a write would do,
and a new tracker is checked without touching it. Tracker names appear only in messages and config key paths.

Cost is bounded by what differs, never by the number of items: linked items are read with one batched
`read_many` per tracker (which also tells each item's project and type), grouped by (project, item type), and
one item per distinct current state stands for its group. The workflow is described from each such item
(trackers that show moves only from an item's current state, like Jira, learn more from each) before any
target is checked, and the adapter caches workflow reads per (project, type).

Findings per group, for each SpecWeave status:
- the target cannot be expressed (error), or only through a fallback (a warning when the mapping named a state
  the type lacks, info when it named a category);
- two statuses that a fallback makes land on the same state, reason and labels/tags (warning: an inbound change
  could not tell them apart);
- from each representative's state: no path (error), a transition screen weavesync cannot fill (error), or a
  path not confirmed yet (info).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from weavesync.config import TrackerMapping
from weavesync.config.validate import describe
from weavesync.doctor.finding import Finding
from weavesync.errors import TrackerError
from weavesync.model import Link, RemoteItem, Status, Tracker
from weavesync.trackers.base import TargetCheck, TrackerAdapter, Workflow
from weavesync.trackers.registry import kind

CHECK = "workflow"

LinkedItems = Mapping[Tracker, Sequence[tuple[str, Link]]]
"""Per tracker: (increment id, link) for every link found in the project."""

MARKER_KEY: Mapping[Tracker, str] = {Tracker.ADO: "tags"}
"""The mapping key a fix should name for markers (display only; ``labels`` elsewhere), as config.json spells it."""

Checks = dict[Status, TargetCheck]


def check_workflows(linked: LinkedItems, adapters: Mapping[Tracker, TrackerAdapter],
                    mappings: Mapping[Tracker, TrackerMapping], places: Mapping[Tracker, str],
                    resolutions: Mapping[Status, str] | None = None) -> list[Finding]:
    """Findings for every tracker with working credentials (`adapters`); a tracker with no linked item is checked
    against its configured project's default item type (`places` names it, for messages). `resolutions` are the
    configured ones, passed to `check_target` exactly as the executor passes them to `write`."""
    out: list[Finding] = []
    for tracker, adapter in adapters.items():
        context = _Context(tracker, adapter, mappings[tracker], resolutions or {})
        pairs = linked.get(tracker, ())
        out += context.linked(pairs) if pairs else context.unlinked(places.get(tracker))
    return out


class _Context:
    """One tracker's adapter, mapping and configured resolutions, shared by its groups."""

    def __init__(self, tracker: Tracker, adapter: TrackerAdapter, mapping: TrackerMapping,
                 resolutions: Mapping[Status, str]) -> None:
        self.tracker, self.adapter, self.mapping, self.resolutions = tracker, adapter, mapping, resolutions
        self.name = tracker.value

    def key(self, status: Status) -> str:
        return f"sync.statusSync.mappings.{self.name}.{status.value}"

    def check_all(self, item: RemoteItem | None, item_type: str | None) -> Checks:
        return {status: self.adapter.check_target(self.mapping.target(status),
                                                  item=item.link_item if item is not None else None,
                                                  item_type=item_type, resolution=self.resolutions.get(status))
                for status in Status}

    def unreadable(self, label: str, exc: TrackerError, item: str | None = None) -> list[Finding]:
        return [Finding(CHECK, "error", f"cannot read the workflow of {label}: {exc.message}",
                        exc.hint or "check that the token may browse that project, then run doctor again",
                        tracker=self.name, item=item)]

    # -- entry points ---------------------------------------------------------------------------------------
    def unlinked(self, place: str | None) -> list[Finding]:
        label = place or self.name
        try:
            workflow = self.adapter.describe_workflow()
            label = " ".join(p for p in (place, workflow.item_type) if p) or self.name
            checks = self.check_all(None, workflow.item_type)
        except TrackerError as exc:
            return self.unreadable(label, exc)
        return self.evaluate(workflow, label, checks, {})

    def linked(self, pairs: Sequence[tuple[str, Link]]) -> list[Finding]:
        owners: dict[str, list[str]] = {}
        for increment, link in pairs:
            owners.setdefault(link.item, []).append(increment)
        try:
            remote = self.adapter.read_many(list(owners), self.mapping.managed)
        except TrackerError as exc:
            return [Finding("links", "error", f"cannot read the {len(owners)} linked {self.name} item(s): "
                            f"{exc.message}", exc.hint or "check the credentials and the network, then run doctor "
                            "again", tracker=self.name)]
        out: list[Finding] = []
        groups: dict[tuple[str | None, str | None], list[RemoteItem]] = {}
        for item, found in remote.items():
            if found is None:
                increment = owners[item][0]
                out.append(Finding("links", "warning",
                                   f"{item} (linked from {', '.join(owners[item])}) is gone or not visible",
                                   f"run `weavesync unlink {increment} {self.name}:{item}` or link the item that "
                                   "replaced it", tracker=self.name, item=item))
            else:
                groups.setdefault((found.project, found.item_type), []).append(found)
        for items in groups.values():
            out += self.group(items)
        return out

    def group(self, items: list[RemoteItem]) -> list[Finding]:
        """One (project, item type): described from one item per distinct current state, then checked."""
        label = " ".join(p for p in (items[0].project, items[0].item_type) if p) or self.name
        representatives: dict[str, RemoteItem] = {}
        for item in items:
            representatives.setdefault(item.state.state_id or item.state.state.casefold(), item)
        try:
            workflow: Workflow | None = None
            for item in representatives.values():  # each answer may add the moves of one more state
                workflow = self.adapter.describe_workflow(item=item.link_item, item_type=item.item_type)
            assert workflow is not None  # items is never empty
            checks = {item.link_item: self.check_all(item, item.item_type) for item in representatives.values()}
        except TrackerError as exc:
            return self.unreadable(label, exc, items[0].link_item)
        starts = {item.link_item: item for item in representatives.values()}
        return self.evaluate(workflow, label, checks[items[0].link_item], {starts[k]: v for k, v in checks.items()},
                             checked=len(items))

    # -- findings -------------------------------------------------------------------------------------------
    def evaluate(self, workflow: Workflow, label: str, first: Checks, per_item: Mapping[RemoteItem, Checks],
                 checked: int = 0) -> list[Finding]:
        item = next(iter(per_item)).link_item if per_item else None
        found = self.expressible(workflow, label, first, item) + self.collisions(label, first, item)
        unknown: dict[RemoteItem, list[Status]] = {}
        for representative, checks in per_item.items():
            for finding in self.reachable(label, representative, checks, unknown):
                if not any((f.message, f.fix) == (finding.message, finding.fix) for f in found):
                    found.append(finding)  # two items on one path meet the same transition screen: once
        for representative, statuses in unknown.items():
            found.append(Finding(CHECK, "info", f"{label}: the tracker shows moves only from an item's current "
                                 f"state, so a path from '{representative.state.state}' to the targets of "
                                 f"{', '.join(s.value for s in statuses)} is not confirmed yet",
                                 "nothing to do unless a write fails; weavesync explores the workflow as it moves "
                                 "items", tracker=self.name, item=representative.link_item))
        if not any(f.severity in ("warning", "error") for f in found):
            done = f"{checked} linked item(s) checked" if per_item else "no linked item yet: default type checked"
            found.insert(0, Finding(CHECK, "ok", f"{label}: every mapped status exists in the workflow ({done})",
                                    None, tracker=self.name))
        return found

    def expressible(self, workflow: Workflow, label: str, checks: Checks, item: str | None) -> list[Finding]:
        names = ", ".join(s.name for s in workflow.statuses)
        out: list[Finding] = []
        colliding = {s for group in self.landing(checks) for s in group}
        for status, check in checks.items():
            target = self.mapping.target(status)
            if check.state is None:
                if check.problem is not None:
                    out.append(Finding(CHECK, "error", f"'{status.value}' maps to {describe(target)!r}, which "
                                       f"{label} cannot express: {check.problem}",
                                       f"set {self.key(status)} to one of the states of {label}: {names}",
                                       tracker=self.name, item=item))
                continue
            if check.fallback is None:
                continue
            if target.state is not None:
                out.append(Finding(CHECK, "warning", f"'{status.value}' maps to '{target.state}', which {label} "
                                   f"does not have; weavesync will write '{check.state}' ({check.fallback})",
                                   f"set {self.key(status)} to one of the states of {label}: {names}",
                                   tracker=self.name, item=item))
            elif status not in colliding:
                out.append(Finding(CHECK, "info", f"{label} has no {target.category} state; '{status.value}' is "
                                   f"written as '{check.state}' ({check.fallback})",
                                   "nothing to do unless you want it distinct: add an entry under "
                                   f"{self.marker_key(status)}", tracker=self.name, item=item))
        return out

    def landing(self, checks: Checks) -> list[list[Status]]:
        """Groups of statuses a category fallback makes land on one state, reason and set of markers."""
        by_landing: dict[tuple[str, str | None, frozenset[str]], list[Status]] = {}
        for status, check in checks.items():
            if check.state is not None:
                target = self.mapping.target(status)
                marks = frozenset(m.casefold() for m in target.markers)
                by_landing.setdefault((check.state.casefold(), target.reason, marks), []).append(status)
        return [group for group in by_landing.values() if len(group) > 1 and any(
            checks[s].fallback is not None and self.mapping.target(s).state is None for s in group)]

    def marker_key(self, status: Status) -> str:
        return f"sync.statusSync.mappings.{self.name}.{status.value}.{MARKER_KEY.get(self.tracker, 'labels')}"

    def collisions(self, label: str, checks: Checks, item: str | None) -> list[Finding]:
        out: list[Finding] = []
        for group in self.landing(checks):
            both = " and ".join(s.value for s in group)
            word = MARKER_KEY.get(self.tracker, "labels")
            out.append(Finding(CHECK, "warning", f"on {label}, {both} are all written as '{checks[group[0]].state}' "
                               f"with the same {word}, so a change seen in {kind(self.tracker).display_name} cannot "
                               "tell them apart",
                               f"add a distinguishing entry under {self.marker_key(group[-1])}",
                               tracker=self.name, item=item))
        return out

    def reachable(self, label: str, item: RemoteItem, checks: Checks, unknown: dict[RemoteItem, list[Status]]
                  ) -> list[Finding]:
        """Errors from one item's state; statuses whose path is not confirmed yet are added to `unknown`."""
        out: list[Finding] = []
        start = item.state.state
        for status, check in checks.items():
            if check.state is None:
                continue  # reported once by `expressible`
            if check.reachable is False:
                out.append(Finding(CHECK, "error", f"no transition path in {label} from '{start}' to "
                                   f"'{check.state}' ('{status.value}')",
                                   f"add a transition to the workflow, or set {self.key(status)} to a status "
                                   f"reachable from '{start}'", tracker=self.name, item=item.link_item))
            elif check.missing_fields or check.problem:
                out.append(Finding(CHECK, "error", f"{label}: {check.problem or self.fields(check)} (on the way "
                                   f"to '{status.value}')", self.field_fix(status, check),
                                   tracker=self.name, item=item.link_item))
            elif check.reachable is None:
                unknown.setdefault(item, []).append(status)
        return out

    @staticmethod
    def fields(check: TargetCheck) -> str:
        return f"a transition requires {', '.join(check.missing_fields)}, which weavesync cannot fill"

    def field_fix(self, status: Status, check: TargetCheck) -> str:
        offered = check.choices.get("resolution")
        if "resolution" in check.missing_fields and offered:
            return (f"set sync.statusSync.{self.name}.resolutions.{status.value} to one of: {', '.join(offered)}")
        if check.missing_fields:
            return (f"ask an admin to make {', '.join(check.missing_fields)} optional on that transition, or map "
                    f"{status.value} to a status reached without it")
        return f"check the workflow of the item, or set {self.key(status)} to a status weavesync can reach"
