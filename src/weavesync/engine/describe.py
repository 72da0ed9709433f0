"""Sentences for people: action reasons, prompt questions and completion comments.

Kept apart from `decide.py` so the decision table stays readable and every wording lives in one place. Nothing here
decides anything; it only renders values. Reasons must never contain secrets: they are built only from statuses,
state names, item refs and user names.
"""

from __future__ import annotations

from datetime import datetime

from weavesync.model import ExternalState, Link, Status, Target, Tracker, format_utc

_FINISHED_CATEGORIES = frozenset({"done", "completed", "removed"})


def tracker_name(tracker: Tracker) -> str:
    return tracker.display_name


def item_ref(link: Link) -> str:
    """``GitHub acme/shop#101``: how a person recognises the item."""
    return f"{tracker_name(link.tracker)} {link.item}"


def external_text(state: ExternalState) -> str:
    """``closed (not_planned) [wontfix]``: one external state, compactly."""
    text = state.state
    if state.reason:
        text += f" ({state.reason})"
    if state.markers:
        text += " [" + ", ".join(sorted(state.markers)) + "]"
    return text


def target_text(target: Target) -> str:
    """``closed (completed)``; a target naming only a category reads ``a state in the Completed category`` (the
    workflow picks which one when the write happens; reports after the write name the state reached)."""
    text = target.state or f"a state in the {target.category} category"
    if target.reason:
        text += f" ({target.reason})"
    if target.markers:
        text += " [" + ", ".join(sorted(target.markers)) + "]"
    return text


def looks_finished(state: ExternalState) -> bool:
    """Closed/done/removed, for wording only (the mapping decides meaning)."""
    return state.state.casefold() == "closed" or (state.category or "").casefold() in _FINISHED_CATEGORIES


def change_verb(before: ExternalState | None, after: ExternalState) -> str:
    """``closed (completed)``, ``reopened``, ``moved to In Progress``, ``relabelled [paused]``."""
    if before is not None and (before.state, before.reason, before.category) == (
        after.state,
        after.reason,
        after.category,
    ):
        labels = ", ".join(sorted(after.markers)) or "none"
        return f"relabelled (managed labels/tags now: {labels})"
    if after.state.casefold() == "closed":
        return f"closed ({after.reason})" if after.reason else "closed"
    if before is not None and looks_finished(before) and not looks_finished(after):
        return "reopened" if after.state.casefold() == "open" else f"reopened to {after.state}"
    return f"moved to {after.state}"


def remote_change(link: Link, before: ExternalState | None, after: ExternalState, by: str | None) -> str:
    """``closed (completed) in GitHub by alice``."""
    text = f"{change_verb(before, after)} in {tracker_name(link.tracker)}"
    return f"{text} by {by}" if by else text


def local_change(before: Status | None, after: Status) -> str:
    if before is None:
        return f"SpecWeave status is {after.value}"
    return f"SpecWeave status changed {before.value} → {after.value}"


def when(ts: datetime | None) -> str:
    return f" at {format_utc(ts)}" if ts is not None else ""


def completion_comment(status: Status, increment: str) -> str:
    """The comment posted when a push closes or abandons an item (sync-semantics.md §3)."""
    return f"Status: {status.value}, synced from SpecWeave increment {increment}"


def inbound_question(
    link: Link, increment: str, before: ExternalState | None, after: ExternalState, by: str | None,
    at: datetime | None, proposed: Status | None, local: Status,
) -> str:
    who = f" by {by}" if by else ""
    head = f"{item_ref(link)} was {change_verb(before, after)}{who}{when(at)}."
    if proposed is None:
        return (
            f"{head} No SpecWeave status clearly matches {external_text(after)}. "
            f"Keep increment {increment} as `{local.value}`, or name a status?"
        )
    return f"{head} Mark increment {increment} as `{proposed.value}`?"


def conflict_question(
    link: Link, increment: str, base_local: Status | None, local: Status, before: ExternalState | None,
    after: ExternalState, by: str | None, at: datetime | None,
) -> str:
    who = f" by {by}" if by else ""
    return (
        f"Conflict on {item_ref(link)}: {local_change(base_local, local)}, but the item was "
        f"{change_verb(before, after)}{who}{when(at)}. Keep SpecWeave's `{local.value}` "
        f"(and update the item), or take the item's {external_text(after)}?"
    )


def confirm_question(link: Link, increment: str, local: Status, current: ExternalState, target: Target) -> str:
    return (
        f"Increment {increment} is now `{local.value}`. Update {item_ref(link)} from {external_text(current)} "
        f"to {target_text(target)}?"
    )
