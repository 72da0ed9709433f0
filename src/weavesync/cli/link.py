"""`weavesync link INCREMENT TARGET` and `weavesync unlink INCREMENT TARGET`.

Links are written in SpecWeave 1.0.x's ``externalLinks`` shape by `weavesync.specweave.writer`, which keeps every
other key of metadata.json as it was. Linking an item that is already linked (in any shape SpecWeave has used)
changes nothing and says so; unlinking an item that is not linked is an error, since it usually means a typo in
the TARGET. The TARGET is checked before any file is read, so a malformed one is always a usage error (exit 2).

With ``--create`` (issue 5) the TARGET names a place instead of an item (``github:OWNER/REPO``, ``jira:KEY``,
``ado:ORG/PROJECT``, or a bare tracker name for the configured place): the item is created first, in the state
the increment's status maps to, then linked. The adapter searches for the increment's marker before creating, so
rerunning after a lost response links the item the first attempt made instead of making a second one.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace

import click

from weavesync.cli import remote, render
from weavesync.cli.complete import increment_ids
from weavesync.cli.context import AppState, common_options, current_state, json_option
from weavesync.cli.helptext import examples
from weavesync.cli.report import link_defaults, link_row
from weavesync.cli.targets import parse_target
from weavesync.config import load_config
from weavesync.errors import ConfigError, UsageError, WeavesyncError
from weavesync.model import Link, LinkRole, RemoteItem, Tracker
from weavesync.specweave import Increment, add_link, find_project, remove_link

_STORY = re.compile(r"^US-?(\d+)$", re.IGNORECASE)


def _story_id(text: str | None) -> str | None:
    """``US-001`` as SpecWeave spells story ids (``us-1`` and ``US1`` are accepted)."""
    if text is None:
        return None
    match = _STORY.match(text.strip())
    if match is None:
        raise UsageError(f"invalid --story {text!r}; expected a user story id such as US-001")
    return f"US-{int(match.group(1)):03d}"


def _load(state: AppState, ref: str) -> Increment:
    project = find_project(state.project)
    defaults, _problems = link_defaults(project)  # a broken config only loses the defaults here
    return project.increment(ref, default_github_repo=defaults.github_repo, default_ado=defaults.ado)


def _describe(link: Link) -> str:
    role = f"user story {link.story}" if link.story else f"{link.role.value} link"
    return f"{link.tracker.value} {link.item} ({role})"


def _report(state: AppState, inc: Increment, link: Link, action: str, message: str) -> None:
    if state.json:
        render.print_json({"increment": inc.id, "action": action, "link": link_row(link).to_json()})
    else:
        render.say(state, message)


def _increment_link(inc: Increment, tracker: Tracker) -> Link | None:
    return next((found for found in inc.links if found.tracker is tracker and found.role is LinkRole.INCREMENT),
                None)


def _created_json(inc: Increment, tracker: Tracker, item: str, url: str | None, created: bool | None,
                  made: RemoteItem | None) -> dict[str, object]:
    out: dict[str, object] = {"increment": inc.id, "tracker": tracker.value, "item": item, "url": url,
                              "created": created}
    if made is not None:
        out["state"] = made.state.to_json()
    return out


def _create_and_link(state: AppState, increment: str, target: str, item_type: str | None) -> None:
    """``link --create``: nothing is created when the increment already has an increment link on that tracker
    (SpecWeave keeps one per tracker), so a finished rerun is a no-op and a conflicting one fails before any
    tracker call."""
    tracker, place = remote.parse_place(target)
    inc = _load(state, increment)
    existing = _increment_link(inc, tracker)
    if existing is not None:
        where = remote.item_place(tracker, existing.item)
        if place is not None and not remote.same_place(tracker, place, where):
            raise UsageError(f"{inc.id} already has an increment link on {tracker.value}: {existing.item}",
                             hint=f"unlink it first: weavesync unlink {inc.id} {tracker.value}:{existing.item}")
        if state.json:
            render.print_json(_created_json(inc, tracker, existing.item, existing.url, False, None))
        else:
            render.say(state, f"{inc.id} is already linked to {_describe(existing)}; nothing created")
        return
    env = dict(os.environ)
    config = load_config(find_project(state.project).config_path, env=env)
    adapter = remote.connect(remote.connection_at(config, tracker, place, env))
    try:
        made = remote.create_for(inc, adapter, config, item_type=item_type)
    finally:
        adapter.close()
    updated = add_link(inc, Link(tracker, made.link_item, LinkRole.INCREMENT, url=made.url))
    if state.json:
        render.print_json(_created_json(updated, tracker, made.link_item, made.url, made.created, made))
        return
    verb = {True: "created", False: "found (made by an earlier attempt)", None: "created or found"}[made.created]
    render.say(state, f"{verb} {tracker.value} {made.link_item} in state {made.state.state}")
    render.say(state, f"linked {updated.id} to {tracker.value} {made.link_item} (increment link)")
    if made.url:
        render.say(state, made.url)


@click.command("link", epilog=examples(
    "weavesync link 0042 github:acme/shop#101",
    "weavesync link 0042 jira:CORE-77 --story US-001",
    "weavesync link 0042 ado:acme/Shop#2440",
    "weavesync link 0042 jira --create          # make the item in the configured Jira project",
))
@click.argument("increment", shell_complete=increment_ids)
@click.argument("target")
@click.option("--story", default=None, metavar="US-NNN",
              help="Link TARGET as the item of one user story instead of the whole increment.")
@click.option("--create", is_flag=True, default=False,
              help="Create the item first (TARGET is then github[:OWNER/REPO], jira[:KEY] or ado[:ORG/PROJECT]).")
@click.option("--type", "item_type", default=None, metavar="NAME",
              help="With --create: the item type (default: Jira Epic when the project has it, ADO Feature).")
@click.option("--no-verify", is_flag=True, default=False,
              help="Do not read the item first (offline); by default an item that does not exist is refused.")
@common_options
@json_option
def link(increment: str, target: str, story: str | None, create: bool, item_type: str | None,
         no_verify: bool) -> None:
    """Link INCREMENT to TARGET: github:OWNER/REPO#N, jira:KEY-N or ado:ORG/PROJECT#ID.

    With --create, make the item first, in the state the increment's status maps to; TARGET then names where:
    github:OWNER/REPO, jira:KEY, ado:ORG/PROJECT, or just github, jira or ado for the configured place.
    """
    if create:
        if story is not None:
            raise UsageError("--create makes the item that stands for the whole increment; a user story's item is "
                             "made by SpecWeave's own living-docs sync (or by hand), so --create does not take "
                             "--story", hint="create the story's item, then link it: weavesync link INC TARGET "
                             "--story US-NNN")
        _create_and_link(current_state(), increment, target, item_type)
        return
    if item_type is not None:
        raise UsageError("--type only applies with --create",
                         hint="add --create to make a new item of that type, or leave --type out")
    tracker, item = parse_target(target)
    story_id = _story_id(story)
    state = current_state()
    inc = _load(state, increment)
    wanted = Link(tracker, item, LinkRole.USER_STORY if story_id else LinkRole.INCREMENT, story=story_id)
    existing = next((found for found in inc.links if found.key == wanted.key), None)
    if existing is not None:
        message = f"{inc.id} is already linked to {_describe(existing)}; nothing to do"
        _report(state, inc, existing, "unchanged", message)
        return
    url, seen = _checked(state, tracker, item, verify=not no_verify)
    updated = add_link(inc, replace(wanted, url=url))
    written = next((found for found in updated.links if found.key == wanted.key), wanted)
    shown = f" (its state: {seen})" if seen else ""
    _report(state, updated, written, "linked", f"linked {updated.id} to {_describe(written)}{shown}")


def _checked(state: AppState, tracker: Tracker, item: str, *, verify: bool) -> tuple[str | None, str | None]:
    """The item's web address on the configured server, and its state as read there (None unless verified).

    Verifying reads the item with the tracker's credentials: an item that does not exist is an error. With no
    credentials or no configured place, the link is recorded unverified (said on stderr); --no-verify skips the
    read (offline)."""
    env = dict(os.environ)
    project = find_project(state.project)
    try:
        config = load_config(project.config_path, env=env)
    except ConfigError:
        config = None
    if not verify or config is None:
        return remote.web_url(config, tracker, item, env), None
    try:
        connection = remote.connection_at(config, tracker, remote.item_place(tracker, item), env)
    except ConfigError as exc:
        if tracker in config.trackers:  # configured but no credentials: say it was not checked
            click.echo(f"note: {tracker.value} {item} not checked ({exc.message}); pass --no-verify to link "
                       "offline without this note", err=True)
        return remote.web_url(config, tracker, item, env), None
    adapter = remote.connect(connection)
    try:
        found = adapter.read_many([item], config.mappings[tracker].managed).get(item)
    except WeavesyncError as exc:
        raise WeavesyncError(f"cannot check {tracker.value} {item}: {exc.message}",
                             hint="fix the connection, or pass --no-verify to link it without checking") from exc
    finally:
        adapter.close()
    if found is None:
        raise WeavesyncError(f"{tracker.value} {item} does not exist (or these credentials cannot see it); "
                             "nothing linked", hint="check the TARGET; --no-verify links it without checking")
    return found.url or remote.web_url(config, tracker, item, env), found.state.state


@click.command("unlink", epilog=examples(
    "weavesync unlink 0042 github:acme/shop#101",
    "weavesync unlink 0042-checkout jira:CORE-77",
))
@click.argument("increment", shell_complete=increment_ids)
@click.argument("target")
@common_options
@json_option
def unlink(increment: str, target: str) -> None:
    """Remove the link between INCREMENT and TARGET (in every shape SpecWeave wrote it)."""
    tracker, item = parse_target(target)
    state = current_state()
    inc = _load(state, increment)
    key = Link(tracker, item).key
    existing = next((found for found in inc.links if found.key == key), None)
    if existing is None:
        others = ", ".join(f"{found.tracker.value}:{found.item}" for found in inc.links) or "none"
        raise WeavesyncError(f"{inc.id} is not linked to {tracker.value} {item}", hint=f"its links: {others}")
    updated = remove_link(inc, existing)
    _report(state, updated, existing, "unlinked", f"unlinked {updated.id} from {_describe(existing)}")
