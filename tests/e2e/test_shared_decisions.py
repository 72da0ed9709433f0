"""Issue 15 item 2, shared decisions: clones (a developer's, CI's, `serve`'s) on one store see every decision, and a
decision answered anywhere is never asked again anywhere, before or after the answering clone's commit is pulled.

Both clones here share one store: the PostgreSQL schema of the run, or on SQLite one file both point at. A "pull"
copies the answering clone's increment files over the other's, as `git pull` would.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from weavesync.cli.main import cli
from weavesync.executor import Answer, SyncSession, reconcile, resolve_pending
from weavesync.model import Status, Tracker
from weavesync.specweave import find_project

from .conftest import FAST_RETRIES, World
from .linked import INC, expresses


class Clone:
    """One working copy of the project, with the store every clone shares."""

    def __init__(self, world: World, root: Path, store_url: str) -> None:
        self.world, self.root, self.store_url = world, root, store_url

    def session(self) -> SyncSession:
        opened = SyncSession.open(find_project(self.root), env=self.world.env, database_url=self.store_url,
                                  retry=FAST_RETRIES)
        self.world.sessions.append(opened)
        return opened

    def sync(self) -> object:
        with self.session() as session:
            return reconcile(session, session.policy(interactive=False))

    def status(self) -> Status:
        with self.session() as session:
            return session.increment(INC).status

    def pull_from(self, other: Clone) -> None:
        shutil.rmtree(self.root / ".specweave" / "increments", ignore_errors=True)
        shutil.copytree(other.root / ".specweave" / "increments", self.root / ".specweave" / "increments")


@pytest.fixture
def clones(world: World, tmp_path_factory: pytest.TempPathFactory, database_url: str | None
           ) -> Iterator[tuple[Clone, Clone]]:
    store_url = database_url or f"sqlite:///{tmp_path_factory.mktemp('shared')}/state.db"
    laptop = Clone(world, world.root, store_url)
    ci_root = tmp_path_factory.mktemp("ci-clone")
    (ci_root / ".specweave").mkdir()
    shutil.copy(world.root / ".specweave" / "config.json", ci_root / ".specweave" / "config.json")
    yield laptop, Clone(world, ci_root, store_url)


def first_synced(world: World, tracker: Tracker, laptop: Clone, ci: Clone) -> str:
    """An item linked and synced in the laptop's clone (on the shared store), then pulled by CI's clone."""
    item = world.create_item(tracker, Status.ACTIVE)
    world.link(INC, tracker, item)
    with laptop.session() as session:
        report = reconcile(session, session.policy())
        assert not report.failed and not report.pending, report.problems
    ci.pull_from(laptop)
    return item


@pytest.mark.parametrize("choice", ["yes", "no"])
def test_a_decision_answered_in_one_clone_is_not_asked_in_another(world: World, clones: tuple[Clone, Clone],
                                                                  tracker: Tracker, choice: str) -> None:
    laptop, ci = clones
    item = first_synced(world, tracker, laptop, ci)
    world.alice_sets(tracker, item, Status.COMPLETED)
    asked = ci.sync().pending  # CI meets the person's close first
    assert len(asked) == 1
    with laptop.session() as session:
        (shared,) = session.store.pending_decisions()  # the developer sees CI's question
        assert shared.id == asked[0].id
        resolve_pending(session, shared, Answer(choice))
        report = reconcile(session, session.policy(interactive=False))
        assert not report.pending
    expected = Status.COMPLETED if choice == "yes" else Status.ACTIVE
    assert laptop.status() is expected
    # "yes" moves SpecWeave to the item's state; "no" keeps SpecWeave's status and leaves the item closed.
    closed = Status.COMPLETED
    # CI has not pulled the developer's commit yet: the question is not asked again, nothing is written back.
    before = ci.sync()
    assert not before.pending, "answered in the other clone"
    shown = CliRunner().invoke(cli, ["sync", "--no-input", "--json", "--project", str(ci.root)],
                               env={**world.env, "WEAVESYNC_DATABASE_URL": ci.store_url})
    assert shown.exit_code == 0, shown.output
    (answered,) = json.loads(shown.stdout)["answeredElsewhere"]
    assert answered["link"].startswith(tracker.value) and f'"{choice}"' in answered["why"]
    with ci.session() as session:
        assert not session.store.pending_decisions()
    assert expresses(world, tracker, item, closed)
    # CI pulls: both clones agree, nothing left to do or ask in either.
    ci.pull_from(laptop)
    for clone in (ci, laptop):
        again = clone.sync()
        assert not again.pending and not again.writes
        assert clone.status() is expected
    assert expresses(world, tracker, item, closed)


def test_the_same_change_made_again_later_is_a_new_question(world: World, clones: tuple[Clone, Clone],
                                                            tracker: Tracker) -> None:
    laptop, ci = clones
    item = first_synced(world, tracker, laptop, ci)
    world.alice_sets(tracker, item, Status.COMPLETED)
    (decision,) = ci.sync().pending
    with laptop.session() as session:
        resolve_pending(session, decision, Answer("no"))  # keep it active, the item stays closed
    assert not ci.sync().pending, "answered in the laptop's clone"
    # The person reopens, and later closes again: the same divergence as far as CI's files know, but a new change
    # of the item, so a new question.
    world.alice_sets(tracker, item, Status.ACTIVE)
    assert not ci.sync().pending
    time.sleep(1.1)  # the trackers' change times are second-granular
    world.alice_sets(tracker, item, Status.COMPLETED)
    again = ci.sync().pending
    assert len(again) == 1 and again[0].id != decision.id
    assert laptop.status() is Status.ACTIVE
