"""Issues: get, list for a repository (filters, sort, since, pages), create, update (state/state_reason rules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.routing import Route

from weavesync.sandbox.github import render
from weavesync.sandbox.github.api import Api, Reply, Req, invalid, schema_error
from weavesync.sandbox.github.lookup import find_issue, find_repo, paginate
from weavesync.sandbox.github.model import Issue, Repo, Store

STATES = ("open", "closed")
REASONS = ("completed", "not_planned", "duplicate", "reopened")
CLOSE_REASONS = ("completed", "not_planned", "duplicate")


def _enum(name: str, value: Any, allowed: tuple[str, ...], *, nullable: bool = False) -> None:
    if (value is None and nullable) or value in allowed:
        return
    shown = ", ".join(f'"{a}"' for a in allowed) + (", nil" if nullable else "")
    raise schema_error(f"For 'properties/{name}', {_show(value)} is not one of [{shown}].")


def _show(value: Any) -> str:
    return "nil" if value is None else f'"{value}"' if isinstance(value, str) else str(value)


def label_names(value: Any, field_name: str = "labels") -> list[str]:
    """Label names from the forms GitHub accepts: strings, or objects with a ``name``."""
    if not isinstance(value, list):
        raise schema_error(f"For 'properties/{field_name}', {_show(value)} is not an array.")
    names: list[str] = []
    for item in value:
        if isinstance(item, str) and item.strip():
            names.append(item.strip())
        elif isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip():
            names.append(item["name"].strip())
        else:
            raise invalid("Label", "name", "invalid", value=str(item))
    return names


def parse_since(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid("Issue", "since", value=text) from None
    if value.tzinfo is None:
        raise invalid("Issue", "since", value=text)
    return value


class IssueRoutes:
    def __init__(self, api: Api, store: Store) -> None:
        self.api = api
        self.store = store

    def routes(self) -> list[Route]:
        base = "/repos/{owner}/{repo}/issues"
        return [
            self.api.route(base, self.list_issues, ["GET"]),
            self.api.route(base, self.create, ["POST"], content=True),
            self.api.route(base + "/{issue_number}", self.get, ["GET"]),
            self.api.route(base + "/{issue_number}", self.update, ["PATCH"]),
        ]

    def _render(self, issue: Issue, repo: Repo) -> dict[str, Any]:
        return render.issue(issue, repo, self.store, self.api.base)

    def get(self, req: Req) -> Reply:
        repo = find_repo(self.store, req)
        return Reply(body=self._render(find_issue(repo, req), repo))

    def list_issues(self, req: Req) -> Reply:
        repo = find_repo(self.store, req)
        q = req.query
        state = q.get("state", "open")
        sort = q.get("sort", "created")
        direction = q.get("direction", "desc")
        for name, value, allowed in (("state", state, ("open", "closed", "all")),
                                     ("sort", sort, ("created", "updated", "comments")),
                                     ("direction", direction, ("asc", "desc"))):
            if value not in allowed:
                raise invalid("Issue", name, value=value)
        since = parse_since(q["since"]) if "since" in q else None
        wanted = [n.strip().lower() for n in q.get("labels", "").split(",") if n.strip()]
        creator = q.get("creator")
        if sort == "updated":
            numbers = list(repo.by_updated)
        elif sort == "created":
            numbers = list(repo.issues)
        else:
            numbers = sorted(repo.issues, key=lambda n: (len(repo.issues[n].comments), n))
        if direction == "desc":
            numbers.reverse()
        issues = repo.issues
        selected: list[Issue] = []
        for number in numbers:
            issue = issues[number]
            if issue.deleted or (state != "all" and issue.state != state):
                continue
            if since is not None and issue.updated_at < since:
                continue
            if wanted and not all(w in issue.labels for w in wanted):
                continue
            if creator is not None and issue.user.lower() != creator.lower():
                continue
            selected.append(issue)
        page, headers = paginate(selected, req, self.api.base)
        return Reply(body=[self._render(i, repo) for i in page], headers=headers)

    def create(self, req: Req) -> Reply:
        repo = find_repo(self.store, req)
        actor = req.login()
        data = req.json()
        if not isinstance(data, dict):
            raise schema_error(f"{_show(data)} is not an object.")
        if "title" not in data:
            raise schema_error('"title" wasn\'t supplied.')
        title = data["title"]
        if isinstance(title, int) and not isinstance(title, bool):
            title = str(title)
        if not isinstance(title, str):
            raise schema_error(f"For 'properties/title', {_show(title)} is not a string or integer.")
        if not title.strip():
            raise invalid("Issue", "title", "missing_field")
        body = data.get("body")
        if body is not None and not isinstance(body, str):
            raise schema_error(f"For 'properties/body', {_show(body)} is not a string or null.")
        labels = label_names(data.get("labels", []))
        assignees = self._assignees(data.get("assignees", []), strict=True)
        if data.get("milestone") is not None:
            raise invalid("Issue", "milestone", value=data["milestone"])
        issue = self.store.create_issue(repo, actor, title, body, labels, assignees)
        rendered = self._render(issue, repo)
        return Reply(201, rendered, {"location": rendered["url"]})

    def _assignees(self, value: Any, *, strict: bool) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise schema_error(f"For 'properties/assignees', {_show(value)} is not an array of strings.")
        known = [self.store.users[v.lower()].login for v in value if v.lower() in self.store.users]
        if strict and len(known) != len(value):
            bad = next(v for v in value if v.lower() not in self.store.users)
            raise invalid("Issue", "assignees", value=bad)
        return known

    def update(self, req: Req) -> Reply:
        repo = find_repo(self.store, req)
        issue = find_issue(repo, req)
        actor = req.login()
        data = req.json()
        if not isinstance(data, dict):
            raise schema_error(f"{_show(data)} is not an object.")
        state = data.get("state")
        if "state" in data:
            _enum("state", state, STATES)
        reason = data.get("state_reason")
        if "state_reason" in data:
            _enum("state_reason", reason, REASONS, nullable=True)
        changing = state is not None and state != issue.state
        # ``state_reason`` is "ignored unless state is changed" (the spec), but naming ``state: closed`` again with
        # another close reason is how GitHub changes the reason of a closed issue: it is re-closed with it.
        reclosing = state == "closed" and not changing and reason is not None
        if (changing or reclosing) and state == "closed" and reason is not None and reason not in CLOSE_REASONS:
            raise invalid("Issue", "state_reason", value=reason,
                          message="state_reason 'reopened' is only valid when reopening an issue")
        if changing and state == "open" and reason not in (None, "reopened"):
            raise invalid("Issue", "state_reason", value=reason,
                          message=f"state_reason '{reason}' is only valid when closing an issue")
        title = data.get("title")
        if isinstance(title, int) and not isinstance(title, bool):
            title = str(title)
        if title is not None and (not isinstance(title, str) or not title.strip()):
            raise invalid("Issue", "title", "missing_field" if isinstance(title, str) else "invalid")
        body = data.get("body")
        if body is not None and not isinstance(body, str):
            raise schema_error(f"For 'properties/body', {_show(body)} is not a string or null.")
        labels = label_names(data["labels"]) if "labels" in data else None
        assignees = self._assignees(data["assignees"], strict=False) if "assignees" in data else None
        if data.get("milestone") is not None:
            raise invalid("Issue", "milestone", value=data["milestone"])
        if title is not None or "body" in data or assignees is not None:
            self.store.edit(repo, issue, actor, title=title, body=body if "body" in data else None,
                            assignees=assignees)
        if labels is not None:
            self.store.set_labels(repo, issue, actor, labels)
        if changing and state is not None:
            self.store.set_state(repo, issue, actor, state, reason if state == "closed" else None)
        elif reclosing and reason is not None:
            self.store.reclose(repo, issue, actor, reason)
        return Reply(body=self._render(issue, repo))
