from __future__ import annotations

from datetime import UTC, datetime

import pytest

from weavesync.errors import SpecWeaveFileError
from weavesync.model import Base, ExternalState, Status

from .conftest import ProjectFactory, specweave_metadata, tree_digest


def test_template_made_increment_reads_as_planning(factory: ProjectFactory) -> None:
    """SpecWeave 1.0.593's template writes `planned` in both files (examples/sample-project 0001)."""
    factory.increment("0001-status-sync", "planned")
    inc = factory.project.increment("0001")
    assert inc.status is Status.PLANNING
    assert inc.raw_status == "planned"
    assert inc.spec_status == "planned"
    assert not inc.status_mismatch
    assert inc.title == "Status sync"
    assert inc.metadata["planning"] == {"parallel": False}
    assert list(inc.metadata)[:3] == ["id", "status", "type"]


def test_metadata_is_the_truth_and_mismatch_is_reported(factory: ProjectFactory) -> None:
    """SpecWeave's `auto` writes `active` to metadata.json without touching spec.md."""
    factory.increment("0001-status-sync", "active", spec_status="planned")
    inc = factory.project.increment("1")
    assert inc.status is Status.ACTIVE
    assert inc.spec_status == "planned"
    assert inc.status_mismatch


def test_same_status_in_other_spelling_is_no_mismatch(factory: ProjectFactory) -> None:
    factory.increment("0001-a", "in-progress", spec_status="active")
    assert not factory.project.increment("1").status_mismatch


def test_unknown_spec_status_is_a_mismatch_not_an_error(factory: ProjectFactory) -> None:
    factory.increment("0001-a", "active", spec_status="wip")
    assert factory.project.increment("1").status_mismatch


def test_leftover_fields_are_not_a_status(factory: ProjectFactory) -> None:
    """abandonedAt survives a resume; approvedAt survives a reopen."""
    factory.increment(
        "0001-a",
        "active",
        abandonedReason="dropped",
        abandonedAt="2026-11-20T00:00:00.000Z",
        approvedAt="2026-11-21T00:00:00.000Z",
        lastActivity="2026-11-24T10:00:00.000Z",
    )
    inc = factory.project.increment("1")
    assert inc.status is Status.ACTIVE
    assert inc.status_changed_at == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "field", "expected"),
    [
        ("paused", "pausedAt", datetime(2026, 11, 22, tzinfo=UTC)),
        ("backlog", "backlogAt", datetime(2026, 11, 22, tzinfo=UTC)),
        ("abandoned", "abandonedAt", datetime(2026, 11, 22, tzinfo=UTC)),
        ("ready_for_review", "readyForReviewAt", datetime(2026, 11, 22, tzinfo=UTC)),
        ("completed", "approvedAt", datetime(2026, 11, 22, tzinfo=UTC)),
        ("active", "pausedAt", datetime(2026, 11, 24, tzinfo=UTC)),
    ],
)
def test_status_changed_at_uses_the_current_status_timestamp(
    factory: ProjectFactory, status: str, field: str, expected: datetime
) -> None:
    factory.increment("0001-a", status, lastActivity="2026-11-24T00:00:00.000Z", **{field: "2026-11-22T00:00:00Z"})
    assert factory.project.increment("1").status_changed_at == expected


def test_bad_timestamp_is_a_warning(factory: ProjectFactory) -> None:
    factory.increment("0001-a", "paused", pausedAt="yesterday", lastActivity="2026-11-24T00:00:00.000Z")
    inc = factory.project.increment("1")
    assert inc.status_changed_at == datetime(2026, 11, 24, tzinfo=UTC)
    assert any("pausedAt" in w for w in inc.link_warnings)


def test_spec_front_matter_keeps_dates_as_strings_and_title_optional(factory: ProjectFactory) -> None:
    factory.increment("0001-a", spec="---\nstatus: active\ncreated: 2026-05-01\n---\n# x\n")
    inc = factory.project.increment("1")
    assert inc.title is None and inc.spec_status == "active"


def test_spec_without_front_matter_or_missing(factory: ProjectFactory) -> None:
    factory.increment("0001-a", spec="# Just a heading\n\nstatus: paused\n")
    factory.increment("0002-b", spec=None)
    for ref in ("1", "2"):
        inc = factory.project.increment(ref)
        assert inc.spec_status is None and not inc.status_mismatch


