"""Reaching the trackers from the CLI: where ``link --create`` makes an item, and ``status --remote``'s live reads.

Both commands need the same two things the sync machinery does not: a connection for a place the user names on
the command line (which may differ from the configured one), and a place for an item that is already linked (a
link may point at another repository, project or organization than the config names). Places come from the
config first and from the command line or the item itself second, so tokens and base URLs are always resolved
by `weavesync.config.connection_for` and no secret handling is repeated here.

Live reads go through `TrackerAdapter.read_many`, one batch per tracker connection, never one call per item. A
tracker that cannot be read (no credentials, bad token, unreachable) costs only its own links: they are marked
"not read" and reported as one `TrackerProblem`; every other tracker's links are still shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from weavesync.cli.report import LinkRow, StatusReport
from weavesync.config import SyncConfig, connection_for, load_config
from weavesync.config.load import base_url
from weavesync.config.mapping import tracker_from_name
from weavesync.engine import kept_apart
from weavesync.errors import ConfigError, Retryable, TrackerError, UsageError, WeavesyncError
from weavesync.model import Connection, RemoteItem, Secret, Status, Tracker
from weavesync.specweave import Increment, Project
from weavesync.trackers import registry
from weavesync.trackers.base import TrackerAdapter

PLACE_FORMS = "github[:OWNER/REPO], jira[:PROJECTKEY] or ado[:ORG/PROJECT]"

_GITHUB_PLACE = re.compile(r"^(?P<owner>[A-Za-z0-9][A-Za-z0-9-]{0,38})/(?P<repo>[A-Za-z0-9._-]{1,100})$")
_JIRA_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_JIRA_ITEM = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9_]*)-\d+$")

Connector = Callable[[Connection], TrackerAdapter]
"""Builds an adapter from a connection (the tracker's own `TrackerKind.connect` unless a test says otherwise)."""


def connect(connection: Connection) -> TrackerAdapter:
    return registry.kind(connection.tracker).connect(connection)


# ---- places ------------------------------------------------------------------------------------------------


def _bad_place(text: str, why: str) -> UsageError:
    return UsageError(f"invalid TARGET {text!r} for --create ({why}); expected {PLACE_FORMS}",
                      hint="--create makes the item, so TARGET names where (e.g. github:acme/shop), not an item")


def parse_place(text: str) -> tuple[Tracker, dict[str, str] | None]:
    """The tracker and place a ``--create`` TARGET names; None as the place means "the configured one".

    Raises UsageError for a malformed TARGET, including one that names an item (``github:acme/shop#7``).
    """
    prefix, _sep, body = text.strip().partition(":")
    tracker = tracker_from_name(prefix) if prefix.strip() else None
    if tracker is None:
        raise _bad_place(text, f"unknown tracker {prefix!r}")
    body = body.strip()
    if not body:
        return tracker, None
    if "#" in body or (tracker is Tracker.JIRA and _JIRA_ITEM.match(body)):
        raise _bad_place(text, "it names an item; give the place without a number")
    if tracker is Tracker.GITHUB:
        match = _GITHUB_PLACE.match(body)
        if match is None:
            raise _bad_place(text, "a GitHub place is OWNER/REPO")
        return tracker, {"owner": match["owner"], "repo": match["repo"]}
    if tracker is Tracker.JIRA:
        if _JIRA_KEY.match(body) is None:
            raise _bad_place(text, "a Jira place is a project key such as CORE")
        return tracker, {"projectKey": body.upper()}
    org, slash, project = (part.strip() for part in body.partition("/"))
    if not slash or not org or not project or "/" in project:
        raise _bad_place(text, "an Azure DevOps place is ORG/PROJECT")
    return tracker, {"organization": org, "project": project}


def item_place(tracker: Tracker, item: str) -> dict[str, str]:
    """The place a canonical item ref lives in (``acme/shop#7`` -> owner/repo; ``CORE-7`` -> projectKey; ...)."""
    if tracker is Tracker.GITHUB:
        owner, _slash, rest = item.partition("/")
        return {"owner": owner, "repo": rest.partition("#")[0]}
    if tracker is Tracker.JIRA:
        return {"projectKey": item.rpartition("-")[0].upper()}
    org, project, _id = [*item.split("/"), "", "", ""][:3]
    return {"organization": org, "project": project}


def same_place(tracker: Tracker, a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    """Places compare case-insensitively on every tracker (GitHub names, Jira keys and ADO names all do)."""
    keys = {Tracker.GITHUB: ("owner", "repo"), Tracker.JIRA: ("projectKey",),
            Tracker.ADO: ("organization", "project")}[tracker]
    return all(a.get(k, "").casefold() == b.get(k, "").casefold() for k in keys)


def connection_at(config: SyncConfig, tracker: Tracker, place: Mapping[str, str] | None,
                  env: Mapping[str, str]) -> Connection:
    """A connection to `place` (None: the configured place), with the credentials and base URL of `tracker`.

    Keys `place` does not name (Jira's site ``domain``) come from the config, so a ConfigError still names the
    key to set when neither gives it. An ADO base URL that ends with the configured organization (as
    ``AZURE_DEVOPS_ORG_URL`` does) is moved to the other organization when `place` names one.
    """
    if place is None:
        return connection_for(config, tracker, env)
    configured = config.trackers.get(tracker, {})
    merged = {**configured, **place}
    connection = connection_for(replace(config, trackers={**config.trackers, tracker: merged}), tracker, env)
    old_org, new_org = configured.get("organization"), place.get("organization")
    if tracker is Tracker.ADO and old_org and new_org and old_org.casefold() != new_org.casefold():
        head, _slash, last = connection.base_url.rstrip("/").rpartition("/")
        if head and last.casefold() == old_org.casefold():
            connection = replace(connection, base_url=f"{head}/{new_org}")
    return connection


def web_url(config: SyncConfig | None, tracker: Tracker, item: str, env: Mapping[str, str]) -> str | None:
    """The item's page on the configured server: the tracker's own `item_url` on the base URL the API calls use
    (``GITHUB_API_URL`` for GitHub Enterprise, ``AZURE_DEVOPS_ORG_URL`` for Azure DevOps Server), no token needed."""
    place = {**(config.trackers.get(tracker, {}) if config else {}), **item_place(tracker, item)}
    try:
        base = base_url(tracker, place, env)
    except (ConfigError, KeyError):
        return registry.kind(tracker).item_url(None, item)
    return registry.kind(tracker).item_url(Connection(tracker, base, place, token=Secret("")), item)


# ---- create ------------------------------------------------------------------------------------------------


def creation_marker(inc: Increment) -> str:
    """Names the increment, never the folder it sits in: a rerun from another clone or after ``git mv`` to
    ``_archive`` must find the item the first attempt made, so the marker is the increment id alone."""
    return f"increment:{inc.id}"


def creation_body(inc: Increment) -> str:
    return (f"Created by weavesync for SpecWeave increment {inc.id}.\n\n"
            f"Its status is kept in sync with the increment (currently {inc.status.value}).")


def default_item_type(adapter: TrackerAdapter, tracker: Tracker) -> str | None:
    """The type of an item that stands for a whole increment (sync-semantics.md §1: "a GitHub issue, a Jira epic,
    an ADO feature"). Jira projects without an Epic type get the adapter's default; one call tells."""
    if tracker is Tracker.ADO:
        return "Feature"
    if tracker is Tracker.JIRA:
        workflow = adapter.describe_workflow(item_type="Epic")
        return "Epic" if workflow.statuses else None
    return None


def create_for(inc: Increment, adapter: TrackerAdapter, config: SyncConfig, *,
               item_type: str | None = None) -> RemoteItem:
    """Create (or, on a rerun, find) the item that stands for `inc`, in the state its status maps to.

    A response lost in transit is retryable and says how to finish: running the same command again, since the
    adapter looks for the marker before it creates anything.
    """
    tracker = adapter.tracker
    mapping = config.mappings[tracker]
    marker = creation_marker(inc)
    try:
        kind = item_type or default_item_type(adapter, tracker)
        return adapter.create(inc.title or inc.id, creation_body(inc), marker, mapping.target(inc.status),
                              mapping.managed, item_type=kind)
    except Retryable as exc:
        raise Retryable(exc.message, tracker=exc.tracker, status=exc.status, item=exc.item,
                        retry_after=exc.retry_after,
                        hint=exc.hint or f"run the same command again: weavesync first looks for an item marked "
                                         f"{marker!r}, so an item made by this attempt is linked, not duplicated"
                        ) from exc


# ---- live status -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackerProblem:
    """A tracker whose links could not be read: what went wrong, how to fix it, and which links it hides."""

    tracker: str
    message: str
    hint: str | None
    items: tuple[str, ...]

    def line(self) -> str:
        shown = ", ".join(self.items[:5]) + (f" and {len(self.items) - 5} more" if len(self.items) > 5 else "")
        message = " ".join(self.message.split())
        named = message.casefold().startswith(self.tracker.casefold())  # adapter messages start with it
        return f"{message if named else f'{self.tracker}: {message}'} (not read: {shown})"

    def to_json(self) -> dict[str, object]:
        return {"tracker": self.tracker, "message": self.message, "hint": self.hint, "items": list(self.items)}


Observation = RemoteItem | WeavesyncError | None
"""What a live read found for one item: the item, the failure that hid it, or None when it is gone."""


def _groups(config: SyncConfig | None, tracker: Tracker, items: Sequence[str]
            ) -> list[tuple[dict[str, str] | None, list[str]]]:
    """Items per connection. GitHub and Jira read any repository/project through one connection; ADO
    connections are per organization (the configured one when it matches, else one named by the items)."""
    configured = config.trackers.get(tracker) if config is not None else None
    if tracker is not Tracker.ADO:
        return [(None if configured else item_place(tracker, items[0]), list(items))]
    by_org: dict[str, list[str]] = {}
    for item in items:
        by_org.setdefault(item_place(tracker, item)["organization"].casefold(), []).append(item)
    out: list[tuple[dict[str, str] | None, list[str]]] = []
    for org, group in by_org.items():
        mine = configured is not None and configured.get("organization", "").casefold() == org
        out.append((None if mine else item_place(tracker, group[0]), group))
    return out


class LiveStatus:
    """The `RemoteLookup` of ``status --remote``: fills `LinkRow.remote` and collects `problems` per tracker."""

    def __init__(self, project: Project, env: Mapping[str, str], *, connector: Connector = connect) -> None:
        self.project = project
        self.env = env
        self.connector = connector
        self.problems: list[TrackerProblem] = []

    def __call__(self, report: StatusReport) -> StatusReport:
        try:
            config: SyncConfig | None = load_config(self.project.config_path, env=self.env)
        except ConfigError:
            config = None  # already one of the report's problems; no mapping means nothing can be judged
        wanted: dict[Tracker, dict[str, None]] = {}
        for row in report.increments:
            for link in row.links:
                wanted.setdefault(Tracker(link.tracker), {})[link.item] = None
        seen: dict[str, Observation] = {}
        for tracker, items in wanted.items():
            seen.update(self._read(config, tracker, list(items)))
        rows = []
        for row in report.increments:
            status = Status(row.status)
            links = tuple(replace(link, remote=_remote_json(config, link, status, seen.get(_key(link))))
                          for link in row.links)
            rows.append(replace(row, links=links))
        return replace(report, increments=tuple(rows))

    def _read(self, config: SyncConfig | None, tracker: Tracker, items: list[str]) -> dict[str, Observation]:
        out: dict[str, Observation] = {}
        if config is None:
            failure = ConfigError("not read: .specweave/config.json is invalid")
            return {f"{tracker.value}:{item}": failure for item in items}
        managed = config.mappings[tracker].managed
        for place, group in _groups(config, tracker, items):
            try:
                adapter = self.connector(connection_at(config, tracker, place, self.env))
                try:
                    found: Mapping[str, Observation] = adapter.read_many(group, managed)
                finally:
                    adapter.close()
            except (ConfigError, TrackerError) as exc:
                self.problems.append(TrackerProblem(tracker.value, exc.message, exc.hint, tuple(group)))
                found = dict.fromkeys(group, exc)
            out.update({f"{tracker.value}:{item}": found.get(item) for item in group})
        return out


def _key(link: LinkRow) -> str:
    return f"{link.tracker}:{link.item}"


def _remote_json(config: SyncConfig | None, link: LinkRow, status: Status, seen: Observation
                 ) -> dict[str, Any]:
    """The ``remote`` object of one link. Every key is always present, so scripts need no existence checks."""
    out: dict[str, Any] = {"state": None, "reason": None, "category": None, "markers": [], "version": None,
                           "inSync": None, "keptApart": False, "gone": False, "error": None}
    if isinstance(seen, WeavesyncError):
        out["error"] = " ".join(seen.message.split())
    elif seen is None:
        out.update(gone=True, inSync=False)
    else:
        state = seen.state
        out.update(state=state.state, reason=state.reason, category=state.category,
                   markers=sorted(state.markers), version=seen.version)
        if config is not None:
            mapping = config.mappings[Tracker(link.tracker)]
            out["inSync"] = mapping.satisfies(state, status)
            out["keptApart"] = kept_apart(link.base, status, state, mapping)
    return out
