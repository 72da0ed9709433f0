"""Stopping the long-running commands (`watch`, `serve`, `sandbox`) cleanly on SIGINT and SIGTERM.

A signal sets an event instead of raising `KeyboardInterrupt` in the middle of a pass, so the work in progress
finishes and is recorded, and the command then ends with exit 0: a person pressing Ctrl-C or a process manager
sending SIGTERM is the normal way for these commands to end, not a failure.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set `stop` while inside; the previous handlers are back afterwards."""

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
