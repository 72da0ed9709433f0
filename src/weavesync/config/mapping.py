"""Status mappings (US-003): per tracker, SpecWeave status -> `Target`, and the two questions the engine asks.

`TrackerMapping.target(status)` says what to write; `TrackerMapping.satisfies(external, status)` says whether an
item already expresses a status; `TrackerMapping.proposal(external, before)` says what an inbound change proposes
(sync-semantics.md §1 and §4). Reverse mapping is ambiguous by nature (GitHub ``open`` fits planning, backlog and
active), so nothing here ever picks "the first match".

Defaults start from FS-031's but only where they can work on a stock tracker:

- GitHub has two states, so open statuses differ by a managed label (``backlog``, ``in-progress``, ``paused``,
  ``in-review``) and the two closed ones by ``state_reason`` (completed / not_planned) plus ``wontfix``.
- Jira names statuses; each target also carries its status-category key (new / indeterminate / done) that the
  adapter falls back to when the workflow has no status of that name. planning and backlog both map to "To Do":
  stock Jira workflows have no Backlog status and a fallback to "To Do" would make a "Backlog" target never
  satisfied. Both statuses are then satisfied by "To Do", so neither side is ever pushed, and validation reports
  the overlap as a warning, not an error (it can never turn an inbound close or reopen ambiguous).
- ADO state names differ per process, so ADO defaults name categories plus tags (see `ado_states`).

How user overrides merge (``sync.statusSync.mappings.<tracker>.<status>``; unnamed statuses keep the default):

- a string sets the state and clears the labels/tags: ``"completed": "closed"``;
- an object replaces only the keys it names (``state``, ``category``, ``reason``, ``labels``/``tags``); to drop a
  default label give ``"labels": []``;
- in both cases the status's meaning is kept where it still fits: a GitHub close reason stays when the state is
  still ``closed``; a Jira category fallback always stays; an ADO category follows the named state when the default
  processes agree on that state's category, else stays.

This module must not import `weavesync.trackers`: the engine imports it, and adapters read `Target` values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from weavesync.config.ado_states import canonical_category, known_state_categories
from weavesync.model import ExternalState, Status, Target, Tracker

STATUS_ALIASES: Mapping[str, Status] = {
    "planned": Status.PLANNING,
    "in-progress": Status.ACTIVE,
    "in_progress": Status.ACTIVE,
    "complete": Status.COMPLETED,
    "done": Status.COMPLETED,
    "cancelled": Status.ABANDONED,
    "canceled": Status.ABANDONED,
    "ready-for-review": Status.READY_FOR_REVIEW,
}
"""Spellings SpecWeave tools write for statuses (sync-semantics.md §1), accepted as mapping keys with a warning."""

TRACKER_ALIASES: Mapping[str, Tracker] = {
    "github": Tracker.GITHUB,
    "jira": Tracker.JIRA,
    "ado": Tracker.ADO,
    "azure-devops": Tracker.ADO,
    "azuredevops": Tracker.ADO,
    "azure_devops": Tracker.ADO,
}

GITHUB_STATES = ("open", "closed")
GITHUB_REASONS = ("completed", "not_planned")
JIRA_CATEGORIES = ("new", "indeterminate", "done")
TERMINAL: frozenset[Status] = frozenset({Status.COMPLETED, Status.ABANDONED})

DEFAULT_JIRA_RESOLUTIONS: Mapping[Status, str] = {Status.COMPLETED: "Done", Status.ABANDONED: "Won't Do"}

_ABANDON_WORDS = frozenset(
    {"won't do", "wont do", "won't fix", "wontfix", "cancelled", "canceled", "rejected", "declined", "abandoned",
     "obsolete", "removed", "not planned", "not_planned", "duplicate"}
)
_DONE_WORDS = frozenset({"done", "closed", "resolved", "complete", "completed", "fixed"}) | _ABANDON_WORDS
_IN_FLIGHT = frozenset({Status.ACTIVE, Status.PAUSED, Status.READY_FOR_REVIEW})


def _t(state: str | None, category: str | None = None, reason: str | None = None, *markers: str) -> Target:
    return Target(state=state, category=category, reason=reason, markers=frozenset(markers))


_DEFAULTS: Mapping[Tracker, Mapping[Status, Target]] = {
    Tracker.GITHUB: {
        Status.PLANNING: _t("open"),
        Status.BACKLOG: _t("open", None, None, "backlog"),
        Status.ACTIVE: _t("open", None, None, "in-progress"),
        Status.PAUSED: _t("open", None, None, "paused"),
        Status.READY_FOR_REVIEW: _t("open", None, None, "in-review"),
        Status.COMPLETED: _t("closed", None, "completed"),
        Status.ABANDONED: _t("closed", None, "not_planned", "wontfix"),
    },
    Tracker.JIRA: {
        Status.PLANNING: _t("To Do", "new"),
        Status.BACKLOG: _t("To Do", "new"),
        Status.ACTIVE: _t("In Progress", "indeterminate"),
        Status.PAUSED: _t("On Hold", "indeterminate"),
        Status.READY_FOR_REVIEW: _t("In Review", "indeterminate"),
        Status.COMPLETED: _t("Done", "done"),
        Status.ABANDONED: _t("Won't Do", "done"),
    },
    Tracker.ADO: {
        Status.PLANNING: _t(None, "Proposed"),
        Status.BACKLOG: _t(None, "Proposed", None, "backlog"),
        Status.ACTIVE: _t(None, "InProgress"),
        Status.PAUSED: _t(None, "InProgress", None, "paused"),
        Status.READY_FOR_REVIEW: _t(None, "Resolved"),
        Status.COMPLETED: _t(None, "Completed"),
        Status.ABANDONED: _t(None, "Removed"),
    },
}


def status_from_key(key: str) -> Status | None:
    """A mapping key as a `Status`, accepting SpecWeave's other spellings; None when it names no status."""
    folded = key.strip().casefold()
    try:
        return Status(folded)
    except ValueError:
        return STATUS_ALIASES.get(folded)


