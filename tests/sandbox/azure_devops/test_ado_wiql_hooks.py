"""WIQL subset, service hooks in the real capture's shape, and throttling of the Azure DevOps sandbox."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from adoclient import Ado
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavesync.sandbox import Sandbox
from weavesync.sandbox.server import SandboxContext, TrackerApp

DATA = Path(__file__).parents[2] / "data" / "azure_devops"


def wiql(ado: Ado, query: str, **params: Any) -> httpx.Response:
    return ado.post("/Shop/_apis/wit/wiql", {"query": query}, **params)


def test_changed_date_with_time_needs_time_precision(ado: Ado) -> None:
    query = "SELECT [System.Id] FROM WorkItems WHERE [System.ChangedDate] >= '2000-01-01T00:00:00Z'"
    refused = wiql(ado, query)
    assert refused.status_code == 400 and refused.json()["message"].startswith("VS402625")
    assert wiql(ado, query, timePrecision="true").status_code == 200
    day_only = "SELECT [System.Id] FROM WorkItems WHERE [System.ChangedDate] >= '2000-01-01'"
    assert wiql(ado, day_only).status_code == 200


def test_changed_date_takes_today_with_day_arithmetic(ado: Ado) -> None:
    """`@today - 7` as the service accepts it: the item changed now is in the last week, not after tomorrow."""
    item = ado.create("Task", "Changed today")

    def ids(condition: str) -> list[int]:
        response = wiql(ado, "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND "
                             f"[System.ChangedDate] {condition}")
        assert response.status_code == 200, response.text
        return [w["id"] for w in response.json()["workItems"]]

    assert item["id"] in ids(">= @today - 7")
    assert item["id"] in ids(">= @Today")
    assert item["id"] not in ids(">= @today + 1")
    assert item["id"] not in ids("< @today-7")
    refused = wiql(ado, "SELECT [System.Id] FROM WorkItems WHERE [System.ChangedDate] >= @today - 'x'")
    assert refused.status_code == 400 and refused.json()["message"].startswith("TF51006")


def test_changed_since_returns_ids_only_in_order(ado: Ado, alice: Ado) -> None:
    first = wiql(ado, "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project")
    as_of = first.json()["asOf"]
    a = ado.create("Task", "Changed A")
    b = ado.create("Task", "Changed B")
    alice.patch(a["id"], [{"op": "add", "path": "/fields/System.State", "value": "Active"}])
    query = ("SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND "
             f"[System.ChangedDate] >= '{as_of}' ORDER BY [System.ChangedDate] ASC")
    body = wiql(ado, query, timePrecision="true").json()
    assert body["queryType"] == "flat"
    assert [w["id"] for w in body["workItems"]] == [b["id"], a["id"]]
    assert set(body["workItems"][0]) == {"id", "url"}


def test_id_in_state_and_tags(ado: Ado) -> None:
    tagged = ado.create("Task", "Tagged", **{"System.Tags": "weavesync:0042; other"})
    ids = wiql(ado, f"SELECT [System.Id] FROM WorkItems WHERE [System.Id] IN (1, {tagged['id']}) "
                    "AND [System.State] = 'New'").json()["workItems"]
    assert [w["id"] for w in ids] == [tagged["id"]]
    found = wiql(ado, "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND "
                      "[System.Tags] CONTAINS 'weavesync:0042'").json()["workItems"]
    assert [w["id"] for w in found] == [tagged["id"]]
    assert wiql(ado, "SELECT [System.Id] FROM WorkItems WHERE [System.Title] = 'x' OR [System.Id] = 1"
                ).status_code == 400


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A tiny HTTP receiver served by the sandbox harness itself, as a second 'tracker' app."""
    got: list[tuple[dict[str, str], bytes]] = []

    async def sink(request: Request) -> Response:
        got.append((dict(request.headers), await request.body()))
        return Response(status_code=200)

    def make(ctx: SandboxContext) -> TrackerApp:
        return TrackerApp(app=Starlette(routes=[Route("/hook", sink, methods=["POST"])]),
                          fault_body=lambda status: ({}, b""))

    import sys
    import types

    from weavesync.sandbox import server as server_module

    module = types.ModuleType("ado_hook_sink")
    module.create_app = make  # type: ignore[attr-defined]
    sys.modules["ado_hook_sink"] = module
    saved = server_module._MODULES["github"]
    server_module._MODULES["github"] = "ado_hook_sink"
    try:
        with Sandbox(trackers=("github",)) as running:
            yield f"{running.urls['github']}/hook", got
    finally:
        server_module._MODULES["github"] = saved
        sys.modules.pop("ado_hook_sink", None)


