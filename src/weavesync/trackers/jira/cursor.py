"""The changed-since cursor: a UTC instant plus what was already seen at its edge, and its JQL literal.

JQL compares ``updated`` at minute precision in the *requesting user's* time zone, so the literal is built in
that zone, floored to the minute and moved one minute back (the overlap); the items the overlap reads again are
dropped by (key, version) using `seen`, which holds only the versions inside the overlap window. When a local
time is ambiguous (the hour repeated at the end of daylight saving time) the literal is moved back further so
that whichever reading Jira picks is not later than the instant we need.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from weavesync.model import format_utc, parse_utc

OVERLAP = timedelta(minutes=1)
FIRST_READ = "-1d"
"""Relative JQL period for a first read (no cursor yet): recent items only."""


@dataclass(frozen=True)
class Cursor:
    at: datetime | None
    seen: Mapping[str, str] = field(default_factory=dict)

    def encode(self) -> str:
        return json.dumps({"at": format_utc(self.at) if self.at else None, "seen": dict(sorted(self.seen.items()))},
                          separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | None) -> Cursor:
        if not text:
            return cls(None)
        try:
            data = json.loads(text)
            at = parse_utc(data["at"]) if data.get("at") else None
            seen = {str(k): str(v) for k, v in (data.get("seen") or {}).items()}
        except (ValueError, TypeError, KeyError, AttributeError):
            # A bare timestamp (e.g. written by hand or by an older version) is still a usable cursor.
            return cls(parse_utc(text))
        return cls(at, seen)


def jql_since(at: datetime, zone: ZoneInfo) -> str:
    """The ``yyyy/MM/dd HH:mm`` literal, in `zone`, no later than `at` minus the overlap."""
    wanted = at - OVERLAP
    local = wanted.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
    for _ in range(3):
        latest = max(local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1))
        if latest <= wanted:
            break
        local -= timedelta(minutes=math.ceil((latest - wanted).total_seconds() / 60))
    return local.strftime("%Y/%m/%d %H:%M")


def advance(previous: Cursor, observed: Iterable[tuple[str, str, datetime]]) -> Cursor:
    """The next cursor from (key, version, updated) of a complete read: latest instant, plus its overlap window."""
    rows = list(observed)
    if not rows:
        return previous
    latest = max(row[2] for row in rows)
    if previous.at is not None and previous.at > latest:
        latest = previous.at
    edge = latest - OVERLAP
    seen = {key: version for key, version, updated in rows if updated >= edge}
    for key, version in previous.seen.items():
        seen.setdefault(key, version)
    return Cursor(latest, {k: v for k, v in seen.items() if parse_utc(v) >= edge})
