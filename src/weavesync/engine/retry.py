"""How long to wait after a failed write, and whether to try again at all (sync-semantics.md §6, AC-US4-05).

Pure policy: no sleeping, no clock, no randomness of its own (the jitter source is a parameter), so the executor
can use it with stamina or with its outbox scheduler, and tests can pin every number. The executor turns a
`RetryPlan` into action: sleep briefly, put the entry back in the outbox for later, mark it dead, or mark the
link as needing attention.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from weavesync.errors import AuthFailed, Conflict, ItemGone, Retryable

Outcome = Literal["retry", "dead", "attention"]
LinkMark = Literal["gone", "needs-attention"]
PlanKind = Literal["sleep", "reschedule", "dead", "attention"]

DEFAULT_BASE = 1.0
DEFAULT_CAP = 300.0
DEFAULT_RETRY_AFTER_CAP = 3600.0
"""A server asking for more than an hour is treated as asking for an hour; the entry is rescheduled, not lost."""
DEFAULT_MAX_ATTEMPTS = 20
"""A write is several requests (a re-read, the state, each label, the comment), so when a tracker fails one request
in five, one attempt fails about half the time: 8 attempts in a row failed often enough to bury good writes. 20,
with exponential backoff capped at 5 minutes, span about an hour before an entry is dead and a person must look."""
DEFAULT_SLEEP_THRESHOLD = 30.0
"""Waits longer than this go back to the outbox instead of holding a process (§6)."""


def next_delay(
    attempt: int,
    retry_after: float | None,
    *,
    base: float = DEFAULT_BASE,
    cap: float = DEFAULT_CAP,
    jitter: Callable[[], float],
    retry_after_cap: float = DEFAULT_RETRY_AFTER_CAP,
) -> float:
    """Seconds to wait before attempt `attempt + 1`, after attempt number `attempt` (1-based) failed.

    A server's own wait (`Retry-After`, rate-limit reset, ADO `X-RateLimit-Delay`) wins when given, capped at
    `retry_after_cap`: it knows better than any backoff. Otherwise exponential backoff with "equal jitter":
    half of `min(cap, base * 2**(attempt-1))` is fixed and the other half scaled by `jitter()` (a value in [0, 1]),
    so clients that failed together spread out but never retry immediately.
    """
    if attempt < 1:
        raise ValueError(f"attempt counts from 1, got {attempt}")
    if base <= 0 or cap <= 0:
        raise ValueError("base and cap must be positive")
    if retry_after is not None:
        return min(max(0.0, float(retry_after)), retry_after_cap)
    ceiling = min(cap, base * 2.0 ** min(attempt - 1, 64))
    spread = jitter()
    if not 0.0 <= spread <= 1.0:
        raise ValueError(f"jitter() must return a value in [0, 1], got {spread}")
    return ceiling / 2.0 + ceiling / 2.0 * spread


def should_reschedule(delay: float, threshold: float = DEFAULT_SLEEP_THRESHOLD) -> bool:
    """True when `delay` is long enough that the entry should go back to the outbox instead of sleeping."""
    return delay > threshold


def classify_outcome(exc: BaseException) -> Outcome:
    """What a failed write means for its outbox entry (§6), from the error's type only.

    - `Retryable` (connection, timeout, 5xx, 429, secondary limits) → retry.
    - `Conflict` (409/412: someone changed the item first) → retry; the retry re-reads the item first.
    - `AuthFailed` → attention: retrying cannot help until a person fixes the credentials.
    - `ItemGone` → dead, and the link is marked gone (never recreated silently).
    - `Rejected` (400/422) and anything unexpected → dead, listed with its error for `weavesync retry`.
    """
    if isinstance(exc, Retryable | Conflict):
        return "retry"
    if isinstance(exc, AuthFailed):
        return "attention"
    return "dead"  # ItemGone, Rejected and anything unexpected


def link_mark(exc: BaseException) -> LinkMark | None:
    """How the link itself should be marked after `exc`, beyond its outbox entry."""
    if isinstance(exc, ItemGone):
        return "gone"
    if isinstance(exc, AuthFailed):
        return "needs-attention"
    return None


@dataclass(frozen=True)
class RetryPlan:
    """What to do with an outbox entry after a failed attempt; `delay` in seconds (0 unless retrying)."""

    kind: PlanKind
    delay: float
    reason: str


@dataclass(frozen=True)
class RetryPolicy:
    """The knobs of §6 in one value: backoff shape, how long a process may sleep, and when to give up."""

    base: float = DEFAULT_BASE
    cap: float = DEFAULT_CAP
    retry_after_cap: float = DEFAULT_RETRY_AFTER_CAP
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    sleep_threshold: float = DEFAULT_SLEEP_THRESHOLD

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def plan(self, attempt: int, exc: BaseException, *, jitter: Callable[[], float]) -> RetryPlan:
        """After attempt `attempt` (1-based) failed with `exc`: sleep, reschedule, give up, or ask a person."""
        outcome = classify_outcome(exc)
        name = type(exc).__name__
        if outcome == "attention":
            return RetryPlan("attention", 0.0, f"{name}: the credentials need fixing; not retried")
        if outcome == "dead":
            return RetryPlan("dead", 0.0, f"{name}: not retryable")
        if attempt >= self.max_attempts:
            return RetryPlan("dead", 0.0, f"{name}: gave up after {attempt} attempts")
        retry_after = exc.retry_after if isinstance(exc, Retryable) else None
        delay = next_delay(attempt, retry_after, base=self.base, cap=self.cap, jitter=jitter,
                           retry_after_cap=self.retry_after_cap)
        if should_reschedule(delay, self.sleep_threshold):
            return RetryPlan("reschedule", delay, f"{name}: retry in {delay:.0f}s, rescheduled in the outbox")
        return RetryPlan("sleep", delay, f"{name}: retry in {delay:.1f}s")


__all__ = [
    "LinkMark",
    "Outcome",
    "RetryPlan",
    "RetryPolicy",
    "classify_outcome",
    "link_mark",
    "next_delay",
    "should_reschedule",
]
