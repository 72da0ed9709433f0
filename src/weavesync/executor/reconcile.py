"""One reconcile pass: read both sides, decide per link, record, then act.

The order is the contract's (sync-semantics.md §3, style.md habit 4): every increment and every linked item is
read first (items in batches per tracker), `engine.decide` runs for every link, and only then are the decisions
recorded: desired states, pending decisions and conflict history in ONE store transaction per increment, before
any tracker is written. Local effects (bases, accepted statuses) go to the increment's files after that commit;
writes to trackers happen last, through the outbox (`executor.run.drain`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from weavesync.engine import (
    Action,
    ApplyLocal,
    Ask,
    LinkView,
    MarkGone,
    MoveBase,
    Noop,
    Policy,
    Push,
    RecordConflict,
    decide,
    managed_part,
    resolve_choice,
)
from weavesync.engine.view import OpenWrite, PriorAnswer
from weavesync.errors import ConcurrentChange, SpecWeaveFileError, TrackerError, WeavesyncError
from weavesync.executor.codec import ask_from_json, ask_to_json, target_to_json
from weavesync.executor.run import WriteOutcome, drain
from weavesync.executor.session import SyncSession
from weavesync.model import Base, Link, RemoteItem, Status, Tracker, parse_utc
from weavesync.specweave import Increment, write_bases
from weavesync.specweave.rules import apply_status, check_status
from weavesync.store import Decision, OutboxEntry


@dataclass(frozen=True)
class Answer:
    """A person's answer to a decision: a choice, and the status for ``custom``."""

    choice: str
    custom: Status | None = None


Prompter = Callable[[Ask], Answer | None]
"""Asks a person on a terminal; None means "skip" (the decision stays pending)."""


@dataclass
class LinkResult:
    increment: str
    link: Link
    actions: list[Action]
    remote: RemoteItem | None = None
    error: str | None = None


@dataclass
class ReconcileReport:
    links: list[LinkResult] = field(default_factory=list)
    writes: list[WriteOutcome] = field(default_factory=list)
    pending: list[Decision] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    withdrawn: list[tuple[Decision, str]] = field(default_factory=list)
    """Pending decisions this run withdrew because their link settled (a strategy won, both sides agree, ...)."""
    warnings: list[str] = field(default_factory=list)
    """What SpecWeave's rules said about a status change that was made (a WIP limit passed, a restore)."""

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(w.outcome in ("dead", "failed") for w in self.writes)

    @property
    def drift(self) -> bool:
        """Something would change (for `plan`): a write, a local status change, a base to move, a gone item."""
        return any(isinstance(a, Push | ApplyLocal | MoveBase | MarkGone) for r in self.links for a in r.actions)


