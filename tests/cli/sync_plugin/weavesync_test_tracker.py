"""A GitHub-shaped fake tracker whose items live in a JSON file, for the sync CLI tests (test code only).

The CLI tests run the commands both in-process (CliRunner) and as a child process on a pseudo-terminal
(`python -m weavesync sync`), so the fake's state must outlive a process: every call loads the JSON file named by
``WEAVESYNC_TEST_TRACKER_STATE`` and saves it back. That variable is read only here, never by product code.
`install()` points `weavesync.trackers.registry` at this module (in the child, via the `sitecustomize` next to
it). No HTTP: the real-HTTP tests run against the sandbox.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from weavesync.errors import AuthFailed, Retryable, TrackerError
from weavesync.model import Connection, ExternalState, Receipt, RemoteItem, Target, Tracker, format_utc, parse_utc
from weavesync.trackers import registry
from weavesync.trackers.base import AuthInfo, ChangeBatch, WebhookEvent, Workflow

STATE_ENV = "WEAVESYNC_TEST_TRACKER_STATE"


def state_path() -> Path:
    return Path(os.environ[STATE_ENV])


def load(path: Path | None = None) -> dict[str, Any]:
    path = path or state_path()
    if not path.exists():
        return {"items": {}, "failures": [], "writes": [], "comments": {}}
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def save(data: dict[str, Any], path: Path | None = None) -> None:
    (path or state_path()).write_text(json.dumps(data, indent=2))


def put_item(path: Path, item: str, *, state: str = "open", labels: Sequence[str] = ("in-progress",),
             reason: str | None = None) -> None:
    data = load(path)
    data["items"][item] = {"state": state, "reason": reason, "labels": sorted(labels), "version": 1,
                           "changed_by": None, "changed_at": None, "title": f"Issue {item}"}
    save(data, path)


def person_changes(path: Path, item: str, *, state: str, reason: str | None = None, by: str = "alice",
                   labels: Sequence[str] | None = None) -> None:
    data = load(path)
    found = data["items"][item]
    found.update(state=state, reason=reason, version=found["version"] + 1, changed_by=by,
                 changed_at=format_utc(datetime.now(UTC)))
    if labels is not None:
        found["labels"] = sorted(labels)
    save(data, path)


def fail_next(path: Path, kind: str, *, retry_after: float | None = None) -> None:
    """Make the next write raise: ``auth`` (not retryable: dead) or ``busy`` (a 429 with Retry-After)."""
    data = load(path)
    data["failures"].append({"kind": kind, "retry_after": retry_after})
    save(data, path)


def _error(spec: Mapping[str, Any]) -> TrackerError:
    if spec["kind"] == "auth":
        return AuthFailed("github PATCH /repos/acme/shop/issues/1 failed with 401: Bad credentials",
                          tracker="github", status=401)
    return Retryable("github PATCH failed with 429", tracker="github", status=429, retry_after=spec["retry_after"])


def _remote(item: str, found: Mapping[str, Any], managed: frozenset[str]) -> RemoteItem:
    state = ExternalState(state=found["state"], reason=found["reason"],
                          markers=frozenset(set(found["labels"]) & managed))
    changed_at = parse_utc(found["changed_at"]) if found["changed_at"] else None
    return RemoteItem(link_item=item, tracker=Tracker.GITHUB, state=state, version=f"{found['version']:09d}",
                      status_changed_at=changed_at, changed_by=found["changed_by"], title=found.get("title"),
                      url=f"https://github.com/{item.replace('#', '/issues/')}")


class FileTracker:
    tracker = Tracker.GITHUB

    def read_many(self, items: Sequence[str], managed: frozenset[str]) -> dict[str, RemoteItem | None]:
        data = load()
        return {i: _remote(i, data["items"][i], managed) if i in data["items"] else None for i in items}

    def changed_since(self, cursor: str | None, managed: frozenset[str]) -> ChangeBatch:
        data = load()
        return ChangeBatch(items=[_remote(i, f, managed) for i, f in data["items"].items()], cursor=cursor or "0")

    def write(self, item: str, target: Target, managed: frozenset[str], *, resolution: str | None = None,
              current: RemoteItem | None = None) -> Receipt:
        data = load()
        if data["failures"]:
            spec = data["failures"].pop(0)
            save(data)
            raise _error(spec)
        found = data["items"][item]
        labels = (set(found["labels"]) - managed) | set(target.markers)
        new_state = target.state or found["state"]
        changed = found["state"] != new_state or set(found["labels"]) != labels or (
            target.reason is not None and found["reason"] != target.reason)
        if changed:
            data["writes"].append({"item": item, "state": new_state, "reason": target.reason})
            found.update(state=new_state, labels=sorted(labels), version=found["version"] + 1,
                         reason=target.reason if new_state == "closed" else None, changed_by="weavesync-bot",
                         changed_at=format_utc(datetime.now(UTC)))
            save(data)
        remote = _remote(item, found, managed)
        return Receipt(link_item=item, tracker=Tracker.GITHUB, state=remote.state, version=remote.version,
                       changed=changed)

    def is_partial_write(self, before: ExternalState, target: Target, observed: ExternalState,
                         managed: frozenset[str]) -> bool:
        return False  # one call writes state and markers together: never half-way

    def last_change(self, item: str, managed: frozenset[str] = frozenset()) -> tuple[str | None, datetime | None]:
        found = load()["items"][item]
        return found["changed_by"], parse_utc(found["changed_at"]) if found["changed_at"] else None

    def comment(self, item: str, body: str, op_id: str, *, first_attempt: bool = False,
                announced_since: datetime | None = None) -> bool:
        data = load()
        posted = data["comments"].setdefault(item, [])
        if any(op == op_id for op, _ in posted):
            return False
        posted.append([op_id, body])
        save(data)
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


class FileKind:
    tracker = Tracker.GITHUB
    display_name = "GitHub (file-backed fake)"

    def parse_item(self, text: str) -> str:
        if "#" not in text:
            raise ValueError("expected OWNER/REPO#N")
        return text

    def item_url(self, connection: Connection | None, item: str) -> str | None:
        return None

    def connect(self, connection: Connection) -> FileTracker:
        return FileTracker()

    def version_key(self, version: str) -> tuple[int | str, ...]:
        return (int(version),)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, secret: str | None) -> None:
        return None

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, managed: frozenset[str]
                      ) -> list[WebhookEvent]:
        return []


KIND = FileKind()


def install() -> None:
    """Serve GitHub links from this fake (the child process calls this from `sitecustomize`)."""
    registry._KINDS[Tracker.GITHUB] = __name__
