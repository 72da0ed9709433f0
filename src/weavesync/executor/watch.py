"""`weavesync watch`: push local status changes as they happen, and poll the trackers on an interval.

The watcher follows `.specweave/increments/` (and `_archive/`) with watchfiles, keeping only events on an
increment's ``metadata.json`` or ``spec.md``: the temp files of atomic writes (ours end in ``.weavesync.tmp``,
SpecWeave's are ``metadata.json.tmp``) and anything else are filtered out before they wake the loop.

A file event is not a change by itself: weavesync writes bases into ``metadata.json`` after every sync, and
those writes come back as events. So each touched increment is re-read and reconciled only when what the sync
depends on (its status and its links) differs from what the watcher last acted on. The remembered value is
the one read *before* reconciling, so an edit made while a reconcile runs is never absorbed into it; at worst a
status that weavesync itself applied (an accepted inbound change) causes one more, idle, reconcile. An
increment whose reconcile could not read its items stays dirty and is retried on the next poll tick.

Everything runs on the caller's thread, so the watcher never reconciles twice at once; `stop_event` ends it
within one watchfiles step (50 ms).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from weavesync.engine import Policy
from weavesync.errors import StoreError, WeavesyncError
from weavesync.executor.inbound import poll_trackers
from weavesync.executor.reconcile import ReconcileReport, reconcile
from weavesync.executor.run import drain
from weavesync.executor.session import SyncSession
from weavesync.model import Status
from weavesync.specweave import Increment
from weavesync.specweave.project import ARCHIVE

LOG = logging.getLogger("weavesync.watch")

WATCHED_FILES = frozenset({"metadata.json", "spec.md"})
TICK_MS = 500
"""How often the loop wakes without file events to check whether a poll is due."""

ReportHook = Callable[[str, ReconcileReport], None]
"""Called with the trigger ("watch", "poll", "retry") and the report of every pass that did something."""


@dataclass(frozen=True)
class Fingerprint:
    """What a sync of one increment depends on locally: its status and the set of its links."""

    status: Status
    links: frozenset[str]

    @classmethod
    def of(cls, inc: Increment) -> Fingerprint:
        return cls(inc.status, frozenset(link.key for link in inc.links))


def increment_folder(increments_dir: Path, path: Path) -> str | None:
    """The increment folder name a watched file belongs to, None for files the watcher must ignore."""
    if path.name not in WATCHED_FILES:
        return None
    folder = path.parent
    parent = folder.parent
    if parent == increments_dir or (parent.name == ARCHIVE and parent.parent == increments_dir):
        if folder.name.startswith((".", "_")):
            return None
        return folder.name
    return None


class IncrementFilter(watchfiles.DefaultFilter):
    """watchfiles filter: only ``metadata.json`` / ``spec.md`` directly inside an increment folder."""

    def __init__(self, increments_dir: Path) -> None:
        super().__init__()
        self.increments_dir = increments_dir

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        return increment_folder(self.increments_dir, Path(path)) is not None


class Watcher:
    """The watch loop's state, split out of `watch` so tests can drive one step at a time."""

    def __init__(self, session: SyncSession, policy: Policy, *, poll_interval: float | None = None,
                 on_report: ReportHook | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.session = session
        self.policy = policy
        self.poll_interval = session.config.poll_interval if poll_interval is None else poll_interval
        self.on_report = on_report
        self.clock = clock
        self.seen: dict[str, Fingerprint] = {}
        self.dirty: set[str] = set()
        self.next_poll = clock() + self.poll_interval if self.poll_interval > 0 else float("inf")

    @property
    def increments_dir(self) -> Path:
        return self.session.project.increments_dir

    def start(self, *, initial_sync: bool = True) -> None:
        """Remember every increment as it is now; with `initial_sync`, first reconcile them all, so changes
        made while nothing watched are not missed."""
        scan = self.session.scan()
        for inc in scan.increments:
            self.seen[inc.id] = Fingerprint.of(inc)
        if initial_sync and scan.increments:
            self._reconcile([inc.id for inc in scan.increments], "watch")

    def changed(self, folders: Iterable[str]) -> list[str]:
        """Of the touched increment folders, those whose status or links differ from what was acted on."""
        out: list[str] = []
        for name in sorted(set(folders)):
            try:
                inc = self.session.increment(name)
            except WeavesyncError as exc:
                # Deleted or moved to _archive (the other copy's event follows), or mid-edit by a person.
                LOG.info("watch: skipping %s: %s", name, exc)
                self.seen.pop(name, None)
                continue
            fingerprint = Fingerprint.of(inc)
            if self.seen.get(inc.id) != fingerprint:
                self.seen[inc.id] = fingerprint
                out.append(inc.id)
        return out

    def rescan(self) -> ReconcileReport | None:
        """Act on every increment that differs from what was acted on (changes made before the watch armed)."""
        refs = self.changed(inc_dir.name for inc_dir, _archived in self.session.project.increment_dirs())
        return self._reconcile(refs, "watch") if refs else None

    def on_files(self, paths: Iterable[str]) -> ReconcileReport | None:
        folders = [f for f in (increment_folder(self.increments_dir, Path(p)) for p in paths) if f]
        refs = self.changed(folders)
        if not refs:
            return None
        return self._reconcile(refs, "watch")

    def tick(self) -> None:
        """Periodic work when due: poll the trackers, retry dirty increments, carry out due outbox entries."""
        if self.clock() < self.next_poll:
            return
        self.next_poll = self.clock() + self.poll_interval
        if self.dirty:
            self._reconcile(sorted(self.dirty), "watch")
        for outcome in poll_trackers(self.session, self.policy, trigger="poll"):
            if outcome.report is not None:
                self._emit("poll", outcome.report)
        writes = drain(self.session, trigger="retry")
        if writes:
            self._emit("retry", ReconcileReport(writes=writes))

    def _reconcile(self, refs: list[str], trigger: str) -> ReconcileReport | None:
        try:
            report = reconcile(self.session, self.policy, refs, trigger=trigger, prompter=None)
        except StoreError:
            raise
        except WeavesyncError as exc:
            LOG.warning("watch: reconcile of %s failed: %s", ", ".join(refs), exc)
            self.dirty.update(refs)
            return None
        failed = {r.increment for r in report.links if r.error}
        self.dirty.difference_update(set(refs) - failed)
        self.dirty.update(failed)
        self._emit(trigger, report)
        return report

    def _emit(self, trigger: str, report: ReconcileReport) -> None:
        if self.on_report is not None and (report.links or report.writes or report.problems):
            self.on_report(trigger, report)


def watch(session: SyncSession, policy: Policy, *, stop_event: threading.Event, poll_interval: float | None = None,
          debounce_ms: int = 300, initial_sync: bool = True, on_report: ReportHook | None = None) -> None:
    """Watch the increments and poll the trackers until `stop_event` is set.

    `poll_interval` defaults to the config's (``statusSync.pollIntervalSeconds``, 60 s); 0 turns polling off.
    `debounce_ms` caps how long a burst of file events is grouped; a single change is acted on after ~50 ms
    of quiet, well within the one second the contract asks for. Raises `WeavesyncError` when the project has
    no increments folder, and lets `StoreError` through (the state store is gone: nothing sensible remains).
    """
    watcher = Watcher(session, policy, poll_interval=poll_interval, on_report=on_report)
    folder = watcher.increments_dir
    if not folder.is_dir():
        raise WeavesyncError(f"{folder} does not exist", hint="run `specweave init` or watch another project")
    watcher.start(initial_sync=initial_sync)
    armed = False
    for changes in watchfiles.watch(folder, watch_filter=IncrementFilter(folder), debounce=debounce_ms,
                                    step=min(50, debounce_ms), stop_event=stop_event, rust_timeout=TICK_MS,
                                    yield_on_timeout=True, raise_interrupt=False):
        if stop_event.is_set():
            break
        if not armed:
            # The first yield comes once the OS watch is in place: a change made between `start()` and now
            # produced no event, so compare every increment once.
            armed = True
            watcher.rescan()
        elif changes:
            watcher.on_files(path for _change, path in changes)
        watcher.tick()
