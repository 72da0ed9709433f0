"""Property: reading and writing keep every unknown key, the key order and the file's own formatting."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weavesync.model import Base, ExternalState, Link, LinkRole, Status, Tracker
from weavesync.specweave import Project, add_link, remove_link, set_status, write_bases
from weavesync.specweave.jsonfile import JsonFormat, detect_format, dumps

RESERVED = {
    "status", "externalLinks", "weavesync", "github", "jira", "ado", "external_sync", "external_ref", "lastActivity",
    "pausedReason", "pausedAt", "backlogReason", "backlogAt", "abandonedReason", "abandonedAt", "readyForReviewAt",
    "approvedAt", "completedAt", "title",
}  # fmt: skip

keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12).filter(
    lambda k: k not in RESERVED
)
scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
formats = st.builds(
    JsonFormat,
    indent=st.sampled_from(["  ", "    ", "\t", None]),
    trailing_newline=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
    ensure_ascii=st.booleans(),
)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@st.composite
def metadata(draw: st.DrawFn) -> dict[str, Any]:
    unknown = draw(st.dictionaries(keys, values, max_size=6))
    raw_status = draw(st.sampled_from(["planned", "planning", "active", "in-progress", "paused", "done", "backlog"]))
    extra_in_links = draw(st.dictionaries(st.sampled_from(["custom", "notes"]), values, max_size=1))
    items = [*unknown.items(), ("status", raw_status), ("externalLinks", extra_in_links)]
    order = draw(st.permutations(range(len(items))))
    return dict(items[i] for i in order)


links = st.builds(
    Link,
    tracker=st.just(Tracker.GITHUB),
    item=st.integers(1, 10_000).map(lambda n: f"acme/shop#{n}"),
    role=st.sampled_from(LinkRole),
    story=st.integers(1, 30).map(lambda n: f"US-{n:03d}"),
) | st.builds(Link, tracker=st.just(Tracker.JIRA), item=st.integers(1, 999).map(lambda n: f"CORE-{n}"))
bases = st.builds(
    Base,
    local=st.sampled_from(Status),
    external=st.builds(ExternalState, state=st.sampled_from(["open", "closed", "Done", "In Progress"])),
    version=st.none() | st.text(max_size=10),
    synced_at=st.just(NOW),
)


def _project(tmp: str, data: dict[str, Any], fmt: JsonFormat) -> tuple[Project, bytes]:
    folder = Path(tmp) / ".specweave" / "increments" / "0042-checkout"
    folder.mkdir(parents=True)
    original = dumps(data, fmt)
    (folder / "metadata.json").write_bytes(original)
    return Project(Path(tmp)), original


def _assert_preserved(path: Path, before: dict[str, Any], fmt: JsonFormat) -> dict[str, Any]:
    raw = path.read_bytes()
    after = json.loads(raw)
    seen = detect_format(dumps(before, fmt).decode())
    assert (seen.indent, seen.trailing_newline) == (fmt.indent, fmt.trailing_newline)
    if fmt.indent is not None or fmt.trailing_newline:  # a one-line file without final newline shows no line ending
        assert seen.newline == fmt.newline
    # escaping can only be seen when the original had a non-ASCII character: compare with what was seen
    assert dumps(after, seen) == raw, "layout changed"
    assert list(after)[: len(before)] == list(before), "key order changed"
    for key, value in before.items():
        if key not in ("status", "externalLinks"):
            assert after[key] == value, f"unknown key {key!r} changed"
    return after


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=metadata(), fmt=formats, target=st.sampled_from(Status))
def test_set_status_preserves_everything_else(data: dict[str, Any], fmt: JsonFormat, target: Status) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project, original = _project(tmp, data, fmt)
        inc = project.increment("42")
        assert inc.metadata == data and list(inc.metadata) == list(data)
        after = set_status(inc, target, now=NOW)
        if inc.status == target:
            assert after.metadata_path.read_bytes() == original
            assert after.raw_status == data["status"]
        else:
            written = _assert_preserved(after.metadata_path, data, fmt)
            assert written["status"] == target.value
            assert written["externalLinks"] == data["externalLinks"]


@SETTINGS
@given(data=metadata(), fmt=formats, link=links)
def test_add_then_remove_link_restores_the_bytes(data: dict[str, Any], fmt: JsonFormat, link: Link) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project, original = _project(tmp, data, fmt)
        added = add_link(project.increment("42"), link)
        assert link.key in {existing.key for existing in added.links}
        written = _assert_preserved(added.metadata_path, data, fmt)
        for key, value in data["externalLinks"].items():
            assert written["externalLinks"][key] == value
        removed = remove_link(added, link)
        assert removed.metadata_path.read_bytes() == original


@SETTINGS
@given(data=metadata(), fmt=formats, base=bases, key=st.sampled_from(["github:acme/shop#1", "jira:CORE-1"]))
def test_write_then_delete_base_restores_the_bytes(data: dict[str, Any], fmt: JsonFormat, base: Base, key: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project, original = _project(tmp, data, fmt)
        inc = project.increment("42")
        assert write_bases(inc, {}).metadata_path.read_bytes() == original
        stored = write_bases(inc, {key: base})
        assert stored.bases == {key: base}
        written = _assert_preserved(stored.metadata_path, data, fmt)
        assert list(written)[-1] == "weavesync"
        assert write_bases(stored, {key: None}).metadata_path.read_bytes() == original


spec_lines = st.lists(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30), max_size=8
)


@SETTINGS
@given(
    before=spec_lines,
    body=spec_lines,
    newline=st.sampled_from(["\n", "\r\n"]),
    comment=st.sampled_from(["", "   # mirrored"]),
)
def test_spec_md_changes_only_its_status_line(body: list[str], before: list[str], newline: str, comment: str) -> None:
    head = [f"note{i}: {json.dumps(text, ensure_ascii=False)}" for i, text in enumerate(before)]
    lines = ["---", *head, f"status: active{comment}", "title: x", "---", *body]
    spec = newline.join(lines) + newline
    with tempfile.TemporaryDirectory() as tmp:
        project, _ = _project(tmp, {"status": "active"}, JsonFormat())
        inc = project.increment("42")
        inc.spec_path.write_bytes(spec.encode())
        inc = project.increment("42")
        after = set_status(inc, Status.PAUSED, now=NOW)
        expected = spec.replace(
            f"{newline}status: active{comment}{newline}", f"{newline}status: paused{comment}{newline}", 1
        )
        assert after.spec_path.read_bytes() == expected.encode()
        assert after.spec_status == "paused"
