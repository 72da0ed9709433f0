"""A person's answers to decisions (sync-semantics.md §4, §5) and the custom choices offered (US-007 AC-04)."""

from __future__ import annotations

import sys

import pytest

from weavesync.engine.actions import ApplyLocal, Ask, MoveBase, Noop, Push, RecordConflict
from weavesync.engine.decide import custom_choices, resolve_choice
from weavesync.engine.view import Policy
from weavesync.errors import UsageError
from weavesync.model import Base, ExternalState, Status, Tracker

from ._build import NOW, base, ext, remote, run, view

S = Status
LATER = NOW.replace(hour=13)


def inbound_ask(tracker: Tracker = Tracker.GITHUB, local: Status = S.ACTIVE) -> Ask:
    item = remote(tracker, ext(tracker, S.COMPLETED), "5")
    (ask,) = run(view(tracker, local, item, base(tracker, local, local)))
    assert isinstance(ask, Ask)
    return ask


def conflict_ask(tracker: Tracker = Tracker.JIRA) -> Ask:
    item = remote(tracker, ext(tracker, S.ABANDONED), "5")
    (ask,) = run(view(tracker, S.PAUSED, item, base(tracker, S.ACTIVE, S.ACTIVE)))
    assert isinstance(ask, Ask)
    return ask


def test_yes_applies_proposal_and_moves_base() -> None:
    actions = resolve_choice(inbound_ask(), "yes", None, S.ACTIVE, now=LATER)
    assert [type(a) for a in actions] == [ApplyLocal, MoveBase]
    assert isinstance(actions[0], ApplyLocal) and actions[0].status is S.COMPLETED
    assert isinstance(actions[1], MoveBase) and actions[1].new_base.local is S.COMPLETED


def test_yes_when_already_there_only_moves_base() -> None:
    actions = resolve_choice(inbound_ask(), "yes", None, S.COMPLETED)
    assert [type(a) for a in actions] == [MoveBase]


def test_no_keeps_specweave_and_remembers_external_state() -> None:
    ask = inbound_ask()
    (moved,) = resolve_choice(ask, "no", None, S.ACTIVE)
    assert isinstance(moved, MoveBase)
    assert moved.new_base == Base(S.ACTIVE, ext(Tracker.GITHUB, S.COMPLETED), "5", NOW)
    # With that base, the same observation is never asked about again.
    again = run(view(Tracker.GITHUB, S.ACTIVE, remote(Tracker.GITHUB, ext(Tracker.GITHUB, S.COMPLETED), "5"),
                     moved.new_base))
    assert [type(a) for a in again] == [Noop]


def test_custom_applies_reachable_status_and_moves_base() -> None:
    actions = resolve_choice(inbound_ask(), "custom", S.READY_FOR_REVIEW, S.ACTIVE, now=LATER)
    assert [type(a) for a in actions] == [ApplyLocal, MoveBase]
    apply, moved = actions
    assert isinstance(apply, ApplyLocal) and apply.status is S.READY_FOR_REVIEW
    assert isinstance(moved, MoveBase) and moved.new_base == Base(
        S.ACTIVE, ext(Tracker.GITHUB, S.COMPLETED), "5", LATER)
    # The item is not asked about again, and the next pass brings it to the chosen status.
    follow = run(view(Tracker.GITHUB, S.READY_FOR_REVIEW, remote(Tracker.GITHUB, ext(Tracker.GITHUB, S.COMPLETED),
                                                                 "5"), moved.new_base))
    assert [type(a) for a in follow] == [Push]


def test_custom_path_is_named_in_reason() -> None:
    (apply, _) = resolve_choice(inbound_ask(), "custom", S.COMPLETED, S.PLANNING)
    assert "planning → active → ready_for_review → completed" in apply.reason


def test_custom_needs_a_status() -> None:
    with pytest.raises(UsageError) as info:
        resolve_choice(inbound_ask(), "custom", None, S.ACTIVE)
    assert info.value.hint is not None and "paused" in info.value.hint


