"""Everything one weavesync run works with, opened once: project, config, store, sync log, tracker connections.

Commands, the watcher and the webhook receiver all build a `SyncSession` and hand it to `reconcile` and
`drain`. Time, jitter and sleeping are fields so tests can drive a session without waiting.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from weavesync.config import SyncConfig, connection_for, load_config
from weavesync.config.mapping import TrackerMapping
from weavesync.engine import Policy
from weavesync.engine.retry import RetryPolicy
from weavesync.model import Tracker
from weavesync.specweave import Increment, Project, Scan
from weavesync.store import DATABASE_URL_ENV, Store, open_store
from weavesync.synclog import SyncLog
from weavesync.trackers import registry
from weavesync.trackers.base import TrackerAdapter, TrackerKind


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SyncSession:
    """One project's sync machinery. Close it (or use it as a context manager) to release connections."""

    project: Project
    config: SyncConfig
    store: Store
    log: SyncLog
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    clock: Callable[[], datetime] = utc_now
    jitter: Callable[[], float] = random.random
    sleep: Callable[[float], None] = time.sleep
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}")
    _adapters: dict[Tracker, TrackerAdapter] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, project: Project, *, env: Mapping[str, str] | None = None, database_url: str | None = None,
             **kwargs: object) -> SyncSession:
        environ = dict(os.environ if env is None else env)
        config = load_config(project.config_path, env=environ)
        store = open_store(project.state_dir, database_url or environ.get(DATABASE_URL_ENV))
        return cls(project=project, config=config, store=store, log=SyncLog(project.logs_dir), env=environ,
                   **kwargs)  # type: ignore[arg-type]

    def __enter__(self) -> SyncSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            for adapter in self._adapters.values():
                adapter.close()
            self._adapters.clear()
        self.store.close()

    def now(self) -> datetime:
        return self.clock()

    def kind(self, tracker: Tracker) -> TrackerKind:
        return registry.kind(tracker)

    def adapter(self, tracker: Tracker) -> TrackerAdapter:
        """The connected adapter for `tracker`, created on first use (ConfigError when it is not configured)."""
        with self._lock:
            found = self._adapters.get(tracker)
            if found is None:
                connection = connection_for(self.config, tracker, self.env)
                found = self._adapters[tracker] = self.kind(tracker).connect(connection)
            return found

    def mapping(self, tracker: Tracker) -> TrackerMapping:
        return self.config.mappings[tracker]

    def defaults(self) -> dict[str, object]:
        """Where links that carry only a number live: the configured GitHub repo and ADO project."""
        github = self.config.trackers.get(Tracker.GITHUB, {})
        ado = self.config.trackers.get(Tracker.ADO, {})
        repo = f"{github['owner']}/{github['repo']}" if github.get("owner") and github.get("repo") else None
        place = (ado["organization"], ado["project"]) if ado.get("organization") and ado.get("project") else None
        return {"default_github_repo": repo, "default_ado": place}

    def scan(self) -> Scan:
        return self.project.scan(**self.defaults())  # type: ignore[arg-type]

    def increment(self, ref: str) -> Increment:
        return self.project.increment(ref, **self.defaults())  # type: ignore[arg-type]

    def policy(self, *, assume_yes: bool = False, interactive: bool = False, strategy: str | None = None,
               direction: str = "both") -> Policy:
        config = self.config
        return Policy(conflict_resolution=(strategy or config.conflict_resolution),  # type: ignore[arg-type]
                      prompt_user=config.prompt_user, auto_sync=config.auto_sync,
                      completion_comments=config.completion_comments, user_story_sync=config.user_story_sync,
                      assume_yes=assume_yes, interactive=interactive, direction=direction)  # type: ignore[arg-type]
