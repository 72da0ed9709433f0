"""Serving the receiver with uvicorn: `serve` blocks (the CLI), `Server` runs in a thread (tests, demos).

uvicorn handles SIGINT/SIGTERM in `serve`: the lifespan then stops the worker after its current pass and
closes the session, so Ctrl-C never leaves a half-recorded delivery (recording is one transaction anyway).

Connections are bounded so that stalled clients cannot starve real deliveries: `read_timeout` for the headers
(`web.connections`) and between pieces of a body (`web.receiver`), `max_connections` (uvicorn's
``limit_concurrency``: 503 beyond), `keep_alive` for idle connections between requests, and repeated log lines
are rate-limited (`web.logs`).
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import Any

import uvicorn

from weavesync.executor import SyncSession
from weavesync.web.app import create_app
from weavesync.web.connections import with_header_timeout
from weavesync.web.logs import limit_repeats
from weavesync.web.receiver import DEFAULT_READ_TIMEOUT

DEFAULT_MAX_CONNECTIONS = 500
"""Concurrent connections before uvicorn answers 503: far above what three trackers send, and under the common
1,024 file-descriptor limit so the process still has descriptors for its database and tracker calls."""
DEFAULT_KEEP_ALIVE = 5
"""Seconds an idle connection is kept between two requests (uvicorn's default, stated so `serve` can change it)."""


def _config(session: SyncSession, host: str, port: int, log_level: str, *,
            read_timeout: float = DEFAULT_READ_TIMEOUT, max_connections: int = DEFAULT_MAX_CONNECTIONS,
            keep_alive: int = DEFAULT_KEEP_ALIVE, **app_options: Any) -> uvicorn.Config:
    if max_connections <= 0 or keep_alive <= 0:
        raise ValueError("max_connections and keep_alive must be positive")
    app = create_app(lambda: session, close_session=False, read_timeout=read_timeout, **app_options)
    limit_repeats()
    return uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on", access_log=False,
                          timeout_graceful_shutdown=5, http=with_header_timeout(read_timeout),
                          limit_concurrency=max_connections, timeout_keep_alive=keep_alive)


def serve(session: SyncSession, host: str = "127.0.0.1", port: int = 8787, *, log_level: str = "info",
          **options: Any) -> None:
    """Serve the receiver until interrupted. `options`: `read_timeout`, `max_connections`, `keep_alive` (see the
    module docstring), the rest go to `create_app` (max_body, poll_interval, ...).

    The session stays open afterwards: the caller opened it and closes it.
    """
    uvicorn.Server(_config(session, host, port, log_level, **options)).run()


class Server:
    """The receiver on a background thread; `url` is known once `start()` returns (port 0 picks a free one)."""

    def __init__(self, session: SyncSession, host: str = "127.0.0.1", port: int = 0, *,
                 log_level: str = "warning", **app_options: Any) -> None:
        self.host = host
        self._server = uvicorn.Server(_config(session, host, port, log_level, **app_options))
        self._thread: threading.Thread | None = None
        self.url = ""

    @property
    def app(self) -> Any:
        return self._server.config.app

    def start(self, timeout: float = 10.0) -> Server:
        failure: list[BaseException] = []

        def run() -> None:
            try:
                asyncio.run(self._server.serve())
            except BaseException as exc:  # reported by start()
                failure.append(exc)

        self._thread = threading.Thread(target=run, name="weavesync-serve", daemon=True)
        self._thread.start()
        deadline = threading.Event()
        waited = 0.0
        while not self._server.started and not failure and self._thread.is_alive() and waited < timeout:
            deadline.wait(0.01)
            waited += 0.01
        if not self._server.started:
            self.stop()
            raise RuntimeError(f"the webhook receiver did not start: {failure[0] if failure else 'timeout'}")
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://{self.host}:{port}"
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
