"""GitHub's rate limits as the REST docs describe them, with knobs so tests can hit them on purpose.

- Primary: an hourly budget per user (5,000 for a token, 60 unauthenticated), shown on every response in
  ``x-ratelimit-*`` headers. Exhausted: 403 (or 429) with ``x-ratelimit-remaining: 0`` and the reset epoch.
  A 304 and ``GET /rate_limit`` cost nothing.
- Secondary: points per minute (GET 1, writes 5) and content creation (issues and comments) per minute and per
  hour. Exceeded: 403 (or 429) with ``retry-after``; GitHub shows no header for these budgets beforehand.

Time comes from the sandbox clock, so a test can advance it past a reset instead of waiting.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass
class Budget:
    limit: int
    used: int = 0
    reset_at: int = 0

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


@dataclass
class Settings:
    """The knobs (``POST /_sandbox/ratelimit``). `status` is what an exceeded limit answers: 403 or 429."""

    limit: int = 5000
    anonymous_limit: int = 60
    window_seconds: int = 3600
    status: int = 403
    points_per_minute: int = 900
    content_per_minute: int = 80
    content_per_hour: int = 500
    secondary_status: int = 403
    secondary_retry_after: int | None = None
    """Fixed ``retry-after`` for secondary limits; None: the seconds until the window frees up."""


@dataclass
class Verdict:
    """Why a request is refused: which limit, and the headers to send with it."""

    primary: bool
    status: int
    headers: dict[str, str]


@dataclass
class RateLimits:
    settings: Settings = field(default_factory=Settings)
    budgets: dict[str, Budget] = field(default_factory=dict)
    points: dict[str, deque[tuple[float, int]]] = field(default_factory=dict)
    content: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _budget(self, who: str | None, now: datetime) -> Budget:
        key = who or ""
        epoch = int(now.timestamp())
        budget = self.budgets.get(key)
        if budget is None or epoch >= budget.reset_at:
            limit = self.settings.limit if who else self.settings.anonymous_limit
            budget = self.budgets[key] = Budget(limit=limit, reset_at=epoch + self.settings.window_seconds)
        return budget

    def headers(self, who: str | None, now: datetime) -> dict[str, str]:
        with self._lock:
            b = self._budget(who, now)
            return {"x-ratelimit-limit": str(b.limit), "x-ratelimit-remaining": str(b.remaining),
                    "x-ratelimit-used": str(b.used), "x-ratelimit-reset": str(b.reset_at),
                    "x-ratelimit-resource": "core"}

    def check(self, who: str | None, method: str, creates_content: bool, now: datetime) -> Verdict | None:
        """None when the request may go ahead; else the refusal. Does not charge anything."""
        with self._lock:
            budget = self._budget(who, now)
            if budget.remaining <= 0:
                return Verdict(True, self.settings.status, {})
            t = now.timestamp()
            key = who or ""
            points = self._window(self.points.setdefault(key, deque()), t, 60)
            cost = 5 if method in WRITE_METHODS else 1
            waits: list[float] = []
            if sum(p for _, p in points) + cost > self.settings.points_per_minute and points:
                waits.append(points[0][0] + 60 - t)
            if creates_content:
                made = self.content.setdefault(key, deque())
                while made and made[0] <= t - 3600:
                    made.popleft()
                last_minute = [m for m in made if m > t - 60]
                if len(last_minute) >= self.settings.content_per_minute and last_minute:
                    waits.append(last_minute[0] + 60 - t)
                if len(made) >= self.settings.content_per_hour and made:
                    waits.append(made[0] + 3600 - t)
            if not waits:
                return None
            retry = self.settings.secondary_retry_after
            seconds = retry if retry is not None else max(1, math.ceil(max(waits)))
            return Verdict(False, self.settings.secondary_status, {"retry-after": str(seconds)})

    @staticmethod
    def _window(points: deque[tuple[float, int]], t: float, span: float) -> deque[tuple[float, int]]:
        while points and points[0][0] <= t - span:
            points.popleft()
        return points

    def charge(self, who: str | None, method: str, created_content: bool, now: datetime, *,
               primary: bool = True) -> None:
        with self._lock:
            if primary:
                self._budget(who, now).used += 1
            key = who or ""
            t = now.timestamp()
            self.points.setdefault(key, deque()).append((t, 5 if method in WRITE_METHODS else 1))
            if created_content:
                self.content.setdefault(key, deque()).append(t)

    def snapshot(self, who: str | None, now: datetime) -> dict[str, Any]:
        with self._lock:
            b = self._budget(who, now)
            return {"limit": b.limit, "remaining": b.remaining, "reset": b.reset_at, "used": b.used,
                    "resource": "core"}

    def configure(self, data: dict[str, Any], now: datetime, everyone: list[str]) -> dict[str, Any]:
        """Apply ``POST /_sandbox/ratelimit``: settings, plus ``remaining`` / ``reset_in`` for one login (or
        for `everyone` when no ``login`` is given)."""
        known = set(vars(self.settings)) | {"login", "remaining", "reset_in", "clear"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown rate-limit keys: {', '.join(sorted(unknown))}")
        with self._lock:
            for key, value in data.items():
                if key in vars(self.settings):
                    setattr(self.settings, key, None if value is None else int(value))
            if data.get("clear"):
                self.budgets.clear()
                self.points.clear()
                self.content.clear()
            login = data.get("login")
            if "remaining" in data or "reset_in" in data or "limit" in data:
                for who in [str(login)] if login else everyone:
                    budget = self._budget(who, now)
                    if "limit" in data:
                        budget.limit = int(data["limit"])
                    if "remaining" in data:
                        budget.used = max(0, budget.limit - int(data["remaining"]))
                    if "reset_in" in data:
                        budget.reset_at = int(now.timestamp()) + int(data["reset_in"])
            return {"settings": vars(self.settings).copy(),
                    "budgets": {k or "(anonymous)": vars(v).copy() for k, v in self.budgets.items()}}
