"""Issue 12 "Everyday use", items 1-3, through the real command line over real HTTP against the sandbox:
a strategy settles the conflicts already pending, many decisions are answered in one command, and a divergence
kept on purpose tells the same story everywhere."""

from __future__ import annotations

from weavesync.model import Status, Tracker

from .conftest import World
from .linked import INC, cli_json, cli_run, expresses


def test_a_strategy_settles_pending_first_sync_conflicts_not_a_persons_close(world: World) -> None:
    # Items a person filed earlier, in a state that disagrees with SpecWeave's `active`: first-sync conflicts.
    items = {Tracker.GITHUB: world.create_item(Tracker.GITHUB, Status.PAUSED),
             Tracker.JIRA: world.create_item(Tracker.JIRA, Status.PAUSED),
             Tracker.ADO: world.create_item(Tracker.ADO, Status.ACTIVE)}
    for tracker, item in items.items():
        world.link(INC, tracker, item)
    code, first = cli_json(world, "sync", "--no-input")
    assert code == 3 and sorted(p["tracker"] for p in first["pending"]) == ["github", "jira"]
    world.alice_sets(Tracker.ADO, items[Tracker.ADO], Status.COMPLETED)  # a person's close: not a conflict
    code, settled = cli_json(world, "sync", "--no-input", "--strategy", "specweave-wins")
    assert code == 3, settled
    assert sorted(w["link"].partition(":")[0] for w in settled["withdrawn"]) == ["github", "jira"]
    assert all("specweave-wins" in w["why"] for w in settled["withdrawn"])
    (left,) = settled["pending"]
    assert (left["tracker"], left["kind"]) == ("ado", "inbound")
    for tracker in (Tracker.GITHUB, Tracker.JIRA):
        assert expresses(world, tracker, items[tracker], Status.ACTIVE), tracker
    text = cli_run(world, "sync", "--no-input", "--strategy", "specweave-wins")
    assert text.exit_code == 3 and "withdrawn" not in text.stdout, "nothing left to withdraw: said once"


def test_resolve_many_at_once_by_tracker_and_all(world: World) -> None:
    items = {t: world.create_item(t) for t in Tracker}
    for tracker, item in items.items():
        world.link(INC, tracker, item)
    assert cli_run(world, "sync", "--no-input").exit_code == 0
    world.alice_sets(Tracker.GITHUB, items[Tracker.GITHUB], Status.COMPLETED)
    world.alice_sets(Tracker.JIRA, items[Tracker.JIRA], Status.COMPLETED)
    world.alice_sets(Tracker.ADO, items[Tracker.ADO], Status.ABANDONED)
    assert cli_run(world, "sync", "--no-input").exit_code == 3
    # Only Jira's: completed. GitHub's close now agrees (withdrawn); ADO's Removed disagrees (asked afresh).
    code, done = cli_json(world, "resolve", "--tracker", "jira", "--accept")
    assert code == 3 and [r["tracker"] for r in done["resolved"]] == ["jira"], done
    assert [p["tracker"] for p in done["pending"]] == ["ado"]
    assert expresses(world, Tracker.GITHUB, items[Tracker.GITHUB], Status.COMPLETED)
    # The rest in one command; the answer keeps SpecWeave's `completed` and updates the item.
    code, rest = cli_json(world, "resolve", "--all", "--decline")
    assert code == 0 and [r["tracker"] for r in rest["resolved"]] == ["ado"] and not rest["pending"], rest
    assert expresses(world, Tracker.ADO, items[Tracker.ADO], Status.COMPLETED)
    assert cli_run(world, "resolve", "--all", "--accept").exit_code == 1  # nothing left to answer
    assert cli_run(world, "resolve", "--accept").exit_code == 2  # which ones? a usage error


def test_after_a_decline_every_command_tells_the_same_story(world: World) -> None:
    item = world.create_item(Tracker.GITHUB)
    world.link(INC, Tracker.GITHUB, item)
    assert cli_run(world, "sync", "--no-input").exit_code == 0
    world.alice_sets(Tracker.GITHUB, item, Status.COMPLETED)
    assert cli_run(world, "sync", "--no-input").exit_code == 3
    assert cli_run(world, "resolve", INC, "--decline").exit_code == 0
    code, status = cli_json(world, "status", "--remote")
    (link,) = status["increments"][0]["links"]
    assert code == 0 and link["remote"]["keptApart"] is True and link["remote"]["inSync"] is False
    assert "kept apart on purpose" in cli_run(world, "status", "--remote").stdout
    code, planned = cli_json(world, "plan")
    assert code == 0 and [k["link"] for k in planned["keptApart"]] == [f"github:{item}"]
    assert planned["inSync"] == 0, "a link kept apart is not counted as in sync"
    code, pending = cli_json(world, "pending")
    assert code == 0 and pending["pending"] == [] and [k["item"] for k in pending["keptApart"]] == [item]
    # A later change on either side ends it: SpecWeave completes too, and the link simply agrees.
    with world.session() as session:
        from datetime import UTC, datetime

        from weavesync.specweave import set_status

        set_status(session.increment(INC), Status.COMPLETED, now=datetime.now(UTC))
    code, after = cli_json(world, "plan")
    assert code == 4 and after["keptApart"] == []
