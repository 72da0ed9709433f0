"""An increment (0042) linked to one item per test, with the first sync done, and how to look at the item."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner, Result

from weavesync.cli.main import cli
from weavesync.config import default_mappings
from weavesync.executor import reconcile
from weavesync.model import RemoteItem, Status, Tracker

from .conftest import World

INC = "0042"


def remote(world: World, tracker: Tracker, item: str) -> RemoteItem:
    found = world.remote(tracker, item)
    assert isinstance(found, RemoteItem)
    return found


def expresses(world: World, tracker: Tracker, item: str, status: Status) -> bool:
    return default_mappings()[tracker].satisfies(remote(world, tracker, item).state, status)


def linked(world: World, tracker: Tracker, status: Status = Status.ACTIVE) -> str:
    """An item in the state `status` maps to, linked to increment 0042, with a first sync done."""
    item = world.create_item(tracker, status)
    world.link(INC, tracker, item)
    with world.session() as session:
        report = reconcile(session, session.policy())
        assert not report.failed and not report.pending, report.problems
    return item


def cli_run(world: World, *args: str) -> Result:
    """The real command line, in-process, as the bot (the project's environment)."""
    return CliRunner().invoke(cli, [*args, "--project", str(world.root)], env=world.env, catch_exceptions=False)


def cli_json(world: World, *args: str) -> tuple[int, Any]:
    import json

    result = cli_run(world, *args, "--json")
    return result.exit_code, json.loads(result.stdout)
