"""`weavesync link INCREMENT TARGET` and `weavesync unlink INCREMENT TARGET`.

Links are written in SpecWeave 1.0.x's ``externalLinks`` shape by `weavesync.specweave.writer`, which keeps every
other key of metadata.json as it was. Linking an item that is already linked (in any shape SpecWeave has used)
changes nothing and says so; unlinking an item that is not linked is an error, since it usually means a typo in
the TARGET. The TARGET is checked before any file is read, so a malformed one is always a usage error (exit 2).
"""

from __future__ import annotations

import re

import click

from weavesync.cli import render
from weavesync.cli.context import AppState, common_options, current_state, json_option
from weavesync.cli.report import link_defaults, link_row
from weavesync.cli.targets import parse_target
from weavesync.errors import UsageError, WeavesyncError
from weavesync.model import Link, LinkRole
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


@click.command("link")
@click.argument("increment")
@click.argument("target")
@click.option("--story", default=None, metavar="US-NNN",
              help="Link TARGET as the item of one user story instead of the whole increment.")
@common_options
@json_option
def link(increment: str, target: str, story: str | None) -> None:
    """Link INCREMENT to TARGET: github:OWNER/REPO#N, jira:KEY-N or ado:ORG/PROJECT#ID."""
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
    updated = add_link(inc, wanted)
    written = next((found for found in updated.links if found.key == wanted.key), wanted)
    _report(state, updated, written, "linked", f"linked {updated.id} to {_describe(written)}")


@click.command("unlink")
@click.argument("increment")
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
