"""Status spellings: read SpecWeave's many spellings of a status tolerantly.

SpecWeave 1.0.593 itself writes `planned` (its template) although its own transition table only knows
`planning`; its pull mappers emit `in_progress` and `cancelled`; older files say `complete`. weavesync reads all
of them as the canonical `Status`, but this module never decides what to *write*: the writer keeps the spelling
it found unless the status really changes (sync-semantics.md §1).
"""

from __future__ import annotations

from weavesync.model import Status

_ALIASES: dict[str, Status] = {
    "planned": Status.PLANNING,
    "in_progress": Status.ACTIVE,
    "inprogress": Status.ACTIVE,
    "complete": Status.COMPLETED,
    "done": Status.COMPLETED,
    "cancelled": Status.ABANDONED,
    "canceled": Status.ABANDONED,
    "readyforreview": Status.READY_FOR_REVIEW,
}


def _key(raw: str) -> str:
    return raw.strip().lower().replace("-", "_").replace(" ", "_")


def normalise_status(raw: str) -> Status:
    """Return the canonical status for any spelling SpecWeave (or a person) is known to write.

    Tolerates case, surrounding whitespace and `-`/space for `_`. Raises ValueError for anything else, so an
    unknown value is reported rather than guessed.
    """
    if not isinstance(raw, str):
        raise ValueError(f"status must be a string, not {type(raw).__name__}")
    key = _key(raw)
    try:
        return Status(key)
    except ValueError:
        pass
    if key in _ALIASES:
        return _ALIASES[key]
    allowed = ", ".join(s.value for s in Status)
    raise ValueError(f"unknown status {raw!r} (expected one of: {allowed})")
