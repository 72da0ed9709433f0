"""`AdoAdapter.last_change` against the sandbox over real HTTP: from the item's updates, the newest revision that
changed ``System.State`` or a managed tag (``System.ChangedBy`` names whoever saved last, for any field)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from ado_helpers import person_create, person_patch

from weavesync.errors import ItemGone
from weavesync.model import Target, parse_utc
from weavesync.sandbox.server import ACCOUNTS, BOT, PERSON
from weavesync.trackers.azure_devops import AdoAdapter

MANAGED = frozenset({"weavesync-paused", "weavesync-review"})
ALICE = ACCOUNTS["ado"][PERSON].display_name
THE_BOT = ACCOUNTS["ado"][BOT].display_name


def bot_sets_tags(adapter: AdoAdapter, item_id: int, tags: str) -> None:
    ops = [{"op": "add", "path": "/fields/System.Tags", "value": tags}]
    adapter.client.patch(item_id, ops)


def changed_date(saved: dict[str, Any]) -> object:
    return parse_utc(str(saved["fields"]["System.ChangedDate"]))


def test_names_who_moved_the_state_not_who_saved_last(adapter: AdoAdapter, alice: httpx.Client) -> None:
    story = person_create(alice, "User Story", "Moved by alice")
    item = f"acme/Shop/{story['id']}"
    adapter.write(item, Target(state="Active"), MANAGED)
    closed = person_patch(alice, story["id"], [{"op": "add", "path": "/fields/System.State", "value": "Closed"}])
    bot_sets_tags(adapter, story["id"], "customer-x")  # a person's kind of tag: not a managed change
    read = adapter.read_many([item], MANAGED)[item]
    assert read is not None and read.changed_by == THE_BOT  # the last save, whatever it changed

    who, when = adapter.last_change(item, MANAGED)

    assert (who, when) == (ALICE, changed_date(closed))


def test_a_managed_tag_counts(adapter: AdoAdapter, alice: httpx.Client) -> None:
    story = person_create(alice, "User Story", "Tagged")
    item = f"acme/Shop/{story['id']}"
    person_patch(alice, story["id"], [{"op": "add", "path": "/fields/System.State", "value": "Active"}])
    adapter.write(item, Target(state="Active", markers=frozenset({"weavesync-paused"})), MANAGED)
    who, _ = adapter.last_change(item, MANAGED)
    assert who == THE_BOT
    assert adapter.last_change(item)[0] == ALICE  # with no managed tags only the state counts


def test_a_new_item_was_last_moved_by_whoever_created_it(adapter: AdoAdapter, alice: httpx.Client) -> None:
    story = person_create(alice, "User Story", "Fresh")
    assert adapter.last_change(f"acme/Shop/{story['id']}", MANAGED) == (ALICE, changed_date(story))


def test_a_missing_item_is_gone(adapter: AdoAdapter) -> None:
    with pytest.raises(ItemGone):
        adapter.last_change("acme/Shop/999999", MANAGED)
