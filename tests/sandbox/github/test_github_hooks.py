"""GitHub sandbox: repository webhooks delivered as GitHub does, signed over the raw body, in octokit's shapes."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from referencing import Registry, Resource

from weavesync.sandbox.auth import hmac_signature

DATA = Path(__file__).parents[2] / "data" / "github" / "webhooks"
SECRET = "sandbox-hook-secret"


class Receiver:
    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        received = self.deliveries

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, name: str) -> list[tuple[dict[str, str], dict[str, Any]]]:
        return [(h, json.loads(b)) for h, b in self.deliveries if h["x-github-event"] == name]


@pytest.fixture(scope="module")
def receiver(bot: httpx.Client) -> Iterator[Receiver]:
    rec = Receiver()
    created = bot.post("/repos/acme/shop/hooks", json={
        "name": "web", "active": True, "events": ["issues", "issue_comment"],
        "config": {"url": rec.url, "content_type": "json", "secret": SECRET}})
    assert created.status_code == 201, created.text
    yield rec
    bot.delete(f"/repos/acme/shop/hooks/{created.json()['id']}")
    rec.server.shutdown()


def _flush(url: str) -> None:
    assert httpx.post(f"{url}/_sandbox/webhooks/flush", json={}).json()["drained"] is True


def _validator(action: str) -> jsonschema.Draft7Validator:
    schemas = DATA / "payload-schemas"
    registry: Registry[Any] = Registry()
    for path in schemas.rglob("*.schema.json"):
        resource = Resource.from_contents(json.loads(path.read_text()))
        registry = registry.with_resource(str(path.relative_to(schemas)), resource)
    schema = json.loads((schemas / "issues" / f"{action}.schema.json").read_text())
    schema["$id"] = f"issues/{action}.schema.json"
    schema = json.loads(json.dumps(schema).replace('"common/', '"../common/'))
    return jsonschema.Draft7Validator(schema, registry=registry)


def test_signature_matches_githubs_test_vector() -> None:
    vector = json.loads((DATA / "signature-test-vector.json").read_text())
    assert hmac_signature(vector["secret"], vector["payload"].encode()) == vector["X-Hub-Signature-256"]


def test_hook_creation_is_validated(bot: httpx.Client) -> None:
    no_url = bot.post("/repos/acme/shop/hooks", json={"config": {"content_type": "json"}})
    assert no_url.status_code == 422
    bad_event = bot.post("/repos/acme/shop/hooks", json={"events": ["nonsense"],
                                                          "config": {"url": "http://127.0.0.1:9/x"}})
    assert bad_event.status_code == 422


def test_ping_then_issue_events_signed_and_schema_valid(receiver: Receiver, bot: httpx.Client,
                                                        alice: httpx.Client, url: str) -> None:
    number = bot.post("/repos/acme/shop/issues", json={"title": "Hooked"}).json()["number"]
    alice.post(f"/repos/acme/shop/issues/{number}/labels", json=["bug"])
    alice.patch(f"/repos/acme/shop/issues/{number}", json={"state": "closed", "state_reason": "not_planned"})
    alice.patch(f"/repos/acme/shop/issues/{number}", json={"state": "open"})
    alice.delete(f"/repos/acme/shop/issues/{number}/labels/bug")
    bot.post(f"/repos/acme/shop/issues/{number}/comments", json={"body": "synced"})
    _flush(url)
    assert receiver.events("ping")
    mine = [(h, p) for h, p in receiver.events("issues") if p["issue"]["number"] == number]
    assert [p["action"] for _, p in mine] == ["opened", "labeled", "closed", "reopened", "unlabeled"]
    for headers, payload in mine:
        _validator(payload["action"]).validate(payload)
        assert headers["x-github-hook-id"] and headers["user-agent"].startswith("GitHub-Hookshot/")
    closed = mine[2][1]
    assert closed["issue"]["state_reason"] == "not_planned" and closed["sender"]["login"] == "alice"
    assert mine[1][1]["label"]["name"] == "bug"
    deliveries = {h["x-github-delivery"] for h, _ in mine}
    assert len(deliveries) == len(mine)
    comments = [p for _, p in receiver.events("issue_comment") if p["issue"]["number"] == number]
    assert comments[0]["comment"]["body"] == "synced"


def test_signature_is_over_the_raw_body(receiver: Receiver, bot: httpx.Client, url: str) -> None:
    bot.post("/repos/acme/shop/issues", json={"title": "Signed"})
    _flush(url)
    headers, body = receiver.deliveries[-1]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-hub-signature-256"], expected)
    assert headers["x-hub-signature"].startswith("sha1=")
