"""Which concrete ``System.State`` a mapping target means for one work item type.

Why: state names differ per process and type (Agile "Active", Basic "Doing", Scrum "Committed"), so a mapping
may name a state category instead (Proposed / InProgress / Resolved / Completed / Removed), resolved here against
the type's states as ``GET .../workitemtypes/{type}/states`` lists them, in workflow order.

Rules, in order:
1. A named state (`Target.state`) that the type has wins (matched without regard to case).
2. Else the first state of the target's category.
3. Else a fallback when the type lacks that category: ``Resolved`` -> the *last* InProgress state (Basic, Scrum and
   CMMI work types have no Resolved category; the last InProgress state is the one nearest "done"), ``Proposed``
   -> the first InProgress state (Scrum Impediment starts "Open"), ``Removed`` -> the first Completed state: an
   abandoned increment's item should leave the board rather than stay open, and types such as an Agile Bug or
   any Basic-process type cannot be removed. The item then reads as Completed; the receipt (what was written)
   becomes the base, so no loop follows. `weavesync doctor` reports the fallback so nobody is surprised.
4. Else `Rejected`, naming the type, the target and the states it has (a named state without a category, or a
   category with no fallback).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from weavesync.errors import Rejected
from weavesync.model import Target
from weavesync.trackers.base import WorkflowStatus

CATEGORIES = ("Proposed", "InProgress", "Resolved", "Completed", "Removed")
_FALLBACK = {"Resolved": ("InProgress", True), "Proposed": ("InProgress", False), "Removed": ("Completed", False)}


def canonical_category(name: str) -> str | None:
    folded = name.replace(" ", "").casefold()
    return next((c for c in CATEGORIES if c.casefold() == folded), None)


@dataclass(frozen=True)
class ResolvedState:
    """A target resolved on one type: the state name, and the rule that picked it when not the named one."""

    name: str
    fallback: str | None = None
    """None when the target's named state (or, for a category-only target, its category) was found; else e.g.
    "category Completed" (the named state is missing) or "Removed → first Completed state"."""


def resolve_state(target: Target, states: Sequence[WorkflowStatus], item_type: str, *, item: str | None = None
                  ) -> str:
    """The state name to write for `target` on a type with `states`; raises `Rejected` when it has none."""
    return resolve(target, states, item_type, item=item).name


def resolve(target: Target, states: Sequence[WorkflowStatus], item_type: str, *, item: str | None = None
            ) -> ResolvedState:
    """`resolve_state` with the rule that decided it (rules 1-4 of the module docstring), for `check_target`."""
    if target.state is not None:
        folded = target.state.casefold()
        for status in states:
            if status.name.casefold() == folded:
                return ResolvedState(status.name)
    if target.category is not None:
        wanted = canonical_category(target.category) or target.category
        found = _pick(states, wanted, last=False)
        rule = f"category {wanted}" if target.state is not None and found is not None else None
        if found is None and wanted in _FALLBACK:
            category, last = _FALLBACK[wanted]
            found = _pick(states, category, last=last)
            rule = f"{wanted} → {'last' if last else 'first'} {category} state"
        if found is not None:
            return ResolvedState(found, rule)
    have = ", ".join(f"{s.name} ({s.category})" for s in states) or "none"
    wanted_text = target.state if target.category is None else (
        f"category {target.category}" if target.state is None else f"{target.state} / category {target.category}")
    raise Rejected(f"Azure DevOps work item type {item_type!r} has no state for {wanted_text}; its states are {have}",
                   tracker="ado", item=item,
                   hint="map this status to a state or category the work item type has (sync.statusSync.mappings)")


def _pick(states: Sequence[WorkflowStatus], category: str, *, last: bool) -> str | None:
    names = [s.name for s in states if s.category == category]
    if not names:
        return None
    return names[-1] if last else names[0]
