"""The parts of an issue: labels (list/add/set/remove one/remove all), comments (list/create), events timeline."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from weavesync.sandbox.github import render
from weavesync.sandbox.github.api import Api, ApiError, Reply, Req, invalid, schema_error
from weavesync.sandbox.github.lookup import find_issue, find_repo, paginate
from weavesync.sandbox.github.model import Issue, Repo, Store
from weavesync.sandbox.github.routes_issues import label_names, parse_since


def _labels_body(data: Any, *, allow_empty: bool) -> list[str]:
    """The label names of an add/set body: ``{"labels": [...]}``, a bare array of names, or of ``{name}``."""
    value = data.get("labels") if isinstance(data, dict) else data
    if isinstance(data, dict) and "labels" not in data:
        if allow_empty:
            return []
        raise schema_error('"labels" wasn\'t supplied.')
    names = label_names(value)
    if not names and not allow_empty:
        raise invalid("Label", "labels", "missing_field")
    return names


class PartRoutes:
    def __init__(self, api: Api, store: Store) -> None:
        self.api = api
        self.store = store

    def routes(self) -> list[Route]:
        base = "/repos/{owner}/{repo}/issues/{issue_number}"
        route = self.api.route
        return [
            route(base + "/labels", self.list_labels, ["GET"]),
            route(base + "/labels", self.add_labels, ["POST"]),
            route(base + "/labels", self.set_labels, ["PUT"]),
            route(base + "/labels", self.remove_all_labels, ["DELETE"]),
            route(base + "/labels/{name:path}", self.remove_label, ["DELETE"]),
            route(base + "/comments", self.list_comments, ["GET"]),
            route(base + "/comments", self.create_comment, ["POST"], content=True),
            route(base + "/events", self.list_events, ["GET"]),
        ]

    def _target(self, req: Req) -> tuple[Repo, Issue]:
        repo = find_repo(self.store, req)
        return repo, find_issue(repo, req)

    def _labels(self, repo: Repo, issue: Issue) -> list[dict[str, Any]]:
        return render.issue_labels(issue, repo, self.api.base)

    def list_labels(self, req: Req) -> Reply:
        repo, issue = self._target(req)
        page, headers = paginate(self._labels(repo, issue), req, self.api.base)
        return Reply(body=page, headers=headers)

    def add_labels(self, req: Req) -> Reply:
        repo, issue = self._target(req)
        names = _labels_body(req.json(), allow_empty=False)
        self.store.add_labels(repo, issue, req.login(), names)
        return Reply(body=self._labels(repo, issue))

    def set_labels(self, req: Req) -> Reply:
        repo, issue = self._target(req)
        names = _labels_body(req.json(), allow_empty=True)
        self.store.set_labels(repo, issue, req.login(), names)
        return Reply(body=self._labels(repo, issue))

    def remove_all_labels(self, req: Req) -> Reply:
        repo, issue = self._target(req)
        self.store.set_labels(repo, issue, req.login(), [])
        return Reply(204)

    def remove_label(self, req: Req) -> Reply:
        repo, issue = self._target(req)
        if not self.store.remove_label(repo, issue, req.login(), req.params["name"]):
            raise ApiError(404, "Label does not exist")
        return Reply(body=self._labels(repo, issue))

    def list_comments(self, req: Req) -> Reply:
        repo, issue = self._target(req)
        comments = [repo.comments[c] for c in issue.comments]
        if "since" in req.query:
            since = parse_since(req.query["since"])
            comments = [c for c in comments if c.updated_at >= since]
        page, headers = paginate(comments, req, self.api.base)
        return Reply(body=[render.comment(c, repo, self.store, self.api.base) for c in page], headers=headers)

    def create_comment(self, req: Req) -> Reply:
        repo, issue = self._target(req)
        actor = req.login()
        data = req.json()
        if not isinstance(data, dict) or "body" not in data:
            raise schema_error('"body" wasn\'t supplied.')
        body = data["body"]
        if not isinstance(body, str):
            raise schema_error(f"For 'properties/body', {body!r} is not a string.")
        if not body.strip():
            raise invalid("IssueComment", "body", "missing_field")
        comment = self.store.add_comment(repo, issue, actor, body)
        rendered = render.comment(comment, repo, self.store, self.api.base)
        return Reply(201, rendered, {"location": rendered["url"]})

    def list_events(self, req: Req) -> Reply:
        repo, issue = self._target(req)
        page, headers = paginate(issue.events, req, self.api.base)
        return Reply(body=[render.event(e, repo, self.store, self.api.base) for e in page], headers=headers)
