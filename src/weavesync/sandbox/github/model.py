"""The in-memory GitHub of the sandbox: users, one or more repositories, their issues, labels, comments, events.

Every change goes through a `Store` method, which is the one place that bumps ``updated_at``, records the issue
events timeline and tells the listeners (webhooks) what happened. Reads are indexed: issues by number, and per
repository an ordering by last update (`Repo.by_updated`, an insertion-ordered dict moved-to-end on each change)
so ``sort=updated`` listings never sort 10,000 items. The store is guarded by one lock because the control API
runs in a worker thread while requests are served from the event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class User:
    login: str
    id: int
    name: str
    kind: str = "User"
    scopes: tuple[str, ...] = ("repo", "workflow")


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None
    default: bool = False


@dataclass
class Comment:
    id: int
    issue_number: int
    body: str
    user: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Event:
    """One entry of an issue's events timeline (closed, reopened, labeled, unlabeled)."""

    id: int
    event: str
    actor: str
    created_at: datetime
    label: str | None = None
    label_color: str | None = None
    state_reason: str | None = None


@dataclass
class Issue:
    number: int
    id: int
    title: str
    body: str | None
    user: str
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)
    """Label keys (lower-cased names) into `Repo.labels`, in the order they were added."""
    assignees: list[str] = field(default_factory=list)
    closed_at: datetime | None = None
    closed_by: str | None = None
    comments: list[int] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    deleted: bool = False


@dataclass
class Hook:
    id: int
    url: str
    content_type: str
    secret: str | None
    events: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime
    insecure_ssl: str = "0"


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    created_at: datetime
    private: bool = True
    labels: dict[str, Label] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    by_updated: dict[int, None] = field(default_factory=dict)
    """Issue numbers, least recently updated first (dicts keep insertion order; a change re-inserts at the end)."""
    comments: dict[int, Comment] = field(default_factory=dict)
    hooks: dict[int, Hook] = field(default_factory=dict)
    next_number: int = 1

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


Listener = Callable[[str, str, Repo, Issue, str, dict[str, object]], None]
"""(event, action, repo, issue, actor login, extra) after a change: e.g. ("issues", "labeled", ..., {"label": l})."""


