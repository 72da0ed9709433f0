"""`create_app`: the webhook receiver as a Starlette app, with its background worker in the lifespan.

Routes: ``POST /webhooks/github``, ``/webhooks/jira``, ``/webhooks/ado`` (see `web.receiver` for what each
answers) and ``GET /healthz``. The session is opened when the app starts (`session_factory`) and shared by the
endpoints (which only record deliveries) and the worker thread (which reconciles); it is closed when the app
stops unless `close_session` is False.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from weavesync.engine import Policy
from weavesync.executor import SyncSession
from weavesync.executor.inbound import DeliveryOutcome, PollOutcome
from weavesync.model import Tracker
from weavesync.web.receiver import DEFAULT_MAX_BODY, DEFAULT_READ_TIMEOUT, ReceiverContext, endpoint
from weavesync.web.worker import InboundWorker

LOG = logging.getLogger("weavesync.web")

ROUTES: dict[Tracker, str] = {Tracker.GITHUB: "/webhooks/github", Tracker.JIRA: "/webhooks/jira",
                              Tracker.ADO: "/webhooks/ado"}


def create_app(session_factory: Callable[[], SyncSession], *, policy: Policy | None = None,
               max_body: int = DEFAULT_MAX_BODY, read_timeout: float = DEFAULT_READ_TIMEOUT,
               poll_interval: float | None = None, process: bool = True,
               close_session: bool = True, on_delivery: Callable[[DeliveryOutcome], None] | None = None,
               on_poll: Callable[[PollOutcome], None] | None = None) -> Starlette:
    """The receiver app.

    - `policy`: how inbound changes are decided; default ``session.policy(interactive=False)``: decisions are
      stored as pending (or applied when ``promptUser`` is false), never asked on a terminal.
    - `max_body`: the largest delivery accepted, in bytes (413 beyond).
    - `read_timeout`: seconds a body may stall before the delivery is refused (408) and its connection closed.
    - `poll_interval`: seconds between fallback polls (default: the config's; 0 turns polling off).
    - `process`: False records deliveries without processing them (for tests, or a separate worker process).
    - `on_delivery` / `on_poll`: called from the worker thread with each outcome (for `serve`'s output).
    """
    if max_body <= 0:
        raise ValueError("max_body must be positive")
    if read_timeout <= 0:
        raise ValueError("read_timeout must be positive")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        session = session_factory()
        worker: InboundWorker | None = None
        try:
            missing = [t.value for t in ROUTES if not session.config.webhook_secrets.get(t)]
            if missing:
                LOG.warning("no webhook secret for %s: their deliveries will be refused", ", ".join(missing))
            ctx = ReceiverContext(session=session, max_body=max_body, read_timeout=read_timeout)
            if process:
                worker = InboundWorker(session, policy or session.policy(interactive=False),
                                       poll_interval=poll_interval, on_delivery=on_delivery, on_poll=on_poll)
                ctx.on_recorded = worker.wake
                worker.start()
            app.state.weavesync = ctx
            app.state.worker = worker
            yield
        finally:
            if worker is not None:
                worker.stop()
            if close_session:
                session.close()

    def context(request: Request) -> ReceiverContext:
        found: ReceiverContext = request.app.state.weavesync
        return found

    async def healthz(request: Request) -> Response:
        worker: InboundWorker | None = request.app.state.worker
        body: dict[str, Any] = {"status": "ok", "worker": worker is not None}
        return JSONResponse(body)

    routes = [Route(path, endpoint(tracker, context), methods=["POST"]) for tracker, path in ROUTES.items()]
    routes.append(Route("/healthz", healthz, methods=["GET"]))
    return Starlette(routes=routes, lifespan=lifespan)
