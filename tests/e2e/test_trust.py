"""Issue 10 "Trust", end to end over real HTTP against the sandbox: each numbered finding as a test.

1. a person's change SpecWeave does not express is always a decision;
2. decisions live only while their divergence lives (withdrawn, never answered later);
3. several decisions of one increment are answered together, against one status;
4. weavesync's own unfinished write is never read as a person's change;
7. the completion comment is part of the desired state: retried, posted exactly once, logged.
"""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from weavesync.config import default_mappings
from weavesync.engine.describe import completion_comment
from weavesync.engine.retry import RetryPolicy
from weavesync.executor import (
    Answer,
    StaleDecision,
    SyncSession,
    drain,
    plan,
    reconcile,
    resolve_decisions,
    resolve_pending,
)
from weavesync.model import Status, Target, Tracker
from weavesync.specweave import find_project, set_status
from weavesync.store import OutboxEntry

from .conftest import SANDBOX_NAMES, World
from .linked import INC, cli_run, expresses, linked, remote

COMMENT = "synced from SpecWeave increment"


def rescheduling(world: World, **kwargs: Any) -> SyncSession:
    """A session that puts every failed write back in the outbox instead of retrying in-process (as a long
    Retry-After does), so a test can look at the world between attempts."""
    opened = SyncSession.open(find_project(world.root), env=world.env,
                              retry=RetryPolicy(base=0.05, cap=0.05, sleep_threshold=0.0), **kwargs)
    world.sessions.append(opened)
    return opened


def quiet(session: SyncSession) -> Any:
    return session.policy(interactive=False)


def script(world: World, tracker: Tracker, *faults: dict[str, Any]) -> None:
    url = world.sandbox.urls[SANDBOX_NAMES[tracker]]
    assert httpx.post(f"{url}/_sandbox/script", json=list(faults)).status_code == 200


def completion_comments(world: World, tracker: Tracker, item: str) -> list[str]:
    """The completion comments on the item, read from the tracker's own API (not through weavesync)."""
    env = world.env
    if tracker is Tracker.GITHUB:
        number = item.rpartition("#")[2]
        got = httpx.get(f"{env['GITHUB_API_URL']}/repos/acme/shop/issues/{number}/comments",
                        headers={"Authorization": f"Bearer {env['GITHUB_TOKEN']}"}).json()
        bodies = [c["body"] for c in got]
    elif tracker is Tracker.JIRA:
        got = httpx.get(f"{env['JIRA_BASE_URL']}/rest/api/3/issue/{item}/comment",
                        auth=(env["JIRA_EMAIL"], env["JIRA_API_TOKEN"])).json()
        bodies = [json.dumps(c["body"]) for c in got["comments"]]
    else:
        work_item = item.rpartition("/")[2]
        got = httpx.get(f"{env['AZURE_DEVOPS_ORG_URL']}/Shop/_apis/wit/workItems/{work_item}/comments",
                        params={"api-version": "7.1-preview.4"}, auth=("", env["AZURE_DEVOPS_PAT"])).json()
        bodies = [c["text"] for c in got["comments"]]
    return [b for b in bodies if COMMENT in b]


# --- 1. a person's change absorbed without a decision --------------------------------------------------------

def test_1_jira_stop_progress_while_active_is_asked(world: World) -> None:
    item = linked(world, Tracker.JIRA)
    world.alice_sets(Tracker.JIRA, item, Status.BACKLOG)  # "Stop progress": In Progress -> To Do
    with world.session() as session:
        planned = plan(session, quiet(session))
        assert any(type(a).__name__ == "Ask" for r in planned.links for a in r.actions), "plan must not say in sync"
        report = reconcile(session, quiet(session))
        (decision,) = report.pending
        assert decision.payload["proposed"] == "backlog"
        assert session.increment(INC).status is Status.ACTIVE
        assert not any("already" in str(r["reason"]) for r in session.log.records() if r["direction"] == "pull")


def test_1_ado_reopen_to_new_with_paused_tag_after_a_decline_is_asked(world: World) -> None:
    item = linked(world, Tracker.ADO)
    world.alice_sets(Tracker.ADO, item, Status.COMPLETED)
    with world.session() as session:
        resolve_pending(session, reconcile(session, quiet(session)).pending[0], Answer("no"))
    mapping = default_mappings()[Tracker.ADO]
    world.alice(Tracker.ADO).write(item, Target(state="New", category="Proposed", markers=frozenset({"paused"})),
                                   mapping.managed)
    with world.session() as session:
        report = reconcile(session, quiet(session))
        (decision,) = report.pending
        assert decision.payload["proposed"] is None and "custom" in decision.payload["choices"]
        assert session.increment(INC).status is Status.ACTIVE


