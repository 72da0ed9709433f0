"""Run the three sandbox servers on loopback, in a background thread, and tell clients where they are.

`Sandbox` is the Python API that tests, benchmarks and `weavesync demo` use; `weavesync sandbox` wraps it for a
terminal. Each tracker package under `weavesync.sandbox` exposes ``create_app(ctx) -> TrackerApp``; this module
wraps every app in the shared `SandboxMiddleware` and serves it with uvicorn on its own port (0 = any free port).
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from weavesync.sandbox.controls import Controls
from weavesync.sandbox.middleware import FaultBody, SandboxMiddleware
from weavesync.sandbox.webhooks import WebhookDispatcher

TRACKERS = ("github", "jira", "ado")
_MODULES = {"github": "weavesync.sandbox.github", "jira": "weavesync.sandbox.jira",
            "ado": "weavesync.sandbox.azure_devops"}


@dataclass(frozen=True)
class Account:
    """A user of a sandbox tracker. `secret` is the token / PAT; `email` is Jira's basic-auth user."""

    login: str
    display_name: str
    secret: str
    email: str | None = None


BOT = "weavesync-bot"
PERSON = "alice"
ACCOUNTS: Mapping[str, Mapping[str, Account]] = {
    "github": {
        BOT: Account(BOT, "weavesync bot", "ghp_sandboxWeavesyncBot000000000000000001"),
        PERSON: Account(PERSON, "Alice Example", "ghp_sandboxAlice00000000000000000000000002"),
    },
    "jira": {
        BOT: Account(BOT, "weavesync bot", "ATATT3xSandboxBotToken0001", email="weavesync-bot@acme.example"),
        PERSON: Account(PERSON, "Alice Example", "ATATT3xSandboxAliceToken0002", email="alice@acme.example"),
    },
    "ado": {
        BOT: Account(BOT, "weavesync bot", "sandboxadopatbot0000000000000000000000000000000001"),
        PERSON: Account(PERSON, "Alice Example", "sandboxadopatalice00000000000000000000000000000002"),
    },
}


class SandboxClock:
    """The sandbox's notion of now: real UTC time plus an offset tests can advance (``/_sandbox/clock``)."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()


@dataclass
class SandboxContext:
    """What a tracker app gets from the harness: its knobs, the webhook dispatcher, the clock and the seed."""

    tracker: str
    controls: Controls
    webhooks: WebhookDispatcher
    clock: SandboxClock
    seed: str = "default"
    accounts: Mapping[str, Account] = field(default_factory=dict)
    base_url: str = ""
    """Set once the server is listening, e.g. ``http://127.0.0.1:40123``."""

    def now(self) -> datetime:
        return self.clock.now()


@dataclass
class TrackerApp:
    """A tracker's sandbox: its ASGI app, how it words a fault, and any extra control endpoints of its own."""

    app: ASGIApp
    fault_body: FaultBody
    control: Callable[[str, str, Any], Any] | None = None
    state: Any = None
    """The in-memory model, for tests that need to look inside (never used by weavesync itself)."""


