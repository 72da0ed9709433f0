from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from weavesync.errors import SpecWeaveFileError, UsageError
from weavesync.model import Base, ExternalState, Link, LinkRole, Status, Tracker
from weavesync.specweave import Increment, add_link, remove_link, set_status, write_bases

from .conftest import SPEC_TEMPLATE, ProjectFactory, specweave_json, specweave_metadata, tree_digest

NOW = datetime(2026, 11, 24, 3, 17, 25, 267000, tzinfo=UTC)
STAMP = "2026-11-24T03:17:25.267Z"


def _inc(factory: ProjectFactory, ref: str = "42", **kwargs: object) -> Increment:
    return factory.project.increment(ref, **kwargs)  # type: ignore[arg-type]


def _meta(inc: Increment) -> bytes:
    return inc.metadata_path.read_bytes()


# ---- set_status ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target", "reason", "stamped"),
    [
        # what SpecWeave 1.0.593 itself wrote for these moves (examples/sample-project 0002, 0003, 0004)
        ("active", Status.PAUSED, "waiting on API keys", {"pausedReason": "waiting on API keys", "pausedAt": STAMP}),
        ("active", Status.COMPLETED, None, {"readyForReviewAt": STAMP, "approvedAt": STAMP}),
        ("active", Status.ABANDONED, "dropped", {"abandonedReason": "dropped", "abandonedAt": STAMP}),
        ("active", Status.BACKLOG, "later", {"backlogReason": "later", "backlogAt": STAMP}),
        ("active", Status.PLANNING, "replan", {"backlogReason": "replan", "backlogAt": STAMP}),
        ("paused", Status.ACTIVE, None, {}),
        ("planned", Status.ACTIVE, None, {}),
    ],
)
def test_set_status_writes_what_specweave_writes(
    factory: ProjectFactory, start: str, target: Status, reason: str | None, stamped: dict[str, str]
) -> None:
    factory.increment("0042-checkout", start)
    inc = _inc(factory)
    spec_before = inc.spec_path.read_text()

    after = set_status(inc, target, now=NOW, reason=reason)

    expected = specweave_metadata("0042-checkout", target.value)
    expected["lastActivity"] = STAMP
    expected.update(stamped)
    assert _meta(after) == specweave_json(expected)
    assert after.status is target and after.raw_status == target.value
    assert not after.status_mismatch
    assert after.spec_path.read_text() == spec_before.replace(f"\nstatus: {start}\n", f"\nstatus: {target.value}\n", 1)
    assert "- [ ] **AC-US1-01**: status: not a front matter line" in after.spec_path.read_text()


def test_same_status_writes_nothing_and_keeps_planned(factory: ProjectFactory) -> None:
    factory.increment("0001-status-sync", "planned")
    inc = _inc(factory, "1")
    before = tree_digest(factory.root)
    assert set_status(inc, Status.PLANNING, now=NOW) is inc
    assert tree_digest(factory.root) == before
    assert json.loads(_meta(inc))["status"] == "planned"


def test_stale_snapshot_already_at_target_writes_nothing(factory: ProjectFactory) -> None:
    folder = factory.increment("0042-a", "active")
    inc = _inc(factory)
    (folder / "metadata.json").write_bytes(specweave_json(specweave_metadata("0042-a", "completed")))
    before = tree_digest(factory.root)
    fresh = set_status(inc, Status.COMPLETED, now=NOW)
    assert fresh.status is Status.COMPLETED
    assert tree_digest(factory.root) == before


def test_leftover_fields_survive_and_a_fresh_reason_replaces_old(factory: ProjectFactory) -> None:
    factory.increment(
        "0042-a",
        "abandoned",
        abandonedReason="dropped",
        abandonedAt="2026-01-01T00:00:00.000Z",
        pausedReason="old reason",
        pausedAt="2026-01-01T00:00:00.000Z",
    )
    resumed = set_status(_inc(factory), Status.ACTIVE, now=NOW)
    assert resumed.metadata["abandonedAt"] == "2026-01-01T00:00:00.000Z"
    assert resumed.metadata["abandonedReason"] == "dropped"
    paused = set_status(resumed, Status.PAUSED, now=NOW)
    assert paused.metadata["pausedAt"] == STAMP
    assert paused.metadata["pausedReason"] != "old reason"
    assert paused.status_changed_at == NOW


