"""A worker keeps its claim on a delivery for as long as it processes it (the lease is renewed from a thread of its
own), so a second worker on the same store never takes over a delivery that is only slow (fake tracker kinds)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from weavesync.executor import SyncSession, inbound
from weavesync.executor.inbound import DeliveryOutcome, process_deliveries
from weavesync.model import Tracker
from weavesync.store import DeliveryRecord

from .fakes import ITEM, FakeKind

LEASE = 0.6


def test_a_slow_delivery_keeps_its_claim_and_is_processed_once(open_session: Callable[[], SyncSession],
                                                               kinds: dict[Tracker, FakeKind],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbound, "LEASE_SECONDS", LEASE)
    slow, other = open_session(), open_session()
    assert slow.worker != other.worker
    slow.store.record_delivery(tracker="github", delivery_id="slow", headers={},
                               body=json.dumps({"item": ITEM}).encode(), now=datetime.now(UTC))
    started = threading.Event()

    def takes_its_time(session: SyncSession, policy: object, record: DeliveryRecord) -> DeliveryOutcome:
        started.set()
        time.sleep(LEASE * 4)  # four leases: without renewals the claim would have run out three times
        return DeliveryOutcome(record.id, record.tracker, record.delivery_id, "ok")

    monkeypatch.setattr(inbound, "process_delivery", takes_its_time)
    done: list[DeliveryOutcome] = []
    worker = threading.Thread(target=lambda: done.extend(process_deliveries(slow, slow.policy(interactive=False))))
    worker.start()
    assert started.wait(10)
    taken: list[DeliveryRecord] = []
    while worker.is_alive():
        taken += other.store.claim_deliveries(datetime.now(UTC), worker=other.worker, lease_seconds=LEASE)
        time.sleep(LEASE / 4)
    worker.join()
    assert taken == [], "another worker took over a delivery that was still being processed"
    assert [(o.delivery_id, o.outcome) for o in done] == [("slow", "ok")]
    assert slow.store.set_aside_deliveries() == [] and slow.store.unprocessed_deliveries() == []