class Sandbox:
    """The three servers. Use as a context manager, or call `start()` and `stop()`."""

    def __init__(self, *, host: str = "127.0.0.1", ports: Mapping[str, int] | None = None, latency_ms: int = 0,
                 fault_rate: float = 0.0, seed: str = "default", trackers: tuple[str, ...] = TRACKERS,
                 log_level: str = "warning") -> None:
        if seed not in ("default", "empty"):
            raise ValueError(f"unknown seed {seed!r}: use 'default' or 'empty'")
        self.host = host
        self.clock = SandboxClock()
        self.contexts: dict[str, SandboxContext] = {}
        self.apps: dict[str, TrackerApp] = {}
        self._ports = dict(ports or {})
        self._servers: dict[str, uvicorn.Server] = {}
        self._log_level = log_level
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.urls: dict[str, str] = {}
        for name in trackers:
            controls = Controls(latency_ms=latency_ms, fault_rate=fault_rate)
            ctx = SandboxContext(tracker=name, controls=controls, webhooks=WebhookDispatcher(controls),
                                 clock=self.clock, seed=seed, accounts=ACCOUNTS[name])
            module = importlib.import_module(_MODULES[name])
            tracker_app: TrackerApp = module.create_app(ctx)
            self.contexts[name] = ctx
            self.apps[name] = tracker_app

    def _control(self, name: str) -> Callable[[str, str, Any], Any]:
        extra = self.apps[name].control

        def handle(method: str, path: str, data: Any) -> Any:
            if path == "clock" and method == "POST":
                return {"now": self.clock.advance(float(data.get("advance_seconds", 0))).isoformat()}
            if path == "webhooks/flush" and method == "POST":
                return {"drained": self.contexts[name].webhooks.flush(float(data.get("timeout", 10)))}
            if path == "webhooks/history" and method == "GET":
                return [{"url": d.url, "status": d.status, "attempts": d.attempts, "dropped": d.dropped,
                         "duplicated": d.duplicated, "error": d.error}
                        for d in self.contexts[name].webhooks.history]
            return extra(method, path, data) if extra is not None else None

        return handle

    def start(self, timeout: float = 15.0) -> Sandbox:
        started = threading.Event()
        failure: list[BaseException] = []

        async def serve_all() -> None:
            for name, tracker_app in self.apps.items():
                app = SandboxMiddleware(tracker_app.app, self.contexts[name].controls, tracker_app.fault_body,
                                        self._control(name))
                config = uvicorn.Config(app, host=self.host, port=self._ports.get(name, 0),
                                        log_level=self._log_level, access_log=False, lifespan="off",
                                        timeout_graceful_shutdown=1)
                server = uvicorn.Server(config)
                self._servers[name] = server
            tasks = [asyncio.create_task(s.serve()) for s in self._servers.values()]
            while not all(s.started for s in self._servers.values()):
                if any(t.done() for t in tasks):
                    break
                await asyncio.sleep(0.01)
            for name, server in self._servers.items():
                if server.started:
                    port = server.servers[0].sockets[0].getsockname()[1]
                    self.urls[name] = f"http://{self.host}:{port}"
                    self.contexts[name].base_url = self.urls[name]
            started.set()
            await asyncio.gather(*tasks, return_exceptions=True)

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(serve_all())
            except BaseException as exc:  # pragma: no cover - reported to the caller below
                failure.append(exc)
                started.set()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="weavesync-sandbox", daemon=True)
        self._thread.start()
        if not started.wait(timeout) or failure or len(self.urls) != len(self.apps):
            self.stop()
            missing = sorted(set(self.apps) - set(self.urls))
            raise RuntimeError(f"sandbox failed to start {', '.join(missing) or ''}: "
                               f"{failure[0] if failure else 'port in use or timeout'}")
        return self

    def stop(self) -> None:
        for server in self._servers.values():
            server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        for ctx in self.contexts.values():
            ctx.webhooks.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """The environment a client needs: the bot's credentials, plus a person's for acting by hand."""
        out: dict[str, str] = {}
        if "github" in self.urls:
            gh = ACCOUNTS["github"]
            out |= {"GITHUB_API_URL": self.urls["github"], "GITHUB_TOKEN": gh[BOT].secret,
                    "SANDBOX_PERSON_GITHUB_TOKEN": gh[PERSON].secret}
        if "jira" in self.urls:
            jira = ACCOUNTS["jira"]
            out |= {"JIRA_BASE_URL": self.urls["jira"], "JIRA_EMAIL": jira[BOT].email or "",
                    "JIRA_API_TOKEN": jira[BOT].secret, "SANDBOX_PERSON_JIRA_EMAIL": jira[PERSON].email or "",
                    "SANDBOX_PERSON_JIRA_API_TOKEN": jira[PERSON].secret}
        if "ado" in self.urls:
            ado = ACCOUNTS["ado"]
            out |= {"AZURE_DEVOPS_ORG_URL": f"{self.urls['ado']}/acme", "AZURE_DEVOPS_PAT": ado[BOT].secret,
                    "SANDBOX_PERSON_AZURE_DEVOPS_PAT": ado[PERSON].secret}
        return out

    def write_env_file(self, path: Path) -> None:
        path.write_text("".join(f"{k}={v}\n" for k, v in self.env().items()))
