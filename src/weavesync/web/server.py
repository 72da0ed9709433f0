"""Serving the receiver with uvicorn: `serve` blocks (the CLI), `Server` runs in a thread (tests, demos).

uvicorn handles SIGINT/SIGTERM in `serve`: the lifespan then stops the worker after its current pass and
closes the session, so Ctrl-C never leaves a half-recorded delivery (recording is one transaction anyway).
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import Any

import uvicorn

from weavesync.executor import SyncSession
from weavesync.web.app import create_app


def _config(session: SyncSession, host: str, port: int, log_level: str, **app_options: Any) -> uvicorn.Config:
    app = create_app(lambda: session, close_session=False, **app_options)
    return uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on", access_log=False,
                          timeout_graceful_shutdown=5)


def serve(session: SyncSession, host: str = "127.0.0.1", port: int = 8787, *, log_level: str = "info",
          **app_options: Any) -> None:
    """Serve the receiver until interrupted. `app_options` go to `create_app` (max_body, poll_interval, ...).

    The session stays open afterwards: the caller opened it and closes it.
    """
    uvicorn.Server(_config(session, host, port, log_level, **app_options)).run()


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
