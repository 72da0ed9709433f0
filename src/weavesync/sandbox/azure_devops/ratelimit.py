"""Azure DevOps throttling: a usage budget per identity over a sliding window, with delays and then blocks.

The service counts usage in TSTUs over five minutes; the sandbox counts one unit per request. Below the limit a
response carries ``X-RateLimit-Limit/Remaining/Reset`` (so clients can slow down early); at the limit requests
are *delayed* (still 200, with ``X-RateLimit-Delay``); past `block_at` they are refused with 429 TF400733 and a
``Retry-After``. Off by default (benchmarks need the full speed); ``POST /_sandbox/ratelimit`` turns it on.
"""

from __future__ import annotations

import collections
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

RESOURCE = "WorkItemTracking"


@dataclass
class Verdict:
    headers: dict[str, str]
    delay: float = 0.0
    blocked: bool = False


@dataclass
class RateLimiter:
    now: Callable[[], datetime]
    limit: int | None = None
    block_at: int | None = None
    window_seconds: float = 300.0
    delay_seconds: float = 0.05
    _seen: dict[str, collections.deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, data: dict[str, Any]) -> dict[str, Any]:
        known = {"limit", "block_at", "window_seconds", "delay_seconds", "reset"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown ratelimit keys: {', '.join(sorted(unknown))}")
        with self._lock:
            if "limit" in data:
                self.limit = None if data["limit"] is None else int(data["limit"])
            if "block_at" in data:
                self.block_at = None if data["block_at"] is None else int(data["block_at"])
            if "window_seconds" in data:
                self.window_seconds = float(data["window_seconds"])
            if "delay_seconds" in data:
                self.delay_seconds = float(data["delay_seconds"])
            if data.get("reset") or "limit" in data:
                self._seen.clear()
            return {"limit": self.limit, "block_at": self.block_at, "window_seconds": self.window_seconds,
                    "delay_seconds": self.delay_seconds}

    def check(self, identity: str) -> Verdict:
        """Count one request of `identity` and say how to answer it."""
        if self.limit is None:
            return Verdict(headers={})
        now = self.now().timestamp()
        with self._lock:
            seen = self._seen.setdefault(identity, collections.deque())
            while seen and seen[0] <= now - self.window_seconds:
                seen.popleft()
            used = len(seen)
            limit = self.limit
            block_at = self.block_at if self.block_at is not None else 2 * limit
            headers = {"X-RateLimit-Resource": RESOURCE, "X-RateLimit-Limit": str(limit)}
            if used >= block_at:
                wait = max(1, math.ceil(seen[0] + self.window_seconds - now)) if seen else 1
                headers |= {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(now + wait)),
                            "Retry-After": str(wait)}
                return Verdict(headers=headers, blocked=True)
            seen.append(now)
            headers["X-RateLimit-Reset"] = str(math.ceil(now + self.window_seconds))
            if used >= limit:
                headers |= {"X-RateLimit-Remaining": "0", "X-RateLimit-Delay": f"{self.delay_seconds:.3f}"}
                return Verdict(headers=headers, delay=self.delay_seconds)
            headers["X-RateLimit-Remaining"] = str(limit - used - 1)
            return Verdict(headers=headers)