# --- 2. decisions never withdrawn --------------------------------------------------------------------------

def test_2_decision_withdrawn_when_specweave_comes_to_agree(world: World) -> None:
    item = linked(world, Tracker.ADO)
    world.alice_sets(Tracker.ADO, item, Status.READY_FOR_REVIEW)  # Resolved
    with world.session() as session:
        (decision,) = reconcile(session, quiet(session)).pending
        assert decision.payload["proposed"] == "ready_for_review"
        set_status(session.increment(INC), Status.READY_FOR_REVIEW, now=datetime.now(UTC))
        again = reconcile(session, quiet(session))
        assert not again.pending and not session.store.pending_decisions()
        assert plan(session, quiet(session)).pending == []
        withdrawn = [r for r in session.log.records() if r["outcome"] == "withdrawn"]
        assert len(withdrawn) == 1 and f"decision {decision.id} withdrawn" in str(withdrawn[0]["reason"])
        with pytest.raises(StaleDecision):
            resolve_pending(session, decision, Answer("yes"))


def test_2_decision_withdrawn_when_the_person_reverts(world: World, tracker: Tracker) -> None:
    item = linked(world, tracker)
    world.alice_sets(tracker, item, Status.COMPLETED)
    with world.session() as session:
        (decision,) = reconcile(session, quiet(session)).pending
    world.alice_sets(tracker, item, Status.ACTIVE)
    with world.session() as session:
        assert not reconcile(session, quiet(session)).pending
        assert session.store.decision(decision.id).state == "superseded"  # type: ignore[union-attr]
        assert session.increment(INC).status is Status.ACTIVE


def test_2_conflict_settled_by_a_strategy_is_withdrawn_and_never_pushed_back(world: World) -> None:
    item = linked(world, Tracker.JIRA)
    with world.session() as session:
        set_status(session.increment(INC), Status.PAUSED, now=datetime.now(UTC) - timedelta(minutes=5))
    world.alice_sets(Tracker.JIRA, item, Status.COMPLETED)
    with world.session() as session:
        (conflict,) = reconcile(session, quiet(session)).pending
        assert conflict.kind == "conflict"
        settled = reconcile(session, session.policy(interactive=False, strategy="external-wins"))
        assert not settled.pending and session.increment(INC).status is Status.COMPLETED
    # The old question can no longer be answered: --decline would push `paused` back over the settled state.
    result = cli_run(world, "resolve", INC, "--decline")
    assert result.exit_code == 1 and "no pending decision" in result.stderr
    with world.session() as session:
        assert not reconcile(session, quiet(session)).writes
    assert expresses(world, Tracker.JIRA, item, Status.COMPLETED)


def test_2_a_stale_answer_is_refused_and_the_link_decided_afresh(world: World) -> None:
    item = linked(world, Tracker.GITHUB)
    world.alice_sets(Tracker.GITHUB, item, Status.COMPLETED)
    with world.session() as session:
        (decision,) = reconcile(session, quiet(session)).pending
    world.alice_sets(Tracker.GITHUB, item, Status.ABANDONED)  # closed as not planned, while the question waits
    with world.session() as session:
        done = resolve_decisions(session, [(decision, Answer("yes"))])
        assert [d.id for d, _ in done.refused] == [decision.id] and not done.applied
        assert session.increment(INC).status is Status.ACTIVE, "the stale `completed` was not applied"
        (fresh,) = session.store.pending_decisions()
        assert fresh.id != decision.id and fresh.payload["proposed"] == "abandoned"


# --- 3. several decisions of one increment -------------------------------------------------------------------

def two_pending(world: World, second: Tracker, second_status: Status) -> dict[Tracker, str]:
    items = {Tracker.GITHUB: world.create_item(Tracker.GITHUB), second: world.create_item(second)}
    for tracker, item in items.items():
        world.link(INC, tracker, item)
    with world.session() as session:
        assert not reconcile(session, quiet(session)).pending
    world.alice_sets(Tracker.GITHUB, items[Tracker.GITHUB], Status.COMPLETED)
    world.alice_sets(second, items[second], second_status)
    with world.session() as session:
        assert len(reconcile(session, quiet(session)).pending) == 2
    return items


