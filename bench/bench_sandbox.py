"""How many simple requests per second the sandbox serves, per tracker, on this machine.

Benchmarks measure weavesync, so the sandbox must not be the bottleneck (issue 4 asks for >= 1,000 simple
requests/s on a 2-core machine). A load generator in a separate process (so the client's Python does not share
the server's GIL) sends authenticated GETs of one item over keep-alive connections from several threads, and
prints requests/s and latency percentiles for each tracker.

    PYTHONPATH=src python -m bench.bench_sandbox [--seconds 5] [--threads 8]
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing
import statistics
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import httpx

from weavesync.sandbox import ACCOUNTS, BOT, Sandbox

if TYPE_CHECKING:  # a queue class is not subscriptable at run time in 3.11
    from multiprocessing.queues import Queue

    Results = Queue[tuple[list[float], int]]
    """What the load process sends back: every request's latency (seconds) and the non-200 answer count."""


def _targets(sandbox: Sandbox) -> dict[str, tuple[str, dict[str, str]]]:
    """One cheap, authenticated GET per tracker, for an item the seed creates on first use."""
    gh = ACCOUNTS["github"][BOT]
    jira = ACCOUNTS["jira"][BOT]
    ado = ACCOUNTS["ado"][BOT]
    gh_headers = {"Authorization": f"Bearer {gh.secret}", "Accept": "application/vnd.github+json"}
    jira_headers = {"Authorization": "Basic " + base64.b64encode(f"{jira.email}:{jira.secret}".encode()).decode(),
                    "Accept": "application/json"}
    ado_headers = {"Authorization": "Basic " + base64.b64encode(f":{ado.secret}".encode()).decode()}
    with httpx.Client() as client:
        # The GitHub sandbox enforces the real 5,000/h budget; lift it so the bench measures throughput.
        client.post(f"{sandbox.urls['github']}/_sandbox/ratelimit", json={"limit": 10_000_000,
                                                                          "points_per_minute": 10_000_000})
        issue = client.post(f"{sandbox.urls['github']}/repos/acme/shop/issues", headers=gh_headers,
                            json={"title": "bench"}).json()["number"]
        key = client.post(f"{sandbox.urls['jira']}/rest/api/3/issue", headers=jira_headers,
                          json={"fields": {"project": {"key": "CORE"}, "summary": "bench",
                                           "issuetype": {"name": "Task"}}}).json()["key"]
        wid = client.post(f"{sandbox.urls['ado']}/acme/Shop/_apis/wit/workitems/$Task?api-version=7.1",
                          headers={**ado_headers, "Content-Type": "application/json-patch+json"},
                          content=json.dumps([{"op": "add", "path": "/fields/System.Title", "value": "bench"}])
                          ).json()["id"]
    return {
        "github": (f"{sandbox.urls['github']}/repos/acme/shop/issues/{issue}", gh_headers),
        "jira": (f"{sandbox.urls['jira']}/rest/api/3/issue/{key}?fields=status", jira_headers),
        "ado": (f"{sandbox.urls['ado']}/acme/Shop/_apis/wit/workitems/{wid}?api-version=7.1", ado_headers),
    }


def _load(url: str, headers: dict[str, str], seconds: float, threads: int, out: Results) -> None:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        mine: list[float] = []
        bad = 0
        with httpx.Client(headers=headers) as client:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = client.get(url)
                mine.append(time.perf_counter() - start)
                bad += response.status_code != 200
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    out.put((latencies, errors[0]))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    with Sandbox() as sandbox:
        for name, (url, headers) in _targets(sandbox).items():
            queue: Results = multiprocessing.Queue()
            proc = multiprocessing.Process(target=_load, args=(url, headers, args.seconds, args.threads, queue))
            proc.start()
            latencies, errors = queue.get()
            proc.join()
            latencies.sort()
            count = len(latencies)
            pct = statistics.quantiles(latencies, n=100) if count > 1 else [0.0] * 99
            print(f"{name:7s} {count / args.seconds:8.0f} req/s  p50 {pct[49] * 1000:6.2f} ms  "
                  f"p95 {pct[94] * 1000:6.2f} ms  p99 {pct[98] * 1000:6.2f} ms  errors {errors}")


if __name__ == "__main__":
    main()
