"""`weavesync init`: add a default ``sync.statusSync`` block to an existing ``.specweave/config.json``.

The file is SpecWeave's and people edit it, so the change is made as text: the block is inserted (or, with
``--force``, replaces the existing block) at the right spot, in the file's own indentation, line endings and
final-newline style (`jsonfile.detect_format`), and every other byte stays as it was. The result is parsed back
and compared with the intended document; only if that ever disagreed would the whole file be re-serialised with
`jsonfile.dumps`. The write is atomic (`atomic_write`).

JSON has no comments and the block's schema (`config/schema.py`) has no comment key (an unknown key there is a
warning in `config validate`), so the block holds the defaults written out explicitly, and the commented
explanation is printed on screen instead.

The values written are the *effective* ones: a policy SpecWeave's older keys already set (for example
``sync.settings.conflictResolution``) is carried over, so running init never changes what weavesync does.
"""

from __future__ import annotations

import difflib
import json
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from rich.syntax import Syntax

from weavesync import exitcodes
from weavesync.cli import render
from weavesync.cli.context import AppState, common_options, current_state, json_option
from weavesync.cli.session import can_ask
from weavesync.config import SyncConfig, load_config
from weavesync.config.shapes import RICH_KEY, SPECWEAVE_READS, migrate_block, needs_migration
from weavesync.errors import ConfigError, UsageError
from weavesync.model import Status, Target, Tracker
from weavesync.specweave import Project, atomic_write, find_project, jsonfile
from weavesync.specweave.jsonfile import JsonFormat
from weavesync.specweave.writers import (
    add_to_gitignore,
    gitignore_lines,
    handover_bytes,
    specweave_closers_on,
)

BLOCK_KEY = "statusSync"
EXPLANATION = """\
What the sync.statusSync block means (JSON has no comments, so here they are):
  enabled              false stops all status sync for this project
  autoSync             true pushes SpecWeave changes as they happen; false asks before a completion/abandonment
  promptUser           true asks about changes people make in a tracker; false applies the proposal
  conflictResolution   both sides changed: prompt | last-write-wins | specweave-wins | external-wins
  completionComments   post a "Status: completed, synced from SpecWeave" comment on the item
  userStoryLinks       outbound: user-story items follow the increment; both: they also sync back
  pollIntervalSeconds  how often `watch` and `serve` poll the trackers when no webhook arrives
  mappings.<tracker>   SpecWeave status -> tracker state: a string names the state; an object sets
                       state / category / reason / labels (GitHub) or tags (Azure DevOps)
  jira.resolutions     the resolution set when a Jira issue moves to a done status
Where each tracker lives goes next to it: "github": {"owner", "repo"}, "jira": {"domain", "projectKey"},
"ado": {"organization", "project"}. Tokens come from the environment (see docs/trackers.md).
Check the result with `weavesync config validate`, then `weavesync doctor`."""

_WS = re.compile(r"\s*")
_DECODER = json.JSONDecoder()


# -- the block --------------------------------------------------------------------------------------------------

def _mapping_value(tracker: Tracker, target: Target) -> str | dict[str, Any]:
    """A target as the config spells it; `build_mapping` reads it back to the same target (tested)."""
    markers = sorted(target.markers)
    if tracker is Tracker.GITHUB:
        if target.reason is None and not markers and target.state is not None:
            return target.state
        value: dict[str, Any] = {"state": target.state}
        if target.reason is not None:
            value["reason"] = target.reason
        if markers:
            value["labels"] = markers
        return value
    if tracker is Tracker.JIRA:  # the resolution lives in jira.resolutions
        return {"state": target.state, "category": target.category}
    value = {"category": target.category} if target.state is None else {"state": target.state}
    if markers:
        value["tags"] = markers
    return value


def default_block(config: SyncConfig) -> dict[str, Any]:
    """The full ``statusSync`` block that expresses `config`'s effective policy and mappings explicitly."""
    poll = int(config.poll_interval) if config.poll_interval.is_integer() else config.poll_interval
    return {
        "enabled": config.enabled,
        "autoSync": config.auto_sync,
        "promptUser": config.prompt_user,
        "conflictResolution": config.conflict_resolution,
        "completionComments": config.completion_comments,
        "userStoryLinks": config.user_story_sync,
        "pollIntervalSeconds": poll,
        "mappings": specweave_mappings(config),
        RICH_KEY: {tracker.value: {status.value: _mapping_value(tracker, config.mappings[tracker].target(status))
                                   for status in Status} for tracker in Tracker},
        "jira": {"resolutions": {status.value: name for status, name in config.jira_resolutions.items()}},
    }


