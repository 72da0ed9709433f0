"""US-004 "Bidirectional Status Sync" end to end, for each tracker, over real HTTP against the sandbox.

Each test is named after the acceptance criterion it proves. Prompts on a real terminal are in
`test_prompts_tty.py`; here decisions are taken off a terminal (stored pending) and finished with `resolve`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from weavesync.config import default_mappings
from weavesync.executor import Answer, drain, reconcile, resolve_pending
from weavesync.model import Status, Tracker
from weavesync.specweave import set_status

from .conftest import SANDBOX_NAMES, World
from .linked import INC, expresses, linked, remote


def test_AC_US4_01_local_change_updates_the_item(world: World, tracker: Tracker) -> None:
    item = linked(world, tracker)
    with world.session() as session:
        set_status(session.increment(INC), Status.COMPLETED, now=datetime.now(UTC))
        report = reconcile(session, session.policy())
    assert [w.outcome for w in report.writes] == ["ok"]
    state = remote(world, tracker, item).state
    assert default_mappings()[tracker].satisfies(state, Status.COMPLETED)
    expected = {Tracker.GITHUB: ("closed", "completed"), Tracker.JIRA: ("Done", None),
                Tracker.ADO: ("Closed", None)}[tracker]
    assert state.state == expected[0]
    if expected[1]:
        assert state.reason == expected[1]


def test_AC_US4_01_jira_walks_the_workflow_with_a_resolution(world: World) -> None:
    item = linked(world, Tracker.JIRA)
    with world.session() as session:
        set_status(session.increment(INC), Status.COMPLETED, now=datetime.now(UTC))
        reconcile(session, session.policy())
    env = world.env
    issue = httpx.get(f"{env['JIRA_BASE_URL']}/rest/api/3/issue/{item}", params={"fields": "status,resolution"},
                      auth=(env["JIRA_EMAIL"], env["JIRA_API_TOKEN"])).json()
    assert issue["fields"]["status"]["name"] == "Done"
    assert issue["fields"]["resolution"]["name"] == "Done"


def test_AC_US4_02_a_persons_close_is_pending_off_a_terminal(world: World, tracker: Tracker) -> None:
    item = linked(world, tracker)
    world.alice_sets(tracker, item, Status.COMPLETED)
    with world.session() as session:
        report = reconcile(session, session.policy(interactive=False))
        assert len(report.pending) == 1
        assert session.increment(INC).status is Status.ACTIVE, "nothing is chosen silently"
        pending = [r for r in session.log.records() if r["outcome"] == "pending"]
        assert len(pending) == 1 and pending[0]["to"] == "completed"
        resolve_pending(session, report.pending[0], Answer("yes"))
        assert session.increment(INC).status is Status.COMPLETED
        again = reconcile(session, session.policy(interactive=False))
    assert not again.pending and not again.writes
    assert expresses(world, tracker, item, Status.COMPLETED)


def test_AC_US4_02_declined_close_is_not_asked_again(world: World, tracker: Tracker) -> None:
    item = linked(world, tracker)
    world.alice_sets(tracker, item, Status.COMPLETED)
    with world.session() as session:
        decision = reconcile(session, session.policy(interactive=False)).pending[0]
        resolve_pending(session, decision, Answer("no"))
        assert session.increment(INC).status is Status.ACTIVE
        assert not reconcile(session, session.policy(interactive=False)).pending
    assert expresses(world, tracker, item, Status.COMPLETED), "declining never reopens the item by itself"


def test_AC_US4_03_a_persons_reopen_is_pending_then_accepted(world: World, tracker: Tracker) -> None:
    item = linked(world, tracker)
    with world.session() as session:
        set_status(session.increment(INC), Status.COMPLETED, now=datetime.now(UTC))
        reconcile(session, session.policy())
    world.alice_sets(tracker, item, Status.ACTIVE)
    with world.session() as session:
        report = reconcile(session, session.policy(interactive=False))
        (decision,) = report.pending
        assert decision.payload["proposed"] == "active"
        resolve_pending(session, decision, Answer("yes"))
        assert session.increment(INC).status is Status.ACTIVE


def test_AC_US4_03_prompt_user_false_applies_a_reopen_automatically(world: World, tracker: Tracker) -> None:
    item = linked(world, tracker)
    with world.session() as session:
        set_status(session.increment(INC), Status.COMPLETED, now=datetime.now(UTC))
        reconcile(session, session.policy())
    world.alice_sets(tracker, item, Status.ACTIVE)
    with world.session() as session:
        report = reconcile(session, session.policy(assume_yes=True, interactive=False))
        assert not report.pending
        assert session.increment(INC).status is Status.ACTIVE


def test_AC_US4_04_every_sync_is_logged_with_utc_time_and_reason(world: World, tracker: Tracker) -> None:
    item = linked(world, tracker)
    started = datetime.now(UTC) - timedelta(seconds=1)
    with world.session() as session:
        set_status(session.increment(INC), Status.PAUSED, now=datetime.now(UTC))
        reconcile(session, session.policy())
        records = list(session.log.records(increment="0042-checkout", tracker=tracker.value))
    (push,) = [r for r in records if r["direction"] == "push"]
    assert push["item"] == item and push["outcome"] == "ok" and push["to"] == "paused"
    assert str(push["ts"]).endswith("Z")
    assert datetime.fromisoformat(str(push["ts"]).replace("Z", "+00:00")) >= started
    assert "active → paused" in str(push["reason"])
    assert push["trigger"] == "cli" and push["op"] and push["attempt"] == 1


WRITE_PATHS = {Tracker.GITHUB: ("PATCH", r"/issues/\d+$"), Tracker.JIRA: ("POST", r"/transitions$"),
               Tracker.ADO: ("PATCH", r"/workitems/\d+$")}


def test_AC_US4_05_retries_with_growing_waits_under_5xx_and_429(world: World, tracker: Tracker) -> None:
    item = linked(world, tracker)
    method, path = WRITE_PATHS[tracker]
    url = world.sandbox.urls[SANDBOX_NAMES[tracker]]
    # Two 503s without Retry-After (exponential backoff), then a 429 that says how long to wait.
    script = [{"kind": "503", "method": method, "path": path, "times": 2, "headers": {"retry-after": ""}},
              {"kind": "429", "method": method, "path": path, "headers": {"Retry-After": "1"}}]
    assert httpx.post(f"{url}/_sandbox/script", json=script).status_code == 200
    with world.session() as session:
        set_status(session.increment(INC), Status.ABANDONED, now=datetime.now(UTC))
        report = reconcile(session, session.policy())
        (write,) = report.writes
        retrying = [r for r in session.log.records() if r["outcome"] == "retrying"]
    assert write.outcome == "ok" and write.attempts == 4
    assert write.waits[0] < write.waits[1], "exponential backoff grows"
    assert write.waits[2] == pytest.approx(1.0), "the server's Retry-After is honoured"
    assert [r["attempt"] for r in retrying] == [1, 2, 3]
    assert expresses(world, tracker, item, Status.ABANDONED)
    assert httpx.get(f"{url}/_sandbox/stats").json()["scripted"] == []


def test_AC_US4_06_one_increment_linked_to_all_three_in_one_run(world: World) -> None:
    items = {t: world.create_item(t) for t in Tracker}
    for tracker, item in items.items():
        world.link(INC, tracker, item)
    with world.session() as session:
        reconcile(session, session.policy())
        set_status(session.increment(INC), Status.COMPLETED, now=datetime.now(UTC))
        report = reconcile(session, session.policy())
    assert sorted(w.tracker for w in report.writes) == ["ado", "github", "jira"]
    assert all(w.outcome == "ok" for w in report.writes)
    for tracker, item in items.items():
        assert expresses(world, tracker, item, Status.COMPLETED), tracker


def test_AC_US4_06_accepting_a_close_pushes_to_the_other_trackers(world: World) -> None:
    items = {t: world.create_item(t) for t in Tracker}
    for tracker, item in items.items():
        world.link(INC, tracker, item)
    with world.session() as session:
        reconcile(session, session.policy())
    world.alice_sets(Tracker.GITHUB, items[Tracker.GITHUB], Status.COMPLETED)
    with world.session() as session:
        report = reconcile(session, session.policy(assume_yes=True, interactive=False))
        assert session.increment(INC).status is Status.COMPLETED
    assert sorted(w.tracker for w in report.writes) == ["ado", "jira"]
    for tracker, item in items.items():
        assert expresses(world, tracker, item, Status.COMPLETED), tracker


def test_no_echo_prompt_after_our_own_write(world: World, tracker: Tracker) -> None:
    linked(world, tracker)
    with world.session() as session:
        set_status(session.increment(INC), Status.PAUSED, now=datetime.now(UTC))
        assert [w.outcome for w in reconcile(session, session.policy()).writes] == ["ok"]
        for _ in range(2):
            again = reconcile(session, session.policy(interactive=False))
            assert not again.pending and not again.writes
            assert all(type(a).__name__ == "Noop" for r in again.links for a in r.actions)


@pytest.mark.parametrize("strategy", ["specweave-wins", "external-wins", "last-write-wins", "prompt"])
def test_conflict_under_each_strategy(world: World, tracker: Tracker, strategy: str) -> None:
    item = linked(world, tracker)
    with world.session() as session:
        set_status(session.increment(INC), Status.PAUSED, now=datetime.now(UTC) - timedelta(minutes=5))
    world.alice_sets(tracker, item, Status.COMPLETED)  # later than the local change
    with world.session() as session:
        report = reconcile(session, session.policy(interactive=False, strategy=strategy))
        local = session.increment(INC).status
        conflicts = session.store.conflicts()
    if strategy == "specweave-wins":
        assert local is Status.PAUSED and expresses(world, tracker, item, Status.PAUSED)
    elif strategy in ("external-wins", "last-write-wins"):
        assert local is Status.COMPLETED and expresses(world, tracker, item, Status.COMPLETED)
    else:
        assert local is Status.PAUSED and len(report.pending) == 1 and report.pending[0].kind == "conflict"
        return
    (conflict,) = conflicts
    assert conflict["strategy"] == strategy
    with world.session() as session:
        assert list(session.log.records(conflicts=True))


def test_two_clones_sync_the_same_items_without_fighting(world: World, tracker: Tracker, tmp_path_factory:
                                                          pytest.TempPathFactory) -> None:
    import shutil

    item = linked(world, tracker)
    clone = tmp_path_factory.mktemp("clone")
    shutil.copytree(world.root / ".specweave" / "increments", clone / ".specweave" / "increments")
    shutil.copy(world.root / ".specweave" / "config.json", clone / ".specweave" / "config.json")
    other = World(world.sandbox, clone, world.env)
    try:
        # Both teammates complete the increment (the same commit, pulled by both) and sync.
        for each in (world, other):
            with each.session() as session:
                set_status(session.increment(INC), Status.COMPLETED, now=datetime(2026, 11, 25, 9, tzinfo=UTC))
        with world.session() as first, other.session() as second:
            one = reconcile(first, first.policy(interactive=False))
            two = reconcile(second, second.policy(interactive=False))
        assert [w.outcome for w in one.writes] == ["ok"]
        assert [w.outcome for w in two.writes] in ([], ["noop"]), "the second clone finds the item already done"
        assert not one.pending and not two.pending
        # Later runs in either clone do nothing at all.
        for each in (world, other):
            with each.session() as session:
                later = reconcile(session, session.policy(interactive=False))
                assert not later.writes and not later.pending
    finally:
        other.close()
    assert expresses(world, tracker, item, Status.COMPLETED)


def test_AC_US4_02_custom_answer_brings_the_item_along(world: World, tracker: Tracker) -> None:
    item = linked(world, tracker)
    world.alice_sets(tracker, item, Status.COMPLETED)
    with world.session() as session:
        decision = reconcile(session, session.policy(interactive=False)).pending[0]
        resolve_pending(session, decision, Answer("custom", Status.PAUSED))
        assert session.increment(INC).status is Status.PAUSED
        assert [w.outcome for w in drain(session)] == ["ok"]
        assert not reconcile(session, session.policy(interactive=False)).writes
    assert expresses(world, tracker, item, Status.PAUSED)
