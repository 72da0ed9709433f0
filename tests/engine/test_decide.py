"""One test per case of the three-way rule (sync-semantics.md §2-§5), for GitHub-, Jira- and ADO-shaped states."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeVar

import pytest

from weavesync.engine.actions import Action, ApplyLocal, Ask, MarkGone, MoveBase, Noop, Push, RecordConflict
from weavesync.engine.view import LinkView, Policy
from weavesync.model import Base, ExternalState, LinkRole, Status, Tracker

from ._build import CLOSED_AT, INCREMENT, NOW, TRACKERS, base, ext, remote, run, view
from ._fakes import mapping_for

S = Status
A = TypeVar("A", bound=Action)
per_tracker = pytest.mark.parametrize("tracker", TRACKERS)


def only(actions: Sequence[Action], kind: type[A]) -> A:
    assert len(actions) == 1, actions
    assert isinstance(actions[0], kind), actions
    return actions[0]


# --- row 1: nothing changed -------------------------------------------------------------------------------------

@per_tracker
def test_row1_nothing_changed_is_one_noop(tracker: Tracker) -> None:
    v = view(tracker, S.ACTIVE, remote(tracker, ext(tracker, S.ACTIVE), "4"), base(tracker, S.ACTIVE, S.ACTIVE))
    noop = only(run(v), Noop)
    assert "nothing changed" in noop.reason


# --- row 2: local changed only ----------------------------------------------------------------------------------

@per_tracker
def test_row2_push_writes_target_of_local(tracker: Tracker) -> None:
    v = view(tracker, S.PAUSED, remote(tracker, ext(tracker, S.ACTIVE), "4"), base(tracker, S.ACTIVE, S.ACTIVE))
    push = only(run(v), Push)
    assert push.target == mapping_for(tracker).target(S.PAUSED)
    assert push.status is S.PAUSED
    assert push.comment is None
    assert "SpecWeave status changed active → paused" in push.reason


@per_tracker
def test_row2_push_already_satisfied_only_moves_base(tracker: Tracker) -> None:
    # The base remembers a difference a person accepted (item left as planning while SpecWeave was active);
    # SpecWeave now moves to planning, which the item already expresses: no write.
    the_base = base(tracker, S.ACTIVE, S.PLANNING)
    item = remote(tracker, ext(tracker, S.PLANNING), "4")
    moved = only(run(view(tracker, S.PLANNING, item, the_base)), MoveBase)
    assert moved.new_base == Base(S.PLANNING, ext(tracker, S.PLANNING), "4", NOW)


@per_tracker
def test_row2_completion_push_carries_completion_comment(tracker: Tracker) -> None:
    v = view(tracker, S.COMPLETED, remote(tracker, ext(tracker, S.READY_FOR_REVIEW), "4"),
             base(tracker, S.READY_FOR_REVIEW, S.READY_FOR_REVIEW))
    push = only(run(v), Push)
    assert push.comment == f"Status: completed, synced from SpecWeave increment {INCREMENT}"
    quiet = only(run(v, Policy(completion_comments=False)), Push)
    assert quiet.comment is None


@per_tracker
def test_row2_confirm_before_completion_when_autosync_off(tracker: Tracker) -> None:
    v = view(tracker, S.ABANDONED, remote(tracker, ext(tracker, S.ACTIVE), "4"), base(tracker, S.ACTIVE, S.ACTIVE))
    ask = only(run(v, Policy(auto_sync=False, prompt_user=True)), Ask)
    assert ask.kind == "confirm"
    assert ask.proposed is S.ABANDONED
    assert set(ask.choices) >= {"yes", "no", "custom"}
    yes = ask.plan("yes")
    assert yes is not None and isinstance(yes[-1], Push) and yes[-1].status is S.ABANDONED
    assert INCREMENT in ask.question and ask.link.item in ask.question
    # --yes, autoSync on, or a non-terminal status: no confirmation.
    only(run(v, Policy(auto_sync=False, prompt_user=True, assume_yes=True)), Push)
    only(run(v, Policy(auto_sync=True, prompt_user=True)), Push)
    paused = view(tracker, S.PAUSED, remote(tracker, ext(tracker, S.ACTIVE), "4"), base(tracker, S.ACTIVE, S.ACTIVE))
    only(run(paused, Policy(auto_sync=False, prompt_user=True)), Push)


# --- row 3: remote changed only ---------------------------------------------------------------------------------

@per_tracker
def test_row3_inbound_already_satisfied_moves_base(tracker: Tracker) -> None:
    the_base = base(tracker, S.ACTIVE, S.PLANNING)  # a difference accepted earlier
    item = remote(tracker, ext(tracker, S.ACTIVE), "5")
    moved = only(run(view(tracker, S.ACTIVE, item, the_base)), MoveBase)
    assert moved.new_base == Base(S.ACTIVE, ext(tracker, S.ACTIVE), "5", NOW)


@per_tracker
def test_row3_inbound_close_asks_with_completed(tracker: Tracker) -> None:
    item = remote(tracker, ext(tracker, S.COMPLETED), "5")
    ask = only(run(view(tracker, S.ACTIVE, item, base(tracker, S.ACTIVE, S.ACTIVE))), Ask)
    assert ask.kind == "inbound"
    assert ask.proposed is S.COMPLETED
    assert ask.choices == ("yes", "no", "custom", "skip")
    assert ask.changed_by == "alice" and ask.changed_at == CLOSED_AT
    assert ask.local is S.ACTIVE and ask.external == ext(tracker, S.COMPLETED)
    assert "by alice at 2026-11-24T10:31:02.000Z" in ask.question
    assert f"Mark increment {INCREMENT} as `completed`?" in ask.question
    assert "alice" in ask.reason


def test_row3_github_close_reads_like_the_contract() -> None:
    item = remote(Tracker.GITHUB, ext(Tracker.GITHUB, S.COMPLETED), "5")
    ask = only(run(view(Tracker.GITHUB, S.ACTIVE, item, base(Tracker.GITHUB, S.ACTIVE, S.ACTIVE))), Ask)
    assert ask.question.startswith("GitHub acme/shop#101 was closed (completed) by alice")
    assert ask.reason == "closed (completed) in GitHub by alice"


@per_tracker
def test_row3_close_as_not_planned_proposes_abandoned(tracker: Tracker) -> None:
    item = remote(tracker, ext(tracker, S.ABANDONED), "5")
    ask = only(run(view(tracker, S.ACTIVE, item, base(tracker, S.ACTIVE, S.ACTIVE))), Ask)
    assert ask.proposed is S.ABANDONED


@per_tracker
def test_row3_reopen_proposes_active(tracker: Tracker) -> None:
    item = remote(tracker, ext(tracker, S.PLANNING), "5")  # open / To Do / New
    ask = only(run(view(tracker, S.COMPLETED, item, base(tracker, S.COMPLETED, S.COMPLETED))), Ask)
    assert ask.proposed is S.ACTIVE


@per_tracker
@pytest.mark.parametrize("policy", [Policy(prompt_user=False), Policy(prompt_user=True, assume_yes=True)])
def test_row3_without_prompt_applies_proposal(tracker: Tracker, policy: Policy) -> None:
    item = remote(tracker, ext(tracker, S.COMPLETED), "5")
    actions = run(view(tracker, S.ACTIVE, item, base(tracker, S.ACTIVE, S.ACTIVE)), policy)
    assert [type(a) for a in actions] == [ApplyLocal, MoveBase]
    apply, moved = actions
    assert isinstance(apply, ApplyLocal) and apply.status is S.COMPLETED and apply.then_push_others
    assert isinstance(moved, MoveBase) and moved.new_base == Base(S.COMPLETED, ext(tracker, S.COMPLETED), "5", NOW)


def test_row3_managed_label_is_a_change() -> None:
    item = remote(Tracker.GITHUB, ext(Tracker.GITHUB, S.PAUSED), "5")
    ask = only(run(view(Tracker.GITHUB, S.ACTIVE, item, base(Tracker.GITHUB, S.ACTIVE, S.ACTIVE))), Ask)
    assert ask.proposed is S.PAUSED


@per_tracker
def test_row3_unrelated_label_is_not_a_change(tracker: Tracker) -> None:
    item = remote(tracker, ext(tracker, S.ACTIVE, "bug", "frontend"), "6")
    only(run(view(tracker, S.ACTIVE, item, base(tracker, S.ACTIVE, S.ACTIVE))), Noop)


def test_row3_unmappable_state_asks_without_yes() -> None:
    odd = ExternalState(state="Blocked by Legal")
    item = remote(Tracker.JIRA, odd, "5")
    ask = only(run(view(Tracker.JIRA, S.ACTIVE, item, base(Tracker.JIRA, S.ACTIVE, S.ACTIVE)),
                   Policy(prompt_user=False)), Ask)
    assert ask.proposed is None
    assert "yes" not in ask.choices and "custom" in ask.choices


# --- row 4: both changed ----------------------------------------------------------------------------------------

@per_tracker
def test_row4_both_changed_to_agreeing_states_converge(tracker: Tracker) -> None:
    item = remote(tracker, ext(tracker, S.COMPLETED), "5")
    moved = only(run(view(tracker, S.COMPLETED, item, base(tracker, S.ACTIVE, S.ACTIVE))), MoveBase)
    assert moved.new_base == Base(S.COMPLETED, ext(tracker, S.COMPLETED), "5", NOW)


def _conflict_view(tracker: Tracker, *, local_at: datetime | None = None, remote_at: datetime | None = None,
                   updated_at: datetime | None = None) -> LinkView:
    """SpecWeave moved active → paused while someone abandoned the item."""
    item = remote(tracker, ext(tracker, S.ABANDONED), "5", changed_at=remote_at, updated_at=updated_at)
    return view(tracker, S.PAUSED, item, base(tracker, S.ACTIVE, S.ACTIVE), local_changed_at=local_at)


@per_tracker
def test_row4_conflict_prompt_asks(tracker: Tracker) -> None:
    ask = only(run(_conflict_view(tracker), Policy(conflict_resolution="prompt")), Ask)
    assert ask.kind == "conflict"
    assert ask.choices == ("yes", "no", "custom", "skip")
    # One vocabulary: yes takes the item's state, no keeps SpecWeave's; each says so in words.
    assert "take the item's" in (ask.meaning("yes") or "") and "keep SpecWeave's" in (ask.meaning("no") or "")
    assert "Conflict on" in ask.question and "active → paused" in ask.question


@per_tracker
def test_row4_conflict_specweave_wins_records_and_pushes(tracker: Tracker) -> None:
    actions = run(_conflict_view(tracker), Policy(conflict_resolution="specweave-wins"))
    assert [type(a) for a in actions] == [RecordConflict, Push]
    record, push = actions
    assert isinstance(record, RecordConflict) and record.outcome == "specweave"
    assert record.strategy == "specweave-wins" and record.local is S.PAUSED
    assert record.reason.startswith("conflict resolved by specweave-wins")
    assert isinstance(push, Push) and push.target == mapping_for(tracker).target(S.PAUSED)


@per_tracker
def test_row4_conflict_external_wins_records_and_applies(tracker: Tracker) -> None:
    actions = run(_conflict_view(tracker), Policy(conflict_resolution="external-wins"))
    assert [type(a) for a in actions] == [RecordConflict, ApplyLocal, MoveBase]
    record, apply, _ = actions
    assert isinstance(record, RecordConflict) and record.outcome == "external"
    assert record.external == ext(tracker, S.ABANDONED)
    assert isinstance(apply, ApplyLocal) and apply.status is S.ABANDONED


@per_tracker
def test_row4_conflict_last_write_wins_local_later(tracker: Tracker) -> None:
    v = _conflict_view(tracker, local_at=CLOSED_AT + timedelta(minutes=5), remote_at=CLOSED_AT)
    actions = run(v, Policy(conflict_resolution="last-write-wins"))
    assert [type(a) for a in actions] == [RecordConflict, Push]
    record = actions[0]
    assert isinstance(record, RecordConflict) and record.outcome == "specweave"
    assert record.reason.startswith("conflict resolved by last-write-wins: SpecWeave's `paused` wins over")


@per_tracker
def test_row4_conflict_last_write_wins_remote_later(tracker: Tracker) -> None:
    v = _conflict_view(tracker, local_at=CLOSED_AT - timedelta(minutes=5), remote_at=CLOSED_AT)
    actions = run(v, Policy(conflict_resolution="last-write-wins"))
    assert [type(a) for a in actions] == [RecordConflict, ApplyLocal, MoveBase]
    assert isinstance(actions[0], RecordConflict) and actions[0].outcome == "external"


def test_row4_last_write_wins_ignores_generic_updated() -> None:
    # The item was touched (a comment) after SpecWeave's change, but its status changed before: SpecWeave wins.
    v = _conflict_view(Tracker.GITHUB, local_at=CLOSED_AT, remote_at=CLOSED_AT - timedelta(hours=1),
                       updated_at=CLOSED_AT + timedelta(hours=1))
    actions = run(v, Policy(conflict_resolution="last-write-wins"))
    assert isinstance(actions[0], RecordConflict) and actions[0].outcome == "specweave"


@pytest.mark.parametrize(("local_at", "remote_at"), [(None, CLOSED_AT), (CLOSED_AT, None), (CLOSED_AT, CLOSED_AT)])
def test_row4_last_write_wins_without_comparable_times_asks(local_at: datetime | None,
                                                           remote_at: datetime | None) -> None:
    v = _conflict_view(Tracker.JIRA, local_at=local_at, remote_at=remote_at)
    ask = only(run(v, Policy(conflict_resolution="last-write-wins", prompt_user=False)), Ask)
    assert ask.kind == "conflict"
    assert "last-write-wins cannot tell" in ask.reason


# --- row 5: no base yet -----------------------------------------------------------------------------------------

@per_tracker
def test_row5_first_sync_satisfied_records_base(tracker: Tracker) -> None:
    item = remote(tracker, ext(tracker, S.ACTIVE), "9")
    moved = only(run(view(tracker, S.ACTIVE, item, None)), MoveBase)
    assert moved.new_base == Base(S.ACTIVE, ext(tracker, S.ACTIVE), "9", NOW)
    assert moved.reason.startswith("first sync")


@per_tracker
def test_row5_first_sync_not_satisfied_is_a_conflict(tracker: Tracker) -> None:
    item = remote(tracker, ext(tracker, S.COMPLETED), "9")
    ask = only(run(view(tracker, S.ACTIVE, item, None)), Ask)
    assert ask.kind == "conflict" and ask.base_external is None
    actions = run(view(tracker, S.ACTIVE, item, None), Policy(conflict_resolution="specweave-wins"))
    assert [type(a) for a in actions] == [RecordConflict, Push]


# --- echoes (§3) ------------------------------------------------------------------------------------------------

@per_tracker
def test_echo_equal_to_base_is_ignored(tracker: Tracker) -> None:
    # Our write came back (webhook or poll) with a newer version but exactly the state we wrote.
    item = remote(tracker, ext(tracker, S.COMPLETED), "7", by="weavesync-bot")
    v = view(tracker, S.COMPLETED, item, base(tracker, S.COMPLETED, S.COMPLETED, "7"), receipt="7")
    only(run(v, Policy(prompt_user=True)), Noop)


@per_tracker
def test_echo_older_than_receipt_is_ignored(tracker: Tracker) -> None:
    # A delayed observation from before our write (version 6 < receipt 7) shows the old state: not a change.
    item = remote(tracker, ext(tracker, S.ACTIVE), "6")
    v = view(tracker, S.COMPLETED, item, base(tracker, S.COMPLETED, S.COMPLETED, "7"), receipt="7")
    noop = only(run(v), Noop)
    assert "echo" in noop.reason


@per_tracker
def test_stale_observation_does_not_hide_a_local_change(tracker: Tracker) -> None:
    item = remote(tracker, ext(tracker, S.ACTIVE), "6")
    v = view(tracker, S.ACTIVE, item, base(tracker, S.COMPLETED, S.COMPLETED, "7"), receipt="7")
    push = only(run(v), Push)
    assert push.status is S.ACTIVE


# --- gone, user stories, direction ------------------------------------------------------------------------------

@per_tracker
def test_gone_item_is_marked_not_recreated(tracker: Tracker) -> None:
    gone = only(run(view(tracker, S.ACTIVE, None, base(tracker, S.ACTIVE, S.ACTIVE))), MarkGone)
    assert "never recreates" in gone.reason


@per_tracker
def test_user_story_link_ignores_inbound_change(tracker: Tracker) -> None:
    item = remote(tracker, ext(tracker, S.COMPLETED), "5")
    v = view(tracker, S.ACTIVE, item, base(tracker, S.ACTIVE, S.ACTIVE), role=LinkRole.USER_STORY)
    moved = only(run(v), MoveBase)
    assert moved.new_base.local is S.ACTIVE and "outbound only" in moved.reason
    only(run(v, Policy(user_story_sync="both")), Ask)


@per_tracker
def test_user_story_link_follows_increment_outbound(tracker: Tracker) -> None:
    item = remote(tracker, ext(tracker, S.PAUSED), "5")
    v = view(tracker, S.COMPLETED, item, base(tracker, S.ACTIVE, S.ACTIVE), role=LinkRole.USER_STORY)
    push = only(run(v, Policy(conflict_resolution="external-wins")), Push)
    assert push.status is S.COMPLETED


@per_tracker
def test_pull_only_never_pushes_and_keeps_base(tracker: Tracker) -> None:
    v = view(tracker, S.PAUSED, remote(tracker, ext(tracker, S.ACTIVE), "4"), base(tracker, S.ACTIVE, S.ACTIVE))
    noop = only(run(v, Policy(direction="pull")), Noop)
    assert "only pulls" in noop.reason
    conflict = _conflict_view(tracker)
    only(run(conflict, Policy(direction="pull", conflict_resolution="specweave-wins")), Noop)


@per_tracker
def test_push_only_never_asks_about_inbound_changes(tracker: Tracker) -> None:
    item = remote(tracker, ext(tracker, S.COMPLETED), "5")
    noop = only(run(view(tracker, S.ACTIVE, item, base(tracker, S.ACTIVE, S.ACTIVE)), Policy(direction="push")),
                Noop)
    assert "only pushes" in noop.reason
    only(run(_conflict_view(tracker), Policy(direction="push")), Noop)
    only(run(_conflict_view(tracker), Policy(direction="push", conflict_resolution="external-wins")), Noop)
    actions = run(_conflict_view(tracker), Policy(direction="push", conflict_resolution="specweave-wins"))
    assert [type(a) for a in actions] == [RecordConflict, Push]
