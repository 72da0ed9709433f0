"""GitHub Issues behind weavesync's tracker interface.

`KIND` is what `trackers.registry` reads. Modules: `refs` (item refs, versions, markers, issue -> state),
`client` (REST over the shared HttpClient, rate-limit test, pages, ETags), `adapter` (the `TrackerAdapter`),
`webhooks` (signature check and ``issues`` event parsing).
"""

from __future__ import annotations

from collections.abc import Mapping

from weavesync.model import Connection, Tracker, without_userinfo
from weavesync.trackers.base import TrackerAdapter, WebhookEvent
from weavesync.trackers.github import webhooks
from weavesync.trackers.github.adapter import GitHubAdapter
from weavesync.trackers.github.refs import parse_ref, version_key, web_url


class GitHubKind:
    tracker = Tracker.GITHUB
    display_name = "GitHub"

    def parse_item(self, text: str) -> str:
        return str(parse_ref(text))

    def item_url(self, connection: Connection | None, item: str) -> str | None:
        base = without_userinfo(connection.base_url) if connection is not None else "https://api.github.com"
        return web_url(base, parse_ref(item))

    def version_key(self, version: str) -> tuple[int | str, ...]:
        return version_key(version)

    def connect(self, connection: Connection) -> TrackerAdapter:
        return GitHubAdapter(connection)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, secret: str | None) -> None:
        webhooks.verify(headers, body, secret)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, managed: frozenset[str]
                      ) -> list[WebhookEvent]:
        return webhooks.parse(headers, body, managed)


KIND = GitHubKind()

__all__ = ["KIND", "GitHubAdapter", "GitHubKind"]
