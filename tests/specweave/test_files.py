"""atomic_write survives a kill between temp file and rename; increment_lock serialises processes."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from weavesync.errors import LockTimeout
from weavesync.model import Link, LinkRole, Status, Tracker
from weavesync.specweave import Project, add_link, atomic_write, increment_lock, set_status
from weavesync.specweave.files import TEMP_SUFFIX, lock_path_for

from .conftest import ProjectFactory

SRC = str(Path(__file__).resolve().parents[2] / "src")
CTX = multiprocessing.get_context("fork")
NOW = datetime(2026, 11, 24, tzinfo=UTC)


def _temps(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{TEMP_SUFFIX}"))


# ---- atomic_write --------------------------------------------------------------------------------------------


def test_atomic_write_replaces_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "metadata.json"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert _temps(tmp_path) == []


def test_atomic_write_creates_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "fresh.json"
    atomic_write(target, b"{}")
    assert target.read_bytes() == b"{}"
    assert stat.S_IMODE(target.stat().st_mode) & 0o600 == 0o600


def test_atomic_write_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_bytes(b"old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    atomic_write(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_failed_write_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "metadata.json"
    target.write_bytes(b"old")

    def boom(tmp: Path) -> None:
        assert tmp.read_bytes() == b"new"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, b"new", before_replace=boom)
    assert target.read_bytes() == b"old"
    assert _temps(tmp_path) == []


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, sys.argv[1])
    from pathlib import Path
    from weavesync.specweave.files import atomic_write

    def die(tmp):
        os.kill(os.getpid(), signal.SIGKILL)

    atomic_write(Path(sys.argv[2]), sys.argv[3].encode(), before_replace=die)
    """
)


def test_kill_between_temp_and_rename_leaves_old_file_intact(tmp_path: Path) -> None:
    target = tmp_path / "metadata.json"
    old = b'{\n  "status": "active"\n}'
    target.write_bytes(old)
    result = subprocess.run([sys.executable, "-c", KILL_SCRIPT, SRC, str(target), '{"status": "paused"}'], check=False)
    assert result.returncode == -signal.SIGKILL
    assert target.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(TEMP_SUFFIX)] == ["metadata.json"]
    leftovers = _temps(tmp_path)
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".metadata.json.")
    assert leftovers[0].read_bytes() == b'{"status": "paused"}'  # complete, and hidden from every reader


KILL_IN_SET_STATUS = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, sys.argv[1])
    from datetime import datetime, timezone
    from pathlib import Path
    from weavesync.model import Status
    from weavesync.specweave import Project, cas, writer

    real = cas._exchange

    def crashing(tmp, target):  # the temp file is complete and synced; the swap is next
        if target.name == "metadata.json":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(tmp, target)

    cas._exchange = crashing
    inc = Project(Path(sys.argv[2])).increment("42")
    writer.set_status(inc, Status.COMPLETED, now=datetime(2026, 11, 24, tzinfo=timezone.utc))
    """
)


def test_kill_during_set_status_is_repaired_by_the_next_run(factory: ProjectFactory) -> None:
    folder = factory.increment("0042-checkout", "active")
    meta_before = (folder / "metadata.json").read_bytes()
    result = subprocess.run([sys.executable, "-c", KILL_IN_SET_STATUS, SRC, str(factory.root)], check=False)
    assert result.returncode == -signal.SIGKILL

    inc = factory.project.increment("42")
    assert (folder / "metadata.json").read_bytes() == meta_before  # the truth still says active
    assert inc.status is Status.ACTIVE and inc.spec_status == "completed" and inc.status_mismatch
    assert len(_temps(folder)) == 1

    done = set_status(inc, Status.COMPLETED, now=NOW)
    assert done.status is Status.COMPLETED and not done.status_mismatch
    assert _temps(folder) == []  # the killed run's temp file is cleaned up under the lock


# ---- increment_lock ------------------------------------------------------------------------------------------


def test_lock_file_lives_in_state_locks(factory: ProjectFactory) -> None:
    folder = factory.increment("0042-a")
    archived = factory.increment("0007-old", archived=True)
    assert lock_path_for(folder) == factory.root / ".specweave" / "state" / "locks" / "0042-a.lock"
    assert lock_path_for(archived) == factory.root / ".specweave" / "state" / "locks" / "0007-old.lock"
    with increment_lock(folder) as held:
        assert held.exists()


def _log_pairs(folder: str, log: str, name: str, start: multiprocessing.synchronize.Event, rounds: int) -> None:
    import time

    start.wait()
    for _ in range(rounds):
        with increment_lock(Path(folder)):
            with open(log, "a") as handle:
                handle.write(f"{name} start\n")
                handle.flush()
            time.sleep(0.002)  # widen the window an unlocked writer would interleave in
            with open(log, "a") as handle:
                handle.write(f"{name} end\n")


def test_two_processes_never_interleave(factory: ProjectFactory, tmp_path: Path) -> None:
    folder = factory.increment("0042-a")
    log = tmp_path / "log.txt"
    start = CTX.Event()
    workers = [CTX.Process(target=_log_pairs, args=(str(folder), str(log), name, start, 25)) for name in ("a", "b")]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    lines = log.read_text().splitlines()
    assert len(lines) == 100
    for first, second in zip(lines[::2], lines[1::2], strict=True):
        name = first.split()[0]
        assert (first, second) == (f"{name} start", f"{name} end")


def _add_links(root: str, name: str, start: multiprocessing.synchronize.Event, count: int) -> None:
    start.wait()
    project = Project(Path(root))
    for n in range(count):
        inc = project.increment("42")  # a snapshot that the other process makes stale at once
        add_link(inc, Link(Tracker.JIRA, f"{name}-{n + 1}", LinkRole.USER_STORY, f"US-{name}{n}"))


def test_concurrent_writers_lose_no_update(factory: ProjectFactory) -> None:
    factory.increment("0042-a")
    start = CTX.Event()
    workers = [CTX.Process(target=_add_links, args=(str(factory.root), name, start, 15)) for name in ("AAA", "BBB")]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    inc = factory.project.increment("42")
    assert len(inc.links) == 30
    json.loads(inc.metadata_path.read_bytes())  # still valid JSON


def _hold(folder: str, held: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event) -> None:
    with increment_lock(Path(folder)):
        held.set()
        release.wait(30)


def test_lock_timeout_when_another_process_holds_it(factory: ProjectFactory) -> None:
    folder = factory.increment("0042-a")
    held, release = CTX.Event(), CTX.Event()
    holder = CTX.Process(target=_hold, args=(str(folder), held, release))
    holder.start()
    try:
        assert held.wait(30)
        with pytest.raises(LockTimeout, match="another weavesync process"), increment_lock(folder, timeout=0.05):
            pass
        inc = factory.project.increment("42")
        with pytest.raises(LockTimeout):
            add_link(inc, Link(Tracker.JIRA, "X-1"), lock_timeout=0.05)
    finally:
        release.set()
        holder.join()
    with increment_lock(folder, timeout=5):  # released with its process
        pass


def test_lock_is_reentrant_in_one_thread(factory: ProjectFactory) -> None:
    factory.increment("0042-a")
    inc = factory.project.increment("42")
    with increment_lock(inc.path, timeout=1), increment_lock(inc.path, timeout=1):
        after = set_status(inc, Status.PAUSED, now=NOW, reason="r")
    assert after.status is Status.PAUSED
    assert os.listdir(factory.root / ".specweave" / "state" / "locks") == ["0042-a.lock"]
