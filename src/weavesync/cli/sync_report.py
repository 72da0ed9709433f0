"""What a `sync` / `push` / `pull` / `plan` run did (or would do), as plain rows: one builder, two renderings.

The executor reports per link the actions `engine.decide` chose and, separately, how each outbox write ended.
This module joins them into one `ChangeRow` per action, so the table and the JSON can never disagree, and
computes the exit code from the rows (docs/exit-codes.md):

- ``sync`` / ``push`` / ``pull``: 1 when a write died, a tracker could not be read, an item is gone or a local
  file could not be written (a failure needs attention even if decisions are also pending, so 1 wins over 3);
  else 3 when decisions are pending (stored, to finish with `weavesync resolve`); else 0.
- ``plan``: 1 for failures as above; else 3 when decisions are pending or the run would have to ask a person
  (pending wins over drift: CI must tell "a person must answer" from "sync would change something"); else 4
  when `sync` would change anything (a write, a local status, a base to record, a gone item); else 0.

`ChangeRow.action` is one of ``push`` (write the item), ``accept`` (set the SpecWeave status from the item),
``decision`` (ask a person), ``conflict`` (a conflict resolved by a strategy), ``agree`` (both sides agree: the
base is recorded), ``gone`` (the item no longer exists), ``none`` (nothing to do) or ``error`` (the link could
not be read). `ChangeRow.outcome` is ``planned`` (plan only), a write's outcome (``ok``, ``noop``, ``retrying``,
``dead``, ``failed``, or ``queued`` when an earlier write for that link holds it back), ``applied``,
``recorded``, ``pending``, a person's answer (``yes``, ``no``, ``custom``, ``use-specweave``, ``use-external``),
the side a conflict strategy chose (``specweave``, ``external``), or ``failed``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from weavesync import exitcodes
from weavesync.engine import (
    Action,
    ApplyLocal,
    Ask,
    MarkGone,
    MoveBase,
    Noop,
    Push,
    RecordConflict,
    custom_choices,
)
from weavesync.engine.describe import external_text, target_text
from weavesync.executor import Answer, LinkResult, ReconcileReport, WriteOutcome
from weavesync.executor.codec import ask_from_json
from weavesync.model import Status, format_utc
from weavesync.store import Decision, Store

FAILED_WRITES = frozenset({"dead", "failed"})


@dataclass(frozen=True)
class ChangeRow:
    """One thing a run did or would do to one link; ``field`` says which side changes (``state`` of the item,
    ``status`` of the increment, or the shared ``base``)."""

    increment: str
    tracker: str
    item: str
    action: str
    field: str | None
    before: str | None
    after: str | None
    outcome: str
    reason: str
    strategy: str | None = None
    attempts: int | None = None
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"increment": self.increment, "tracker": self.tracker, "item": self.item, "action": self.action,
                "field": self.field, "from": self.before, "to": self.after, "outcome": self.outcome,
                "reason": self.reason, "strategy": self.strategy, "attempts": self.attempts, "error": self.error}


@dataclass(frozen=True)
class PendingRow:
    """One stored decision as a person (or script) needs to see it to answer."""

    id: int
    increment: str
    kind: str
    tracker: str
    item: str
    title: str | None
    url: str | None
    question: str
    choices: tuple[str, ...]
    custom_choices: tuple[str, ...]
    proposed: str | None
    local: str
    external: str
    changed_by: str | None
    changed_at: str | None
    created_at: str
    meanings: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "increment": self.increment, "kind": self.kind, "tracker": self.tracker,
                "item": self.item, "title": self.title, "url": self.url, "question": self.question,
                "choices": list(self.choices), "meanings": dict(self.meanings),
                "customChoices": list(self.custom_choices),
                "proposed": self.proposed, "local": self.local, "external": self.external,
                "changedBy": self.changed_by, "changedAt": self.changed_at, "createdAt": self.created_at}


def pending_row(decision: Decision, current: Status | None = None) -> PendingRow:
    """A stored decision; `current` is the increment's status now (the custom choices start from it)."""
    ask = ask_from_json(decision.payload)
    local = current or ask.local
    return PendingRow(
        id=decision.id, increment=decision.increment, kind=decision.kind, tracker=ask.link.tracker.value,
        item=ask.link.item, title=ask.title, url=ask.url, question=ask.question, choices=ask.choices,
        custom_choices=tuple(s.value for s in custom_choices(local)) if "custom" in ask.choices else (),
        proposed=ask.proposed.value if ask.proposed else None, local=local.value, external=ask.external_text,
        changed_by=ask.changed_by, changed_at=format_utc(ask.changed_at) if ask.changed_at else None,
        created_at=format_utc(decision.created_at),
        meanings=tuple((c, ask.meaning(c) or "") for c in ask.choices if c in ("yes", "no")),
    )


