"""Builders for engine inputs: one link per tracker shape, states by SpecWeave status, fixed times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from weavesync.engine.actions import Action
from weavesync.engine.decide import decide
from weavesync.engine.view import LinkView, Policy
from weavesync.model import Base, ExternalState, Link, LinkRole, RemoteItem, Status, Tracker

from ._fakes import int_version_key, mapping_for

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CLOSED_AT = datetime(2026, 11, 24, 10, 31, 2, tzinfo=UTC)
INCREMENT = "0042-checkout"
ITEMS = {Tracker.GITHUB: "acme/shop#101", Tracker.JIRA: "CORE-7", Tracker.ADO: "acme/Shop/42"}
TRACKERS = list(Tracker)


def link(tracker: Tracker, role: LinkRole = LinkRole.INCREMENT) -> Link:
    return Link(tracker=tracker, item=ITEMS[tracker], role=role, story="US-001" if role is LinkRole.USER_STORY
                else None)


def ext(tracker: Tracker, status: Status, *extra_markers: str) -> ExternalState:
    """The state a tracker shows for `status` under the fake mapping, plus any extra (people's) labels."""
    state = mapping_for(tracker).realise(mapping_for(tracker).target(status))
    return replace(state, markers=state.markers | frozenset(extra_markers))


def remote(tracker: Tracker, state: ExternalState, version: str = "5", *, by: str | None = "alice",
           changed_at: datetime | None = CLOSED_AT, updated_at: datetime | None = None) -> RemoteItem:
    return RemoteItem(link_item=ITEMS[tracker], tracker=tracker, state=state, version=version,
                      updated_at=updated_at or changed_at, status_changed_at=changed_at, changed_by=by,
                      title="Checkout")


def base(tracker: Tracker, local: Status, external: Status | ExternalState, version: str = "4") -> Base:
    state = external if isinstance(external, ExternalState) else ext(tracker, external)
    return Base(local=local, external=state, version=version, synced_at=NOW - timedelta(days=1))


def view(tracker: Tracker, local: Status, item: RemoteItem | None, the_base: Base | None, *,
         local_changed_at: datetime | None = None, receipt: str | None = None,
         role: LinkRole = LinkRole.INCREMENT) -> LinkView:
    return LinkView(increment=INCREMENT, link=link(tracker, role), local=local, local_changed_at=local_changed_at,
                    remote=item, base=the_base, last_receipt_version=receipt)


def run(v: LinkView, policy: Policy | None = None) -> list[Action]:
    return decide(v, mapping_for(v.link.tracker), policy or Policy(), now=NOW, version_key=int_version_key)
