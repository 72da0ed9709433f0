"""The in-memory Jira site: issues, comments, changelog, webhooks, and the one place every change goes through.

All indexes are dicts keyed by issue key or id, so a request touches only the issues it names; only JQL that
filters by project or time scans, and that scan is one pass over plain attributes. Every change bumps `updated`
(strictly increasing per issue, millisecond resolution), appends a changelog history and calls `on_change`,
which delivers webhooks. A lock guards mutations because the control API runs handlers in worker threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from weavesync.sandbox.jira import workflow as wf


@dataclass(frozen=True)
class User:
    login: str
    account_id: str
    display_name: str
    email: str
    time_zone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass
class Comment:
    id: int
    author: str
    body: Any
    created: datetime
    updated: datetime


@dataclass
class ChangeItem:
    field: str
    from_id: str | None
    from_string: str | None
    to_id: str | None
    to_string: str | None
    fieldtype: str = "jira"


@dataclass
class History:
    id: int
    author: str
    created: datetime
    items: list[ChangeItem]


@dataclass
class Issue:
    id: int
    key: str
    project: str
    issuetype: str
    summary: str
    description: Any
    status: str
    created: datetime
    updated: datetime
    creator: str
    resolution: str | None = None
    resolution_date: datetime | None = None
    status_changed: datetime | None = None
    labels: list[str] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    histories: list[History] = field(default_factory=list)
    text: str = ""
    """Lower-cased summary, description and comment text, for JQL `text ~`."""

    def refresh_text(self) -> None:
        parts = [self.summary, adf_text(self.description)]
        parts.extend(adf_text(c.body) for c in self.comments)
        self.text = " ".join(parts).lower()


@dataclass
class Webhook:
    id: int
    name: str
    url: str
    events: list[str]
    jql: str | None
    secret: str | None
    enabled: bool = True
    exclude_body: bool = False


@dataclass(frozen=True)
class Change:
    """What `on_change` receives: the issue after the change and the webhook event it stands for."""

    event: str
    type_name: str
    issue: Issue
    user: User
    history: History | None = None
    comment: Comment | None = None


def adf_text(node: Any) -> str:
    """The plain text of an ADF document (or a plain string), for search and v2 rendering."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    if isinstance(node, dict):
        if node.get("type") == "text":
            return str(node.get("text", ""))
        sep = "\n" if node.get("type") in ("doc",) else ""
        return sep.join(adf_text(child) for child in node.get("content") or [])
    if isinstance(node, list):
        return "".join(adf_text(child) for child in node)
    return ""


