"""Fixtures of the proof suites: one sandbox for the session, a fresh project and items per test, and the
figures every suite reports (steps, faults injected, kills, changes, comments).

Short versions run in CI by default; ``WEAVESYNC_LONG=1`` runs the long ones (see docs/reliability.md). At the end
of the session the figures are printed in the terminal summary and written to
``<pytest basetemp>/reliability-figures.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from weavesync.sandbox import Sandbox

from .harness import LONG

FIGURES: dict[str, dict[str, Any]] = {}
"""Per test: the figures it reported with `figures(...)`."""
_BASETEMP: list[Path] = []


def record_figures(test: str, **values: Any) -> None:
    FIGURES.setdefault(test, {}).update(values)


@pytest.fixture(scope="session")
def reliability_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    _BASETEMP.append(tmp_path_factory.getbasetemp())
    with Sandbox() as running:
        httpx.post(f"{running.urls['github']}/_sandbox/ratelimit",
                   json={"limit": 1_000_000, "points_per_minute": 1_000_000, "content_per_minute": 1_000_000,
                         "content_per_hour": 1_000_000})
        yield running


@pytest.fixture()
def seed() -> int:
    """The run's seed: ``WEAVESYNC_SEED`` when set (to replay a run), else fixed in short runs, else random."""
    if os.environ.get("WEAVESYNC_SEED"):
        return int(os.environ["WEAVESYNC_SEED"])
    return int.from_bytes(os.urandom(4), "big") if LONG else 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section(f"weavesync reliability figures ({'long' if LONG else 'short'} run)")
    totals: dict[str, float] = {}
    for test, values in FIGURES.items():
        terminalreporter.write_line(f"{test}: " + ", ".join(f"{k}={v}" for k, v in values.items()))
        for key, value in values.items():
            if isinstance(value, int | float) and not isinstance(value, bool) and key != "seed":
                totals[key] = totals.get(key, 0) + value
    terminalreporter.write_line("total: " + ", ".join(f"{k}={v:g}" for k, v in sorted(totals.items())))
    if _BASETEMP:
        path = _BASETEMP[0] / "reliability-figures.json"
        path.write_text(json.dumps({"long": LONG, "tests": FIGURES, "total": totals}, indent=2) + "\n")
        terminalreporter.write_line(f"figures written to {path}")
