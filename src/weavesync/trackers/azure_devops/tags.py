"""``System.Tags`` as weavesync reads it: one ';'-separated string on the service, managed tags compared
without case and reported as the configuration spells them.

Shared by the adapter (reads, writes, updates) and the webhook parser, so both see the same markers in the same
tags.
"""

from __future__ import annotations


def split_tags(text: object) -> list[str]:
    """The tags of a ``System.Tags`` value, in order, without blanks."""
    return [t.strip() for t in str(text or "").split(";") if t.strip()]


def managed_tags(text: object, managed: frozenset[str]) -> frozenset[str]:
    """The managed tags present in a ``System.Tags`` value, spelled as in `managed`."""
    folded = {m.casefold(): m for m in managed}
    return frozenset(folded[t.casefold()] for t in split_tags(text) if t.casefold() in folded)
