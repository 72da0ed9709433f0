"""Issue 10's engine rules (sync-semantics.md §2 and §8), with weavesync's own default mappings.

- A person's change that leaves the item in a state SpecWeave's status is not expressed by is a decision, even
  when the mapping's loose reading of the item ("open means active") names SpecWeave's own status.
- While weavesync's own write for a link is unfinished (an open outbox entry), the item's state is weavesync's
  doing: never a decision or a conflict; a newer SpecWeave status replaces the unfinished write.
"""

from __future__ import annotations

import pytest

from weavesync.config.mapping import default_mappings
from weavesync.engine.actions import ApplyLocal, Ask, Noop, Push
from weavesync.engine.decide import decide
from weavesync.engine.view import LinkView, OpenWrite, Policy
from weavesync.model import Base, ExternalState, RemoteItem, Status, Tracker

from ._build import NOW, link, remote
from ._fakes import int_version_key

S = Status
JIRA_IN_PROGRESS = ExternalState("In Progress", category="indeterminate")
JIRA_TO_DO = ExternalState("To Do", category="new")
ADO_CLOSED = ExternalState("Closed", category="Completed")
ADO_ACTIVE = ExternalState("Active", category="InProgress")
ADO_NEW_PAUSED = ExternalState("New", category="Proposed", markers=frozenset({"paused"}))
GH_CLOSED_HALF = ExternalState("closed", reason="not_planned", markers=frozenset({"in-progress"}))
GH_ACTIVE = ExternalState("open", markers=frozenset({"in-progress"}))


def run(tracker: Tracker, local: Status, observed: ExternalState, base_local: Status, base_ext: ExternalState,
        *, open_write: OpenWrite | None = None, policy: Policy | None = None) -> list[object]:
    item: RemoteItem = remote(tracker, observed, "5")
    view = LinkView(increment="0042-checkout", link=link(tracker), local=local, local_changed_at=None,
                    remote=item, base=Base(base_local, base_ext, "4", NOW), open_write=open_write)
    return list(decide(view, default_mappings()[tracker], policy or Policy(), now=NOW,
                       version_key=int_version_key))


def test_jira_stop_progress_while_active_is_a_decision_proposing_backlog() -> None:
    (ask,) = run(Tracker.JIRA, S.ACTIVE, JIRA_TO_DO, S.ACTIVE, JIRA_IN_PROGRESS)
    assert isinstance(ask, Ask), "a person moved the issue to To Do: SpecWeave's `active` is not expressed"
    assert ask.kind == "inbound"
    # To Do expresses planning and backlog; SpecWeave reaches only backlog from active.
    assert ask.proposed is S.BACKLOG


def test_ado_reopen_to_new_with_paused_tag_while_active_is_a_decision() -> None:
    (ask,) = run(Tracker.ADO, S.ACTIVE, ADO_NEW_PAUSED, S.ACTIVE, ADO_CLOSED)
    assert isinstance(ask, Ask)
    assert ask.proposed is None, "no SpecWeave status fits New + paused: the person chooses (no / custom)"
    assert "yes" not in ask.choices and {"no", "custom"} <= set(ask.choices)


def test_promptless_policy_still_never_absorbs_an_unexpressed_change() -> None:
    actions = run(Tracker.ADO, S.ACTIVE, ADO_NEW_PAUSED, S.ACTIVE, ADO_CLOSED,
                  policy=Policy(prompt_user=False))
    assert [type(a) for a in actions] == [Ask]


def test_conflict_under_external_wins_takes_the_status_the_item_expresses() -> None:
    # Both changed: SpecWeave paused -> active, the issue In Progress -> To Do. The loose reading of To Do is
    # `active`, SpecWeave's own status, which To Do does not express: the item wins with `backlog`.
    actions = run(Tracker.JIRA, S.ACTIVE, JIRA_TO_DO, S.PAUSED, JIRA_IN_PROGRESS,
                  policy=Policy(conflict_resolution="external-wins"))
    applied = [a for a in actions if isinstance(a, ApplyLocal)]
    assert [a.status for a in applied] == [S.BACKLOG], actions


