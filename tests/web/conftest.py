"""Fixtures for the receiver tests: fake tracker kinds in the registry, a project, and a session opener (unit
tests); the loopback sandbox, a person acting on one of its trackers and a project linked to her item (integration
tests over real HTTP)."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from linked_project import make_project
from weavesync.executor import SyncSession, reconcile
from weavesync.model import Tracker
from weavesync.sandbox import ACCOUNTS, PERSON, Sandbox
from weavesync.specweave import find_project
from weavesync.trackers import registry

from .fakes import FakeKind
from .sandbox_world import SECRET_ENV as SANDBOX_SECRETS
from .sandbox_world import Person, project_linked_to

SECRET = "It's a Secret to Everybody"
SECRET_ENV = {"WEAVESYNC_GITHUB_WEBHOOK_SECRET": SECRET, "WEAVESYNC_ADO_WEBHOOK_SECRET": SECRET}
"""Jira deliberately has no secret: its deliveries must be refused."""


@pytest.fixture()
def kinds(monkeypatch: pytest.MonkeyPatch) -> dict[Tracker, FakeKind]:
    found: dict[Tracker, FakeKind] = {}
    for tracker in Tracker:
        fake = found[tracker] = FakeKind(tracker)
        name = f"fake_web_tracker_{tracker.value}"
        module = types.ModuleType(name)
        module.KIND = fake  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, name, module)
        monkeypatch.setitem(registry._KINDS, tracker, name)
    return found


@pytest.fixture()
def open_session(tmp_path: Path, kinds: dict[Tracker, FakeKind]) -> Iterator[Callable[[], SyncSession]]:
    """Opens sessions on one project (each test closes what the app does not)."""
    make_project(tmp_path)
    opened: list[SyncSession] = []

    def factory() -> SyncSession:
        session = SyncSession.open(find_project(tmp_path), env={"GITHUB_TOKEN": "ghp_test", **SECRET_ENV})
        opened.append(session)
        return session

    yield factory
    for session in opened:
        session.close()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture()
def person(sandbox: Sandbox, request: pytest.FixtureRequest) -> Iterator[Person]:
    tracker = Tracker(getattr(request, "param", "github"))
    env = sandbox.env()
    if tracker is Tracker.GITHUB:
        client = httpx.Client(base_url=sandbox.urls["github"],
                              headers={"Authorization": f"Bearer {ACCOUNTS['github'][PERSON].secret}"})
    elif tracker is Tracker.JIRA:
        client = httpx.Client(base_url=sandbox.urls["jira"], auth=(env["SANDBOX_PERSON_JIRA_EMAIL"],
                                                                   env["SANDBOX_PERSON_JIRA_API_TOKEN"]))
    else:
        client = httpx.Client(base_url=env["AZURE_DEVOPS_ORG_URL"], params={"api-version": "7.1"},
                              auth=("", env["SANDBOX_PERSON_AZURE_DEVOPS_PAT"]))
    with client:
        yield Person(tracker, client)


@pytest.fixture()
def linked(tmp_path: Path, sandbox: Sandbox, person: Person) -> Iterator[Callable[[], tuple[SyncSession, str]]]:
    """A new in-progress item, a project linked to it, and a session whose first sync recorded the base."""
    opened: list[SyncSession] = []

    def make() -> tuple[SyncSession, str]:
        item, link = person.new_item()
        root = project_linked_to(tmp_path / f"p{len(opened)}", person.tracker, link)
        session = SyncSession.open(find_project(root), env={**sandbox.env(), **SANDBOX_SECRETS})
        opened.append(session)
        first = reconcile(session, session.policy(interactive=False))
        assert not first.failed, first.problems
        assert f"{person.tracker.value}:{item}" in session.increment("0042").bases
        return session, item

    yield make
    for session in opened:
        session.close()