def specweave_mappings(config: SyncConfig) -> dict[str, Any]:
    """The ``mappings`` keys SpecWeave 1.0.593 reads, as strings (`config.shapes`): Jira's completed status name,
    and ADO's completed state when the mapping names one (else SpecWeave picks its process's closed state)."""
    out: dict[str, Any] = {}
    for tracker, status in SPECWEAVE_READS:
        state = config.mappings[tracker].target(status).state
        if state is not None:
            out.setdefault(tracker.value, {})[status.value] = state
    return out


def effective_config(raw: Mapping[str, Any]) -> SyncConfig:
    """What weavesync reads from `raw` once its statusSync block is gone (the block init writes replaces it)."""
    sync = raw.get("sync")
    stripped = dict(raw)
    if isinstance(sync, Mapping):
        stripped["sync"] = {k: v for k, v in sync.items() if k != BLOCK_KEY}
    with tempfile.TemporaryDirectory(prefix="weavesync-init-") as folder:
        path = Path(folder) / "config.json"
        path.write_text(json.dumps(stripped), encoding="utf-8")
        return load_config(path, env={})


# -- inserting text ---------------------------------------------------------------------------------------------

def _skip(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _members(text: str, start: int) -> tuple[list[tuple[str, int, int]], int]:
    """Members of the object whose ``{`` is at `start`: (key, value start, value end), and the index of ``}``."""
    members: list[tuple[str, int, int]] = []
    pos = _skip(text, start + 1)
    if text[pos] == "}":
        return members, pos
    while True:
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        pos = _skip(text, pos + 1)  # the colon
        _value, end = _DECODER.raw_decode(text, pos)
        members.append((str(key), pos, end))
        pos = _skip(text, end)
        if text[pos] == "}":
            return members, pos
        pos = _skip(text, pos + 1)  # the comma


def _render(value: object, fmt: JsonFormat, depth: int) -> str:
    if fmt.indent is None:
        return json.dumps(value, separators=fmt.compact_separators, ensure_ascii=fmt.ensure_ascii)
    text = json.dumps(value, indent=fmt.indent, ensure_ascii=fmt.ensure_ascii)
    return text.replace("\n", "\n" + fmt.indent * depth)


def _add_member(text: str, start: int, key: str, value: object, fmt: JsonFormat, depth: int) -> str:
    """Append ``key: value`` to the object at `start` (nesting `depth`, 1 for top-level members)."""
    members, close = _members(text, start)
    item_sep, key_sep = fmt.compact_separators if fmt.indent is None else (",", ": ")
    member = json.dumps(key, ensure_ascii=fmt.ensure_ascii) + key_sep + _render(value, fmt, depth)
    if fmt.indent is None:
        if not members:
            return text[:start + 1] + member + text[close:]
        end = members[-1][2]
        return text[:end] + item_sep + member + text[end:]
    line = "\n" + fmt.indent * depth
    if not members:
        return text[:start + 1] + line + member + "\n" + fmt.indent * (depth - 1) + text[close:]
    end = members[-1][2]
    return text[:end] + "," + line + member + text[end:]


def with_block(text: str, block: dict[str, Any], fmt: JsonFormat) -> str:
    """`text` (the body, without BOM, ``\\n`` line ends) with ``sync.statusSync`` set to `block`."""
    top = _skip(text, 0)
    members = {key: (begin, end) for key, begin, end in _members(text, top)[0]}
    if "sync" not in members:
        return _add_member(text, top, "sync", {BLOCK_KEY: block}, fmt, 1)
    begin, end = members["sync"]
    if text[begin] != "{":  # "sync": null (the only non-object value `_read` lets through)
        return text[:begin] + _render({BLOCK_KEY: block}, fmt, 1) + text[end:]
    inner = {key: (b, e) for key, b, e in _members(text, begin)[0]}
    if BLOCK_KEY not in inner:
        return _add_member(text, begin, BLOCK_KEY, block, fmt, 2)
    b, e = inner[BLOCK_KEY]
    return text[:b] + _render(block, fmt, 2) + text[e:]


def updated_bytes(data: bytes, block: dict[str, Any]) -> bytes:
    """The file's new bytes with the block in place, differing from `data` only where the block goes."""
    raw, fmt = jsonfile.loads(data)
    expected = json.loads(json.dumps(raw))
    if not isinstance(expected.get("sync"), dict):
        expected["sync"] = {}
    expected["sync"][BLOCK_KEY] = block
    text = data.decode("utf-8")
    body = text[1:] if fmt.bom else text
    body = body.replace("\r\n", "\n") if fmt.newline == "\r\n" else body
    new = with_block(body, block, fmt)
    if json.loads(new) != expected:  # pragma: no cover - a safety net: never write something else than intended
        return jsonfile.dumps(expected, fmt)
    if fmt.newline == "\r\n":
        new = new.replace("\n", "\r\n")
    return (("\ufeff" if fmt.bom else "") + new).encode("utf-8")


def unified_diff(old: bytes, new: bytes, name: str) -> str:
    lines = difflib.unified_diff(old.decode("utf-8-sig").splitlines(), new.decode("utf-8-sig").splitlines(),
                                 fromfile=f"a/{name}", tofile=f"b/{name}", lineterm="")
    return "\n".join(lines)


# -- the command ------------------------------------------------------------------------------------------------

def _show_diff(state: AppState, diff: str) -> None:
    if state.quiet:
        return
    console = render.console()
    if console.is_terminal:
        console.print(Syntax(diff, "diff", theme="ansi_dark", background_color="default"))
    else:
        click.echo(diff)


def _read(path: Path) -> tuple[bytes, dict[str, Any]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found", hint="create the project with `specweave init` first; "
                          "weavesync init only adds its block to an existing config.json") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}",
                          hint="check that the file is readable by this user") from exc
    try:
        raw, _fmt = jsonfile.loads(data)
    except jsonfile.JsonFileError as exc:
        raise ConfigError(f"{path}: {exc}", hint="fix the JSON first (a trailing comma is the usual cause)") from exc
    sync = raw.get("sync")
    if sync is not None and not isinstance(sync, dict):
        raise ConfigError(f"{path}: sync is not an object", path="$.sync", hint="make sync a JSON object or remove it")
    return data, raw


