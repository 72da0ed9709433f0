"""Progress display for work that takes more than a moment: a transient rich bar on stderr, or nothing at all.

A bar is shown only when a person is watching: stderr is a real terminal (not a pipe, a file or a test runner;
``FORCE_COLOR`` does not count, since it means "colour please", not "someone is looking"), the terminal is not
``dumb``, and neither ``--json`` nor ``--quiet`` was given. In every other case `progress` yields a callback that
does nothing, so commands call it unconditionally and scripts see byte-for-byte the same output as before.

The bar goes to stderr, so ``weavesync sync > report.txt`` still shows progress while the file gets only the
report, and it is transient: it disappears once the work is done. The callback has the shape the executor takes,
``(phase, done, total)``, where `phase` is a short description ("reading github items") and ``total == 0``
means "unknown" (a spinner without a count). Prompts must not be drawn under a live bar, so `ProgressFn.paused`
takes the bar down while a person is asked and puts it back afterwards.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from weavesync.cli.context import AppState
from weavesync.cli.session import is_terminal

T = TypeVar("T")
R = TypeVar("R")


class ProgressFn:
    """The callback commands pass on: ``fn(phase, done, total)``. The base class shows nothing."""

    active = False

    def __call__(self, phase: str, done: int, total: int) -> None:
        """Report that `done` of `total` steps of `phase` are finished (a no-op here)."""

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Take the display down for the duration (a prompt is being shown); a no-op here."""
        yield

    def around(self, func: Callable[[T], R]) -> Callable[[T], R]:
        """`func` wrapped so the display is paused while it runs (for prompters called mid-run)."""

        def wrapped(arg: T) -> R:
            with self.paused():
                return func(arg)

        return wrapped


class _Bar(ProgressFn):
    """A rich `Progress` with one task whose description follows the phase."""

    active = True

    def __init__(self, bar: Progress) -> None:
        self._bar = bar
        self._task = bar.add_task("", total=None)

    def __call__(self, phase: str, done: int, total: int) -> None:
        # refresh=True draws every phase as it starts: calls come per tracker and per increment, never in a
        # tight loop, and a phase that lasts long must be on screen from its first moment.
        self._bar.update(self._task, description=phase, completed=done, total=total or None, refresh=True)

    @contextmanager
    def paused(self) -> Iterator[None]:
        self._bar.stop()
        try:
            yield
        finally:
            self._bar.start()


def wanted(state: AppState, stream: object | None = None) -> bool:
    """True when a bar may be drawn on `stream` (default: stderr); see the module docstring for the rules."""
    if state.json or state.quiet:
        return False
    if os.environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return False
    target = sys.stderr if stream is None else stream
    return is_terminal(target)  # type: ignore[arg-type]


def _stderr_console() -> Console:
    """Where bars are drawn (a function so tests can swap in a console on a pseudo terminal)."""
    return Console(stderr=True)


@contextmanager
def progress(state: AppState, first_phase: str, *, console: Console | None = None) -> Iterator[ProgressFn]:
    """A progress callback for one piece of work: a live bar on a terminal, otherwise one that does nothing.

    With an explicit `console` the decision follows that console (tests pass one on a pseudo terminal);
    ``--json`` and ``--quiet`` still turn the bar off.
    """
    if console is None:
        if not wanted(state):
            yield ProgressFn()
            return
        console = _stderr_console()
    elif state.json or state.quiet or not console.is_terminal:
        yield ProgressFn()
        return
    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=True)
    with bar:
        fn = _Bar(bar)
        fn(first_phase, 0, 0)
        yield fn
