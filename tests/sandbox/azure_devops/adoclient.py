"""An httpx client for the sandbox's organisation URL, shared by the Azure DevOps sandbox tests."""

from __future__ import annotations

import json
from typing import Any

import httpx

from weavesync.sandbox import Sandbox

PATCH_JSON = {"content-type": "application/json-patch+json"}


class Ado:
    """An httpx client for the organisation URL, authenticated as the bot (or anyone given)."""

    def __init__(self, sandbox: Sandbox, pat: str | None = None) -> None:
        env = sandbox.env()
        self.sandbox = sandbox
        self.org = env["AZURE_DEVOPS_ORG_URL"]
        self.root = sandbox.urls["ado"]
        self.pat = pat or env["AZURE_DEVOPS_PAT"]
        self.http = httpx.Client(base_url=self.org, auth=("", self.pat), timeout=10)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params={"api-version": "7.1", **params})

    def post(self, path: str, body: Any, version: str = "7.1", **params: Any) -> httpx.Response:
        return self.http.post(path, params={"api-version": version, **params}, json=body)

    def patch(self, item_id: int, ops: list[dict[str, Any]], **params: Any) -> httpx.Response:
        return self.http.patch(f"/Shop/_apis/wit/workitems/{item_id}", params={"api-version": "7.1", **params},
                               content=json.dumps(ops), headers=PATCH_JSON)

    def create(self, wit: str, title: str, project: str = "Shop", **fields: Any) -> dict[str, Any]:
        ops = [{"op": "add", "path": "/fields/System.Title", "value": title}]
        ops += [{"op": "add", "path": f"/fields/{k}", "value": v} for k, v in fields.items()]
        response = self.http.post(f"/{project}/_apis/wit/workitems/${wit}", params={"api-version": "7.1"},
                                  content=json.dumps(ops), headers=PATCH_JSON)
        assert response.status_code == 200, response.text
        created: dict[str, Any] = response.json()
        return created

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.root}/_sandbox/{path}", json=body)
        assert response.status_code == 200, response.text
        return response.json()
