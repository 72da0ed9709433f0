"""The only code that changes SpecWeave files.

Every writer takes the increment's lock, re-reads the files from disk (the snapshot it was given may be
stale: SpecWeave or a person may have written since), applies one change to the parsed JSON, and writes it
back atomically in the file's own layout (`jsonfile`), by compare-and-swap (`cas`): SpecWeave writes the same
files without weavesync's lock, so if the file changed since it was read, it is read again and the change
applied again (at most `MAX_ATTEMPTS` times). When the other writer changed what weavesync meant to change
(the status it decided from, or weavesync's own key), nothing is written and `ConcurrentChange` is raised:
the caller decides again, and the next sync sees the other writer's change as a local change.

Unknown keys, key order, indentation and the final newline survive; `spec.md` only ever has its `status:`
line changed. A change that changes nothing writes nothing. Each writer returns a fresh `Increment` read back from disk.

Status changes follow SpecWeave's own behaviour (what SpecWeave 1.0.593's CLI writes, seen running it): walk
the shortest allowed path, stamp each status's own timestamp fields and `lastActivity`, never delete leftover
fields, write `spec.md` first and `metadata.json` second (so an interrupted change is redone in full by the
next run, because metadata.json, the truth, still shows the old status).
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from weavesync.errors import ConcurrentChange, SpecWeaveFileError, UsageError, WeavesyncError
from weavesync.model import Base, Link, LinkRole, Status, Tracker, format_utc
from weavesync.specweave import cas, frontmatter, jsonfile
from weavesync.specweave.files import increment_lock, os_errors, remove_stale_temp_files
from weavesync.specweave.increment import BASES_KEY, Increment, load_increment, parse_spec
from weavesync.specweave.links import Found
from weavesync.specweave.statuses import normalise_status
from weavesync.specweave.transitions import transition_path

DEFAULT_REASON = "changed by weavesync"
"""Written into `pausedReason`/`backlogReason`/`abandonedReason` when no reason is given, so a reason left
over from an earlier pause is never shown as the reason for this one."""

_STAMPS: Mapping[Status, tuple[str | None, str | None]] = {
    Status.PAUSED: ("pausedReason", "pausedAt"),
    Status.BACKLOG: ("backlogReason", "backlogAt"),
    Status.ABANDONED: ("abandonedReason", "abandonedAt"),
    Status.READY_FOR_REVIEW: (None, "readyForReviewAt"),
    Status.COMPLETED: (None, "approvedAt"),
}

LOCK_TIMEOUT = 10.0
"""Seconds a writer waits for another process's lock on the same increment before raising LockTimeout."""

MAX_ATTEMPTS = 8
"""How often one write re-reads and re-applies its change while another writer keeps changing the file."""

Mutation = Callable[[Increment, dict[str, Any]], None]
Undo = Callable[[], None]


def set_status(
    inc: Increment, target: Status, *, now: datetime, reason: str | None = None, lock_timeout: float = LOCK_TIMEOUT
) -> Increment:
    """Move the increment to `target` the way SpecWeave would, and return it re-read.

    No write when the increment is already in `target` (its spelling, even `planned`, is kept). When the
    status on disk is neither `inc.status` (what the caller decided from) nor `target`, another writer moved it:
    ConcurrentChange, nothing written, so SpecWeave's change is never walked over. Every writer
    raises LockTimeout when another process holds the increment's lock for more than `lock_timeout` seconds.
    """
    target = Status(target)
    if inc.status == target:
        return inc
    stamp = format_utc(now)

    def mutate(fresh: Increment, data: dict[str, Any]) -> None:
        for step in transition_path(fresh.status, target):
            reason_key, at_key = _STAMPS.get(step, (None, None))
            if reason_key is not None:
                data[reason_key] = reason if reason is not None else DEFAULT_REASON
            if at_key is not None:
                data[at_key] = stamp
        data["status"] = target.value
        data["lastActivity"] = stamp

    def moved(fresh: Increment) -> str | None:
        if fresh.status == inc.status:
            return None
        return (f"status is now {fresh.raw_status!r}, changed by another writer since weavesync read "
                f"{inc.raw_status!r}; the move {inc.status.value} -> {target.value} was not written")

    return _modify(inc, mutate, lock_timeout, skip=lambda fresh: fresh.status == target, guard=moved, spec=target)


