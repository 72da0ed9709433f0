"""The sync log (AC-US4-04, sync-semantics.md §7): one JSON Lines record per attempt and outcome.

Files live under ``.specweave/logs/``: ``weavesync-sync.jsonl`` for attempts and ``weavesync-conflicts.jsonl`` for
the conflict history (§5, ``weavesync log --conflicts``). Several processes write at once (a watcher, a webhook
receiver, a CLI run), so every record is appended with one ``write()`` on an ``O_APPEND`` descriptor while holding
an exclusive ``flock``: lines never interleave. Readers take no lock; instead they skip (and count) any line that
is torn or garbage, including an unfinished last line, so a crash mid-write never breaks ``weavesync log``.

Every record has exactly the contract's fields, validated on the way in, and every text is passed through
`redact()`: a log is shared in bug reports, so it must never carry a token.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

from weavesync.model import ExternalState, format_utc, parse_utc

try:  # POSIX only; on other systems O_APPEND alone keeps single-write lines whole.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

SYNC_FILE = "weavesync-sync.jsonl"
CONFLICT_FILE = "weavesync-conflicts.jsonl"

FIELDS: tuple[str, ...] = (
    "ts", "increment", "tracker", "item", "direction", "from", "to", "reason", "trigger", "outcome", "attempt",
    "op", "error",
)
REQUIRED: frozenset[str] = frozenset({"increment", "tracker", "item", "direction", "reason", "trigger", "outcome"})
TRACKERS = frozenset({"github", "jira", "ado"})
DIRECTIONS = frozenset({"push", "pull"})
TRIGGERS = frozenset({"cli", "watch", "webhook", "poll", "retry"})
OUTCOMES = frozenset({"ok", "noop", "failed", "retrying", "dead", "pending", "declined", "withdrawn", "refused"})

CONFLICT_FIELDS: tuple[str, ...] = (
    "ts", "increment", "tracker", "item", "strategy", "outcome", "local", "external", "reason", "op",
)
STRATEGIES = frozenset({"prompt", "last-write-wins", "specweave-wins", "external-wins"})
CONFLICT_OUTCOMES = frozenset({"specweave", "external", "custom", "pending", "skipped"})

_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization schemes: "Bearer abc", "Basic dXNlcjpwYXNz", "token ghp_…" (long values only for Basic and
    # token, so prose such as "token expired" stays readable).
    (re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9._~+/=-]{4,}"), r"\1\2***"),
    (re.compile(r"(?i)\b(basic|token)(\s+)[A-Za-z0-9._~+/=-]{12,}"), r"\1\2***"),
    # Header-ish and query-ish assignments: "Authorization: xyz", "token=abc", "api_key=…", "password: …".
    (re.compile(r"(?i)\b(authorization|cookie|x-api-key|private-token|access_token|refresh_token|token|api[_-]?key"
                r"|password|passwd|secret|client_secret|pat|sig)(\s*[:=]\s*)(?!\*\*\*)([^\s&,;\"']+)"), r"\1\2***"),
    # JSON-ish: "token": "abc".
    (re.compile(r"(?i)(\"(?:access_|refresh_)?token\"|\"password\"|\"secret\"|\"authorization\")(\s*:\s*)\"[^\"]*\""),
     r'\1\2"***"'),
    # Well-known token shapes anywhere: GitHub, Atlassian.
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,}|ATATT[A-Za-z0-9_=+/-]{16,})"), "***"),
    # Credentials inside URLs: https://user:secret@host, and a bare token as the user (https://ghp_x@host).
    (re.compile(r"(?i)\b(https?://)[^/\s@?#]+@"), r"\1***@"),
)


def redact(text: str) -> str:
    """`text` with anything that looks like a credential replaced by ``***``."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SyncLog:
    """Append and read the sync log and the conflict history in one ``logs`` folder.

    `now` is injectable so tests and replays control `ts`. `skipped` counts the unreadable lines met by the most
    recent `records()` iteration.
    """

    def __init__(self, logs_dir: Path, *, now: Callable[[], datetime] = _utc_now) -> None:
        self.logs_dir = Path(logs_dir)
        self._now = now
        self.skipped = 0

    @property
    def path(self) -> Path:
        return self.logs_dir / SYNC_FILE

    @property
    def conflicts_path(self) -> Path:
        return self.logs_dir / CONFLICT_FILE

    def record(self, **fields: object) -> dict[str, object]:
        """Append one attempt/outcome record; returns exactly what was written.

        Keys are the contract's (§7); ``from_`` is accepted for ``from`` (a Python keyword). Missing optional keys
        are written as null so every line has the same shape. Raises ValueError on an unknown key or value.
        """
        if "from_" in fields:
            if "from" in fields:
                raise ValueError("give either 'from' or 'from_', not both")
            fields["from"] = fields.pop("from_")
        unknown = sorted(set(fields) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown sync log field(s): {', '.join(unknown)}")
        missing = sorted(REQUIRED - {k for k, v in fields.items() if v is not None})
        if missing:
            raise ValueError(f"missing sync log field(s): {', '.join(missing)}")
        out: dict[str, object] = {"ts": self._ts(fields.get("ts"))}
        for key in FIELDS[1:]:
            out[key] = _text_or_none(key, fields.get(key)) if key != "attempt" else _attempt(fields.get("attempt"))
        _one_of("tracker", out["tracker"], TRACKERS)
        _one_of("direction", out["direction"], DIRECTIONS)
        _one_of("trigger", out["trigger"], TRIGGERS)
        _one_of("outcome", out["outcome"], OUTCOMES)
        for key in ("increment", "item", "reason"):
            if not str(out[key]).strip():
                raise ValueError(f"sync log field {key!r} must not be empty")
        _append(self.path, out)
        return out

    def record_conflict(
        self,
        *,
        increment: str,
        tracker: str,
        item: str,
        strategy: str,
        outcome: str,
        local: str,
        external: ExternalState | Mapping[str, object] | str,
        reason: str,
        op: str | None = None,
        ts: datetime | None = None,
    ) -> dict[str, object]:
        """Append one entry to the conflict history: both sides, the strategy, and which side won."""
        _one_of("tracker", str(tracker), TRACKERS)
        _one_of("strategy", str(strategy), STRATEGIES)
        _one_of("outcome", str(outcome), CONFLICT_OUTCOMES)
        if isinstance(external, ExternalState):
            ext: object = external.to_json()
        elif isinstance(external, Mapping):
            ext = json.loads(redact(json.dumps(dict(external), default=str)))
        else:
            ext = redact(str(external))
        out: dict[str, object] = {
            "ts": self._ts(ts),
            "increment": _text_or_none("increment", increment),
            "tracker": str(tracker),
            "item": _text_or_none("item", item),
            "strategy": str(strategy),
            "outcome": str(outcome),
            "local": _text_or_none("local", local),
            "external": ext,
            "reason": _text_or_none("reason", reason),
            "op": _text_or_none("op", op),
        }
        _append(self.conflicts_path, out)
        return out

    def records(
        self,
        increment: str | None = None,
        tracker: str | None = None,
        since: datetime | None = None,
        conflicts: bool = False,
    ) -> Iterator[dict[str, object]]:
        """Records in file order, filtered; torn or garbage lines are skipped and counted in `skipped`."""
        self.skipped = 0
        path = self.conflicts_path if conflicts else self.path
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            return
        with handle:
            for raw in handle:
                record = self._parse(raw)
                if record is None:
                    self.skipped += 1
                    continue
                if increment is not None and record.get("increment") != increment:
                    continue
                if tracker is not None and record.get("tracker") != str(tracker):
                    continue
                if since is not None and parse_utc(str(record["ts"])) < since:
                    continue
                yield record

    @staticmethod
    def _parse(raw: bytes) -> dict[str, object] | None:
        if not raw.endswith(b"\n"):
            return None  # unfinished last line: a writer crashed or is still writing
        try:
            record = json.loads(raw)
            if not isinstance(record, dict) or not isinstance(record.get("ts"), str):
                return None
            parse_utc(record["ts"])
        except (ValueError, UnicodeDecodeError):
            return None
        return record

    def _ts(self, value: object) -> str:
        if value is None:
            value = self._now()
        if not isinstance(value, datetime):
            raise ValueError("ts must be a datetime")
        return format_utc(value)


def _one_of(key: str, value: object, allowed: frozenset[str]) -> None:
    if value not in allowed:
        raise ValueError(f"sync log field {key!r} must be one of {', '.join(sorted(allowed))}, not {value!r}")


def _text_or_none(key: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):  # StrEnum values (Status, Tracker) are str
        raise ValueError(f"sync log field {key!r} must be text, not {type(value).__name__}")
    return redact(str(value))


def _attempt(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"sync log field 'attempt' must be a non-negative integer, not {value!r}")
    return value


def _append(path: Path, record: Mapping[str, object]) -> None:
    """One line, one write(), under an exclusive lock, so concurrent writers never interleave."""
    line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(line)
        while view:  # a regular file takes it in one write; loop only guards against a short write
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)  # closing releases the lock


__all__ = ["CONFLICT_FILE", "FIELDS", "OUTCOMES", "SYNC_FILE", "TRIGGERS", "SyncLog", "redact"]
