"""Jira issue JSON -> weavesync values (ExternalState, RemoteItem), and Jira's timestamps -> UTC versions.

The version of an issue is its ``updated`` normalised to UTC milliseconds: Jira renders timestamps in the
reader's time zone (and webhooks in the site's), so the same instant arrives as different strings; normalising
makes receipts, reads and webhooks comparable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from weavesync.model import ExternalState, RemoteItem, Tracker, format_utc

READ_FIELDS = ("status", "updated", "labels", "resolution", "issuetype", "project", "summary",
               "statuscategorychangedate")
READ_EXPAND = "changelog"
"""The changelog says who moved the status and when: a prompt shows the person, and last-write-wins compares the
status change itself (``statuscategorychangedate`` only moves when the *category* changes)."""


def parse_jira_time(text: str | None) -> datetime | None:
    """``2026-11-24T11:31:02.123+0100`` (or with a colon / Z) as an aware datetime."""
    if not text:
        return None
    value = text.replace("Z", "+00:00")
    if len(value) >= 5 and value[-5] in "+-" and value[-3] != ":":
        value = value[:-2] + ":" + value[-2:]
    return datetime.fromisoformat(value)


def version_of(updated: str | None) -> str:
    when = parse_jira_time(updated)
    return format_utc(when) if when is not None else ""


def external_state(fields: Mapping[str, Any], managed: frozenset[str]) -> ExternalState:
    status = fields.get("status") or {}
    category = (status.get("statusCategory") or {}).get("key")
    resolution = fields.get("resolution") or {}
    folded = {m.casefold() for m in managed}
    labels = frozenset(str(label) for label in fields.get("labels") or [] if str(label).casefold() in folded)
    return ExternalState(state=str(status.get("name", "")), reason=resolution.get("name"), category=category,
                         state_id=str(status["id"]) if status.get("id") is not None else None, markers=labels)


def last_status_change(issue: Mapping[str, Any]) -> tuple[str | None, datetime | None]:
    """Who made the newest status change in the issue's changelog, and when (None, None when not expanded)."""
    histories = (issue.get("changelog") or {}).get("histories") or []
    newest: tuple[datetime, str | None] | None = None
    for history in histories:
        if not any(item.get("field") == "status" for item in history.get("items") or []):
            continue
        when = parse_jira_time(history.get("created"))
        if when is None or (newest is not None and when <= newest[0]):
            continue
        newest = (when, history_author(history))
    return (newest[1], newest[0]) if newest else (None, None)


def changes_managed(history: Mapping[str, Any], managed: frozenset[str]) -> bool:
    """Whether one changelog entry moved the status or added/removed a managed label (labels are kept as one
    space-separated string on each side of the change)."""
    folded = {m.casefold() for m in managed}
    for item in history.get("items") or []:
        field = str(item.get("field", "")).casefold()
        if field == "status":
            return True
        if field == "labels":
            before = {t.casefold() for t in str(item.get("fromString") or "").split()}
            after = {t.casefold() for t in str(item.get("toString") or "").split()}
            if (before ^ after) & folded:
                return True
    return False


def history_author(history: Mapping[str, Any]) -> str | None:
    author = history.get("author") or {}
    found = author.get("displayName") or author.get("emailAddress") or author.get("accountId")
    return str(found) if found else None


def remote_item(issue: Mapping[str, Any], managed: frozenset[str], base_url: str) -> RemoteItem:
    fields = issue.get("fields") or {}
    key = str(issue["key"])
    changed_by, changed_at = last_status_change(issue)
    return RemoteItem(
        link_item=key,
        tracker=Tracker.JIRA,
        state=external_state(fields, managed),
        version=version_of(fields.get("updated")),
        updated_at=parse_jira_time(fields.get("updated")),
        status_changed_at=changed_at or parse_jira_time(fields.get("statuscategorychangedate")),
        changed_by=changed_by,
        title=fields.get("summary"),
        url=f"{base_url}/browse/{key}",
        item_type=(fields.get("issuetype") or {}).get("name"),
        project=(fields.get("project") or {}).get("key") or key.rsplit("-", 1)[0],
    )
