"""A factory that builds SpecWeave projects in a temp folder, shaped like SpecWeave 1.0.593 writes them.

The layout and the metadata/spec.md shapes mirror what `specweave` 1.0.593 produced in a real run (see
examples/sample-project); link shapes follow research notes on every generation of SpecWeave.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from weavesync.specweave import Project
from weavesync.specweave.files import TEMP_SUFFIX

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "sample-project"

SPEC_TEMPLATE = """---
increment: {id}
title: "{title}"
type: feature
priority: P1
status: {status}
created: 2026-11-24
structure: user-stories
test_mode: TDD
coverage_target: 80
---

# Feature: {title}

## User Stories

### US-001: Pay as a guest (P1)
**Project**: demo

---

- [ ] **AC-US1-01**: status: not a front matter line
"""


def specweave_metadata(inc_id: str, status: str = "active", **extra: Any) -> dict[str, Any]:
    """metadata.json as SpecWeave 1.0.593's template writes it (then `extra` keys appended in order)."""
    data: dict[str, Any] = {
        "id": inc_id,
        "status": status,
        "type": "feature",
        "priority": "P1",
        "created": "2026-11-24T02:44:29.992Z",
        "lastActivity": "2026-11-24T02:44:29.992Z",
        "testMode": "TDD",
        "coverageTarget": 80,
        "feature_id": None,
        "epic_id": None,
        "externalLinks": {},
        "planning": {"parallel": False},
        "project": "demo",
    }
    data.update(extra)
    return data


def specweave_json(data: dict[str, Any]) -> bytes:
    """Exactly what JSON.stringify(data, null, 2) writes: 2 spaces, raw non-ASCII, no trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


class ProjectFactory:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / ".specweave" / "increments").mkdir(parents=True)
        (root / ".specweave" / "config.json").write_text('{\n  "version": "2.0"\n}')

    @property
    def project(self) -> Project:
        return Project(self.root)

    def increment(
        self,
        inc_id: str,
        status: str = "active",
        *,
        metadata: dict[str, Any] | None = None,
        metadata_bytes: bytes | None = None,
        spec: str | None = "",
        spec_status: str | None = None,
        archived: bool = False,
        **extra: Any,
    ) -> Path:
        """Create an increment folder. `spec=""` writes the template spec.md; `spec=None` writes none."""
        base = self.root / ".specweave" / "increments"
        folder = (base / "_archive" / inc_id) if archived else (base / inc_id)
        folder.mkdir(parents=True)
        if metadata_bytes is None:
            data = metadata if metadata is not None else specweave_metadata(inc_id, status, **extra)
            metadata_bytes = specweave_json(data)
        (folder / "metadata.json").write_bytes(metadata_bytes)
        if spec == "":
            title = inc_id.split("-", 1)[-1].replace("-", " ").capitalize()
            spec = SPEC_TEMPLATE.format(id=inc_id, title=title, status=spec_status or status)
        if spec is not None:
            (folder / "spec.md").write_bytes(spec.encode("utf-8"))
        return folder

    def user_story(
        self, project: str, feature: str, filename: str, front_matter: str, *, archived: bool = False
    ) -> Path:
        base = self.root / ".specweave" / "docs" / "internal" / "specs" / project
        folder = (base / "_archive" / feature) if archived else (base / feature)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / filename
        path.write_text(f"---\n{front_matter}---\n\n# {filename}\n", encoding="utf-8")
        return path


def tree_digest(root: Path, *, locks: bool = False) -> dict[str, str]:
    """Every file under root with its sha256 and mode: proves a read (or a no-op write) changed nothing.

    Lock files under .specweave/state/locks/ are left out unless `locks` is set: a writer creates its (empty)
    lock file even when it then finds nothing to change.
    """
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest() + oct(path.stat().st_mode)
        for path in sorted(root.rglob("*"))
        if path.is_file() and (locks or "locks" not in path.relative_to(root).parts)
    }


@pytest.fixture
def factory(tmp_path: Path) -> ProjectFactory:
    return ProjectFactory(tmp_path / "proj")


@pytest.fixture
def sample(tmp_path: Path) -> Iterator[Project]:
    """A private copy of the project SpecWeave 1.0.593 generated (examples/sample-project)."""
    target = tmp_path / "sample"
    shutil.copytree(SAMPLE, target)
    yield Project(target)


def specweave_writes(path: Path, **changes: Any) -> None:
    """Change metadata.json the way SpecWeave 1.0.593's MetadataManager does: read it, change fields, write the
    fixed temp name ``metadata.json.tmp`` and rename it over the file. No lock (SpecWeave takes none)."""
    data = json.loads(path.read_bytes())
    data.update(changes)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(specweave_json(data))
    os.replace(tmp, path)


def in_write_window(monkeypatch: pytest.MonkeyPatch, name: str, action: Callable[[], None], times: int = 1) -> None:
    """Run `action` (another writer) while weavesync writes `name`: after its temp file is complete and synced,
    before it replaces the file, which is the window a read-then-rename writer loses updates in.

    Interposes `os.fsync` and recognises weavesync's temp file by its name (Linux `/proc/self/fd`).
    """
    real = os.fsync
    left = [times]

    def fsync(fd: int) -> None:
        real(fd)
        try:
            opened = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            return
        if left[0] > 0 and opened.startswith(f".{name}.") and opened.endswith(TEMP_SUFFIX):
            left[0] -= 1
            action()

    monkeypatch.setattr(os, "fsync", fsync)
