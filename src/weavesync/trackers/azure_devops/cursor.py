"""The polling cursor for Azure DevOps: the WIQL ``asOf`` plus what was already reported inside the overlap.

Why both: ``System.ChangedDate`` polling must overlap (the next query starts a little before the last ``asOf``),
and the items it re-reads there must not be reported again unless they changed. Keeping the (id, rev) pairs of
the overlap window in the cursor makes the dedupe survive restarts, since the caller stores the cursor.
Format: ``2026-11-24T10:31:02.123Z|12:3,15:7`` (the list may be empty).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from weavesync.model import format_utc, parse_utc


@dataclass(frozen=True)
class Cursor:
    as_of: datetime
    seen: frozenset[tuple[int, int]] = frozenset()

    def format(self) -> str:
        pairs = ",".join(f"{i}:{r}" for i, r in sorted(self.seen))
        return f"{format_utc(self.as_of)}|{pairs}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """Raises ValueError for a cursor this module did not write."""
        stamp, _, rest = text.partition("|")
        seen: set[tuple[int, int]] = set()
        for pair in filter(None, rest.split(",")):
            item_id, sep, rev = pair.partition(":")
            if not sep:
                raise ValueError(f"malformed Azure DevOps cursor entry {pair!r}")
            seen.add((int(item_id), int(rev)))
        return cls(parse_utc(stamp), frozenset(seen))