def add_link(inc: Increment, link: Link, *, lock_timeout: float = LOCK_TIMEOUT) -> Increment:
    """Record `link` in the 1.0.x `externalLinks` shape (no write if it is already linked in any shape).

    Raises UsageError when the slot it needs already holds a different item (for example a second increment
    issue on the same tracker): remove that link first.
    """

    def mutate(fresh: Increment, data: dict[str, Any]) -> None:
        _drop_tombstone(data, link.key)
        if any(existing.key == link.key for existing in fresh.links):
            return
        ext = _child(data, "externalLinks", fresh)
        slot = _child(ext, link.tracker.value, fresh, field=f"externalLinks.{link.tracker.value}")
        _place(slot, link, fresh)

    return _modify(inc, mutate, lock_timeout)


def remove_link(inc: Increment, link: Link, *, lock_timeout: float = LOCK_TIMEOUT) -> Increment:
    """Remove every record of `link.key` from metadata.json, whatever its shape.

    A link that also comes from a living-docs user-story file (which weavesync does not rewrite) is
    recorded under ``weavesync.unlinked`` so readers ignore it from now on.
    """

    def mutate(fresh: Increment, data: dict[str, Any]) -> None:
        matches = [found for found in fresh.found if found.link.key == link.key]
        in_metadata = [found for found in matches if found.file is None]
        for found in sorted(in_metadata, key=_path_sort_key, reverse=True):
            _delete(data, found)
        for found in in_metadata:
            _prune(data, found.path)
        if any(found.file is not None for found in matches):
            own = _child(data, BASES_KEY, fresh)
            unlinked = own.setdefault("unlinked", [])
            if not isinstance(unlinked, list):
                raise SpecWeaveFileError(fresh.rel(fresh.metadata_path), "expected a list", field="weavesync.unlinked")
            if link.key not in unlinked:
                unlinked.append(link.key)

    return _modify(inc, mutate, lock_timeout)


def write_bases(
    inc: Increment, bases: Mapping[str, Base | None], *, lock_timeout: float = LOCK_TIMEOUT
) -> Increment:
    """Set (or, with None, delete) weavesync's bases under the top-level ``weavesync.bases`` key."""

    def mutate(fresh: Increment, data: dict[str, Any]) -> None:
        if not bases:
            return
        own = _child(data, BASES_KEY, fresh)
        stored = _child(own, "bases", fresh, field=f"{BASES_KEY}.bases")
        for key, base in bases.items():
            if base is None:
                stored.pop(key, None)
            else:
                stored[key] = base.to_json()
        if not stored:
            del own["bases"]
        if not own:
            del data[BASES_KEY]

    return _modify(inc, mutate, lock_timeout)


# ---- the read-modify-write cycle ---------------------------------------------------------------------------


def _modify(
    inc: Increment,
    mutate: Mutation,
    lock_timeout: float,
    *,
    skip: Callable[[Increment], bool] | None = None,
    guard: Callable[[Increment], str | None] | None = None,
    spec: Status | None = None,
) -> Increment:
    """Read, `mutate`, compare-and-swap; again while another writer changes the file in between.

    `skip` ends without writing; `guard` names a change of the other writer that contradicts ours (then
    ConcurrentChange). `spec` mirrors that status into spec.md first; that mirror is put back when the
    metadata.json write then fails.
    """
    undo: list[Undo] = []
    with increment_lock(inc.path, lock_timeout):
        for target in (inc.metadata_path, inc.spec_path):
            remove_stale_temp_files(target)
        try:
            return _cycle(inc, mutate, skip, guard, spec, undo)
        except WeavesyncError:
            for step in undo:
                with contextlib.suppress(WeavesyncError):
                    step()
            raise


