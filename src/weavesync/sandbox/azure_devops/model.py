"""The in-memory Azure DevOps organisation: projects, work items, their updates (history) and comments.

Handlers and the control API (which runs in a worker thread) share it, so every mutation holds `lock`. Reads are
indexed: items by id, and a change log ordered by ``System.ChangedDate`` for WIQL's ``ChangedDate >=``. The model
knows nothing of HTTP; `on_update` lets the service-hook module hear of every saved revision.
"""

from __future__ import annotations

import bisect
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from weavesync.sandbox.azure_devops.processes import WorkItemType, types_of

FAR_FUTURE = "9999-01-01T00:00:00Z"
HIDDEN_FIELDS = frozenset({"System.Id", "System.Rev", "System.AuthorizedDate", "System.RevisedDate",
                           "System.Watermark", "System.History"})
"""Kept on every revision but left out of a work item's ``fields`` unless asked for by name (as the service does)."""


def iso(ts: datetime) -> str:
    """The service's timestamp spelling: UTC, milliseconds, a Z."""
    ts = ts.astimezone(UTC)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Identity:
    id: str
    display_name: str
    unique_name: str

    def ref(self, base_url: str) -> dict[str, Any]:
        """An IdentityRef as REST responses carry it."""
        avatar = f"{base_url}/_apis/GraphProfile/MemberAvatars/aad.{self.id}"
        return {"displayName": self.display_name, "url": f"{base_url}/_apis/Identities/{self.id}",
                "_links": {"avatar": {"href": avatar}}, "id": self.id, "uniqueName": self.unique_name,
                "imageUrl": avatar, "descriptor": f"aad.{self.id}"}

    @property
    def text(self) -> str:
        """How identity fields read in service-hook revisions: ``Name <email>``."""
        return f"{self.display_name} <{self.unique_name}>"


@dataclass
class Project:
    id: str
    name: str
    process: str
    types: dict[str, WorkItemType]

    def type(self, name: str) -> WorkItemType | None:
        return self.types.get(name.casefold())


@dataclass
class Comment:
    id: int
    work_item_id: int
    text: str
    rendered: str
    created_by: Identity
    created_date: str
    version: int = 1
    format: str = "html"


@dataclass
class WorkItem:
    id: int
    project: Project
    type: WorkItemType
    rev: int
    fields: dict[str, Any]
    updates: list[dict[str, Any]] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


Listener = Callable[[WorkItem, dict[str, Any]], None]


