"""Carrying out decisions: reconcile passes, the outbox worker, stored decisions.

`executor` glues `specweave`, `config`, `store`, `engine` and the trackers (through `trackers.registry`)
together; it never imports `cli` or `web`.
"""

from weavesync.executor.reconcile import (
    Answer,
    LinkResult,
    Prompter,
    ReconcileReport,
    plan,
    reconcile,
    resolve_pending,
)
from weavesync.executor.run import WriteOutcome, drain
from weavesync.executor.session import SyncSession

__all__ = [
    "Answer",
    "LinkResult",
    "Prompter",
    "ReconcileReport",
    "SyncSession",
    "WriteOutcome",
    "drain",
    "plan",
    "reconcile",
    "resolve_pending",
]
