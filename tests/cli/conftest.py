"""Fixtures for the CLI tests: small SpecWeave projects written to tmp_path, a CliRunner, and the sample project.

Shapes follow SpecWeave 1.0.x files: metadata.json with 2-space indentation and no trailing newline, and spec.md
whose front matter mirrors the status.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from weavesync.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "sample-project"


def write_increment(root: Path, inc_id: str, metadata: dict[str, Any] | str, *, spec_status: str | None = None,
                    archived: bool = False) -> Path:
    """One increment folder. `metadata` as a string is written verbatim (for broken files)."""
    base = root / ".specweave" / "increments"
    folder = (base / "_archive" if archived else base) / inc_id
    folder.mkdir(parents=True, exist_ok=True)
    text = metadata if isinstance(metadata, str) else json.dumps(metadata, indent=2)
    (folder / "metadata.json").write_text(text, encoding="utf-8")
    if spec_status is not None:
        (folder / "spec.md").write_text(f'---\nincrement: {inc_id}\ntitle: "{inc_id}"\nstatus: {spec_status}\n'
                                        f"---\n\n# {inc_id}\n", encoding="utf-8")
    return folder


def meta(inc_id: str, status: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": inc_id, "status": status, "type": "feature", "priority": "P1",
                            "created": "2026-11-24T02:44:29.992Z", "lastActivity": "2026-11-24T02:44:29.992Z"}
    data.update(extra)
    return data


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A healthy project: a planned increment with a 1.0.x GitHub link, an active one with an FS-031-era Jira link
    and a spec.md that disagrees, and an archived completed one with an ADO link."""
    root = tmp_path / "proj"
    (root / ".specweave").mkdir(parents=True)
    write_increment(root, "0001-status-sync", meta(
        "0001-status-sync", "planned",
        externalLinks={"github": {"issueNumber": 101, "issueUrl": "https://github.com/acme/shop/issues/101",
                                  "repo": "acme/shop"}},
    ), spec_status="planned")
    write_increment(root, "0002-checkout", meta("0002-checkout", "active", jira={"issue": "CORE-7"}),
                    spec_status="paused")
    write_increment(root, "0003-search", meta(
        "0003-search", "completed",
        externalLinks={"ado": {"workItemId": 2440, "organization": "acme", "project": "Shop"}},
    ), spec_status="completed", archived=True)
    return root


@pytest.fixture()
def broken_project(project: Path) -> Path:
    """`project` plus one increment whose metadata.json is not valid JSON."""
    write_increment(project, "0004-broken", '{\n  "id": "0004-broken",\n  "status": "active",\n}')
    return project


@pytest.fixture()
def sample_project(tmp_path: Path) -> Path:
    """The example project written by SpecWeave 1.0.593 itself, copied so tests may write to it."""
    if not (SAMPLE / ".specweave").is_dir():
        pytest.skip("examples/sample-project has no .specweave/ yet")
    target = tmp_path / "sample-project"
    shutil.copytree(SAMPLE, target)
    return target


Invoke = Callable[..., Result]


@pytest.fixture()
def invoke() -> Invoke:
    """Run the CLI in-process; stdout and stderr are kept apart (click >= 8.2)."""
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(cli, list(args), env=env, catch_exceptions=False)

    return run


def run_entry_point(*args: str, cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m weavesync ...` in a child process, the way the console script runs it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["NO_COLOR"] = "1"
    return subprocess.run([sys.executable, "-m", "weavesync", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def table_rows(stdout: str) -> list[dict[str, str]]:
    """A table printed off a terminal (tab-separated, header first) as one dict per row, keyed by header.
    Fails when a line is not a record of the header's width (box drawing, wrapping, a title)."""
    header, *lines = stdout.splitlines()
    columns = header.split("\t")
    assert len(columns) > 1, f"not a tab-separated header: {header!r}"
    rows = []
    for line in lines:
        cells = line.split("\t")
        assert len(cells) == len(columns), f"not a record of {columns}: {line!r}"
        rows.append(dict(zip(columns, cells, strict=True)))
    return rows
