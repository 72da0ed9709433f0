"""The executor end to end over an in-memory tracker: record before writing, receipts move the base, decisions
wait for a person, failures are retried or kept — never dropped."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from linked_project import add_increment, make_project
from weavesync.engine.retry import RetryPolicy
from weavesync.errors import AuthFailed, Retryable
from weavesync.executor import Answer, SyncSession, reconcile, resolve_pending
from weavesync.model import Status, Tracker, format_utc
from weavesync.specweave import find_project, set_status
from weavesync.trackers import registry

from .fakes import FakeItem, FakeKind

ITEM = "acme/shop#1"
KEY = f"github:{ITEM}"


@pytest.fixture()
def kind(monkeypatch: pytest.MonkeyPatch) -> FakeKind:
    fake = FakeKind()
    module = types.ModuleType("fake_github_tracker")
    module.KIND = fake  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_github_tracker", module)
    monkeypatch.setitem(registry._KINDS, Tracker.GITHUB, "fake_github_tracker")
    return fake


@pytest.fixture()
def session(tmp_path: Path, kind: FakeKind) -> Iterator[SyncSession]:
    make_project(tmp_path)
    env = {"GITHUB_TOKEN": "ghp_test"}
    with SyncSession.open(find_project(tmp_path), env=env, retry=RetryPolicy(base=0.01, cap=0.05,
                                                                             sleep_threshold=1.0)) as s:
        yield s


def log_lines(session: SyncSession) -> list[dict[str, object]]:
    return list(session.log.records())


def test_first_sync_records_the_base_without_writing(session: SyncSession, kind: FakeKind) -> None:
    kind.adapter.items[ITEM] = FakeItem(state="open", labels={"in-progress"})
    report = reconcile(session, session.policy())
    assert not report.failed and not report.pending
    assert kind.adapter.writes == []
    assert session.increment("0042").bases[KEY].external.state == "open"


def test_local_completion_closes_the_item_once_with_one_comment(session: SyncSession, kind: FakeKind) -> None:
    kind.adapter.items[ITEM] = FakeItem(state="open", labels={"in-progress", "bug"})
    reconcile(session, session.policy())
    set_status(session.increment("0042"), Status.COMPLETED, now=datetime.now(UTC))

    report = reconcile(session, session.policy())

    assert [w.outcome for w in report.writes] == ["ok"]
    item = kind.adapter.items[ITEM]
    assert (item.state, item.reason, item.labels) == ("closed", "completed", {"bug"})
    assert len(kind.adapter.comments[ITEM]) == 1
    base = session.increment("0042").bases[KEY]
    assert base.local is Status.COMPLETED and base.version == f"{item.version:09d}"
    again = reconcile(session, session.policy())
    assert again.writes == [] and not again.pending, "our own write must not come back as a change (echo)"
    assert len(kind.adapter.comments[ITEM]) == 1
    outcomes = [r["outcome"] for r in log_lines(session)]
    assert outcomes.count("ok") == 1


def test_a_person_closing_the_item_waits_for_a_decision_off_a_terminal(session: SyncSession,
                                                                      kind: FakeKind) -> None:
    kind.adapter.items[ITEM] = FakeItem(state="open", labels={"in-progress"})
    reconcile(session, session.policy())
    kind.adapter.person_changes(ITEM, state="closed", reason="completed")

    report = reconcile(session, session.policy())
    assert len(report.pending) == 1 and session.increment("0042").status is Status.ACTIVE
    assert len(reconcile(session, session.policy()).pending) == 1, "the same change is not asked twice"

    resolve_pending(session, report.pending[0], Answer("yes"))
    inc = session.increment("0042")
    assert inc.status is Status.COMPLETED
    assert json.loads(inc.metadata_path.read_text())["readyForReviewAt"], "SpecWeave's path was walked"
    assert not session.store.pending_decisions()
    pending_lines = [r for r in log_lines(session) if r["outcome"] == "pending"]
    assert len(pending_lines) == 1 and "alice" in str(pending_lines[0]["reason"])


def test_declining_keeps_specweave_and_is_not_asked_again(session: SyncSession, kind: FakeKind) -> None:
    kind.adapter.items[ITEM] = FakeItem(state="open", labels={"in-progress"})
    reconcile(session, session.policy())
    kind.adapter.person_changes(ITEM, state="closed", reason="not_planned")
    decision = reconcile(session, session.policy()).pending[0]
    resolve_pending(session, decision, Answer("no"))
    assert session.increment("0042").status is Status.ACTIVE
    assert not reconcile(session, session.policy()).pending


def test_prompter_answers_on_a_terminal(session: SyncSession, kind: FakeKind) -> None:
    kind.adapter.items[ITEM] = FakeItem(state="open", labels={"in-progress"})
    reconcile(session, session.policy())
    kind.adapter.person_changes(ITEM, state="closed", reason="not_planned")
    asked: list[str] = []

    def prompter(ask: object) -> Answer:
        asked.append(ask.question)
        return Answer("yes")

    report = reconcile(session, session.policy(interactive=True), prompter=prompter)
    assert len(asked) == 1 and not report.pending
    assert session.increment("0042").status is Status.ABANDONED


def test_retryable_failures_are_retried_with_growing_waits(session: SyncSession, kind: FakeKind) -> None:
    kind.adapter.items[ITEM] = FakeItem(state="open", labels={"in-progress"})
    reconcile(session, session.policy())
    set_status(session.increment("0042"), Status.PAUSED, now=datetime.now(UTC))
    kind.adapter.failures = [Retryable("503", tracker="github", status=503) for _ in range(3)]

    report = reconcile(session, session.policy())

    (write,) = report.writes
    assert write.outcome == "ok" and write.attempts == 4
    assert write.waits == sorted(write.waits) and write.waits[0] < write.waits[-1]
    retrying = [r for r in log_lines(session) if r["outcome"] == "retrying"]
    assert [r["attempt"] for r in retrying] == [1, 2, 3]
    assert kind.adapter.items[ITEM].labels == {"paused"}


def test_a_long_retry_after_reschedules_instead_of_sleeping(session: SyncSession, kind: FakeKind) -> None:
    kind.adapter.items[ITEM] = FakeItem(state="open", labels={"in-progress"})
    reconcile(session, session.policy())
    set_status(session.increment("0042"), Status.PAUSED, now=datetime.now(UTC))
    kind.adapter.failures = [Retryable("429", tracker="github", status=429, retry_after=120)]

    report = reconcile(session, session.policy())

    assert [w.outcome for w in report.writes] == ["retrying"]
    (entry,) = session.store.outbox(["retrying"])
    assert (entry.next_attempt_at - datetime.now(UTC)).total_seconds() > 60


def test_auth_failure_is_kept_dead_with_its_error(session: SyncSession, kind: FakeKind) -> None:
    kind.adapter.items[ITEM] = FakeItem(state="open", labels={"in-progress"})
    reconcile(session, session.policy())
    set_status(session.increment("0042"), Status.PAUSED, now=datetime.now(UTC))
    kind.adapter.failures = [AuthFailed("github PATCH /repos/acme/shop/issues/1 failed with 401: Bad credentials",
                                        tracker="github", status=401)]

    report = reconcile(session, session.policy())

    assert [w.outcome for w in report.writes] == ["dead"]
    (dead,) = session.store.outbox(["dead"])
    assert "Bad credentials" in (dead.last_error or "")
    assert kind.adapter.items[ITEM].labels == {"in-progress"}
    assert session.store.revive_dead(now=datetime.now(UTC)) == 1
    from weavesync.executor import drain

    assert [w.outcome for w in drain(session, trigger="retry")] == ["ok"]
    assert kind.adapter.items[ITEM].labels == {"paused"}


# ---- who changed it: asked only for items about to become decisions ----------------------------------------

OTHER = "acme/shop#2"


def two_agreed_links(session: SyncSession, kind: FakeKind) -> None:
    """0042 ↔ #1 and 0043 ↔ #2, both open and agreed by a first sync (which asks nobody: there is no base yet)."""
    add_increment(session.project.root, "0043-search", 2)
    for item in (ITEM, OTHER):
        kind.adapter.items[item] = FakeItem(state="open", labels={"in-progress"})
    first = reconcile(session, session.policy())
    assert not first.pending and not first.problems and kind.adapter.last_change_calls == []