def test_suffix_and_feature_id(factory: ProjectFactory) -> None:
    factory.increment("0118E-imported")
    factory.increment("0031-status-sync")
    assert factory.project.increment("0118E").feature_id == "FS-118E"
    assert factory.project.increment("31").feature_id == "FS-031"


def test_bases_are_read_from_weavesync_key(factory: ProjectFactory) -> None:
    base = Base(
        Status.ACTIVE,
        ExternalState("open", markers=frozenset({"in-progress"})),
        "v1",
        datetime(2026, 11, 24, tzinfo=UTC),
    )
    factory.increment(
        "0001-a",
        externalLinks={"github": {"issueNumber": 5, "repo": "acme/shop"}},
        weavesync={"bases": {"github:acme/shop#5": base.to_json(), "jira:X-1": {"local": "nope"}}},
    )
    inc = factory.project.increment("1")
    assert inc.bases == {"github:acme/shop#5": base}
    assert any("jira:X-1" in w for w in inc.link_warnings)


# ---- bad input -----------------------------------------------------------------------------------------------

BAD_METADATA = [
    (b'{"id": "0001-a", "status": "active",', "metadata.json", None, "invalid JSON at line 1"),
    (b"not json at all", "metadata.json", None, "invalid JSON"),
    (b"[1, 2]", "metadata.json", None, "expected a JSON object"),
    (b"\xff\xfe{}", "metadata.json", None, "not UTF-8"),
    (b'{\n  "id": "0001-a"\n}', "metadata.json", "status", "missing"),
    (b'{\n  "status": 3\n}', "metadata.json", "status", "must be a string"),
    (b'{\n  "status": "wip"\n}', "metadata.json", "status", "unknown status 'wip'"),
]


@pytest.mark.parametrize(("content", "name", "field", "message"), BAD_METADATA)
def test_bad_metadata(factory: ProjectFactory, content: bytes, name: str, field: str | None, message: str) -> None:
    factory.increment("0001-a", metadata_bytes=content)
    _assert_file_error(factory, name, field, message)


BAD_SPECS = [
    ("---\nstatus: active\ntitle: x\n\n# never closed\n", "front matter", "never closed"),
    ("---\nstatus: [active\n---\n", "front matter", "invalid YAML at line"),
    ('---\ntitle: "unterminated\n---\n', "front matter", "invalid YAML"),
    ("---\n- a list\n- not a mapping\n---\n", "front matter", "must be a mapping"),
]


@pytest.mark.parametrize(("spec", "field", "message"), BAD_SPECS)
def test_bad_spec_front_matter(factory: ProjectFactory, spec: str, field: str, message: str) -> None:
    factory.increment("0001-a", spec=spec)
    _assert_file_error(factory, "spec.md", field, message)


def test_missing_metadata(factory: ProjectFactory) -> None:
    folder = factory.increment("0001-a")
    (folder / "metadata.json").unlink()
    _assert_file_error(factory, "metadata.json", None, "missing")


def _assert_file_error(factory: ProjectFactory, name: str, field: str | None, message: str) -> None:
    factory.increment("0002-fine")
    before = tree_digest(factory.root)
    scan = factory.project.scan()
    assert [i.id for i in scan.increments] == ["0002-fine"]
    assert len(scan.problems) == 1
    error = scan.problems[0]
    assert error.file == f".specweave/increments/0001-a/{name}"
    assert error.field == field
    text = str(error)
    assert "\n" not in text
    assert text.startswith(f".specweave/increments/0001-a/{name}: ")
    if field:
        assert f": {field}: " in text
    assert message in text
    with pytest.raises(SpecWeaveFileError):
        factory.project.increment("1")
    assert tree_digest(factory.root) == before


def test_metadata_key_order_and_unknown_keys_are_kept(factory: ProjectFactory) -> None:
    data = specweave_metadata("0001-a", "active", zzz={"nested": [1, 2]}, aaa=None)
    factory.increment("0001-a", metadata=data)
    inc = factory.project.increment("1")
    assert list(inc.metadata) == list(data)
    assert inc.metadata == data