def tracker_from_name(name: str) -> Tracker | None:
    return TRACKER_ALIASES.get(name.strip().casefold())


def _fold(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.casefold() for v in values)


@dataclass(frozen=True)
class TrackerMapping:
    """One tracker's complete mapping: a target for every status, and the labels/tags it manages.

    `managed` is every label/tag named anywhere in the mapping (filled in automatically); all other labels and
    tags belong to people and never take part in a comparison.
    """

    tracker: Tracker
    targets: dict[Status, Target]
    managed: frozenset[str] = field(default=frozenset())

    def __post_init__(self) -> None:
        missing = [s.value for s in Status if s not in self.targets]
        if missing:
            raise ValueError(f"mapping for {self.tracker.value} has no target for {', '.join(missing)}")
        named = frozenset(m for t in self.targets.values() for m in t.markers)
        object.__setattr__(self, "managed", frozenset(self.managed) | named)

    def __hash__(self) -> int:
        # `targets` is a dict (the promised interface); hash its content so a mapping can key a cache
        return hash((self.tracker, frozenset(self.targets.items()), self.managed))

    def target(self, status: Status) -> Target:
        return self.targets[status]

    def satisfies(self, external: ExternalState, status: Status) -> bool:
        """Does `external` already express `status`? (sync-semantics.md §1)

        State: case-insensitive name match, or category match when the target names only a category. GitHub
        close reason: checked only when both sides have one (``duplicate`` counts as not_planned). Markers: the
        managed labels/tags present must be exactly the target's.
        """
        target = self.targets[status]
        if target.state is not None:
            if external.state.casefold() != target.state.casefold():
                return False
        elif (
            target.category is None
            or external.category is None
            or not _same_category(self.tracker, external.category, target.category)
        ):
            return False
        if (
            self.tracker is Tracker.GITHUB
            and target.reason is not None
            and external.reason is not None
            and _github_reason(external.reason) != _github_reason(target.reason)
        ):
            return False
        present = _fold(external.markers) & _fold(self.managed)
        return present == _fold(target.markers)

    def satisfied_by(self, external: ExternalState) -> list[Status]:
        """Every status whose target `external` satisfies, in SpecWeave's enum order (for messages and doctor)."""
        return [s for s in Status if self.satisfies(external, s)]

    def is_closed(self, external: ExternalState) -> bool:
        """Does the item read as finished (GitHub closed, Jira done category, ADO Completed/Removed)?"""
        if self.tracker is Tracker.GITHUB:
            return external.state.casefold() == "closed"
        if self.tracker is Tracker.JIRA:
            if external.category is not None:
                return external.category.casefold() == "done"
            return external.state.casefold() in _DONE_WORDS
        category = canonical_category(external.category) if external.category else None
        if category is not None:
            return category in ("Completed", "Removed")
        known = known_state_categories(external.state)
        return bool(known) and known <= {"Completed", "Removed"}

    def proposal(self, external: ExternalState, before: ExternalState | None = None) -> Status | None:
        """What an inbound change to `external` (from `before`) proposes for the increment (sync-semantics §4).

        Exactly one satisfied status wins, except on a reopen (closed -> open), where only an in-flight status
        (active, paused, ready_for_review) may win and anything else proposes ``active``. Otherwise by meaning:
        closed as not planned / Won't Do / Removed -> abandoned; any other close -> completed; open, new or
        in-progress -> active; None when the state says nothing recognisable.
        """
        satisfied = self.satisfied_by(external)
        closed = self.is_closed(external)
        reopen = before is not None and self.is_closed(before) and not closed
        if len(satisfied) == 1 and (not reopen or satisfied[0] in _IN_FLIGHT):
            return satisfied[0]
        if closed:
            return Status.ABANDONED if self._looks_abandoned(external) else Status.COMPLETED
        if reopen or self._is_open(external):
            return Status.ACTIVE
        return None

    def _looks_abandoned(self, external: ExternalState) -> bool:
        abandoned = self.targets[Status.ABANDONED]
        if abandoned.markers and _fold(abandoned.markers) <= _fold(external.markers):
            return True
        if self.tracker is Tracker.GITHUB:
            return external.reason is not None and _github_reason(external.reason) == "not_planned"
        if self.tracker is Tracker.ADO:
            category = canonical_category(external.category) if external.category else None
            if category is not None:
                return category == "Removed"
            return known_state_categories(external.state) == {"Removed"}
        words = {external.state.casefold()}
        if external.reason is not None:
            words.add(external.reason.casefold())
        resolution_match = (
            abandoned.reason is not None
            and external.reason is not None
            and abandoned.reason.casefold() == external.reason.casefold()
        )
        return resolution_match or bool(words & _ABANDON_WORDS)

    def _is_open(self, external: ExternalState) -> bool:
        if self.tracker is Tracker.GITHUB:
            return external.state.casefold() == "open"
        if self.tracker is Tracker.JIRA:
            return external.category is not None and external.category.casefold() in ("new", "indeterminate")
        category = canonical_category(external.category) if external.category else None
        if category is None:
            known = known_state_categories(external.state)
            return bool(known) and not known & {"Completed", "Removed"}
        return category in ("Proposed", "InProgress", "Resolved")


