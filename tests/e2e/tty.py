"""Running `python -m weavesync` as a child process for the end-to-end prompt tests: on a pseudo-terminal (so it
may ask) or off one (so it must not), with the bot's environment only.

`PtyChild` is a tiny expect: it reads the child's terminal output into a buffer, waits for a piece of text with a
deadline (never a fixed sleep), and types answers. The deadline is only a guard against a hung child: the test
then fails with the transcript so far; nothing asserts how long anything took.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from weavesync.model import Tracker
from weavesync.sandbox import Sandbox
from weavesync.trackers.base import TrackerAdapter
from weavesync.trackers.github import GitHubAdapter
from weavesync.trackers.http import Governor

from .conftest import person_connection

SRC = Path(__file__).resolve().parents[2] / "src"
GUARD_SECONDS = 30.0
"""How long to wait for a prompt or for the child to end before giving up (a hang guard, not an assertion)."""
PROMPTS = ("Answer [", "Which status? ")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def plain(raw: bytes) -> str:
    """Terminal output as text a test can search: escape sequences gone, CRLF (the tty's newline) as LF."""
    return _ANSI.sub("", raw.decode(errors="replace")).replace("\r\n", "\n").replace("\r", "")


def child_env(bot_env: dict[str, str]) -> dict[str, str]:
    """The environment weavesync runs with: this machine's, the bot's sandbox credentials, nothing of alice's,
    `src` importable, no colour, and the test's state store (tests/conftest.py sets WEAVESYNC_DATABASE_URL only
    in a PostgreSQL run; otherwise the store is the project's file)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_PERSON_")}
    env.update({k: v for k, v in bot_env.items() if not k.startswith("SANDBOX_PERSON_")})
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH", "")) if p)
    env.update({"NO_COLOR": "1", "TERM": "xterm", "COLUMNS": "120"})
    return env


def command(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "weavesync", "--project", str(project), *args]


class PtyChild:
    """`python -m weavesync ...` with a pseudo-terminal on stdin, stdout and stderr."""

    def __init__(self, project: Path, env: dict[str, str], *args: str) -> None:
        self._master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a 120x40 terminal
        self.proc = subprocess.Popen(command(project, *args), stdin=slave, stdout=slave, stderr=slave,
                                     env=child_env(env), close_fds=True, start_new_session=True)
        os.close(slave)
        self._raw = b""
        self._seen = 0  # `expect` searches only text after what it matched last
        self._closed = False

    @property
    def transcript(self) -> str:
        return plain(self._raw)

    def _read(self, timeout: float) -> bool:
        """Read what the child wrote within `timeout`; False once its terminal is closed."""
        if self._closed:
            return False
        ready, _, _ = select.select([self._master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self._master, 4096)
        except OSError:  # EIO: every slave end is closed, the child is gone
            chunk = b""
        if not chunk:
            self._closed = True
            return False
        self._raw += chunk
        return True

    def expect(self, text: str) -> str:
        """Wait until `text` appears after the previous match; returns the output up to and including it."""
        deadline = time.monotonic() + GUARD_SECONDS
        while True:
            shown = self.transcript
            found = shown.find(text, self._seen)
            if found >= 0:
                before = shown[self._seen:found + len(text)]
                self._seen = found + len(text)
                return before
            if time.monotonic() > deadline or not self._read(0.2):
                self.kill()
                pytest.fail(f"waited for {text!r}; the child wrote:\n{shown}")

    def answer(self, line: str) -> None:
        os.write(self._master, line.encode() + b"\n")

    def finish(self, *, unexpected_prompt: bytes = b"\x04") -> int:
        """Read to the end and return the exit code. A prompt nobody expected gets `unexpected_prompt` (end of
        input), so a wrong question ends the child (leaving the decision pending) instead of hanging the test."""
        deadline = time.monotonic() + GUARD_SECONDS
        while self._read(0.2):
            rest = self.transcript[self._seen:]
            if any(p in rest for p in PROMPTS):
                self._seen = len(self.transcript)
                os.write(self._master, unexpected_prompt)
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"the child did not finish; it wrote:\n{self.transcript}")
        try:
            return self.proc.wait(timeout=GUARD_SECONDS)
        finally:
            os.close(self._master)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def run_off_tty(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The same command with stdin from /dev/null and output to pipes: no terminal anywhere."""
    return subprocess.run(command(project, *args), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          env=child_env(env), timeout=GUARD_SECONDS * 2, check=False)


def person_at_human_pace(sandbox: Sandbox) -> TrackerAdapter:
    """Alice's GitHub adapter with a governor of her own that does not pace writes.

    GitHub's "one write per second" advice is for automated clients, and weavesync (the child process, with the
    bot's token) still follows it. Alice stands for a person clicking in the web UI; pacing her through the
    process-wide governor would only make every test wait about two seconds for her."""
    return GitHubAdapter(person_connection(sandbox, Tracker.GITHUB), governor=Governor())
