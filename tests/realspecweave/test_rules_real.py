"""Decisions applied as SpecWeave's CLI applies status changes (issue 11, point 2), checked by SpecWeave itself.

Every status change before weavesync's is SpecWeave's own command; after every weavesync write SpecWeave's own
`doctor`, `check-discipline` and `status` must report no problem they did not report before.
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from e2e.conftest import World
from e2e.linked import expresses
from realspecweave.conftest import linked, sync
from specweave_cli import SpecWeaveProject
from weavesync.cli.prompt import TerminalPrompter, specweave_rules
from weavesync.engine.decide import custom_choices
from weavesync.executor import reconcile
from weavesync.model import Status, Tracker


def _scripted(*answers: str) -> tuple[TerminalPrompter, io.StringIO, list[str]]:
    out = io.StringIO()
    shown: list[str] = []
    queue = list(answers)

    def read(prompt: Text) -> str:
        shown.append(prompt.plain)
        if not queue:
            raise EOFError
        return queue.pop(0)

    return TerminalPrompter(Console(file=out, width=200), read=read), out, shown


def test_a_reopen_over_the_hard_cap_is_refused_and_a_fitting_status_offered(world: World,
                                                                             project: SpecWeaveProject) -> None:
    project.create("0001-alpha", "Alpha")
    project.create("0002-beta", "Beta")
    project.create("0003-gamma", "Gamma")
    item = linked(world, "0003-gamma")
    project.complete("0003-gamma")
    project.edit_config(limits={"maxActiveIncrements": 1, "hardCap": 2})  # `auto` itself refuses past the limits
    sync(world, "0003-gamma")  # the close goes out
    before = project.problems()
    world.alice_sets(Tracker.GITHUB, item, Status.ACTIVE)  # alice reopens the issue
    with world.session() as session:
        prompter, out, _ = _scripted("yes", "custom", "abandoned")
        prompter.rules = specweave_rules(session)
        reconcile(session, session.policy(interactive=True), ["0003-gamma"], prompter=prompter)
    text = out.getvalue()
    assert "hard cap of 2" in text
    assert "`active` is not possible" in text
    assert "fit SpecWeave's rules: abandoned" in text
    assert project.metadata("0003-gamma")["status"] == "abandoned"
    assert project.problems() <= before


def test_custom_lists_only_what_the_rules_allow(world: World, project: SpecWeaveProject) -> None:
    project.create("0001-alpha", "Alpha")
    project.create("0002-beta", "Beta")
    item = linked(world, "0002-beta")
    project.complete("0002-beta")
    project.edit_config(limits={"maxActiveIncrements": 1, "hardCap": 1})
    sync(world, "0002-beta")
    world.alice_sets(Tracker.GITHUB, item, Status.ACTIVE)
    with world.session() as session:
        prompter, out, _ = _scripted("custom")
        prompter.rules = specweave_rules(session)
        reconcile(session, session.policy(interactive=True), ["0002-beta"], prompter=prompter)
    assert set(custom_choices(Status.COMPLETED)) == {Status.ACTIVE, Status.ABANDONED}
    listed = [line for line in out.getvalue().splitlines() if line.startswith("SpecWeave allows")]
    assert listed == ["SpecWeave allows from `completed`: 1) abandoned"]


def test_accepting_a_close_updates_the_active_list_as_specweave_would(world: World,
                                                                      project: SpecWeaveProject) -> None:
    project.create("0001-alpha", "Alpha")
    project.create("0002-beta", "Beta")
    item = linked(world, "0002-beta")
    assert project.active_list() == []  # SpecWeave's `auto` does not list them; its next status change would
    before = project.problems()
    world.alice_sets(Tracker.GITHUB, item, Status.COMPLETED)
    with world.session() as session:
        reconcile(session, session.policy(assume_yes=True), ["0002-beta"])
    assert project.metadata("0002-beta")["status"] == "completed"
    assert project.active_list() == ["0001-alpha"]
    assert project.problems() <= before
    world.alice_sets(Tracker.GITHUB, item, Status.ACTIVE)  # and a reopen puts it back, as `resume` would
    with world.session() as session:
        reconcile(session, session.policy(assume_yes=True), ["0002-beta"])
    assert project.metadata("0002-beta")["status"] == "active"
    assert project.active_list() == ["0001-alpha", "0002-beta"]
    assert project.problems() <= before
    project.pause("0002-beta")  # SpecWeave's own commands still work on what weavesync wrote
    assert project.active_list() == ["0001-alpha"]


def test_reopen_of_an_increment_specweave_put_away_says_so_and_restores_it(world: World,
                                                                          project: SpecWeaveProject) -> None:
    # (no "_archive" in this test's name: SpecWeave's archiver refuses any path containing it, tmp folder included)
    project.create("0001-alpha", "Alpha")
    item = linked(world, "0001-alpha")
    project.complete("0001-alpha")
    sync(world, "0001-alpha")
    project.archive("0001-alpha")
    assert (project.root / ".specweave/increments/_archive/0001-alpha").is_dir()
    before = project.problems()
    world.alice_sets(Tracker.GITHUB, item, Status.ACTIVE)
    with world.session() as session:
        prompter, out, _ = _scripted("yes")
        prompter.rules = specweave_rules(session)
        reconcile(session, session.policy(interactive=True), ["0001-alpha"], prompter=prompter)
    text = out.getvalue()
    assert "0001-alpha is archived (increments/_archive/)" in text
    assert "brings it back to increments/" in text
    assert (project.root / ".specweave/increments/0001-alpha").is_dir()
    assert not (project.root / ".specweave/increments/_archive/0001-alpha").exists()
    assert project.metadata("0001-alpha")["status"] == "active"
    assert project.active_list() == ["0001-alpha"]
    assert project.problems() <= before
    project.pause("0001-alpha")  # SpecWeave sees it again
    assert project.metadata("0001-alpha")["status"] == "paused"


def test_resolve_off_a_terminal_refuses_the_hard_cap_and_warns_past_the_limit(world: World,
                                                                              project: SpecWeaveProject) -> None:
    from click.testing import CliRunner

    from weavesync.cli.main import cli

    def resolve(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["resolve", *args, "--project", str(project.root)], env=world.env)
        return result.exit_code, result.output + result.stderr

    project.create("0001-alpha", "Alpha")
    project.create("0002-beta", "Beta")
    item = linked(world, "0002-beta")
    project.complete("0002-beta")
    sync(world, "0002-beta")
    project.edit_config(limits={"maxActiveIncrements": 1, "hardCap": 1})
    world.alice_sets(Tracker.GITHUB, item, Status.ACTIVE)
    with world.session() as session:
        assert reconcile(session, session.policy(), ["0002-beta"]).pending  # off a terminal: stored
    code, text = resolve("0002", "--accept")
    assert code != 0 and "hard cap of 1" in text
    assert project.metadata("0002-beta")["status"] == "completed"
    project.edit_config(limits={"maxActiveIncrements": 1, "hardCap": 5})
    before = project.problems()
    code, text = resolve("0002", "--accept")
    assert code == 0, text
    assert "warning: 0002-beta: SpecWeave's WIP limit is 1 increments in progress; this makes 2" in text
    assert project.metadata("0002-beta")["status"] == "active"
    found = project.problems() - before
    assert found and all("WIP limit" in p or "wip_limit" in p or "EXCEEDS" in p for p in found)  # the one warned of


def test_specweave_abandon_and_a_reopen_accepted_keep_specweave_healthy(world: World,
                                                                      project: SpecWeaveProject) -> None:
    project.create("0001-alpha", "Alpha")
    item = linked(world, "0001-alpha")
    before = project.problems()
    project.abandon("0001-alpha", "scope cut")
    sync(world, "0001-alpha")  # SpecWeave's abandon goes out: closed as not planned
    assert expresses(world, Tracker.GITHUB, item, Status.ABANDONED)
    assert project.problems() <= before
    world.alice_sets(Tracker.GITHUB, item, Status.ACTIVE)  # a person reopens it
    with world.session() as session:
        reconcile(session, session.policy(assume_yes=True), ["0001-alpha"])
    data = project.metadata("0001-alpha")
    assert data["status"] == "active" and data["abandonedReason"] == "scope cut"  # leftovers kept, as SpecWeave does
    assert project.active_list() == ["0001-alpha"]
    assert project.problems() <= before
    project.pause("0001-alpha")  # SpecWeave's own commands still accept what weavesync wrote
    project.resume("0001-alpha")
    assert project.metadata("0001-alpha")["status"] == "active"