def test_set_status_works_from_a_stale_snapshot_and_keeps_new_keys(factory: ProjectFactory) -> None:
    folder = factory.increment("0042-a", "active")
    inc = _inc(factory)
    data = specweave_metadata("0042-a", "active", addedBySpecWeave={"x": 1})
    (folder / "metadata.json").write_bytes(specweave_json(data))
    after = set_status(inc, Status.PAUSED, now=NOW, reason="r")
    assert after.metadata["addedBySpecWeave"] == {"x": 1}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "---\r\ntitle: x\r\nstatus: active\r\n---\r\nbody\r\n",
            "---\r\ntitle: x\r\nstatus: paused\r\n---\r\nbody\r\n",
        ),
        ('---\nstatus: "active"   # mirrored\n---\n', '---\nstatus: "paused"   # mirrored\n---\n'),
        ("---\nstatus: 'in-progress'\n---", "---\nstatus: 'paused'\n---"),
        ("---\ntitle: no status\n---\nstatus: active\n", "---\ntitle: no status\n---\nstatus: active\n"),
        ("# no front matter\nstatus: active\n", "# no front matter\nstatus: active\n"),
        ("---\nmeta:\n  status: active\nstatus: active\n---\n", "---\nmeta:\n  status: active\nstatus: paused\n---\n"),
    ],
)
def test_spec_only_status_line_changes(factory: ProjectFactory, spec: str, expected: str) -> None:
    factory.increment("0042-a", "active", spec=spec)
    after = set_status(_inc(factory), Status.PAUSED, now=NOW, reason="r")
    assert after.spec_path.read_bytes() == expected.encode()
    assert after.status is Status.PAUSED


def test_spec_that_already_agrees_is_left_alone(factory: ProjectFactory) -> None:
    factory.increment("0042-a", "active", spec_status="done")
    inc = _inc(factory)
    spec_before = inc.spec_path.read_bytes()
    after = set_status(inc, Status.COMPLETED, now=NOW)
    assert after.spec_path.read_bytes() == spec_before
    assert not after.status_mismatch


def test_missing_spec_is_fine(factory: ProjectFactory) -> None:
    factory.increment("0042-a", "active", spec=None)
    after = set_status(_inc(factory), Status.COMPLETED, now=NOW)
    assert after.status is Status.COMPLETED and not after.spec_path.exists()


def test_format_of_metadata_is_preserved(factory: ProjectFactory) -> None:
    data = specweave_metadata("0042-a", "active", title="Caf\u00e9 \u2603")
    raw = json.dumps(data, indent=4, ensure_ascii=False) + "\n"
    factory.increment("0042-a", metadata_bytes=raw.encode())
    after = set_status(_inc(factory), Status.PAUSED, now=NOW, reason="r")
    data.update(status="paused", lastActivity=STAMP, pausedReason="r", pausedAt=STAMP)
    assert _meta(after) == (json.dumps(data, indent=4, ensure_ascii=False) + "\n").encode()


def test_writers_refuse_a_broken_increment_and_write_nothing(factory: ProjectFactory) -> None:
    folder = factory.increment("0042-a", "active")
    inc = _inc(factory)
    (folder / "spec.md").write_text("---\nstatus: active\n")
    before = tree_digest(factory.root)
    with pytest.raises(SpecWeaveFileError, match=r"spec\.md: front matter"):
        set_status(inc, Status.PAUSED, now=NOW)
    with pytest.raises(SpecWeaveFileError):
        add_link(inc, Link(Tracker.JIRA, "CORE-1"))
    assert tree_digest(factory.root) == before


# ---- links ---------------------------------------------------------------------------------------------------

ADDS = [
    (
        Link(Tracker.GITHUB, "acme/shop#7"),
        {"github": {"issueNumber": 7, "issueUrl": "https://github.com/acme/shop/issues/7", "repo": "acme/shop"}},
    ),
    (
        Link(Tracker.GITHUB, "acme/shop#8", LinkRole.USER_STORY, "US-001", url="https://github.com/acme/shop/issues/8"),
        {"github": {"issues": {"US-001": {"issueNumber": 8, "issueUrl": "https://github.com/acme/shop/issues/8"}}}},
    ),
    (Link(Tracker.JIRA, "CORE-9"), {"jira": {"issueKey": "CORE-9"}}),
    (
        Link(Tracker.JIRA, "CORE-10", LinkRole.USER_STORY, "US-002"),
        {"jira": {"issues": {"US-002": {"issueKey": "CORE-10"}}}},
    ),
    (
        Link(Tracker.ADO, "acme/Shop/11"),
        {
            "ado": {
                "workItemId": 11,
                "workItemUrl": "https://dev.azure.com/acme/Shop/_workitems/edit/11",
                "organization": "acme",
                "project": "Shop",
            }
        },
    ),
    (
        Link(Tracker.ADO, "acme/Shop/12", LinkRole.USER_STORY, "US-003"),
        {
            "ado": {
                "workItems": {
                    "US-003": {
                        "workItemId": 12,
                        "workItemUrl": "https://dev.azure.com/acme/Shop/_workitems/edit/12",
                        "organization": "acme",
                        "project": "Shop",
                    }
                }
            }
        },
    ),
]