def _cycle(inc: Increment, mutate: Mutation, skip: Callable[[Increment], bool] | None,
           guard: Callable[[Increment], str | None] | None, spec: Status | None, undo: list[Undo]) -> Increment:
    shown = inc.rel(inc.metadata_path)
    first: Increment | None = None
    for _ in range(MAX_ATTEMPTS):
        with os_errors(shown, "cannot be read"):
            seen = cas.read(inc.metadata_path)
        fresh = _reload(inc, seen.data)
        if skip is not None and skip(fresh):
            return fresh
        conflict = guard(fresh) if guard is not None else None
        if conflict is None and first is not None and first.metadata.get(BASES_KEY) != fresh.metadata.get(BASES_KEY):
            conflict = f"weavesync's own {BASES_KEY!r} key was changed by another writer meanwhile; nothing written"
        if conflict is not None:
            raise ConcurrentChange(shown, conflict)
        first = first or fresh
        assert seen.data is not None  # _reload raised "file is missing" otherwise
        try:
            data, fmt = jsonfile.loads(seen.data)
        except jsonfile.JsonFileError as exc:
            raise SpecWeaveFileError(shown, str(exc)) from None
        before = copy.deepcopy(data)
        mutate(fresh, data)
        if data == before and list(data) == list(before):
            return fresh
        if spec is not None:
            undo.extend(_write_spec_status(fresh, spec))
        swapped = cas.swap(inc.metadata_path, jsonfile.dumps(data, fmt), seen, shown=shown)
        if swapped.done:
            return _reload(fresh, swapped.now.data)
    raise ConcurrentChange(shown, f"kept changing while weavesync wrote it ({MAX_ATTEMPTS} attempts); nothing written")


def _reload(inc: Increment, metadata_bytes: bytes | None = None) -> Increment:
    return load_increment(inc.path, root=inc.root, archived=inc.archived, defaults=inc.defaults,
                          metadata_bytes=metadata_bytes)


def _write_spec_status(fresh: Increment, target: Status) -> list[Undo]:
    """Mirror the status into spec.md's `status:` line by compare-and-swap; returns how to put it back.

    Leaves spec.md alone if it has no such line or already agrees. A status line another writer changed
    since `fresh` was read is theirs: ConcurrentChange, nothing written.
    """
    path, shown = fresh.spec_path, fresh.rel(fresh.spec_path)
    for _ in range(MAX_ATTEMPTS):
        with os_errors(shown, "cannot be read"):
            seen = cas.read(path)
        if seen.data is None:
            return []
        matter = parse_spec(seen.data, shown)
        status = None if matter is None or matter.get("status") is None else str(matter["status"])
        if status != fresh.spec_status:
            raise ConcurrentChange(shown, f"status line changed by another writer to {status!r}; nothing written")
        if status is not None and _normalised(status) == target:
            return []
        text = seen.data.decode("utf-8")
        try:
            updated = frontmatter.replace_status_line(text, target.value)
        except frontmatter.FrontMatterError as exc:
            raise SpecWeaveFileError(shown, str(exc), field=exc.field) from None
        if updated is None or updated == text:
            return []
        swapped = cas.swap(path, updated.encode("utf-8"), seen, shown=shown)
        if swapped.done:
            return [functools.partial(_put_back, path, seen.data, swapped.now, shown)]
    raise ConcurrentChange(shown, f"kept changing while weavesync wrote it ({MAX_ATTEMPTS} attempts); nothing written")


def _put_back(path: Path, old: bytes, ours: cas.Seen, shown: str) -> None:
    """Restore `old` unless someone wrote after us (then theirs stays)."""
    cas.swap(path, old, ours, shown=shown)


def _normalised(raw: str) -> Status | None:
    try:
        return normalise_status(raw)
    except ValueError:
        return None


# ---- JSON helpers ------------------------------------------------------------------------------------------


def _child(parent: dict[str, Any], key: str, fresh: Increment, *, field: str | None = None) -> dict[str, Any]:
    """`parent[key]`, created empty at the end if missing; an error if it holds something other than an object."""
    value = parent.setdefault(key, {})
    if not isinstance(value, dict):
        raise SpecWeaveFileError(fresh.rel(fresh.metadata_path), "expected an object", field=field or key)
    return value


