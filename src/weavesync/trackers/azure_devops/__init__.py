"""Azure DevOps Boards behind weavesync's tracker interface; `KIND` is what `trackers.registry` reads."""

from __future__ import annotations

from collections.abc import Mapping

from weavesync.model import Connection, Tracker, without_userinfo
from weavesync.trackers.azure_devops import webhooks
from weavesync.trackers.azure_devops.adapter import AdoAdapter
from weavesync.trackers.azure_devops.refs import org_url, parse_ref
from weavesync.trackers.base import TrackerAdapter, WebhookEvent


class AdoKind:
    tracker = Tracker.ADO
    display_name = "Azure DevOps"

    def parse_item(self, text: str) -> str:
        return str(parse_ref(text))

    def item_url(self, connection: Connection | None, item: str) -> str | None:
        ref = parse_ref(item)
        base = without_userinfo(connection.base_url) if connection is not None else "https://dev.azure.com"
        return f"{org_url(base, ref.organization)}/{ref.project}/_workitems/edit/{ref.id}"

    def version_key(self, version: str) -> tuple[int | str, ...]:
        """ADO versions are revision numbers."""
        return (int(version),) if version.isdigit() else (-1, version)

    def connect(self, connection: Connection) -> TrackerAdapter:
        return AdoAdapter(connection)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, secret: str | None) -> None:
        webhooks.verify(headers, body, secret)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, managed: frozenset[str]
                      ) -> list[WebhookEvent]:
        return webhooks.parse(headers, body, managed)


KIND = AdoKind()

__all__ = ["KIND", "AdoAdapter", "AdoKind"]
