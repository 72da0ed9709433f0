"""The demo's world: a running sandbox, the throwaway project, weavesync's sessions and the person "alice".

Alice is a teammate who changes items by hand. She goes through the very same tracker adapters as weavesync,
with her own sandbox credentials, so her changes are real API calls recorded as hers and weavesync meets them as
it would meet a colleague's. Every `SyncSession` uses a `LiveLog`, which hands each sync-log record to the
scenario as it is written: that is how retries and their waits appear on screen while they happen.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from weavesync.config import default_mappings
from weavesync.engine.retry import RetryPolicy
from weavesync.executor import SyncSession
from weavesync.model import Connection, Link, LinkRole, RemoteItem, Secret, Status, Tracker
from weavesync.sandbox import ACCOUNTS, BOT, PERSON, Sandbox
from weavesync.specweave import add_link, find_project
from weavesync.synclog import SyncLog
from weavesync.trackers import registry
from weavesync.trackers.base import TrackerAdapter
from weavesync.trackers.http import Governor, governor_for

PLACES: dict[Tracker, dict[str, str]] = {
    Tracker.GITHUB: {"owner": "acme", "repo": "shop"},
    Tracker.JIRA: {"domain": "acme.atlassian.net", "projectKey": "CORE"},
    Tracker.ADO: {"organization": "acme", "project": "Shop"},
}
DEMO_RETRIES = RetryPolicy(base=0.2, cap=2.0, retry_after_cap=5.0, sleep_threshold=10.0)
"""Fast enough that the demo stays well under a minute, slow enough that the growing waits can be seen."""
DEMO_GITHUB_WRITES_PER_MINUTE = 600.0
"""weavesync leaves a second between GitHub writes, as GitHub asks; the sandbox is local and the demo makes a few
dozen writes, so it paces them ten times faster to keep the story short. Nothing else about pacing changes."""

Listener = Callable[[dict[str, object]], None]


class LiveLog(SyncLog):
    """The ordinary sync log, which also tells a listener about every record as soon as it is on disk."""

    def __init__(self, logs_dir: Path, listener: Listener | None = None) -> None:
        super().__init__(logs_dir)
        self.listener = listener

    def record(self, **fields: object) -> dict[str, object]:
        written = super().record(**fields)
        if self.listener is not None:
            self.listener(written)
        return written


@dataclass
class DemoWorld:
    """What every step works with. `close()` releases connections; the sandbox itself belongs to the caller."""

    sandbox: Sandbox
    root: Path
    retry: RetryPolicy = DEMO_RETRIES
    listener: Listener | None = None
    items: dict[tuple[str, Tracker], str] = field(default_factory=dict)
    """(increment id, tracker) -> item ref, filled by `link`."""
    _people: dict[Tracker, TrackerAdapter] = field(default_factory=dict, repr=False)
    _sessions: list[SyncSession] = field(default_factory=list, repr=False)

    @property
    def env(self) -> dict[str, str]:
        """What weavesync runs with: the bot's URLs and tokens only (alice's stay with alice)."""
        return {k: v for k, v in self.sandbox.env().items() if not k.startswith("SANDBOX_PERSON_")}

    def session(self) -> SyncSession:
        opened = SyncSession.open(find_project(self.root), env=self.env, retry=self.retry)
        opened.log = LiveLog(opened.project.logs_dir, self.listener)
        self._sessions.append(opened)
        return opened

    def __post_init__(self) -> None:
        # Governors are shared per (tracker, server, credential): registering ours first makes every GitHub
        # client of this sandbox, weavesync's and alice's, use it.
        for who in (BOT, PERSON):
            governor_for("github", self.sandbox.urls["github"].rstrip("/"), ACCOUNTS["github"][who].secret,
                         lambda: Governor(writes_per_minute=DEMO_GITHUB_WRITES_PER_MINUTE))

    def alice(self, tracker: Tracker) -> TrackerAdapter:
        if tracker not in self._people:
            self._people[tracker] = registry.kind(tracker).connect(self._connection(tracker, PERSON))
        return self._people[tracker]

    def _connection(self, tracker: Tracker, who: str) -> Connection:
        account = ACCOUNTS[tracker.value][who]
        url = self.sandbox.urls[tracker.value]
        if tracker is Tracker.ADO:
            url = f"{url}/acme"
        return Connection(tracker, url, PLACES[tracker], user=account.email, token=Secret(account.secret))

    def create_item(self, tracker: Tracker, title: str, status: Status = Status.ACTIVE) -> RemoteItem:
        """An item alice files, already in the state `status` maps to (as a team would have it before linking)."""
        mapping = default_mappings()[tracker]
        return self.alice(tracker).create(title, "Filed for the weavesync demo.", f"demo-{uuid.uuid4().hex}",
                                          mapping.target(status), mapping.managed)

    def link(self, session: SyncSession, increment: str, tracker: Tracker, item: str) -> None:
        add_link(session.increment(increment), Link(tracker, item, LinkRole.INCREMENT))
        self.items[(increment, tracker)] = item

    def item(self, increment: str, tracker: Tracker) -> str:
        return self.items[(increment, tracker)]

    def remote(self, tracker: Tracker, item: str) -> RemoteItem:
        """The item as alice sees it now (a fresh read through the tracker's API)."""
        mapping = default_mappings()[tracker]
        found = self.alice(tracker).read_many([item], mapping.managed)[item]
        if found is None:
            raise LookupError(f"{tracker.value} {item} is gone")
        return found

    def alice_sets(self, tracker: Tracker, item: str, status: Status) -> None:
        """Alice moves the item by hand to the state `status` maps to: a close, a reopen, a move."""
        mapping = default_mappings()[tracker]
        self.alice(tracker).write(item, mapping.target(status), mapping.managed,
                                  resolution="Won't Do" if status is Status.ABANDONED else None)

    # -- the sandbox's own control API and a raw read or two ------------------------------------------------
    def control(self, tracker: Tracker, method: str, path: str, body: Any = None) -> Any:
        url = f"{self.sandbox.urls[tracker.value]}/_sandbox/{path}"
        response = httpx.request(method, url, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def jira_history(self, key: str) -> list[dict[str, Any]]:
        """The issue's changelog (who moved it where), read with the bot's credentials like any API client."""
        account = ACCOUNTS["jira"][BOT]
        response = httpx.get(f"{self.sandbox.urls['jira']}/rest/api/3/issue/{key}/changelog",
                             auth=(account.email or "", account.secret), timeout=10)
        response.raise_for_status()
        values: list[dict[str, Any]] = response.json()["values"]
        return values

    def close(self) -> None:
        for session in self._sessions:
            session.close()
        self._sessions.clear()
        for adapter in self._people.values():
            adapter.close()
        self._people.clear()


__all__ = ["DEMO_RETRIES", "PLACES", "DemoWorld", "LiveLog"]
