from __future__ import annotations

import pytest

from weavesync.model import Status
from weavesync.specweave import normalise_status


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("planning", Status.PLANNING),
        ("planned", Status.PLANNING),
        ("active", Status.ACTIVE),
        ("in-progress", Status.ACTIVE),
        ("in_progress", Status.ACTIVE),
        ("backlog", Status.BACKLOG),
        ("paused", Status.PAUSED),
        ("ready_for_review", Status.READY_FOR_REVIEW),
        ("ready-for-review", Status.READY_FOR_REVIEW),
        ("completed", Status.COMPLETED),
        ("complete", Status.COMPLETED),
        ("done", Status.COMPLETED),
        ("abandoned", Status.ABANDONED),
        ("cancelled", Status.ABANDONED),
        ("canceled", Status.ABANDONED),
        ("  Active\n", Status.ACTIVE),
        ("IN-PROGRESS", Status.ACTIVE),
        ("Done ", Status.COMPLETED),
    ],
)
def test_every_known_spelling_normalises(raw: str, expected: Status) -> None:
    assert normalise_status(raw) is expected


@pytest.mark.parametrize("raw", ["", "pending", "closed", "wip", "activ"])
def test_unknown_spelling_is_an_error_naming_the_value(raw: str) -> None:
    with pytest.raises(ValueError, match="unknown status"):
        normalise_status(raw)


def test_non_string_is_an_error() -> None:
    with pytest.raises(ValueError, match="must be a string"):
        normalise_status(3)  # type: ignore[arg-type]
