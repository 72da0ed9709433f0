"""Parse a link TARGET given on the command line: ``github:OWNER/REPO#N``, ``jira:KEY-N``, ``ado:ORG/PROJECT#ID``.

The prefix picks the tracker; the rest is handed to that tracker's own `TrackerKind.parse_item`, so the CLI never
duplicates a tracker's rules about what an item reference looks like. Anything malformed is a usage error
(exit 2) whose single line lists the accepted forms.
"""

from __future__ import annotations

from weavesync.errors import UsageError
from weavesync.model import Tracker
from weavesync.trackers import registry

ACCEPTED_FORMS = "github:OWNER/REPO#N, jira:KEY-N or ado:ORG/PROJECT#ID"


def _bad(text: str, why: str) -> UsageError:
    return UsageError(f"invalid TARGET {text!r} ({why}); expected {ACCEPTED_FORMS}",
                      hint="for example: weavesync link 0042 github:acme/shop#101")


def parse_target(text: str) -> tuple[Tracker, str]:
    """(tracker, canonical item) for a TARGET. Raises UsageError when it is malformed."""
    prefix, sep, body = text.partition(":")
    if not sep:
        raise _bad(text, "no tracker prefix")
    try:
        tracker = Tracker(prefix.strip().lower())
    except ValueError:
        raise _bad(text, f"unknown tracker {prefix!r}") from None
    if not body.strip():
        raise _bad(text, "no item after the prefix")
    try:
        item = registry.kind(tracker).parse_item(body.strip())
    except ValueError as exc:
        raise _bad(text, str(exc) or "malformed item") from None
    return tracker, item
