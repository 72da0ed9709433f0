"""`AdoAdapter`: weavesync's `TrackerAdapter` for Azure DevOps Boards work items.

- read many: ``workitemsbatch`` in chunks of 200 with only the fields the sync needs; each type's states
  (for the category) are read once per adapter and cached.
- changed since: WIQL ``[System.ChangedDate] >=`` with ``timePrecision=true`` from the cursor minus an overlap,
  hydrated through ``workitemsbatch``. The cursor is ``<asOf>|id:rev,...``: the service's own ``asOf`` plus the
  (id, rev) pairs already returned inside the overlap window, so the overlap never reports an item twice.
- write: re-read, resolve the target state per type (`states.resolve_state`), do nothing when satisfied, else one
  JSON Patch guarded by ``test /rev``; a 412 (someone else saved first) re-reads and tries again, boundedly.
  Managed tags are added and removed by rewriting ``System.Tags`` from the tags just read, under that same
  ``test /rev``, so a person's tags are never lost.
- comment: the comments API, with ``<!-- weavesync:op=ID -->`` in the HTML; existing comments are searched first.
- create: the item carries its marker as a **tag** (and, for people, in an HTML comment in the description); the
  search before creating is WIQL ``[System.Tags] CONTAINS '<marker>'``. Tags were chosen over the description
  because WIQL cannot match HTML fields with a plain CONTAINS (only full-text ``CONTAINS WORDS``, whose index
  lags behind a create), while tag conditions are answered from the work item store at once.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from weavesync.errors import Conflict, ItemGone, Rejected
from weavesync.model import Connection, ExternalState, Receipt, RemoteItem, Target, Tracker, parse_utc
from weavesync.trackers.azure_devops.client import BATCH_MAX, AdoClient
from weavesync.trackers.azure_devops.cursor import Cursor
from weavesync.trackers.azure_devops.refs import ItemRef, parse_ref
from weavesync.trackers.azure_devops.states import canonical_category, resolve, resolve_state
from weavesync.trackers.azure_devops.tags import managed_tags, split_tags
from weavesync.trackers.base import AuthInfo, ChangeBatch, TargetCheck, Workflow, WorkflowStatus, announces

FIELDS = ("System.Id", "System.Rev", "System.WorkItemType", "System.TeamProject", "System.State", "System.Reason",
          "System.Tags", "System.Title", "System.ChangedDate", "System.ChangedBy",
          "Microsoft.VSTS.Common.StateChangeDate")
OVERLAP = timedelta(seconds=30)
FIRST_READ = timedelta(days=1)
WRITE_ATTEMPTS = 3
DEFAULT_TYPE = "Feature"


def op_marker(op_id: str) -> str:
    return f"<!-- weavesync:op={op_id} -->"


class AdoAdapter:
    tracker = Tracker.ADO

    def __init__(self, connection: Connection, *, client: AdoClient | None = None) -> None:
        self.client = client or AdoClient(connection)
        self.organization = self.client.organization
        self.project = self.client.project
        self.default_type = connection.place.get("workItemType", DEFAULT_TYPE)
        self._states: dict[tuple[str, str], list[WorkflowStatus]] = {}
        self._checked: dict[str, RemoteItem] = {}
        """Items as `describe_workflow`/`check_target` first read them (one read per item however many targets
        are checked); dropped when this adapter writes the item."""

    def __repr__(self) -> str:
        return f"AdoAdapter(org={self.organization!r}, project={self.project!r})"

    # reading ----------------------------------------------------------------------------------------------
    def type_states(self, item_type: str, project: str | None = None) -> list[WorkflowStatus]:
        key = ((project or self.project).casefold(), item_type.casefold())
        if key not in self._states:
            raw = self.client.type_states(item_type, project=project)
            self._states[key] = [WorkflowStatus(name=str(s["name"]), category=s.get("category")) for s in raw]
        return self._states[key]

    def _ref(self, item: str) -> ItemRef:
        try:
            ref = parse_ref(item)
        except ValueError as exc:
            raise Rejected(str(exc), tracker="ado", item=item) from exc
        if ref.organization.casefold() != self.organization.casefold():
            raise Rejected(f"{item} is in organization {ref.organization}, this connection is {self.organization}",
                           tracker="ado", item=item)
        return ref

    def _remote(self, raw: dict[str, Any], managed: frozenset[str]) -> RemoteItem:
        fields = raw.get("fields") or {}
        project = str(fields.get("System.TeamProject") or self.project)
        item_type = str(fields.get("System.WorkItemType") or "")
        state = str(fields.get("System.State") or "")
        category = next((s.category for s in self.type_states(item_type, project) if s.name == state), None)
        markers = managed_tags(fields.get("System.Tags"), managed)
        changed_by = fields.get("System.ChangedBy")
        if isinstance(changed_by, dict):
            changed_by = changed_by.get("displayName")
        ref = ItemRef(self.organization, project, int(raw["id"]))
        return RemoteItem(
            link_item=str(ref), tracker=Tracker.ADO,
            state=ExternalState(state=state, category=category, markers=markers),
            version=str(raw["rev"]), updated_at=_time(fields.get("System.ChangedDate")),
            status_changed_at=_time(fields.get("Microsoft.VSTS.Common.StateChangeDate")),
            changed_by=str(changed_by) if changed_by else None, title=fields.get("System.Title"),
            url=f"{self.client.org_url}/{project}/_workitems/edit/{ref.id}", item_type=item_type, project=project)

    def _hydrate(self, ids: Sequence[int], project: str, managed: frozenset[str]) -> dict[int, RemoteItem]:
        out: dict[int, RemoteItem] = {}
        for start in range(0, len(ids), BATCH_MAX):
            for raw in self.client.batch(ids[start:start + BATCH_MAX], FIELDS, project=project):
                if raw is not None:
                    out[int(raw["id"])] = self._remote(raw, managed)
        return out

    def read_many(self, items: Sequence[str], managed: frozenset[str]) -> dict[str, RemoteItem | None]:
        by_project: dict[str, list[tuple[str, int]]] = {}
        for item in items:
            ref = self._ref(item)
            by_project.setdefault(ref.project, []).append((item, ref.id))
        result: dict[str, RemoteItem | None] = {}
        for project, wanted in by_project.items():
            found = self._hydrate(list(dict.fromkeys(i for _, i in wanted)), project, managed)
            for item, item_id in wanted:
                result[item] = found.get(item_id)
        return result

    def _read_one(self, item: str, managed: frozenset[str]) -> RemoteItem:
        found = self.read_many([item], managed)[item]
        if found is None:
            raise _gone(item)
        return found

    def changed_since(self, cursor: str | None, managed: frozenset[str]) -> ChangeBatch:
        previous = Cursor.parse(cursor) if cursor else None
        since = previous.as_of - OVERLAP if previous else datetime.now(UTC) - FIRST_READ
        query = ("SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND "
                 f"[System.ChangedDate] >= '{_wiql_time(since)}' ORDER BY [System.ChangedDate] ASC")
        result = self.client.wiql(query, time_precision=True)
        as_of = parse_utc(str(result["asOf"]))
        ids = [int(w["id"]) for w in result.get("workItems") or []]
        found = self._hydrate(ids, self.project, managed)
        seen = previous.seen if previous else frozenset()
        fresh = [r for i in ids if (r := found.get(i)) is not None and (i, int(r.version)) not in seen]
        window = as_of - OVERLAP
        keep = frozenset((i, int(r.version)) for i, r in found.items()
                         if r.updated_at is not None and r.updated_at >= window)
        return ChangeBatch(items=fresh, cursor=Cursor(as_of, keep).format())

    # writing ----------------------------------------------------------------------------------------------
    def write(self, item: str, target: Target, managed: frozenset[str], *, resolution: str | None = None,
              current: RemoteItem | None = None) -> Receipt:
        """`resolution` is Jira's; ADO defaults ``System.Reason`` per transition, so it is not used here.
        `current` (a caller's fresh read) replaces the first re-read; its version is the ``rev`` the PATCH tests,
        so a change made since that read still fails with 412 and is re-read."""
        receipt, _ = self._write(item, target, managed, current)
        return receipt

    def _write(self, item: str, target: Target, managed: frozenset[str], fresh: RemoteItem | None = None
               ) -> tuple[Receipt, RemoteItem]:
        """`write`, also returning the item as read or saved (so `create` needs no read of its own)."""
        ref = self._ref(item)
        self._checked.pop(item, None)
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            current, tags = (fresh, None) if fresh is not None and attempt == 1 else self._read_raw(item, managed)
            if tags is None and current.state.markers != target.markers:
                # Replacing System.Tags needs the people's tags too, which a RemoteItem leaves out: read them.
                current, tags = self._read_raw(item, managed)
            ops = self._ops(current, tags or [], target, managed, item)
            if not ops:
                return Receipt(link_item=item, tracker=Tracker.ADO, state=current.state, version=current.version,
                               changed=False, at=current.updated_at), current
            try:
                saved = self.client.patch(ref.id, [{"op": "test", "path": "/rev", "value": int(current.version)},
                                                   *ops], project=ref.project, item=item)
            except Conflict:
                if attempt == WRITE_ATTEMPTS:
                    raise
                continue
            after = self._remote(saved, managed)
            return Receipt(link_item=item, tracker=Tracker.ADO, state=after.state, version=after.version,
                           changed=True, at=after.updated_at), after
        raise AssertionError("unreachable: the last attempt returns or raises")

    def is_partial_write(self, before: ExternalState, target: Target, observed: ExternalState,
                         managed: frozenset[str]) -> bool:
        """Never: state and tags go in one PATCH (tested against the item's ``rev``), so an item is either as
        it was or as written, even when the response was lost."""
        return False

    def _read_raw(self, item: str, managed: frozenset[str]) -> tuple[RemoteItem, list[str]]:
        """The item and all its tags (people's included), in one one-id batch read; raises ItemGone."""
        ref = self._ref(item)
        raw = self.client.batch([ref.id], FIELDS, project=ref.project)[0]
        if raw is None:
            raise _gone(item)
        return self._remote(raw, managed), split_tags(raw["fields"].get("System.Tags"))

    def _ops(self, current: RemoteItem, tags: list[str], target: Target, managed: frozenset[str], item: str
             ) -> list[dict[str, Any]]:
        ops: list[dict[str, Any]] = []
        wanted = self._state_move(current, target, item)
        if wanted is not None:
            ops.append({"op": "add", "path": "/fields/System.State", "value": wanted})
        if current.state.markers != target.markers:
            managed_folded = {m.casefold() for m in managed}
            kept = [t for t in tags if t.casefold() not in managed_folded]
            ops.append({"op": "replace", "path": "/fields/System.Tags",
                        "value": "; ".join(kept + sorted(target.markers))})
        return ops

    def _state_move(self, current: RemoteItem, target: Target, item: str) -> str | None:
        """The ``System.State`` to write for `target`, None when the current state already satisfies it; raises
        `Rejected` when the item's type has no state for it. `write` and `check_target` both decide here."""
        item_type = current.item_type or self.default_type
        states = self.type_states(item_type, current.project)
        if _state_satisfied(current.state, target, states):
            return None
        wanted = resolve_state(target, states, item_type, item=item)
        return None if wanted == current.state.state else wanted

    def comment(self, item: str, body: str, op_id: str, *, first_attempt: bool = False,
                announced_since: datetime | None = None) -> bool:
        """Post once per `op_id`, and with `announced_since` once per closure (`TrackerAdapter.comment`); the
        comments are searched unless this is a first attempt."""
        ref = self._ref(item)
        marker = op_marker(op_id)
        if not first_attempt:
            ours = f"{_html(body)}{op_marker('')[:-len(' -->')]}"
            for existing in self.client.comments(ref.id, project=ref.project, item=item):
                text = str(existing.get("text") or "")
                if marker in text:
                    return False
                if text.startswith(ours) and announces(_time(existing.get("createdDate")), announced_since):
                    return False
        self.client.add_comment(ref.id, f"{_html(body)}{marker}", project=ref.project, item=item)
        return True

    def create(self, title: str, body: str, marker: str, target: Target, managed: frozenset[str],
               *, item_type: str | None = None) -> RemoteItem:
        tag = marker_tag(marker)
        existing = self.find_marker(tag)
        if existing is not None:
            found = str(ItemRef(self.organization, self.project, existing))
        else:
            wit = item_type or self.default_type
            ops = [{"op": "add", "path": "/fields/System.Title", "value": title},
                   {"op": "add", "path": "/fields/System.Description",
                    "value": f"{_html(body)}<!-- weavesync:{html.escape(marker)} -->"},
                   {"op": "add", "path": "/fields/System.Tags", "value": "; ".join([tag, *sorted(target.markers)])}]
            raw = self.client.create(wit, ops)
            found = str(ItemRef(self.organization, self.project, int(raw["id"])))
        _, current = self._write(found, target, managed)
        return replace(current, created=existing is None)

    def find_marker(self, tag: str) -> int | None:
        """The lowest id of the project's items tagged `tag` (the first one created wins, should two exist)."""
        query = ("SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND "
                 f"[System.Tags] CONTAINS '{tag.replace(chr(39), chr(39) * 2)}' ORDER BY [System.Id] ASC")
        ids = [int(w["id"]) for w in self.client.wiql(query, time_precision=False).get("workItems") or []]
        return ids[0] if ids else None

    # who changed it ---------------------------------------------------------------------------------------
    def last_change(self, item: str, managed: frozenset[str] = frozenset()) -> tuple[str | None, datetime | None]:
        """Who saved the newest revision that changed ``System.State`` or a managed tag, and its
        ``System.ChangedDate``, from the item's updates (``System.ChangedBy`` names whoever saved last, for
        any field)."""
        ref = self._ref(item)
        folded = {m.casefold() for m in managed}
        for update in reversed(self.client.updates(ref.id, project=ref.project, item=item)):
            fields = update.get("fields") or {}
            if not ("System.State" in fields or _tags_changed(fields.get("System.Tags"), folded)):
                continue
            by = update.get("revisedBy") or {}
            name = by.get("displayName") or by.get("uniqueName") if isinstance(by, dict) else None
            when = _time((fields.get("System.ChangedDate") or {}).get("newValue"))
            return (str(name) if name else None), when
        return None, None

    # describing -------------------------------------------------------------------------------------------
    def describe_workflow(self, item: str | None = None, item_type: str | None = None) -> Workflow:
        project = self.project
        if item is not None:
            current = self._checked_item(item)
            item_type, project = current.item_type, current.project or project
        wit = item_type or self.default_type
        statuses = self.type_states(wit, project)
        names = [s.name for s in statuses]
        # Inherited processes allow a move between any two states of a type.
        return Workflow(item_type=wit, statuses=statuses,
                        transitions={n: [m for m in names if m != n] for n in names})

    def check_target(self, target: Target, *, item: str | None = None, item_type: str | None = None,
                     resolution: str | None = None) -> TargetCheck:
        """The state `write` would set (same `resolve`/`_state_move` rules), with the fallback that picked it.

        Inherited processes allow a move between any two states of a type, so a state that exists is reachable
        in one step. The type's states are read once per (project, type); an item once per adapter."""
        current = self._checked_item(item) if item is not None else None
        project = current.project if current is not None and current.project else self.project
        wit = (current.item_type if current is not None else None) or item_type or self.default_type
        try:
            resolved = resolve(target, self.type_states(wit, project), wit, item=item)
        except Rejected as exc:
            return TargetCheck(state=None, reachable=False, problem=exc.message)
        if current is None or item is None:
            return TargetCheck(state=resolved.name, fallback=resolved.fallback)
        move = self._state_move(current, target, item)
        return TargetCheck(state=move or current.state.state, reachable=True, path=(move,) if move else (),
                           fallback=resolved.fallback)

    def _checked_item(self, item: str) -> RemoteItem:
        if item not in self._checked:
            self._checked[item] = self._read_one(item, frozenset())
        return self._checked[item]

    def check_auth(self) -> AuthInfo:
        """Raises `AuthFailed` for a bad or expired PAT (401); PAT scopes are not visible through the API."""
        data = self.client.connection_data()
        who = data.get("authenticatedUser") or {}
        return AuthInfo(ok=True, user=who.get("providerDisplayName"), scopes=None,
                        detail=f"organization {self.organization}, project {self.project}")

    def close(self) -> None:
        self.client.close()


def marker_tag(marker: str) -> str:
    """A tag for the create marker: tags cannot hold ';' or ','."""
    cleaned = marker.replace(";", "-").replace(",", "-").strip()
    if not cleaned:
        raise ValueError("an empty create marker")
    return cleaned if cleaned.startswith("weavesync") else f"weavesync:{cleaned}"


def _gone(item: str) -> ItemGone:
    return ItemGone(f"Azure DevOps work item {item} does not exist or is not readable", tracker="ado", status=404,
                    item=item)


def _html(text: str) -> str:
    """Plain text as HTML paragraphs (one per blank-line-separated block), for comments and descriptions."""
    return "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip())


def _time(value: object) -> datetime | None:
    if not value:
        return None
    try:
        return parse_utc(str(value))
    except ValueError:
        return None


def _tags_changed(change: object, managed: set[str]) -> bool:
    """Whether a ``System.Tags`` change (old and new value, ';'-separated) added or removed a managed tag."""
    if not isinstance(change, dict):
        return False
    before = {t.casefold() for t in split_tags(change.get("oldValue"))}
    after = {t.casefold() for t in split_tags(change.get("newValue"))}
    return bool((before ^ after) & managed)


def _wiql_time(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def _state_satisfied(current: ExternalState, target: Target, states: Sequence[WorkflowStatus]) -> bool:
    """A named state must match by name; a category alone is met by any state of that category the type has
    (Scrum "Approved" is as Proposed as "New"). A category the type lacks is never met here: its fallback state
    is compared by name, so ready_for_review still moves CMMI "Active" to "Resolved"."""
    if target.state is not None and any(s.name.casefold() == target.state.casefold() for s in states):
        return current.state.casefold() == target.state.casefold()
    if target.category is None:
        return False
    category = canonical_category(target.category) or target.category
    return any(s.category == category for s in states) and current.category == category