class AdoState:
    """One organisation. Ids are organisation-wide, as on the service."""

    def __init__(self, organization: str, now: Callable[[], datetime]) -> None:
        self.organization = organization
        self.collection_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"ado-sandbox/{organization}"))
        self.now = now
        self.lock = threading.RLock()
        self.projects: dict[str, Project] = {}
        self.items: dict[int, WorkItem] = {}
        self._next_id = 1
        self._next_comment = 1
        self._watermark = 0
        self._changes: list[tuple[datetime, int, int]] = []
        self.listeners: list[Listener] = []

    # projects -----------------------------------------------------------------------------------------------
    def add_project(self, name: str, process: str) -> Project:
        with self.lock:
            if name.casefold() in self.projects:
                raise ValueError(f"project {name!r} exists")
            project = Project(id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"ado-sandbox/{self.organization}/{name}")),
                              name=name, process=process, types=dict(types_of(process)))
            self.projects[name.casefold()] = project
            return project

    def project(self, name_or_id: str) -> Project | None:
        found = self.projects.get(name_or_id.casefold())
        if found is None:
            found = next((p for p in self.projects.values() if p.id == name_or_id.casefold()), None)
        return found

    # work items ---------------------------------------------------------------------------------------------
    def create(self, project: Project, wit: WorkItemType, values: dict[str, Any], by: Identity) -> WorkItem:
        """Save revision 1 of a new item; `values` were validated by the caller."""
        with self.lock:
            item_id = self._next_id
            self._next_id += 1
            now = self.now()
            stamp = iso(now)
            fields: dict[str, Any] = {
                "System.AreaPath": project.name, "System.TeamProject": project.name,
                "System.IterationPath": project.name, "System.WorkItemType": wit.name,
                "System.State": wit.initial.name, "System.Reason": wit.default_reason(wit.initial.name, created=True),
                "System.CreatedDate": stamp, "System.CreatedBy": by, "System.CommentCount": 0,
                "Microsoft.VSTS.Common.StateChangeDate": stamp,
            }
            fields.update(values)
            item = WorkItem(id=item_id, project=project, type=wit, rev=0, fields={})
            self.items[item_id] = item
            self._save(item, fields, by, now)
            return item

    def update(self, item: WorkItem, changes: dict[str, Any], by: Identity) -> dict[str, Any]:
        """Save a new revision with `changes` (None removes a field); returns the update record."""
        with self.lock:
            now = self.now()
            values = dict(item.fields)
            for ref, value in changes.items():
                if value is None:
                    values.pop(ref, None)
                else:
                    values[ref] = value
            if "System.State" in changes and changes["System.State"] != item.fields.get("System.State"):
                values["Microsoft.VSTS.Common.StateChangeDate"] = iso(now)
                category = item.type.state(str(changes["System.State"]))
                if category is not None and category.category == "Completed":
                    values["Microsoft.VSTS.Common.ClosedDate"] = iso(now)
                    values["Microsoft.VSTS.Common.ClosedBy"] = by
                else:
                    values.pop("Microsoft.VSTS.Common.ClosedDate", None)
                    values.pop("Microsoft.VSTS.Common.ClosedBy", None)
            return self._save(item, values, by, now)

    def _save(self, item: WorkItem, values: dict[str, Any], by: Identity, now: datetime) -> dict[str, Any]:
        stamp = iso(now)
        self._watermark += 1
        old = item.fields
        values |= {"System.Id": item.id, "System.Rev": item.rev + 1, "System.AuthorizedDate": stamp,
                   "System.RevisedDate": FAR_FUTURE, "System.ChangedDate": stamp, "System.ChangedBy": by,
                   "System.Watermark": self._watermark}
        if "System.History" not in values or values.get("System.History") == old.get("System.History"):
            values.pop("System.History", None)
        diff: dict[str, Any] = {}
        for ref in sorted(set(old) | set(values)):
            before, after = old.get(ref), values.get(ref)
            if before == after:
                continue
            change: dict[str, Any] = {}
            if before is not None:
                change["oldValue"] = before
            if after is not None:
                change["newValue"] = after
            diff[ref] = change
        if item.updates:
            item.updates[-1]["revisedDate"] = stamp
        item.rev += 1
        update = {"id": len(item.updates) + 1, "workItemId": item.id, "rev": item.rev, "revisedBy": by,
                  "revisedDate": FAR_FUTURE, "fields": diff}
        item.updates.append(update)
        values.pop("System.History", None)
        item.fields = values
        self._changes.append((now, item.id, item.rev))
        for listener in list(self.listeners):
            listener(item, update)
        return update

    def note_comment(self, item: WorkItem, text: str, rendered: str, fmt: str, by: Identity) -> Comment:
        """Record a comment without saving a revision (the caller's revision carries System.History)."""
        with self.lock:
            comment = Comment(id=self._next_comment, work_item_id=item.id, text=text, rendered=rendered,
                              created_by=by, created_date=iso(self.now()), format=fmt)
            self._next_comment += 1
            item.comments.append(comment)
            return comment

    def add_comment(self, item: WorkItem, text: str, rendered: str, fmt: str, by: Identity) -> Comment:
        """A comment is a revision too: it sets System.History and bumps System.CommentCount and the rev."""
        with self.lock:
            comment = self.note_comment(item, text, rendered, fmt, by)
            count = int(item.fields.get("System.CommentCount", 0)) + 1
            self.update(item, {"System.History": rendered, "System.CommentCount": count}, by)
            return comment

    def changed_since(self, since: datetime) -> Iterator[int]:
        """Ids of items whose latest revision was saved at or after `since`, oldest change first."""
        with self.lock:
            start = bisect.bisect_left(self._changes, (since, -1, -1))
            window = self._changes[start:]
        for _, item_id, rev in window:
            item = self.items.get(item_id)
            if item is not None and item.rev == rev:
                yield item_id
