"""What every GitHub REST endpoint does before and after its own work: API version, auth, rate limits, ETags.

Handlers are plain functions ``(Req) -> Reply`` that raise `ApiError` to refuse; `Api.route` wraps them so the
order of checks is the real service's: unsupported version (400), bad credentials (401), exhausted primary
budget, secondary limits, then the handler; a GET answers 304 to a matching ``If-None-Match`` without
charging the budget. Every response carries ``x-ratelimit-*``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from weavesync.sandbox.github.limits import RateLimits
from weavesync.sandbox.github.model import Store, User
from weavesync.sandbox.server import SandboxContext

DOCS = "https://docs.github.com/rest"
VERSIONS = ("2022-11-28", "2026-03-10")
DEFAULT_VERSION = "2022-11-28"


class ApiError(Exception):
    """A refusal in GitHub's error shape."""

    def __init__(self, status: int, message: str, *, errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None, docs: str = DOCS) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "documentation_url": docs, "status": str(status)}
        if errors is not None:
            self.body["errors"] = errors
        self.headers = headers or {}


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def invalid(resource: str, field_name: str, code: str = "invalid", value: Any = None,
            message: str | None = None) -> ApiError:
    """422 Validation Failed with one error entry, as GitHub words it."""
    error: dict[str, Any] = {"resource": resource, "field": field_name, "code": code}
    if value is not None:
        error["value"] = value
    if message is not None:
        error["message"] = message
    return ApiError(422, "Validation Failed", errors=[error])


def schema_error(detail: str) -> ApiError:
    """422 for a body that fails GitHub's request schema (a wrong type or enum value)."""
    return ApiError(422, f"Invalid request.\n\n{detail}")


@dataclass
class Req:
    request: Request
    user: User | None
    params: dict[str, str]
    body: bytes
    method: str

    @property
    def query(self) -> Any:
        return self.request.query_params

    def json(self) -> Any:
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise ApiError(400, "Problems parsing JSON") from exc

    def login(self) -> str:
        if self.user is None:
            raise ApiError(401, "Requires authentication")
        return self.user.login


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Req], Reply]


def error_response(status: int, body: dict[str, Any], headers: dict[str, str]) -> Response:
    return Response(json.dumps(body), status_code=status, headers=headers,
                    media_type="application/json; charset=utf-8")


def fault_body(status: int) -> tuple[dict[str, str], bytes]:
    """What GitHub sends with an injected fault (the harness adds the status line)."""
    headers = {"content-type": "application/json; charset=utf-8", "x-github-request-id": _request_id()}
    if status in (403, 429):
        headers["retry-after"] = "60"
        message = ("You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
                   "If you reach out to GitHub Support for help, please include the request ID "
                   f"{headers['x-github-request-id']}.")
        body: dict[str, Any] = {"message": message, "documentation_url": f"{DOCS}/overview/rate-limits-for-the-"
                                "rest-api#about-secondary-rate-limits", "status": str(status)}
    elif status == 503:
        body = {"code": "service_unavailable", "message": "Service Unavailable", "documentation_url": DOCS}
    else:
        body = {"message": "Server Error" if status >= 500 else "Error", "documentation_url": DOCS,
                "status": str(status)}
    return headers, json.dumps(body).encode()


def _request_id() -> str:
    return uuid.uuid4().hex[:20].upper()


class Api:
    def __init__(self, ctx: SandboxContext, store: Store, limits: RateLimits) -> None:
        self.ctx = ctx
        self.store = store
        self.limits = limits
        self._tokens = {acc.secret: login for login, acc in ctx.accounts.items()}

    @property
    def base(self) -> str:
        return self.ctx.base_url

    def authenticate(self, request: Request) -> User | None:
        header = request.headers.get("authorization")
        if header is None:
            return None
        scheme, _, token = header.strip().partition(" ")
        login = self._tokens.get(token.strip()) if scheme.lower() in ("bearer", "token") else None
        user = self.store.users.get(login.lower()) if login else None
        if user is None:
            raise ApiError(401, "Bad credentials")
        return user

    def route(self, path: str, handler: Handler, methods: list[str], *, content: bool = False,
              free: bool = False) -> Route:
        """`content`: a 201 creates content (secondary limit); `free`: costs nothing (``/rate_limit``)."""

        async def endpoint(request: Request) -> Response:
            body = await request.body()
            return self._serve(request, body, handler, content=content, free=free)

        return Route(path, endpoint, methods=methods)

    def _serve(self, request: Request, body: bytes, handler: Handler, *, content: bool, free: bool) -> Response:
        method = request.method
        now = self.ctx.now()
        who: str | None = None
        base_headers = {"x-github-request-id": _request_id(), "x-github-media-type": "github.v3; format=json"}
        try:
            version = request.headers.get("x-github-api-version", DEFAULT_VERSION)
            if version not in VERSIONS:
                raise ApiError(400, f"API version {version} is not supported.")
            base_headers["x-github-api-version-selected"] = version
            try:
                user = self.authenticate(request)
            except ApiError as exc:
                return error_response(exc.status, exc.body, base_headers | self.limits.headers(None, now))
            who = user.login if user else None
            if user is not None:
                base_headers["x-oauth-scopes"] = ", ".join(user.scopes)
                base_headers["x-accepted-oauth-scopes"] = "repo"
            if not free:
                verdict = self.limits.check(who, method, content and method == "POST", now)
                if verdict is not None:
                    return self._limited(verdict.primary, verdict.status, who, now,
                                         base_headers | verdict.headers)
            with self.store.lock:
                reply = handler(Req(request, user, dict(request.path_params), body, method))
        except ApiError as exc:
            if not free:
                self.limits.charge(who, method, False, now)
            return error_response(exc.status, exc.body,
                                  base_headers | self.limits.headers(who, now) | exc.headers)
        payload = b"" if reply.body is None else json.dumps(reply.body, separators=(",", ":")).encode()
        headers = base_headers | reply.headers
        if method == "GET" and reply.status == 200:
            etag = 'W/"' + hashlib.sha256(payload + (who or "").encode()).hexdigest()[:40] + '"'
            headers |= {"etag": etag, "cache-control": "private, max-age=60, s-maxage=60",
                        "vary": "Accept, Authorization, Cookie, X-GitHub-OTP"}
            if _etag_matches(request.headers.get("if-none-match"), etag):
                return Response(status_code=304, headers=headers | self.limits.headers(who, now))
        if not free:
            self.limits.charge(who, method, content and reply.status == 201, now)
        headers |= self.limits.headers(who, now)
        if reply.body is None:
            return Response(status_code=reply.status, headers=headers)
        return Response(payload, status_code=reply.status, headers=headers,
                        media_type="application/json; charset=utf-8")

    def _limited(self, primary: bool, status: int, who: str | None, now: Any, headers: dict[str, str]
                 ) -> Response:
        request_id = headers["x-github-request-id"]
        if primary:
            user = self.store.users.get(who.lower()) if who else None
            subject = f"user ID {user.id}" if user else "127.0.0.1"
            message = (f"API rate limit exceeded for {subject}. If you reach out to GitHub Support for help, "
                       f"please include the request ID {request_id} and timestamp {now:%Y-%m-%d %H:%M:%S} UTC.")
            docs = f"{DOCS}/overview/rate-limits-for-the-rest-api"
        else:
            message = ("You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
                       f"If you reach out to GitHub Support for help, please include the request ID {request_id}.")
            docs = f"{DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
        body = {"message": message, "documentation_url": docs, "status": str(status)}
        return error_response(status, body, headers | self.limits.headers(who, now))


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False