@dataclass(frozen=True)
class RunReport:
    command: str
    direction: str
    changes: tuple[ChangeRow, ...]
    pending: tuple[PendingRow, ...]
    problems: tuple[str, ...]
    in_sync: int
    exit_code: int
    withdrawn: tuple[tuple[int, str, str, str], ...] = ()
    """(decision id, increment, link key, why) of each decision the run withdrew."""
    kept_apart: tuple[tuple[str, str, str], ...] = ()
    """(increment, link key, why) of each link whose divergence a person chose to keep."""
    answered: tuple[tuple[str, str, str], ...] = ()
    """(increment, link key, why) of each link whose question was answered in a clone sharing the store, whose
    commit this clone does not have yet (docs/team.md)."""

    def to_json(self) -> dict[str, object]:
        return {"command": self.command, "direction": self.direction,
                "changes": [row.to_json() for row in self.changes],
                "pending": [row.to_json() for row in self.pending], "problems": list(self.problems),
                "withdrawn": [{"id": i, "increment": inc, "link": key, "why": why}
                              for i, inc, key, why in self.withdrawn],
                "keptApart": [{"increment": inc, "link": key, "why": why} for inc, key, why in self.kept_apart],
                "answeredElsewhere": [{"increment": inc, "link": key, "why": why}
                                      for inc, key, why in self.answered],
                "inSync": self.in_sync, "exitCode": self.exit_code}


def _link_key(tracker: str, item: str) -> str:
    return f"{tracker}:{item}"


def write_origins(store: Store, writes: Sequence[WriteOutcome]) -> dict[int, str | None]:
    """For each write, the SpecWeave status its link agreed on before (its outbox entry's ``from``)."""
    origins: dict[int, str | None] = {}
    for write in writes:
        entry = store.outbox_entry(write.entry_id)
        origins[write.entry_id] = entry.desired.get("from") if entry is not None else None
    return origins


def reached(write: WriteOutcome) -> str | None:
    """The item's state after a write that landed (its receipt), e.g. ``Closed``; None when it did not land."""
    return external_text(write.receipt.state) if write.receipt is not None else None


def write_row(write: WriteOutcome, before: str | None, reason: str) -> ChangeRow:
    """A write carried out from the outbox (answers, retries): the SpecWeave status change it pushed, from the
    status the link agreed on before (`before`), and the state the item reached."""
    now = reached(write)
    item = f"{write.tracker} {write.item}"
    return ChangeRow(increment=write.increment, tracker=write.tracker, item=write.item, action="push",
                     field="status", before=f"`{before}`" if before else None, after=f"`{write.status}`",
                     outcome=write.outcome, reason=f"{reason}; {item} is now {now}" if now else reason,
                     attempts=write.attempts, error=write.error)


def _answer_text(answer: Answer | None) -> str:
    if answer is None:
        return "pending"
    return answer.choice


def _chosen(ask: Ask, answer: Answer | None) -> Status | None:
    """The status the increment ends up with after `answer` (the proposal while nobody has answered)."""
    if answer is None or answer.choice in ("yes", "use-external"):
        return ask.proposed
    if answer.choice == "custom":
        return answer.custom
    return ask.local


def _action_row(result: LinkResult, action: Action, *, planned: bool, local: Status | None,
                writes: Mapping[str, WriteOutcome], answers: Mapping[str, Answer | None]) -> ChangeRow | None:
    tracker, item = result.link.tracker.value, result.link.item
    seen = external_text(result.remote.state) if result.remote is not None else None

    def row(kind: str, field: str | None, before: str | None, after: str | None, outcome: str, *,
            strategy: str | None = None, attempts: int | None = None, error: str | None = None) -> ChangeRow:
        return ChangeRow(increment=result.increment, tracker=tracker, item=item, action=kind, field=field,
                         before=before, after=after, outcome=outcome, reason=action.reason, strategy=strategy,
                         attempts=attempts, error=error)

    if isinstance(action, Push):
        write = writes.get(result.link.key)
        wanted = target_text(action.target)
        if planned:
            outcome, attempts, error = "planned", None, None
        elif write is None:
            outcome, attempts, error = "queued", None, None
        else:
            outcome, attempts, error = write.outcome, write.attempts, write.error
            wanted = reached(write) or wanted  # the state the write reached, not "a Completed state"
        return row("push", "state", seen, f"{wanted} (`{action.status.value}`)", outcome,
                   attempts=attempts, error=error)
    if isinstance(action, ApplyLocal):
        return row("accept", "status", local.value if local else None, action.status.value,
                   "planned" if planned else "applied")
    if isinstance(action, Ask):
        answer = None if planned else answers.get(result.link.key)
        chosen = _chosen(action, answer)
        return row("decision", "status", action.local.value, chosen.value if chosen else None,
                   "ask" if planned else _answer_text(answer))
    if isinstance(action, RecordConflict):
        return row("conflict", "status", action.local.value, external_text(action.external), action.outcome,
                   strategy=action.strategy)
    if isinstance(action, MoveBase):
        agreed = f"`{action.new_base.local.value}` / {external_text(action.new_base.external)}"
        return row("agree", "base", None, agreed, "planned" if planned else "recorded")
    if isinstance(action, MarkGone):
        return row("gone", None, seen, None, "failed", error="item gone")
    if isinstance(action, Noop):
        return row("none", None, seen, None, "noop")
    return None


