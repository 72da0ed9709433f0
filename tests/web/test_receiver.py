"""The receiver's refusals and the rule "2xx only after the delivery is durably recorded" (starlette TestClient)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.requests import Request
from starlette.testclient import TestClient

from weavesync.errors import ConfigError, StoreError
from weavesync.executor import SyncSession
from weavesync.model import Tracker
from weavesync.web import create_app, register_webhooks
from weavesync.web.receiver import Refusal, read_limited

from .conftest import SECRET
from .fakes import ITEM, sign


def github_headers(body: bytes, *, delivery: str | None = None, secret: str = SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()), "X-Hub-Signature-256": sign(secret, body)}


def payload(**extra: Any) -> bytes:
    return json.dumps({"action": "closed", "item": ITEM, **extra}).encode()


@pytest.fixture()
def session(open_session: Callable[[], SyncSession]) -> SyncSession:
    return open_session()


@pytest.fixture()
def client(session: SyncSession) -> Iterator[TestClient]:
    """The receiver without its worker: deliveries are recorded, not processed."""
    with TestClient(create_app(lambda: session, process=False, close_session=False, max_body=4096)) as c:
        yield c


def stored(session: SyncSession) -> list[str]:
    return [d.delivery_id for d in session.store.unprocessed_deliveries()]


def test_healthz(client: TestClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"


def test_a_signed_delivery_is_recorded_then_accepted(client: TestClient, session: SyncSession) -> None:
    body = payload()
    answer = client.post("/webhooks/github", content=body, headers=github_headers(body, delivery="d-1"))
    assert answer.status_code == 202 and answer.json() == {"status": "accepted", "delivery": "d-1"}
    [record] = session.store.unprocessed_deliveries()
    assert (record.tracker, record.delivery_id, record.body) == ("github", "d-1", body)


def test_a_forged_delivery_is_refused_with_401(client: TestClient, session: SyncSession) -> None:
    body = payload()
    forged = github_headers(body, secret="not the secret")
    unsigned = {k: v for k, v in github_headers(body).items() if k != "X-Hub-Signature-256"}
    tampered = github_headers(body)
    for headers, content in ((forged, body), (unsigned, body), (tampered, payload(action="reopened"))):
        answer = client.post("/webhooks/github", content=content, headers=headers)
        assert answer.status_code == 401 and answer.json()["error"] == "forged"
    assert stored(session) == []


def test_a_replayed_delivery_id_is_acknowledged_but_not_stored_again(client: TestClient,
                                                                     session: SyncSession) -> None:
    body = payload()
    headers = github_headers(body, delivery="same-id")
    assert client.post("/webhooks/github", content=body, headers=headers).status_code == 202
    again = client.post("/webhooks/github", content=body, headers=headers)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert stored(session) == ["same-id"]


def test_an_oversized_delivery_is_refused_with_413_by_its_declared_length(client: TestClient,
                                                                          session: SyncSession) -> None:
    body = payload(padding="x" * 5000)
    answer = client.post("/webhooks/github", content=body, headers=github_headers(body))
    assert answer.status_code == 413 and answer.json()["error"] == "too-large"
    assert stored(session) == []


def test_an_oversized_chunked_delivery_is_refused_with_413(client: TestClient, session: SyncSession) -> None:
    body = payload(padding="x" * 5000)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start:start + 1000]

    answer = client.post("/webhooks/github", content=chunks(), headers=github_headers(body))
    assert answer.status_code == 413
    assert stored(session) == []


def test_the_limit_stops_reading_before_the_whole_body() -> None:
    pulled: list[int] = []

    async def receive() -> dict[str, Any]:
        pulled.append(1)
        return {"type": "http.request", "body": b"x" * 1000, "more_body": len(pulled) < 100}

    request = Request({"type": "http", "method": "POST", "headers": [], "path": "/"}, receive)
    with pytest.raises(Refusal) as refused:
        asyncio.run(read_limited(request, 4096))
    assert refused.value.status == 413
    assert len(pulled) == 5, "reading must stop at the first chunk past the limit"


def test_malformed_deliveries_are_refused_with_400(client: TestClient, session: SyncSession) -> None:
    bad_json = b'{"action": "closed",'
    answer = client.post("/webhooks/github", content=bad_json, headers=github_headers(bad_json))
    assert answer.status_code == 400 and answer.json()["error"] == "malformed"
    not_object = b"[1, 2]"
    assert client.post("/webhooks/github", content=not_object, headers=github_headers(not_object)).status_code == 400
    body = payload()
    no_id = {k: v for k, v in github_headers(body).items() if k != "X-GitHub-Delivery"}
    answer = client.post("/webhooks/github", content=body, headers=no_id)
    assert answer.status_code == 400 and "x-github-delivery" in answer.json()["message"]
    assert stored(session) == []


def test_ado_takes_its_delivery_id_from_the_payload(client: TestClient, session: SyncSession) -> None:
    without = json.dumps({"eventType": "workitem.updated"}).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Hub-Signature-256": sign(SECRET, without)}
    assert client.post("/webhooks/ado", content=without, headers=headers).status_code == 400
    body = json.dumps({"id": "evt-7", "eventType": "workitem.updated"}).encode()
    headers["X-Hub-Signature-256"] = sign(SECRET, body)
    assert client.post("/webhooks/ado", content=body, headers=headers).status_code == 202
    assert [(d.tracker, d.delivery_id) for d in session.store.unprocessed_deliveries()] == [("ado", "evt-7")]


def test_a_wrong_content_type_is_refused_with_415(client: TestClient, session: SyncSession) -> None:
    body = b"payload=" + payload()
    headers = {**github_headers(body), "Content-Type": "application/x-www-form-urlencoded"}
    answer = client.post("/webhooks/github", content=body, headers=headers)
    assert answer.status_code == 415 and answer.json()["error"] == "unsupported-media-type"
    assert stored(session) == []


def test_a_tracker_without_a_secret_refuses_every_delivery(client: TestClient, session: SyncSession) -> None:
    body = json.dumps({"webhookEvent": "jira:issue_updated"}).encode()
    headers = {"Content-Type": "application/json", "X-Atlassian-Webhook-Identifier": "j-1"}
    answer = client.post("/webhooks/jira", content=body, headers=headers)
    assert answer.status_code == 503 and answer.json()["error"] == "no-secret"
    assert "WEAVESYNC_JIRA_WEBHOOK_SECRET" in answer.json()["message"]
    assert stored(session) == []


class FailingStore:
    """The real store, except that recording a delivery fails."""

    def __init__(self, real: Any, error: Exception) -> None:
        self._real = real
        self._error = error

    def record_delivery(self, **kwargs: Any) -> bool:
        raise self._error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.mark.parametrize(("error", "status"), [(StoreError("database is locked"), 503), (RuntimeError("bug"), 500)])
def test_nothing_is_acknowledged_when_the_store_cannot_record(session: SyncSession, error: Exception,
                                                             status: int) -> None:
    real = session.store
    session.store = FailingStore(real, error)  # type: ignore[assignment]
    with TestClient(create_app(lambda: session, process=False, close_session=False)) as client:
        body = payload()
        answer = client.post("/webhooks/github", content=body, headers=github_headers(body))
    assert answer.status_code == status
    assert real.unprocessed_deliveries() == []


def test_create_app_rejects_a_non_positive_limit(session: SyncSession) -> None:
    with pytest.raises(ValueError, match="max_body"):
        create_app(lambda: session, max_body=0)


def test_register_refuses_to_create_an_unsigned_hook(session: SyncSession) -> None:
    with pytest.raises(ConfigError, match="no webhook secret for jira") as refused:
        register_webhooks(session, "https://hooks.example.com", trackers=[Tracker.GITHUB, Tracker.JIRA])
    assert refused.value.hint is not None and "WEAVESYNC_JIRA_WEBHOOK_SECRET" in refused.value.hint
