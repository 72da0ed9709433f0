"""Every command that reports takes --json, and in a simple case prints JSON with the documented top-level keys.

The scenario walks one project through every command (link, sync, a person's close, pending, resolve, ...) with
--json and parses each output. A registered command that is neither in the scenario nor in `NOT_PARSED` fails
`test_every_command_is_covered`, so a new command cannot skip --json silently. Then every command is run again
with --json (--jsonl for the streams) and a forced error, and a usage error: stdout must be exactly one JSON
document, ``{"error": {...}}``, with the usual exit code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from .command_tree import leaves, option_names
from .sync_world import INC, SyncWorld, make_world

NO_JSON = {"completion": "prints a shell script for the shell to source, not a report"}
"""Commands that deliberately have no --json."""

STREAMS = {"watch": "prints one line per change until stopped", "serve": "prints one line per delivery"}
"""Commands whose output is a stream: --jsonl, not --json (which promises one document)."""

NOT_PARSED = {
    "sandbox": "runs until stopped; its --json banner is parsed in test_sandbox_cmd.py",
    "watch": "runs until stopped; prints JSON Lines per pass with --jsonl (test_sync_live.py)",
    "serve": "runs until stopped; prints JSON Lines per delivery with --jsonl (test_sync_live.py)",
    "doctor": "needs tracker reads the file-backed fake lacks; parsed against the sandbox in test_doctor_cmd.py",
    "demo": "starts the sandbox and takes seconds; its --json document is parsed in tests/demo/test_demo_cli.py",
    **NO_JSON,
}
"""Commands the scenario below does not run, and why."""

Step = tuple[tuple[str, ...], str | None, Callable[[SyncWorld], None] | None]
"""(arguments, top-level keys as a sorted comma list or "lines" for JSON Lines, what happens first)."""


def _closes(world: SyncWorld) -> None:
    world.person_closes()


SCENARIO: list[Step] = [
    (("status",), "increments,problems,project", None),
    (("config", "validate"), "config,found,problems,valid", None),
    (("config", "schema"), None, None),
    (("link", "0042", "jira:CORE-9"), "action,increment,link", None),
    (("unlink", "0042", "jira:CORE-9"), "action,increment,link", None),
    (("plan",), None, None),
    (("sync",), None, _closes),
    (("pending",), "keptApart,pending", None),
    (("resolve", "0042", "--accept"), "exitCode,increments,pending,refused,resolved,writes", None),
    (("push",), None, None),
    (("pull",), None, None),
    (("outbox",), "deliveries,entries", None),
    (("retry",), "exitCode,left,revived,writes", None),
    (("log",), "records,skipped", None),
    (("init", "--dry-run"), "changed,config,diff,reason,written", None),
    (("hooks", "install", "--no-git"), "action,changed,installed,project", None),
    (("hooks", "status"), "claudeCode,git,project", None),
    (("hooks", "run", "--from", "git-post-commit"), "pending,source,started", None),
    (("hooks", "uninstall"), "action,changed,installed,project", None),
]

RUN_KEYS = None
"""sync/push/pull/plan share one report shape; its keys are taken from the first and compared for the others."""


@pytest.fixture()
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SyncWorld:
    return make_world(tmp_path, monkeypatch)


def _run(world: SyncWorld, args: tuple[str, ...], *extra: str, env: dict[str, str] | None = None) -> Result:
    from click.testing import CliRunner

    from weavesync.cli.main import cli

    return CliRunner().invoke(cli, [*args, *extra, "--project", str(world.root)], env=env, catch_exceptions=False)


def test_every_command_is_covered() -> None:
    covered = {" ".join(args[:2] if args[0] in ("config", "hooks") else args[:1]) for args, _keys, _before in SCENARIO}
    for path, command in leaves():
        name = " ".join(path)
        assert name in covered or name in NOT_PARSED, f"`weavesync {name}` is neither run with --json nor excused"
        if name in NO_JSON:
            assert "--json" not in option_names(command)
        elif name in STREAMS:
            assert "--jsonl" in option_names(command) and "--json" not in option_names(command), name
        else:
            assert "--json" in option_names(command), f"`weavesync {name}` reports but has no --json"


def test_each_command_prints_json_with_stable_keys(world: SyncWorld) -> None:
    run_keys: set[str] | None = None
    for args, keys, before in SCENARIO:
        if before is not None:
            before(world)
        result = _run(world, args, "--json")
        assert result.exit_code in (0, 1, 3, 4), (args, result.output)
        data = json.loads(result.stdout)
        assert isinstance(data, dict), args
        if keys is not None:
            assert sorted(data) == keys.split(","), args
        elif args[0] in ("sync", "plan", "push", "pull"):
            run_keys = run_keys or set(data)
            assert set(data) == run_keys and {"changes", "pending", "exitCode"} <= run_keys, args
        else:
            assert data.get("$schema") or data.get("type") == "object", args
    assert world.metadata()["status"] == "completed", "the scenario really ran: the accepted close landed"


def _forced_error(world: SyncWorld, name: str) -> tuple[str, ...]:
    """Arguments that make `weavesync <name>` fail without starting anything long-running."""
    nowhere = ("--project", str(world.root / "nowhere"))
    return {
        "config schema": ("--no-such-option",),  # prints a constant: only a usage error can fail it
        "hooks run": ("--no-such-option",),  # never fails the action it hooks (exit 0 on any run-time error)
        "completion": ("tcsh",),
        "demo": ("--dir", str(world.root)),  # already holds a .specweave folder: exit 2 before the sandbox starts
        "sandbox": ("--fault-rate", "2"),
        "link": (INC, "jira:CORE-9", *nowhere),
        "unlink": (INC, "jira:CORE-9", *nowhere),
        "resolve": (INC, "--accept", *nowhere),
        "sync": ("9999", "--project", str(world.root)),  # an increment that does not exist
    }.get(name, nowhere)


def _one_error_document(result: Result, what: str) -> dict[str, object]:
    """stdout is exactly one JSON document, an error whose exitCode is the process's."""
    assert result.exit_code in (1, 2), (what, result.exit_code, result.output)
    data = json.loads(result.stdout)  # raises on text, on JSON Lines, on a document followed by anything
    assert list(data) == ["error"], what
    error = data["error"]
    assert list(error) == ["message", "hint", "code", "exitCode"], what
    assert error["exitCode"] == result.exit_code and error["message"], what
    assert (error["code"] == "usage") == (result.exit_code == 2), what
    return error


