"""One webhook endpoint per tracker: refuse what must be refused, record the rest, then answer.

The checks, in order, and what each answers:

==========================================  ======  =============================================================
no webhook secret configured for the tracker  503   never accept unsigned deliveries; 503 so a sender that retries
                                                      (Jira, ADO) delivers again once the operator sets the secret
declared or streamed body over the limit      413   the body is read chunk by chunk and abandoned past the limit
body stalls longer than the read timeout      408   a slow-loris client; the connection is closed
Content-Type not ``application/json``         415   GitHub's form-encoded ``payload=`` hooks included
signature / credentials do not verify         401   ``TrackerKind.verify_webhook`` raised ``AuthFailed``
body is not a JSON object, no delivery id     400   GitHub ``X-GitHub-Delivery``, Jira ``X-Atlassian-Webhook-
                                                      Identifier``, ADO the payload's ``id``; a body nested deeper
                                                      than `MAX_DEPTH` levels too (json would recurse per level)
the state store fails                         503   nothing acknowledged, so the sender may retry
delivery id seen before (replay, redelivery)  200   ``{"status": "duplicate"}``, not processed again
new delivery, durably recorded                202   ``{"status": "accepted"}``, processed in the background
==========================================  ======  =============================================================

Why a duplicate gets 200 and not an error: the first copy was durably recorded and is (or was) processed, so the
delivery *did* succeed from the sender's point of view. GitHub re-sends a delivery under the same id when a person
clicks "Redeliver", Jira and ADO retry under the same id when they missed our answer; an error would make them
retry again and mark the hook as failing. 202 vs 200 lets an operator tell "queued" from "already had it".

The receiver never acts on a delivery itself and never trusts its payload for state: processing
(`executor.inbound`) only learns which items to re-read, so a replay that slips past the id check (GitHub signs
the body, not the delivery id header) can only cause one redundant read.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from weavesync.config.load import WEBHOOK_SECRET_ENV
from weavesync.errors import AuthFailed, StoreError
from weavesync.executor import SyncSession
from weavesync.model import Tracker
from weavesync.trackers.payload import MAX_DEPTH, too_deep

LOG = logging.getLogger("weavesync.web")

DEFAULT_MAX_BODY = 1024 * 1024
"""1 MiB: GitHub caps payloads at 25 MB but status events are a few KiB; a huge body is not a status change."""

DELIVERY_ID_HEADERS: Mapping[Tracker, str] = {
    Tracker.GITHUB: "x-github-delivery",
    Tracker.JIRA: "x-atlassian-webhook-identifier",
}
"""Where the delivery id travels; ADO has no such header and puts the event GUID in the payload's ``id``."""

DEFAULT_READ_TIMEOUT = 10.0
"""Seconds a client may leave between two pieces of its body (and, in `web.server`, to send its headers): a
tracker sends a status event in one go, so a longer pause is a stalled or hostile connection holding a slot."""

MAX_DELIVERY_ID = 200


