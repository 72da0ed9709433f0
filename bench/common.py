"""Helpers the benchmarks share: the sandbox in its own process, its request counters, limits and percentiles.

Benchmarks measure weavesync, so what they print comes from the sandbox's own request counter
(``/_sandbox/stats``), never from the client's idea of what it sent. `SandboxProcess` runs the three servers in a
child process: the measured process then holds only weavesync (its memory figures are weavesync's), and client
and servers do not share one GIL, as they would not with a real tracker.
"""

from __future__ import annotations

import math
import multiprocessing
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

import httpx

from weavesync.sandbox import Sandbox

SANDBOX_NAMES = ("github", "jira", "ado")

LIFTED_GITHUB_LIMITS = {"limit": 10_000_000, "points_per_minute": 10_000_000, "content_per_minute": 10_000_000,
                        "content_per_hour": 10_000_000, "clear": True}
"""The GitHub sandbox enforces GitHub's real budgets (5,000 requests/h, 900 points/min, 80 issues+comments/min,
500/h); a benchmark that wants weavesync's own cost lifts them."""
REAL_GITHUB_LIMITS = {"limit": 5000, "points_per_minute": 900, "content_per_minute": 80, "content_per_hour": 500,
                      "clear": True}

_READ_POSTS = (
    re.compile(r"^POST /rest/api/\d+/search"),  # Jira enhanced search (JQL in the body)
    re.compile(r"^POST /\{org\}/\{project\}/_apis/wit/(workitemsbatch|wiql)$"),  # ADO batch read, WIQL
    re.compile(r"^POST /\{org\}/\{project\}/\{team\}/_apis/wit/wiql$"),
)


def is_write(route: str) -> bool:
    """Whether a counted route (``"METHOD /template"``) changes anything. Jira search and ADO's batch read and
    WIQL are POSTs that only read."""
    method = route.split(" ", 1)[0]
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    return not any(p.match(route) for p in _READ_POSTS)


def _serve(trackers: tuple[str, ...], pipe: Connection) -> None:
    """Child process: run the sandbox, send its URLs and environment, serve until the parent says stop."""
    with Sandbox(trackers=trackers, seed="empty") as sandbox:
        pipe.send((dict(sandbox.urls), sandbox.env()))
        pipe.recv()


class SandboxProcess:
    """The sandbox servers (seed ``empty``) in a child process; `urls` and `env` as on `Sandbox`."""

    def __init__(self, trackers: Sequence[str] = SANDBOX_NAMES) -> None:
        self.trackers = tuple(trackers)
        self.urls: dict[str, str] = {}
        self._env: dict[str, str] = {}
        context = multiprocessing.get_context("spawn")  # never fork a process that may already run threads
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(self.trackers, child), daemon=True)

    def __enter__(self) -> SandboxProcess:
        self._process.start()
        if not self._pipe.poll(60):
            self._process.kill()
            raise RuntimeError("the sandbox process did not start within 60 s")
        self.urls, self._env = self._pipe.recv()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._pipe.send("stop")
        self._process.join(timeout=20)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def env(self) -> dict[str, str]:
        return dict(self._env)

    def bot_env(self) -> dict[str, str]:
        """What weavesync runs with: the bot's URLs and tokens, not the person's."""
        return {k: v for k, v in self._env.items() if not k.startswith("SANDBOX_PERSON_")}


def control(url: str, name: str, body: Mapping[str, Any] | None = None, *, timeout: float = 120) -> Any:
    """``POST /_sandbox/<name>`` on one tracker server; the decoded answer."""
    response = httpx.post(f"{url}/_sandbox/{name}", json=dict(body or {}), timeout=timeout)
    response.raise_for_status()
    return response.json()


def reset_counts(urls: Iterable[str]) -> None:
    for url in urls:
        control(url, "stats/reset")


def read_counts(url: str) -> dict[str, int]:
    """Requests per route the server answered since the last reset (``"GET /repos/{owner}/..."`` -> n)."""
    response = httpx.get(f"{url}/_sandbox/stats", timeout=30)
    response.raise_for_status()
    return {str(k): int(v) for k, v in response.json()["requests"].items()}


@dataclass(frozen=True)
class Calls:
    """One tracker's requests in one step: per route, and split into reads and writes."""

    per_route: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.per_route.values())

    @property
    def writes(self) -> int:
        return sum(n for route, n in self.per_route.items() if is_write(route))

    @property
    def reads(self) -> int:
        return self.total - self.writes


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (0 for no values): the smallest value with at least `pct`% of values <= it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]
