"""What the proof suites drive: a SpecWeave project written the way SpecWeave writes it, a person ("alice")
changing items by hand over the trackers' own REST APIs, the trackers' own histories, the sandbox's fault knobs,
and the `weavesync` command line run as a subprocess (and killed with SIGKILL).

Nothing here uses weavesync's writers or adapters to *act*: the project files are written by `SpecWeaveWriter`
(SpecWeave's fields, SpecWeave's layout), and alice's changes are plain HTTP calls with her own credentials, so
the code under test meets them exactly as it would meet SpecWeave and a colleague.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from weavesync.config import default_mappings
from weavesync.model import Connection, RemoteItem, Secret, Status, Tracker
from weavesync.sandbox import ACCOUNTS, BOT, PERSON, Sandbox
from weavesync.specweave import find_project
from weavesync.store import Decision, OutboxEntry, open_store
from weavesync.trackers import registry
from weavesync.trackers.base import TrackerAdapter

LONG = os.environ.get("WEAVESYNC_LONG", "").strip() not in ("", "0", "false", "no")
"""``WEAVESYNC_LONG=1`` runs the long versions of every proof suite (the only switch)."""
TIMEOUT = 4 * 3600 if LONG else 600
"""Seconds one proof test may take (pytest-timeout): generous, never a performance assertion."""

SANDBOX_NAMES = {Tracker.GITHUB: "github", Tracker.JIRA: "jira", Tracker.ADO: "ado"}
TERMINAL = (Status.COMPLETED, Status.ABANDONED)
COMMENT_TEXT = re.compile(r"Status: (completed|abandoned), synced from SpecWeave increment (\S+)")
OP_MARKER = re.compile(r"weavesync:op=?([0-9A-Za-z_\-:.]+)")

# SpecWeave 1.0.x's own transition table (sync-semantics §1), written out independently of weavesync's.
TRANSITIONS: Mapping[Status, tuple[Status, ...]] = {
    Status.PLANNING: (Status.ACTIVE, Status.BACKLOG, Status.ABANDONED),
    Status.ACTIVE: (Status.BACKLOG, Status.PAUSED, Status.READY_FOR_REVIEW, Status.ABANDONED),
    Status.BACKLOG: (Status.PLANNING, Status.ACTIVE, Status.ABANDONED),
    Status.PAUSED: (Status.ACTIVE, Status.READY_FOR_REVIEW, Status.ABANDONED),
    Status.READY_FOR_REVIEW: (Status.COMPLETED, Status.ACTIVE, Status.ABANDONED),
    Status.COMPLETED: (Status.ACTIVE, Status.ABANDONED),
    Status.ABANDONED: (Status.ACTIVE,),
}

CONFIG: dict[str, Any] = {
    "project": {"name": "shop"},
    "sync": {
        "enabled": True,
        "github": {"enabled": True, "owner": "acme", "repo": "shop"},
        "jira": {"enabled": True, "domain": "acme.atlassian.net", "projectKey": "CORE"},
        "ado": {"enabled": True, "organization": "acme", "project": "Shop"},
    },
}

KEPT_KEY = "x-proof-kept"
"""An unknown key planted in every metadata.json: SpecWeave keeps keys it does not know, so must weavesync."""


def utc_stamp(now: datetime | None = None) -> str:
    moment = now or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# ---- SpecWeave's side -------------------------------------------------------------------------------------


STAMPS: Mapping[Status, tuple[str | None, str | None]] = {
    Status.PAUSED: ("pausedReason", "pausedAt"),
    Status.BACKLOG: ("backlogReason", "backlogAt"),
    Status.ABANDONED: ("abandonedReason", "abandonedAt"),
    Status.READY_FOR_REVIEW: (None, "readyForReviewAt"),
    Status.COMPLETED: (None, "approvedAt"),
}


@dataclass
class SpecWeaveWriter:
    """A project's increments, written the way SpecWeave 1.0.x's CLI writes them (its keys, 2-space JSON)."""

    root: Path

    @property
    def increments_dir(self) -> Path:
        return self.root / ".specweave" / "increments"

    def create(self, increments: Sequence[str], status: Status = Status.ACTIVE) -> None:
        specweave = self.root / ".specweave"
        specweave.mkdir(parents=True, exist_ok=True)
        (specweave / "config.json").write_text(json.dumps(CONFIG, indent=2) + "\n")
        for inc in increments:
            folder = self.increments_dir / inc
            folder.mkdir(parents=True)
            metadata = {"id": inc, "status": status.value, "type": "feature", "priority": "P1",
                        "created": "2026-11-01T09:00:00.000Z", "lastActivity": "2026-11-01T09:00:00.000Z",
                        "testMode": "TDD", "coverageTarget": 80, "externalLinks": {}, "project": "shop",
                        KEPT_KEY: {"note": "kept by every writer", "n": 7}}
            self._write_json(folder / "metadata.json", metadata)
            (folder / "spec.md").write_text(f"---\nincrement: {inc}\ntitle: \"Proof {inc}\"\ntype: feature\n"
                                            f"priority: P1\nstatus: {status.value}\nstructure: user-stories\n"
                                            f"---\n\n# Proof {inc}\n")

    def link(self, inc: str, tracker: Tracker, item: str) -> None:
        """Record an increment link in SpecWeave's `externalLinks` shape."""
        data = self.metadata(inc)
        links = data.setdefault("externalLinks", {})
        if tracker is Tracker.GITHUB:
            repo, _, number = item.rpartition("#")
            links["github"] = {"issueNumber": int(number), "repo": repo,
                               "issueUrl": f"https://github.com/{repo}/issues/{number}"}
        elif tracker is Tracker.JIRA:
            links["jira"] = {"epicKey": item, "issueUrl": f"https://acme.atlassian.net/browse/{item}"}
        else:
            org, project, ident = item.split("/")
            links["ado"] = {"featureId": int(ident), "organization": org, "project": project,
                            "workItemUrl": f"https://dev.azure.com/{org}/{project}/_workitems/edit/{ident}"}
        self._write_json(self.increments_dir / inc / "metadata.json", data)

    def metadata(self, inc: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.increments_dir / inc / "metadata.json").read_text())
        return data

    def status(self, inc: str) -> Status:
        return Status(self.metadata(inc)["status"])

    def set_status(self, inc: str, target: Status, reason: str = "proof suite") -> None:
        """One SpecWeave status command: spec.md's status line, then metadata.json with the per-status stamps."""
        folder = self.increments_dir / inc
        data = self.metadata(inc)
        current = Status(data["status"])
        if target not in TRANSITIONS[current]:
            raise ValueError(f"SpecWeave does not allow {current.value} -> {target.value}")
        stamp = utc_stamp()
        reason_key, at_key = STAMPS.get(target, (None, None))
        if reason_key:
            data[reason_key] = reason
        if at_key:
            data[at_key] = stamp
        data["status"] = target.value
        data["lastActivity"] = stamp
        spec = folder / "spec.md"
        text = re.sub(r"(?m)^status: .*$", f"status: {target.value}", spec.read_text(), count=1)
        self._write_text(spec, text)
        self._write_json(folder / "metadata.json", data)

    @staticmethod
    def _write_json(path: Path, data: Mapping[str, Any]) -> None:
        SpecWeaveWriter._write_text(path, json.dumps(data, indent=2) + "\n")

    @staticmethod
    def _write_text(path: Path, text: str) -> None:
        temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        temp.write_text(text)
        os.replace(temp, path)


