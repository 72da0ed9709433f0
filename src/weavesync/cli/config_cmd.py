"""`weavesync config validate` and `weavesync config schema`.

`validate` reports every problem at once, each with its JSON path and severity, because fixing a config one
error per run is slow; it exits 1 when any problem is an error (warnings alone exit 0). `schema` prints the JSON
Schema of the ``sync.statusSync`` block, for editors and CI checks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from weavesync import exitcodes
from weavesync.cli import render
from weavesync.cli.context import common_options, current_state, json_option
from weavesync.cli.helptext import examples
from weavesync.config import Problem, status_sync_schema, validate_config
from weavesync.errors import ConfigError
from weavesync.specweave import find_project


@click.group("config", epilog=examples(
    "weavesync config validate",
    "weavesync config schema > status-sync.schema.json",
))
@common_options
def config() -> None:
    """Check the sync configuration in .specweave/config.json, or print its JSON Schema."""


def read_raw(path: Path) -> Mapping[str, Any] | None:
    """The parsed config file, None when there is none. Raises ConfigError when it is not a JSON object."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})", path="$") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})", path="$") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", path="$",
                          hint="fix the JSON syntax (a trailing comma or a missing quote is the usual cause)",
                          ) from exc
    if not isinstance(data, dict):
        raise ConfigError("the top level must be a JSON object", path="$")
    return data


def problems_of(path: Path) -> tuple[bool, list[Problem]]:
    """(found, problems) for the config at `path`; an unreadable file is one error at ``$``."""
    try:
        raw = read_raw(path)
    except ConfigError as exc:
        return True, [Problem(exc.path or "$", exc.message, "error")]
    if raw is None:
        return False, []
    return True, validate_config(raw)


@config.command("validate", epilog=examples(
    "weavesync config validate",
    "weavesync config validate --json | jq '.problems[] | select(.severity == \"error\")'",
))
@common_options
@json_option
@click.pass_context
def validate(ctx: click.Context) -> None:
    """Report every problem of the sync configuration with its JSON path; exit 1 if any is an error."""
    state = current_state()
    project = find_project(state.project)
    path = project.config_path
    found, problems = problems_of(path)
    errors = [p for p in problems if p.severity == "error"]
    if state.json:
        render.print_json({
            "config": str(path),
            "found": found,
            "valid": not errors,
            "problems": [{"path": p.path, "severity": p.severity, "message": p.message} for p in problems],
        })
    else:
        for problem in problems:
            click.echo(f"{problem.severity}: {problem.path}: {' '.join(problem.message.split())}")
        if not found:
            render.say(state, f"{path}: not found; the default mappings apply")
        elif errors:
            render.say(state, f"{path}: {len(errors)} error(s), {len(problems) - len(errors)} warning(s)")
        else:
            render.say(state, f"{path}: valid ({len(problems)} warning(s))")
    ctx.exit(exitcodes.ERROR if errors else exitcodes.OK)


@config.command("schema", epilog=examples(
    "weavesync config schema > status-sync.schema.json",
))
@common_options
@json_option
def schema() -> None:
    """Print the JSON Schema of the sync.statusSync block (always JSON; --json is accepted and changes nothing)."""
    render.print_json(status_sync_schema())