def test_custom_unreachable_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # SpecWeave 1.0.593's table reaches every status; a future table might not. Simulate one that refuses.
    def refuse(src: Status, dst: Status) -> list[Status]:
        raise ValueError("unreachable")

    monkeypatch.setattr(sys.modules["weavesync.engine.decide"], "transition_path", refuse)
    with pytest.raises(UsageError):
        resolve_choice(inbound_ask(), "custom", S.PAUSED, S.ACTIVE)


def test_skip_leaves_decision_pending() -> None:
    (noop,) = resolve_choice(inbound_ask(), "skip", None, S.ACTIVE)
    assert isinstance(noop, Noop) and "pending" in noop.reason


def test_unknown_choice_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        resolve_choice(inbound_ask(), "maybe", None, S.ACTIVE)
    with pytest.raises(UsageError):
        resolve_choice(conflict_ask(), "use-both", None, S.PAUSED)


@pytest.mark.parametrize("word", ["no", "use-specweave", "decline"])
def test_conflict_no_keeps_specweave_records_and_pushes(word: str) -> None:
    actions = resolve_choice(conflict_ask(), word, None, S.PAUSED)
    assert [type(a) for a in actions] == [RecordConflict, Push]
    assert isinstance(actions[0], RecordConflict) and actions[0].outcome == "specweave"
    assert isinstance(actions[1], Push) and actions[1].status is S.PAUSED


@pytest.mark.parametrize("word", ["yes", "use-external", "accept"])
def test_conflict_yes_takes_the_item_records_and_applies(word: str) -> None:
    actions = resolve_choice(conflict_ask(), word, None, S.PAUSED)
    assert [type(a) for a in actions] == [RecordConflict, ApplyLocal, MoveBase]
    assert isinstance(actions[1], ApplyLocal) and actions[1].status is S.ABANDONED


def test_conflict_without_proposal_offers_custom_and_records_it() -> None:
    tracker = Tracker.JIRA
    item = remote(tracker, ExternalState(state="Blocked by Legal"), "5")
    (ask,) = run(view(tracker, S.PAUSED, item, base(tracker, S.ACTIVE, S.ACTIVE)))
    assert isinstance(ask, Ask) and ask.choices == ("no", "custom", "skip")
    actions = resolve_choice(ask, "custom", S.ACTIVE, S.PAUSED)
    assert [type(a) for a in actions] == [RecordConflict, ApplyLocal, MoveBase]
    assert isinstance(actions[0], RecordConflict) and actions[0].outcome == "custom"


def test_confirm_no_keeps_item_and_custom_changes_local() -> None:
    tracker = Tracker.ADO
    v = view(tracker, S.COMPLETED, remote(tracker, ext(tracker, S.READY_FOR_REVIEW), "4"),
             base(tracker, S.READY_FOR_REVIEW, S.READY_FOR_REVIEW))
    (ask,) = run(v, Policy(auto_sync=False))
    assert isinstance(ask, Ask) and ask.kind == "confirm"
    (keep,) = resolve_choice(ask, "no", None, S.COMPLETED)
    assert isinstance(keep, MoveBase) and keep.new_base.local is S.COMPLETED
    assert keep.new_base.external == ext(tracker, S.READY_FOR_REVIEW)
    custom = resolve_choice(ask, "custom", S.ABANDONED, S.COMPLETED)
    assert [type(a) for a in custom] == [ApplyLocal]  # pushed by the next reconcile, which sees the local change
    (push,) = resolve_choice(ask, "custom", S.COMPLETED, S.COMPLETED)
    assert isinstance(push, Push)


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (S.PLANNING, [S.ACTIVE, S.BACKLOG, S.ABANDONED]),
        (S.ACTIVE, [S.BACKLOG, S.PAUSED, S.READY_FOR_REVIEW, S.ABANDONED]),
        (S.READY_FOR_REVIEW, [S.ACTIVE, S.COMPLETED, S.ABANDONED]),
        (S.COMPLETED, [S.ACTIVE, S.ABANDONED]),
        (S.ABANDONED, [S.ACTIVE]),
    ],
)
def test_custom_choices_follow_specweave_transitions(current: Status, expected: list[Status]) -> None:
    assert custom_choices(current) == expected
