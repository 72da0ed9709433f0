"""Invariants of `decide()` over arbitrary (local, remote, base, policy) combinations."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from weavesync.engine.actions import Action, ApplyLocal, Ask, MarkGone, Push
from weavesync.engine.decide import decide, managed_part
from weavesync.engine.view import LinkView, Policy
from weavesync.model import Base, Link, RemoteItem, Tracker

from ._build import INCREMENT, ITEMS, NOW
from ._fakes import int_version_key, mapping_for
from ._strategies import examples, external_states, policies, roles, statuses, times, trackers, versions


@st.composite
def views(draw: st.DrawFn) -> LinkView:
    tracker: Tracker = draw(trackers)
    remote = None
    if draw(st.integers(0, 19)):
        remote = RemoteItem(link_item=ITEMS[tracker], tracker=tracker, state=draw(external_states(tracker)),
                            version=draw(versions), status_changed_at=draw(times),
                            changed_by=draw(st.none() | st.just("alice")))
    base = None
    if draw(st.booleans()):
        base = Base(local=draw(statuses), external=draw(external_states(tracker)), version=draw(versions),
                    synced_at=NOW)
    return LinkView(increment=INCREMENT, link=Link(tracker, ITEMS[tracker], draw(roles)), local=draw(statuses),
                    local_changed_at=draw(times), remote=remote, base=base,
                    last_receipt_version=draw(st.none() | versions))


def flatten(actions: list[Action]) -> list[Action]:
    """Top-level actions plus every action a person's answer could lead to."""
    out = list(actions)
    for action in actions:
        if isinstance(action, Ask):
            for _, plan in action.plans:
                out.extend(plan)
    return out


def is_stale(view: LinkView) -> bool:
    assert view.remote is not None
    seen = int(view.remote.version)
    known = [int(v) for v in (view.last_receipt_version, view.base.version if view.base else None) if v]
    return any(seen < k for k in known)


@settings(max_examples=examples(400), deadline=None)
@given(view=views(), policy=policies)
def test_decide_invariants(view: LinkView, policy: Policy) -> None:
    mapping = mapping_for(view.link.tracker)
    actions = decide(view, mapping, policy, now=NOW, version_key=int_version_key)

    # Deterministic: same inputs, same actions.
    assert actions == decide(view, mapping, policy, now=NOW, version_key=int_version_key)
    # Every action explains itself, including those behind a question.
    assert actions and all(a.reason.strip() for a in flatten(actions))

    if view.remote is None:
        assert [type(a) for a in actions] == [MarkGone]
        return

    # One link never pushes one status and applies another, neither now nor in any single answer. (It may push
    # the status it takes from the item: only to tidy weavesync's own labels/tags, never the state.)
    for plan in (actions, *(p for a in actions if isinstance(a, Ask) for _, p in a.plans)):
        applied = {a.status for a in plan if isinstance(a, ApplyLocal)}
        pushed = [a for a in plan if isinstance(a, Push)]
        if applied:
            assert all(p.status in applied and p.comment is None for p in pushed), plan

    # The observation that counts: the base's external state when the observation is an echo (§3).
    stale = view.base is not None and is_stale(view)
    effective = view.base.external if stale and view.base else view.remote.state

    # Never pushes what the item already expresses; a push writes the target of the local status, or of the status
    # this very decision takes from the item (tidying labels only: same state).
    taken = {a.status for a in actions if isinstance(a, ApplyLocal)}
    for push in (a for a in actions if isinstance(a, Push)):
        status = push.status if push.status in taken else view.local
        assert not mapping.satisfies(managed_part(effective, mapping.managed), status)
        assert push.status is status and push.target == mapping.target(status)
        if push.status in taken:
            assert effective.state.casefold() == (push.target.state or effective.state).casefold()

    # Never asks about a state equal to the base, nor about an echo.
    inbound_asks = [a for a in actions if isinstance(a, Ask) and a.kind != "confirm"]
    if view.base is not None and (stale or managed_part(view.remote.state, mapping.managed)
                                  == managed_part(view.base.external, mapping.managed)):
        assert not inbound_asks

    # Direction limits what is emitted.
    if policy.direction == "pull":
        assert not any(isinstance(a, Push) for a in actions)
        assert not any(isinstance(a, Ask) and a.kind == "confirm" for a in actions)
    if policy.direction == "push":
        assert not inbound_asks
        assert not any(isinstance(a, ApplyLocal) for a in actions)


def test_pull_only_run_never_tidies_labels_when_it_takes_the_items_status() -> None:
    """Found by the property above in CI: external-wins on a pull-only run took the item's status and then pushed a
    label tidy, a write toward the tracker that `--direction pull` promises not to make."""
    from weavesync.model import ExternalState, LinkRole, Status

    tracker = Tracker.GITHUB
    view = LinkView(increment=INCREMENT, link=Link(tracker, ITEMS[tracker], LinkRole.INCREMENT), local=Status.PLANNING,
                    local_changed_at=None, base=None, last_receipt_version=None,
                    remote=RemoteItem(link_item=ITEMS[tracker], tracker=tracker, version="0",
                                      state=ExternalState(state="open",
                                                          markers=frozenset({"bug", "in-progress", "paused"}))))
    policy = Policy(conflict_resolution="external-wins", prompt_user=False, direction="pull")
    actions = decide(view, mapping_for(tracker), policy, now=NOW, version_key=int_version_key)
    assert any(isinstance(a, ApplyLocal) for a in actions)
    assert not any(isinstance(a, Push) for a in actions)
