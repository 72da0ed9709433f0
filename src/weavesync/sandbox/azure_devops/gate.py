"""What every Azure DevOps request passes before a route sees it: path case, authentication, throttling.

- Paths: the service matches ``_apis/wit/workItems`` case-insensitively (the SDK sends ``workItems``, docs
  ``workitems``); routes are declared in lower case and the part after ``/_apis/`` is folded here.
- Auth: Basic with the PAT as the password (any user name). A missing or unknown PAT gets 401 with the
  service's JSON body (clients that send ``X-TFS-FedAuthRedirect: Suppress`` get that rather than a sign-in page).
- Throttling: `RateLimiter` decides; its headers go on every response, delayed requests wait, blocked ones 429.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from weavesync.sandbox.auth import basic_credentials
from weavesync.sandbox.azure_devops.errors import AdoError
from weavesync.sandbox.azure_devops.model import Identity
from weavesync.sandbox.azure_devops.ratelimit import RateLimiter


def identity_for(login: str, display_name: str) -> Identity:
    return Identity(id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"ado-sandbox/user/{login}")), display_name=display_name,
                    unique_name=f"{login}@acme.example")


def _fold(path: str) -> str:
    head, sep, tail = path.partition("/_apis/")
    return head + sep + tail.lower() if sep else path


def _pat(headers: Mapping[bytes, bytes]) -> str | None:
    raw = headers.get(b"authorization")
    credentials = basic_credentials(raw.decode("latin-1") if raw is not None else None)
    if credentials is None or not credentials[1]:
        return None
    return credentials[1]


UNAUTHORIZED = AdoError(401, "TF400813: The user '' is not authorized to access this resource.",
                        "UnauthorizedRequestException",
                        headers={"WWW-Authenticate": 'Basic realm="https://dev.azure.com/"',
                                 "X-TFS-ProcessId": "00000000-0000-0000-0000-000000000000"})


class Gate:
    def __init__(self, app: ASGIApp, users: Mapping[str, Identity], limiter: RateLimiter) -> None:
        self.app = app
        self.users = users
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # `scope` is changed in place: the harness reads the matched route back from the same dict.
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        folded = _fold(scope["path"])
        if folded != scope["path"]:
            scope["path"] = folded
            scope["raw_path"] = folded.encode()
        headers = dict(scope["headers"])
        pat = _pat(headers)
        user = self.users.get(pat) if pat is not None else None
        if user is None:
            await UNAUTHORIZED.response()(scope, receive, send)
            return
        scope.setdefault("state", {})["ado_user"] = user
        verdict = self.limiter.check(user.id)
        if verdict.blocked:
            error = AdoError(429, "TF400733: The request has been canceled: Request was blocked due to exceeding "
                             f"usage of resource '{verdict.headers.get('X-RateLimit-Resource')}' in namespace "
                             "'User'.", "RequestBlockedException", headers=verdict.headers)
            await error.response()(scope, receive, send)
            return
        if verdict.delay:
            await asyncio.sleep(verdict.delay)
        extra = [(k.lower().encode(), v.encode()) for k, v in verdict.headers.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and extra:
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
