"""The sandbox side of the receiver's integration tests: Alice acting by hand on one tracker of the loopback
sandbox, a project linked to her item, and signed deliveries sent over real HTTP as each tracker signs them.

The fixtures that build on these (`sandbox`, `person`, `linked`) live in this folder's conftest.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from weavesync.model import Tracker

SECRET = "sandbox-webhook-secret"
TIMEOUT = 20.0
PATCH = {"content-type": "application/json-patch+json"}
PLACES = {Tracker.GITHUB: {"owner": "acme", "repo": "shop"}, Tracker.JIRA: {"domain": "acme", "projectKey": "CORE"},
          Tracker.ADO: {"organization": "acme", "project": "Shop"}}
SECRET_ENV = {"WEAVESYNC_GITHUB_WEBHOOK_SECRET": SECRET, "WEAVESYNC_JIRA_WEBHOOK_SECRET": SECRET,
              "WEAVESYNC_ADO_WEBHOOK_SECRET": SECRET}


@dataclass
class Person:
    """Alice acting by hand on one tracker of the sandbox: make an in-progress item, close it, read its state."""

    tracker: Tracker
    client: httpx.Client

    def new_item(self) -> tuple[str, dict[str, Any]]:
        """(canonical item ref, the metadata.json keys SpecWeave writes for the link)."""
        if self.tracker is Tracker.GITHUB:
            made = self.client.post("/repos/acme/shop/issues", json={"title": "Checkout", "labels": ["in-progress"]})
            assert made.status_code == 201, made.text
            n = int(made.json()["number"])
            return f"acme/shop#{n}", {"externalLinks": {"github": {
                "issueNumber": n, "repo": "acme/shop", "issueUrl": f"https://github.com/acme/shop/issues/{n}"}}}
        if self.tracker is Tracker.JIRA:
            made = self.client.post("/rest/api/3/issue", json={"fields": {
                "project": {"key": "CORE"}, "summary": "Checkout", "issuetype": {"name": "Task"}}})
            assert made.status_code == 201, made.text
            key = str(made.json()["key"])
            self._jira(key, "11")
            return key, {"externalLinks": {"jira": {"issueKey": key}}}
        made = self.client.post("/Shop/_apis/wit/workitems/$Feature", content=json.dumps(
            [{"op": "add", "path": "/fields/System.Title", "value": "Checkout"}]), headers=PATCH)
        assert made.status_code == 200, made.text
        wid = int(made.json()["id"])
        self._ado(wid, "Active")
        return f"acme/Shop/{wid}", {"externalLinks": {"ado": {"workItemId": wid, "organization": "acme",
                                                                "project": "Shop"}}}

    def close(self, item: str) -> None:
        if self.tracker is Tracker.GITHUB:
            n = item.rsplit("#", 1)[1]
            answer = self.client.patch(f"/repos/acme/shop/issues/{n}", json={"state": "closed",
                                                                            "state_reason": "completed"})
            assert answer.status_code == 200, answer.text
        elif self.tracker is Tracker.JIRA:
            self._jira(item, "71", resolution="Won't Do")
        else:
            self._ado(int(item.rsplit("/", 1)[1]), "Closed")

    def reopen(self, item: str) -> None:
        if self.tracker is Tracker.GITHUB:
            answer = self.client.patch(f"/repos/acme/shop/issues/{item.rsplit('#', 1)[1]}", json={"state": "open"})
            assert answer.status_code == 200, answer.text
        elif self.tracker is Tracker.JIRA:
            self._jira(item, "81")
        else:
            self._ado(int(item.rsplit("/", 1)[1]), "Active")

    def rename(self, item: str, title: str) -> None:
        """A change that moves no status (the delivery is processed as ``ignored``)."""
        if self.tracker is Tracker.GITHUB:
            answer = self.client.patch(f"/repos/acme/shop/issues/{item.rsplit('#', 1)[1]}", json={"title": title})
            assert answer.status_code == 200, answer.text
        elif self.tracker is Tracker.JIRA:
            answer = self.client.put(f"/rest/api/3/issue/{item}", json={"fields": {"summary": title}})
            assert answer.status_code == 204, answer.text
        else:
            answer = self.client.patch(f"/Shop/_apis/wit/workitems/{item.rsplit('/', 1)[1]}", headers=PATCH,
                                       content=json.dumps([{"op": "add", "path": "/fields/System.Title",
                                                            "value": title}]))
            assert answer.status_code == 200, answer.text

    def is_closed(self, item: str) -> bool:
        assert self.tracker is Tracker.GITHUB
        return bool(self.client.get(f"/repos/acme/shop/issues/{item.rsplit('#', 1)[1]}").json()["state"] == "closed")

    def _jira(self, key: str, transition: str, resolution: str | None = None) -> None:
        body: dict[str, Any] = {"transition": {"id": transition}}
        if resolution:
            body["fields"] = {"resolution": {"name": resolution}}
        answer = self.client.post(f"/rest/api/3/issue/{key}/transitions", json=body)
        assert answer.status_code == 204, answer.text

    def _ado(self, wid: int, state: str) -> None:
        answer = self.client.patch(f"/Shop/_apis/wit/workitems/{wid}", headers=PATCH, content=json.dumps(
            [{"op": "add", "path": "/fields/System.State", "value": state}]))
        assert answer.status_code == 200, answer.text


def project_linked_to(root: Path, tracker: Tracker, link: dict[str, Any]) -> Path:
    """One active increment linked to one item, the way SpecWeave 1.0.x writes the link."""
    inc = root / ".specweave" / "increments" / "0042-checkout"
    inc.mkdir(parents=True)
    (root / ".specweave" / "config.json").write_text(json.dumps(
        {"sync": {tracker.value: {"enabled": True, **PLACES[tracker]}}}, indent=2))
    (inc / "metadata.json").write_text(json.dumps({
        "id": "0042-checkout", "status": "active", "type": "feature", "created": "2026-11-01T09:00:00.000Z",
        "lastActivity": "2026-11-01T09:00:00.000Z", **link}, indent=2))
    (inc / "spec.md").write_text("---\nincrement: 0042-checkout\ntitle: Checkout\nstatus: active\n---\n\n# Spec\n")
    return root


def until(check: Callable[[], Any], what: str) -> float:
    """Poll `check` until it is truthy; returns the seconds it took (fails after TIMEOUT)."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > TIMEOUT:
            pytest.fail(f"gave up after {TIMEOUT:.0f} s waiting for {what}")
        time.sleep(0.02)
    return time.monotonic() - start


def signed_headers(tracker: Tracker, body: bytes, delivery: str, secret: str = SECRET) -> dict[str, str]:
    """The headers each tracker sends with a delivery of `body`: GitHub and Jira sign it (HMAC-SHA256), ADO
    authenticates with basic auth and carries the delivery id in the payload instead."""
    digest = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json"}
    if tracker is Tracker.GITHUB:
        headers.update({"X-GitHub-Event": "issues", "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": digest})
    elif tracker is Tracker.JIRA:
        headers.update({"X-Atlassian-Webhook-Identifier": delivery, "X-Hub-Signature": digest})
    else:
        headers["Authorization"] = "Basic " + base64.b64encode(f"weavesync:{secret}".encode()).decode()
    return headers


def deliver(url: str, tracker: Tracker, payload: Any, delivery: str) -> httpx.Response:
    """POST one correctly signed delivery to the receiver at `url` (ADO: `delivery` goes in the payload's id)."""
    if tracker is Tracker.ADO and isinstance(payload, dict):
        payload = {**payload, "id": delivery}
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return httpx.post(f"{url}/webhooks/{tracker.value}", content=body,
                      headers=signed_headers(tracker, body, delivery), timeout=TIMEOUT)
