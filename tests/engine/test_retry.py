"""The pure backoff policy (sync-semantics.md §6, AC-US4-05)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weavesync.engine.retry import (
    RetryPolicy,
    classify_outcome,
    link_mark,
    next_delay,
    should_reschedule,
)
from weavesync.errors import AuthFailed, Conflict, ItemGone, Rejected, Retryable, SafetyStop


def fixed(value: float) -> Callable[[], float]:
    return lambda: value


def retryable(after: float | None = None) -> Retryable:
    return Retryable("GET /issues/1: 503", tracker="github", status=503, retry_after=after)


@pytest.mark.parametrize(("attempt", "low", "high"), [(1, 0.5, 1.0), (2, 1.0, 2.0), (3, 2.0, 4.0), (5, 8.0, 16.0)])
def test_backoff_doubles_with_jitter_in_upper_half(attempt: int, low: float, high: float) -> None:
    assert next_delay(attempt, None, jitter=fixed(0.0)) == low
    assert next_delay(attempt, None, jitter=fixed(1.0)) == high


def test_backoff_is_capped() -> None:
    assert next_delay(30, None, cap=300.0, jitter=fixed(1.0)) == 300.0
    assert next_delay(10_000, None, cap=60.0, jitter=fixed(0.0)) == 30.0


def test_server_retry_after_wins_but_is_capped() -> None:
    assert next_delay(1, 42.0, jitter=fixed(1.0)) == 42.0
    assert next_delay(7, 0.0, jitter=fixed(1.0)) == 0.0
    assert next_delay(1, 10 * 86400.0, jitter=fixed(1.0), retry_after_cap=3600.0) == 3600.0
    assert next_delay(1, -5.0, jitter=fixed(1.0)) == 0.0


def test_bad_inputs_are_rejected() -> None:
    with pytest.raises(ValueError):
        next_delay(0, None, jitter=fixed(0.5))
    with pytest.raises(ValueError):
        next_delay(1, None, jitter=fixed(1.5))


@given(attempt=st.integers(1, 200), spread=st.floats(0.0, 1.0), base=st.floats(0.01, 10.0),
       cap=st.floats(1.0, 1000.0))
def test_delay_stays_within_bounds(attempt: int, spread: float, base: float, cap: float) -> None:
    delay = next_delay(attempt, None, base=base, cap=cap, jitter=fixed(spread))
    ceiling = min(cap, base * 2 ** (attempt - 1))
    assert ceiling / 2 - 1e-9 <= delay <= ceiling + 1e-9


def test_long_waits_are_rescheduled() -> None:
    assert should_reschedule(120.0, 30.0)
    assert not should_reschedule(30.0, 30.0)
    assert not should_reschedule(2.0, 30.0)


@pytest.mark.parametrize(
    ("exc", "outcome", "mark"),
    [
        (retryable(), "retry", None),
        (Conflict("412", tracker="jira", status=412), "retry", None),
        (AuthFailed("401", tracker="github", status=401), "attention", "needs-attention"),
        (ItemGone("404", tracker="ado", status=404), "dead", "gone"),
        (Rejected("422", tracker="jira", status=422), "dead", None),
        (SafetyStop("too many"), "dead", None),
        (RuntimeError("bug"), "dead", None),
    ],
)
def test_classify_by_error_type(exc: BaseException, outcome: str, mark: str | None) -> None:
    assert classify_outcome(exc) == outcome
    assert link_mark(exc) == mark


def test_policy_plans_sleep_reschedule_and_give_up() -> None:
    policy = RetryPolicy(max_attempts=4, sleep_threshold=30.0)
    assert policy.plan(1, retryable(), jitter=fixed(0.0)).kind == "sleep"
    long_wait = policy.plan(1, retryable(after=900.0), jitter=fixed(0.0))
    assert (long_wait.kind, long_wait.delay) == ("reschedule", 900.0)
    assert policy.plan(4, retryable(), jitter=fixed(0.0)).kind == "dead"
    assert policy.plan(1, AuthFailed("401", tracker="github"), jitter=fixed(0.0)).kind == "attention"
    assert policy.plan(1, ItemGone("410", tracker="github"), jitter=fixed(0.0)).kind == "dead"
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
