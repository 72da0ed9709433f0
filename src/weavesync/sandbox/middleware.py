"""The ASGI layer every sandbox server shares: control API, latency, injected faults, request counting.

It wraps a tracker app without the app knowing: the tracker code stays a faithful model of its API, and the
ways the network and the service fail live here, in one place.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from weavesync.sandbox.controls import Controls, ScriptedFault

CONTROL_PREFIX = "/_sandbox/"

FaultBody = Callable[[int], tuple[dict[str, str], bytes]]
"""Given a status code, the headers and body the real service sends with it (each tracker has its own shape)."""


class _ResponseDropped(Exception):
    """Raised after the response has started, so the server closes the connection mid-response."""


class _QuietInjectedFaults(logging.Filter):
    """uvicorn logs every exception from an app; the injected ones are not news."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], _ResponseDropped))


logging.getLogger("uvicorn.error").addFilter(_QuietInjectedFaults())


def _json(status: int, payload: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps(payload).encode()
    return status, [(b"content-type", b"application/json")], body


class SandboxMiddleware:
    def __init__(self, app: ASGIApp, controls: Controls, fault_body: FaultBody,
                 extra_control: Callable[[str, str, Any], Any] | None = None) -> None:
        self.app = app
        self.controls = controls
        self.fault_body = fault_body
        self.extra_control = extra_control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        if path.startswith(CONTROL_PREFIX):
            await self._control(scope, receive, send)
            return
        if self.controls.latency_ms:
            await asyncio.sleep(self.controls.latency_ms / 1000)
        fault = self.controls.pick_fault(method, path)
        if fault is None:
            await self.app(scope, receive, send)
            route = scope.get("route")
            template = getattr(route, "path", None) or "(unmatched)"
            self.controls.count(f"{method} {template}")
            return
        self.controls.count(f"FAULT {fault.kind}")
        await self._fault(fault, scope, receive, send)

    async def _fault(self, fault: ScriptedFault, scope: Scope, receive: Receive, send: Send) -> None:
        kind = fault.kind
        if kind == "timeout":
            await asyncio.sleep(self.controls.timeout_seconds)
            kind = "503"
        if kind == "reset":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise _ResponseDropped("sandbox: connection reset (injected)")
        if kind == "lost":
            async def swallow(message: Message) -> None:
                return None

            await self.app(scope, receive, swallow)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise _ResponseDropped("sandbox: response lost after the change was applied (injected)")
        status = fault.status or int(kind)
        headers, body = self.fault_body(status)
        merged = {k.lower(): v for k, v in headers.items()}
        merged.update({k.lower(): v for k, v in fault.headers.items()})
        headers = merged
        if fault.body is not None:
            body = fault.body if isinstance(fault.body, bytes) else json.dumps(fault.body).encode()
        raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        raw_headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        name = scope["path"][len(CONTROL_PREFIX):].strip("/")
        method = scope["method"]
        try:
            data = json.loads(body) if body else {}
            status, headers, out = await asyncio.to_thread(self._handle_control, method, name, data)
        except (ValueError, TypeError, KeyError) as exc:
            status, headers, out = _json(400, {"error": str(exc)})
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": out})

    def _handle_control(self, method: str, name: str, data: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        if name == "stats" and method == "GET":
            return _json(200, self.controls.snapshot())
        if name == "stats/reset" and method == "POST":
            self.controls.reset_counters()
            return _json(200, {"ok": True})
        if name == "faults" and method == "GET":
            return _json(200, self.controls.snapshot())
        if name == "faults" and method in ("POST", "PATCH"):
            self.controls.update(data)
            return _json(200, self.controls.snapshot())
        if name == "script" and method == "POST":
            faults = data if isinstance(data, list) else [data]
            for item in faults:
                self.controls.script(ScriptedFault(**item))
            return _json(200, {"scripted": len(self.controls.scripted)})
        if name == "script" and method == "DELETE":
            self.controls.scripted.clear()
            return _json(200, {"scripted": 0})
        if self.extra_control is not None:
            result = self.extra_control(method, name, data)
            if result is not None:
                return _json(200, result)
        return _json(404, {"error": f"no sandbox control {method} /_sandbox/{name}"})