class Store:
    """All sandbox data plus the mutations people and bots can make through the API."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.repos: dict[str, Repo] = {}
        self.listeners: list[Listener] = []
        self._ids = 1000

    # -- ids and lookups ------------------------------------------------------------------------------------------
    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def add_user(self, login: str, name: str, kind: str = "User") -> User:
        user = User(login=login, id=self.next_id(), name=name, kind=kind)
        self.users[login.lower()] = user
        return user

    def add_repo(self, owner: str, name: str, *, private: bool = True) -> Repo:
        repo = Repo(id=self.next_id(), owner=owner, name=name, created_at=self.now(), private=private)
        self.repos[repo.full_name.lower()] = repo
        return repo

    def repo(self, owner: str, name: str) -> Repo | None:
        return self.repos.get(f"{owner}/{name}".lower())

    def ensure_label(self, repo: Repo, name: str, color: str = "ededed", description: str | None = None,
                     default: bool = False) -> Label:
        key = name.lower()
        label = repo.labels.get(key)
        if label is None:
            label = Label(id=self.next_id(), name=name, color=color, description=description, default=default)
            repo.labels[key] = label
        return label

    # -- mutations --------------------------------------------------------------------------------------------
    def _touch(self, repo: Repo, issue: Issue, when: datetime) -> None:
        issue.updated_at = when
        repo.by_updated.pop(issue.number, None)
        repo.by_updated[issue.number] = None

    def _emit(self, event: str, action: str, repo: Repo, issue: Issue, actor: str, **extra: object) -> None:
        for listener in self.listeners:
            listener(event, action, repo, issue, actor, dict(extra))

    def create_issue(self, repo: Repo, actor: str, title: str, body: str | None = None,
                     labels: Iterable[str] = (), assignees: Iterable[str] = (), *, notify: bool = True) -> Issue:
        with self.lock:
            now = self.now()
            issue = Issue(number=repo.next_number, id=self.next_id(), title=title, body=body, user=actor,
                          created_at=now, updated_at=now, assignees=list(assignees))
            repo.next_number += 1
            repo.issues[issue.number] = issue
            repo.by_updated[issue.number] = None
            added = list({lb.name.lower(): lb for lb in (self.ensure_label(repo, n) for n in labels)}.values())
            for label in added:
                self._label(repo, issue, actor, label.name, now, notify=False)
            if notify:
                self._emit("issues", "opened", repo, issue, actor)
                for label in added:
                    self._emit("issues", "labeled", repo, issue, actor, label=label)
            return issue

    def _label(self, repo: Repo, issue: Issue, actor: str, name: str, when: datetime, *, notify: bool = True
               ) -> bool:
        label = self.ensure_label(repo, name)
        key = label.name.lower()
        if key in issue.labels:
            return False
        issue.labels.append(key)
        issue.events.append(Event(self.next_id(), "labeled", actor, when, label.name, label.color))
        self._touch(repo, issue, when)
        if notify:
            self._emit("issues", "labeled", repo, issue, actor, label=label)
        return True

    def _unlabel(self, repo: Repo, issue: Issue, actor: str, key: str, when: datetime) -> None:
        label = repo.labels[key]
        issue.labels.remove(key)
        issue.events.append(Event(self.next_id(), "unlabeled", actor, when, label.name, label.color))
        self._touch(repo, issue, when)
        self._emit("issues", "unlabeled", repo, issue, actor, label=label)

    def add_labels(self, repo: Repo, issue: Issue, actor: str, names: Iterable[str]) -> None:
        with self.lock:
            now = self.now()
            for name in names:
                self._label(repo, issue, actor, name, now)

    def set_labels(self, repo: Repo, issue: Issue, actor: str, names: Iterable[str]) -> None:
        with self.lock:
            now = self.now()
            wanted = [n for n in dict.fromkeys(names)]
            keep = {n.lower() for n in wanted}
            for key in [k for k in issue.labels if k not in keep]:
                self._unlabel(repo, issue, actor, key, now)
            for name in wanted:
                self._label(repo, issue, actor, name, now)

    def remove_label(self, repo: Repo, issue: Issue, actor: str, name: str) -> bool:
        with self.lock:
            key = name.lower()
            if key not in issue.labels:
                return False
            self._unlabel(repo, issue, actor, key, self.now())
            return True

    def set_state(self, repo: Repo, issue: Issue, actor: str, state: str, reason: str | None) -> bool:
        """Close or reopen; `reason` is the close reason (completed when None). False when already in `state`."""
        with self.lock:
            if state == issue.state:
                return False
            now = self.now()
            if state == "closed":
                issue.state, issue.state_reason = "closed", reason or "completed"
                issue.closed_at, issue.closed_by = now, actor
                issue.events.append(Event(self.next_id(), "closed", actor, now, state_reason=issue.state_reason))
            else:
                issue.state, issue.state_reason = "open", "reopened"
                issue.closed_at, issue.closed_by = None, None
                issue.events.append(Event(self.next_id(), "reopened", actor, now))
            self._touch(repo, issue, now)
            self._emit("issues", "closed" if state == "closed" else "reopened", repo, issue, actor)
            return True

    def reclose(self, repo: Repo, issue: Issue, actor: str, reason: str) -> bool:
        """Change the close reason of a closed issue (``PATCH {"state": "closed", "state_reason": ...}``).

        GitHub records this as the issue being closed again with the new reason: one ``closed`` event (and
        delivery), no reopen; ``closed_at``/``closed_by`` become this close. False when the reason is already
        `reason` or the issue is open (then it is a plain close, `set_state`)."""
        with self.lock:
            if issue.state != "closed" or issue.state_reason == reason:
                return False
            now = self.now()
            issue.state_reason, issue.closed_at, issue.closed_by = reason, now, actor
            issue.events.append(Event(self.next_id(), "closed", actor, now, state_reason=reason))
            self._touch(repo, issue, now)
            self._emit("issues", "closed", repo, issue, actor)
            return True

    def edit(self, repo: Repo, issue: Issue, actor: str, *, title: str | None = None, body: str | None = None,
             assignees: list[str] | None = None) -> None:
        with self.lock:
            changes: dict[str, object] = {}
            if title is not None and title != issue.title:
                changes["title"] = {"from": issue.title}
                issue.title = title
            if body is not None and body != issue.body:
                changes["body"] = {"from": issue.body or ""}
                issue.body = body
            if assignees is not None:
                issue.assignees = list(dict.fromkeys(assignees))
            self._touch(repo, issue, self.now())
            if changes:
                self._emit("issues", "edited", repo, issue, actor, changes=changes)

    def add_comment(self, repo: Repo, issue: Issue, actor: str, body: str) -> Comment:
        with self.lock:
            now = self.now()
            comment = Comment(id=self.next_id(), issue_number=issue.number, body=body, user=actor,
                              created_at=now, updated_at=now)
            repo.comments[comment.id] = comment
            issue.comments.append(comment.id)
            self._touch(repo, issue, now)
            self._emit("issue_comment", "created", repo, issue, actor, comment=comment)
            return comment

    def delete_issue(self, repo: Repo, issue: Issue, actor: str) -> None:
        with self.lock:
            issue.deleted = True
            repo.by_updated.pop(issue.number, None)
            self._emit("issues", "deleted", repo, issue, actor)
