"""SpecWeave's status lifecycle: which moves are allowed and the shortest way between two statuses.

The table is SpecWeave 1.0.593's `VALID_TRANSITIONS`. weavesync never jumps where SpecWeave would refuse: a
local change walks the shortest valid path, as SpecWeave's own `computeTransitionPath()` does (for example
active → ready_for_review → completed). Ties are broken by the order of `Status`, so a path is deterministic.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from types import MappingProxyType

from weavesync.model import Status

_S = Status

ALLOWED: Mapping[Status, frozenset[Status]] = MappingProxyType(
    {
        _S.PLANNING: frozenset({_S.ACTIVE, _S.BACKLOG, _S.ABANDONED}),
        _S.ACTIVE: frozenset({_S.BACKLOG, _S.PAUSED, _S.READY_FOR_REVIEW, _S.ABANDONED}),
        _S.BACKLOG: frozenset({_S.PLANNING, _S.ACTIVE, _S.ABANDONED}),
        _S.PAUSED: frozenset({_S.ACTIVE, _S.READY_FOR_REVIEW, _S.ABANDONED}),
        _S.READY_FOR_REVIEW: frozenset({_S.COMPLETED, _S.ACTIVE, _S.ABANDONED}),
        _S.COMPLETED: frozenset({_S.ACTIVE, _S.ABANDONED}),
        _S.ABANDONED: frozenset({_S.ACTIVE}),
    }
)
"""SpecWeave 1.0.593 VALID_TRANSITIONS: status -> statuses it may move to in one step."""

_ORDER = {status: index for index, status in enumerate(Status)}


def allowed_from(src: Status) -> frozenset[Status]:
    """The statuses SpecWeave accepts as the next step from `src`."""
    return ALLOWED[Status(src)]


def transition_path(src: Status, dst: Status) -> list[Status]:
    """Shortest list of steps from `src` to `dst` (breadth-first), excluding `src` and including `dst`.

    Returns [] when `src == dst`. Raises ValueError when `dst` cannot be reached (it always can with the
    1.0.593 table, but the check keeps a future table change from silently producing a wrong path).
    """
    src, dst = Status(src), Status(dst)
    if src == dst:
        return []
    previous: dict[Status, Status] = {}
    queue: deque[Status] = deque([src])
    seen = {src}
    while queue:
        current = queue.popleft()
        for nxt in sorted(ALLOWED[current], key=_ORDER.__getitem__):
            if nxt in seen:
                continue
            seen.add(nxt)
            previous[nxt] = current
            if nxt == dst:
                path = [dst]
                while path[-1] in previous and previous[path[-1]] != src:
                    path.append(previous[path[-1]])
                return list(reversed(path))
            queue.append(nxt)
    raise ValueError(f"SpecWeave does not allow a move from {src.value} to {dst.value}")
