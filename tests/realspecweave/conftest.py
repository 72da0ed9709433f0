"""Fixtures for the tests against the real SpecWeave 1.0.593 CLI (`tests/specweave_cli.py`) and the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.conftest import World, unthrottled_sandbox
from specweave_cli import SpecWeaveProject, make_project, specweave_bin
from weavesync.executor import reconcile
from weavesync.model import Status, Tracker
from weavesync.sandbox import Sandbox


@pytest.fixture(scope="session")
def specweave_command() -> Path:
    return specweave_bin()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    yield from unthrottled_sandbox()


def linked(world: World, inc_id: str, status: Status = Status.ACTIVE) -> str:
    """A GitHub item in the state `status` maps to, linked to `inc_id`, with its first sync done (base recorded)."""
    item = world.create_item(Tracker.GITHUB, status)
    world.link(inc_id, Tracker.GITHUB, item)
    with world.session() as session:
        reconcile(session, session.policy(), [inc_id])
    return item


def sync(world: World, inc_id: str) -> None:
    with world.session() as session:
        reconcile(session, session.policy(), [inc_id])


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
