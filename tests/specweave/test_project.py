from __future__ import annotations

from pathlib import Path

import pytest

from weavesync.errors import ProjectNotFound, SpecWeaveFileError, UsageError
from weavesync.model import Status
from weavesync.specweave import Project, find_project

from .conftest import ProjectFactory, tree_digest


def test_find_project_walks_up_from_start(factory: ProjectFactory) -> None:
    folder = factory.increment("0042-checkout")
    assert find_project(start=folder).root == factory.root
    assert find_project(start=factory.root).root == factory.root


def test_find_project_uses_cwd(factory: ProjectFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(factory.root / ".specweave")
    assert find_project().root == factory.root


def test_find_project_explicit_accepts_root_or_specweave_dir(factory: ProjectFactory) -> None:
    assert find_project(factory.root).root == factory.root
    assert find_project(factory.root / ".specweave").root == factory.root


def test_find_project_explicit_does_not_walk_up(factory: ProjectFactory) -> None:
    sub = factory.root / "docs"
    sub.mkdir()
    with pytest.raises(ProjectNotFound, match=r"no \.specweave/ folder"):
        find_project(sub)


def test_find_project_not_found(tmp_path: Path) -> None:
    with pytest.raises(ProjectNotFound):
        find_project(start=tmp_path)


def test_project_paths(factory: ProjectFactory) -> None:
    project = factory.project
    assert project.specweave_dir == factory.root / ".specweave"
    assert project.config_path == factory.root / ".specweave" / "config.json"
    assert project.state_dir == factory.root / ".specweave" / "state"
    assert project.logs_dir == factory.root / ".specweave" / "logs"


def test_scan_lists_active_archived_and_suffixed_ids_sorted(factory: ProjectFactory) -> None:
    factory.increment("0042-checkout")
    factory.increment("0118E-imported-from-jira", "in-progress")
    factory.increment("0007-old", "completed", archived=True)
    factory.increment("0437J-other")
    inc_dir = factory.root / ".specweave" / "increments"
    (inc_dir / ".hidden-0001").mkdir()
    (inc_dir / "_templates").mkdir()
    (inc_dir / "notes").mkdir()
    (inc_dir / "0099-a-file").write_text("not a folder")
    (inc_dir / "_archive" / "README.md").write_text("x")

    scan = factory.project.scan()

    assert scan.problems == []
    assert [i.id for i in scan.increments] == ["0007-old", "0042-checkout", "0118E-imported-from-jira", "0437J-other"]
    by_id = {i.id: i for i in scan.increments}
    assert by_id["0007-old"].archived and not by_id["0042-checkout"].archived
    assert by_id["0118E-imported-from-jira"].number == "0118E"
    assert by_id["0118E-imported-from-jira"].status is Status.ACTIVE
    assert by_id["0042-checkout"].number == "0042"


def test_scan_of_empty_project(tmp_path: Path) -> None:
    (tmp_path / ".specweave").mkdir()
    assert Project(tmp_path).scan().increments == []


def test_broken_increment_is_a_problem_and_the_others_are_listed(factory: ProjectFactory) -> None:
    factory.increment("0001-good")
    factory.increment("0002-bad-json", metadata_bytes=b'{"status": "active",')
    factory.increment("0003-good")
    scan = factory.project.scan()
    assert [i.id for i in scan.increments] == ["0001-good", "0003-good"]
    assert len(scan.problems) == 1
    problem = scan.problems[0]
    assert isinstance(problem, SpecWeaveFileError)
    assert problem.file == ".specweave/increments/0002-bad-json/metadata.json"


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("0042", "0042-checkout"),
        ("42", "0042-checkout"),
        ("0042-checkout", "0042-checkout"),
        ("42-checkout", "0042-checkout"),
        ("0118E", "0118E-imported"),
        ("0118e", "0118E-imported"),
        ("0118E-imported", "0118E-imported"),
        ("118", "0118-plain"),
        ("7", "0007-old"),
    ],
)
def test_increment_refs(factory: ProjectFactory, ref: str, expected: str) -> None:
    factory.increment("0042-checkout")
    factory.increment("0118E-imported")
    factory.increment("0118-plain")
    factory.increment("0007-old", archived=True)
    assert factory.project.increment(ref).id == expected


def test_unknown_ref(factory: ProjectFactory) -> None:
    factory.increment("0042-checkout")
    with pytest.raises(UsageError, match="no increment '43'"):
        factory.project.increment("43")
    with pytest.raises(UsageError):
        factory.project.increment("checkout")


def test_ambiguous_ref_names_the_candidates(factory: ProjectFactory) -> None:
    factory.increment("0042-checkout")
    factory.increment("0042-payments")
    with pytest.raises(UsageError, match="ambiguous") as caught:
        factory.project.increment("42")
    assert "0042-checkout" in str(caught.value) and "0042-payments" in str(caught.value)


def test_ref_to_broken_increment_raises_its_file_error(factory: ProjectFactory) -> None:
    factory.increment("0042-checkout", metadata_bytes=b"[]")
    with pytest.raises(SpecWeaveFileError, match="expected a JSON object"):
        factory.project.increment("42")


def test_sample_project_from_specweave_1_0_593(sample: Project) -> None:
    before = tree_digest(sample.root, locks=True)
    scan = sample.scan()
    assert scan.problems == []
    got = {i.id: (i.status, i.raw_status, i.status_mismatch) for i in scan.increments}
    assert got == {
        "0001-status-sync": (Status.PLANNING, "planned", False),
        "0002-checkout-flow": (Status.PAUSED, "paused", False),
        "0003-search-api": (Status.COMPLETED, "completed", False),
        "0004-dark-mode": (Status.ABANDONED, "abandoned", False),
    }
    assert all(i.links == [] and i.link_warnings == [] for i in scan.increments)
    assert tree_digest(sample.root, locks=True) == before  # reading takes no lock and creates no file
