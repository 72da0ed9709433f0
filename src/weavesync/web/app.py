"""`create_app`: the webhook receiver as a Starlette app, with its background worker in the lifespan.

Routes: ``POST /webhooks/github``, ``/webhooks/jira``, ``/webhooks/ado`` (see `web.receiver` for what each
answers), ``GET /healthz`` and ``GET /metrics`` (see `web.health`). The session is opened when the app starts
(`session_factory`) and shared by the endpoints (which only record deliveries) and the worker thread (which
reconciles); it is closed when the app stops unless `close_session` is False.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from weavesync.engine import Policy
from weavesync.executor import SyncSession
from weavesync.executor.inbound import SET_ASIDE, DeliveryOutcome, PollOutcome
from weavesync.model import Tracker
from weavesync.web.health import ProcessCounters, health, metrics
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
            counters = ProcessCounters()

            def delivered(outcome: DeliveryOutcome) -> None:
                counters.count("set_aside" if outcome.outcome in SET_ASIDE else "processed", outcome.tracker)
                if on_delivery is not None:
                    on_delivery(outcome)

            def recorded(tracker: str) -> None:
                counters.count("received", tracker)
                if worker is not None:
                    worker.wake()

            if process:
                worker = InboundWorker(session, policy or session.policy(interactive=False),
                                       poll_interval=poll_interval, on_delivery=delivered, on_poll=on_poll)
                worker.start()
            ctx.on_recorded = recorded
            app.state.weavesync = ctx
            app.state.worker = worker
            app.state.counters = counters
            yield
        finally:
            if worker is not None:
                worker.stop()
            if close_session:
                session.close()

    def context(request: Request) -> ReceiverContext:
        found: ReceiverContext = request.app.state.weavesync
        return found

    def worker_state(request: Request) -> tuple[str | None, bool | None]:
        worker: InboundWorker | None = request.app.state.worker
        return (None, None) if worker is None else (worker.session.worker, worker.alive)

    async def healthz(request: Request) -> Response:
        session = context(request).session
        name, alive = worker_state(request)
        found = await run_in_threadpool(health, session.store, worker=name, worker_alive=alive, now=session.now())
        return JSONResponse(found.body, status_code=200 if found.healthy else 503)

    async def metrics_endpoint(request: Request) -> Response:
        session = context(request).session
        text = await run_in_threadpool(metrics, session.store, request.app.state.counters,
                                       worker_alive=worker_state(request)[1], now=session.now())
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")

    routes = [Route(path, endpoint(tracker, context), methods=["POST"]) for tracker, path in ROUTES.items()]
    routes.append(Route("/healthz", healthz, methods=["GET"]))
    routes.append(Route("/metrics", metrics_endpoint, methods=["GET"]))
    return Starlette(routes=routes, lifespan=lifespan)
