"""Convergence: a hypothesis state machine (after vdirsyncer's SyncMachine) over an in-memory tracker item and an
in-memory increment. People change either side at random; a sync applies the engine's actions (answering any
question with a random non-skip answer); afterwards a sync with no further changes must do nothing at all."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from weavesync.config.mapping import default_mappings
from weavesync.engine.actions import (
    Action,
    ApplyLocal,
    Ask,
    MarkGone,
    MoveBase,
    Noop,
    Push,
    RecordConflict,
)
from weavesync.engine.decide import custom_choices, decide, managed_part, resolve_choice
from weavesync.engine.view import LinkView, MappingLike, Policy
from weavesync.model import Base, ExternalState, Link, LinkRole, RemoteItem, Status, Tracker

from ._build import CLOSED_AT, INCREMENT, ITEMS
from ._fakes import int_version_key, mapping_for, realise
from ._strategies import examples, external_states, statuses, trackers

both_way_policies = st.builds(
    Policy,
    conflict_resolution=st.sampled_from(["prompt", "last-write-wins", "specweave-wins", "external-wins"]),
    prompt_user=st.booleans(),
    auto_sync=st.booleans(),
    completion_comments=st.booleans(),
    user_story_sync=st.sampled_from(["outbound", "both"]),
    assume_yes=st.booleans(),
)


class SyncMachine(RuleBasedStateMachine):
    mapping: MappingLike
    tracker: Tracker
    policy: Policy
    link: Link
    local: Status
    remote: ExternalState

    def __init__(self) -> None:
        super().__init__()
        self.clock = CLOSED_AT
        self.version = 1
        self.base: Base | None = None
        self.receipt: str | None = None
        self.local_at: datetime | None = None
        self.remote_at: datetime | None = None
        self.remote_by: str | None = None
        self.conflicts: list[RecordConflict] = []
        self.writes = 0

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    @initialize(tracker=trackers, local=statuses, data=st.data(), policy=both_way_policies,
                role=st.sampled_from(list(LinkRole)), real=st.booleans())
    def setup(self, tracker: Tracker, local: Status, data: st.DataObject, policy: Policy, role: LinkRole,
              real: bool) -> None:
        # The fake mapping, or weavesync's own default mapping for that tracker.
        self.tracker = tracker
        self.mapping = default_mappings()[tracker] if real else mapping_for(tracker)
        self.policy = policy
        self.link = Link(tracker, ITEMS[tracker], role)
        self.local = local
        self.remote = data.draw(external_states(tracker))

    @rule(status=statuses)
    def person_changes_specweave(self, status: Status) -> None:
        self.local = status
        self.local_at = self.tick()

    @rule(data=st.data())
    def person_changes_tracker(self, data: st.DataObject) -> None:
        self.remote = data.draw(external_states(self.tracker))
        self.version += 1
        self.remote_at = self.tick()
        self.remote_by = "alice"

    @rule(data=st.data())
    def sync(self, data: st.DataObject) -> None:
        allow_custom = True
        for _round in range(3):
            actions = self.decide()
            if all(isinstance(a, Noop) for a in actions):
                return
            used_custom = self.apply(actions, data, allow_custom=allow_custom)
            if not used_custom:
                # After a sync whose answers need no follow-up, the next sync must have nothing to do.
                again = self.decide()
                assert all(isinstance(a, Noop) for a in again), again
                return
            allow_custom = False  # a custom answer changes SpecWeave; the next round pushes it
        raise AssertionError("no convergence after three rounds")

    @invariant()
    def base_never_claims_a_future_version(self) -> None:
        if self.base is not None and self.base.version is not None:
            assert int(self.base.version) <= self.version

    # --- helpers --------------------------------------------------------------------------------------------

    def decide(self) -> list[Action]:
        view = LinkView(increment=INCREMENT, link=self.link, local=self.local, local_changed_at=self.local_at,
                        remote=RemoteItem(link_item=self.link.item, tracker=self.link.tracker, state=self.remote,
                                          version=str(self.version), status_changed_at=self.remote_at,
                                          changed_by=self.remote_by),
                        base=self.base, last_receipt_version=self.receipt)
        return decide(view, self.mapping, self.policy, now=self.tick(), version_key=int_version_key)

    def apply(self, actions: list[Action], data: st.DataObject, *, allow_custom: bool) -> bool:
        """Carry out actions as the executor and a person would; True when a person answered "custom"."""
        used_custom = False
        pushes = [a for a in actions if isinstance(a, Push)]
        assert len(pushes) <= 1, "one desired state per link"
        for action in actions:
            if isinstance(action, Ask):
                options = [c for c in action.choices if c != "skip" and (allow_custom or c != "custom")]
                choice = data.draw(st.sampled_from(options))
                custom = data.draw(st.sampled_from(custom_choices(self.local))) if choice == "custom" else None
                used_custom |= choice == "custom"
                answered = resolve_choice(action, choice, custom, self.local, now=self.tick())
                assert not any(isinstance(a, Ask) for a in answered)
                self.apply(answered, data, allow_custom=False)
            elif isinstance(action, Push):
                self.write(action)
            elif isinstance(action, ApplyLocal):
                self.local = action.status
                self.local_at = self.tick()
            elif isinstance(action, MoveBase):
                self.base = action.new_base
            elif isinstance(action, RecordConflict):
                self.conflicts.append(action)
            else:
                assert not isinstance(action, MarkGone), "the item never disappears here"
        return used_custom

    def write(self, push: Push) -> None:
        """The in-memory tracker: people's labels survive a write; the receipt becomes the base (§3)."""
        written = realise(push.target)
        people = self.remote.markers - self.mapping.managed
        self.remote = replace(written, markers=written.markers | people)
        self.version += 1
        self.writes += 1
        self.remote_at = self.tick()
        self.remote_by = "weavesync-bot"
        self.receipt = str(self.version)
        self.base = Base(local=push.status, external=managed_part(self.remote, self.mapping.managed),
                         version=self.receipt, synced_at=self.clock)


SyncMachine.TestCase.settings = settings(max_examples=examples(150), stateful_step_count=15, deadline=None)
TestSyncMachine = SyncMachine.TestCase
