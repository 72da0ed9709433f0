"""The receiver's background thread: process recorded deliveries, and poll the trackers as a fallback.

The receiver answers as soon as a delivery is stored; this thread does the slow part (reading the items,
deciding, writing) one pass at a time, so two deliveries never reconcile concurrently in one process. It starts
by processing whatever was recorded but not processed before a crash, and by one poll, which catches up with
deliveries that were sent while nothing listened. Afterwards it polls every `poll_interval` seconds (0: never)
and carries out outbox entries whose retry time has come.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from weavesync.engine import Policy
from weavesync.executor import SyncSession, drain
from weavesync.executor.inbound import DeliveryOutcome, PollOutcome, poll_trackers, process_deliveries
from weavesync.store.workers import HEARTBEAT_SECONDS

LOG = logging.getLogger("weavesync.web")

IDLE_PASS = 5.0
"""Seconds between passes when nothing wakes the worker, so that deliveries another worker on the same store left
behind (it died; its lease ended) are taken over without waiting for a new delivery or poll."""

ERROR_PAUSE = 1.0
"""Seconds to wait after an unexpected failure before trying again (the store may be briefly locked)."""


class InboundWorker:
    """A daemon thread around `executor.inbound`. `wake()` after recording; `stop()` to end it."""

    def __init__(self, session: SyncSession, policy: Policy, *, poll_interval: float | None = None,
                 on_delivery: Callable[[DeliveryOutcome], None] | None = None,
                 on_poll: Callable[[PollOutcome], None] | None = None) -> None:
        self.session = session
        self.policy = policy
        self.poll_interval = session.config.poll_interval if poll_interval is None else poll_interval
        self.on_delivery = on_delivery
        self.on_poll = on_poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._state = threading.Condition()
        self._requested = 1  # the startup pass counts as one request
        self._done = 0
        self._thread = threading.Thread(target=self._run, name="weavesync-inbound", daemon=True)
        self._heart = threading.Thread(target=self._heartbeats, name="weavesync-heartbeat", daemon=True)

    def start(self) -> None:
        self._beat()
        self._thread.start()
        self._heart.start()

    def wake(self) -> None:
        with self._state:
            self._requested += 1
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._heart.is_alive():
            self._heart.join(timeout)
        self._guard("removing this worker's heartbeat", lambda: self.session.store.forget_worker(self.session.worker))

    def _beat(self) -> bool:
        return self._guard("recording this worker's heartbeat", lambda: self.session.store.worker_beat(
            self.session.worker, role="serve", now=self.session.now()))

    def _heartbeats(self) -> None:
        """Every `HEARTBEAT_SECONDS` while the worker thread runs: this worker is alive (`/healthz`, `doctor`)."""
        while not self._stop.wait(HEARTBEAT_SECONDS) and self._thread.is_alive():
            self._beat()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every delivery recorded before this call has been processed; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._state:
            wanted = self._requested
            while self._done < wanted:
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return False
                self._state.wait(left)
        return True

    def _run(self) -> None:
        polling = self.poll_interval > 0
        next_poll = time.monotonic()
        while not self._stop.is_set():
            with self._state:
                taken = self._requested
            self._wake.clear()
            due = polling and time.monotonic() >= next_poll
            ok = self._step(poll=due)
            if due:
                next_poll = time.monotonic() + self.poll_interval
            with self._state:
                self._done = max(self._done, taken)
                self._state.notify_all()
            if not ok:
                self._stop.wait(ERROR_PAUSE)
            wait = max(0.0, next_poll - time.monotonic()) if polling else IDLE_PASS
            self._wake.wait(min(wait, IDLE_PASS))

    @property
    def alive(self) -> bool:
        """True while the thread runs (it stops only when asked to)."""
        return self._thread.is_alive()

    def _step(self, *, poll: bool) -> bool:
        """One pass; False when a part failed. Deliveries, polling and the outbox drain are guarded apart, so a
        failure in one (the store briefly locked, a bug) never stops the others."""
        ok = self._guard("processing deliveries", self._deliveries)
        if poll:
            ok = self._guard("polling the trackers", self._poll) and ok
            ok = self._guard("retrying due writes", lambda: drain(self.session, trigger="retry")) and ok
        return ok

    def _deliveries(self) -> None:
        for outcome in process_deliveries(self.session, self.policy):
            if self.on_delivery is not None:
                self.on_delivery(outcome)

    def _poll(self) -> None:
        for polled in poll_trackers(self.session, self.policy, trigger="poll"):
            if self.on_poll is not None:
                self.on_poll(polled)

    @staticmethod
    def _guard(what: str, step: Callable[[], object]) -> bool:
        try:
            step()
        except Exception:  # the thread must survive anything; what failed is tried again on the next pass
            LOG.exception("%s failed", what)
            return False
        return True