@pytest.mark.parametrize("name", [" ".join(path) for path, _command in leaves()])
def test_every_command_fails_with_one_json_document(world: SyncWorld, name: str) -> None:
    json_flag = "--jsonl" if name in STREAMS else "--json"
    args = (*name.split(), *_forced_error(world, name))
    error = _one_error_document(_run_args(args, json_flag), f"{name} (forced error)")
    if name not in NO_JSON and "--project" in args:
        assert error["hint"], name  # the fix is named, not just the failure
    _one_error_document(_run_args((*name.split(), "--no-such-option", "--project", str(world.root)), json_flag),
                        f"{name} (usage error)")


def _run_args(args: tuple[str, ...], *extra: str) -> Result:
    from click.testing import CliRunner

    from weavesync.cli.main import cli

    return CliRunner().invoke(cli, [*args, *extra], catch_exceptions=False)


def test_json_before_the_command_name_also_covers_usage_errors() -> None:
    """`--json` given before the command: click fails on the option before reading it, still one document."""
    error = _one_error_document(_run_args(("--json", "status", "--bogus")), "--json status --bogus")
    assert "--bogus" in str(error["message"]) and "status --help" in str(error["hint"])
    unknown = _one_error_document(_run_args(("--json", "frobnicate")), "unknown command")
    assert "frobnicate" in str(unknown["message"])


def test_without_json_an_error_is_text_on_stderr(world: SyncWorld) -> None:
    result = _run(world, ("sync", "9999"))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and "\nhint: " in result.stderr


COLOUR = re.compile(r"\x1b\[[0-9;]*[34][0-7](?:;[0-9;]*)?m")
"""A foreground or background colour; NO_COLOR keeps bold and the like (https://no-color.org)."""


def test_no_color_is_honoured_by_every_command(world: SyncWorld) -> None:
    """With colour forced on (as on a terminal), NO_COLOR still removes every escape sequence."""
    forced = {"FORCE_COLOR": "1", "NO_COLOR": "1", "COLUMNS": "120"}
    coloured_somewhere = False
    for args, _keys, before in SCENARIO:
        if before is not None:
            before(world)
        coloured_somewhere |= bool(COLOUR.search(_run(world, ("status",), env={"FORCE_COLOR": "1"}).stdout))
        result = _run(world, args, env=forced)
        assert not COLOUR.search(result.stdout + result.stderr), args
    assert coloured_somewhere, "without NO_COLOR the forced colour shows, so the check above can fail"


READ_ONLY = [("status",), ("config", "validate"), ("plan",), ("pending",), ("outbox",), ("log",)]


@pytest.mark.parametrize("args", READ_ONLY, ids=[" ".join(a) for a in READ_ONLY])
def test_quiet_prints_a_subset_and_keeps_the_exit_code(world: SyncWorld, args: tuple[str, ...]) -> None:
    world.set_local("completed")  # something to plan and to log
    assert _run(world, ("sync",)).exit_code == 0
    loud = _run(world, args)
    quiet = _run(world, args, "--quiet")
    assert quiet.exit_code == loud.exit_code
    assert set(quiet.stdout.splitlines()) <= set(loud.stdout.splitlines())
    assert not [line for line in quiet.stderr.splitlines() if line.startswith("warning:")]


def test_quiet_drops_confirmations(world: SyncWorld) -> None:
    loud = _run(world, ("link", INC, "jira:CORE-9"))
    assert loud.exit_code == 0 and "linked" in loud.stdout
    quiet = _run(world, ("unlink", INC, "jira:CORE-9"), "--quiet")
    assert quiet.exit_code == 0 and quiet.stdout == ""
