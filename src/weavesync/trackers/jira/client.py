"""The Jira Cloud REST v3 calls weavesync makes, over the shared `HttpClient` (auth, governor, error tree).

Thin on purpose: one method per endpoint, JSON in and out; the meaning of the answers lives in the adapter.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from weavesync.trackers.http import HttpClient

API = "/rest/api/3"
PAGE = 100
"""Jira returns at most 100 issues per search page when fields are requested."""


class JiraClient:
    def __init__(self, base_url: str, email: str, token: str, *,
                 transport: httpx.BaseTransport | None = None) -> None:
        basic = base64.b64encode(f"{email}:{token}".encode()).decode()
        credential_id = hashlib.sha256(f"{email}:{token}".encode()).hexdigest()
        self.http = HttpClient(tracker="jira", base_url=base_url, auth_header=f"Basic {basic}",
                               credential_id=credential_id, extra_headers={"Accept": "application/json"},
                               transport=transport)
        self.base_url = self.http.base_url

    def __repr__(self) -> str:
        return f"JiraClient(base_url={self.base_url!r})"

    def myself(self) -> dict[str, Any]:
        return dict(self.http.get(f"{API}/myself").json())

    def issue(self, key: str, fields: Sequence[str], expand: str | None = None) -> dict[str, Any]:
        params = {"fields": ",".join(fields)}
        if expand:
            params["expand"] = expand
        return dict(self.http.get(f"{API}/issue/{key}", params=params, item=key).json())

    def search(self, jql: str, fields: Sequence[str], *, page_size: int = PAGE, expand: str | None = None
               ) -> Iterator[dict[str, Any]]:
        """Every issue matching `jql`, following nextPageToken (the enhanced search has no offsets)."""
        token: str | None = None
        while True:
            body: dict[str, Any] = {"jql": jql, "fields": list(fields), "maxResults": page_size}
            if expand:
                body["expand"] = expand
            if token:
                body["nextPageToken"] = token
            page = self.http.post(f"{API}/search/jql", json=body).json()
            yield from page.get("issues") or []
            token = page.get("nextPageToken")
            if not token or page.get("isLast"):
                return

    def changelog(self, key: str, start: int, size: int = PAGE) -> dict[str, Any]:
        """One page of an issue's changelog, oldest first (``total`` says how many there are)."""
        return dict(self.http.get(f"{API}/issue/{key}/changelog", params={"startAt": start, "maxResults": size},
                                  item=key).json())

    def transitions(self, key: str) -> list[dict[str, Any]]:
        body = self.http.get(f"{API}/issue/{key}/transitions", params={"expand": "transitions.fields"},
                             item=key).json()
        return list(body.get("transitions") or [])

    def transition(self, key: str, transition_id: str, fields: dict[str, Any]) -> None:
        body: dict[str, Any] = {"transition": {"id": transition_id}}
        if fields:
            body["fields"] = fields
        self.http.post(f"{API}/issue/{key}/transitions", json=body, item=key)

    def update_labels(self, key: str, add: Sequence[str], remove: Sequence[str]) -> None:
        ops = [{"add": label} for label in add] + [{"remove": label} for label in remove]
        self.http.put(f"{API}/issue/{key}", json={"update": {"labels": ops}}, item=key)

    def comments(self, key: str) -> Iterator[dict[str, Any]]:
        start = 0
        while True:
            page = self.http.get(f"{API}/issue/{key}/comment",
                                 params={"startAt": start, "maxResults": PAGE, "orderBy": "-created"},
                                 item=key).json()
            found = page.get("comments") or []
            yield from found
            start += len(found)
            if not found or start >= int(page.get("total", 0)):
                return

    def add_comment(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self.http.post(f"{API}/issue/{key}/comment", json={"body": body}, item=key).json())

    def create_issue(self, fields: dict[str, Any]) -> dict[str, Any]:
        return dict(self.http.post(f"{API}/issue", json={"fields": fields}).json())

    def project_statuses(self, project: str) -> list[dict[str, Any]]:
        return list(self.http.get(f"{API}/project/{project}/statuses").json())

    def close(self) -> None:
        self.http.close()
