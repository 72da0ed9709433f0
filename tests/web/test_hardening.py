"""The receiver under hostile input, over real HTTP to a running `serve` app: a signed body nested 100,000 levels
deep is a 400 with one line, and stalled connections (slow-loris) neither starve a real delivery nor flood the
log; they are dropped after the read timeout. No timed assertions: generous timeouts only; the figures are
printed (run with -s)."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator

import pytest

from weavesync.executor import SyncSession
from weavesync.model import Tracker
from weavesync.web import Server

from .sandbox_world import TIMEOUT, deliver, signed_headers

STALLED_BODIES = 200
STALLED_HEADERS = 50


class Volume(logging.Handler):
    """Counts the bytes every log record would write, as a log file would grow."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.size = 0
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        self.size += len(line) + 1
        self.lines.append(line)


@pytest.fixture()
def volume() -> Iterator[Volume]:
    handler = Volume()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def test_a_deeply_nested_signed_body_is_a_400_with_one_line(linked: Callable[[], tuple[SyncSession, str]]) -> None:
    session, _ = linked()
    with Server(session, poll_interval=0) as server:
        for tracker in Tracker:
            answer = deliver(server.url, tracker, b"[" * 100_000, f"deep-{tracker.value}")
            assert answer.status_code == 400, answer.text
            found = answer.json()
            assert found["error"] == "malformed" and "nests deeper" in found["message"]
            assert "\n" not in found["message"] and "Traceback" not in answer.text
    assert session.store.unprocessed_deliveries() == [] and session.store.set_aside_deliveries() == []


def stall(url: str, count: int, *, with_body: bool) -> list[socket.socket]:
    """`count` connections that send their headers and 10 of 1000 body bytes (or half their headers), then
    nothing more."""
    host, port = url.removeprefix("http://").split(":")
    headers = signed_headers(Tracker.GITHUB, b"{}", "stalled")
    request = (f"POST /webhooks/github HTTP/1.1\r\nHost: {host}\r\nContent-Length: 1000\r\n"
               + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
    opened = []
    for _ in range(count):
        sock = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        sock.sendall(request + b'{"action": ' if with_body else request[:40])
        opened.append(sock)
    return opened


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server closed the connection (whatever it answered first)."""
    sock.settimeout(TIMEOUT)
    try:
        while sock.recv(4096):
            pass
    except OSError:
        return False
    return True


def test_stalled_connections_do_not_starve_a_real_delivery_and_are_dropped(
        linked: Callable[[], tuple[SyncSession, str]], volume: Volume) -> None:
    session, _ = linked()
    with Server(session, poll_interval=0, read_timeout=2.0) as server:
        stalled = stall(server.url, STALLED_BODIES, with_body=True)
        stalled += stall(server.url, STALLED_HEADERS, with_body=False)
        before = volume.size
        start = time.monotonic()
        answer = deliver(server.url, Tracker.GITHUB, {"zen": "still here"}, "real-one")
        accepted = time.monotonic() - start
        assert answer.status_code == 202, answer.text
        try:
            dropped = [closed_by_server(sock) for sock in stalled]
        finally:
            for sock in stalled:
                sock.close()
        waited = time.monotonic() - start
        grown = volume.size - before
    print(f"\n{len(stalled)} stalled connections: real delivery accepted in {accepted * 1000:.0f} ms, all dropped "
          f"after {waited:.1f} s, log grew by {grown} bytes: {volume.lines}")
    assert all(dropped), f"{dropped.count(False)} stalled connections were never closed"
    assert grown < 4096, volume.lines[:20]
    assert "github" in session.store.last_deliveries(), "the real delivery was recorded"