# ---- alice, by hand, over the trackers' APIs --------------------------------------------------------------

JSON_PATCH = {"content-type": "application/json-patch+json"}
ADO_STATES = ("New", "Active", "Resolved", "Closed", "Removed")
ADO_FOR = {Status.PLANNING: "New", Status.BACKLOG: "New", Status.ACTIVE: "Active", Status.PAUSED: "Active",
           Status.READY_FOR_REVIEW: "Resolved", Status.COMPLETED: "Closed", Status.ABANDONED: "Removed"}
JIRA_FOR = {Status.PLANNING: "To Do", Status.BACKLOG: "To Do", Status.ACTIVE: "In Progress",
            Status.PAUSED: "On Hold", Status.READY_FOR_REVIEW: "In Review", Status.COMPLETED: "Done",
            Status.ABANDONED: "Won't Do"}
GITHUB_LABEL_FOR = {Status.BACKLOG: "backlog", Status.ACTIVE: "in-progress", Status.PAUSED: "paused",
                    Status.READY_FOR_REVIEW: "in-review", Status.ABANDONED: "wontfix"}


class Person:
    """alice: creates items, closes, reopens, transitions and labels them by hand through the REST APIs."""

    def __init__(self, sandbox: Sandbox) -> None:
        github = ACCOUNTS["github"][PERSON]
        jira = ACCOUNTS["jira"][PERSON]
        ado = ACCOUNTS["ado"][PERSON]
        self.github = httpx.Client(base_url=sandbox.urls["github"], timeout=30, headers={
            "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
            "Authorization": f"Bearer {github.secret}"})
        self.jira = httpx.Client(base_url=sandbox.urls["jira"], auth=(jira.email or "", jira.secret), timeout=30)
        self.ado = httpx.Client(base_url=f"{sandbox.urls['ado']}/acme/Shop/_apis/wit", auth=("", ado.secret),
                                timeout=30, params={"api-version": "7.1"})

    def close(self) -> None:
        for client in (self.github, self.jira, self.ado):
            client.close()

    # -- creating, in the state a status maps to (as if linked by hand) --

    def create(self, tracker: Tracker, status: Status, title: str) -> str:
        """A new item in the state `status` maps to; its canonical reference."""
        if tracker is Tracker.GITHUB:
            label = GITHUB_LABEL_FOR.get(status)
            made = _ok(self.github.post("/repos/acme/shop/issues",
                                        json={"title": title, "labels": [label] if label else []})).json()
            item = f"acme/shop#{made['number']}"
        elif tracker is Tracker.JIRA:
            made = _ok(self.jira.post("/rest/api/3/issue", json={"fields": {
                "project": {"key": "CORE"}, "summary": title, "issuetype": {"name": "Epic"}}})).json()
            item = str(made["key"])
        else:
            made = _ok(self.ado.post("/workitems/$Feature", headers=JSON_PATCH, json=[
                {"op": "add", "path": "/fields/System.Title", "value": title}])).json()
            item = f"acme/Shop/{made['id']}"
        self.move(tracker, item, status)
        return item

    def move(self, tracker: Tracker, item: str, status: Status) -> None:
        """Put the item in the state `status` maps to (as a person would do it by hand)."""
        if tracker is Tracker.GITHUB:
            if status in TERMINAL:
                self.github_close(item, "completed" if status is Status.COMPLETED else "not_planned")
            else:
                self.github_reopen(item)
            wanted = GITHUB_LABEL_FOR.get(status)
            for label in set(GITHUB_LABEL_FOR.values()) - {wanted}:
                self.github_unlabel(item, label)
            if wanted:
                self.github_label(item, wanted)
        elif tracker is Tracker.JIRA:
            self.jira_walk(item, JIRA_FOR[status])
        else:
            self.ado_state(item, ADO_FOR[status])

    # -- GitHub --

    @staticmethod
    def _issue(item: str) -> str:
        repo, _, number = item.rpartition("#")
        return f"/repos/{repo}/issues/{number}"

    def github_issue(self, item: str) -> dict[str, Any]:
        found: dict[str, Any] = _ok(self.github.get(self._issue(item))).json()
        return found

    def github_close(self, item: str, reason: str) -> None:
        _ok(self.github.patch(self._issue(item), json={"state": "closed", "state_reason": reason}))

    def github_reopen(self, item: str) -> None:
        if self.github_issue(item)["state"] == "closed":
            _ok(self.github.patch(self._issue(item), json={"state": "open", "state_reason": "reopened"}))

    def github_label(self, item: str, label: str) -> None:
        _ok(self.github.post(self._issue(item) + "/labels", json={"labels": [label]}))

    def github_unlabel(self, item: str, label: str) -> None:
        names = {entry["name"] for entry in self.github_issue(item)["labels"]}
        if label in names:
            _ok(self.github.delete(self._issue(item) + f"/labels/{label}"))

    # -- Jira --

    def jira_status(self, item: str) -> str:
        found = _ok(self.jira.get(f"/rest/api/3/issue/{item}", params={"fields": "status"})).json()
        return str(found["fields"]["status"]["name"])

    def jira_transitions(self, item: str) -> dict[str, str]:
        """Target status name -> transition id, as the workflow offers them now."""
        found = _ok(self.jira.get(f"/rest/api/3/issue/{item}/transitions")).json()["transitions"]
        return {str(t["to"]["name"]): str(t["id"]) for t in found}

    def jira_transition(self, item: str, status_name: str) -> None:
        offered = self.jira_transitions(item)
        body: dict[str, Any] = {"transition": {"id": offered[status_name]}}
        if status_name in ("Done", "Won't Do"):
            body["fields"] = {"resolution": {"name": status_name}}
        _ok(self.jira.post(f"/rest/api/3/issue/{item}/transitions", json=body))

    def jira_walk(self, item: str, status_name: str) -> None:
        """Transition step by step (the shortest way through the workflow) to `status_name`."""
        for _ in range(6):
            current = self.jira_status(item)
            if current == status_name:
                return
            offered = self.jira_transitions(item)
            if status_name in offered:
                self.jira_transition(item, status_name)
                continue
            # One hop towards it: the workflow is To Do -> In Progress -> In Review -> Done.
            for hop in ("In Progress", "In Review", "To Do"):
                if hop in offered and hop != current:
                    self.jira_transition(item, hop)
                    break
        raise AssertionError(f"alice could not walk {item} to {status_name!r}")

    def jira_label(self, item: str, label: str) -> None:
        _ok(self.jira.put(f"/rest/api/3/issue/{item}", json={"update": {"labels": [{"add": label}]}}))

    # -- Azure DevOps --

    @staticmethod
    def _work_item(item: str) -> str:
        return f"/workitems/{item.rsplit('/', 1)[1]}"

    def ado_fields(self, item: str) -> dict[str, Any]:
        fields: dict[str, Any] = _ok(self.ado.get(self._work_item(item))).json()["fields"]
        return fields

    def ado_state(self, item: str, state: str) -> None:
        if self.ado_fields(item)["System.State"] != state:
            _ok(self.ado.patch(self._work_item(item), headers=JSON_PATCH,
                               json=[{"op": "add", "path": "/fields/System.State", "value": state}]))

    def ado_tag(self, item: str, tag: str) -> None:
        tags = [t.strip() for t in str(self.ado_fields(item).get("System.Tags") or "").split(";") if t.strip()]
        if tag not in tags:
            _ok(self.ado.patch(self._work_item(item), headers=JSON_PATCH, json=[
                {"op": "add", "path": "/fields/System.Tags", "value": "; ".join([*tags, tag])}]))

    def unrelated_label(self, tracker: Tracker, item: str, label: str) -> None:
        """A label/tag nobody mapped: it belongs to people and is never a status change."""
        if tracker is Tracker.GITHUB:
            self.github_label(item, label)
        elif tracker is Tracker.JIRA:
            self.jira_label(item, label)
        else:
            self.ado_tag(item, label)


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise AssertionError(f"{response.request.method} {response.request.url} -> {response.status_code}: "
                             f"{response.text[:300]}")
    return response


