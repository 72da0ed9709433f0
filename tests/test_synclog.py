"""The JSON Lines sync log (sync-semantics.md §7) and the conflict history (§5)."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from weavesync.model import ExternalState, Status, Tracker
from weavesync.synclog import CONFLICT_FILE, FIELDS, SYNC_FILE, SyncLog, redact

T0 = datetime(2026, 11, 24, 10, 31, 2, 123456, tzinfo=UTC)


def clock(start: datetime = T0) -> Callable[[], datetime]:
    """A fake clock that moves one minute per call."""
    state = {"now": start}

    def now() -> datetime:
        state["now"] += timedelta(minutes=1)
        return state["now"]

    return now


def entry(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "increment": "0042-checkout", "tracker": "github", "item": "acme/shop#101", "direction": "push",
        "from_": "active", "to": "completed", "reason": "SpecWeave status changed active → completed",
        "trigger": "cli", "outcome": "ok", "attempt": 1, "op": "op-1",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def log(tmp_path: Path) -> SyncLog:
    return SyncLog(tmp_path / ".specweave" / "logs", now=clock())


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_record_has_exactly_the_contract_fields(log: SyncLog) -> None:
    written = log.record(**entry())
    (on_disk,) = lines(log.path)
    assert log.path.name == SYNC_FILE and log.path.parent.name == "logs"
    assert list(on_disk) == list(FIELDS)
    assert on_disk == written
    assert on_disk["from"] == "active" and on_disk["to"] == "completed" and on_disk["error"] is None
    assert on_disk["ts"] == "2026-11-24T10:32:02.123Z"


def test_ts_is_utc_with_z_whatever_the_input_zone(log: SyncLog) -> None:
    paris = datetime(2026, 11, 24, 11, 31, 2, tzinfo=timezone(timedelta(hours=1)))
    written = log.record(**entry(ts=paris))
    assert written["ts"] == "2026-11-24T10:31:02.000Z"


def test_enums_are_written_as_their_values(log: SyncLog) -> None:
    written = log.record(**entry(tracker=Tracker.JIRA, from_=Status.ACTIVE, to=Status.COMPLETED))
    assert (written["tracker"], written["from"], written["to"]) == ("jira", "active", "completed")


@pytest.mark.parametrize(
    "bad",
    [
        {"outcome": "maybe"},
        {"trigger": "cron"},
        {"direction": "sideways"},
        {"tracker": "gitlab"},
        {"attempt": -1},
        {"attempt": True},
        {"reason": " "},
        {"colour": "red"},
        {"reason": None},
        {"from": "active"},  # together with from_
    ],
)
def test_invalid_records_are_refused(log: SyncLog, bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        log.record(**entry(**bad))
    assert not log.path.exists()


def test_every_outcome_of_the_contract_is_accepted(log: SyncLog) -> None:
    for outcome in ("ok", "noop", "failed", "retrying", "dead", "pending", "declined"):
        log.record(**entry(outcome=outcome))
    assert [r["outcome"] for r in log.records()] == ["ok", "noop", "failed", "retrying", "dead", "pending",
                                                      "declined"]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("GET /user failed: Authorization: Bearer abcdef123456", "abcdef123456"),
        ("sent Basic dXNlckBleGFtcGxlLmNvbTpBVEFUVDM= and got 401", "dXNlckBleGFtcGxlLmNvbTpBVEFUVDM="),
        ("https://dev.azure.com/acme/_apis?token=s3cr3tvalue&x=1", "s3cr3tvalue"),
        ("token ghp_0123456789abcdefABCDEF0123456789abcd rejected", "ghp_0123456789abcdefABCDEF0123456789abcd"),
        ("clone https://bob:hunter22@example.com/repo failed", "hunter22"),
        ("GET https://tok3n-only-userinfo@ghe.example.com/api/v3/user", "tok3n-only-userinfo"),
        ('body {"token": "xyz-987-secret"}', "xyz-987-secret"),
        ("api_key=AKIA0000SECRET", "AKIA0000SECRET"),
    ],
)
def test_secrets_are_redacted_before_writing(log: SyncLog, text: str, secret: str) -> None:
    log.record(**entry(outcome="failed", error=text, reason=f"write failed: {text}"))
    raw = log.path.read_text(encoding="utf-8")
    assert secret not in raw
    assert "***" in raw


def test_redaction_keeps_ordinary_prose() -> None:
    text = "closed in GitHub by alice; token expired, Basic auth refused"
    assert redact(text) == text


def test_filters_by_increment_tracker_and_time(log: SyncLog) -> None:
    log.record(**entry())  # 10:32
    log.record(**entry(increment="0043-search", tracker="jira", item="CORE-7"))  # 10:33
    log.record(**entry(tracker="ado", item="acme/Shop/42"))  # 10:34
    assert [r["item"] for r in log.records(increment="0042-checkout")] == ["acme/shop#101", "acme/Shop/42"]
    assert [r["item"] for r in log.records(tracker="jira")] == ["CORE-7"]
    since = datetime(2026, 11, 24, 10, 33, tzinfo=UTC)
    assert [r["item"] for r in log.records(since=since)] == ["CORE-7", "acme/Shop/42"]
    assert [r["item"] for r in log.records(increment="0042-checkout", since=since)] == ["acme/Shop/42"]


def test_torn_and_garbage_lines_are_skipped_and_counted(log: SyncLog) -> None:
    log.record(**entry(op="a"))
    with log.path.open("ab") as handle:
        handle.write(b'{"ts": "2026-11-24T10:40:00.000Z", "increm\n')  # torn by a crash
        handle.write(b"\x00\xff garbage\n")
        handle.write(b"[1, 2]\n")
    log.record(**entry(op="b"))
    with log.path.open("ab") as handle:
        handle.write(b'{"ts": "2026-11-24T10:50:00.000Z"')  # unfinished last line
    assert [r["op"] for r in log.records()] == ["a", "b"]
    assert log.skipped == 4


def test_missing_log_reads_as_empty(tmp_path: Path) -> None:
    assert list(SyncLog(tmp_path / "nowhere").records()) == []


def test_conflict_history_is_a_separate_file(log: SyncLog) -> None:
    log.record(**entry())
    written = log.record_conflict(
        increment="0042-checkout", tracker="github", item="acme/shop#101", strategy="last-write-wins",
        outcome="specweave", local="paused", external=ExternalState("closed", reason="not_planned"),
        reason="conflict resolved by last-write-wins", op="op-9",
    )
    assert log.conflicts_path.name == CONFLICT_FILE
    (conflict,) = log.records(conflicts=True)
    assert conflict == written
    assert conflict["external"] == {"state": "closed", "reason": "not_planned"}
    assert [r["op"] for r in log.records()] == ["op-1"]
    with pytest.raises(ValueError):
        log.record_conflict(increment="0042-checkout", tracker="github", item="acme/shop#101", strategy="coin-flip",
                            outcome="specweave", local="paused", external="closed", reason="x")


def _append_many(logs_dir: str, writer: int, count: int) -> None:
    log = SyncLog(Path(logs_dir))
    for n in range(count):
        # Long reasons: far above the pipe-atomicity size, so interleaving would show.
        log.record(**entry(op=f"w{writer}-{n}", reason=f"writer {writer} " + "x" * 20_000))


def test_two_processes_appending_concurrently_write_whole_lines(tmp_path: Path) -> None:
    logs_dir = tmp_path / "logs"
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_append_many, args=(str(logs_dir), w, 150)) for w in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    log = SyncLog(logs_dir)
    ops = [r["op"] for r in log.records()]
    assert log.skipped == 0
    assert sorted(ops) == sorted(f"w{w}-{n}" for w in (1, 2) for n in range(150))
    for writer in (1, 2):  # each writer's own lines stay in its order
        mine = [op for op in ops if str(op).startswith(f"w{writer}-")]
        assert mine == [f"w{writer}-{n}" for n in range(150)]
