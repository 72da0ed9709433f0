"""Completing values that only the project knows: increment ids for the INCREMENT arguments.

Click completes commands, options and choices by itself; an increment id has to be looked up. Folder names are
enough (they are the ids), so nothing is parsed and a broken metadata.json cannot spoil completion. Completion
runs on every <TAB>, so it never raises: no project, or an unreadable folder, simply completes nothing.
"""

from __future__ import annotations

from click import Context, Parameter
from click.shell_completion import CompletionItem

from weavesync.cli.context import AppState
from weavesync.errors import WeavesyncError
from weavesync.specweave import find_project


def increment_ids(ctx: Context, param: Parameter, incomplete: str) -> list[CompletionItem]:
    """Increment ids (active first, then archived) that start with `incomplete`, or whose number does once its
    leading zeros are dropped (``42`` completes ``0042-checkout``)."""
    state = ctx.find_root().obj
    explicit = state.project if isinstance(state, AppState) else None
    try:
        folders = find_project(explicit).increment_dirs()
    except (WeavesyncError, OSError):
        return []
    wanted = incomplete.lower()
    out: list[CompletionItem] = []
    for folder, archived in sorted(folders, key=lambda pair: pair[1]):
        name = folder.name
        if name.lower().startswith(wanted) or (wanted and name.lstrip("0").lower().startswith(wanted.lstrip("0"))):
            out.append(CompletionItem(name, help="archived" if archived else None))
    return out
