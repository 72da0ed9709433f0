"""Fixtures for the receiver tests: fake tracker kinds in the registry, a project, and a session opener."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from linked_project import make_project
from weavesync.executor import SyncSession
from weavesync.model import Tracker
from weavesync.specweave import find_project
from weavesync.trackers import registry

from .fakes import FakeKind

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