# ---- the trackers' own histories --------------------------------------------------------------------------


@dataclass(frozen=True)
class StateChange:
    """One change of an item's state in the tracker's own history (not weavesync's log)."""

    by_bot: bool
    before: str | None
    after: str
    at: str


@dataclass(frozen=True)
class Comment:
    by_bot: bool
    text: str

    @property
    def completion(self) -> str | None:
        """`completed` / `abandoned` when this is weavesync's completion comment."""
        found = COMMENT_TEXT.search(self.text)
        return found.group(1) if found else None

    @property
    def op(self) -> str | None:
        found = OP_MARKER.search(self.text)
        return found.group(1) if found else None


@dataclass
class ItemHistory:
    tracker: Tracker
    item: str
    changes: list[StateChange] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


def _is_bot(identity: Mapping[str, Any] | None) -> bool:
    if not identity:
        return False
    words = " ".join(str(identity.get(k) or "") for k in ("login", "displayName", "uniqueName", "emailAddress",
                                                          "accountId", "name"))
    return BOT in words or "weavesync" in words.lower()


def _adf_text(node: Any) -> str:
    if isinstance(node, dict):
        return str(node.get("text") or "") + "".join(_adf_text(c) for c in node.get("content") or [])
    if isinstance(node, list):
        return "".join(_adf_text(c) for c in node)
    return str(node or "")