def test_who_changed_an_item_is_asked_only_for_the_changed_one(session: SyncSession, kind: FakeKind) -> None:
    two_agreed_links(session, kind)
    kind.adapter.person_changes(ITEM, state="closed", reason="completed", named=False)
    reads = kind.adapter.read_calls

    report = reconcile(session, session.policy())

    assert kind.adapter.last_change_calls == [ITEM]
    assert kind.adapter.read_calls == reads + 1, "still one batch read"
    [decision] = report.pending
    assert decision.payload["changedBy"] == "alice"
    assert decision.payload["changedAt"] == format_utc(kind.adapter.items[ITEM].changed_at)
    assert "by alice" in str(decision.payload["reason"])
    remote = next(r.remote for r in report.links if r.link.item == ITEM)
    assert remote is not None and remote.changed_by == "alice"


def test_nobody_is_asked_when_the_read_already_names_the_person(session: SyncSession, kind: FakeKind) -> None:
    two_agreed_links(session, kind)
    kind.adapter.person_changes(ITEM, state="closed", reason="completed", named=True)
    report = reconcile(session, session.policy())
    assert len(report.pending) == 1 and kind.adapter.last_change_calls == []


def test_nobody_is_asked_when_nothing_changed(session: SyncSession, kind: FakeKind) -> None:
    two_agreed_links(session, kind)
    kind.adapter.items[ITEM].changed_by = None  # reads never named anyone; nothing moved either
    report = reconcile(session, session.policy())
    assert not report.pending and kind.adapter.last_change_calls == []


