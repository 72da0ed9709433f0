"""An in-memory GitHub-shaped tracker for executor unit tests (no HTTP: mocks are for unit tests only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from weavesync.errors import TrackerError
from weavesync.model import Connection, ExternalState, Receipt, RemoteItem, Target, Tracker
from weavesync.trackers.base import AuthInfo, ChangeBatch, WebhookEvent, Workflow


@dataclass
class FakeItem:
    state: str = "open"
    reason: str | None = None
    labels: set[str] = field(default_factory=set)
    version: int = 1
    changed_by: str | None = None
    changed_at: datetime | None = None
    named_in_reads: bool = True
    """False: reads do not say who changed the item or when (as GitHub does not for a reopen); only
    `last_change` does."""


class FakeTracker:
    """Items keyed by canonical ref; `failures` is a queue of errors the next writes raise."""

    tracker = Tracker.GITHUB

    def __init__(self) -> None:
        self.items: dict[str, FakeItem] = {}
        self.failures: list[TrackerError] = []
        self.writes: list[tuple[str, Target]] = []
        self.comments: dict[str, list[tuple[str, str]]] = {}
        self.read_calls = 0
        self.last_change_calls: list[str] = []
        self.last_change_failures: list[TrackerError] = []

    def person_changes(self, item: str, *, state: str, reason: str | None = None, by: str = "alice",
                       named: bool = True) -> None:
        fake = self.items[item]
        fake.state, fake.reason, fake.version = state, reason, fake.version + 1
        fake.changed_by, fake.changed_at, fake.named_in_reads = by, datetime.now(UTC), named

    def _remote(self, item: str, managed: frozenset[str]) -> RemoteItem:
        fake = self.items[item]
        state = ExternalState(state=fake.state, reason=fake.reason, markers=frozenset(fake.labels & managed))
        named = fake.named_in_reads
        return RemoteItem(link_item=item, tracker=self.tracker, state=state, version=f"{fake.version:09d}",
                          status_changed_at=fake.changed_at if named else None,
                          changed_by=fake.changed_by if named else None, title=f"issue {item}")

    def is_partial_write(self, before: ExternalState, target: Target, observed: ExternalState,
                         managed: frozenset[str]) -> bool:
        return False  # one call writes state and markers together: never half-way

    def last_change(self, item: str, managed: frozenset[str] = frozenset()) -> tuple[str | None, datetime | None]:
        self.last_change_calls.append(item)
        if self.last_change_failures:
            raise self.last_change_failures.pop(0)
        fake = self.items[item]
        return fake.changed_by, fake.changed_at

    def read_many(self, items: Sequence[str], managed: frozenset[str]) -> dict[str, RemoteItem | None]:
        self.read_calls += 1
        return {i: self._remote(i, managed) if i in self.items else None for i in items}

    def changed_since(self, cursor: str | None, managed: frozenset[str]) -> ChangeBatch:
        return ChangeBatch(items=[self._remote(i, managed) for i in self.items], cursor=cursor or "0")

    def write(self, item: str, target: Target, managed: frozenset[str], *, resolution: str | None = None,
              current: RemoteItem | None = None) -> Receipt:
        if self.failures:
            raise self.failures.pop(0)
        fake = self.items[item]
        wanted_labels = (fake.labels - managed) | set(target.markers)
        changed = fake.state != target.state or fake.labels != wanted_labels or (
            target.reason is not None and fake.reason != target.reason)
        if changed:
            self.writes.append((item, target))
            fake.state, fake.labels, fake.version = target.state or fake.state, wanted_labels, fake.version + 1
            fake.reason = target.reason if fake.state == "closed" else None
            fake.changed_by, fake.changed_at, fake.named_in_reads = "weavesync-bot", datetime.now(UTC), True
        remote = self._remote(item, managed)
        return Receipt(link_item=item, tracker=self.tracker, state=remote.state, version=remote.version,
                       changed=changed)

    def comment(self, item: str, body: str, op_id: str, *, first_attempt: bool = False,
                announced_since: datetime | None = None) -> bool:
        posted = self.comments.setdefault(item, [])
        if any(op == op_id for op, _ in posted):
            return False
        posted.append((op_id, body))
        return True

    def create(self, title: str, body: str, marker: str, target: Target, managed: frozenset[str],
               *, item_type: str | None = None) -> RemoteItem:
        raise NotImplementedError

    def describe_workflow(self, item: str | None = None, item_type: str | None = None) -> Workflow:
        raise NotImplementedError

    def check_auth(self) -> AuthInfo:
        return AuthInfo(ok=True, user="weavesync-bot")

    def close(self) -> None:
        return None


class FakeKind:
    tracker = Tracker.GITHUB
    display_name = "GitHub (fake)"

    def __init__(self) -> None:
        self.adapter = FakeTracker()

    def parse_item(self, text: str) -> str:
        return text

    def item_url(self, connection: Connection | None, item: str) -> str | None:
        return None

    def connect(self, connection: Connection) -> FakeTracker:
        return self.adapter

    def version_key(self, version: str) -> tuple[int | str, ...]:
        return (int(version),)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, secret: str | None) -> None:
        return None

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, managed: frozenset[str]
                      ) -> list[WebhookEvent]:
        return []

