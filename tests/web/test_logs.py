"""Rate-limited logging and the stalled-body refusal, as units (the real-HTTP flood is in test_hardening.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from starlette.requests import Request

from weavesync.web.logs import RepeatFilter
from weavesync.web.receiver import Refusal, read_limited


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("weavesync.web", logging.WARNING, __file__, 1, message, args, None)


def test_one_line_per_cause_per_window_then_the_count_of_repeats() -> None:
    now = [0.0]
    limit = RepeatFilter(window=60, clock=lambda: now[0])
    assert limit.filter(record("refused from port %d", 50001))
    assert not any(limit.filter(record("refused from port %d", 50002 + n)) for n in range(999))
    assert limit.filter(record("another cause"))
    now[0] = 61.0
    summary = record("refused from port %d", 1)
    assert limit.filter(summary)
    assert summary.getMessage() == "refused from port 1 (and 999 more like it in the last 60 s)"


def test_a_stalled_body_is_refused_with_408_and_a_closed_connection() -> None:
    async def receive() -> dict[str, Any]:
        if not sent:
            sent.append(1)
            return {"type": "http.request", "body": b'{"action"', "more_body": True}
        await asyncio.sleep(3600)
        raise AssertionError("never reached")

    sent: list[int] = []
    request = Request({"type": "http", "method": "POST", "headers": [], "path": "/"}, receive)
    with pytest.raises(Refusal) as refused:
        asyncio.run(read_limited(request, 4096, timeout=0.05))
    assert (refused.value.status, refused.value.reason) == (408, "body-timeout")
    assert refused.value.response().headers["connection"] == "close"
