"""Sandbox deliveries verified and parsed by KIND: a person closes and relabels an issue, weavesync hears it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from github_helpers import MANAGED

from weavesync.errors import AuthFailed
from weavesync.trackers.github import KIND

SECRET = "flow-secret"


@pytest.fixture(scope="module")
def received(alice: httpx.Client) -> Iterator[list[tuple[dict[str, str], bytes]]]:
    deliveries: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            deliveries.append((dict(self.headers.items()), body))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = alice.post("/repos/acme/shop/hooks", json={
        "events": ["issues"], "config": {"url": f"http://127.0.0.1:{server.server_address[1]}/gh",
                                         "content_type": "json", "secret": SECRET}})
    assert hook.status_code == 201
    yield deliveries
    server.shutdown()


def test_close_and_labels_arrive_as_events(received: list[tuple[dict[str, str], bytes]], alice: httpx.Client,
                                           url: str) -> None:
    n = alice.post("/repos/acme/shop/issues", json={"title": "Hooked"}).json()["number"]
    alice.post(f"/repos/acme/shop/issues/{n}/labels", json=["customer-x"])
    alice.post(f"/repos/acme/shop/issues/{n}/labels", json=["paused"])
    alice.patch(f"/repos/acme/shop/issues/{n}", json={"state": "closed", "state_reason": "not_planned"})
    assert httpx.post(f"{url}/_sandbox/webhooks/flush", json={}).json()["drained"]
    events = []
    for headers, body in received:
        KIND.verify_webhook(headers, body, SECRET)
        events += [e for e in KIND.parse_webhook(headers, body, MANAGED) if e.item == f"acme/shop#{n}"]
    assert [e.raw_event for e in events] == ["issues.opened", "issues.labeled", "issues.closed"]
    closed = events[-1]
    assert closed.state is not None and (closed.state.state, closed.state.reason) == ("closed", "not_planned")
    assert closed.state.markers == {"paused"} and closed.changed_by == "alice"
    assert closed.delivery_id and closed.version is not None and closed.at is not None
    assert len({e.delivery_id for e in events}) == len(events)


def test_forged_delivery_is_refused(received: list[tuple[dict[str, str], bytes]], alice: httpx.Client,
                                    url: str) -> None:
    alice.post("/repos/acme/shop/issues", json={"title": "Forged"})
    assert httpx.post(f"{url}/_sandbox/webhooks/flush", json={}).json()["drained"]
    headers, body = received[-1]
    KIND.verify_webhook(headers, body, SECRET)
    with pytest.raises(AuthFailed):
        KIND.verify_webhook(headers, body + b" ", SECRET)
    with pytest.raises(AuthFailed):
        KIND.verify_webhook(headers, body, "another-secret")