class Histories:
    """Reads the trackers' own records of who changed what: GitHub issue events and comments, Jira changelog and
    comments, Azure DevOps updates and comments. Read as alice (any reader sees the same history)."""

    def __init__(self, person: Person) -> None:
        self.person = person

    def read(self, tracker: Tracker, item: str) -> ItemHistory:
        if tracker is Tracker.GITHUB:
            return self._github(item)
        if tracker is Tracker.JIRA:
            return self._jira(item)
        return self._ado(item)

    def _github(self, item: str) -> ItemHistory:
        path = Person._issue(item)
        out = ItemHistory(Tracker.GITHUB, item)
        state = "open"
        for event in _github_pages(self.person.github, path + "/events"):
            if event.get("event") in ("closed", "reopened"):
                after = "open" if event["event"] == "reopened" else f"closed/{event.get('state_reason')}"
                out.changes.append(StateChange(_is_bot(event.get("actor")), state, after,
                                               str(event.get("created_at"))))
                state = after
        for comment in _github_pages(self.person.github, path + "/comments"):
            out.comments.append(Comment(_is_bot(comment.get("user")), str(comment.get("body") or "")))
        return out

    def _jira(self, item: str) -> ItemHistory:
        out = ItemHistory(Tracker.JIRA, item)
        start = 0
        while True:
            page = _ok(self.person.jira.get(f"/rest/api/3/issue/{item}/changelog",
                                            params={"startAt": start, "maxResults": 100})).json()
            for history in page.get("values", []):
                for entry in history.get("items", []):
                    if entry.get("field") == "status":
                        out.changes.append(StateChange(_is_bot(history.get("author")), entry.get("fromString"),
                                                       str(entry.get("toString")), str(history.get("created"))))
            start += len(page.get("values", []))
            if page.get("isLast", True) or not page.get("values"):
                break
        comments = _ok(self.person.jira.get(f"/rest/api/3/issue/{item}/comment",
                                            params={"maxResults": 5000})).json()
        for comment in comments.get("comments", []):
            out.comments.append(Comment(_is_bot(comment.get("author")), _adf_text(comment.get("body"))))
        return out

    def _ado(self, item: str) -> ItemHistory:
        out = ItemHistory(Tracker.ADO, item)
        path = Person._work_item(item)
        updates = _ok(self.person.ado.get(path + "/updates")).json()["value"]
        for update in updates:
            change = (update.get("fields") or {}).get("System.State")
            if change and "newValue" in change and update.get("rev", 0) > 1:
                out.changes.append(StateChange(_is_bot(update.get("revisedBy")), change.get("oldValue"),
                                               str(change["newValue"]), str(update.get("revisedDate"))))
        comments = _ok(self.person.ado.get(path + "/comments", params={"api-version": "7.1-preview.4"})).json()
        for comment in comments.get("comments", []):
            out.comments.append(Comment(_is_bot(comment.get("createdBy")), str(comment.get("text") or "")))
        return out


