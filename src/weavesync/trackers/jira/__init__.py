"""Jira Cloud behind weavesync's tracker interface; `KIND` is what `trackers.registry` reads.

Item refs are issue keys (``CORE-12``). Modules: client.py (REST v3 calls), adapter.py (`JiraAdapter`),
transitions.py (learned workflow graph and path planning), cursor.py (minute-precision polling in the user's
time zone), adf.py (ADF bodies and markers), issues.py (JSON -> values), webhooks.py (signature, parsing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from weavesync.model import Connection, Tracker, parse_utc, without_userinfo
from weavesync.trackers.base import TrackerAdapter, WebhookEvent
from weavesync.trackers.jira import webhooks
from weavesync.trackers.jira.adapter import JiraAdapter, connect

_KEY = re.compile(r"(?:^|/browse/)([A-Za-z][A-Za-z0-9_]*-[1-9][0-9]*)/?$")


class JiraKind:
    tracker = Tracker.JIRA
    display_name = "Jira Cloud"

    def parse_item(self, text: str) -> str:
        """``CORE-12`` or a ``.../browse/CORE-12`` URL -> ``CORE-12``."""
        match = _KEY.search(text.strip())
        if match is None:
            raise ValueError(f"not a Jira issue key: {text!r} (expected KEY-123)")
        return match.group(1).upper()

    def item_url(self, connection: Connection | None, item: str) -> str | None:
        if connection is None:
            return None
        base = without_userinfo(connection.base_url) or f"https://{connection.place.get('domain', '')}"
        return f"{base.rstrip('/')}/browse/{item}"

    def version_key(self, version: str) -> tuple[int | str, ...]:
        """Versions are UTC ``updated`` stamps; compare them as epoch milliseconds."""
        try:
            return (int(parse_utc(version).timestamp() * 1000),)
        except ValueError:
            return (0, version)

    def connect(self, connection: Connection) -> TrackerAdapter:
        return connect(connection)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes, secret: str | None) -> None:
        webhooks.verify(headers, body, secret)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes, managed: frozenset[str]
                      ) -> list[WebhookEvent]:
        return webhooks.parse(headers, body, managed)


KIND = JiraKind()

__all__ = ["KIND", "JiraAdapter", "JiraKind"]
