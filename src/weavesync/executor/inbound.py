"""Inbound changes: stored webhook deliveries and incremental polls, turned into reconcile passes.

A webhook delivery or a polled change is only ever a *hint* that an item moved: it names the item, and the
increments linked to that item are reconciled, which re-reads the item from the tracker. The payload's state is
never trusted as the truth, so a stale, reordered, duplicated or replayed delivery can at worst cause one
redundant read, never a wrong status (sync-semantics.md §3: each replay re-reads the item first).

Polling is the fallback for deliveries that never arrived: per tracker and place, `changed_since` reads what
changed after the stored cursor, and the cursor moves only after the whole batch was read *and* reconciled
without a tracker error, so a failed pass is read again next time.

This module does no HTTP serving and no file watching: `web` (the receiver) and `executor.watch` drive it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from weavesync.config.places import PLACE_KEYS
from weavesync.engine import Policy
from weavesync.errors import StoreError, WeavesyncError
from weavesync.executor.reconcile import ReconcileReport, reconcile
from weavesync.executor.run import LEASE_SECONDS, free_dead_claims
from weavesync.executor.session import SyncSession
from weavesync.model import Tracker
from weavesync.store.records import DeliveryRecord
from weavesync.trackers.base import WebhookEvent

LOG = logging.getLogger("weavesync.inbound")

OUTCOME_MAX = 200
"""Stored delivery outcomes are cut to this length (the column's; they are for people reading `weavesync` state)."""

MAX_ATTEMPTS = 3
"""Processing starts of one delivery before it is set aside without another try. A delivery whose processing
raises is set aside at once; this bound is for one that never gets that far (it kills the process, or the
store fails while it is processed), so a restart cannot retry it forever."""

SET_ASIDE = frozenset({"invalid", "poison"})
"""Outcomes that set the delivery aside (stored state ``poison``, with the detail as its error)."""


class Headers(Mapping[str, str]):
    """Stored delivery headers, looked up case-insensitively as HTTP headers are (the store keeps them as
    received; adapters ask for ``X-GitHub-Event`` or ``x-github-event`` as they like)."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._items = {k.lower(): v for k, v in headers.items()}

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._items


@dataclass(frozen=True)
class DeliveryOutcome:
    """How one stored delivery was processed. `outcome` is one of ``ignored`` (no status-relevant event),
    ``unlinked`` (no increment links the item), ``ok``, ``pending`` (a decision waits for a person),
    ``failed`` (reading or writing failed; polling retries), ``invalid`` (the payload could not be parsed) or
    ``poison`` (processing raised something unexpected, or never finished in `MAX_ATTEMPTS` tries). The last two
    are set aside with `detail` as their error (sync-semantics.md §8)."""

    row_id: int
    tracker: str
    delivery_id: str
    outcome: str
    detail: str | None = None
    increments: tuple[str, ...] = ()
    report: ReconcileReport | None = None

    @property
    def stored(self) -> str:
        """The outcome as stored with the delivery: the word, then the detail when there is one."""
        text = f"{self.outcome}: {self.detail}" if self.detail else self.outcome
        return text[:OUTCOME_MAX]


@dataclass(frozen=True)
class PollOutcome:
    """One tracker's incremental poll: how many items changed, which increments were reconciled, and whether
    the cursor moved (it does not when reading or reconciling failed: `error` says why)."""

    tracker: Tracker
    place: str
    changed: int = 0
    increments: tuple[str, ...] = ()
    cursor_moved: bool = False
    error: str | None = None
    report: ReconcileReport | None = None


def linked_increments(session: SyncSession, link_keys: Iterable[str]) -> list[str]:
    """Ids of the increments with a link to any of `link_keys` (``tracker:item``), in scan order."""
    wanted = set(link_keys)
    if not wanted:
        return []
    scan = session.scan()
    return [inc.id for inc in scan.increments if any(link.key in wanted for link in inc.links)]


def reconcile_items(session: SyncSession, policy: Policy, tracker: Tracker, items: Iterable[str], *,
                    trigger: str) -> tuple[list[str], ReconcileReport | None]:
    """Reconcile the increments linked to `items` of `tracker`; (increments, report), report None when none is
    linked. Never calls `reconcile` with an empty selection, which would mean "every increment"."""
    refs = linked_increments(session, (f"{tracker.value}:{item}" for item in items))
    if not refs:
        return [], None
    # Another worker on the same store may be reconciling these increments now (its own delivery or poll about
    # them): one at a time, so the second re-reads what the first decided and wrote.
    with session.store.serialised(f"reconcile:{ref}" for ref in refs):
        return refs, reconcile(session, policy, refs, trigger=trigger, prompter=None)


def tracker_errors(report: ReconcileReport, tracker: Tracker) -> list[str]:
    """The read errors `report` met on links of `tracker` (a failed batch read marks every such link)."""
    return [r.error for r in report.links if r.link.tracker is tracker and r.error]


def process_delivery(session: SyncSession, policy: Policy, record: DeliveryRecord) -> DeliveryOutcome:
    """Turn one stored (already verified) delivery into a reconcile of the increments linked to its items.

    Does not mark the delivery processed: `process_deliveries` does, so a crash in between reprocesses it, which
    is harmless (see the module docstring).
    """
    def outcome(word: str, detail: str | None = None, refs: Sequence[str] = (),
                report: ReconcileReport | None = None) -> DeliveryOutcome:
        return DeliveryOutcome(record.id, record.tracker, record.delivery_id, word, detail, tuple(refs), report)

    try:
        tracker = Tracker(record.tracker)
    except ValueError:
        return outcome("invalid", f"unknown tracker {record.tracker!r}")
    try:
        events: list[WebhookEvent] = session.kind(tracker).parse_webhook(
            Headers(record.headers), record.body, session.mapping(tracker).managed)
    except WeavesyncError as exc:
        return outcome("invalid", exc.message)
    except Exception as exc:  # a parser should raise Rejected; anything else is still this payload's fault
        return outcome("invalid", f"{type(exc).__name__} while parsing the payload: {exc}")
    items = sorted({event.item for event in events})
    if not items:
        return outcome("ignored")
    try:
        refs, report = reconcile_items(session, policy, tracker, items, trigger="webhook")
    except StoreError:
        raise
    except WeavesyncError as exc:
        return outcome("failed", str(exc))
    if report is None:
        return outcome("unlinked", ", ".join(items))
    if report.failed:
        problems = report.problems + [f"{w.item}: {w.error}" for w in report.writes if w.error]
        return outcome("failed", "; ".join(problems) or "a write failed", refs, report)
    if report.pending:
        return outcome("pending", f"{len(report.pending)} decision(s) wait for a person", refs, report)
    return outcome("ok", None, refs, report)


def process_deliveries(session: SyncSession, policy: Policy, *, limit: int = 10) -> list[DeliveryOutcome]:
    """Process every stored delivery not processed yet, oldest first, marking each with its outcome.

    Called at startup (deliveries acknowledged before a crash) and whenever the receiver records a new one. A
    delivery that cannot be processed is set aside (`SET_ASIDE`) and the next one is processed; only a failing
    store stops the pass (raised as `StoreError`), and `MAX_ATTEMPTS` keeps that from repeating forever.

    Several workers (`serve` processes on one store) share the deliveries: each claims up to `limit` at a time
    with a lease of `LEASE_SECONDS`, renewed while it works through them, so no delivery is processed by two
    workers, and a worker that dies leaves its claims to the others when the lease ends (at once for a process
    of this machine that is gone, `free_dead_claims`).
    """
    done: list[DeliveryOutcome] = []
    free_dead_claims(session)
    while True:
        batch = session.store.claim_deliveries(session.now(), worker=session.worker, lease_seconds=LEASE_SECONDS,
                                               limit=limit)
        if not batch:
            return done
        with _LeaseKeeper(session, [record.id for record in batch]) as keeper:
            for record in batch:
                done.append(_process_claimed(session, policy, record))
                keeper.finished(record.id)


def _process_claimed(session: SyncSession, policy: Policy, record: DeliveryRecord) -> DeliveryOutcome:
    result = _attempt(session, policy, record)
    if result.outcome in SET_ASIDE:
        kept = session.store.set_aside_delivery(record.id, error=result.stored, now=session.now(),
                                                worker=session.worker)
        LOG.warning("delivery %s %s set aside: %s", record.tracker, record.delivery_id, result.stored)
    else:
        kept = session.store.mark_delivery_processed(record.id, outcome=result.stored, now=session.now(),
                                                     worker=session.worker)
        LOG.info("delivery %s %s: %s", record.tracker, record.delivery_id, result.stored)
    if not kept:
        LOG.warning("delivery %s %s: the claim was lost (the lease ended) and another worker took it over",
                    record.tracker, record.delivery_id)
    return result


class _LeaseKeeper:
    """Renews the claims on a batch of deliveries every third of the lease, from a thread of its own, until each is
    finished: processing one delivery (reconciling, writing with retries) may take longer than the lease."""

    def __init__(self, session: SyncSession, ids: list[int]) -> None:
        self._session = session
        self._open = list(ids)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="weavesync-delivery-lease", daemon=True)

    def __enter__(self) -> _LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def finished(self, delivery_row_id: int) -> None:
        with self._lock:
            self._open.remove(delivery_row_id)

    def _run(self) -> None:
        while not self._stop.wait(LEASE_SECONDS / 3):
            with self._lock:
                ids = list(self._open)
            try:
                self._session.store.extend_delivery_leases(ids, worker=self._session.worker,
                                                           now=self._session.now(), lease_seconds=LEASE_SECONDS)
            except StoreError:  # the store is briefly unreachable: the next renewal tries again
                LOG.warning("renewing the claims on deliveries %s failed", ids, exc_info=True)


def _attempt(session: SyncSession, policy: Policy, record: DeliveryRecord) -> DeliveryOutcome:
    """`process_delivery`, counted first, with anything unexpected turned into a ``poison`` outcome."""
    attempts = session.store.start_delivery_attempt(record.id)
    if attempts > MAX_ATTEMPTS:
        return DeliveryOutcome(record.id, record.tracker, record.delivery_id, "poison",
                               f"processing was started {MAX_ATTEMPTS} times and never finished")
    try:
        return process_delivery(session, policy, record)
    except StoreError:
        raise  # the store, not the delivery: the caller pauses and tries again (attempts bound it)
    except Exception as exc:
        LOG.debug("delivery %s %s failed", record.tracker, record.delivery_id, exc_info=True)
        return DeliveryOutcome(record.id, record.tracker, record.delivery_id, "poison",
                               f"{type(exc).__name__} while processing: {exc}")


def place_of(session: SyncSession, tracker: Tracker) -> str | None:
    """The cursor key for `tracker`'s configured place (``acme/shop``, ``acme.atlassian.net/CORE``, ``acme/Shop``),
    None when the place is not fully configured."""
    place = session.config.trackers.get(tracker, {})
    parts = [place.get(key) for key in PLACE_KEYS[tracker]]
    if not all(parts):
        return None
    return "/".join(str(p) for p in parts)


def poll_tracker(session: SyncSession, policy: Policy, tracker: Tracker, *, trigger: str = "poll") -> PollOutcome:
    """One incremental poll of `tracker`: read changes after the stored cursor, reconcile the linked increments,
    then move the cursor, only when both succeeded."""
    place = place_of(session, tracker)
    if place is None:
        return PollOutcome(tracker, "", error=f"{tracker.value} has no configured place")
    cursor = session.store.get_cursor(tracker.value, place)
    try:
        batch = session.adapter(tracker).changed_since(cursor, session.mapping(tracker).managed)
    except WeavesyncError as exc:  # a tracker or config failure: no cursor move, the next poll reads again
        return PollOutcome(tracker, place, error=str(exc))
    items = sorted({item.link_item for item in batch.items})
    try:
        refs, report = reconcile_items(session, policy, tracker, items, trigger=trigger)
    except StoreError:
        raise
    except WeavesyncError as exc:
        return PollOutcome(tracker, place, len(items), error=str(exc))
    errors = tracker_errors(report, tracker) if report is not None else []
    if errors:
        return PollOutcome(tracker, place, len(items), tuple(refs), error=errors[0], report=report)
    if batch.cursor != cursor:
        session.store.set_cursor(tracker.value, place, batch.cursor, session.now())
    return PollOutcome(tracker, place, len(items), tuple(refs), cursor_moved=batch.cursor != cursor, report=report)


def poll_trackers(session: SyncSession, policy: Policy, *, trigger: str = "poll",
                  trackers: Iterable[Tracker] | None = None) -> list[PollOutcome]:
    """Poll every configured tracker (or `trackers`) once; one tracker failing never stops the others."""
    chosen = list(trackers) if trackers is not None else [t for t in Tracker if t in session.config.trackers]
    outcomes = [poll_tracker(session, policy, tracker, trigger=trigger) for tracker in chosen]
    for found in outcomes:
        if found.error:
            LOG.warning("poll %s %s: %s", found.tracker.value, found.place, found.error)
    return outcomes