@pytest.mark.parametrize(("link", "external"), ADDS, ids=[link.key for link, _ in ADDS])
def test_add_link_writes_externallinks_and_reads_back(
    factory: ProjectFactory, link: Link, external: dict[str, object]
) -> None:
    factory.increment("0042-a", "active")
    after = add_link(_inc(factory), link)
    assert after.links == [link]
    expected = specweave_metadata("0042-a", "active")
    expected["externalLinks"] = external
    assert _meta(after) == specweave_json(expected)
    before = tree_digest(factory.root)
    assert add_link(after, link).links == [link]  # second add: no write
    assert tree_digest(factory.root) == before


def test_add_link_into_existing_tracker_block_keeps_its_keys(factory: ProjectFactory) -> None:
    factory.increment(
        "0042-a", externalLinks={"github": {"milestone": 12, "issues": {"US-001": {"issueNumber": 1, "repo": "a/b"}}}}
    )
    after = add_link(_inc(factory), Link(Tracker.GITHUB, "a/b#2", LinkRole.USER_STORY, "US-002"))
    gh = after.metadata["externalLinks"]["github"]
    assert list(gh) == ["milestone", "issues"]
    assert list(gh["issues"]) == ["US-001", "US-002"]
    assert len(after.links) == 2


def test_add_link_refuses_an_occupied_slot(factory: ProjectFactory) -> None:
    factory.increment(
        "0042-a",
        externalLinks={
            "jira": {"epicKey": "CORE-1"},
            "github": {"issues": {"US-001": {"issueNumber": 1, "repo": "a/b"}}},
        },
    )
    inc = _inc(factory)
    before = tree_digest(factory.root)
    with pytest.raises(UsageError, match="already has an increment link on jira"):
        add_link(inc, Link(Tracker.JIRA, "CORE-2"))
    with pytest.raises(UsageError, match="already links US-001"):
        add_link(inc, Link(Tracker.GITHUB, "a/b#9", LinkRole.USER_STORY, "US-001"))
    with pytest.raises(UsageError, match="story id"):
        add_link(inc, Link(Tracker.GITHUB, "a/b#9", LinkRole.USER_STORY))
    assert tree_digest(factory.root) == before


def test_remove_link_from_every_shape(factory: ProjectFactory) -> None:
    factory.increment(
        "0042-a",
        externalLinks={
            "github": {
                "issues": {
                    "US-001": {"issueNumber": 101, "issueUrl": "https://github.com/acme/shop/issues/101"},
                    "US-002": {"issueNumber": 102, "repo": "acme/shop"},
                },
                "milestone": 12,
            }
        },
        github={
            "issues": [{"userStory": "US-001", "number": 101, "url": "https://github.com/acme/shop/issues/101"}],
            "lastSync": "x",
        },
        githubProfile="dev",
        external_sync={"github": {"issue": 101, "repo": "acme/shop"}},
        external_ref="github#acme/shop#101",
        unknownKey=[1, 2],
    )
    inc = _inc(factory)
    assert {link.item for link in inc.links} == {"acme/shop#101", "acme/shop#102"}

    after = remove_link(inc, Link(Tracker.GITHUB, "acme/shop#101", LinkRole.USER_STORY, "US-001"))

    assert [link.item for link in after.links] == ["acme/shop#102"]
    meta = after.metadata
    assert meta["externalLinks"]["github"] == {
        "issues": {"US-002": {"issueNumber": 102, "repo": "acme/shop"}},
        "milestone": 12,
    }
    assert meta["github"] == {"lastSync": "x"}
    assert "external_sync" not in meta and "external_ref" not in meta
    assert meta["githubProfile"] == "dev" and meta["unknownKey"] == [1, 2]
    assert list(meta)[:3] == ["id", "status", "type"]


def test_remove_single_issue_shape_and_prune(factory: ProjectFactory) -> None:
    factory.increment(
        "0042-a",
        externalLinks={
            "github": {"issueNumber": 7, "repo": "a/b", "state": "open", "syncedAt": "x"},
            "jira": {"epicKey": "CORE-1", "epicUrl": "u", "domain": "d"},
        },
        jira={"issue": "CORE-1", "url": "u"},
        ado={"work_item_id": 3, "organization": "o", "project": "p"},
    )
    inc = _inc(factory)
    after = remove_link(inc, Link(Tracker.GITHUB, "a/b#7"))
    assert after.metadata["externalLinks"] == {"jira": {"epicKey": "CORE-1", "epicUrl": "u", "domain": "d"}}
    after = remove_link(after, Link(Tracker.JIRA, "CORE-1"))
    assert after.metadata["externalLinks"] == {"jira": {"domain": "d"}}
    assert "jira" not in after.metadata
    after = remove_link(after, Link(Tracker.ADO, "o/p/3"))
    assert after.metadata["ado"] == {"organization": "o", "project": "p"}
    assert after.links == []


