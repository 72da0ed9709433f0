"""Fixtures for the tests against the real SpecWeave 1.0.593 CLI (`tests/specweave_cli.py`) and the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from e2e.conftest import World
from specweave_cli import SpecWeaveProject, make_project, specweave_bin
from weavesync.sandbox import Sandbox


@pytest.fixture(scope="session")
def specweave_command() -> Path:
    return specweave_bin()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        httpx.post(f"{running.urls['github']}/_sandbox/ratelimit",
                   json={"limit": 1_000_000, "points_per_minute": 1_000_000, "content_per_minute": 1_000_000,
                         "content_per_hour": 1_000_000})
        yield running


TRACKER_PLACES = {
    "github": {"enabled": True, "owner": "acme", "repo": "shop"},
    "jira": {"enabled": True, "domain": "acme.atlassian.net", "projectKey": "CORE"},
    "ado": {"enabled": True, "organization": "acme", "project": "Shop"},
}


@pytest.fixture()
def project(tmp_path: Path, specweave_command: Path) -> SpecWeaveProject:
    """A project made by `specweave init` (no increment yet), its trackers named as SpecWeave names them."""
    made = make_project(specweave_command, tmp_path)
    made.edit_config(sync=TRACKER_PLACES)
    return made


@pytest.fixture()
def world(project: SpecWeaveProject, sandbox: Sandbox) -> Iterator[World]:
    env = {k: v for k, v in sandbox.env().items() if not k.startswith("SANDBOX_PERSON_")}
    built = World(sandbox=sandbox, root=project.root, env=env)
    yield built
    built.close()