class Refusal(Exception):
    """A delivery refused with `status`; `reason` is a stable word for tests and logs, `message` for people."""

    def __init__(self, status: int, reason: str, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.close = close
        """Answer with ``Connection: close``: the body was not read to its end, so the connection cannot carry
        another request."""

    def response(self) -> JSONResponse:
        headers = {"Connection": "close"} if self.close else None
        return JSONResponse({"error": self.reason, "message": self.message}, status_code=self.status,
                            headers=headers)


@dataclass
class ReceiverContext:
    """What the endpoints need at request time, set by the app when it starts."""

    session: SyncSession
    max_body: int = DEFAULT_MAX_BODY
    read_timeout: float = DEFAULT_READ_TIMEOUT
    on_recorded: Callable[[str], None] = field(default=lambda tracker: None)
    """Called with the tracker's name after a new delivery is recorded (counts it, wakes the background worker)."""


def secret_for(session: SyncSession, tracker: Tracker) -> str:
    secret = session.config.webhook_secrets.get(tracker)
    if not secret:
        names = " or ".join(WEBHOOK_SECRET_ENV[tracker])
        raise Refusal(503, "no-secret", f"no webhook secret is configured for {tracker.value}: set {names} "
                                        "and restart `weavesync serve`; unsigned deliveries are never accepted")
    return secret.reveal()


def check_content_type(value: str | None) -> None:
    media = (value or "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise Refusal(415, "unsupported-media-type",
                      f"expected Content-Type application/json, got {media or 'none'} "
                      "(configure the webhook to send JSON)")


def check_declared_length(value: str | None, limit: int) -> None:
    """Refuse at once a body whose Content-Length already says it is over the limit."""
    if value is None:
        return
    try:
        size = int(value)
    except ValueError:
        raise Refusal(400, "malformed", "Content-Length is not a number") from None
    if size > limit:
        raise Refusal(413, "too-large", f"the delivery is {size} bytes, the limit is {limit}")


async def read_limited(request: Request, limit: int, timeout: float = DEFAULT_READ_TIMEOUT) -> bytes:
    """The raw body, refused with 413 as soon as it exceeds `limit` bytes (chunked bodies declare no length), and
    with 408 when no piece of it arrives for `timeout` seconds."""
    body = bytearray()
    while True:
        try:
            message = await asyncio.wait_for(request.receive(), timeout)
        except TimeoutError:
            raise Refusal(408, "body-timeout", f"the body stalled for {timeout:g} s", close=True) from None
        if message["type"] == "http.disconnect":
            raise Refusal(400, "disconnected", "the client went away before the body ended", close=True)
        body += message.get("body", b"")
        if len(body) > limit:
            raise Refusal(413, "too-large", f"the delivery exceeds the limit of {limit} bytes", close=True)
        if not message.get("more_body", False):
            return bytes(body)


def parse_json(body: bytes) -> dict[str, Any]:
    if too_deep(body):
        raise Refusal(400, "malformed", f"the body nests deeper than {MAX_DEPTH} levels")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Refusal(400, "malformed", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Refusal(400, "malformed", "the body is not a JSON object")
    return data


def delivery_id(tracker: Tracker, headers: Mapping[str, str], payload: Mapping[str, Any]) -> str:
    header = DELIVERY_ID_HEADERS.get(tracker)
    if header is not None:
        found: object = headers.get(header)
        where = f"the {header} header"
    else:
        found = payload.get("id")
        where = "the payload's id"
    if not isinstance(found, str) or not found.strip():
        raise Refusal(400, "malformed", f"no delivery id: {where} is missing")
    value = found.strip()
    if len(value) > MAX_DELIVERY_ID or not value.isprintable():
        raise Refusal(400, "malformed", f"the delivery id in {where} is not a plain id")
    return value


async def receive(request: Request, tracker: Tracker, ctx: ReceiverContext) -> Response:
    """Check, verify and durably record one delivery; 2xx only once it is stored (see the module docstring)."""
    session = ctx.session
    try:
        secret = secret_for(session, tracker)
        check_declared_length(request.headers.get("content-length"), ctx.max_body)
        check_content_type(request.headers.get("content-type"))
        body = await read_limited(request, ctx.max_body, ctx.read_timeout)
        try:
            session.kind(tracker).verify_webhook(request.headers, body, secret)
        except AuthFailed:
            raise Refusal(401, "forged", "the delivery's signature or credentials do not verify") from None
        payload = parse_json(body)
        delivery = delivery_id(tracker, request.headers, payload)
    except Refusal as refusal:
        LOG.warning("refused a %s delivery: %s (%s)", tracker.value, refusal.reason, refusal.status)
        return refusal.response()
    headers = dict(request.headers.items())
    try:
        fresh: bool = await run_in_threadpool(
            session.store.record_delivery, tracker=tracker.value, delivery_id=delivery, headers=headers,
            body=body, now=session.now())
    except StoreError as exc:
        LOG.error("could not record a %s delivery: %s", tracker.value, exc)
        return Refusal(503, "store-unavailable", "the delivery could not be recorded; try again").response()
    except Exception:
        LOG.exception("could not record a %s delivery", tracker.value)
        return Refusal(500, "internal-error", "the delivery could not be recorded; try again").response()
    if not fresh:
        return JSONResponse({"status": "duplicate", "delivery": delivery}, status_code=200)
    ctx.on_recorded(tracker.value)
    return JSONResponse({"status": "accepted", "delivery": delivery}, status_code=202)


def endpoint(tracker: Tracker, context: Callable[[Request], ReceiverContext]
             ) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        return await receive(request, tracker, context(request))

    handle.__name__ = f"receive_{tracker.value}"
    return handle