def _github_reason(reason: str) -> str:
    folded = reason.casefold()
    return "not_planned" if folded in ("duplicate", "not planned") else folded


def _same_category(tracker: Tracker, a: str, b: str) -> bool:
    if tracker is Tracker.ADO:
        return (canonical_category(a) or a.casefold()) == (canonical_category(b) or b.casefold())
    return a.casefold() == b.casefold()


def default_mappings() -> dict[Tracker, TrackerMapping]:
    """The built-in mapping of every tracker (they pass `validate_config` with no errors)."""
    return {tracker: build_mapping(tracker, None) for tracker in Tracker}


def build_mapping(
    tracker: Tracker,
    overrides: Mapping[str, Any] | None,
    *,
    jira_resolutions: Mapping[Status, str] | None = None,
) -> TrackerMapping:
    """Defaults merged with one tracker's ``mappings.<tracker>`` block (rules in the module docstring).

    Tolerant on purpose: keys that name no status and values of the wrong type are skipped here, because
    `validate_config` reports them (and `load_config` refuses a config with errors before calling this).
    """
    targets: dict[Status, Target] = dict(_DEFAULTS[tracker])
    for key, value in (overrides or {}).items():
        status = status_from_key(str(key))
        if status is None:
            continue
        override = parse_value(value)
        if override is not None:
            targets[status] = merge_target(tracker, targets[status], override)
    if tracker is Tracker.JIRA:
        resolutions = dict(DEFAULT_JIRA_RESOLUTIONS)
        resolutions.update(jira_resolutions or {})
        for status, target in targets.items():
            if target.reason is None and status in resolutions:
                targets[status] = Target(target.state, target.category, resolutions[status], target.markers)
    return TrackerMapping(tracker=tracker, targets=targets)


def parse_value(value: object) -> dict[str, Any] | None:
    """A mapping value as the fields it sets: a string sets ``state`` and clears the markers."""
    if isinstance(value, str):
        return {"state": value, "markers": []}
    if not isinstance(value, Mapping):
        return None
    out: dict[str, Any] = {}
    for key in ("state", "category", "reason"):
        if isinstance(value.get(key), str):
            out[key] = value[key]
    markers: list[str] = []
    named = False
    for key in ("labels", "tags"):
        items = value.get(key)
        if isinstance(items, list):
            named = True
            markers.extend(str(m) for m in items if isinstance(m, str))
    if named:
        out["markers"] = markers
    return out


def merge_target(tracker: Tracker, default: Target, override: Mapping[str, Any]) -> Target:
    """Apply the fields `override` sets to `default`, keeping the status's meaning where it still fits."""
    state: str | None = override.get("state", default.state)
    markers = frozenset(override["markers"]) if "markers" in override else default.markers
    category: str | None = override.get("category")
    reason: str | None = override.get("reason")
    state_changed = "state" in override
    if tracker is Tracker.GITHUB:
        if state is not None:
            state = state.casefold()
        if reason is None and state == "closed" and (default.state == "closed" or not state_changed):
            reason = default.reason
        return Target(state=state, category=category, reason=reason, markers=markers)
    if tracker is Tracker.JIRA:
        if category is not None:
            category = category.casefold()
        return Target(state=state, category=category or default.category, reason=reason or default.reason,
                      markers=markers)
    if category is not None:
        category = canonical_category(category) or category
        if not state_changed:
            state = None  # naming only a category means "any state in that category"
    elif state_changed and state is not None:
        known = known_state_categories(state)
        category = next(iter(known)) if len(known) == 1 else default.category
    else:
        category = default.category
    return Target(state=state, category=category, reason=reason, markers=markers)
