"""Delivering the sandbox's webhooks, at least once, in the background.

Every tracker app hands its deliveries (already signed, in that tracker's shape) to one `WebhookDispatcher`,
which posts them from a worker thread so a request handler never waits on the receiver. The knobs in
`Controls.webhooks` make it duplicate, delay, drop or reorder deliveries, as real senders do; tests call
`flush()` to wait until everything queued has been attempted.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field

import httpx

from weavesync.sandbox.controls import Controls


@dataclass
class Delivery:
    url: str
    headers: dict[str, str]
    body: bytes
    attempts: int = 0
    status: int | None = None
    error: str | None = None
    dropped: bool = False
    duplicated: bool = False
    at: float = field(default_factory=time.time)


class WebhookDispatcher:
    """A worker thread that posts deliveries; `history` keeps every attempt for tests and the control API."""

    def __init__(self, controls: Controls, *, timeout: float = 10.0) -> None:
        self._controls = controls
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._held: list[Delivery] = []
        self._client = httpx.Client(timeout=timeout)
        self._idle = threading.Condition()
        self._pending = 0
        self.history: list[Delivery] = []
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
        self._thread.start()

    def deliver(self, url: str, headers: dict[str, str], body: bytes) -> None:
        knobs = self._controls.webhooks
        delivery = Delivery(url=url, headers=dict(headers), body=body)
        with self._idle:
            self._pending += 1
        if knobs.reorder and not self._held:
            self._held.append(delivery)
            return
        self._queue.put(delivery)
        for held in self._held:
            self._queue.put(held)
        self._held.clear()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery has been attempted; True when the queue drained in time."""
        for held in self._held:
            self._queue.put(held)
        self._held.clear()
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)
        self._client.close()

    def _run(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery is None:
                return
            try:
                self._send(delivery)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _send(self, delivery: Delivery) -> None:
        knobs = self._controls.webhooks
        while knobs.paused:
            time.sleep(0.05)
        if knobs.delay_ms:
            time.sleep(knobs.delay_ms / 1000)
        self.history.append(delivery)
        if self._controls.chance(knobs.drop_rate):
            delivery.dropped = True
            return
        copies = 2 if self._controls.chance(knobs.duplicate_rate) else 1
        delivery.duplicated = copies > 1
        for _ in range(copies):
            delivery.attempts += 1
            try:
                response = self._client.post(delivery.url, headers=delivery.headers, content=delivery.body)
                delivery.status = response.status_code
            except httpx.HTTPError as exc:
                delivery.error = type(exc).__name__