def _github_pages(client: httpx.Client, path: str) -> Iterator[dict[str, Any]]:
    page = 1
    while True:
        found = _ok(client.get(path, params={"per_page": 100, "page": page})).json()
        yield from found
        if len(found) < 100:
            return
        page += 1


# ---- weavesync's view (read only) -------------------------------------------------------------------------


class Remote:
    """Reads items' managed state with alice's credentials through the adapters (reading only, never writing),
    and answers "does this state express that status?" with the default mapping (the contract's `satisfies`)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.adapters: dict[Tracker, TrackerAdapter] = {}
        self.mappings = default_mappings()

    def _adapter(self, tracker: Tracker) -> TrackerAdapter:
        if tracker not in self.adapters:
            account = ACCOUNTS[SANDBOX_NAMES[tracker]][PERSON]
            if tracker is Tracker.GITHUB:
                conn = Connection(tracker, self.sandbox.urls["github"], {"owner": "acme", "repo": "shop"},
                                  token=Secret(account.secret))
            elif tracker is Tracker.JIRA:
                conn = Connection(tracker, self.sandbox.urls["jira"], {"domain": "acme.atlassian.net",
                                  "projectKey": "CORE"}, user=account.email, token=Secret(account.secret))
            else:
                conn = Connection(tracker, f"{self.sandbox.urls['ado']}/acme",
                                  {"organization": "acme", "project": "Shop"}, token=Secret(account.secret))
            self.adapters[tracker] = registry.kind(tracker).connect(conn)
        return self.adapters[tracker]

    def read(self, tracker: Tracker, item: str) -> RemoteItem:
        found = self._adapter(tracker).read_many([item], self.mappings[tracker].managed)[item]
        assert found is not None, f"{tracker.value} {item} is gone"
        return found

    def satisfies(self, tracker: Tracker, item: str, status: Status) -> bool:
        return self.mappings[tracker].satisfies(self.read(tracker, item).state, status)

    def close(self) -> None:
        for adapter in self.adapters.values():
            adapter.close()


def pending_decisions(root: Path) -> list[Decision]:
    """The decisions waiting for a person, read from weavesync's state store."""
    store = open_store(find_project(root).state_dir)
    try:
        return store.pending_decisions()
    finally:
        store.close()


