"""`Site`: what the route modules share (state, renderers, auth guard, search snapshots) and the seed data."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.requests import Request

from weavesync.sandbox.jira import workflow as wf
from weavesync.sandbox.jira.http import Guard, JiraFault, RateLimit
from weavesync.sandbox.jira.model import Issue, JiraState, User
from weavesync.sandbox.jira.render import Renderer
from weavesync.sandbox.server import BOT, PERSON, SandboxContext

TIME_ZONES = {BOT: "Europe/Berlin", PERSON: "America/New_York"}
"""The bot deliberately lives outside UTC: JQL dates are read in the user's zone, and pollers must convert."""
ACCOUNT_IDS = {BOT: "712020:5b10ac8d-82e0-5b22-cc7d-4ef5a0b10001", PERSON: "712020:alice-0000-4000-8000-000000000002"}
SNAPSHOT_LIMIT = 500


def doc(text: str) -> dict[str, Any]:
    """A one-paragraph ADF document."""
    return {"type": "doc", "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]}


@dataclass
class Snapshot:
    jql: str
    keys: list[str]
    offset: int


class Site:
    def __init__(self, ctx: SandboxContext) -> None:
        self.ctx = ctx
        self.users = {login: User(login, ACCOUNT_IDS.get(login, f"712020:{login}"), acc.display_name,
                                  acc.email or f"{login}@acme.example", TIME_ZONES.get(login, "UTC"))
                      for login, acc in ctx.accounts.items()}
        self.state = JiraState(ctx.now, self.users)
        self.rate = RateLimit()
        self.guard = Guard(ctx, self.users, self.rate)
        self._renderers: dict[tuple[str, int], Renderer] = {}
        self._snapshots: OrderedDict[str, Snapshot] = OrderedDict()
        self._lock = threading.Lock()

    def renderer(self, request: Request | None, version: int = 3) -> Renderer:
        base = str(request.base_url).rstrip("/") if request is not None else self.ctx.base_url
        found = self._renderers.get((base, version))
        if found is None:
            found = self._renderers[(base, version)] = Renderer(base, self.users, version)
        return found

    def issue_or_404(self, key: str) -> Issue:
        issue = self.state.find(key)
        if issue is None:
            raise JiraFault(404, ["Issue does not exist or you do not have permission to see it."])
        return issue

    # -- search pagination ----------------------------------------------------------------------------------
    def remember(self, jql: str, keys: list[str], offset: int) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._snapshots[token] = Snapshot(jql, keys, offset)
            while len(self._snapshots) > SNAPSHOT_LIMIT:
                self._snapshots.popitem(last=False)
        return token

    def recall(self, token: str, jql: str) -> Snapshot:
        with self._lock:
            found = self._snapshots.pop(token, None)
        if found is None or found.jql != jql:
            raise JiraFault(400, ["The provided next page token is invalid or expired."])
        return found

    # -- seed -----------------------------------------------------------------------------------------------
    def seed(self, data: dict[str, Any]) -> dict[str, Any]:
        """Bulk-create issues without webhooks (benchmarks); returns their keys."""
        unknown = set(data) - {"count", "project", "issuetype", "status", "summary"}
        if unknown:
            raise ValueError(f"unknown seed keys: {', '.join(sorted(unknown))}")
        count = int(data.get("count", 1))
        if not 0 < count <= 20000:
            raise ValueError("count must be between 1 and 20000")
        project = str(data.get("project", "CORE"))
        if project not in wf.PROJECTS:
            raise ValueError(f"unknown project {project!r}")
        type_id = wf.ISSUE_TYPE_BY_NAME[str(data.get("issuetype", "Task")).lower()]
        status = wf.STATUS_BY_NAME[str(data.get("status", "To Do")).lower()]
        summary = str(data.get("summary", "Seeded issue"))
        bot = self.users[BOT]
        keys = []
        for n in range(count):
            issue = self.state.create(bot, project, type_id, f"{summary} {n + 1}", None, [], emit=False)
            self._force_status(issue, status.id)
            keys.append(issue.key)
        return {"keys": keys}

    def _force_status(self, issue: Issue, status_id: str) -> None:
        issue.status = status_id
        if wf.STATUSES[status_id].category == "done":
            issue.resolution = "10001" if status_id == "10004" else "10000"
            issue.resolution_date = issue.updated

    def seed_default(self) -> None:
        bot = self.users[BOT]
        samples = [("10000", "Checkout flow", "10000"), ("10001", "Payment retries", "3"),
                   ("10002", "Order history", "10003"), ("10001", "Gift cards", "10002")]
        for type_id, summary, status in samples:
            issue = self.state.create(bot, "CORE", type_id, summary, doc(f"{summary} (seed)"), [], emit=False)
            issue.updated = issue.updated - timedelta(days=2)
            issue.created = issue.updated
            issue.status_changed = issue.updated
            self._force_status(issue, status)
