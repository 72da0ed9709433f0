"""Doctor checks on weavesync's own state: writes that are stuck (outbox) and questions nobody answered yet.

A dead entry is broken (it will not succeed on its own: sync-semantics.md §6) and is an error; retrying entries
are a warning with their last error, since they may still succeed; pending decisions are a warning, because
nothing syncs for that link until a person answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from weavesync.doctor.finding import Finding
from weavesync.model import format_utc
from weavesync.store import SCHEMA_VERSION, Decision, OutboxEntry, Store
from weavesync.store.workers import STALE_AFTER


def outbox_findings(entries: Sequence[OutboxEntry], now: datetime) -> list[Finding]:
    out: list[Finding] = []
    for entry in entries:
        where = f"{entry.increment} -> {entry.tracker}:{entry.item}"
        error = " ".join((entry.last_error or "no error recorded").split())
        if entry.state == "dead":
            out.append(Finding("outbox", "error", f"write {where} is dead after {entry.attempts} attempt(s): {error}",
                               "fix the cause named in the error, then run `weavesync retry --dead`",
                               tracker=entry.tracker, item=entry.item))
        elif entry.state == "retrying":
            out.append(Finding("outbox", "warning", f"write {where} is retrying (attempt {entry.attempts}, next at "
                               f"{format_utc(entry.next_attempt_at)}): {error}",
                               "wait for the next attempt, or run `weavesync retry` once the tracker is reachable",
                               tracker=entry.tracker, item=entry.item))
        elif entry.state == "in_flight" and entry.lease_expires_at is not None and entry.lease_expires_at < now:
            out.append(Finding("outbox", "warning", f"write {where} was claimed by {entry.claimed_by} whose lease "
                               "expired (the process probably stopped)", "run `weavesync sync` to carry it out",
                               tracker=entry.tracker, item=entry.item))
    pending = [e for e in entries if e.state == "pending"]
    if pending:
        out.append(Finding("outbox", "info", f"{len(pending)} write(s) waiting to be carried out",
                           "run `weavesync sync` (or keep `weavesync watch` / `serve` running)"))
    if not out:
        out.append(Finding("outbox", "ok", "no pending, retrying or dead writes", None))
    return out


def decision_findings(decisions: Sequence[Decision]) -> list[Finding]:
    out: list[Finding] = []
    for decision in decisions:
        tracker, _, item = decision.link_key.partition(":")
        question = decision.payload.get("question") or decision.payload.get("reason") or decision.kind
        out.append(Finding("decisions", "warning", f"decision #{decision.id} for {decision.increment} is waiting: "
                           f"{' '.join(str(question).split())}",
                           f"answer it with `weavesync resolve {decision.increment}` (or list all with "
                           "`weavesync pending`)", tracker=tracker or None, item=item or None))
    if not out:
        out.append(Finding("decisions", "ok", "no pending decisions", None))
    return out


def store_findings(store: Store, now: datetime) -> list[Finding]:
    """The state store itself (which one, its schema version) and the `serve` workers sharing it: alive while they
    beat, stopped (killed, or their host gone) when not heard of for `STALE_AFTER` seconds."""
    out = [Finding("store", "ok", f"state store {store.where} is reachable, schema version {store.schema_version} "
                   f"(this weavesync: {SCHEMA_VERSION})")]
    for beat in store.workers():
        ago = (now - beat.seen_at).total_seconds()
        if beat.alive(now, within=STALE_AFTER):
            out.append(Finding("workers", "ok", f"{beat.role} worker {beat.worker} is alive (seen {ago:.0f} s ago)"))
        else:
            out.append(Finding("workers", "warning", f"{beat.role} worker {beat.worker} has not been heard of for "
                               f"{ago:.0f} s", "restart it (its claims are taken over when their leases end); "
                               "housekeeping forgets a worker silent for longer than it keeps finished rows"))
    return out
