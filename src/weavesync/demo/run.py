"""`run_demo`: the whole story, from an empty folder to a stopped sandbox, in one call.

It owns the lifetime of everything it starts: the temporary project folder (removed unless the caller gave a
folder to keep) and the sandbox servers (stopped in a `finally`, whatever happens), so a demo that fails half-way
still leaves nothing running. A caller may pass its own running `Sandbox` instead (tests do, to look inside it
afterwards); the demo then leaves that one running.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from weavesync.demo.events import Emit, Line
from weavesync.demo.finale import final_states, step_log
from weavesync.demo.project import write_project
from weavesync.demo.steps import set_up, step_completion, step_person
from weavesync.demo.summary import DemoSummary
from weavesync.demo.trouble import step_conflict, step_failures
from weavesync.demo.world import DemoWorld
from weavesync.errors import WeavesyncError
from weavesync.executor import Prompter
from weavesync.sandbox import Sandbox


def _retry_line(emit: Emit) -> Callable[[dict[str, object]], None]:
    """Show failed attempts as they happen, so the waits are seen while they are waited."""

    def listen(record: dict[str, object]) -> None:
        outcome = record.get("outcome")
        if outcome not in ("retrying", "dead", "failed"):
            return
        error = str(record.get("error") or "").split(". ", 1)[0]
        plan = str(record.get("reason") or "").rsplit("; ", 1)[-1]
        emit(Line(f"  attempt {record.get('attempt')} {outcome}: {error} → {plan}", "warn"))

    return listen


def run_demo(emit: Emit, *, prompter: Prompter | None = None, directory: Path | None = None,
             sandbox: Sandbox | None = None, clock: Callable[[], float] = time.monotonic) -> DemoSummary:
    """Run the five steps, emitting events as they happen, and return what the trackers and files hold at the end.

    `prompter` answers step 2's questions (a terminal prompter when a person is there); None means nobody is: the
    questions become pending decisions (as `weavesync sync` does off a terminal), which the demo then accepts the
    way `weavesync resolve --all --accept` does, showing each command. `directory` keeps the project there (it
    must not already hold `.specweave/`); otherwise a temporary folder is used and removed.
    """
    started = clock()
    interactive = prompter is not None
    root = directory if directory is not None else Path(tempfile.mkdtemp(prefix="weavesync-demo-"))
    summary = DemoSummary(root=root, kept=directory is not None, interactive=interactive)
    box = sandbox if sandbox is not None else Sandbox(log_level="error")
    world: DemoWorld | None = None
    try:
        write_project(root)
        if sandbox is None:
            try:
                box.start()
            except RuntimeError as exc:
                raise WeavesyncError(f"the demo sandbox could not start: {exc}",
                                     hint="the demo listens on free ports of 127.0.0.1; check that loopback "
                                          "connections are allowed") from exc
        summary.urls = dict(box.urls)
        world = DemoWorld(box, root, listener=_retry_line(emit))
        set_up(world, emit)
        step_completion(world, emit)
        summary.decisions = step_person(world, emit, prompter)
        summary.retry = step_failures(world, emit)
        summary.conflict = step_conflict(world, emit)
        summary.log_records = step_log(world, emit)
        summary.statuses, summary.items = final_states(world, emit)
        with world.session() as session:
            summary.pending = len(session.store.pending_decisions())
    finally:
        if world is not None:
            world.close()
        if sandbox is None:
            box.stop()
        if directory is None:
            shutil.rmtree(root, ignore_errors=True)
    summary.elapsed = clock() - started
    return summary


__all__ = ["run_demo"]
