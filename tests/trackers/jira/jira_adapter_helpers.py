"""Helpers for the Jira adapter tests: issue creation by hand, request counters, ADF."""

from __future__ import annotations

from typing import Any

import httpx

from weavesync.model import Connection, Secret, Tracker
from weavesync.sandbox import ACCOUNTS, BOT


def adf(text: str) -> dict[str, Any]:
    return {"type": "doc", "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]}


def new_issue(client: httpx.Client, summary: str = "adapter test") -> str:
    response = client.post("/rest/api/3/issue", json={"fields": {
        "project": {"key": "CORE"}, "summary": summary, "issuetype": {"name": "Task"}}})
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


def move(client: httpx.Client, key: str, *transition_ids: str) -> None:
    for tid in transition_ids:
        body: dict[str, Any] = {"transition": {"id": tid}}
        if tid in ("31", "71"):
            body["fields"] = {"resolution": {"name": "Done"}}
        assert client.post(f"/rest/api/3/issue/{key}/transitions", json=body).status_code == 204


def reset_counts(url: str) -> None:
    httpx.post(f"{url}/_sandbox/stats/reset")


def counts(url: str) -> dict[str, int]:
    return dict(httpx.get(f"{url}/_sandbox/stats").json()["requests"])


def connection(url: str, login: str = BOT, token: str | None = None) -> Connection:
    account = ACCOUNTS["jira"][login]
    return Connection(tracker=Tracker.JIRA, base_url=url, place={"domain": "acme", "projectKey": "CORE"},
                      user=account.email, token=Secret(token if token is not None else account.secret))
