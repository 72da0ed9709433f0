"""The frozen inputs of `decide()`: one link as seen right now, the user's sync policy, and the mapping protocol.

`decide()` reads nothing else: no files, no store, no tracker, no clock. Whoever builds a `LinkView` has already
read the increment's metadata (local status, base), the store (last receipt) and the tracker (remote item), so the
engine can be tested with plain values and replayed deterministically (style.md §1, habit 6).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from weavesync.model import Base, ExternalState, Link, RemoteItem, Status, Target

ConflictStrategy = Literal["prompt", "last-write-wins", "specweave-wins", "external-wins"]
Direction = Literal["both", "push", "pull"]
UserStorySync = Literal["outbound", "both"]
VersionKey = Callable[[str], tuple[int | str, ...]]
"""Sort key for a tracker's version markers (`TrackerKind.version_key`), to tell an old observation from a new one."""

CONFLICT_STRATEGIES: tuple[ConflictStrategy, ...] = ("prompt", "last-write-wins", "specweave-wins", "external-wins")
DIRECTIONS: tuple[Direction, ...] = ("both", "push", "pull")


class MappingLike(Protocol):
    """What the engine needs from a tracker's status mapping (`weavesync.config.mapping.TrackerMapping`).

    The engine depends on this protocol rather than the config module so that tests can drive it with a small fake
    mapping, and so the reverse-mapping rules (ambiguity, close reasons) stay in one place: the mapping.
    """

    @property
    def managed(self) -> frozenset[str]:
        """Every label/tag the mapping names; all others belong to people and never count as a change."""
        ...

    def target(self, status: Status) -> Target:
        """What to write so the item expresses `status`."""
        ...

    def satisfies(self, external: ExternalState, status: Status) -> bool:
        """Does `external` already express `status`?"""
        ...

    def proposal(self, external: ExternalState, before: ExternalState | None) -> Status | None:
        """The SpecWeave status an inbound change (from `before` to `external`) proposes; None when unclear."""
        ...


@dataclass(frozen=True)
class OpenWrite:
    """weavesync's own write for a link that has not finished: an outbox entry still queued, in flight, retrying
    or dead. Whatever the item shows meanwhile (a state written but a label not yet, an intermediate Jira hop)
    is weavesync's doing, never a person's (sync-semantics.md §8)."""

    status: Status
    state: str


@dataclass(frozen=True)
class LinkView:
    """Everything known about one link at decision time.

    `remote` None means the tracker says the item is gone (404/410, transferred, no access). `local_changed_at` is
    the time SpecWeave's status last changed (its per-status timestamp or `lastActivity`), used only by
    last-write-wins. `last_receipt_version` is the version our own last successful write left on the item.
    `open_write` is weavesync's own unfinished write for this link, if any. `partial_toward_local` says the item
    is half-way on the path weavesync's own write takes from the base toward SpecWeave's status (the tracker
    adapter's `is_partial_write`): a write cut short by a process this store never heard of (another clone).
    """

    increment: str
    link: Link
    local: Status
    local_changed_at: datetime | None
    remote: RemoteItem | None
    base: Base | None
    last_receipt_version: str | None = None
    open_write: OpenWrite | None = None
    partial_toward_local: bool = False
    answered: tuple[PriorAnswer, ...] = ()
    """Answers already given to questions about this link (shared decisions, issue 15)."""


@dataclass(frozen=True)
class PriorAnswer:
    """A person's answer, given in any clone that shares the store, to a question about this link.

    `fingerprint` is the question's (`Ask.fingerprint`: the divergence), `changed_at` the time of the item's change
    it was about: the same divergence met again after a new change of the item (closed, reopened, closed again)
    is a new question. The answer itself reaches a clone through the answering clone's committed files."""

    fingerprint: str
    changed_at: datetime | None
    choice: str
    answered_at: datetime | None = None


@dataclass(frozen=True)
class Policy:
    """The `statusSync` settings and command-line switches that shape a decision.

    - `conflict_resolution`: what to do when both sides changed to states that disagree (sync-semantics.md §5).
    - `prompt_user`: ask before accepting an inbound change (False applies the proposal, §4).
    - `auto_sync`: push completions/abandonments without asking (False with `prompt_user` asks first, US-005).
    - `completion_comments`: post "Status: completed, synced from SpecWeave increment …" when closing.
    - `user_story_sync`: user-story links follow the increment outbound only, unless "both".
    - `assume_yes`: ``--yes``: accept proposals and confirmations without asking.
    - `interactive`: a terminal is attached; the engine emits `Ask` either way, the caller asks or stores it.
    - `direction`: restrict a run to pushing or pulling; the other side's changes are left for a later run.
    """

    conflict_resolution: ConflictStrategy = "prompt"
    prompt_user: bool = True
    auto_sync: bool = True
    completion_comments: bool = True
    user_story_sync: UserStorySync = "outbound"
    assume_yes: bool = False
    interactive: bool = True
    direction: Direction = "both"

    def __post_init__(self) -> None:
        if self.conflict_resolution not in CONFLICT_STRATEGIES:
            raise ValueError(
                f"conflict_resolution must be one of {', '.join(CONFLICT_STRATEGIES)}, not {self.conflict_resolution!r}"
            )
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {self.direction!r}")
        if self.user_story_sync not in ("outbound", "both"):
            raise ValueError(f"user_story_sync must be 'outbound' or 'both', not {self.user_story_sync!r}")
