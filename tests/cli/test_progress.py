"""`cli.progress`: a transient bar on a terminal only, silent with --json, --quiet or off a terminal; and the
phases the sync commands report through the executor's `progress` callback."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rich.console import Console

from weavesync.cli import progress as progress_module
from weavesync.cli import sync_cmd
from weavesync.cli.context import AppState
from weavesync.cli.progress import ProgressFn, progress, wanted

from .sync_world import INC, SyncWorld, make_world
from .test_sync_pty import run_on_pty


class TtyBuffer(io.StringIO):
    def isatty(self) -> bool:
        return True


def terminal_console(buffer: io.StringIO) -> Console:
    return Console(file=buffer, force_terminal=True, width=100, color_system=None)


def test_a_bar_on_a_terminal_shows_each_phase() -> None:
    buffer = io.StringIO()
    with progress(AppState(), "starting", console=terminal_console(buffer)) as tell:
        assert tell.active
        tell("reading 3 github item(s)", 1, 3)
        tell("writing to the trackers", 0, 0)
    shown = buffer.getvalue()
    assert "starting" in shown and "reading 3 github item(s)" in shown and "1/3" in shown
    assert "writing to the trackers" in shown


@pytest.mark.parametrize("state", [AppState(json=True), AppState(quiet=True)], ids=["json", "quiet"])
def test_json_and_quiet_turn_the_bar_off(state: AppState) -> None:
    buffer = io.StringIO()
    with progress(state, "starting", console=terminal_console(buffer)) as tell:
        assert not tell.active
        tell("reading", 1, 2)
    assert buffer.getvalue() == ""


def test_off_a_terminal_nothing_is_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # colour forced on is still not a person watching
    assert not wanted(AppState(), io.StringIO())
    assert wanted(AppState(), TtyBuffer())
    monkeypatch.setenv("TERM", "dumb")
    assert not wanted(AppState(), TtyBuffer())
    with progress(AppState(), "starting") as tell:  # pytest's stderr is captured, not a terminal
        assert type(tell) is ProgressFn


def test_the_bar_steps_aside_for_a_prompt() -> None:
    buffer = io.StringIO()
    seen: list[bool] = []
    with progress(AppState(), "starting", console=terminal_console(buffer)) as tell:
        live = tell._bar.live

        def ask(question: str) -> str:
            seen.append(live.is_started)
            return question.upper()

        assert tell.around(ask)("yes") == "YES"
        assert live.is_started, "the bar is back after the prompt"
    assert seen == [False]
    assert ProgressFn().around(ask)("no") == "NO"


@pytest.fixture()
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SyncWorld:
    return make_world(tmp_path, monkeypatch)


def record_phases(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, int]]:
    calls: list[tuple[str, int, int]] = []

    class Recorder(ProgressFn):
        active = True

        def __call__(self, phase: str, done: int, total: int) -> None:
            calls.append((phase, done, total))

    @contextmanager
    def fake(state: AppState, first_phase: str, *, console: Console | None = None) -> Iterator[ProgressFn]:
        yield Recorder()

    monkeypatch.setattr(sync_cmd, "progress", fake)
    return calls


@pytest.mark.parametrize("command", ["sync", "plan"])
def test_sync_and_plan_report_their_phases(world: SyncWorld, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    calls = record_phases(monkeypatch)
    world.set_local("completed")
    assert world.invoke(command).exit_code in (0, 4)
    assert ("reading 1 github item(s)", 0, 1) in calls
    assert ("read the linked items", 1, 1) in calls
    assert (f"deciding {INC}", 0, 1) in calls
    assert (("writing to the trackers", 0, 0) in calls) == (command == "sync"), "plan never writes"


def test_sync_shows_the_bar_on_a_pseudo_terminal(world: SyncWorld) -> None:
    if sys.platform == "win32":  # pragma: no cover
        pytest.skip("needs a POSIX pseudo-terminal")
    world.set_local("completed")
    code, shown = run_on_pty(world, [], "sync")
    assert code == 0, shown
    assert "reading 1 github item(s)" in shown and f"deciding {INC}" in shown
    assert "push" in shown, "the report follows the bar"


def test_progress_goes_to_stderr_and_never_into_json(world: SyncWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "wanted", lambda state, stream=None: not (state.json or state.quiet))
    buffer = TtyBuffer()
    monkeypatch.setattr(progress_module, "_stderr_console", lambda: terminal_console(buffer))
    world.set_local("completed")
    code, report = world.json("plan")
    assert code == 4 and report["changes"] and buffer.getvalue() == ""
    text = world.invoke("plan")
    assert "reading 1 github item(s)" in buffer.getvalue()
    assert "reading" not in text.stdout
