"""TARGET parsing: prefix handling and usage errors (unit tests; the trackers' own item rules are faked here)."""

from __future__ import annotations

import pytest

from weavesync.cli import targets
from weavesync.errors import UsageError
from weavesync.model import Tracker


class _FakeKind:
    """Accepts only ``good`` and returns it upper-cased, so a test can tell the kind was consulted."""

    def parse_item(self, text: str) -> str:
        if text != "good":
            raise ValueError(f"not good: {text}")
        return text.upper()


@pytest.fixture(autouse=True)
def fake_kinds(monkeypatch: pytest.MonkeyPatch) -> list[Tracker]:
    asked: list[Tracker] = []

    def kind(tracker: Tracker | str) -> _FakeKind:
        asked.append(Tracker(tracker))
        return _FakeKind()

    monkeypatch.setattr(targets.registry, "kind", kind)
    return asked


@pytest.mark.parametrize("prefix", ["github", "jira", "ado", "GitHub"])
def test_prefix_picks_the_tracker_and_its_parser(prefix: str, fake_kinds: list[Tracker]) -> None:
    tracker, item = targets.parse_target(f"{prefix}:good")
    assert tracker == Tracker(prefix.lower())
    assert item == "GOOD"
    assert fake_kinds == [tracker]


@pytest.mark.parametrize("text", ["acme/shop#1", "gitlab:acme/shop#1", "github:", "github:   ", "jira:bad"])
def test_malformed_target_is_a_usage_error_listing_the_forms(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        targets.parse_target(text)
    assert caught.value.exit_code == 2
    assert targets.ACCEPTED_FORMS in caught.value.message
    assert repr(text) in caught.value.message