@click.command("init")
@click.option("--yes", "-y", is_flag=True, help="Write without asking (needed off a terminal).")
@click.option("--dry-run", is_flag=True, help="Only show the diff; write nothing.")
@click.option("--force", is_flag=True, help="Replace an existing sync.statusSync block with the defaults.")
@click.option("--handover", "handover", flag_value="over", default=None,
              help="Hand status writes to weavesync: switch SpecWeave's own closers off (undo: --handback).")
@click.option("--handback", "handover", flag_value="back",
              help="Give status writes back to SpecWeave: restore the closers --handover switched off.")
@common_options
@json_option
@click.pass_context
def init(ctx: click.Context, yes: bool, dry_run: bool, force: bool, handover: str | None) -> None:
    """Add a default sync.statusSync block to .specweave/config.json.

    Shows the change as a diff and asks before writing; every other key, the indentation and the final newline
    stay as they are. Refuses when the block exists (unless --force); a block an older weavesync wrote (objects
    under mappings, which SpecWeave's own reader cannot take) is offered a migration to weavesyncMappings. In a
    git repository, weavesync's own state files are added to .gitignore.

    \b
    Examples:
      weavesync init               # show the diff, ask, write
      weavesync init --dry-run     # only show the diff
      weavesync init --yes         # in scripts and CI (no terminal to ask on)
      weavesync init --handover    # SpecWeave's closers off: weavesync is the one status writer
    """
    state = current_state()
    if not (dry_run or yes) and not can_ask(state, no_input=False):
        raise UsageError("not on a terminal (or --json), so init cannot ask before changing config.json",
                         hint="pass --yes to write it, or --dry-run to only see the diff")
    project = find_project(state.project)
    path = project.config_path
    name = path.relative_to(project.root).as_posix()
    data, raw = _read(path)
    if handover is not None:
        new, said = handover_bytes(data, back=handover == "back")
        _change(ctx, state, path, name, data, new, yes=yes, dry_run=dry_run, done=said, reason="handover")
        return
    sync = raw.get("sync")
    existing = sync.get(BLOCK_KEY) if isinstance(sync, dict) else None
    if isinstance(existing, dict) and not force and needs_migration(existing):
        new = updated_bytes(data, migrate_block(existing))
        _change(ctx, state, path, name, data, new, yes=yes, dry_run=dry_run, reason="migrated",
                done=f"moved the mapping objects SpecWeave cannot read to sync.statusSync.{RICH_KEY} in {name} "
                     "(weavesync reads the same mapping as before)")
        _after_init(ctx, state, project, yes=yes, dry_run=dry_run)
        return
    if existing is not None and not force:
        if state.json:
            render.print_json({"config": str(path), "changed": False, "written": False, "diff": "",
                               "reason": "exists"})
        else:
            render.say(state, f"{name} already has a sync.statusSync block; nothing changed "
                              "(use --force to replace it with the defaults)")
        _after_init(ctx, state, project, yes=yes, dry_run=dry_run)
        ctx.exit(exitcodes.OK)
    new = updated_bytes(data, default_block(effective_config(raw)))
    written = _change(ctx, state, path, name, data, new, yes=yes, dry_run=dry_run, reason="written",
                      done=f"wrote sync.statusSync to {name}")
    if written and not state.json:
        render.say(state, EXPLANATION)
    _after_init(ctx, state, project, yes=yes, dry_run=dry_run)