def _place(slot: dict[str, Any], link: Link, fresh: Increment) -> None:
    """Write one link into ``externalLinks.<tracker>`` using the keys SpecWeave 1.0.x readers look for."""
    number, place = _split_item(link)
    if link.role is LinkRole.USER_STORY:
        if not link.story:
            raise UsageError(f"a user-story link needs a story id (US-001): {link.key}")
        stories_key = {Tracker.GITHUB: "issues", Tracker.JIRA: "issues", Tracker.ADO: "workItems"}[link.tracker]
        stories = _child(slot, stories_key, fresh, field=f"externalLinks.{link.tracker.value}.{stories_key}")
        if link.story in stories:
            raise UsageError(f"{fresh.id} already links {link.story} on {link.tracker.value}; remove that link first")
        stories[link.story] = _entry(link, number, place)
        return
    occupied = {Tracker.GITHUB: ("issueNumber",), Tracker.JIRA: ("epicKey", "issueKey"),
                Tracker.ADO: ("featureId", "workItemId")}[link.tracker]
    taken = [key for key in occupied if key in slot]
    if taken:
        raise UsageError(
            f"{fresh.id} already has an increment link on {link.tracker.value} "
            f"(externalLinks.{link.tracker.value}.{taken[0]}); remove it first"
        )
    slot.update(_entry(link, number, place))


def _entry(link: Link, number: str, place: str | None) -> dict[str, Any]:
    if link.tracker is Tracker.GITHUB:
        url = link.url or (f"https://github.com/{place}/issues/{number}" if place else None)
        entry: dict[str, Any] = {"issueNumber": int(number)}
        if url:
            entry["issueUrl"] = url
        if place and link.role is LinkRole.INCREMENT:
            entry["repo"] = place
        return entry
    if link.tracker is Tracker.JIRA:
        entry = {"issueKey": number}
        if link.url:
            entry["issueUrl"] = link.url
        return entry
    entry = {"workItemId": int(number)}
    org, _, project = (place or "").partition("/")
    url = link.url or (f"https://dev.azure.com/{org}/{project}/_workitems/edit/{number}" if place else None)
    if url:
        entry["workItemUrl"] = url
    if place:
        entry["organization"] = org
        entry["project"] = project
    return entry


def _split_item(link: Link) -> tuple[str, str | None]:
    """(number or key, owner/repo | org/project | None) from a canonical item."""
    if link.tracker is Tracker.GITHUB:
        repo, _, number = link.item.rpartition("#")
        if not number.isdigit():
            raise UsageError(f"not a GitHub issue reference (owner/repo#N): {link.item}")
        return number, repo or None
    if link.tracker is Tracker.JIRA:
        return link.item, None
    place, _, ident = link.item.rpartition("/")
    if not ident.isdigit():
        raise UsageError(f"not an Azure DevOps work item reference (org/project/ID): {link.item}")
    return ident, place or None


def _drop_tombstone(data: dict[str, Any], key: str) -> None:
    own = data.get(BASES_KEY)
    unlinked = own.get("unlinked") if isinstance(own, dict) else None
    if isinstance(own, dict) and isinstance(unlinked, list) and key in unlinked:
        unlinked.remove(key)
        if not unlinked:
            del own["unlinked"]
        if not own:
            del data[BASES_KEY]


def _walk(data: Any, path: tuple[str | int, ...]) -> Any:
    node = data
    for part in path:
        in_dict = isinstance(node, dict) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_dict or in_list):
            return None
        node = node[part]
    return node


def _pop(parent: Any, last: str | int) -> None:
    """Remove `parent[last]` when it is there (a dict key or a list index); anything else is left alone."""
    if isinstance(parent, dict) and isinstance(last, str):
        parent.pop(last, None)
    elif isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
        parent.pop(last)


def _delete(data: dict[str, Any], found: Found) -> None:
    if found.keys is None:
        _pop(_walk(data, found.path[:-1]), found.path[-1])
        return
    container = _walk(data, found.path)
    if isinstance(container, dict):
        for key in found.keys:
            container.pop(key, None)


def _prune(data: dict[str, Any], path: tuple[str | int, ...]) -> None:
    """Drop containers a removal left empty, deepest first; `externalLinks` itself stays (SpecWeave keeps {})."""
    for depth in range(len(path), 0, -1):
        prefix = path[:depth]
        if prefix == ("externalLinks",):
            return
        node = _walk(data, prefix)
        if node is None or node not in ({}, []):
            continue
        _pop(_walk(data, prefix[:-1]), prefix[-1])


def _path_sort_key(found: Found) -> list[tuple[int, str | int]]:
    return [(1, part) if isinstance(part, int) else (0, part) for part in found.path]
