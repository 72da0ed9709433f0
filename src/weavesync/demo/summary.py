"""What the demo leaves behind, as values a test (or `--json`) can check: final states, answers, retries, conflict.

Everything here is read back from SpecWeave's files and from the trackers' APIs at the end of the run, not
remembered from what the scenario meant to do, so a test that inspects the summary checks what really happened.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ItemState:
    """One linked item as its tracker holds it at the end (`state` as `engine.describe.external_text` words it)."""

    increment: str
    tracker: str
    item: str
    state: str
    category: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class DecisionTaken:
    """A question weavesync asked in step 2, and the answer it got (`skip` leaves it pending)."""

    increment: str
    item: str
    question: str
    answer: str
    by: str
    """`person` when typed on a terminal, `resolve` when answered like `weavesync resolve --all --accept` (off a
    terminal, after the decision was stored as pending)."""


@dataclass(frozen=True)
class RetryFacts:
    """Step 3: how the failing write went, and what the sandbox counted while it happened."""

    item: str
    outcome: str
    attempts: int
    waits: list[float]
    successful_writes: int
    refused: dict[str, int]


@dataclass(frozen=True)
class ConflictFacts:
    """Step 4: the conflict-history record weavesync wrote."""

    increment: str
    item: str
    strategy: str
    outcome: str
    local: str
    external: object


@dataclass
class DemoSummary:
    root: Path
    kept: bool
    """True when the project stays on disk (`--dir`); otherwise it was a temporary folder, now removed."""
    interactive: bool
    urls: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    """Increment id -> SpecWeave status at the end."""
    items: list[ItemState] = field(default_factory=list)
    decisions: list[DecisionTaken] = field(default_factory=list)
    retry: RetryFacts | None = None
    conflict: ConflictFacts | None = None
    log_records: int = 0
    pending: int = 0
    elapsed: float = 0.0

    def item(self, increment: str, tracker: str) -> ItemState:
        for found in self.items:
            if found.increment == increment and found.tracker == tracker:
                return found
        raise KeyError(f"{increment} has no {tracker} item")

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["root"] = str(self.root)
        data["elapsed"] = round(self.elapsed, 2)
        return data


__all__ = ["ConflictFacts", "DecisionTaken", "DemoSummary", "ItemState", "RetryFacts"]
