"""What every sandbox Jira endpoint shares: the error shape, Basic email:token auth and the burst rate limit.

Jira answers failures with an `ErrorCollection` (``{"errorMessages": [...], "errors": {field: message}}``); a
bad or missing credential gets 401 with a plain-text body, as Jira Cloud sends; a burst over the configured
budget gets 429 with ``Retry-After`` (seconds), ``X-RateLimit-Reset`` (ISO 8601, minute precision) and
``RateLimit-Reason: jira-burst-based``.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from weavesync.sandbox.auth import basic_credentials
from weavesync.sandbox.jira.model import User
from weavesync.sandbox.server import SandboxContext

JSON = "application/json;charset=UTF-8"


class JiraFault(Exception):
    """An error answer in Jira's shape; raised anywhere inside a handler."""

    def __init__(self, status: int, messages: list[str] | None = None, errors: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {messages} {errors}")
        self.status = status
        self.messages = messages or []
        self.errors = errors or {}
        self.headers = headers or {}


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload, separators=(",", ":")), status_code=status, media_type=JSON,
                    headers=headers)


def fault_response(fault: JiraFault) -> Response:
    return json_response({"errorMessages": fault.messages, "errors": fault.errors}, fault.status, fault.headers)


def fault_body(status: int) -> tuple[dict[str, str], bytes]:
    """Headers and body for faults the harness injects (5xx, 429) in Jira's shape."""
    headers = {"content-type": JSON}
    if status == 429:
        headers |= {"retry-after": "1", "ratelimit-reason": "jira-burst-based"}
        message = "Rate limit exceeded."
    elif status >= 500:
        message = "Internal server error."
    else:
        message = "Request failed."
    return headers, json.dumps({"errorMessages": [message], "errors": {}}).encode()


def unauthorized() -> Response:
    return Response("Client must be authenticated to access this resource.", status_code=401,
                    media_type="text/plain;charset=UTF-8")


def authenticate(request: Request, users_by_email: dict[str, tuple[str, User]]) -> User | None:
    """The user behind a Basic ``email:api_token`` header, or None."""
    credentials = basic_credentials(request.headers.get("authorization"))
    if credentials is None:
        return None
    email, token = credentials
    found = users_by_email.get(email.lower())
    if found is None or found[0] != token:
        return None
    return found[1]


@dataclass
class RateLimit:
    """A fixed-window burst budget per user (None = unlimited). Tuned at run time via ``/_sandbox/ratelimit``."""

    limit: int | None = None
    window_seconds: float = 1.0
    used: dict[tuple[str, int], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def configure(self, data: dict[str, Any]) -> dict[str, Any]:
        unknown = set(data) - {"limit", "window_seconds"}
        if unknown:
            raise ValueError(f"unknown ratelimit keys: {', '.join(sorted(unknown))}")
        with self._lock:
            if "limit" in data:
                self.limit = None if data["limit"] is None else int(data["limit"])
            if "window_seconds" in data:
                self.window_seconds = max(0.001, float(data["window_seconds"]))
            self.used.clear()
        return {"limit": self.limit, "window_seconds": self.window_seconds}

    def check(self, user: User, now: datetime) -> dict[str, str]:
        """Headers for this response; raises a 429 `JiraFault` when the budget of the window is spent."""
        if self.limit is None:
            return {}
        stamp = now.timestamp()
        window = int(stamp // self.window_seconds)
        with self._lock:
            count = self.used.get((user.login, window), 0) + 1
            self.used = {k: v for k, v in self.used.items() if k[1] >= window}
            self.used[(user.login, window)] = count
        ends = (window + 1) * self.window_seconds
        remaining = max(0, self.limit - count)
        headers = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(remaining)}
        if remaining < self.limit * 0.2:
            headers["X-RateLimit-NearLimit"] = "true"
        if count <= self.limit:
            return headers
        retry_after = max(1, math.ceil(ends - stamp))
        reset = (now + timedelta(seconds=retry_after)).strftime("%Y-%m-%dT%H:%MZ")
        headers |= {"Retry-After": str(retry_after), "X-RateLimit-Reset": reset,
                    "RateLimit-Reason": "jira-burst-based", "X-RateLimit-Remaining": "0"}
        raise JiraFault(429, ["Rate limit exceeded."], headers=headers)


Handler = Callable[[Request, User], Awaitable[Response]]


class Guard:
    """Wraps handlers with auth, the rate limit and `JiraFault` conversion."""

    def __init__(self, ctx: SandboxContext, users: dict[str, User], rate: RateLimit) -> None:
        self.ctx = ctx
        self.rate = rate
        self.by_email = {(acc.email or "").lower(): (acc.secret, users[login])
                         for login, acc in ctx.accounts.items()}

    def __call__(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            user = authenticate(request, self.by_email)
            if user is None:
                return unauthorized()
            try:
                headers = self.rate.check(user, self.ctx.now())
                response = await handler(request, user)
            except JiraFault as fault:
                return fault_response(fault)
            for key, value in headers.items():
                response.headers[key] = value
            return response

        return endpoint


async def read_json(request: Request) -> Any:
    body = await request.body()
    if not body:
        raise JiraFault(400, ["No content to map due to end-of-input"])
    try:
        return json.loads(body)
    except ValueError as exc:
        raise JiraFault(400, ["Unexpected character in the request body (invalid JSON)."]) from exc
