"""`weavesync serve` under a slow-loris attack: stalled connections beyond the process's file limit, while real
signed deliveries keep coming.

The server runs as the real command line (`weavesync serve`) in a child process whose file limit is set low
(``--fd-limit``, default 1,024, the usual Linux soft limit). This process opens ``--stalled`` connections (default
1,100, more than the server can hold) that send their headers and part of a body, then nothing, and keeps them
open for ``--seconds``; meanwhile it sends one correctly signed GitHub delivery every ``--every`` seconds and
times each answer. Printed: how many stalled connections the server accepted and how many it has closed by the
end, how many real deliveries were acknowledged (202) and their latency percentiles, and how many bytes the
server wrote to its log (stderr) over the run.

    .venv/bin/python -m bench.bench_slowloris [--stalled 1100] [--seconds 20] [--every 0.5] [--fd-limit 1024]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.common import SandboxProcess, percentile

SECRET = "bench-webhook-secret"


def _project(root: Path) -> None:
    specweave = root / ".specweave"
    (specweave / "increments").mkdir(parents=True)
    config = {"sync": {"enabled": True, "github": {"enabled": True, "owner": "acme", "repo": "shop"}}}
    (specweave / "config.json").write_text(json.dumps(config, indent=2))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _delivery(n: int) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"action": "labeled", "issue": {"number": 100_000 + n, "state": "open", "labels": []},
                       "label": {"name": "customer"}, "repository": {"full_name": "acme/shop"},
                       "sender": {"login": "alice"}}).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"content-type": "application/json", "x-github-event": "issues",
                  "x-github-delivery": str(uuid.uuid4()), "x-hub-signature-256": signature}


def _stall(port: int, count: int) -> tuple[list[socket.socket], int]:
    """Open up to `count` stalled connections; returns them and how many the server refused outright."""
    request = (f"POST /webhooks/github HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
               "Content-Length: 1000\r\n\r\n{\"action\": ").encode()
    opened: list[socket.socket] = []
    refused = 0
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(request)
            opened.append(sock)
        except OSError:
            refused += 1
    return opened, refused


def _closed(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1024) is not None  # an answer (408) or b"" (closed): the server let go
    except BlockingIOError:
        return False
    except OSError:
        return True


def _limit_files(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stalled", type=int, default=1100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--every", type=float, default=0.5)
    parser.add_argument("--fd-limit", type=int, default=1024)
    parser.add_argument("--read-timeout", type=float, default=10.0)
    args = parser.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, args.stalled + 512)), hard))
    with SandboxProcess(["github"]) as sandbox, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _project(root)
        port = _free_port()
        env = {**os.environ, **sandbox.bot_env(), "WEAVESYNC_GITHUB_WEBHOOK_SECRET": SECRET}
        log = (root / "serve.log").open("wb")
        server = subprocess.Popen(
            [sys.executable, "-c", "from weavesync.cli.main import main; main()", "serve", "--port", str(port),
             "--poll-interval", "0", "--read-timeout", str(args.read_timeout), "--project", str(root)],
            stdout=log, stderr=subprocess.STDOUT, env=env, preexec_fn=lambda: _limit_files(args.fd_limit))
        try:
            for _ in range(200):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            else:
                raise SystemExit(f"serve did not start: {(root / 'serve.log').read_text()[-2000:]}")
            log_before = (root / "serve.log").stat().st_size
            stalled, refused = _stall(port, args.stalled)
            latencies: list[float] = []
            answers: dict[int, int] = {}
            started = time.monotonic()
            n = 0
            with httpx.Client(timeout=30) as client:
                while time.monotonic() - started < args.seconds:
                    body, headers = _delivery(n)
                    t0 = time.perf_counter()
                    try:
                        code = client.post(f"http://127.0.0.1:{port}/webhooks/github", content=body,
                                           headers=headers).status_code
                    except httpx.HTTPError:
                        code = 0
                    latencies.append((time.perf_counter() - t0) * 1000)
                    answers[code] = answers.get(code, 0) + 1
                    n += 1
                    time.sleep(args.every)
            closed = sum(1 for sock in stalled if _closed(sock))
            for sock in stalled:
                sock.close()
            log_growth = (root / "serve.log").stat().st_size - log_before
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
    figures: dict[str, object] = {
        "stalled_opened": len(stalled), "stalled_refused_at_connect": refused, "stalled_closed_by_server": closed,
        "deliveries": n, "answers": answers,
        "ack_ms": {f"p{p}": round(percentile(latencies, p), 1) for p in (50, 95, 99)},
        "log_bytes": log_growth,
        "fd_limit": args.fd_limit, "seconds": args.seconds,
    }
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
