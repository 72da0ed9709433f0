"""Issue, status, transition, comment and changelog JSON in Jira Cloud's shapes.

Dates are rendered as Jira does (``2026-11-24T11:31:02.123+0100``) in the viewer's time zone. Only the fields
a caller asks for are built, so a search page of 100 issues with five fields costs five small dicts per issue.
v3 bodies carry ADF documents; v2 (used in webhook payloads) carries plain strings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from weavesync.sandbox.jira import workflow as wf
from weavesync.sandbox.jira.model import Comment, History, Issue, User, adf_text


def jira_time(when: datetime | None, zone: ZoneInfo) -> str | None:
    if when is None:
        return None
    local = when.astimezone(zone)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" + local.strftime("%z")


class Renderer:
    """Renders for one base URL and API version (3 = ADF bodies, 2 = plain strings)."""

    def __init__(self, base_url: str, users: dict[str, User], version: int = 3) -> None:
        self.base = f"{base_url}/rest/api/{version}"
        self.users = users
        self.version = version
        self._status_cache: dict[str, dict[str, Any]] = {}

    def category(self, key: str) -> dict[str, Any]:
        c = wf.CATEGORIES[key]
        return {"self": f"{self.base}/statuscategory/{c.id}", "id": c.id, "key": c.key, "colorName": c.color,
                "name": c.name}

    def status(self, status_id: str) -> dict[str, Any]:
        cached = self._status_cache.get(status_id)
        if cached is None:
            s = wf.STATUSES[status_id]
            cached = {"self": f"{self.base}/status/{s.id}", "description": s.description,
                      "iconUrl": f"{self.base}/images/icons/statuses/generic.png", "name": s.name, "id": s.id,
                      "statusCategory": self.category(s.category)}
            self._status_cache[status_id] = cached
        return cached

    def user(self, login: str, zone_of_viewer: bool = False) -> dict[str, Any]:
        u = self.users[login]
        return {"self": f"{self.base}/user?accountId={u.account_id}", "accountId": u.account_id,
                "emailAddress": u.email, "displayName": u.display_name, "active": True,
                "timeZone": u.time_zone, "accountType": "atlassian",
                "avatarUrls": {"48x48": f"{self.base}/avatar/{u.account_id}.png"}}

    def body(self, body: Any) -> Any:
        return body if self.version == 3 else adf_text(body)

    def comment(self, issue: Issue, c: Comment, zone: ZoneInfo) -> dict[str, Any]:
        author = self.user(c.author)
        return {"self": f"{self.base}/issue/{issue.id}/comment/{c.id}", "id": str(c.id), "author": author,
                "body": self.body(c.body), "updateAuthor": author, "created": jira_time(c.created, zone),
                "updated": jira_time(c.updated, zone), "jsdPublic": True}

    def history(self, h: History, zone: ZoneInfo) -> dict[str, Any]:
        return {"id": str(h.id), "author": self.user(h.author), "created": jira_time(h.created, zone),
                "items": [{"field": i.field, "fieldtype": i.fieldtype, "fieldId": i.field, "from": i.from_id,
                           "fromString": i.from_string, "to": i.to_id, "toString": i.to_string}
                          for i in h.items]}

    def resolution(self, rid: str | None) -> dict[str, Any] | None:
        if rid is None:
            return None
        return {"self": f"{self.base}/resolution/{rid}", "id": rid, "name": wf.RESOLUTIONS[rid],
                "description": ""}

    def issuetype(self, tid: str) -> dict[str, Any]:
        return {"self": f"{self.base}/issuetype/{tid}", "id": tid, "name": wf.ISSUE_TYPES[tid],
                "subtask": False, "hierarchyLevel": 1 if tid == "10000" else 0, "description": ""}

    def project(self, key: str) -> dict[str, Any]:
        p = wf.PROJECTS[key]
        return {"self": f"{self.base}/project/{p.id}", "id": p.id, "key": p.key, "name": p.name,
                "projectTypeKey": "software", "simplified": False}

    def transition(self, t: wf.TransitionDef, with_fields: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"id": t.id, "name": t.name, "to": self.status(t.to), "hasScreen": bool(t.screen),
                               "isGlobal": False, "isInitial": False, "isAvailable": True,
                               "isConditional": False, "isLooped": False}
        if with_fields:
            out["fields"] = {f.id: {"required": f.required, "schema": {"type": "resolution", "system": f.id},
                                    "name": f.name, "key": f.id, "hasDefaultValue": False, "operations": ["set"],
                                    "allowedValues": [self.resolution(r) for r in wf.RESOLUTIONS]}
                             for f in t.screen}
        return out

    # -- issues ---------------------------------------------------------------------------------------------
    def fields(self, issue: Issue, names: list[str] | None, zone: ZoneInfo) -> dict[str, Any]:
        wanted = list(_FIELDS) if names is None else [n for n in names if n in _FIELDS]
        return {name: _FIELDS[name](self, issue, zone) for name in wanted}

    def issue(self, issue: Issue, names: list[str] | None, zone: ZoneInfo, expand: set[str],
              with_fields: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"expand": "renderedFields,names,schema,operations,editmeta,changelog,"
                                         "versionedRepresentations", "id": str(issue.id),
                               "self": f"{self.base}/issue/{issue.id}", "key": issue.key}
        if with_fields:
            out["fields"] = self.fields(issue, names, zone)
        if "transitions" in expand:
            out["transitions"] = [self.transition(t, "transitions.fields" in expand)
                                  for t in wf.available(issue.status)]
        if "changelog" in expand:
            histories = [self.history(h, zone) for h in reversed(issue.histories)]
            out["changelog"] = {"startAt": 0, "maxResults": len(histories), "total": len(histories),
                                "histories": histories}
        return out


_FieldFn = Callable[[Renderer, Issue, ZoneInfo], Any]
_FIELDS: dict[str, _FieldFn] = {
    "summary": lambda r, i, z: i.summary,
    "status": lambda r, i, z: r.status(i.status),
    "statuscategorychangedate": lambda r, i, z: jira_time(i.status_changed, z),
    "issuetype": lambda r, i, z: r.issuetype(i.issuetype),
    "project": lambda r, i, z: r.project(i.project),
    "labels": lambda r, i, z: list(i.labels),
    "resolution": lambda r, i, z: r.resolution(i.resolution),
    "resolutiondate": lambda r, i, z: jira_time(i.resolution_date, z),
    "created": lambda r, i, z: jira_time(i.created, z),
    "updated": lambda r, i, z: jira_time(i.updated, z),
    "description": lambda r, i, z: r.body(i.description) if i.description is not None else None,
    "creator": lambda r, i, z: r.user(i.creator),
    "reporter": lambda r, i, z: r.user(i.creator),
    "assignee": lambda r, i, z: None,
    "comment": lambda r, i, z: {"comments": [r.comment(i, c, z) for c in i.comments], "self":
                                f"{r.base}/issue/{i.id}/comment", "maxResults": len(i.comments),
                                "total": len(i.comments), "startAt": 0},
}
FIELD_NAMES = frozenset(_FIELDS)
