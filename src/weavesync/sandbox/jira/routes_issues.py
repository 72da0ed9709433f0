"""Issue endpoints: get, create, edit, transitions, comments, changelog (REST v3, ADF bodies)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavesync.sandbox.jira import workflow as wf
from weavesync.sandbox.jira.http import JiraFault, json_response, read_json
from weavesync.sandbox.jira.model import User
from weavesync.sandbox.jira.render import FIELD_NAMES
from weavesync.sandbox.jira.site import Site

ADF_ERROR = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
EDITABLE = {"summary", "description", "labels"}


def not_on_screen(name: str) -> str:
    return f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."


def is_adf(value: Any) -> bool:
    """A structurally valid ADF document: ``{"type": "doc", "version": 1, "content": [nodes]}``."""
    def node_ok(node: Any) -> bool:
        if not isinstance(node, dict) or not isinstance(node.get("type"), str):
            return False
        if node["type"] == "text":
            return isinstance(node.get("text"), str) and node["text"] != ""
        content = node.get("content", [])
        return isinstance(content, list) and all(node_ok(child) for child in content)

    return (isinstance(value, dict) and value.get("type") == "doc" and value.get("version") == 1
            and isinstance(value.get("content"), list) and all(node_ok(n) for n in value["content"]))


def parse_fields_param(raw: str | None, default_all: bool) -> list[str] | None:
    """None = every field. Accepts ``*all``, ``*navigable``, names and ``-name`` exclusions."""
    if raw is None or not raw.strip():
        return None if default_all else []
    names = [n.strip() for n in raw.split(",") if n.strip()]
    everything = any(n in ("*all", "*navigable") for n in names)
    excluded = {n[1:] for n in names if n.startswith("-")}
    chosen = sorted(FIELD_NAMES) if everything else [n for n in names if not n.startswith(("-", "*"))]
    return [n for n in chosen if n not in excluded]


def check_labels(labels: Any) -> list[str]:
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise JiraFault(400, errors={"labels": "Labels must be an array of strings."})
    for label in labels:
        if " " in label or not label:
            raise JiraFault(400, errors={"labels": f"The label '{label}' contains spaces which is invalid."})
    return list(dict.fromkeys(labels))


def routes(site: Site) -> list[Route]:
    state = site.state
    guard = site.guard

    @guard
    async def get_issue(request: Request, user: User) -> Response:
        issue = site.issue_or_404(request.path_params["key"])
        names = parse_fields_param(request.query_params.get("fields"), default_all=True)
        expand = {e.strip() for e in request.query_params.get("expand", "").split(",") if e.strip()}
        body = site.renderer(request).issue(issue, names, user.zone, expand)
        return json_response(body)

    @guard
    async def create_issue(request: Request, user: User) -> Response:
        data = await read_json(request)
        fields = data.get("fields") if isinstance(data, dict) else None
        if not isinstance(fields, dict):
            raise JiraFault(400, ["Issue fields must be supplied (\"fields\": {...})."])
        errors: dict[str, str] = {}
        for name in fields:
            if name not in EDITABLE | {"project", "issuetype"}:
                errors[name] = not_on_screen(name)
        project_ref = fields.get("project") or {}
        project = None
        if isinstance(project_ref, dict):
            wanted = str(project_ref.get("key") or project_ref.get("id") or "")
            project = next((p for p in wf.PROJECTS.values() if wanted in (p.key, p.id)), None)
        if project is None:
            errors["project"] = "Specify a valid project ID or key"
        type_ref = fields.get("issuetype") or {}
        type_id = None
        if isinstance(type_ref, dict):
            type_id = (wf.ISSUE_TYPE_BY_NAME.get(str(type_ref.get("name", "")).lower())
                       or (str(type_ref.get("id")) if str(type_ref.get("id")) in wf.ISSUE_TYPES else None))
        if type_id is None:
            errors["issuetype"] = "Specify an issue type"
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            errors["summary"] = "You must specify a summary of the issue."
        description = fields.get("description")
        if description is not None and not is_adf(description):
            errors["description"] = ADF_ERROR
        labels: list[str] = []
        if "labels" in fields:
            labels = check_labels(fields["labels"])
        if errors or project is None or type_id is None or not isinstance(summary, str):
            raise JiraFault(400, errors=errors)
        issue = state.create(user, project.key, type_id, summary, description, labels)
        base = site.renderer(request).base
        return json_response({"id": str(issue.id), "key": issue.key, "self": f"{base}/issue/{issue.id}"}, 201)

    @guard
    async def edit_issue(request: Request, user: User) -> Response:
        issue = site.issue_or_404(request.path_params["key"])
        data = await read_json(request)
        if not isinstance(data, dict):
            raise JiraFault(400, ["Invalid request payload. Refer to the REST API documentation and try again."])
        fields = data.get("fields") or {}
        update = data.get("update") or {}
        errors = {name: not_on_screen(name) for name in [*fields, *update] if name not in EDITABLE}
        both = set(fields) & set(update)
        for name in both:
            errors[name] = f"Field '{name}' cannot be set in both 'fields' and 'update'."
        if "description" in fields and fields["description"] is not None and not is_adf(fields["description"]):
            errors["description"] = ADF_ERROR
        if errors:
            raise JiraFault(400, errors=errors)
        labels = check_labels(fields["labels"]) if "labels" in fields else None
        if "labels" in update:
            labels = list(issue.labels)
            for op in update["labels"]:
                for verb, value in op.items():
                    if verb == "add" and value not in labels:
                        labels.append(check_labels([value])[0])
                    elif verb == "remove" and value in labels:
                        labels.remove(value)
                    elif verb == "set":
                        labels = check_labels(value)
        summary = fields.get("summary")
        state.edit(issue, user, summary, fields.get("description"), labels, "description" in fields)
        return Response(status_code=204)

    @guard
    async def get_transitions(request: Request, user: User) -> Response:
        issue = site.issue_or_404(request.path_params["key"])
        with_fields = "transitions.fields" in request.query_params.get("expand", "")
        only = request.query_params.get("transitionId")
        renderer = site.renderer(request)
        found = [renderer.transition(t, with_fields) for t in wf.available(issue.status)
                 if only is None or t.id == only]
        return json_response({"expand": "transitions", "transitions": found})

    @guard
    async def do_transition(request: Request, user: User) -> Response:
        issue = site.issue_or_404(request.path_params["key"])
        data = await read_json(request)
        ref = data.get("transition") if isinstance(data, dict) else None
        tid = str(ref.get("id", "")) if isinstance(ref, dict) else ""
        if not tid:
            raise JiraFault(400, ["Missing 'transition' identifier"])
        transition = wf.TRANSITION_BY_ID.get(tid)
        if transition is None or issue.status not in transition.sources:
            raise JiraFault(400, [f"Transition id '{tid}' is not valid for this issue."])
        fields = data.get("fields") or {}
        update = data.get("update") or {}
        on_screen = {f.id for f in transition.screen}
        errors = {name: not_on_screen(name) for name in fields if name not in on_screen}
        errors |= {name: not_on_screen(name) for name in update if name not in on_screen | {"comment"}}
        if errors:
            raise JiraFault(400, errors=errors)
        resolution = None
        for screen_field in transition.screen:
            value = fields.get(screen_field.id)
            if value is None:
                if screen_field.required:
                    errors[screen_field.id] = f"Field {screen_field.name} is required."
                continue
            rid = None
            if isinstance(value, dict):
                rid = (wf.RESOLUTION_BY_NAME.get(str(value.get("name", "")).lower())
                       or (str(value.get("id")) if str(value.get("id")) in wf.RESOLUTIONS else None))
            if rid is None:
                errors[screen_field.id] = "Could not find valid 'id' or 'name' in resolution object."
            resolution = rid
        comments = []
        for op in update.get("comment", []):
            body = op.get("add", {}).get("body") if isinstance(op, dict) else None
            if not is_adf(body):
                errors["comment"] = ADF_ERROR
            comments.append(body)
        if errors:
            raise JiraFault(400, errors=errors)
        state.transition(issue, user, transition, resolution)
        for body in comments:
            state.comment(issue, user, body)
        return Response(status_code=204)

    @guard
    async def list_comments(request: Request, user: User) -> Response:
        issue = site.issue_or_404(request.path_params["key"])
        start = _int(request.query_params.get("startAt"), 0)
        size = min(_int(request.query_params.get("maxResults"), 5000), 5000)
        ordered = list(issue.comments)
        if request.query_params.get("orderBy", "created").startswith("-"):
            ordered.reverse()
        renderer = site.renderer(request)
        page = [renderer.comment(issue, c, user.zone) for c in ordered[start:start + size]]
        return json_response({"startAt": start, "maxResults": size, "total": len(ordered), "comments": page})

    @guard
    async def add_comment(request: Request, user: User) -> Response:
        issue = site.issue_or_404(request.path_params["key"])
        data = await read_json(request)
        body = data.get("body") if isinstance(data, dict) else None
        if not is_adf(body):
            raise JiraFault(400, [ADF_ERROR])
        comment = state.comment(issue, user, body)
        return json_response(site.renderer(request).comment(issue, comment, user.zone), 201)

    @guard
    async def changelog(request: Request, user: User) -> Response:
        issue = site.issue_or_404(request.path_params["key"])
        start = _int(request.query_params.get("startAt"), 0)
        size = min(_int(request.query_params.get("maxResults"), 100), 100)
        renderer = site.renderer(request)
        values = [renderer.history(h, user.zone) for h in issue.histories[start:start + size]]
        total = len(issue.histories)
        return json_response({"self": f"{renderer.base}/issue/{issue.key}/changelog", "maxResults": size,
                              "startAt": start, "total": total, "isLast": start + size >= total,
                              "values": values})

    base = "/rest/api/3/issue"
    return [
        Route(base, create_issue, methods=["POST"]),
        Route(base + "/{key}", get_issue, methods=["GET"]),
        Route(base + "/{key}", edit_issue, methods=["PUT"]),
        Route(base + "/{key}/transitions", get_transitions, methods=["GET"]),
        Route(base + "/{key}/transitions", do_transition, methods=["POST"]),
        Route(base + "/{key}/comment", list_comments, methods=["GET"]),
        Route(base + "/{key}/comment", add_comment, methods=["POST"]),
        Route(base + "/{key}/changelog", changelog, methods=["GET"]),
    ]


def _int(raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise JiraFault(400, [f"'{raw}' is not a valid number."]) from exc
    if value < 0:
        raise JiraFault(400, ["startAt and maxResults must not be negative."])
    return value
