"""A small, table-driven fake of `TrackerMapping` for engine tests, in GitHub, Jira and ADO shapes.

It follows the contract (sync-semantics.md §1) without the real mapping's overrides and aliases: `satisfies`
matches state (or category), close reason when both sides have one, and exactly the target's managed markers;
`proposal` picks the single satisfied status, else reads close → completed/abandoned and reopen/open → active.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from weavesync.model import ExternalState, Status, Target, Tracker

S = Status

_ABANDON = frozenset({"not_planned", "won't do", "removed"})
_DONE_CATEGORIES = frozenset({"done", "completed", "removed"})


def t(state: str | None, category: str | None = None, reason: str | None = None, *markers: str) -> Target:
    return Target(state=state, category=category, reason=reason, markers=frozenset(markers))


GITHUB = {
    S.PLANNING: t("open"),
    S.BACKLOG: t("open", None, None, "backlog"),
    S.ACTIVE: t("open", None, None, "in-progress"),
    S.PAUSED: t("open", None, None, "paused"),
    S.READY_FOR_REVIEW: t("open", None, None, "in-review"),
    S.COMPLETED: t("closed", None, "completed"),
    S.ABANDONED: t("closed", None, "not_planned", "wontfix"),
}
JIRA = {
    S.PLANNING: t("To Do", "new"),
    S.BACKLOG: t("Backlog", "new"),
    S.ACTIVE: t("In Progress", "indeterminate"),
    S.PAUSED: t("On Hold", "indeterminate"),
    S.READY_FOR_REVIEW: t("In Review", "indeterminate"),
    S.COMPLETED: t("Done", "done"),
    S.ABANDONED: t("Won't Do", "done"),
}
ADO = {
    S.PLANNING: t("New", "Proposed"),
    S.BACKLOG: t("New", "Proposed", None, "backlog"),
    S.ACTIVE: t("Active", "InProgress"),
    S.PAUSED: t("Active", "InProgress", None, "paused"),
    S.READY_FOR_REVIEW: t("Resolved", "Resolved"),
    S.COMPLETED: t("Closed", "Completed"),
    S.ABANDONED: t("Removed", "Removed", None, "abandoned"),
}
TABLES = {Tracker.GITHUB: GITHUB, Tracker.JIRA: JIRA, Tracker.ADO: ADO}


@dataclass(frozen=True)
class FakeMapping:
    tracker: Tracker
    targets: dict[Status, Target]
    managed: frozenset[str] = field(default=frozenset())

    def __post_init__(self) -> None:
        named = frozenset(m for target in self.targets.values() for m in target.markers)
        object.__setattr__(self, "managed", self.managed | named)

    def target(self, status: Status) -> Target:
        return self.targets[status]

    def satisfies(self, external: ExternalState, status: Status) -> bool:
        target = self.targets[status]
        if target.state is not None and external.state.casefold() != target.state.casefold():
            return False
        if target.state is None and (external.category or "").casefold() != (target.category or "").casefold():
            return False
        if target.reason is not None and external.reason is not None and external.reason != target.reason:
            return False
        return (external.markers & self.managed) == target.markers

    def proposal(self, external: ExternalState, before: ExternalState | None) -> Status | None:
        fits = [s for s in Status if self.satisfies(external, s)]
        closed = _closed(external)
        reopen = before is not None and _closed(before) and not closed
        if len(fits) == 1 and not reopen:
            return fits[0]
        if closed:
            words = {external.state.casefold(), (external.reason or "").casefold()}
            return S.ABANDONED if words & _ABANDON else S.COMPLETED
        if reopen or external.state.casefold() == "open" or (external.category or "").casefold() in (
                "new", "indeterminate", "proposed", "inprogress"):
            return S.ACTIVE
        return None

    def realise(self, target: Target) -> ExternalState:
        return realise(target)


def realise(target: Target) -> ExternalState:
    """The state a tracker ends in after writing `target` (what the in-memory tracker stores)."""
    return ExternalState(state=target.state or f"{target.category} state", reason=target.reason,
                         category=target.category, markers=target.markers)


def _closed(state: ExternalState) -> bool:
    return state.state.casefold() == "closed" or (state.category or "").casefold() in _DONE_CATEGORIES


def mapping_for(tracker: Tracker) -> FakeMapping:
    return FakeMapping(tracker, dict(TABLES[tracker]))


def int_version_key(version: str) -> tuple[int | str, ...]:
    """ADO ``rev``-style versions; the tests use numbers for every tracker to keep ordering obvious."""
    return (int(version),)
