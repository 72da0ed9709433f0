"""Who moved a Jira issue's status, and when, comes from its changelog (for prompts and last-write-wins)."""

from __future__ import annotations

from datetime import UTC, datetime

from weavesync.trackers.jira.issues import last_status_change, remote_item


def history(created: str, who: str, field: str = "status") -> dict[str, object]:
    return {"id": "1", "author": {"displayName": who}, "created": created,
            "items": [{"field": field, "fromString": "To Do", "toString": "Done"}]}


def test_the_newest_status_change_wins_whatever_the_order() -> None:
    issue = {"changelog": {"histories": [
        history("2026-11-24T11:00:00.000+0100", "alice"),
        history("2026-11-24T12:30:00.000+0100", "bob"),
        history("2026-11-24T13:00:00.000+0100", "carol", field="labels"),
        history("2026-11-24T09:00:00.000+0100", "dave"),
    ]}}
    who, when = last_status_change(issue)
    assert who == "bob" and when == datetime(2026, 11, 24, 11, 30, tzinfo=UTC)


def test_remote_item_carries_the_person_and_falls_back_without_a_changelog() -> None:
    fields = {"status": {"name": "Done", "id": "3", "statusCategory": {"key": "done"}},
              "updated": "2026-11-24T12:31:00.000+0100", "statuscategorychangedate": "2026-11-24T12:00:00.000+0100"}
    with_log = remote_item({"key": "CORE-1", "fields": fields,
                            "changelog": {"histories": [history("2026-11-24T12:30:00.000+0100", "alice")]}},
                           frozenset(), "http://jira")
    assert with_log.changed_by == "alice"
    assert with_log.status_changed_at == datetime(2026, 11, 24, 11, 30, tzinfo=UTC)
    without = remote_item({"key": "CORE-1", "fields": fields}, frozenset(), "http://jira")
    assert without.changed_by is None
    assert without.status_changed_at == datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
