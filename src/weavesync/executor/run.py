"""The outbox worker: claim desired states, write them, record receipts, retry or give up — never drop.

Each claimed entry is one link's desired state. The adapter re-reads the item and writes only what differs, so a
replay after a crash (the entry's lease expired) never writes twice. Short waits are slept in-process through
stamina, with the delay our `RetryPolicy` computes from the server's `Retry-After` or exponential backoff; a
long wait puts the entry back in the outbox with its next attempt time instead of blocking the process. Every
attempt and outcome is one sync-log record (AC-US4-04, AC-US4-05).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import stamina

from weavesync.engine import managed_part
from weavesync.engine.describe import external_text
from weavesync.engine.retry import RetryPlan
from weavesync.errors import TrackerError, WeavesyncError
from weavesync.executor.codec import target_from_json
from weavesync.executor.session import SyncSession
from weavesync.model import Base, ExternalState, Receipt, RemoteItem, Status, Tracker
from weavesync.specweave import write_bases
from weavesync.store import OutboxEntry

LEASE_SECONDS = 30.0
"""How long a claim holds without news from its worker. Short, because a crashed worker's entry waits this long
before another takes it over (a worker on this machine whose process is gone is taken over at once, see
`free_dead_claims`); a write that waits longer (a tracker's Retry-After) renews it before sleeping."""


@dataclass
class WriteOutcome:
    """How one outbox entry ended this time: ok / noop (done), retrying (rescheduled), dead."""

    entry_id: int
    op_id: str
    increment: str
    tracker: str
    item: str
    status: str
    outcome: str
    attempts: int
    error: str | None = None
    waits: list[float] = field(default_factory=list)
    receipt: Receipt | None = None


def drain(session: SyncSession, *, trigger: str = "cli", max_rounds: int = 1000) -> list[WriteOutcome]:
    """Carry out every due outbox entry, link by link in order, until nothing is due."""
    outcomes: list[WriteOutcome] = []
    free_dead_claims(session)
    for _ in range(max_rounds):
        # Before each claim (leases run out while a drain works): crashed writes that a newer state replaces are
        # superseded here, where what of them landed is announced, rather than silently inside `claim`.
        _announce_landed(session, session.store.supersede_abandoned_heads(session.now()), trigger)
        entries = session.store.claim(session.now(), worker=session.worker, lease_seconds=LEASE_SECONDS)
        if not entries:
            break
        fresh = _read_claimed(session, entries)
        for entry in entries:
            # Only an entry's first write of its item may use the batched read: an earlier entry of this batch
            # for the same item has changed it since.
            current = fresh.pop((entry.tracker, entry.item), None)
            outcomes.append(execute(session, entry, trigger=trigger, current=current))
    return outcomes


def free_dead_claims(session: SyncSession) -> int:
    """End the claims of workers on this machine whose process no longer runs (a `sync` or `watch` killed with
    kill -9): their entries are taken over now, not when the lease runs out. Returns how many were freed."""
    dead = [w for w in session.store.in_flight_claimers() if _dead_here(w)]
    return session.store.expire_claims(dead, now=session.now()) if dead else 0


def _announce_landed(session: SyncSession, superseded: list[OutboxEntry], trigger: str) -> None:
    """A crashed write replaced by a newer desired state may have landed before the crash (the issue was closed)
    without its completion comment. Where the item still shows the superseded state, post the comment it owed
    (found by its marker, so never twice) before the newer write moves the item on."""
    owing = [e for e in superseded if e.desired.get("comment")]
    for entry in owing:
        tracker = Tracker(entry.tracker)
        try:
            mapping = session.mapping(tracker)
            adapter = session.adapter(tracker)
            if _announced_already(session, entry):
                continue
            seen = adapter.read_many([entry.item], mapping.managed).get(entry.item)
            target = target_from_json(entry.desired["target"])
            # Landed means the state did (closed as not planned), whatever became of weavesync's own labels.
            if seen is None or not mapping.satisfies(replace(seen.state, markers=target.markers),
                                                     Status(entry.desired["status"])):
                continue  # the old write never changed the state: nothing to announce
            posted = adapter.comment(entry.item, entry.desired["comment"], entry.op_id,
                                     announced_since=seen.status_changed_at)
            session.store.note_landed(entry.id, receipt={"commented": True, "announced": True}, now=session.now())
            if posted:
                _log(session, entry, entry.desired.get("from"), entry.desired["status"],
                     f"{entry.reason}; completion comment posted for a write that landed before its worker died",
                     trigger, "ok", entry.attempts + 1)
        except (WeavesyncError, ValueError, KeyError) as exc:
            _log(session, entry, entry.desired.get("from"), entry.desired.get("status"),
                 "completion comment of a superseded write not posted", trigger, "failed", entry.attempts + 1,
                 error=str(exc))


def _announced_already(session: SyncSession, entry: OutboxEntry) -> bool:
    """Has another operation already announced the state `entry` would announce? Two crashed writes of the same
    status (the second queued while the first was unfinished) find the item in that state alike; only the first
    may comment. Looked for since the link's last receipt: an operation of the same status that commented (a
    completed entry, or an announced superseded one) owns this closure."""
    status = entry.desired.get("status")
    before = session.store.last_receipt(entry.link_key)
    since = None if before is None else before.get("op_id")
    history = session.store.outbox(link_key=entry.link_key)
    start = next((i for i, e in enumerate(history) if e.op_id == since), 0)
    return any(e.id != entry.id and e.id < entry.id and e.desired.get("status") == status
               and (e.receipt or {}).get("commented") for e in history[start:])


def _dead_here(worker: str) -> bool:
    """Is `worker` (``host:pid:tag``, `SyncSession.worker`) a process of this machine that has ended?"""
    host, _, rest = worker.partition(":")
    pid_text = rest.partition(":")[0]
    if os.name != "posix" or host != socket.gethostname() or not pid_text.isdigit():
        return False  # another machine's worker, or no safe way to ask: its lease decides
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed child its parent has not waited for yet is a zombie: gone all the same
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _read_claimed(session: SyncSession, entries: list[OutboxEntry]) -> dict[tuple[str, str], RemoteItem]:
    """The claimed entries' items, read with one `read_many` per tracker instead of one re-read per write.

    The contract's re-read before a replayed write (sync-semantics §3) still happens, only batched, moments
    before the writes. An item that could not be read here (gone, or the read failed) is left out: its write
    then reads it itself and meets the error there, where the outbox handles it as always.
    """
    by_tracker: dict[str, list[OutboxEntry]] = {}
    for entry in entries:
        by_tracker.setdefault(entry.tracker, []).append(entry)
    fresh: dict[tuple[str, str], RemoteItem] = {}
    for name, group in by_tracker.items():
        try:
            tracker = Tracker(name)
            managed = session.mapping(tracker).managed
            markers = frozenset(m for e in group for m in target_from_json(e.desired["target"]).markers)
            items = list(dict.fromkeys(e.item for e in group))
            found = session.adapter(tracker).read_many(items, managed | markers)
        except (WeavesyncError, ValueError, KeyError):
            continue
        fresh.update({(name, item): seen for item, seen in found.items() if seen is not None})
    return fresh


def execute(session: SyncSession, entry: OutboxEntry, *, trigger: str = "cli", current: RemoteItem | None = None
            ) -> WriteOutcome:
    """One entry: write with in-process retries for short waits, then complete, reschedule or bury it.

    `current` is the item as `drain` read it moments ago; only the first attempt uses it, a retry re-reads."""
    tracker = Tracker(entry.tracker)
    status = Status(entry.desired["status"])
    target = target_from_json(entry.desired["target"])
    outcome = WriteOutcome(entry.id, entry.op_id, entry.increment, entry.tracker, entry.item, status.value,
                           "failed", entry.attempts)
    final: list[RetryPlan] = []
    base_from = entry.desired.get("from")

    def on_failure(exc: Exception) -> bool | float:
        if not isinstance(exc, TrackerError):
            return False
        outcome.attempts += 1
        plan = session.retry.plan(outcome.attempts, exc, jitter=session.jitter)
        if plan.kind != "sleep":
            final.append(plan)
            return False
        outcome.waits.append(plan.delay)
        _log(session, entry, base_from, status.value, f"{entry.reason}; {plan.reason}", trigger, "retrying",
             outcome.attempts, error=str(exc))
        # Keep the claim while sleeping, so nobody takes the entry over from a worker that is only waiting.
        session.store.extend_lease(entry.id, worker=session.worker, now=session.now(),
                                   lease_seconds=plan.delay + LEASE_SECONDS)
        return plan.delay

    try:
        adapter = session.adapter(tracker)
        mapping = session.mapping(tracker)
        resolution = session.config.jira_resolutions.get(status)
        receipt: Receipt | None = None
        seen = current
        # Closed before this write: someone else closed it (SpecWeave's own closer comments as it closes), so the
        # comments are looked at before posting ours (the adapter skips a completion SpecWeave announced).
        closed_before = current is not None and mapping.is_closed(current.state)
        for attempt in stamina.retry_context(on=on_failure, attempts=None, timeout=None):
            with attempt:
                fresh, seen = seen, None
                receipt = adapter.write(entry.item, target, mapping.managed, resolution=resolution, current=fresh)
        assert receipt is not None
    except TrackerError as exc:
        plan = final[-1] if final else session.retry.plan(max(outcome.attempts, 1), exc, jitter=session.jitter)
        return _failed(session, entry, outcome, plan, exc, base_from, status, trigger)
    except WeavesyncError as exc:
        # Not a tracker answer: the tracker is not configured or its credentials are missing. Keep the entry
        # (dead, with the fix) rather than dropping it; `weavesync retry --dead` replays it once fixed.
        outcome.attempts += 1
        plan = RetryPlan("attention", 0.0, f"{type(exc).__name__}: {exc}")
        return _failed(session, entry, outcome, plan, exc, base_from, status, trigger)
    outcome.attempts += 1
    outcome.receipt = receipt
    now = session.now()
    owes_comment = _owes_comment(session, entry, receipt, outcome.attempts)
    _store_receipt(session, entry, receipt, status, now, trigger, outcome.attempts)
    # The comment is part of the desired state (sync-semantics §8): posted once (found by its marker), retried
    # like the write, and the entry is finished only when both are done. The first write attempt of a first
    # claim that changed the item: no earlier attempt can have posted the comment, so the marker is not looked
    # for; any other case (a lost response, a replay) looks first.
    first = (entry.claims == 1 and entry.attempts == 0 and outcome.attempts == 1 and receipt.changed
             and not closed_before)
    text = entry.desired.get("comment")
    commented = False
    if text and owes_comment:
        try:
            tries = 0
            since: datetime | None = None
            for attempt in stamina.retry_context(on=on_failure, attempts=None, timeout=None):
                with attempt:
                    tries += 1
                    if not receipt.changed and since is None:
                        since = _closure_began(session, entry, mapping.managed)
                    commented = session.adapter(tracker).comment(entry.item, text, entry.op_id,
                                                                 first_attempt=first and tries == 1,
                                                                 announced_since=since)
        except TrackerError as exc:
            plan = final[-1] if final else session.retry.plan(max(outcome.attempts, 1), exc, jitter=session.jitter)
            return _failed(session, entry, outcome, plan, exc, base_from, status, trigger,
                           what="the state is written but the completion comment is not posted yet")
    session.store.complete(entry.id, receipt={"version": receipt.version, "state": receipt.state.to_json(),
                                              "changed": receipt.changed, "commented": commented}, now=now)
    outcome.outcome = "ok" if receipt.changed or commented else "noop"
    # The state reached (the receipt's), not only the target: "a Completed state" becomes "now Closed".
    reached = external_text(receipt.state)
    reason = entry.reason if reached in entry.reason else f"{entry.reason}; now {reached}"
    reason = reason if receipt.changed else f"{entry.reason}; the item was already there"
    if commented:
        reason += "; completion comment posted"
    _log(session, entry, base_from, status.value, reason, trigger, outcome.outcome, outcome.attempts)
    return outcome


def _closure_began(session: SyncSession, entry: OutboxEntry, managed: frozenset[str]) -> datetime | None:
    """When the item entered the state this write found it already in. A comment of weavesync's announcing this
    status since then (another operation's, another clone's) announced this closure, so none is owed (§8: one
    comment per closure). Read afresh: this is the rare path of a write that changed nothing but still owes its
    comment (a replay, a lost answer)."""
    seen = session.adapter(Tracker(entry.tracker)).read_many([entry.item], managed).get(entry.item)
    return None if seen is None else seen.status_changed_at


def _owes_comment(session: SyncSession, entry: OutboxEntry, receipt: Receipt, attempts: int) -> bool:
    """Does this write owe the item its completion comment? Yes when it changed the item now, or may have changed it
    in an earlier try (a lost answer, a replay after a crash, a state that landed before the comment failed),
    unless another operation of weavesync's had already brought the item to this very state: then the change,
    and its comment, are that operation's (a second comment for one close is a duplicate)."""
    if receipt.changed:
        return True
    if entry.receipt is not None:
        return True  # this operation's own state write landed earlier; only its comment is still owed
    if entry.claims <= 1 and entry.attempts == 0 and attempts <= 1:
        return False  # first try, nothing written: the item got there without this operation
    before = session.store.last_receipt(entry.link_key)
    if before is None or before.get("op_id") in (None, entry.op_id):
        return True
    mapping = session.mapping(Tracker(entry.tracker))
    earlier = managed_part(ExternalState.from_json(before["state"]), mapping.managed)
    return earlier != managed_part(receipt.state, mapping.managed)


def _store_receipt(session: SyncSession, entry: OutboxEntry, receipt: Receipt, status: Status, now: datetime,
                   trigger: str, attempts: int) -> None:
    """The write landed: remember its version (echoes of it are ignored) and move the shared base to it."""
    with session.store.transaction() as conn:
        session.store.record_receipt(conn, link_key=entry.link_key, version=receipt.version,
                                     state=receipt.state.to_json(), op_id=entry.op_id, now=now)
        session.store.note_landed(entry.id, receipt={"version": receipt.version, "state": receipt.state.to_json(),
                                                     "changed": receipt.changed}, now=now, conn=conn)
    try:
        inc = session.increment(entry.increment)
        write_bases(inc, {entry.link_key: Base(local=status, external=receipt.state, version=receipt.version,
                                               synced_at=now)})
    except WeavesyncError as exc:
        # The write landed; only the shared base could not be stored. The next sync re-reads the item, finds it
        # already in the desired state and records the base then.
        _log(session, entry, entry.desired.get("from"), status.value, f"{entry.reason}; base not stored", trigger,
             "failed", attempts, error=str(exc))


def _failed(session: SyncSession, entry: OutboxEntry, outcome: WriteOutcome, plan: RetryPlan, exc: Exception,
            base_from: str | None, status: Status, trigger: str, *, what: str | None = None) -> WriteOutcome:
    """Reschedule or bury the entry after `exc`; `what` says which part of the desired state is still owed."""
    now = session.now()
    error = outcome.error = f"{what}: {exc}" if what else str(exc)
    if plan.kind in ("reschedule", "sleep"):
        session.store.reschedule(entry.id, error=error, next_attempt_at=now + timedelta(seconds=plan.delay), now=now)
        outcome.outcome = "retrying"
        outcome.waits.append(plan.delay)
    else:
        session.store.bury(entry.id, error=f"{plan.reason}: {error}", now=now)
        outcome.outcome = "dead"
    _log(session, entry, base_from, status.value, f"{entry.reason}; {plan.reason}", trigger, outcome.outcome,
         outcome.attempts, error=error)
    return outcome


def _log(session: SyncSession, entry: OutboxEntry, before: str | None, after: str | None, reason: str,
         trigger: str, outcome: str, attempt: int, *, error: str | None = None) -> None:
    session.log.record(**{"increment": entry.increment, "tracker": entry.tracker, "item": entry.item,
                          "direction": "push", "from": before, "to": after, "reason": reason, "trigger": trigger,
                          "outcome": outcome, "attempt": attempt, "op": entry.op_id, "error": error})
