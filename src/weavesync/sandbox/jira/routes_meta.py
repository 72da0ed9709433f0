"""Site-level endpoints: serverInfo, myself, status categories, statuses, project statuses, resolutions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavesync.sandbox.jira import workflow as wf
from weavesync.sandbox.jira.http import JiraFault, json_response
from weavesync.sandbox.jira.model import User
from weavesync.sandbox.jira.render import FIELD_NAMES, jira_time
from weavesync.sandbox.jira.site import Site


def routes(site: Site) -> list[Route]:
    guard = site.guard

    @guard
    async def server_info(request: Request, user: User) -> Response:
        base = str(request.base_url).rstrip("/")
        return json_response({"baseUrl": base, "displayUrl": base, "version": "1001.0.0-SNAPSHOT",
                              "versionNumbers": [1001, 0, 0], "deploymentType": "Cloud", "buildNumber": 100289,
                              "buildDate": "2026-11-20T00:00:00.000+0000",
                              "serverTime": jira_time(site.ctx.now(), user.zone), "scmInfo": "sandbox",
                              "serverTitle": "Jira"})

    @guard
    async def myself(request: Request, user: User) -> Response:
        body = site.renderer(request).user(user.login)
        body |= {"locale": "en_US", "groups": {"size": 1, "items": []},
                 "applicationRoles": {"size": 1, "items": []}, "expand": "groups,applicationRoles"}
        return json_response(body)

    @guard
    async def categories(request: Request, user: User) -> Response:
        renderer = site.renderer(request)
        return json_response([renderer.category(k) for k in wf.CATEGORIES])

    @guard
    async def category(request: Request, user: User) -> Response:
        wanted = request.path_params["ref"].lower()
        for c in wf.CATEGORIES.values():
            if wanted in (c.key, str(c.id)):
                return json_response(site.renderer(request).category(c.key))
        raise JiraFault(404, [f"The status category with ID or key '{wanted}' does not exist."])

    @guard
    async def statuses(request: Request, user: User) -> Response:
        renderer = site.renderer(request)
        return json_response([renderer.status(s) for s in wf.STATUSES])

    @guard
    async def project(request: Request, user: User) -> Response:
        key = request.path_params["key"].upper()
        project = wf.PROJECTS.get(key) or next((p for p in wf.PROJECTS.values() if p.id == key), None)
        if project is None:
            raise JiraFault(404, [f"No project could be found with key '{key}'."])
        renderer = site.renderer(request)
        body = renderer.project(project.key)
        body["issueTypes"] = [renderer.issuetype(t) for t in wf.ISSUE_TYPES]
        return json_response(body)

    @guard
    async def project_statuses(request: Request, user: User) -> Response:
        key = request.path_params["key"].upper()
        project = wf.PROJECTS.get(key) or next((p for p in wf.PROJECTS.values() if p.id == key), None)
        if project is None:
            raise JiraFault(404, [f"No project could be found with key '{key}'."])
        renderer = site.renderer(request)
        return json_response([{"self": f"{renderer.base}/issuetype/{tid}", "id": tid, "name": name,
                               "subtask": False, "statuses": [renderer.status(s) for s in wf.STATUSES]}
                              for tid, name in wf.ISSUE_TYPES.items()])

    @guard
    async def resolutions(request: Request, user: User) -> Response:
        renderer = site.renderer(request)
        return json_response([renderer.resolution(r) for r in wf.RESOLUTIONS])

    @guard
    async def fields(request: Request, user: User) -> Response:
        return json_response([{"id": name, "key": name, "name": name.capitalize(), "custom": False,
                               "orderable": True, "navigable": True, "searchable": True, "clauseNames": [name],
                               "schema": {"type": "any", "system": name}} for name in sorted(FIELD_NAMES)])

    out: list[Route] = []
    for version in ("2", "3"):
        api = f"/rest/api/{version}"
        out += [Route(f"{api}/serverInfo", server_info, methods=["GET"]),
                Route(f"{api}/myself", myself, methods=["GET"])]
    api = "/rest/api/3"
    out += [
        Route(f"{api}/statuscategory", categories, methods=["GET"]),
        Route(f"{api}/statuscategory/{{ref}}", category, methods=["GET"]),
        Route(f"{api}/status", statuses, methods=["GET"]),
        Route(f"{api}/project/{{key}}", project, methods=["GET"]),
        Route(f"{api}/project/{{key}}/statuses", project_statuses, methods=["GET"]),
        Route(f"{api}/resolution", resolutions, methods=["GET"]),
        Route(f"{api}/field", fields, methods=["GET"]),
    ]
    return out