def select(session: SyncSession, refs: Sequence[str] | None) -> tuple[list[Increment], list[str]]:
    """The increments a run is about (all when `refs` is empty) and the problems met reading them."""
    problems: list[str] = []
    if refs:
        return [session.increment(ref) for ref in refs], problems
    scan = session.scan()
    problems.extend(str(p) for p in scan.problems)
    return scan.increments, problems


Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: told how far a pass is, for a progress bar; ``total == 0`` means unknown.
Purely informative: a pass does exactly the same with or without one."""


def _no_progress(phase: str, done: int, total: int) -> None:
    """The default `Progress`: nobody is watching."""


def read_remote(session: SyncSession, increments: Iterable[Increment], progress: Progress | None = None
                ) -> tuple[dict[str, RemoteItem | None], dict[Tracker, str]]:
    """Every linked item, read in batches per tracker. A tracker that fails is reported, not fatal. Items about to
    become decisions get who changed them from `name_changers` (a call each, only for those)."""
    tell = progress or _no_progress
    increments = list(increments)  # walked twice: to read, then to name who changed what
    wanted: dict[Tracker, dict[str, None]] = {}  # an ordered set per tracker: O(1) de-duplication
    for inc in increments:
        for link in inc.links:
            wanted.setdefault(link.tracker, {})[link.item] = None
    found: dict[str, RemoteItem | None] = {}
    failures: dict[Tracker, str] = {}
    for index, (tracker, items) in enumerate(wanted.items()):
        tell(f"reading {len(items)} {tracker.value} item(s)", index, len(wanted))
        try:
            got = session.adapter(tracker).read_many(list(items), session.mapping(tracker).managed)
        except (TrackerError, WeavesyncError) as exc:
            failures[tracker] = str(exc)
            continue
        for item, remote in got.items():
            found[f"{tracker.value}:{item}"] = remote
    tell("read the linked items", len(wanted), len(wanted))
    name_changers(session, increments, found)
    return found, failures


def name_changers(session: SyncSession, increments: Iterable[Increment], found: dict[str, RemoteItem | None]
                  ) -> None:
    """Fill in who changed an item (and when, if unknown) where a batch read could not say, in `found`.

    A list read does not always name who moved an item (GitHub names who closed an issue, never who reopened
    it), and a prompt should say "reopened by alice", not "by someone". Asking costs a call per item, so only
    items that will become decisions or conflicts are asked about: those whose managed state differs from the
    link's base. A failed answer leaves the fields empty; it never fails the sync.
    """
    asked: set[str] = set()
    for inc in increments:
        for link in inc.links:
            remote, base = found.get(link.key), inc.bases.get(link.key)
            if remote is None or base is None or remote.changed_by is not None or link.key in asked:
                continue
            managed = session.mapping(link.tracker).managed
            if managed_part(remote.state, managed) == managed_part(base.external, managed):
                continue
            asked.add(link.key)
            try:
                who, when = session.adapter(link.tracker).last_change(link.item, managed)
            except TrackerError:
                continue
            found[link.key] = replace(remote, changed_by=who, status_changed_at=remote.status_changed_at or when)


@dataclass
class _Seen:
    """What a pass read before deciding anything: the increments, every linked item, the trackers that could not
    be read, the last receipt per link, and the report that collects what follows."""

    increments: list[Increment]
    remote: dict[str, RemoteItem | None]
    failures: dict[Tracker, str]
    receipts: dict[str, dict[str, Any]]
    report: ReconcileReport
    open_writes: dict[str, OutboxEntry] = field(default_factory=dict)
    answered: dict[str, tuple[PriorAnswer, ...]] = field(default_factory=dict)


def _read_everything(session: SyncSession, refs: Sequence[str] | None, tell: Progress) -> _Seen:
    """The read phase shared by `plan` and `reconcile`: both sides of every selected link, before any decision.

    The order matters (sync-semantics §8). Unfinished writes are read *after* the items: a write under way when
    an item was read is then either still open (so the item's state is ours) or finished, and receipts, read
    last, then carry its version (so the observation is older than our write: an echo). Read the other way
    round, a write started in between would show its half-done state as a person's change.
    """
    increments, problems = select(session, refs)
    remote, failures = read_remote(session, increments, tell)
    keys = [link.key for inc in increments for link in inc.links]
    open_writes = session.store.open_writes(keys)
    receipts = session.store.last_receipts(keys)
    report = ReconcileReport(problems=problems + [f"{t.value}: {e}" for t, e in failures.items()])
    return _Seen(increments, remote, failures, receipts, report, open_writes, _answered(session, set(keys)))


def _answered(session: SyncSession, keys: set[str]) -> dict[str, tuple[PriorAnswer, ...]]:
    """The answers people gave, in any clone on this store, to questions about these links, oldest first."""
    out: dict[str, list[PriorAnswer]] = {}
    for decision in session.store.answered_decisions(keys):
        fingerprint = decision.payload.get("fingerprint")
        if not fingerprint or not decision.outcome:
            continue
        changed = decision.payload.get("changedAt")
        out.setdefault(decision.link_key, []).append(PriorAnswer(
            fingerprint=str(fingerprint), changed_at=parse_utc(changed) if changed else None,
            choice=decision.outcome, answered_at=decision.resolved_at))
    return {key: tuple(answers) for key, answers in out.items()}


def _with_pending(session: SyncSession, seen: _Seen, settled: set[str] | None = None) -> ReconcileReport:
    """`seen.report` with the decisions still pending on the selected increments; those about a link in
    `settled` (a plan found its divergence gone) are left out: the next sync withdraws them."""
    ids = {inc.id for inc in seen.increments}
    seen.report.pending = [d for d in session.store.pending_decisions()
                           if d.increment in ids and d.link_key not in (settled or set())]
    return seen.report


def settles(result: LinkResult) -> bool:
    """Does this link's outcome end every pending decision about it? Yes unless it asks again, was left for a
    one-way run of the other direction, or could not be decided (sync-semantics.md §8)."""
    if result.error is not None:
        return False
    return not any(isinstance(a, Ask) or (isinstance(a, Noop) and a.deferred) for a in result.actions)


def _open_write(entry: OutboxEntry | None) -> OpenWrite | None:
    if entry is None:
        return None
    try:
        return OpenWrite(status=Status(entry.desired["status"]), state=entry.state)
    except (KeyError, ValueError):
        return None  # an entry the worker cannot read either: it dies there, with its error


def decide_increment(session: SyncSession, inc: Increment, seen: _Seen, policy: Policy) -> list[LinkResult]:
    results: list[LinkResult] = []
    now = session.now()
    for link in inc.links:
        if link.tracker in seen.failures:
            results.append(LinkResult(inc.id, link, [], error=seen.failures[link.tracker]))
            continue
        if link.key not in seen.remote:
            results.append(LinkResult(inc.id, link, [], error=f"{link.key} was not read"))
            continue
        receipt = seen.receipts.get(link.key)
        item, base = seen.remote[link.key], inc.bases.get(link.key)
        view = LinkView(increment=inc.id, link=link, local=inc.status, local_changed_at=inc.status_changed_at,
                        remote=item, base=base, last_receipt_version=receipt.get("version") if receipt else None,
                        open_write=_open_write(seen.open_writes.get(link.key)),
                        partial_toward_local=_partial(session, link, inc.status, base, item),
                        answered=seen.answered.get(link.key, ()))
        actions = decide(view, session.mapping(link.tracker), policy, now=now,
                         version_key=session.kind(link.tracker).version_key)
        results.append(LinkResult(inc.id, link, actions, remote=seen.remote[link.key]))
    return results


def _partial(session: SyncSession, link: Link, local: Status, base: Base | None, item: RemoteItem | None) -> bool:
    """Is the item half-way through the write weavesync would make from the base toward `local`? (no call)"""
    if base is None or item is None or local == base.local:
        return False
    mapping = session.mapping(link.tracker)
    try:
        return session.adapter(link.tracker).is_partial_write(base.external, mapping.target(local), item.state,
                                                              mapping.managed)
    except WeavesyncError:
        return False


def plan(session: SyncSession, policy: Policy, refs: Sequence[str] | None = None, *,
         progress: Progress | None = None) -> ReconcileReport:
    """What `reconcile` would do, without recording or writing anything."""
    tell = progress or _no_progress
    seen = _read_everything(session, refs, tell)
    for index, inc in enumerate(seen.increments):
        tell(f"deciding {inc.id}", index, len(seen.increments))
        seen.report.links.extend(decide_increment(session, inc, seen, policy))
    return _with_pending(session, seen, {r.link.key for r in seen.report.links if settles(r)})


def reconcile(session: SyncSession, policy: Policy, refs: Sequence[str] | None = None, *, trigger: str = "cli",
              prompter: Prompter | None = None, execute: bool = True,
              progress: Progress | None = None) -> ReconcileReport:
    """Sync the selected increments both ways (or one way, per `policy.direction`). `progress`, when given, is
    told each phase (reading per tracker, deciding per increment, writing) and changes nothing else."""
    tell = progress or _no_progress
    seen = _read_everything(session, refs, tell)
    report = seen.report
    for index, inc in enumerate(seen.increments):
        tell(f"deciding {inc.id}", index, len(seen.increments))
        current: Increment | None = inc
        # An accepted change moves SpecWeave; the increment's links are then decided again (they now see a local
        # change to push, and their other questions are re-asked or withdrawn). Each pass moves the status
        # along SpecWeave's transitions, so a few passes always end.
        for attempt in range(_MAX_PASSES):
            if current is None:
                break
            deciding = current
            results = decide_increment(session, deciding, seen, policy)
            try:
                current = _apply(session, deciding, results, trigger=trigger, prompter=prompter, report=report)
            except ConcurrentChange as exc:
                # SpecWeave (or a person) changed the increment's files while weavesync wrote them: nothing of
                # theirs was reverted. Decide again from the files as they are now (§8); what was recorded for
                # this pass is replaced (desired states) or re-asked by fingerprint (decisions).
                if attempt == _MAX_PASSES - 1:
                    report.problems.append(f"{deciding.id}: {exc}")
                    break
                current = _reread(session, deciding, report)
                continue
            report.links.extend(results)
    if execute:
        tell("writing to the trackers", 0, 0)
        report.writes.extend(drain(session, trigger=trigger))
    return _with_pending(session, seen)


def _apply(session: SyncSession, inc: Increment, results: list[LinkResult], *, trigger: str,
           prompter: Prompter | None, report: ReconcileReport) -> Increment | None:
    """Record one increment's decisions, ask about `Ask`s, and apply local effects. Returns the increment when its
    status changed (so its other links get a second pass)."""
    now = session.now()
    asks: list[tuple[Decision, Ask, LinkResult]] = []
    withdrawn: list[tuple[LinkResult, Decision]] = []
    known = {d.id for d in session.store.pending_decisions(inc.id)}
    with session.store.transaction() as conn:
        for result in results:
            if settles(result) and known:
                for gone in session.store.withdraw_decisions(conn, result.link.key, reason=_settled_why(result),
                                                             now=now):
                    withdrawn.append((result, gone))
            for action in result.actions:
                if isinstance(action, Push):
                    _record_push(session, conn, inc, result.link, action, trigger)
                elif isinstance(action, Ask):
                    decision = session.store.add_decision(
                        conn, increment=inc.id, link_key=result.link.key, kind=action.kind,
                        observed_version=action.remote_version, payload=ask_to_json(action), now=now,
                        fingerprint=action.fingerprint)
                    asks.append((decision, action, result))
                elif isinstance(action, RecordConflict):
                    _record_conflict(session, conn, inc, result.link, action, trigger)
    for result, gone in withdrawn:
        report.withdrawn.append((gone, _settled_why(result)))
        _log(session, inc.id, result.link, "pull", gone.payload.get("local"), gone.payload.get("proposed"),
             f"decision {gone.id} withdrawn: {_settled_why(result)}", trigger, "withdrawn")
    local_changes: list[tuple[Status, str]] = []
    bases: dict[str, Base | None] = {}
    for result in results:
        _local_effects(session, inc, result.link, result.actions, result.remote, trigger, bases, local_changes)
    for decision, ask, result in asks:
        answer = prompter(ask) if prompter is not None and not local_changes else None
        if answer is None:
            # Unanswered, or left for the next pass: an answer that moved SpecWeave changed what the others
            # are about, so they are decided afresh (and re-asked) there.
            if decision.id not in known:
                _log(session, inc.id, result.link, "pull", ask.local.value,
                     ask.proposed.value if ask.proposed else None, ask.reason, trigger, "pending")
            continue
        actions = resolve_choice(ask, answer.choice, answer.custom, inc.status, now=now)
        finish_decision(session, inc, decision, ask, answer, actions, trigger, bases, local_changes)
    return _commit_local(session, inc, bases, local_changes, report)


_MAX_PASSES = 4


def _settled_why(result: LinkResult) -> str:
    reasons = [a.reason for a in result.actions]
    return "the link has settled: " + ("; ".join(reasons) if reasons else "nothing left to decide")


def finish_decision(session: SyncSession, inc: Increment, decision: Decision, ask: Ask, answer: Answer,
                    actions: list[Action], trigger: str, bases: dict[str, Base | None],
                    local_changes: list[tuple[Status, str]]) -> None:
    """Record what a person's answer means: outbox rows and conflict history together with the decision."""
    if answer.choice == "skip":
        return
    with session.store.transaction() as conn:
        for action in actions:
            if isinstance(action, Push):
                _record_push(session, conn, inc, ask.link, action, trigger)
            elif isinstance(action, RecordConflict):
                _record_conflict(session, conn, inc, ask.link, action, trigger)
        session.store.resolve_decision(decision.id, outcome=answer.choice, now=session.now(), conn=conn)
    if answer.choice == "no":
        _log(session, inc.id, ask.link, "pull", ask.local.value, ask.proposed.value if ask.proposed else None,
             f"{ask.reason}; declined by a person", trigger, "declined")
    _local_effects(session, inc, ask.link, actions, None, trigger, bases, local_changes)


@dataclass
class Resolution:
    """What answering some decisions did: the answers applied, those refused (with why), and the increment when
    its status changed."""

    applied: list[tuple[Decision, Ask, Answer]] = field(default_factory=list)
    refused: list[tuple[Decision, str]] = field(default_factory=list)
    changed: Increment | None = None
    warnings: list[str] = field(default_factory=list)


class StaleDecision(WeavesyncError):
    """The decision is no longer about what is true now (the link moved or settled since it was asked)."""


def resolve_decisions(session: SyncSession, answered: Sequence[tuple[Decision, Answer]], *, trigger: str = "cli",
                      policy: Policy | None = None) -> Resolution:
    """Answer stored decisions of ONE increment together (`weavesync resolve`), per sync-semantics.md §8.

    Both sides are read again and every link decided afresh first. An answer is applied only to the question it
    was given for: when a link settled or its divergence changed since, the answer is refused (with the reason)
    and the link is decided afresh. SpecWeave has one status: the first answer that sets one decides it, and the
    answers that would set another (a close accepted on one tracker, a removal on another) are refused and their
    links decided afresh from the new status (`_one_status`). SpecWeave's status then moves once, every answered
    link's base is stored against that same status, and the increment is decided again (nothing written yet) so
    the new status reaches the other links through the outbox; `drain` carries the writes out.
    """
    outcome = Resolution()
    live = [(d, a) for d, a in answered if a.choice != "skip"]
    if not live:
        return outcome
    increments = {d.increment for d, _ in live}
    if len(increments) != 1:
        raise ValueError(f"resolve_decisions answers one increment at a time, not {sorted(increments)}")
    policy = policy or session.policy(interactive=False)
    seen = _read_everything(session, [live[0][0].increment], _no_progress)
    inc = seen.increments[0]
    fresh = {r.link.key: r for r in decide_increment(session, inc, seen, policy)}
    now = session.now()
    plans: list[tuple[Decision, Ask, Answer, list[Action]]] = []
    for decision, answer in live:
        result = fresh.get(decision.link_key)
        if result is not None and result.error is not None:
            raise WeavesyncError(f"cannot check decision {decision.id} against {decision.link_key}: {result.error}",
                                 hint="nothing was applied; try again when the tracker answers")
        asked = ask_from_json(decision.payload)
        current = next((a for a in result.actions if isinstance(a, Ask)), None) if result else None
        if current is None or current.fingerprint != asked.fingerprint:
            outcome.refused.append((decision, _moved_since(asked, current, result)))
            continue
        plans.append((decision, current, answer,
                      resolve_choice(current, answer.choice, answer.custom, inc.status, now=now)))
    plans = _one_status(plans, outcome)
    for status in {a.status for *_, actions in plans for a in actions if isinstance(a, ApplyLocal)}:
        check_status(session.project, inc, status)  # SpecWeave's rules (WIP hard cap, the archive): RuleRefused
    bases: dict[str, Base | None] = {}
    local_changes: list[tuple[Status, str]] = []
    for decision, ask, answer, actions in plans:
        finish_decision(session, inc, decision, ask, answer, actions, trigger, bases, local_changes)
        outcome.applied.append((decision, ask, answer))
    for decision, why in outcome.refused:
        stored = ask_from_json(decision.payload)
        _log(session, inc.id, stored.link, "pull", stored.local.value,
             stored.proposed.value if stored.proposed else None, f"answer to decision {decision.id} refused: {why}",
             trigger, "refused")
    report = ReconcileReport()
    outcome.changed = _commit_local(session, inc, bases, local_changes, report, concurrent_is_problem=True)
    outcome.warnings = report.warnings
    if report.problems:
        raise WeavesyncError(report.problems[0])
    # Decide the increment again: the new status reaches the other links, refused questions are withdrawn or
    # asked afresh.
    reconcile(session, policy, [inc.id], trigger=trigger, execute=False)
    return outcome


def _one_status(plans: list[tuple[Decision, Ask, Answer, list[Action]]], outcome: Resolution
                ) -> list[tuple[Decision, Ask, Answer, list[Action]]]:
    """The answers that can stand together. SpecWeave has one status: the first answer (oldest decision) that sets
    one decides it; the answers that set another, or keep or push the status it replaces, are refused (their links
    are decided afresh from the new status, and asked again where they still diverge)."""
    chosen = next((a.status for *_, acts in plans for a in acts if isinstance(a, ApplyLocal)), None)
    if chosen is None:
        return plans
    kept: list[tuple[Decision, Ask, Answer, list[Action]]] = []
    for plan in plans:
        decision, ask, _, actions = plan
        sets = {a.status for a in actions if isinstance(a, ApplyLocal)}
        if sets == {chosen} or (not sets and ask.local == chosen):
            kept.append(plan)
        else:
            outcome.refused.append((decision, f"another answer of the same command set increment {ask.increment} to "
                                              f"`{chosen.value}` first; this question is decided afresh from there"))
    return kept


def _moved_since(asked: Ask, current: Ask | None, result: LinkResult | None) -> str:
    if result is None:
        return f"{asked.link.key} is no longer linked to {asked.increment}"
    if current is None:
        return "the link has settled since the question was asked: " + "; ".join(a.reason for a in result.actions)
    return (f"the link moved since the question was asked: SpecWeave `{current.local.value}`, item "
            f"{current.external_text} now; answer the new question (`weavesync pending`)")


def resolve_pending(session: SyncSession, decision: Decision, answer: Answer, *, trigger: str = "cli",
                    policy: Policy | None = None) -> Increment | None:
    """Answer one stored decision (see `resolve_decisions`); `StaleDecision` when it was refused."""
    done = resolve_decisions(session, [(decision, answer)], trigger=trigger, policy=policy)
    if done.refused:
        raise StaleDecision(f"decision {decision.id}: {done.refused[0][1]}")
    return done.changed


def _record_push(session: SyncSession, conn: Any, inc: Increment, link: Link, push: Push, trigger: str) -> None:
    base = inc.bases.get(link.key)
    desired = {"status": push.status.value, "target": target_to_json(push.target), "comment": push.comment,
               "from": base.local.value if base else None, "role": link.role.value}
    session.store.put_desired(conn, link_key=link.key, increment=inc.id, tracker=link.tracker.value,
                              item=link.item, desired=desired, reason=push.reason, trigger=trigger, now=session.now())


def _record_conflict(session: SyncSession, conn: Any, inc: Increment, link: Link, action: RecordConflict,
                     trigger: str) -> None:
    session.store.record_conflict(conn, increment=inc.id, link_key=link.key, local={"status": action.local.value},
                                  external=action.external.to_json(), strategy=action.strategy,
                                  outcome=action.outcome, reason=action.reason, now=session.now())
    session.log.record_conflict(increment=inc.id, tracker=link.tracker.value, item=link.item,
                                local=action.local.value, external=action.external.to_json(),
                                strategy=action.strategy, outcome=action.outcome, reason=action.reason)


def _local_effects(session: SyncSession, inc: Increment, link: Link, actions: Sequence[Action],
                   remote: RemoteItem | None, trigger: str, bases: dict[str, Base | None],
                   local_changes: list[tuple[Status, str]]) -> None:
    for action in actions:
        if isinstance(action, MoveBase):
            bases[link.key] = action.new_base
        elif isinstance(action, ApplyLocal):
            local_changes.append((action.status, action.reason))
            _log(session, inc.id, link, "pull", inc.status.value, action.status.value, action.reason, trigger, "ok")
        elif isinstance(action, MarkGone):
            _log(session, inc.id, link, "pull", inc.status.value, None, action.reason, trigger, "failed",
                 error="item gone")
        elif isinstance(action, Noop | Push | Ask | RecordConflict):
            continue


def _reread(session: SyncSession, inc: Increment, report: ReconcileReport) -> Increment | None:
    try:
        return session.increment(inc.id)
    except WeavesyncError as exc:
        report.problems.append(f"{inc.id}: {exc}")
        return None


def _commit_local(session: SyncSession, inc: Increment, bases: dict[str, Base | None],
                  local_changes: list[tuple[Status, str]], report: ReconcileReport, *,
                  concurrent_is_problem: bool = False) -> Increment | None:
    """Write the increment's new status and bases. `ConcurrentChange` (another writer got there first) is raised
    for the caller to decide again, unless `concurrent_is_problem` makes it one of the report's problems."""
    try:
        if local_changes:
            status, reason = local_changes[-1]
            applied = apply_status(session.project, inc, status, now=session.now(), reason=reason)
            inc = applied.increment
            report.warnings.extend(f"{inc.id}: {w}" for w in applied.warnings)
        if bases:
            inc = write_bases(inc, bases)
    except ConcurrentChange as exc:
        if not concurrent_is_problem:
            raise
        report.problems.append(f"{inc.id}: {exc}")
        return None
    except (SpecWeaveFileError, ValueError, WeavesyncError) as exc:
        report.problems.append(f"{inc.id}: {exc}")
        return None
    return inc if local_changes else None


def _log(session: SyncSession, increment: str, link: Link, direction: str, before: str | None, after: str | None,
         reason: str, trigger: str, outcome: str, *, attempt: int | None = None, op: str | None = None,
         error: str | None = None) -> None:
    session.log.record(**{"increment": increment, "tracker": link.tracker.value, "item": link.item,
                          "direction": direction, "from": before, "to": after, "reason": reason,
                          "trigger": trigger, "outcome": outcome, "attempt": attempt, "op": op, "error": error})