def _change(ctx: click.Context, state: AppState, path: Path, name: str, data: bytes, new: bytes, *, yes: bool,
            dry_run: bool, reason: str, done: str) -> bool:
    """Show the diff of one config change, ask (unless --yes), write; True when written. --json prints it."""
    diff = unified_diff(data, new, name)
    if state.json:
        written = not dry_run and new != data and _write(path, data, new)
        render.print_json({"config": str(path), "changed": new != data, "written": written, "diff": diff,
                           "reason": "dry-run" if dry_run else reason})
        ctx.exit(exitcodes.OK)
    if new == data:
        render.say(state, f"{name}: nothing to change")
        return False
    _show_diff(state, diff)
    if dry_run:
        render.say(state, "dry run: nothing written")
        return False
    if not yes and not click.confirm(f"Write this change to {name}?", default=False):
        render.say(state, "nothing written")
        return False
    _write(path, data, new)
    render.say(state, done)
    return True


def _after_init(ctx: click.Context, state: AppState, project: Project, *, yes: bool, dry_run: bool) -> None:
    """Git-ignore weavesync's own state, say who else writes statuses (`weavesync doctor` says more) and, on a
    terminal, offer to hand status writes to weavesync (the diff is shown; --yes never does it unasked)."""
    if state.json:
        return
    added = gitignore_lines(project)
    if added:
        if dry_run:
            render.say(state, "dry run: would add to .gitignore: " + ", ".join(added))
        else:
            add_to_gitignore(project, added)
            render.say(state, "added weavesync's own state to .gitignore: " + ", ".join(added))
    closers = specweave_closers_on(project)
    if closers:
        render.say(state, "SpecWeave closes items itself too (" + ", ".join(closers) + "); to make weavesync the "
                          "one status writer: `weavesync init --handover` (undo: --handback)")
        if not (yes or dry_run) and can_ask(state, no_input=False):
            path = project.config_path
            data = path.read_bytes()
            new, said = handover_bytes(data, back=False)
            render.say(state, "Hand status writes to weavesync now? This switches SpecWeave's closers off:")
            _change(ctx, state, path, path.relative_to(project.root).as_posix(), data, new, yes=False,
                    dry_run=False, reason="handover", done=said)


def _write(path: Path, old: bytes, new: bytes) -> bool:
    """Write `new` unless the file changed since it was read (someone saved it meanwhile: never clobber)."""
    try:
        if path.read_bytes() != old:
            raise ConfigError(f"{path} changed while init was running; nothing written",
                              hint="run `weavesync init` again")
        atomic_write(path, new)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}",
                          hint="check the file's and its folder's permissions") from exc
    return True
