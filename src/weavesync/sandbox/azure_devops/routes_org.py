"""Organisation-level routes: resource-location discovery, resource areas, connection data, service hooks.

The azure-devops SDK does not build URLs itself: it asks ``OPTIONS {org}/_apis`` for the route template and version
range of every resource (by GUID) and ``{org}/_apis/ResourceAreas`` for where each area lives. The GUIDs below are
the service's public resource-location ids for the resources the sandbox serves.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavesync.sandbox.azure_devops import versions
from weavesync.sandbox.azure_devops.errors import AdoError
from weavesync.sandbox.azure_devops.hooks import Hooks
from weavesync.sandbox.azure_devops.service import Service, json_body, ok, user

WIT_AREA = "5264459e-e5e0-4bd8-b118-0985e68a4ec5"
HOOKS_AREA = "4e39bbd3-a28d-4ba6-a3ab-f5e0c2b1c2d8"

# (id, area, resource, route template, resource version, released version)
_LOCATIONS: tuple[tuple[str, str, str, str, int, str], ...] = (
    ("e81700f7-3be2-46de-8624-2eb35882fcaa", "Location", "ResourceAreas", "_apis/{resource}/{areaId}", 1, "0.0"),
    ("00d9565f-ed9c-4a06-9a50-00e7896ccab4", "Location", "ConnectionData", "_apis/{resource}", 1, "0.0"),
    ("72c7ddf8-2cdc-4f60-90cd-ab71c14a399b", "wit", "workItems", "{project}/_apis/{area}/{resource}/{id}", 3, "7.1"),
    ("62d3d110-0047-428c-ad3c-4fe872c91c74", "wit", "workItems", "{project}/_apis/{area}/{resource}/${type}", 3,
     "7.1"),
    ("908509b6-4248-4475-a1cd-829139ba419f", "wit", "workItemsBatch", "{project}/_apis/{area}/{resource}", 1, "7.1"),
    ("1a9c53f7-f243-4447-b110-35ef023636e4", "wit", "wiql", "{project}/{team}/_apis/{area}/{resource}/{id}", 2,
     "7.1"),
    ("6570bf97-d02c-4a91-8d93-3abe9895b1a9", "wit", "updates",
     "{project}/_apis/{area}/workItems/{id}/{resource}/{updateNumber}", 3, "7.1"),
    ("608aac0a-32e1-4493-a863-b9cf4566d257", "wit", "comments",
     "{project}/_apis/{area}/workItems/{workItemId}/{resource}/{commentId}", 4, "0.0"),
    ("7c9d7a76-4a09-43e8-b5df-bd792f4ac6aa", "wit", "states",
     "{project}/_apis/{area}/workitemtypes/{type}/{resource}", 1, "7.1"),
    ("fc50d02a-849f-41fb-8af1-0a5216103269", "hooks", "subscriptions", "_apis/{area}/{resource}/{subscriptionId}", 1,
     "7.1"),
)


def _location(row: tuple[str, str, str, str, int, str]) -> dict[str, Any]:
    loc_id, area, resource, template, resource_version, released = row
    return {"id": loc_id, "area": area, "resourceName": resource, "routeTemplate": template,
            "resourceVersion": resource_version, "minVersion": 1.0, "maxVersion": 7.1,
            "releasedVersion": released}


def routes(svc: Service, hooks: Hooks) -> list[Route]:
    async def options(request: Request) -> Response:
        svc.check_org(request)
        value = [_location(row) for row in _LOCATIONS]
        return ok({"count": len(value), "value": value})

    async def resource_areas(request: Request) -> Response:
        svc.check_org(request)
        versions.require(request)
        value = [{"id": WIT_AREA, "name": "wit", "locationUrl": svc.org_url},
                 {"id": HOOKS_AREA, "name": "hooks", "locationUrl": svc.org_url}]
        return ok({"count": len(value), "value": value})

    async def connection_data(request: Request) -> Response:
        svc.check_org(request)
        me = user(request)
        identity = {"id": me.id, "descriptor": f"aad.{me.id}", "subjectDescriptor": f"aad.{me.id}",
                    "providerDisplayName": me.display_name, "isActive": True,
                    "properties": {"Account": {"$type": "System.String", "$value": me.unique_name}},
                    "resourceVersion": 2, "metaTypeId": 0}
        return ok({"authenticatedUser": identity, "authorizedUser": identity,
                   "instanceId": svc.state.collection_id, "deploymentId": svc.state.collection_id,
                   "deploymentType": "hosted",
                   "locationServiceData": {"serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7",
                                           "defaultAccessMappingMoniker": "PublicAccessMapping",
                                           "lastChangeId": 1, "lastChangeId64": 1}})

    async def subscriptions(request: Request) -> Response:
        svc.check_org(request)
        versions.require(request)
        if request.method == "POST":
            sub = hooks.create(await json_body(request), user(request))
            return ok(hooks.render(sub))
        value = [hooks.render(s) for s in list(hooks.subscriptions.values())]
        return ok({"count": len(value), "value": value})

    async def subscription(request: Request) -> Response:
        svc.check_org(request)
        versions.require(request)
        sub_id = str(request.path_params["sub"])
        if request.method == "DELETE":
            if not hooks.delete(sub_id):
                raise _missing(sub_id)
            return Response(status_code=204)
        found = hooks.subscriptions.get(sub_id)
        if found is None:
            raise _missing(sub_id)
        return ok(hooks.render(found))

    return [
        Route("/{org}/_apis", options, methods=["OPTIONS"]),
        Route("/{org}/_apis/resourceareas", resource_areas, methods=["GET"]),
        Route("/{org}/_apis/connectiondata", connection_data, methods=["GET"]),
        Route("/{org}/_apis/hooks/subscriptions", subscriptions, methods=["GET", "POST"]),
        Route("/{org}/_apis/hooks/subscriptions/{sub}", subscription, methods=["GET", "DELETE"]),
    ]


def _missing(sub_id: str) -> AdoError:
    return AdoError(404, f"VS1050020: The subscription {sub_id} does not exist.", "SubscriptionNotFoundException")
