"""GitHub item refs (``owner/repo#N``), web URLs, versions, and the hidden markers weavesync writes.

Pure functions only: no HTTP here, so the adapter, the webhook parser and the unit tests share one spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from weavesync.model import ExternalState, RemoteItem, Tracker

_REF = re.compile(r"^(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/(?P<repo>[A-Za-z0-9._-]{1,100})#(?P<n>[1-9][0-9]*)$")
_URL = re.compile(r"^https?://[^/]+/(?:repos/)?(?P<owner>[^/]+)/(?P<repo>[^/]+)/(?:issues|pull)/(?P<n>[1-9][0-9]*)/?$")


@dataclass(frozen=True, order=True)
class IssueRef:
    owner: str
    repo: str
    number: int

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.repo}"

    @property
    def key(self) -> tuple[str, str]:
        """Owner and repository names are case-insensitive on GitHub."""
        return self.owner.lower(), self.repo.lower()

    def __str__(self) -> str:
        return f"{self.owner}/{self.repo}#{self.number}"


def parse_ref(text: str) -> IssueRef:
    """``owner/repo#N`` or an issue URL (web or API) as an `IssueRef`; ValueError when it is neither."""
    value = text.strip()
    match = _REF.match(value) or _URL.match(value)
    if match is None:
        raise ValueError(f"not a GitHub issue: {text!r} (expected OWNER/REPO#NUMBER)")
    return IssueRef(match["owner"], match["repo"], int(match["n"]))


def web_url(base_url: str, ref: IssueRef) -> str:
    """The page a person opens: github.com for the public API, the host itself for Enterprise or the sandbox."""
    base = base_url.rstrip("/")
    if base in ("https://api.github.com", "http://api.github.com"):
        base = "https://github.com"
    else:
        base = base.removesuffix("/api/v3")
    return f"{base}/{ref.owner}/{ref.repo}/issues/{ref.number}"


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def format_since(value: datetime) -> str:
    """GitHub's ``since`` format: ISO 8601, UTC, whole seconds, Z."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def version_key(version: str) -> tuple[int | str, ...]:
    """`updated_at` strings ordered by time; anything unparsable sorts first, by text."""
    try:
        parsed = parse_time(version)
    except ValueError:
        parsed = None
    if parsed is None:
        return (0, version)
    return (1, int(parsed.timestamp()))


OP_MARKER = "<!-- weavesync:op={} -->"


def op_marker(op_id: str) -> str:
    """The hidden marker of one posted comment; GitHub renders nothing for an HTML comment."""
    return OP_MARKER.format(op_id)


def increment_marker(marker: str) -> str:
    """The hidden marker naming the increment an issue was created for (kept as is when already a comment)."""
    text = marker.strip()
    return text if text.startswith("<!--") else f"<!-- weavesync:increment={text} -->"


def label_names(issue: dict[str, Any]) -> list[str]:
    """The names of an issue's labels (REST bodies carry label objects, some payloads plain names)."""
    return [lb if isinstance(lb, str) else str(lb.get("name", "")) for lb in issue.get("labels") or []]


def external_state(issue: dict[str, Any], managed: frozenset[str]) -> ExternalState:
    """State, close reason and the managed labels present (people's labels are left out)."""
    wanted = {m.casefold() for m in managed}
    names = label_names(issue)
    state = str(issue["state"])
    reason = issue.get("state_reason") if state == "closed" else None
    return ExternalState(state=state, reason=str(reason) if reason else None,
                         markers=frozenset(n for n in names if n.casefold() in wanted))


def remote_item(issue: dict[str, Any], ref: IssueRef, managed: frozenset[str], base_url: str) -> RemoteItem:
    closed_by = issue.get("closed_by") or {}
    return RemoteItem(
        link_item=str(ref), tracker=Tracker.GITHUB, state=external_state(issue, managed),
        version=str(issue["updated_at"]), updated_at=parse_time(issue.get("updated_at")),
        status_changed_at=parse_time(issue.get("closed_at")) if issue.get("state") == "closed" else None,
        changed_by=closed_by.get("login") if isinstance(closed_by, dict) else None,
        title=issue.get("title"), url=issue.get("html_url") or web_url(base_url, ref),
        item_type="pull_request" if "pull_request" in issue else "issue", project=ref.slug,
    )
