"""Helpers for the Jira adapter tests: a Connection to the sandbox, moves by hand (clients, counters and ADF
are in `sandbox_clients`)."""

from __future__ import annotations

from typing import Any

import httpx

from weavesync.model import Connection, Secret, Tracker
from weavesync.sandbox import ACCOUNTS, BOT


def move(client: httpx.Client, key: str, *transition_ids: str) -> None:
    for tid in transition_ids:
        body: dict[str, Any] = {"transition": {"id": tid}}
        if tid in ("31", "71"):
            body["fields"] = {"resolution": {"name": "Done"}}
        assert client.post(f"/rest/api/3/issue/{key}/transitions", json=body).status_code == 204


def connection(url: str, login: str = BOT, token: str | None = None) -> Connection:
    account = ACCOUNTS["jira"][login]
    return Connection(tracker=Tracker.JIRA, base_url=url, place={"domain": "acme", "projectKey": "CORE"},
                      user=account.email, token=Secret(token if token is not None else account.secret))
