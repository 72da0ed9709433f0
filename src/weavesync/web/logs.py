"""Rate-limited logging for `serve`: one line per cause, not one per connection.

A flood of hostile connections (slow-loris, a file-descriptor limit reached, a sender retrying a bad delivery)
makes uvicorn, asyncio and the receiver log the same line thousands of times a second; 1,100 stalled connections
once grew the log by 168 MB in 20 s. `RepeatFilter` lets the first record of each cause through, drops the
repeats for `window` seconds and then says how many it dropped. A cause is the message with its numbers blanked,
so the same failure from another port or delivery counts as a repeat.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

WINDOW = 60.0
LOGGERS = ("weavesync.web", "weavesync.inbound", "uvicorn.error", "asyncio")
"""The loggers a flood goes through: the receiver, the worker, uvicorn's connection errors, asyncio's accept."""

_NUMBERS = re.compile(r"\d+")


class RepeatFilter(logging.Filter):
    """Passes a cause at most once per `window` seconds, then notes how many repeats it dropped."""

    def __init__(self, window: float = WINDOW, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, _NUMBERS.sub("#", record.getMessage()))
        now = self.clock()
        with self._lock:
            since, dropped = self._seen.get(key, (-self.window, 0))
            if now - since < self.window:
                self._seen[key] = (since, dropped + 1)
                return False
            self._seen[key] = (now, 0)
        if dropped:
            record.msg = f"{record.getMessage()} (and {dropped} more like it in the last {self.window:g} s)"
            record.args = None
        return True


def limit_repeats(window: float = WINDOW) -> None:
    """Put one `RepeatFilter` on each of `LOGGERS` (once: calling again changes nothing)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RepeatFilter) for f in logger.filters):
            logger.addFilter(RepeatFilter(window))
