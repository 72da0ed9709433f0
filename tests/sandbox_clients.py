"""Talking to a running sandbox from tests: a client acting as one of its accounts, its request counters, and
putting back the knobs a test changed.

Shared by `tests/sandbox/<tool>` and `tests/trackers/<tool>` (``tests/`` is on the import path, the folders are
not packages), so the sandbox's defaults and the accounts' credentials are spelled once.
"""

from __future__ import annotations

from typing import Any

import httpx

from weavesync.sandbox.server import ACCOUNTS

GITHUB_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
GITHUB_LIMITS = {"clear": True, "limit": 5000, "status": 403, "points_per_minute": 900, "content_per_minute": 80,
                 "content_per_hour": 500, "secondary_status": 403, "secondary_retry_after": None}
"""The GitHub sandbox's rate-limit settings as it starts, budgets cleared."""
JIRA_LIMITS = {"limit": None, "window_seconds": 1}
"""The Jira sandbox's burst limit as it starts: off."""


def github_client(url: str, login: str) -> httpx.Client:
    """A client of the GitHub sandbox at `url` with `login`'s token and the headers GitHub asks for."""
    token = ACCOUNTS["github"][login].secret
    return httpx.Client(base_url=url, headers={**GITHUB_HEADERS, "Authorization": f"Bearer {token}"})


def jira_client(url: str, login: str) -> httpx.Client:
    """A client of the Jira sandbox at `url` with `login`'s e-mail and API token (Basic auth)."""
    account = ACCOUNTS["jira"][login]
    return httpx.Client(base_url=url, auth=(account.email or "", account.secret), timeout=10)


def reset_controls(url: str, tracker: str) -> None:
    """Drop scripted faults and put the rate limits of the `tracker` sandbox at `url` back as they start."""
    httpx.delete(f"{url}/_sandbox/script")
    if tracker == "github":
        httpx.post(f"{url}/_sandbox/ratelimit", json=GITHUB_LIMITS)
    elif tracker == "jira":
        httpx.post(f"{url}/_sandbox/ratelimit", json=JIRA_LIMITS)


def request_counts(url: str) -> dict[str, int]:
    """Requests served per ``METHOD /route`` since the last reset."""
    found: dict[str, int] = httpx.get(f"{url}/_sandbox/stats").json()["requests"]
    return found


def reset_request_counts(url: str) -> None:
    httpx.post(f"{url}/_sandbox/stats/reset")


def adf(text: str) -> dict[str, Any]:
    """A one-paragraph Atlassian Document Format body (Jira REST v3 takes no plain strings)."""
    return {"type": "doc", "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]}


def new_jira_issue(client: httpx.Client, summary: str = "test issue", issuetype: str = "Task") -> str:
    """Create an issue in project CORE as `client`'s account; its key."""
    response = client.post("/rest/api/3/issue", json={"fields": {
        "project": {"key": "CORE"}, "summary": summary, "issuetype": {"name": issuetype}}})
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


def new_github_issue(client: httpx.Client, title: str, **fields: Any) -> dict[str, Any]:
    """Create an issue in acme/shop as `client`'s account; the issue as GitHub returns it."""
    response = client.post("/repos/acme/shop/issues", json={"title": title, **fields})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