def test_3_accepting_two_agreeing_decisions_applies_once(world: World) -> None:
    items = two_pending(world, Tracker.JIRA, Status.COMPLETED)
    result = cli_run(world, "resolve", INC, "--accept")
    assert result.exit_code == 0, result.output
    with world.session() as session:
        assert session.increment(INC).status is Status.COMPLETED
        assert not session.store.pending_decisions()
        assert not session.store.conflicts()
        later = reconcile(session, quiet(session))
        assert not later.pending and not later.writes
    for tracker, item in items.items():
        assert expresses(world, tracker, item, Status.COMPLETED)


def test_3_accepting_disagreeing_decisions_applies_the_first_and_asks_the_other_afresh(world: World) -> None:
    two_pending(world, Tracker.ADO, Status.ABANDONED)  # a GitHub close and an ADO Removed
    with world.session() as session:
        first, second = session.store.pending_decisions()
    result = cli_run(world, "resolve", INC, "--accept", "--json")
    assert result.exit_code == 3, result.output
    done = json.loads(result.stdout)
    assert [r["id"] for r in done["resolved"]] == [first.id]
    assert [r["id"] for r in done["refused"]] == [second.id] and "decided afresh" in done["refused"][0]["why"]
    with world.session() as session:
        assert session.increment(INC).status is Status(first.payload["proposed"])
        (fresh,) = session.store.pending_decisions()
        assert fresh.id not in (first.id, second.id) and fresh.link_key == second.link_key
        assert fresh.kind == "conflict", "SpecWeave moved: the other link is now a conflict, asked afresh"


def test_3_one_custom_status_for_two_decisions_then_a_later_change_is_pushed(world: World) -> None:
    items = two_pending(world, Tracker.ADO, Status.ABANDONED)
    result = cli_run(world, "resolve", INC, "--status", "abandoned")
    assert result.exit_code == 0, result.output
    with world.session() as session:
        assert session.increment(INC).status is Status.ABANDONED
        assert not session.store.pending_decisions()
        assert not reconcile(session, quiet(session)).pending
    for tracker, item in items.items():
        assert expresses(world, tracker, item, Status.ABANDONED), tracker
    # The lost change of the report: a later local change must reach both items.
    with world.session() as session:
        set_status(session.increment(INC), Status.ACTIVE, now=datetime.now(UTC))
        report = reconcile(session, quiet(session))
        assert sorted(w.tracker for w in report.writes) == ["ado", "github"]
    for tracker, item in items.items():
        assert expresses(world, tracker, item, Status.ACTIVE), tracker


# --- 4. its own half-done write read as someone else's -------------------------------------------------------

def test_4_github_label_call_failing_after_the_state_landed_is_not_a_decision(world: World) -> None:
    item = linked(world, Tracker.GITHUB)
    # The close lands, then the label call fails: the issue is closed (not_planned) but still in-progress.
    script(world, Tracker.GITHUB, {"kind": "503", "path": r"/labels", "headers": {"retry-after": ""}})
    with rescheduling(world) as session:
        set_status(session.increment(INC), Status.ABANDONED, now=datetime.now(UTC))
        (write,) = reconcile(session, session.policy()).writes
        assert write.outcome == "retrying"
    half = remote(world, Tracker.GITHUB, item).state
    assert half.state == "closed" and "in-progress" in half.markers
    for policy in ({}, {"assume_yes": True}):
        with world.session() as session:
            again = reconcile(session, session.policy(interactive=False, **policy), execute=False)
            assert not again.pending and not any(type(a).__name__ in ("Ask", "ApplyLocal")
                                                 for r in again.links for a in r.actions)
            assert session.increment(INC).status is Status.ABANDONED
    later = datetime.now(UTC) + timedelta(seconds=5)
    with world.session(clock=lambda: later) as session:
        assert [w.outcome for w in drain(session)] == ["ok"]
    assert expresses(world, Tracker.GITHUB, item, Status.ABANDONED)
    assert len(completion_comments(world, Tracker.GITHUB, item)) == 1


def claimed_by_a_dead_worker(session: SyncSession, status: Status) -> OutboxEntry:
    """SpecWeave moves to `status`; its desired state is recorded, then claimed by a `sync` on this machine that
    dies right after (kill -9): the entry stays in flight with a long lease."""
    set_status(session.increment(INC), status, now=datetime.now(UTC))
    reconcile(session, session.policy(), execute=False)
    (entry,) = session.store.claim(datetime.now(UTC), worker=f"{socket.gethostname()}:999999:dead",
                                   lease_seconds=3600)
    return entry


