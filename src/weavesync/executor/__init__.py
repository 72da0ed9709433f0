"""Carrying out decisions: reconcile passes, the outbox worker, stored decisions.

`executor` glues `specweave`, `config`, `store`, `engine` and the trackers (through `trackers.registry`)
together; it never imports `cli` or `web`.
"""

from weavesync.executor.inbound import poll_trackers, process_deliveries
from weavesync.executor.reconcile import (
    Answer,
    LinkResult,
    Prompter,
    ReconcileReport,
    Resolution,
    StaleDecision,
    plan,
    reconcile,
    resolve_decisions,
    resolve_pending,
)
from weavesync.executor.run import WriteOutcome, drain
from weavesync.executor.session import SyncSession
from weavesync.executor.watch import watch

__all__ = [
    "Answer",
    "LinkResult",
    "Prompter",
    "ReconcileReport",
    "Resolution",
    "StaleDecision",
    "SyncSession",
    "WriteOutcome",
    "drain",
    "plan",
    "poll_trackers",
    "process_deliveries",
    "reconcile",
    "resolve_decisions",
    "resolve_pending",
    "watch",
]
