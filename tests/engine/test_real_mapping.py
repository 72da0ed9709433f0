"""The engine with weavesync's own default mappings (`config.mapping.TrackerMapping`), not the test fake:
the contract's examples end to end, and proof that the real class fits `MappingLike`."""

from __future__ import annotations

import pytest

from weavesync.config.mapping import default_mappings
from weavesync.engine.actions import Ask, MoveBase, Noop, Push
from weavesync.engine.decide import decide
from weavesync.engine.view import LinkView, MappingLike, Policy
from weavesync.model import Base, ExternalState, Status, Tracker

from ._build import NOW, link, remote
from ._fakes import int_version_key

S = Status
GH_OPEN_ACTIVE = ExternalState("open", markers=frozenset({"in-progress"}))


def mapping(tracker: Tracker) -> MappingLike:
    real: MappingLike = default_mappings()[tracker]  # structural fit, checked by mypy and at run time
    return real


def decide_github(local: Status, observed: ExternalState, base_local: Status, base_ext: ExternalState,
                  policy: Policy | None = None) -> list[object]:
    view = LinkView(increment="0042-checkout", link=link(Tracker.GITHUB), local=local, local_changed_at=None,
                    remote=remote(Tracker.GITHUB, observed, "5"), base=Base(base_local, base_ext, "4", NOW))
    return list(decide(view, mapping(Tracker.GITHUB), policy or Policy(), now=NOW, version_key=int_version_key))


@pytest.mark.parametrize(("reason", "proposed"), [("completed", S.COMPLETED), ("not_planned", S.ABANDONED)])
def test_github_close_proposes_by_close_reason(reason: str, proposed: Status) -> None:
    (ask,) = decide_github(S.ACTIVE, ExternalState("closed", reason=reason, markers=frozenset({"in-progress"})),
                           S.ACTIVE, GH_OPEN_ACTIVE)
    assert isinstance(ask, Ask) and ask.proposed is proposed


def test_github_reopen_proposes_active() -> None:
    (ask,) = decide_github(S.COMPLETED, ExternalState("open", reason="reopened"), S.COMPLETED,
                           ExternalState("closed", reason="completed"))
    assert isinstance(ask, Ask) and ask.proposed is S.ACTIVE


def test_github_completion_push_and_people_labels() -> None:
    (push,) = decide_github(S.COMPLETED, GH_OPEN_ACTIVE, S.ACTIVE, GH_OPEN_ACTIVE)
    assert isinstance(push, Push) and push.target.state == "closed" and push.target.reason == "completed"
    assert push.comment == "Status: completed, synced from SpecWeave increment 0042-checkout"
    labelled = ExternalState("open", markers=frozenset({"in-progress", "customer"}))
    (noop,) = decide_github(S.ACTIVE, labelled, S.ACTIVE, GH_OPEN_ACTIVE)
    assert isinstance(noop, Noop)


def test_jira_done_satisfies_completed_after_both_changed() -> None:
    view = LinkView(increment="0042-checkout", link=link(Tracker.JIRA), local=S.COMPLETED, local_changed_at=None,
                    remote=remote(Tracker.JIRA, ExternalState("Done", category="done"), "5"),
                    base=Base(S.ACTIVE, ExternalState("In Progress", category="indeterminate"), "4", NOW))
    (moved,) = decide(view, mapping(Tracker.JIRA), Policy(), now=NOW, version_key=int_version_key)
    assert isinstance(moved, MoveBase) and moved.new_base.local is S.COMPLETED