def test_4_killed_jira_write_between_hops_is_taken_over_not_asked(world: World) -> None:
    item = linked(world, Tracker.JIRA)
    with world.session() as session:
        entry = claimed_by_a_dead_worker(session, Status.COMPLETED)  # it died after the first hop: In Review
        mapping = default_mappings()[Tracker.JIRA]
        session.adapter(Tracker.JIRA).write(item, mapping.target(Status.READY_FOR_REVIEW), mapping.managed)
    assert remote(world, Tracker.JIRA, item).state.state == "In Review"
    with world.session() as session:
        report = reconcile(session, quiet(session))
        assert not report.pending
        assert [(w.entry_id, w.outcome) for w in report.writes] == [(entry.id, "ok")], "taken over at once"
    assert expresses(world, Tracker.JIRA, item, Status.COMPLETED)
    assert len(completion_comments(world, Tracker.JIRA, item)) == 1


def test_4_a_newer_status_replaces_a_crashed_write_instead_of_replaying_it(world: World) -> None:
    item = linked(world, Tracker.GITHUB)
    with world.session() as session:
        claimed_by_a_dead_worker(session, Status.ABANDONED)
        set_status(session.increment(INC), Status.ACTIVE, now=datetime.now(UTC))
        report = reconcile(session, quiet(session))
        assert not report.pending
        assert session.store.open_writes([f"github:{item}"]) == {}, "nothing owed, nothing left in flight"
        assert {e.state for e in session.store.outbox()} <= {"done", "superseded"}
    state = remote(world, Tracker.GITHUB, item).state
    assert state.state == "open" and "wontfix" not in state.markers
    assert not completion_comments(world, Tracker.GITHUB, item), "the abandoned write was never replayed"


# --- 7. completion comments lost ---------------------------------------------------------------------------

COMMENT_PATHS = {Tracker.GITHUB: r"/comments$", Tracker.JIRA: r"/comment$", Tracker.ADO: r"/comments$"}
STATE_WRITES = {Tracker.GITHUB: ("PATCH", r"/issues/\d+$"), Tracker.JIRA: ("POST", r"/transitions$"),
                Tracker.ADO: ("PATCH", r"/workitems/\d+$")}


def test_7_one_503_on_the_comment_is_retried_and_posted_once(world: World, tracker: Tracker) -> None:
    item = linked(world, tracker)
    script(world, tracker, {"kind": "503", "method": "POST", "path": COMMENT_PATHS[tracker],
                            "headers": {"retry-after": ""}})
    with world.session() as session:
        set_status(session.increment(INC), Status.COMPLETED, now=datetime.now(UTC))
        (write,) = reconcile(session, session.policy()).writes
        assert write.outcome == "ok"
        assert any("completion comment posted" in str(r["reason"]) for r in session.log.records())
    assert len(completion_comments(world, tracker, item)) == 1


def test_7_comment_failing_is_owed_then_posted_once(world: World, tracker: Tracker) -> None:
    item = linked(world, tracker)
    script(world, tracker, {"kind": "503", "method": "POST", "path": COMMENT_PATHS[tracker],
                            "headers": {"retry-after": ""}})
    with rescheduling(world) as session:
        set_status(session.increment(INC), Status.COMPLETED, now=datetime.now(UTC))
        (write,) = reconcile(session, session.policy()).writes
        assert write.outcome == "retrying" and "comment" in (write.error or "")
        assert not reconcile(session, quiet(session), execute=False).pending
    assert expresses(world, tracker, item, Status.COMPLETED) and not completion_comments(world, tracker, item)
    later = datetime.now(UTC) + timedelta(seconds=5)
    with world.session(clock=lambda: later) as session:
        assert [w.outcome for w in drain(session)] == ["ok"]
    assert len(completion_comments(world, tracker, item)) == 1


def test_7_lost_response_on_the_closing_write_still_comments_once(world: World, tracker: Tracker) -> None:
    item = linked(world, tracker)
    method, path = STATE_WRITES[tracker]
    script(world, tracker, {"kind": "lost", "method": method, "path": path})
    with world.session() as session:
        set_status(session.increment(INC), Status.COMPLETED, now=datetime.now(UTC))
        (write,) = reconcile(session, session.policy()).writes
        assert write.outcome == "ok"
    assert expresses(world, tracker, item, Status.COMPLETED)
    assert len(completion_comments(world, tracker, item)) == 1