@pytest.mark.parametrize("state", ["pending", "in_flight", "retrying", "dead"])
def test_half_done_own_write_is_never_a_decision(state: str) -> None:
    # weavesync's write of `abandoned` closed the issue but its label call failed: closed (not_planned) and
    # still labelled in-progress. With the write still open in the outbox, that state is ours.
    actions = run(Tracker.GITHUB, S.ABANDONED, GH_CLOSED_HALF, S.ACTIVE, GH_ACTIVE,
                  open_write=OpenWrite(status=S.ABANDONED, state=state))
    (noop,) = actions
    assert isinstance(noop, Noop) and "not finished" in noop.reason


def test_jira_intermediate_hop_of_own_write_is_never_a_decision() -> None:
    in_review = ExternalState("In Review", category="indeterminate")
    (noop,) = run(Tracker.JIRA, S.COMPLETED, in_review, S.ACTIVE, JIRA_IN_PROGRESS,
                  open_write=OpenWrite(status=S.COMPLETED, state="retrying"))
    assert isinstance(noop, Noop)


def test_newer_local_status_replaces_an_unfinished_write() -> None:
    (push,) = run(Tracker.GITHUB, S.ACTIVE, GH_CLOSED_HALF, S.ACTIVE, GH_ACTIVE,
                  open_write=OpenWrite(status=S.ABANDONED, state="in_flight"))
    assert isinstance(push, Push) and push.status is S.ACTIVE
    assert push.target == default_mappings()[Tracker.GITHUB].target(S.ACTIVE)


def test_pull_only_run_leaves_a_newer_local_status_for_later() -> None:
    (noop,) = run(Tracker.GITHUB, S.ACTIVE, GH_CLOSED_HALF, S.ACTIVE, GH_ACTIVE,
                  open_write=OpenWrite(status=S.ABANDONED, state="retrying"), policy=Policy(direction="pull"))
    assert isinstance(noop, Noop) and noop.deferred


def test_item_half_way_through_our_own_write_is_completed_not_a_conflict() -> None:
    # SpecWeave went active -> completed; the issue stopped at In Review, a hop of weavesync's own write toward
    # Done that some other process made and never finished (no outbox entry here says so).
    in_review = ExternalState("In Review", category="indeterminate")
    item: RemoteItem = remote(Tracker.JIRA, in_review, "5")
    base = Base(S.ACTIVE, JIRA_IN_PROGRESS, "4", NOW)
    for partial, expected in ((True, Push), (False, Ask)):
        view = LinkView(increment="0042-checkout", link=link(Tracker.JIRA), local=S.COMPLETED, local_changed_at=None,
                        remote=item, base=base, partial_toward_local=partial)
        (action,) = decide(view, default_mappings()[Tracker.JIRA], Policy(), now=NOW, version_key=int_version_key)
        assert isinstance(action, expected), (partial, action)


def test_accepting_a_close_tidies_only_weavesyncs_own_labels() -> None:
    # alice closed the issue and left `in-progress` on it. Accepting `completed` must end with the link in sync:
    # the label is weavesync's own, so a push removes it (no comment: the person closed it, not SpecWeave).
    closed_labelled = ExternalState("closed", reason="completed", markers=frozenset({"in-progress"}))
    (ask,) = run(Tracker.GITHUB, S.ACTIVE, closed_labelled, S.ACTIVE, GH_ACTIVE)
    assert isinstance(ask, Ask)
    yes = ask.plan("yes")
    assert yes is not None
    (push,) = [a for a in yes if isinstance(a, Push)]
    assert push.status is S.COMPLETED and push.comment is None and "in-progress" not in push.target.markers
    automatic = run(Tracker.GITHUB, S.ACTIVE, closed_labelled, S.ACTIVE, GH_ACTIVE, policy=Policy(prompt_user=False))
    assert [type(a) for a in automatic] == [ApplyLocal, type(yes[1]), Push]


def test_accepting_a_jira_reopen_to_to_do_never_moves_the_persons_state() -> None:
    done = ExternalState("Done", category="done")
    (ask,) = run(Tracker.JIRA, S.COMPLETED, JIRA_TO_DO, S.COMPLETED, done)
    assert isinstance(ask, Ask) and ask.proposed is S.ACTIVE
    yes = ask.plan("yes")
    assert yes is not None and not any(isinstance(a, Push) for a in yes), "To Do stays: the person chose it"