class JiraState:
    """The site. Methods raise `JiraFault` (see errors.py) through callers; the model itself only validates data."""

    def __init__(self, now: Callable[[], datetime], users: dict[str, User]) -> None:
        self.now = now
        self.users = users
        self.users_by_account = {u.account_id: u for u in users.values()}
        self.issues: dict[str, Issue] = {}
        self.by_id: dict[int, Issue] = {}
        self.next_number: dict[str, int] = {key: 1 for key in wf.PROJECTS}
        self.webhooks: dict[int, Webhook] = {}
        self.lock = threading.RLock()
        self.on_change: Callable[[Change], None] | None = None
        self._next_issue_id = 10001
        self._next_history_id = 10000
        self._next_comment_id = 10000
        self._next_webhook_id = 1

    # -- identity -------------------------------------------------------------------------------------------
    def find(self, key_or_id: str) -> Issue | None:
        found = self.issues.get(key_or_id.upper())
        if found is None and key_or_id.isdigit():
            found = self.by_id.get(int(key_or_id))
        return found

    def _stamp(self, issue: Issue) -> datetime:
        """A new `updated` that is strictly later than the previous one (versions must never repeat)."""
        now = self.now()
        floor = issue.updated + timedelta(milliseconds=1)
        now = now.replace(microsecond=(now.microsecond // 1000) * 1000)
        issue.updated = max(now, floor)
        return issue.updated

    def _history(self, issue: Issue, user: User, items: list[ChangeItem]) -> History:
        history = History(self._next_history_id, user.login, issue.updated, items)
        self._next_history_id += 1
        issue.histories.append(history)
        return history

    def _emit(self, change: Change) -> None:
        if self.on_change is not None:
            self.on_change(change)

    # -- changes --------------------------------------------------------------------------------------------
    def create(self, user: User, project: str, issuetype: str, summary: str, description: Any,
               labels: list[str], emit: bool = True) -> Issue:
        with self.lock:
            now = self.now()
            now = now.replace(microsecond=(now.microsecond // 1000) * 1000)
            number = self.next_number[project]
            self.next_number[project] = number + 1
            issue = Issue(id=self._next_issue_id, key=f"{project}-{number}", project=project, issuetype=issuetype,
                          summary=summary, description=description, status=wf.INITIAL_STATUS, created=now,
                          updated=now, creator=user.login, status_changed=now, labels=list(labels))
            issue.refresh_text()
            self._next_issue_id += 1
            self.issues[issue.key] = issue
            self.by_id[issue.id] = issue
        if emit:
            self._emit(Change("jira:issue_created", "issue_created", issue, user))
        return issue

    def transition(self, issue: Issue, user: User, transition: wf.TransitionDef, resolution: str | None) -> None:
        with self.lock:
            old = wf.STATUSES[issue.status]
            new = wf.STATUSES[transition.to]
            self._stamp(issue)
            items = [ChangeItem("status", old.id, old.name, new.id, new.name)]
            new_resolution = resolution if new.category == "done" else None
            if new_resolution != issue.resolution:
                items.append(ChangeItem("resolution", issue.resolution,
                                        wf.RESOLUTIONS.get(issue.resolution or ""),
                                        new_resolution, wf.RESOLUTIONS.get(new_resolution or "")))
                issue.resolution = new_resolution
                issue.resolution_date = issue.updated if new_resolution else None
            issue.status = new.id
            issue.status_changed = issue.updated
            history = self._history(issue, user, items)
        type_name = "issue_generic"
        self._emit(Change("jira:issue_updated", type_name, issue, user, history=history))

    def edit(self, issue: Issue, user: User, summary: str | None, description: Any, labels: list[str] | None,
             description_set: bool) -> None:
        with self.lock:
            items: list[ChangeItem] = []
            if summary is not None and summary != issue.summary:
                items.append(ChangeItem("summary", None, issue.summary, None, summary))
                issue.summary = summary
            if description_set and description != issue.description:
                items.append(ChangeItem("description", None, adf_text(issue.description), None,
                                        adf_text(description)))
                issue.description = description
            if labels is not None and labels != issue.labels:
                items.append(ChangeItem("labels", None, " ".join(issue.labels), None, " ".join(labels)))
                issue.labels = list(labels)
            if not items:
                return
            self._stamp(issue)
            issue.refresh_text()
            history = self._history(issue, user, items)
        self._emit(Change("jira:issue_updated", "issue_updated", issue, user, history=history))

    def comment(self, issue: Issue, user: User, body: Any) -> Comment:
        with self.lock:
            when = self._stamp(issue)
            comment = Comment(self._next_comment_id, user.login, body, when, when)
            self._next_comment_id += 1
            issue.comments.append(comment)
            issue.refresh_text()
        self._emit(Change("comment_created", "issue_commented", issue, user, comment=comment))
        return comment

    def add_webhook(self, name: str, url: str, events: list[str], jql: str | None, secret: str | None,
                    exclude_body: bool) -> Webhook:
        with self.lock:
            hook = Webhook(self._next_webhook_id, name, url, events, jql, secret, exclude_body=exclude_body)
            self._next_webhook_id += 1
            self.webhooks[hook.id] = hook
            return hook
