"""Drive a command on a pseudo-terminal, typing one answer each time it shows a prompt.

Used by the CLI, demo and end-to-end tests that prove weavesync asks a person on a real terminal. The deadline is
only a guard against a hung child (the test then fails with the output so far), never a timed assertion.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

PROMPTS = (b"Answer [", b"Which status? ")
GUARD_SECONDS = 60.0
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")


def run_on_pty(argv: Sequence[str], answers: Sequence[bytes], *, env: dict[str, str], cwd: Path | None = None,
               size: tuple[int, int] = (40, 120), prompts: Sequence[bytes] = PROMPTS,
               guard: float = GUARD_SECONDS) -> tuple[int, str]:
    """Run `argv` with a terminal on stdin/stdout/stderr; returns the exit code and the output without ANSI codes."""
    master, slave = pty.openpty()
    rows, cols = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(list(argv), stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                            close_fds=True, start_new_session=True)
    os.close(slave)
    output = b""
    typed = 0
    deadline = time.monotonic() + guard
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            shown = sum(output.count(p) for p in prompts)
            if typed < len(answers) and shown > typed:
                os.write(master, answers[typed])
                typed += 1
            elif proc.poll() is not None and not ready:
                break
        else:
            proc.kill()
            pytest.fail(f"the child did not finish; output so far:\n{output.decode(errors='replace')}")
        code = proc.wait(timeout=guard)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return code, ANSI.sub("", output.decode(errors="replace")).replace("\r\n", "\n")
