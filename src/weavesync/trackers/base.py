"""The one small interface every tracker sits behind.

The engine and the executor only ever see `TrackerAdapter`, `TrackerKind` and the values of `weavesync.model`;
HTTP, payload shapes, workflows and echo markers belong to each tracker's own folder. Adding a fourth tracker
means a new folder under `trackers/` and one line in `trackers/registry.py`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from weavesync.model import (
    Connection,
    ExternalState,
    Link,
    LinkRole,
    Receipt,
    RemoteItem,
    Secret,
    Target,
    Tracker,
)


@dataclass(frozen=True)
class ChangeBatch:
    """Items changed since a cursor, deduped by (item, version), and the cursor to store after a complete read."""

    items: Sequence[RemoteItem]
    cursor: str


@dataclass(frozen=True)
class WorkflowStatus:
    name: str
    category: str | None
    id: str | None = None


@dataclass(frozen=True)
class Workflow:
    """The statuses of one project/item type and the moves between them (for validation and `doctor`)."""

    item_type: str | None
    statuses: Sequence[WorkflowStatus]
    transitions: Mapping[str, Sequence[str]]
    """From status name to the status names reachable in one step (all-to-all where the tracker allows it)."""

    def reachable(self, start: str, goals: Iterable[str]) -> bool | None:
        """Whether known moves lead from status `start` to one of `goals` (names, compared without case).

        None when the answer depends on moves not known yet: a status with no entry in `transitions` has not
        shown its moves (Jira only shows them from an item's current status), so it may still lead there.
        """
        folded = {k.casefold(): [v.casefold() for v in vs] for k, vs in self.transitions.items()}
        wanted = {g.casefold() for g in goals}
        seen = {start.casefold()}
        queue = deque(seen)
        unexplored = False
        while queue:
            node = queue.popleft()
            if node in wanted:
                return True
            if node not in folded:
                unexplored = True
                continue
            for nxt in folded[node]:
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return None if unexplored else False


@dataclass(frozen=True)
class TargetCheck:
    """What one mapping target means for one item (or item type), as the adapter's own `write` would see it.

    Answered by `TrackerAdapter.check_target` without writing anything, so `weavesync doctor` (and config checks)
    can say before the first write whether a status can be expressed and reached, without knowing any tracker.
    """

    state: str | None
    """The concrete state/status `write` would move to; None when the target cannot be expressed (see
    `problem`) or names no state at all (a labels-only target)."""
    reachable: bool | None = None
    """Whether `write` can get there from the item's current state; None when it cannot tell yet (no item
    given, or a tracker that shows moves only from statuses some item is in)."""
    path: tuple[str, ...] = ()
    """The states passed through, destination last, when known; empty when already there or not known."""
    fallback: str | None = None
    """Which fallback picked `state` when the target's own state/category is missing for this type, e.g.
    "category done" or "Removed → first Completed state"; None when the target was found as named."""
    missing_fields: tuple[str, ...] = ()
    """Fields a transition on `path` requires that weavesync cannot fill; ``resolution`` when the screen does
    not offer the resolution `write` would give (the `resolution` argument, else the target's reason)."""
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """For a missing field, the values the tracker offers (when it lists them), so a fix can name them."""
    problem: str | None = None
    """One line explaining why `write` would fail for this target (cannot be expressed, no path, a screen it
    cannot fill); None when it would succeed or the adapter cannot tell yet."""


@dataclass(frozen=True)
class AuthInfo:
    ok: bool
    user: str | None = None
    scopes: Sequence[str] | None = None
    detail: str | None = None


@dataclass(frozen=True)
class WebhookEvent:
    """One inbound change announced by a webhook delivery, already verified."""

    tracker: Tracker
    delivery_id: str
    item: str
    """Canonical item ref, as in `Link.item`."""
    state: ExternalState | None
    version: str | None
    changed_by: str | None
    at: datetime | None
    raw_event: str


@dataclass(frozen=True)
class WayPoint:
    """Where an observed state/status stands on the way a write takes from `before` to a target.

    Each adapter says this for the one dimension it writes in steps (GitHub: state + reason; Jira: the status
    along its transition path); `partial_write` adds the managed markers, which every tracker treats alike.
    """

    at_start: bool
    """The observed state/status is the one the write started from."""
    at_goal: bool
    """The observed state/status already satisfies the target (a target naming no state: the start itself)."""
    between: bool = False
    """The observed status is an intermediate hop the write passes through (Jira only)."""


def _folded(markers: Iterable[str], within: set[str] | None = None) -> set[str]:
    """Markers compared without case (trackers keep the case people typed), optionally only those `within`."""
    folded = {m.casefold() for m in markers}
    return folded if within is None else folded & within


def markers_between(before: frozenset[str], target: frozenset[str], observed: frozenset[str],
                    managed: frozenset[str]) -> bool:
    """Whether the observed managed markers are a mix a marker write from `before` to `target` can leave:
    every marker both keep is still there and nothing outside old | new appeared (compared without case)."""
    ours = _folded(managed | target)
    old, new, seen = _folded(before, ours), _folded(target), _folded(observed, ours)
    return old & new <= seen <= old | new


def partial_write(point: WayPoint, before: ExternalState, target: Target, observed: ExternalState,
                  managed: frozenset[str]) -> bool:
    """The tracker-neutral half of `TrackerAdapter.is_partial_write`: `observed` is on the way (its state at the
    start, a hop or the goal, its markers a mix of old and new) yet neither untouched nor finished."""
    if not (point.at_start or point.at_goal or point.between):
        return False
    if not markers_between(before.markers, target.markers, observed.markers, managed):
        return False
    ours = _folded(managed | target.markers)
    seen = _folded(observed.markers, ours)
    untouched = point.at_start and seen == _folded(before.markers, ours)
    finished = point.at_goal and seen == _folded(target.markers)
    return not (untouched or finished)


class TrackerAdapter(Protocol):
    """One tracker connection. All methods are synchronous and raise only `weavesync.errors.TrackerError`s."""

    tracker: Tracker

    def read_many(self, items: Sequence[str], managed: frozenset[str]) -> dict[str, RemoteItem | None]:
        """Current state of many known items in as few calls as the API allows (never one call per item).

        Returns every requested item; None marks an item that is gone (deleted, transferred, no access).
        `managed` is the set of managed labels/tags: others are left out of `ExternalState.markers`.
        """
        ...

    def changed_since(self, cursor: str | None, managed: frozenset[str]) -> ChangeBatch:
        """Items of the connection's project changed after `cursor` (None: a first read, recent items only).

        Overlaps as the API needs and dedupes by (item, version). The returned cursor is only to be stored by the
        caller after the whole batch has been processed.
        """
        ...

    def write(self, item: str, target: Target, managed: frozenset[str], *, resolution: str | None = None,
              current: RemoteItem | None = None) -> Receipt:
        """Bring one item to `target`, idempotently (re-read first; a no-op when already satisfied).

        `current` is a fresh read of the item made moments ago by the caller (one batched `read_many` for a
        whole drain instead of one read per write); when given, the adapter need not read it again before
        writing. It must come from `read_many` with `managed` (plus the target's markers). Conflict checks that
        the tracker offers still apply, and a write that meets one re-reads as without `current`.
        """
        ...

    def is_partial_write(self, before: ExternalState, target: Target, observed: ExternalState,
                         managed: frozenset[str]) -> bool:
        """Whether `observed` is a state this adapter's own `write` from `before` to `target` passes through
        but does not end in: the write was cut short (a crash, a 429, a lost response between its steps).

        Neither `before` itself (nothing written yet) nor a state that satisfies `target` (finished) is partial;
        the caller recognises those on its own. A partial state is weavesync's doing, never a person's change
        (sync-semantics.md §8), and calling `write` again completes it. Makes no call: GitHub compares state,
        reason and managed labels; Jira looks the status up on the transition path its learned workflow would
        take; Azure DevOps writes state and tags in one PATCH, so nothing is ever partial there.
        """
        ...

    def comment(self, item: str, body: str, op_id: str, *, first_attempt: bool = False,
                announced_since: datetime | None = None) -> bool:
        """Post `body` with a hidden marker carrying `op_id`; returns False when that op was already posted.

        `first_attempt` True means the caller knows no earlier attempt of this operation can have posted it
        (first claim, no earlier try): the adapter then skips listing the comments to look for the marker.
        `announced_since` (the time the item last entered its current state) also counts as posted any comment of
        weavesync's with this very `body` made at or after that time, whatever its operation: that comment already
        announced this closure (another clone's, or another operation's that raced this one).
        """
        ...

    def create(self, title: str, body: str, marker: str, target: Target, managed: frozenset[str],
               *, item_type: str | None = None) -> RemoteItem:
        """Create an item in the connection's project; searches for `marker` first so a retry never duplicates.

        The returned item's `created` is True when this call made it, False when the search found it (made by an
        earlier attempt whose response was lost), so a caller can tell a person which happened."""
        ...

    def last_change(self, item: str, managed: frozenset[str] = frozenset()) -> tuple[str | None, datetime | None]:
        """Who made the latest change of the item's managed status, and when: (None, None) when not recorded.

        The managed status is the state/status plus the labels/tags in `managed` (a change only to other labels
        does not count). Unlike `read_many` this may cost a call or two per item (GitHub's issue events, Jira's
        changelog, ADO's updates), because a list read does not always say who moved an item (GitHub names who
        closed an issue, never who reopened it). Callers use it only for items about to be shown to a person as
        a decision, never for every item read. Raises only `TrackerError`s.
        """
        ...

    def describe_workflow(self, item: str | None = None, item_type: str | None = None) -> Workflow:
        """Statuses with categories and reachable transitions for an item (or the project's default type)."""
        ...

    def check_target(self, target: Target, *, item: str | None = None, item_type: str | None = None,
                     resolution: str | None = None) -> TargetCheck:
        """What `write(item, target, resolution=resolution)` would do, without writing: the concrete state,
        whether and how it is reached, which fallback applies, and what would make it fail.

        With `item`, the answer is for that item from its current state; without, for `item_type` (or the
        project's default type), with `reachable` None. Workflow reads are cached per (project, item type) and an
        item is read at most once for checks, so checking every status costs no extra call per status. Raises
        only `TrackerError`s for failed reads; a target the tracker cannot express is a `problem`, not an error.
        """
        ...

    def check_auth(self) -> AuthInfo:
        """A cheap call that tells whether the credentials work and, where visible, their scopes."""
        ...

    def close(self) -> None: ...


class TrackerKind(Protocol):
    """Static facts about one tracker: how to parse a link target, build an adapter, and verify webhooks."""

    tracker: Tracker
    display_name: str

    def parse_item(self, text: str) -> str:
        """Canonical item ref from a CLI target body (after ``github:`` etc.); raises ValueError when malformed."""
        ...

    def item_url(self, connection: Connection | None, item: str) -> str | None: ...

    def version_key(self, version: str) -> tuple[int | str, ...]:
        """A sort key for `RemoteItem.version` values, so "older than the receipt" can be decided (echoes)."""
        ...

    def connect(self, connection: Connection) -> TrackerAdapter: ...

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, secret: str | None) -> None:
        """Raise `weavesync.errors.AuthFailed` when the delivery is forged (bad signature or credentials)."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, managed: frozenset[str]
                      ) -> list[WebhookEvent]:
        """The status-relevant events in a verified delivery (empty for events weavesync ignores)."""
        ...


__all__ = [
    "AuthInfo",
    "ChangeBatch",
    "Connection",
    "Link",
    "LinkRole",
    "Secret",
    "TargetCheck",
    "TrackerAdapter",
    "TrackerKind",
    "WayPoint",
    "WebhookEvent",
    "Workflow",
    "WorkflowStatus",
    "markers_between",
    "partial_write",
]


def announces(created: datetime | None, announced_since: datetime | None) -> bool:
    """Whether a comment of weavesync's with the same text, made at `created`, already announced the closure that
    began at `announced_since` (see `TrackerAdapter.comment`). Trackers stamp both in whole seconds or finer; a
    comment made in the very second of the closure counts as announcing it."""
    if created is None or announced_since is None:
        return False
    return created >= announced_since.replace(microsecond=0)
