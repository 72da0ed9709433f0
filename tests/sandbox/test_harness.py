"""The shared sandbox harness: control API, counters, scripted faults, webhook dispatch (with a toy tracker)."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from weavesync.sandbox import server as server_module
from weavesync.sandbox.server import Sandbox, SandboxContext, TrackerApp

STATE: dict[str, int] = {"writes": 0}


def _toy_app(ctx: SandboxContext) -> TrackerApp:
    async def item(request: Request) -> Response:
        if request.method == "POST":
            STATE["writes"] += 1
            body = await request.body()
            ctx.webhooks.deliver(str(json.loads(body)["hook"]), {"content-type": "application/json"}, body)
        return JSONResponse({"n": int(request.path_params["n"]), "writes": STATE["writes"]})

    def fault_body(status: int) -> tuple[dict[str, str], bytes]:
        return {"content-type": "application/json", "retry-after": "1"}, json.dumps({"status": status}).encode()

    async def sink(request: Request) -> Response:
        STATE["received"] = STATE.get("received", 0) + 1
        return Response(status_code=204)

    app = Starlette(routes=[Route("/items/{n:int}", item, methods=["GET", "POST"]),
                            Route("/sink", sink, methods=["POST"])])
    return TrackerApp(app=app, fault_body=fault_body)


@pytest.fixture()
def toy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    module = types.ModuleType("toy_tracker")
    module.create_app = _toy_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "toy_tracker", module)
    monkeypatch.setitem(server_module._MODULES, "github", "toy_tracker")
    STATE.clear()
    STATE["writes"] = 0
    with Sandbox(trackers=("github",)) as sandbox:
        yield sandbox


def test_counts_requests_per_route_template(toy: Sandbox) -> None:
    url = toy.urls["github"]
    for n in (1, 2, 3):
        assert httpx.get(f"{url}/items/{n}").status_code == 200
    stats = httpx.get(f"{url}/_sandbox/stats").json()
    assert stats["requests"] == {"GET /items/{n:int}": 3}
    httpx.post(f"{url}/_sandbox/stats/reset")
    assert httpx.get(f"{url}/_sandbox/stats").json()["requests_total"] == 0


def test_scripted_faults_answer_in_order_then_stop(toy: Sandbox) -> None:
    url = toy.urls["github"]
    script = [{"kind": "503", "path": "/items/", "times": 2}, {"kind": "429", "headers": {"retry-after": "7"}}]
    assert httpx.post(f"{url}/_sandbox/script", json=script).status_code == 200
    codes = [httpx.get(f"{url}/items/1") for _ in range(4)]
    assert [r.status_code for r in codes] == [503, 503, 429, 200]
    assert codes[2].headers["retry-after"] == "7"


def test_lost_response_applies_the_write(toy: Sandbox) -> None:
    url = toy.urls["github"]
    httpx.post(f"{url}/_sandbox/script", json={"kind": "lost", "method": "POST"})
    with pytest.raises(httpx.HTTPError):
        httpx.post(f"{url}/items/1", json={"hook": f"{url}/sink"})
    assert STATE["writes"] == 1


def test_reset_closes_the_connection(toy: Sandbox) -> None:
    url = toy.urls["github"]
    httpx.post(f"{url}/_sandbox/script", json={"kind": "reset"})
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{url}/items/1")
    assert httpx.get(f"{url}/items/1").status_code == 200


def test_unknown_control_keys_are_refused(toy: Sandbox) -> None:
    url = toy.urls["github"]
    response = httpx.post(f"{url}/_sandbox/faults", json={"latncy_ms": 5})
    assert response.status_code == 400
    assert "latncy_ms" in response.json()["error"]


def test_webhooks_are_delivered_and_can_be_duplicated(toy: Sandbox) -> None:
    url = toy.urls["github"]
    httpx.post(f"{url}/_sandbox/faults", json={"webhooks": {"duplicate_rate": 1.0}})
    httpx.post(f"{url}/items/1", json={"hook": f"{url}/sink"})
    assert httpx.post(f"{url}/_sandbox/webhooks/flush", json={}).json()["drained"] is True
    history = httpx.get(f"{url}/_sandbox/webhooks/history").json()
    assert history[0]["attempts"] == 2 and history[0]["status"] == 204
    assert STATE["received"] == 2