def build_rows(report: ReconcileReport, *, planned: bool, local: Mapping[str, Status],
               answers: Mapping[str, Answer | None],
               origins: Mapping[int, str | None] | None = None) -> list[ChangeRow]:
    """One row per action of every link, then every write that no action of this run explains (writes of
    answered decisions, or older outbox entries drained now). `local` is each increment's status before the
    run; `answers` maps a link key to what a person answered on the terminal; `origins` is `write_origins`."""
    latest: dict[str, WriteOutcome] = {}
    for write in report.writes:
        latest[_link_key(write.tracker, write.item)] = write
    rows: list[ChangeRow] = []
    pushed: set[str] = set()
    for result in report.links:
        if result.error is not None:
            rows.append(ChangeRow(increment=result.increment, tracker=result.link.tracker.value,
                                  item=result.link.item, action="error", field=None, before=None, after=None,
                                  outcome="failed", reason="the item could not be read", error=result.error))
            continue
        for action in result.actions:
            row = _action_row(result, action, planned=planned, local=local.get(result.increment),
                              writes=latest, answers=answers)
            if row is not None:
                rows.append(row)
            if isinstance(action, Push):
                pushed.add(result.link.key)
    for write in report.writes:
        if _link_key(write.tracker, write.item) not in pushed:
            rows.append(write_row(write, (origins or {}).get(write.entry_id), "outbox entry carried out"))
    return rows


def exit_code(command: str, rows: Sequence[ChangeRow], pending: Sequence[PendingRow],
              problems: Sequence[str]) -> int:
    """The documented exit code of a run (see the module docstring for the order)."""
    failed = bool(problems) or any(
        row.action in ("error", "gone") or (row.action == "push" and row.outcome in FAILED_WRITES) for row in rows)
    if failed:
        return exitcodes.ERROR
    if command == "plan":
        if pending or any(row.action == "decision" for row in rows):
            return exitcodes.PENDING
        if any(row.action in ("push", "accept", "agree") for row in rows):
            return exitcodes.DRIFT
        return exitcodes.OK
    return exitcodes.PENDING if pending else exitcodes.OK


def build_report(command: str, direction: str, report: ReconcileReport, *, planned: bool,
                 local: Mapping[str, Status], current: Mapping[str, Status],
                 answers: Mapping[str, Answer | None],
                 origins: Mapping[int, str | None] | None = None) -> RunReport:
    """Everything a run shows. `current` is each increment's status after the run (for custom choices)."""
    rows = build_rows(report, planned=planned, local=local, answers=answers, origins=origins)
    pending = tuple(pending_row(d, current.get(d.increment)) for d in report.pending)
    last: dict[tuple[str, str], LinkResult] = {}
    for result in report.links:  # a second pass (after an accepted change) repeats links: the last one counts
        last[(result.increment, result.link.key)] = result
    in_sync = sum(1 for r in last.values() if r.error is None and all(isinstance(a, Noop) for a in r.actions))
    problems = tuple(report.problems)
    withdrawn = tuple((d.id, d.increment, d.link_key, why) for d, why in report.withdrawn)
    apart = tuple((r.increment, r.link.key, a.reason) for r in last.values() for a in r.actions
                  if isinstance(a, Noop) and a.kept_apart)
    answered = tuple((r.increment, r.link.key, a.reason) for r in last.values() for a in r.actions
                     if isinstance(a, Noop) and a.answered)
    return RunReport(command=command, direction=direction, changes=tuple(rows), pending=pending,
                     problems=problems, in_sync=in_sync - len(apart) - len(answered),
                     exit_code=exit_code(command, rows, pending, problems), withdrawn=withdrawn, kept_apart=apart,
                     answered=answered)
