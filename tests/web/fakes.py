"""In-memory trackers for the receiver's unit tests (no HTTP: mocks are for unit tests only; the integration
tests go over real HTTP to the sandbox). The project they serve is `linked_project.make_project`."""

from __future__ import annotations

import builtins
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from weavesync.errors import AuthFailed, Retryable
from weavesync.model import Connection, ExternalState, Receipt, RemoteItem, Target, Tracker
from weavesync.trackers.base import AuthInfo, ChangeBatch, WebhookEvent, Workflow

ITEM = "acme/shop#1"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Item:
    state: str = "open"
    reason: str | None = None
    version: int = 1
    changed_by: str | None = None
    labels: frozenset[str] = frozenset({"in-progress"})


class FakeAdapter:
    """Items keyed by canonical ref; `down` makes every read fail as an unreachable tracker would."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.items: dict[str, Item] = {}
        self.down = False
        self.cursor_reads: list[str | None] = []

    def person_closes(self, item: str, by: str = "alice") -> None:
        found = self.items[item]
        found.state, found.reason, found.version, found.changed_by = "closed", "completed", found.version + 1, by
        found.labels = frozenset()

    def _remote(self, item: str, managed: frozenset[str]) -> RemoteItem:
        found = self.items[item]
        return RemoteItem(link_item=item, tracker=self.tracker,
                          state=ExternalState(state=found.state, reason=found.reason,
                                                    markers=found.labels & managed), version=f"{found.version:06d}",
                          status_changed_at=datetime.now(UTC), changed_by=found.changed_by, title=item)

    def _check(self) -> None:
        if self.down:
            raise Retryable(f"{self.tracker.value} is down", tracker=self.tracker.value, status=503)

    def read_many(self, items: Sequence[str], managed: frozenset[str]) -> dict[str, RemoteItem | None]:
        self._check()
        return {i: self._remote(i, managed) if i in self.items else None for i in items}

    def changed_since(self, cursor: str | None, managed: frozenset[str]) -> ChangeBatch:
        self.cursor_reads.append(cursor)
        self._check()
        newest = max((i.version for i in self.items.values()), default=0)
        changed = [self._remote(k, managed) for k, i in self.items.items() if cursor is None or i.version > int(cursor)]
        return ChangeBatch(items=changed, cursor=str(newest))

    def write(self, item: str, target: Target, managed: frozenset[str], *, resolution: str | None = None,
              current: RemoteItem | None = None) -> Receipt:
        self._check()
        found = self.items[item]
        changed = found.state != target.state or found.labels & managed != target.markers
        if changed:
            found.state, found.reason, found.version = target.state or found.state, target.reason, found.version + 1
            found.labels, found.changed_by = (found.labels - managed) | target.markers, "weavesync-bot"
        remote = self._remote(item, managed)
        return Receipt(link_item=item, tracker=self.tracker, state=remote.state, version=remote.version,
                       changed=changed)

    def is_partial_write(self, before: ExternalState, target: Target, observed: ExternalState,
                         managed: frozenset[str]) -> bool:
        return False  # one call writes state and markers together: never half-way

    def last_change(self, item: str, managed: frozenset[str] = frozenset()) -> tuple[str | None, datetime | None]:
        self._check()
        return self.items[item].changed_by, None

    def comment(self, item: str, body: str, op_id: str, *, first_attempt: bool = False,
                announced_since: datetime | None = None) -> bool:
        return True

    def create(self, title: str, body: str, marker: str, target: Target, managed: frozenset[str],
               *, item_type: str | None = None) -> RemoteItem:
        raise NotImplementedError

    def describe_workflow(self, item: str | None = None, item_type: str | None = None) -> Workflow:
        raise NotImplementedError

    def check_auth(self) -> AuthInfo:
        return AuthInfo(ok=True)

    def close(self) -> None:
        return None


class FakeKind:
    """Verifies like GitHub (HMAC-SHA256 of the raw body in ``X-Hub-Signature-256``) for every tracker, and
    reads deliveries shaped ``{"item": ..., "id": ...}``; ``{"raise": "ZeroDivisionError"}`` makes parsing raise
    that built-in exception (a parser bug, or ``SystemExit`` for a process that dies while parsing)."""

    display_name = "fake"

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.adapter = FakeAdapter(tracker)
        self.parsed = 0

    def parse_item(self, text: str) -> str:
        return text

    def item_url(self, connection: Connection | None, item: str) -> str | None:
        return None

    def connect(self, connection: Connection) -> FakeAdapter:
        return self.adapter

    def version_key(self, version: str) -> tuple[int | str, ...]:
        return (int(version),)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, secret: str | None) -> None:
        given = headers.get("x-hub-signature-256") or ""
        if not secret or not hmac.compare_digest(given, sign(secret, body)):
            raise AuthFailed("bad signature", tracker=self.tracker.value)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, managed: frozenset[str]
                      ) -> list[WebhookEvent]:
        self.parsed += 1
        data = json.loads(body)
        if "raise" in data:
            raise getattr(builtins, str(data["raise"]))("raised by the fake parser")
        if "item" not in data:
            return []
        return [WebhookEvent(tracker=self.tracker, delivery_id="", item=str(data["item"]), state=None, version=None,
                             changed_by=None, at=None, raw_event="fake")]

