"""Fault knobs and request counters shared by the three sandbox servers.

The sandbox exists to make weavesync fail the way real trackers make it fail, on demand and repeatably. A
`Controls` object belongs to one tracker server; its knobs are set at start (`weavesync sandbox --latency-ms
--fault-rate`) and at run time through the sandbox-only control API under ``/_sandbox/`` (a prefix none of the
real services has). Scripted faults ("the next 2 PATCHes of this path answer 503") make tests deterministic;
the random fault rate drives soak tests and the demo.
"""

from __future__ import annotations

import random
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = ("500", "502", "503", "429", "reset", "timeout", "lost")
"""`reset` closes the connection mid-response; `timeout` answers only after `timeout_seconds`; `lost` applies the
request and then drops the response (the write happened, the client never hears of it)."""


@dataclass
class ScriptedFault:
    """Answer the next `times` requests matching `method` and the `path` regex with a fault."""

    kind: str
    method: str | None = None
    path: str | None = None
    times: int = 1
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return not (self.path and re.search(self.path, path) is None)


@dataclass
class WebhookKnobs:
    """How the sandbox mistreats its own webhook deliveries, as real senders sometimes do."""

    duplicate_rate: float = 0.0
    drop_rate: float = 0.0
    delay_ms: int = 0
    reorder: bool = False
    paused: bool = False


@dataclass
class Controls:
    """The run-time knobs of one sandbox server. Thread-safe: the control API and request handlers share it."""

    latency_ms: int = 0
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = ("503", "reset", "timeout", "lost")
    timeout_seconds: float = 30.0
    seed: int = 0
    webhooks: WebhookKnobs = field(default_factory=WebhookKnobs)
    scripted: list[ScriptedFault] = field(default_factory=list)
    counters: Counter[str] = field(default_factory=Counter)
    faults_injected: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def count(self, key: str) -> None:
        with self._lock:
            self.counters[key] += 1

    def reset_counters(self) -> None:
        with self._lock:
            self.counters.clear()
            self.faults_injected.clear()

    def script(self, fault: ScriptedFault) -> None:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; known: {', '.join(FAULT_KINDS)}")
        with self._lock:
            self.scripted.append(fault)

    def pick_fault(self, method: str, path: str) -> ScriptedFault | None:
        """The fault to inject into this request, if any: scripted faults first, then the random rate."""
        with self._lock:
            for fault in self.scripted:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.scripted.remove(fault)
                    self.faults_injected[fault.kind] += 1
                    return fault
            if self.fault_rate > 0 and self._rng.random() < self.fault_rate:
                kind = self._rng.choice(self.fault_kinds)
                self.faults_injected[kind] += 1
                return ScriptedFault(kind=kind)
        return None

    def chance(self, rate: float) -> bool:
        with self._lock:
            return rate > 0 and self._rng.random() < rate

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "latency_ms": self.latency_ms,
                "fault_rate": self.fault_rate,
                "fault_kinds": list(self.fault_kinds),
                "timeout_seconds": self.timeout_seconds,
                "scripted": [vars(f).copy() for f in self.scripted],
                "webhooks": vars(self.webhooks).copy(),
                "requests": dict(self.counters),
                "requests_total": sum(self.counters.values()),
                "faults_injected": dict(self.faults_injected),
            }

    def update(self, data: dict[str, Any]) -> None:
        """Apply a control-API body; unknown keys are refused so a typo never silently does nothing."""
        known = {"latency_ms", "fault_rate", "fault_kinds", "timeout_seconds", "webhooks", "seed"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown control keys: {', '.join(sorted(unknown))}")
        with self._lock:
            if "latency_ms" in data:
                self.latency_ms = int(data["latency_ms"])
            if "fault_rate" in data:
                rate = float(data["fault_rate"])
                if not 0.0 <= rate <= 1.0:
                    raise ValueError("fault_rate must be between 0 and 1")
                self.fault_rate = rate
            if "fault_kinds" in data:
                kinds = tuple(str(k) for k in data["fault_kinds"])
                bad = [k for k in kinds if k not in FAULT_KINDS]
                if bad or not kinds:
                    raise ValueError(f"fault_kinds must be a non-empty subset of {', '.join(FAULT_KINDS)}")
                self.fault_kinds = kinds
            if "timeout_seconds" in data:
                self.timeout_seconds = float(data["timeout_seconds"])
            if "seed" in data:
                self._rng.seed(int(data["seed"]))
            hooks = data.get("webhooks")
            if isinstance(hooks, dict):
                for key, value in hooks.items():
                    if not hasattr(self.webhooks, key):
                        raise ValueError(f"unknown webhook knob {key!r}")
                    setattr(self.webhooks, key, type(getattr(self.webhooks, key))(value))