def open_outbox(root: Path) -> list[OutboxEntry]:
    """Outbox entries that have not ended *done* or *superseded* (pending, in flight, retrying, dead)."""
    store = open_store(find_project(root).state_dir)
    try:
        return store.outbox(states=("pending", "in_flight", "retrying", "dead"))
    finally:
        store.close()


def decision_item(decision: Decision) -> tuple[Tracker, str]:
    link = decision.payload["link"]
    return Tracker(link["tracker"]), str(link["item"])


# ---- faults ----------------------------------------------------------------------------------------------

RANDOM_FAULTS = ("500", "502", "503", "reset", "lost")
"""Random faults with no long server-imposed wait (GitHub's 429 asks for 60 s; 429 is scripted with a short
Retry-After instead, see `Faults.script_429`)."""
WRITE_PATHS = {Tracker.GITHUB: r"/repos/acme/shop/issues/\d+(/comments|/labels.*)?$",
               Tracker.JIRA: r"/rest/api/3/issue/CORE-\d+/(transitions|comment)$",
               Tracker.ADO: r"/_apis/wit/workitems/\d+(/comments)?$"}
WRITE_METHODS = {Tracker.GITHUB: ("PATCH", "POST", "DELETE"), Tracker.JIRA: ("POST",), Tracker.ADO: ("PATCH", "POST")}


