"""Hypothesis settings for the engine's property tests.

A short run (CI, the README's test line) is derandomized: the same examples every run, so a CI failure is always
reproducible on any machine and never depends on luck. ``WEAVESYNC_LONG=1`` (the one switch of the long runs,
docs/reliability.md) explores instead: random examples, 25 times as many (`examples()` in `_strategies.py`).
"""

from __future__ import annotations

import os

from hypothesis import settings

LONG = os.environ.get("WEAVESYNC_LONG", "").strip() not in ("", "0", "false", "no")

settings.register_profile("weavesync-short", derandomize=True, database=None, print_blob=True)
settings.register_profile("weavesync-long", derandomize=False, print_blob=True)
settings.load_profile("weavesync-long" if LONG else "weavesync-short")
