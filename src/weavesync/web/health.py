"""What `serve` says about itself: ``GET /healthz`` (JSON, 200 healthy / 503 not) and ``GET /metrics`` (the
Prometheus text exposition format).

Both read the shared store (`Store.figures`), so every `serve` behind one reverse proxy reports the same queues;
the counters (deliveries received, processed, set aside) are this process's own since it started, as Prometheus
expects of counters.

Unhealthy (503) means this process cannot do its job, so a reverse proxy or systemd should take it out or restart
it: the store cannot be read, its worker thread has stopped, or a delivery has waited longer than
`MAX_DELIVERY_WAIT` seconds (nobody processes them). Dead outbox entries, pending decisions and other workers that
stopped beating are reported in the body as ``warnings`` but keep 200: they need a person, and taking every
receiver out of rotation would not help them.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from weavesync.errors import StoreError
from weavesync.store import Store
from weavesync.store.schema import DELIVERY_STATES, OUTBOX_STATES
from weavesync.store.store import StoreFigures
from weavesync.store.workers import STALE_AFTER

MAX_DELIVERY_WAIT = 300.0
"""Seconds the oldest unprocessed delivery may wait before `/healthz` answers 503."""

WORKER_STALE_AFTER = STALE_AFTER
"""A worker not heard of for this long is reported as stopped."""


@dataclass
class ProcessCounters:
    """This process's counters since it started, per tracker; thread-safe."""

    received: Counter[str] = field(default_factory=Counter)
    processed: Counter[str] = field(default_factory=Counter)
    set_aside: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, which: str, tracker: str) -> None:
        with self._lock:
            getattr(self, which)[tracker] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {name: dict(getattr(self, name)) for name in ("received", "processed", "set_aside")}


@dataclass(frozen=True)
class Health:
    healthy: bool
    body: dict[str, Any]


def health(store: Store, *, worker: str | None, worker_alive: bool | None, now: datetime) -> Health:
    """The `/healthz` answer. `worker` is this process's worker name, `worker_alive` whether its thread runs (None
    when the app records deliveries without processing them)."""
    problems: list[str] = []
    warnings: list[str] = []
    body: dict[str, Any] = {"worker": {"name": worker, "alive": worker_alive}}
    if worker_alive is False:
        problems.append("the worker thread has stopped")
    try:
        figures = store.figures()
    except StoreError as exc:
        body["store"] = {"reachable": False, "where": store.where, "error": exc.message}
        problems.append("the state store cannot be read")
        return _answer(body, problems, warnings)
    body["store"] = {"reachable": True, "where": store.where, "schema_version": store.schema_version}
    wait = None if figures.oldest_unprocessed is None else (now - figures.oldest_unprocessed).total_seconds()
    body["deliveries"] = {"unprocessed": figures.deliveries.get("received", 0),
                          "oldest_unprocessed_seconds": None if wait is None else round(max(wait, 0.0), 1),
                          "set_aside": figures.deliveries.get("poison", 0)}
    if wait is not None and wait > MAX_DELIVERY_WAIT:
        problems.append(f"a delivery has waited {wait:.0f} s to be processed (limit {MAX_DELIVERY_WAIT:.0f} s)")
    body["outbox"] = {state: figures.outbox.get(state, 0) for state in ("pending", "in_flight", "retrying", "dead")}
    if figures.outbox.get("dead"):
        warnings.append(f"{figures.outbox['dead']} dead outbox entries (weavesync outbox; weavesync retry --dead)")
    body["decisions_pending"] = figures.decisions_pending
    body["workers"] = [{"name": w.worker, "role": w.role, "alive": w.alive(now, within=WORKER_STALE_AFTER),
                        "seen_seconds_ago": round((now - w.seen_at).total_seconds(), 1)} for w in figures.workers]
    stopped = [w["name"] for w in body["workers"] if not w["alive"]]
    if stopped:
        warnings.append(f"workers not heard of for {WORKER_STALE_AFTER:.0f} s: {', '.join(stopped)}")
    return _answer(body, problems, warnings)


def _answer(body: dict[str, Any], problems: list[str], warnings: list[str]) -> Health:
    return Health(not problems, {"status": "ok" if not problems else "unhealthy", "problems": problems,
                                 "warnings": warnings, **body})


def metrics(store: Store, counters: ProcessCounters, *, worker_alive: bool | None, now: datetime) -> str:
    """`/metrics` in the Prometheus text exposition format (version 0.0.4)."""
    out: list[str] = []

    def family(name: str, kind: str, text: str, samples: list[tuple[dict[str, str], float]]) -> None:
        out.append(f"# HELP {name} {text}")
        out.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            shown = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            out.append(f"{name}{{{shown}}} {_number(value)}" if shown else f"{name} {_number(value)}")

    seen = counters.snapshot()
    for which, text in (("received", "Webhook deliveries this process recorded."),
                        ("processed", "Deliveries this process processed."),
                        ("set_aside", "Deliveries this process set aside (poison).")):
        family(f"weavesync_deliveries_{which}_total", "counter", text,
               [({"tracker": t}, float(n)) for t, n in sorted(seen[which].items())])
    figures: StoreFigures | None
    try:
        figures = store.figures()
    except StoreError:
        figures = None
    family("weavesync_store_up", "gauge", "1 when the state store can be read.", [({}, 0.0 if figures is None else 1)])
    if worker_alive is not None:
        family("weavesync_worker_up", "gauge", "1 while this process's worker thread runs.",
               [({}, float(worker_alive))])
    if figures is not None:
        family("weavesync_deliveries", "gauge", "Stored deliveries by state (all workers).",
               [({"state": s}, float(figures.deliveries.get(s, 0))) for s in DELIVERY_STATES])
        oldest = 0.0 if figures.oldest_unprocessed is None else (now - figures.oldest_unprocessed).total_seconds()
        family("weavesync_delivery_oldest_unprocessed_seconds", "gauge",
               "Age of the oldest delivery not processed yet (0 when none waits).", [({}, max(oldest, 0.0))])
        family("weavesync_outbox_entries", "gauge", "Outbox entries by state.",
               [({"state": s}, float(figures.outbox.get(s, 0))) for s in OUTBOX_STATES])
        family("weavesync_decisions_pending", "gauge", "Decisions waiting for a person.",
               [({}, float(figures.decisions_pending))])
        family("weavesync_workers_alive", "gauge", "Workers heard of recently on this store.",
               [({}, float(sum(w.alive(now, within=WORKER_STALE_AFTER) for w in figures.workers)))])
    return "\n".join(out) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)
