from __future__ import annotations

import itertools
from collections import deque

import pytest

from weavesync.model import Status as S
from weavesync.specweave import ALLOWED, allowed_from, transition_path

# SpecWeave 1.0.593 VALID_TRANSITIONS, written out independently of the module under test.
TABLE = {
    "planning": {"active", "backlog", "abandoned"},
    "active": {"backlog", "paused", "ready_for_review", "abandoned"},
    "backlog": {"planning", "active", "abandoned"},
    "paused": {"active", "ready_for_review", "abandoned"},
    "ready_for_review": {"completed", "active", "abandoned"},
    "completed": {"active", "abandoned"},
    "abandoned": {"active"},
}


def test_table_matches_specweave() -> None:
    assert {src.value: {d.value for d in dsts} for src, dsts in ALLOWED.items()} == TABLE
    for status in S:
        assert allowed_from(status) == ALLOWED[status]


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        ALLOWED[S.ACTIVE] = frozenset()  # type: ignore[index]


@pytest.mark.parametrize(
    ("src", "dst", "path"),
    [
        (S.ACTIVE, S.COMPLETED, [S.READY_FOR_REVIEW, S.COMPLETED]),
        (S.PLANNING, S.COMPLETED, [S.ACTIVE, S.READY_FOR_REVIEW, S.COMPLETED]),
        (S.PAUSED, S.COMPLETED, [S.READY_FOR_REVIEW, S.COMPLETED]),
        (S.ABANDONED, S.COMPLETED, [S.ACTIVE, S.READY_FOR_REVIEW, S.COMPLETED]),
        (S.COMPLETED, S.ACTIVE, [S.ACTIVE]),
        (S.ACTIVE, S.PLANNING, [S.BACKLOG, S.PLANNING]),
        (S.COMPLETED, S.PAUSED, [S.ACTIVE, S.PAUSED]),
        (S.ACTIVE, S.ACTIVE, []),
    ],
)
def test_known_paths(src: S, dst: S, path: list[S]) -> None:
    assert transition_path(src, dst) == path


def _bfs_length(src: str, dst: str) -> int:
    queue, seen = deque([(src, 0)]), {src}
    while queue:
        node, dist = queue.popleft()
        if node == dst:
            return dist
        for nxt in TABLE[node]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, dist + 1))
    raise AssertionError("unreachable")


@pytest.mark.parametrize(("src", "dst"), list(itertools.product(S, S)))
def test_every_path_is_valid_and_shortest(src: S, dst: S) -> None:
    path = transition_path(src, dst)
    assert len(path) == _bfs_length(src.value, dst.value)
    previous = src
    for step in path:
        assert step.value in TABLE[previous.value]
        previous = step
    assert previous == dst
    assert src not in path or src == dst