def test_a_failed_question_leaves_the_person_unnamed_and_the_sync_going(session: SyncSession,
                                                                      kind: FakeKind) -> None:
    two_agreed_links(session, kind)
    kind.adapter.person_changes(ITEM, state="closed", reason="completed", named=False)
    kind.adapter.last_change_failures.append(Retryable("events unavailable", tracker="github", status=503))

    report = reconcile(session, session.policy())

    assert kind.adapter.last_change_calls == [ITEM]
    assert not report.problems
    [decision] = report.pending
    assert decision.payload["changedBy"] is None and " by " not in str(decision.payload["reason"])


def test_specweave_writing_the_file_meanwhile_is_decided_again_not_reverted(session: SyncSession, kind: FakeKind,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A person's close is accepted (prompt_user false) while SpecWeave pauses the increment in the same moment:
    the write sees SpecWeave's change (ConcurrentChange), and the pass decides again from the file as it is."""
    import importlib

    from weavesync.errors import ConcurrentChange

    # reconcile changes a status through specweave.rules.apply_status, which calls the writer's set_status
    reconcile_module = importlib.import_module("weavesync.specweave.writer")

    kind.adapter.items[ITEM] = FakeItem(state="open", labels={"in-progress"})
    reconcile(session, session.policy())
    kind.adapter.person_changes(ITEM, state="closed", reason="completed")
    real_set_status = reconcile_module.set_status
    raced: list[str] = []

    def specweave_got_there_first(inc: object, status: Status, **kwargs: object) -> object:
        if not raced:
            raced.append(status.value)
            real_set_status(session.increment("0042"), Status.PAUSED, now=datetime.now(UTC))  # SpecWeave's write
            raise ConcurrentChange("metadata.json", "status changed by another writer; nothing written")
        return real_set_status(inc, status, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reconcile_module, "set_status", specweave_got_there_first)
    report = reconcile(session, session.policy(assume_yes=True))
    assert raced == ["completed"]
    assert not report.problems, report.problems
    # Decided again from `paused`: SpecWeave's change stands or becomes a question, it is never walked over.
    inc = session.increment("0042")
    assert inc.status is Status.COMPLETED or (inc.status is Status.PAUSED and report.pending), inc.status
    assert any(r.link.key == KEY for r in report.links)