class Faults:
    """The sandbox's fault knobs (``/_sandbox/faults``, ``/_sandbox/script``) and what they injected."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.urls = {t: sandbox.urls[SANDBOX_NAMES[t]] for t in Tracker}
        self.injected: dict[str, int] = {}

    def rate(self, rate: float, *, seed: int, kinds: Sequence[str] = RANDOM_FAULTS) -> None:
        for offset, url in enumerate(self.urls.values()):
            _ok(httpx.post(f"{url}/_sandbox/faults", json={"fault_rate": rate, "fault_kinds": list(kinds),
                                                           "seed": seed + offset, "timeout_seconds": 2.0}))

    def script(self, tracker: Tracker, kind: str, *, times: int = 1, method: str | None = None,
               path: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        body = {"kind": kind, "times": times, "method": method, "path": path or WRITE_PATHS[tracker],
                "headers": dict(headers or {})}
        _ok(httpx.post(f"{self.urls[tracker]}/_sandbox/script", json=body))

    def script_429(self, tracker: Tracker, *, method: str | None = None) -> None:
        self.script(tracker, "429", method=method, headers={"Retry-After": "1"})

    def clear(self) -> None:
        """No faults any more; what was injected since the last clear is added to `injected`."""
        for url in self.urls.values():
            _ok(httpx.delete(f"{url}/_sandbox/script"))
            _ok(httpx.post(f"{url}/_sandbox/faults", json={"fault_rate": 0.0}))
            stats = _ok(httpx.get(f"{url}/_sandbox/stats")).json()
            for kind, count in stats.get("faults_injected", {}).items():
                self.injected[kind] = self.injected.get(kind, 0) + int(count)
            _ok(httpx.post(f"{url}/_sandbox/stats/reset"))

    @property
    def total(self) -> int:
        return sum(self.injected.values())


# ---- the command line -----------------------------------------------------------------------------------


@dataclass
class Run:
    args: list[str]
    code: int | None
    stdout: str
    stderr: str
    killed: bool = False

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __str__(self) -> str:
        return (f"weavesync {' '.join(self.args)} -> exit {self.code}{' (killed)' if self.killed else ''}\n"
                f"stdout: {self.stdout[-1500:]}\nstderr: {self.stderr[-1500:]}")


class Cli:
    """`weavesync` as a separate process in the project, with the bot's credentials (never alice's)."""

    def __init__(self, root: Path, sandbox: Sandbox) -> None:
        self.root = root
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "JIRA_", "AZURE_DEVOPS_"))}
        env.update({k: v for k, v in sandbox.env().items() if not k.startswith("SANDBOX_PERSON_")})
        env.pop("WEAVESYNC_DATABASE_URL", None)
        env["NO_COLOR"] = "1"
        self.env = env
        self.kills = 0
        self.runs = 0

    def command(self, args: Sequence[str]) -> list[str]:
        return [sys.executable, "-m", "weavesync", "--project", str(self.root), *args]

    def run(self, *args: str, timeout: float = 180) -> Run:
        self.runs += 1
        done = subprocess.run(self.command(args), env=self.env, capture_output=True, text=True, timeout=timeout,
                              check=False)
        return Run(list(args), done.returncode, done.stdout, done.stderr)

    def start(self, *args: str) -> subprocess.Popen[str]:
        self.runs += 1
        return subprocess.Popen(self.command(args), env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)

    def kill(self, process: subprocess.Popen[str], args: Sequence[str]) -> Run:
        """SIGKILL the process (if it is still running) and its group; what it had printed."""
        killed = process.poll() is None
        if killed:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            self.kills += 1
        out, err = process.communicate(timeout=30)
        return Run(list(args), process.returncode, out, err, killed=killed)

    def run_and_kill(self, args: Sequence[str], after: float) -> Run:
        """Start `weavesync ARGS`, SIGKILL it `after` seconds later (unless it finished first)."""
        process = self.start(*args)
        deadline = time.monotonic() + after
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        return self.kill(process, args)