def test_7_lost_response_on_the_comment_is_not_posted_twice(world: World, tracker: Tracker) -> None:
    item = linked(world, tracker)
    script(world, tracker, {"kind": "lost", "method": "POST", "path": COMMENT_PATHS[tracker]})
    with world.session() as session:
        set_status(session.increment(INC), Status.COMPLETED, now=datetime.now(UTC))
        (write,) = reconcile(session, session.policy()).writes
        assert write.outcome == "ok"
    assert len(completion_comments(world, tracker, item)) == 1


def test_4_a_write_cut_short_elsewhere_is_completed_not_asked(world: World) -> None:
    # Another clone (its own store, so no outbox entry here) walked the issue to In Review on its way to Done and
    # died; this clone has the same commit (completed) and syncs.
    item = linked(world, Tracker.JIRA)
    mapping = default_mappings()[Tracker.JIRA]
    with world.session() as session:
        session.adapter(Tracker.JIRA).write(item, mapping.target(Status.READY_FOR_REVIEW), mapping.managed)
        set_status(session.increment(INC), Status.COMPLETED, now=datetime.now(UTC))
        report = reconcile(session, quiet(session))
        assert not report.pending and not session.store.conflicts()
        assert [w.outcome for w in report.writes] == ["ok"]
    assert expresses(world, Tracker.JIRA, item, Status.COMPLETED)


def test_7_a_crashed_close_that_landed_still_gets_its_comment_when_superseded(world: World) -> None:
    item = linked(world, Tracker.GITHUB)
    mapping = default_mappings()[Tracker.GITHUB]
    with world.session() as session:
        claimed_by_a_dead_worker(session, Status.ABANDONED)
        # The dead worker's close landed (state and labels), then it died before commenting.
        session.adapter(Tracker.GITHUB).write(item, mapping.target(Status.ABANDONED), mapping.managed)
        set_status(session.increment(INC), Status.ACTIVE, now=datetime.now(UTC))
        report = reconcile(session, quiet(session))
        assert not report.pending
    assert expresses(world, Tracker.GITHUB, item, Status.ACTIVE)
    assert len(completion_comments(world, Tracker.GITHUB, item)) == 1, "the close that happened is announced once"


def test_7_a_close_another_clone_announced_is_not_announced_again(world: World, tracker: Tracker) -> None:
    # Found by the long kill -9 run (one duplicate in 100 kills): a crashed write replayed after another operation
    # of weavesync's (here another clone's, whose store this one cannot see) closed the item and commented. The
    # item already carries the announcement of this very closure, so no second comment.
    item = linked(world, tracker)
    mapping = default_mappings()[tracker]
    with world.session() as session:
        claimed_by_a_dead_worker(session, Status.COMPLETED)
        other = session.adapter(tracker)
        other.write(item, mapping.target(Status.COMPLETED), mapping.managed)
        text = completion_comment(Status.COMPLETED, session.increment(INC).id)
        other.comment(item, text, "another-clones-op", first_attempt=True)
        assert len(completion_comments(world, tracker, item)) == 1
        report = reconcile(session, quiet(session))
        assert not report.pending
        assert [w.outcome for w in report.writes] == ["noop"], completion_comments(world, tracker, item)
    assert expresses(world, tracker, item, Status.COMPLETED)
    assert len(completion_comments(world, tracker, item)) == 1, "one closure, one announcement"


def test_7_a_second_closure_is_announced_again(world: World, tracker: Tracker) -> None:
    # The exact rule must not swallow a new closure: closed and announced, reopened by a person, completed again.
    item = linked(world, tracker)
    with world.session() as session:
        set_status(session.increment(INC), Status.COMPLETED, now=datetime.now(UTC))
        assert [w.outcome for w in reconcile(session, session.policy()).writes] == ["ok"]
    assert len(completion_comments(world, tracker, item)) == 1
    mapping = default_mappings()[tracker]
    with world.session() as session:
        session.adapter(tracker).write(item, mapping.target(Status.ACTIVE), mapping.managed)  # a person reopens
        set_status(session.increment(INC), Status.ACTIVE, now=datetime.now(UTC))
        reconcile(session, quiet(session))
    time.sleep(1.1)  # the trackers' timestamps are second-granular: the new closure is a later second
    with world.session() as session:
        set_status(session.increment(INC), Status.COMPLETED, now=datetime.now(UTC))
        assert [w.outcome for w in reconcile(session, session.policy()).writes] == ["ok"]
    assert len(completion_comments(world, tracker, item)) == 2
