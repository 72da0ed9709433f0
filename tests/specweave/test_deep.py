"""Deeply nested metadata.json or spec.md front matter is one increment's problem, never a crash of the run.

100,000 levels of ``[`` made `json.loads` raise RecursionError, which no reader caught: `status` and `sync` died
without naming the file. Nesting a few hundred levels deep parsed, then broke the writer's deepcopy.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from weavesync.model import Status
from weavesync.specweave import frontmatter, jsonfile, set_status

from .conftest import ProjectFactory

NOW = datetime(2026, 12, 4, tzinfo=UTC)
DEEP = [100_000, 600, jsonfile.MAX_DEPTH + 1]


def _nested(levels: int) -> bytes:
    return b'{"id": "x", "status": "active", "deep": ' + b"[" * levels + b"]" * levels + b"}"


@pytest.mark.parametrize("levels", DEEP)
def test_deep_json_is_a_one_line_error(levels: int) -> None:
    with pytest.raises(jsonfile.JsonFileError, match=f"nested deeper than {jsonfile.MAX_DEPTH} levels"):
        jsonfile.loads(_nested(levels))


def test_nesting_up_to_the_limit_reads_and_writes_back() -> None:
    data, fmt = jsonfile.loads(_nested(jsonfile.MAX_DEPTH - 1))
    assert jsonfile.loads(jsonfile.dumps(data, fmt))[0] == data


@pytest.mark.parametrize("levels", DEEP)
def test_scan_reports_the_deep_increment_and_lists_the_others(factory: ProjectFactory, levels: int) -> None:
    factory.increment("0001-deep", metadata_bytes=_nested(levels))
    factory.increment("0002-fine", "active")
    scan = factory.project.scan()
    assert [inc.id for inc in scan.increments] == ["0002-fine"]
    [problem] = scan.problems
    assert problem.file == ".specweave/increments/0001-deep/metadata.json"
    assert "nested deeper" in str(problem) and "\n" not in str(problem)


@pytest.mark.parametrize("levels", [100_000, 900, frontmatter.MAX_DEPTH + 1])
def test_deep_front_matter_is_a_one_line_error(levels: int) -> None:
    with pytest.raises(frontmatter.FrontMatterError):
        frontmatter.split("---\nstatus: active\ndeep: " + "[" * levels + "]" * levels + "\n---\n")


def test_deep_front_matter_with_the_pure_python_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml, PyYAML's own parser recurses per level and raises RecursionError."""

    class PureLoader(yaml.SafeLoader):
        pass

    monkeypatch.setattr(frontmatter, "_NoTimestampLoader", PureLoader)
    with pytest.raises(frontmatter.FrontMatterError, match="nested"):
        frontmatter.split("---\ndeep: " + "[" * 100_000 + "]" * 100_000 + "\n---\n")


def test_deep_spec_md_names_the_file_and_the_others_still_write(factory: ProjectFactory) -> None:
    factory.increment("0001-deep", "active", spec="---\nstatus: active\nx: " + "[" * 5000 + "]" * 5000 + "\n---\n")
    factory.increment("0002-fine", "active")
    scan = factory.project.scan()
    assert [inc.id for inc in scan.increments] == ["0002-fine"]
    assert scan.problems[0].file == ".specweave/increments/0001-deep/spec.md"
    assert set_status(scan.increments[0], Status.PAUSED, now=NOW).status is Status.PAUSED