def test_service_hook_delivers_workitem_updated_like_the_real_capture(
        ado: Ado, alice: Ado, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]) -> None:
    url, got = receiver
    sub = ado.post("/_apis/hooks/subscriptions", {
        "publisherId": "tfs", "eventType": "workitem.updated", "resourceVersion": "1.0",
        "consumerId": "webHooks", "consumerActionId": "httpRequest",
        "consumerInputs": {"url": url, "basicAuthUsername": "hook", "basicAuthPassword": "s3cret",
                           "httpHeaders": "X-Weavesync-Secret: abc"}})
    assert sub.status_code == 200, sub.text
    assert sub.json()["consumerInputs"]["basicAuthPassword"] == "********"
    item = ado.create("Bug", "Hooked")
    alice.patch(item["id"], [{"op": "add", "path": "/fields/System.State", "value": "Active"}])
    ado.control("POST", "webhooks/flush", {})
    assert len(got) == 1
    headers, raw = got[0]
    assert headers["authorization"] == "Basic " + base64.b64encode(b"hook:s3cret").decode()
    assert headers["x-weavesync-secret"] == "abc"
    body = json.loads(raw)
    real = json.loads((DATA / "workitem.updated.real-capture.state-change.json").read_text(encoding="utf-8"))
    assert set(body) == set(real)
    assert set(body["resource"]) == set(real["resource"])
    assert set(body["resourceContainers"]["project"]) == {"id", "baseUrl"}
    resource = body["resource"]
    assert resource["workItemId"] == item["id"] and resource["rev"] == 2
    assert resource["revisedDate"] == "9999-01-01T00:00:00Z"
    assert resource["fields"]["System.State"] == {"oldValue": "New", "newValue": "Active"}
    assert resource["fields"]["System.Rev"] == {"oldValue": 1, "newValue": 2}
    assert resource["revision"]["fields"]["System.ChangedBy"] == "Alice Example <alice@acme.example>"
    ado.http.delete(f"/_apis/hooks/subscriptions/{sub.json()['id']}", params={"api-version": "7.1"})


def test_subscription_inputs_are_validated(ado: Ado) -> None:
    base = {"publisherId": "tfs", "eventType": "workitem.updated", "consumerId": "webHooks",
            "consumerActionId": "httpRequest"}
    assert ado.post("/_apis/hooks/subscriptions", {**base, "consumerInputs": {}}).status_code == 400
    plain_http = {**base, "consumerInputs": {"url": "http://example.com/hook"}}
    assert ado.post("/_apis/hooks/subscriptions", plain_http).status_code == 400
    assert ado.post("/_apis/hooks/subscriptions", {**base, "eventType": "git.push",
                                                   "consumerInputs": {"url": "https://example.com"}}
                    ).status_code == 400


def test_rate_limit_headers_then_delay_then_429(ado: Ado) -> None:
    ado.control("POST", "ratelimit", {"limit": 3, "block_at": 5, "delay_seconds": 0.01})
    try:
        responses = [ado.get("/Shop/_apis/wit/workitems/1") for _ in range(6)]
    finally:
        ado.control("POST", "ratelimit", {"limit": None})
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 200, 429]
    assert responses[0].headers["x-ratelimit-limit"] == "3"
    assert responses[0].headers["x-ratelimit-remaining"] == "2"
    assert "x-ratelimit-delay" not in responses[0].headers
    assert responses[3].headers["x-ratelimit-remaining"] == "0" and "x-ratelimit-delay" in responses[3].headers
    blocked = responses[5]
    assert blocked.json()["message"].startswith("TF400733") and int(blocked.headers["retry-after"]) >= 1
    assert "x-ratelimit-limit" not in ado.get("/Shop/_apis/wit/workitems/1").headers
