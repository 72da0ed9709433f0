"""weavesync and a SpecWeave-like writer in another process change the same metadata.json at the same time.

The other process writes the way SpecWeave 1.0.593 does, without weavesync's lock: read the JSON, bump a counter,
stamp `lastActivity`, sometimes pause or resume, write `metadata.json.tmp` and rename it over the file. weavesync
meanwhile writes a base (its version counting up) and sometimes moves the status to `backlog`, stamping the
status it decided from into `backlogReason`. Afterwards:

- every counter increment is there (no SpecWeave write lost),
- no SpecWeave status change was reverted (weavesync only ever moved away from the status SpecWeave wrote last),
- every weavesync write that went missing was displaced by the SpecWeave-like writer's own unlocked
  read-modify-write (it swaps its file in with RENAME_EXCHANGE, so it sees exactly what it displaced), which no
  writer on weavesync's side can prevent.

CI runs a short race (a few hundred SpecWeave writes); ``WEAVESYNC_LONG=1`` runs 7,200 (bench/README.md).
"""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from weavesync.errors import ConcurrentChange
from weavesync.model import Base, ExternalState, Status
from weavesync.specweave import set_status, write_bases

from .conftest import ProjectFactory, specweave_json

CTX = multiprocessing.get_context("fork")
LONG = os.environ.get("WEAVESYNC_LONG") == "1"
SPECWEAVE_WRITES = 7200 if LONG else 300
KEY = "github:acme/shop#1"
NOW = datetime(2026, 12, 4, tzinfo=UTC)
PAUSE = 0.002
"""Longest pause (s) of the SpecWeave-like writer between writes: a write every ~1 ms on average, far denser
than SpecWeave's, yet sparse enough that weavesync (which fsyncs each write) also gets writes through."""
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two names atomically (Linux renameat2); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    call = getattr(libc, "renameat2", None)
    if call is None:
        return False
    done = call(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(done == 0)


def _version(data: dict[str, Any]) -> int | None:
    own = data.get("weavesync")
    base = own.get("bases", {}).get(KEY) if isinstance(own, dict) else None
    return int(base["version"]) if isinstance(base, dict) else None


def _specweave(path_text: str, writes: int, seed: int, report_text: str) -> None:
    """The SpecWeave-like writer: `writes` read-modify-rename cycles; then a report of what it saw."""
    path, report = Path(path_text), Path(report_text)
    rng = random.Random(seed)
    tmp = path.with_name(path.name + ".tmp")
    mine, my_status = 0, "active"
    lost, reverted, displaced, exact = [], [], [], True
    for _ in range(writes):
        raw = path.read_bytes()
        data = json.loads(raw)
        if data["counter"] != mine:
            lost.append((mine, data["counter"]))
        status = data["status"]
        if status != my_status and not (status == "backlog" and data.get("backlogReason") == f"from {my_status}"):
            reverted.append((my_status, status, data.get("backlogReason")))
        data["counter"] += 1
        mine = data["counter"]
        data["lastActivity"] = f"2026-12-04T10:00:{mine % 60:02d}.{mine:06d}Z"
        if status == "backlog":
            data["status"] = "active"
        elif rng.random() < 0.25:
            data["status"] = "paused" if status == "active" else "active"
        my_status = data["status"]
        tmp.write_bytes(specweave_json(data))
        if _exchange(tmp, path):
            gone = tmp.read_bytes()
            if gone != raw:
                version = _version(json.loads(gone))
                displaced.append(version)
            tmp.unlink()
        else:
            exact = False
            os.replace(tmp, path)
        time.sleep(rng.random() * PAUSE)
    report.write_text(json.dumps({"writes": writes, "lost": lost, "reverted": reverted, "displaced": displaced,
                                  "exact": exact}))


def test_no_write_of_either_side_is_lost(factory: ProjectFactory, tmp_path: Path) -> None:
    folder = factory.increment("0042-a", "active", counter=0)
    project = factory.project
    report = tmp_path / "specweave.json"
    other = CTX.Process(target=_specweave, args=(str(folder / "metadata.json"), SPECWEAVE_WRITES, 7, str(report)))
    other.start()
    ours = {"bases": 0, "status": 0, "decide again": 0}
    written = 0  # the version of our last base write
    missing: set[int] = set()
    while other.is_alive():
        inc = project.increment("42")
        seen = _version(inc.metadata)
        if written and seen != written and (seen is None or seen < written):
            missing.add(written)
        try:
            if written % 7 == 3 and inc.status is not Status.BACKLOG:
                set_status(inc, Status.BACKLOG, now=NOW, reason=f"from {inc.raw_status}")
                ours["status"] += 1
            write_bases(inc, {KEY: Base(Status.ACTIVE, ExternalState("open"), str(written + 1), NOW)})
            written += 1
            ours["bases"] += 1
        except ConcurrentChange:
            ours["decide again"] += 1
    other.join()
    assert other.exitcode == 0
    theirs = json.loads(report.read_text())
    final = json.loads((folder / "metadata.json").read_bytes())
    print(f"\nrace: SpecWeave-like writes {theirs['writes']}, weavesync base writes {ours['bases']}, "
          f"status writes {ours['status']}, ConcurrentChange {ours['decide again']}; SpecWeave writes lost "
          f"{len(theirs['lost'])} (counter {final['counter']}/{theirs['writes']}), status reverts "
          f"{len(theirs['reverted'])}, weavesync writes displaced by the SpecWeave-like writer "
          f"{len(theirs['displaced'])}, weavesync base writes missing {len(missing)}")
    assert theirs["lost"] == [] and final["counter"] == theirs["writes"]
    assert theirs["reverted"] == []
    assert ours["bases"] > 0
    if theirs["exact"]:
        assert missing <= set(theirs["displaced"]), "a weavesync write vanished that SpecWeave did not displace"
