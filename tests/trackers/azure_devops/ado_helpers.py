"""Helpers shared by the Azure DevOps adapter tests: a Connection to the sandbox, control calls, a person's edits."""

from __future__ import annotations

import json
from typing import Any

import httpx

from weavesync.model import Connection, Secret, Tracker
from weavesync.sandbox import Sandbox


def connection(sandbox: Sandbox, *, project: str = "Shop", pat: str | None = None) -> Connection:
    env = sandbox.env()
    return Connection(tracker=Tracker.ADO, base_url=env["AZURE_DEVOPS_ORG_URL"],
                      place={"organization": "acme", "project": project},
                      token=Secret(pat or env["AZURE_DEVOPS_PAT"]))


def control(sandbox: Sandbox, method: str, path: str, body: object = None) -> Any:
    response = httpx.request(method, f"{sandbox.urls['ado']}/_sandbox/{path}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def requests_made(sandbox: Sandbox) -> dict[str, int]:
    counts: dict[str, int] = control(sandbox, "GET", "stats")["requests"]
    return counts


def person_patch(client: httpx.Client, item_id: int, ops: list[dict[str, Any]], project: str = "Shop"
                 ) -> dict[str, Any]:
    response = client.patch(f"/{project}/_apis/wit/workitems/{item_id}", content=json.dumps(ops),
                            headers={"content-type": "application/json-patch+json"})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def person_create(client: httpx.Client, wit: str, title: str, project: str = "Shop", **fields: Any
                  ) -> dict[str, Any]:
    ops = [{"op": "add", "path": "/fields/System.Title", "value": title}]
    ops += [{"op": "add", "path": f"/fields/{k}", "value": v} for k, v in fields.items()]
    response = client.post(f"/{project}/_apis/wit/workitems/${wit}", content=json.dumps(ops),
                           headers={"content-type": "application/json-patch+json"})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