def test_remove_unknown_link_writes_nothing(factory: ProjectFactory) -> None:
    factory.increment("0042-a", externalLinks={"jira": {"epicKey": "CORE-1"}})
    before = tree_digest(factory.root)
    remove_link(_inc(factory), Link(Tracker.JIRA, "CORE-2"))
    assert tree_digest(factory.root) == before


def test_remove_living_doc_link_records_tombstone_and_add_clears_it(factory: ProjectFactory) -> None:
    factory.increment("0042-a")
    story = factory.user_story("demo", "FS-042", "us-001-x.md", "id: US-001\nexternal_tools:\n  jira: {key: CORE-5}\n")
    story_before = story.read_bytes()
    link = Link(Tracker.JIRA, "CORE-5", LinkRole.USER_STORY, "US-001")
    inc = _inc(factory)
    assert inc.links == [link]
    removed = remove_link(inc, link)
    assert removed.links == []
    assert removed.metadata["weavesync"] == {"unlinked": ["jira:CORE-5"]}
    assert story.read_bytes() == story_before
    readded = add_link(removed, link)
    assert readded.links == [link]
    assert "weavesync" not in readded.metadata


# ---- bases ---------------------------------------------------------------------------------------------------


def test_write_bases_set_and_delete(factory: ProjectFactory) -> None:
    factory.increment("0042-a", externalLinks={"jira": {"epicKey": "CORE-1"}})
    inc = _inc(factory)
    original = _meta(inc)
    base = Base(
        Status.ACTIVE,
        ExternalState("In Progress", category="indeterminate", state_id="3"),
        "2026-11-24T00:00:00.000+0000",
        NOW,
    )
    after = write_bases(inc, {"jira:CORE-1": base})
    assert after.bases == {"jira:CORE-1": base}
    assert list(after.metadata)[-1] == "weavesync"
    assert after.metadata["externalLinks"] == {"jira": {"epicKey": "CORE-1"}}
    moved = Base(Status.COMPLETED, ExternalState("Done", category="done"), "v2", NOW)
    after = write_bases(after, {"jira:CORE-1": moved, "github:a/b#1": base})
    assert after.bases == {"jira:CORE-1": moved, "github:a/b#1": base}
    after = write_bases(after, {"jira:CORE-1": None, "github:a/b#1": None})
    assert after.bases == {}
    assert _meta(after) == original


def test_write_bases_keeps_other_weavesync_keys(factory: ProjectFactory) -> None:
    factory.increment("0042-a", weavesync={"unlinked": ["jira:X-1"]})
    base = Base(Status.ACTIVE, ExternalState("open"), None, NOW)
    after = write_bases(_inc(factory), {"github:a/b#1": base})
    assert after.metadata["weavesync"]["unlinked"] == ["jira:X-1"]
    after = write_bases(after, {"github:a/b#1": None})
    assert after.metadata["weavesync"] == {"unlinked": ["jira:X-1"]}


def test_write_bases_rejects_a_foreign_weavesync_value(factory: ProjectFactory) -> None:
    factory.increment("0042-a", weavesync="something else")
    with pytest.raises(SpecWeaveFileError, match="weavesync"):
        write_bases(_inc(factory), {"x:1": Base(Status.ACTIVE, ExternalState("open"), None, NOW)})


def test_sample_project_round_trip(sample: object) -> None:
    """Each write on SpecWeave's own files changes only what it must."""
    from weavesync.specweave import Project

    assert isinstance(sample, Project)
    inc = sample.increment("0002")
    spec_before = inc.spec_path.read_bytes()
    after = set_status(inc, Status.ACTIVE, now=NOW)
    assert after.metadata["pausedReason"] == "waiting on API keys"
    assert after.spec_path.read_bytes() == spec_before.replace(b"status: paused", b"status: active")
    raw = _meta(after)
    assert not raw.endswith(b"\n") and raw.startswith(b'{\n  "id": "0002-checkout-flow",\n  "status": "active",')
    linked = add_link(after, Link(Tracker.GITHUB, "acme/shop#5"))
    unlinked = remove_link(linked, Link(Tracker.GITHUB, "acme/shop#5"))
    assert _meta(unlinked) == raw
    assert SPEC_TEMPLATE  # the factory template stays in sync with this module's expectations


def test_paths_are_under_increment(factory: ProjectFactory) -> None:
    folder = factory.increment("0042-a")
    inc = _inc(factory)
    assert (
        inc.path == folder
        and inc.metadata_path == folder / "metadata.json"
        and inc.spec_path == Path(folder, "spec.md")
    )
