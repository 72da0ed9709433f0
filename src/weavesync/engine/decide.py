"""The three-way rule (sync-semantics.md §2), as one pure function per link: `decide()`.

`decide()` reads only its frozen inputs (`LinkView`, a mapping, a `Policy`, `now`, a version key) and returns a
list of actions; it makes no tracker call, reads no file and never looks at a clock (style.md §1, "decide first,
then act", after vdirsyncer's `_get_actions`). `resolve_choice()` turns a person's answer to an `Ask` into actions,
and `custom_choices()` lists the statuses offered for a "custom" answer.

Decisions made here, beyond the table:

- Echoes (§3): an observation whose version is older than the last receipt (or than the base) is stale; the base's
  external state stands in for it, so weavesync never prompts about its own writes. "Older" is strict: GitHub's
  `updated_at` has one-second resolution, so an equal version with a different state is a real change.
- last-write-wins (§5) compares SpecWeave's status time with the tracker's status-change time, never a generic
  `updated`. When either time is missing, or both are equal, it cannot tell who was last and falls back to asking
  (an `Ask`, stored as pending off a terminal): a guess could silently undo someone's work.
- external-wins, and an accepted inbound change, need the mapping to propose a status; when it proposes none the
  engine asks instead of guessing.
- A conflict resolved in SpecWeave's favour emits a `Push` and leaves the base alone: the base moves when the
  write's receipt arrives, so a failed write is retried, not forgotten.
- `promptUser: false` and ``--yes`` accept inbound proposals and completion confirmations, never conflicts:
  `conflictResolution` alone decides those (a "prompt" conflict is always an `Ask`).
- User-story links (outbound only by default) never produce a decision: an inbound change just moves the base, and
  a local change is pushed even when the item changed too.
- A run restricted by `direction` never emits what the other direction would do, and does not move the base for
  changes it leaves alone, so the next two-way run still sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from weavesync.engine import describe as say
from weavesync.engine.actions import (
    CONFIRM_CHOICES,
    CONFLICT_CHOICES,
    INBOUND_CHOICES,
    Action,
    ApplyLocal,
    Ask,
    AskKind,
    MarkGone,
    MoveBase,
    Noop,
    Push,
    RecordConflict,
    canonical_choice,
)
from weavesync.engine.view import LinkView, MappingLike, Policy, PriorAnswer, VersionKey
from weavesync.errors import UsageError
from weavesync.model import Base, ExternalState, LinkRole, RemoteItem, Status
from weavesync.specweave.transitions import allowed_from, transition_path

TERMINAL: frozenset[Status] = frozenset({Status.COMPLETED, Status.ABANDONED})
_ORDER = {status: index for index, status in enumerate(Status)}


def kept_apart(base: Base | None, local: Status, observed: ExternalState | None, mapping: MappingLike) -> bool:
    """A divergence kept on purpose: nothing changed since the last agreement (SpecWeave still has the base's status,
    the item still shows the base's state) and that agreement was a person's "no" (the base's state does not
    express the base's status). Every command shows such a link as kept apart, never as out of sync."""
    if base is None or observed is None or local != base.local:
        return False
    agreed = managed_part(base.external, mapping.managed)
    return managed_part(observed, mapping.managed) == agreed and not mapping.satisfies(agreed, local)


def managed_part(state: ExternalState, managed: frozenset[str]) -> ExternalState:
    """`state` with only the managed labels/tags kept (case-insensitively): what "changed" compares (§2)."""
    folded = {m.casefold() for m in managed}
    return replace(state, markers=frozenset(m for m in state.markers if m.casefold() in folded))


@dataclass(frozen=True)
class _Ctx:
    """One decision's inputs, with the observation already reduced to what counts (managed part, echo rule)."""

    view: LinkView
    mapping: MappingLike
    policy: Policy
    now: datetime
    remote: RemoteItem
    observed: ExternalState
    version: str | None
    stale: bool

    @property
    def local(self) -> Status:
        return self.view.local

    @property
    def base_external(self) -> ExternalState | None:
        base = self.view.base
        return None if base is None else managed_part(base.external, self.mapping.managed)

    def new_base(self, local: Status) -> Base:
        return Base(local=local, external=self.observed, version=self.version, synced_at=self.now)

    def remote_change(self) -> str:
        return say.remote_change(self.view.link, self.base_external, self.observed, self.remote.changed_by)


def decide(
    view: LinkView, mapping: MappingLike, policy: Policy, *, now: datetime, version_key: VersionKey
) -> list[Action]:
    """The actions for one link, per sync-semantics.md §2 (table rows cited at each branch), never asking a
    question a person already answered in any clone sharing the store (§8, issue 15)."""
    actions = _decide(view, mapping, policy, now=now, version_key=version_key)
    if not view.answered:
        return actions
    return [_already_answered(a, view.answered) if isinstance(a, Ask) else a for a in actions]


def _already_answered(ask: Ask, answered: tuple[PriorAnswer, ...]) -> Action:
    """`ask`, or a Noop when a person answered this very question (same divergence, same change of the item)."""
    prior = next((p for p in reversed(answered)
                  if p.fingerprint == ask.fingerprint and p.changed_at == ask.changed_at), None)
    if prior is None:
        return ask
    at = say.when(prior.answered_at)
    return Noop(reason=f"{ask.reason}; already answered \"{prior.choice}\"{at} in a clone sharing the store: not "
                       "asked again, the answer arrives with that clone's commit", answered=True)


def _decide(
    view: LinkView, mapping: MappingLike, policy: Policy, *, now: datetime, version_key: VersionKey
) -> list[Action]:
    if view.remote is None:
        # §6: 404/410: the item is gone. Mark the link; never recreate the item silently.
        return [MarkGone(reason=f"{say.item_ref(view.link)} no longer exists or is no longer visible; "
                                "the link needs attention (weavesync never recreates it silently)")]
    if view.open_write is not None:
        return _own_write_open(view, mapping, policy)
    observed = managed_part(view.remote.state, mapping.managed)
    version: str | None = view.remote.version
    stale = view.base is not None and _is_stale(view, version_key)
    if stale and view.base is not None:
        # §3 echo: an observation older than what we last wrote (or last agreed on) says nothing new.
        observed = managed_part(view.base.external, mapping.managed)
        version = view.base.version
    ctx = _Ctx(view, mapping, policy, now, view.remote, observed, version, stale)
    outbound_only = view.link.role is LinkRole.USER_STORY and policy.user_story_sync != "both"
    local = view.local
    satisfied = mapping.satisfies(observed, local)

    if view.base is None:
        # §2 last row: first sync of the link.
        if satisfied:
            return [MoveBase(new_base=ctx.new_base(local),
                             reason=f"first sync: {say.item_ref(view.link)} already shows `{local.value}`; "
                                    "recorded as the last agreed state")]
        if outbound_only:
            return _push(ctx, f"first sync of a user-story link: SpecWeave status is {local.value}")
        return _conflict(ctx)

    local_changed = local != view.base.local
    remote_changed = observed != ctx.base_external

    if not local_changed and not remote_changed:
        # §2 row 1: nothing changed (an echo of our own write lands here too).
        why = "nothing changed since the last sync"
        if stale:
            why += " (the observation is older than weavesync's last write: an echo)"
        if not satisfied:
            return [Noop(reason=f"kept apart on purpose: a person chose to keep SpecWeave's `{local.value}` while "
                                f"{say.item_ref(view.link)} stays {say.external_text(observed)}", kept_apart=True)]
        return [Noop(reason=why)]

    if local_changed and not remote_changed:
        # §2 row 2: push.
        change = say.local_change(view.base.local, local)
        if satisfied:
            return [MoveBase(new_base=ctx.new_base(local),
                             reason=f"{change}; {say.item_ref(view.link)} already shows it")]
        return _push(ctx, change)

    if remote_changed and not local_changed:
        # §2 row 3: inbound change.
        return _inbound(ctx, satisfied, outbound_only)

    # §2 row 4: both changed.
    if satisfied:
        return [MoveBase(new_base=ctx.new_base(local),
                         reason=f"{say.local_change(view.base.local, local)} and the item was "
                                f"{ctx.remote_change()}: both sides agree")]
    if view.partial_toward_local:
        # §8: the item stopped half-way on the path of weavesync's own write toward SpecWeave's status (a write
        # cut short elsewhere): ours, not a person's change. Writing again completes it.
        return _push(ctx, f"{say.local_change(view.base.local, local)}; {say.item_ref(view.link)} stopped half-way "
                          "through weavesync's own write, which is completed")
    if outbound_only:
        return _push(ctx, f"{say.local_change(view.base.local, local)}; user-story links follow the increment")
    return _conflict(ctx)


def _own_write_open(view: LinkView, mapping: MappingLike, policy: Policy) -> list[Action]:
    """§8: while weavesync's own write for the link is unfinished, the item's state is weavesync's doing.

    Whatever the item shows (the old state, a state written but a label not yet, an intermediate Jira hop) is
    never a decision, a conflict or an inbound change: the outbox replay re-reads and completes the write. Only a
    newer SpecWeave status matters: it replaces the unfinished write (the outbox keeps one desired state per
    link), so a replay never writes a status that is no longer wanted.
    """
    assert view.open_write is not None
    pending, local = view.open_write, view.local
    ref = say.item_ref(view.link)
    if local == pending.status:
        hint = ("it is dead: see `weavesync outbox`, then `weavesync retry`" if pending.state == "dead"
                else f"it is {pending.state.replace('_', ' ')} in the outbox")
        return [Noop(reason=f"weavesync's own write of `{local.value}` to {ref} is not finished ({hint}); "
                            "the item's state meanwhile is weavesync's doing, not a person's change")]
    if policy.direction == "pull":
        return [Noop(reason=f"SpecWeave status changed {pending.status.value} → {local.value} while weavesync's "
                            f"write was unfinished; not pushed: this run only pulls (left for a push)",
                     deferred=True)]
    target_text = say.target_text(mapping.target(local))
    return [_push_status(view.increment, local, mapping, policy,
                         f"SpecWeave status changed {pending.status.value} → {local.value} before weavesync's "
                         f"write of `{pending.status.value}` finished; {ref} → {target_text} instead")]


def _proposal(ctx: _Ctx) -> Status | None:
    """What the item's state proposes for SpecWeave, never SpecWeave's own status when the item does not express it.

    The mapping reads an open item as "active" when nothing more precise fits (Jira "To Do" is both planning and
    backlog). When that reading is SpecWeave's current status but the item does not satisfy it, the person did
    move the item away from it: propose the one status the item does express that SpecWeave can reach, or
    nothing (the person then answers no / custom), never "already matches" (sync-semantics §2: unless the item
    satisfies SpecWeave's status, it is a decision).
    """
    proposed = ctx.mapping.proposal(ctx.observed, ctx.base_external)
    local = ctx.local
    if proposed != local or ctx.mapping.satisfies(ctx.observed, local):
        return proposed
    reachable = set(allowed_from(local))
    fitting = [s for s in Status if s != local and s in reachable and ctx.mapping.satisfies(ctx.observed, s)]
    return fitting[0] if len(fitting) == 1 else None


def _is_stale(view: LinkView, version_key: VersionKey) -> bool:
    assert view.remote is not None
    known = [v for v in (view.last_receipt_version, view.base.version if view.base else None) if v]
    try:
        seen = version_key(view.remote.version)
        return any(seen < version_key(v) for v in known)
    except (TypeError, ValueError):
        # Versions that cannot be ordered prove nothing: treat the observation as fresh.
        return False


def _push(ctx: _Ctx, change: str, *, before: tuple[Action, ...] = ()) -> list[Action]:
    """A push of the local status, unless this run only pulls, or a completion needs confirming first (US-005)."""
    local = ctx.local
    if ctx.policy.direction == "pull":
        return [Noop(reason=f"{change}; not pushed: this run only pulls (left for a push)", deferred=True)]
    target = ctx.mapping.target(local)
    push = _push_local(ctx, f"{change}; {say.item_ref(ctx.view.link)} → {say.target_text(target)}")
    needs_confirm = (local in TERMINAL and not ctx.policy.auto_sync and ctx.policy.prompt_user
                     and not ctx.policy.assume_yes)
    if not needs_confirm:
        return [*before, push]
    # §4 last paragraph: autoSync off + promptUser on: show the item and what it will become, then ask.
    keep = MoveBase(new_base=ctx.new_base(local),
                    reason=f"{change}; a person chose not to update {say.item_ref(ctx.view.link)}")
    return [_ask(ctx, "confirm", local, CONFIRM_CHOICES, f"{change}; confirm before updating the item",
                 say.confirm_question(ctx.view.link, ctx.view.increment, local, ctx.observed, target),
                 (("yes", (*before, push)), ("no", (*before, keep))),
                 (("yes", f"update {say.item_ref(ctx.view.link)} to {say.target_text(target)}"),
                  ("no", f"leave {say.item_ref(ctx.view.link)} at {say.external_text(ctx.observed)}")))]


def _push_local(ctx: _Ctx, reason: str) -> Push:
    """The desired state for SpecWeave's current status, with the completion comment when the policy posts one."""
    return _push_status(ctx.view.increment, ctx.local, ctx.mapping, ctx.policy, reason)


def _push_status(increment: str, status: Status, mapping: MappingLike, policy: Policy, reason: str) -> Push:
    comment = (say.completion_comment(status, increment)
               if policy.completion_comments and status in TERMINAL else None)
    return Push(target=mapping.target(status), status=status, comment=comment, reason=reason)


def _inbound(ctx: _Ctx, satisfied: bool, outbound_only: bool) -> list[Action]:
    """§2 row 3 and §4: an external change SpecWeave does not express becomes a decision."""
    local = ctx.local
    change = ctx.remote_change()
    if satisfied:
        return [MoveBase(new_base=ctx.new_base(local),
                         reason=f"{change}; SpecWeave's `{local.value}` already matches")]
    if outbound_only:
        return [MoveBase(new_base=ctx.new_base(local),
                         reason=f"{change}; user-story links sync outbound only, so SpecWeave keeps "
                                f"`{local.value}`")]
    if ctx.policy.direction == "push":
        return [Noop(reason=f"{change}; not applied: this run only pushes (left for a pull)", deferred=True)]
    proposed = _proposal(ctx)
    decline = MoveBase(new_base=ctx.new_base(local),
                       reason=f"{change}; declined: SpecWeave keeps `{local.value}` and this change is not asked "
                              "again")
    if proposed is None:
        choices = tuple(c for c in INBOUND_CHOICES if c != "yes")
        plans: tuple[tuple[str, tuple[Action, ...]], ...] = (("no", (decline,)),)
    else:
        accept = _accept(ctx, proposed, f"{change}; accepted as `{proposed.value}`")
        if not ctx.policy.prompt_user or ctx.policy.assume_yes:
            return list(accept)
        choices = INBOUND_CHOICES
        plans = (("yes", accept), ("no", (decline,)))
    question = say.inbound_question(ctx.view.link, ctx.view.increment, ctx.base_external, ctx.observed,
                                    ctx.remote.changed_by, _changed_at(ctx.remote), proposed, local)
    stays = say.external_text(ctx.observed)
    meanings: tuple[tuple[str, str], ...] = (
        ("no", f"keep `{local.value}`; the item stays {stays} and this change is not asked again"),)
    if proposed is not None:
        meanings = (("yes", f"mark increment {ctx.view.increment} `{proposed.value}`"), *meanings)
    return [_ask(ctx, "inbound", proposed, choices, change, question, plans, meanings)]


def _accept(ctx: _Ctx, status: Status, reason: str) -> tuple[Action, ...]:
    """Take the item's change: SpecWeave moves to `status`. When the item then differs from what `status` maps to
    only in weavesync's own labels/tags (a person closed the issue and left `in-progress` on it), those are tidied
    with a push, so the link ends in sync; a state a person chose is never changed. A pull-only run writes nothing
    to the tracker, so it leaves the labels as they are (the base records them, so nothing is asked again)."""
    accepted = (ApplyLocal(status=status, then_push_others=True, reason=reason),
                MoveBase(new_base=ctx.new_base(status), reason=reason))
    target = ctx.mapping.target(status)
    relabelled = replace(ctx.observed, markers=frozenset(target.markers))
    if (ctx.policy.direction == "pull" or ctx.mapping.satisfies(ctx.observed, status)
            or not ctx.mapping.satisfies(relabelled, status)):
        return accepted
    return (*accepted, Push(target=target, status=status, comment=None,
                            reason=f"{reason}; {say.item_ref(ctx.view.link)}'s labels/tags tidied to match"))


def _conflict(ctx: _Ctx) -> list[Action]:
    """§5: both sides changed to states that disagree (or a first sync where they disagree)."""
    policy, local, observed = ctx.policy, ctx.local, ctx.observed
    base = ctx.view.base
    strategy = policy.conflict_resolution
    change = ctx.remote_change()
    local_text = say.local_change(base.local if base else None, local)
    proposed = _proposal(ctx)
    winner: str | None = None
    fallback = ""
    if strategy == "specweave-wins":
        winner = "specweave"
    elif strategy == "external-wins":
        winner = "external" if proposed is not None else None
        fallback = "external-wins cannot apply: no SpecWeave status matches the item's state; "
    elif strategy == "last-write-wins":
        ours, theirs = ctx.view.local_changed_at, ctx.remote.status_changed_at
        if ours is None or theirs is None or ours == theirs:
            fallback = "last-write-wins cannot tell which change came last; "
        elif ours > theirs:
            winner = "specweave"
        elif proposed is not None:
            winner = "external"
        else:
            fallback = "last-write-wins: the item changed last but no SpecWeave status matches it; "

    if winner == "specweave":
        if policy.direction == "pull":
            return [Noop(reason=f"conflict: {local_text}, item {change}; SpecWeave would win ({strategy}) but "
                                "this run only pulls (left for a two-way sync)",
                         deferred=True)]
        record = RecordConflict(strategy=strategy, outcome="specweave", local=local, external=observed,
                                reason=f"conflict resolved by {strategy}: SpecWeave's `{local.value}` wins over "
                                       f"{say.external_text(observed)}")
        return _push(ctx, f"{local_text} (conflict resolved by {strategy})", before=(record,))
    if winner == "external" and proposed is not None:
        if policy.direction == "push":
            return [Noop(reason=f"conflict: {local_text}, item {change}; the item would win ({strategy}) but "
                                "this run only pushes (left for a two-way sync)",
                         deferred=True)]
        record = RecordConflict(strategy=strategy, outcome="external", local=local, external=observed,
                                reason=f"conflict resolved by {strategy}: the item's "
                                       f"{say.external_text(observed)} wins over `{local.value}`")
        return [record, *_accept(ctx, proposed, f"{change}; conflict resolved by {strategy}")]

    # prompt (configured, or a fallback): a person decides.
    if policy.direction == "push":
        return [Noop(reason=f"conflict: {local_text}, item {change}; not asked: this run only pushes",
                     deferred=True)]
    use_specweave = (
        RecordConflict(strategy="prompt", outcome="specweave", local=local, external=observed,
                       reason=f"conflict resolved by a person: SpecWeave's `{local.value}` wins"),
        _push_local(ctx, f"{local_text} (conflict resolved by a person)"),
    )
    plans: tuple[tuple[str, tuple[Action, ...]], ...] = (("no", use_specweave),)
    target = say.target_text(ctx.mapping.target(local))
    meanings: tuple[tuple[str, str], ...] = (
        ("no", f"keep SpecWeave's `{local.value}` and update {say.item_ref(ctx.view.link)} to {target}"),)
    if proposed is not None:
        record = RecordConflict(strategy="prompt", outcome="external", local=local, external=observed,
                                reason=f"conflict resolved by a person: the item's {say.external_text(observed)} "
                                       "wins")
        plans = (("yes", (record, *_accept(ctx, proposed, f"{change}; conflict resolved by a person"))), *plans)
        meanings = (("yes", f"take the item's {say.external_text(observed)}: mark increment {ctx.view.increment} "
                            f"`{proposed.value}`"), *meanings)
        choices = CONFLICT_CHOICES
    else:
        choices = tuple(c for c in CONFLICT_CHOICES if c != "yes")
    question = say.conflict_question(ctx.view.link, ctx.view.increment, base.local if base else None, local,
                                     ctx.base_external, observed, ctx.remote.changed_by, _changed_at(ctx.remote))
    return [_ask(ctx, "conflict", proposed, choices, f"{fallback}conflict: {local_text}, item {change}",
                 question, plans, meanings)]


def _changed_at(remote: RemoteItem) -> datetime | None:
    return remote.status_changed_at or remote.updated_at


def _ask(ctx: _Ctx, kind: AskKind, proposed: Status | None, choices: tuple[str, ...], reason: str, question: str,
         plans: tuple[tuple[str, tuple[Action, ...]], ...], meanings: tuple[tuple[str, str], ...]) -> Ask:
    return Ask(kind=kind, proposed=proposed, choices=choices, increment=ctx.view.increment, link=ctx.view.link,
               local=ctx.local, external=ctx.observed, external_text=say.external_text(ctx.observed),
               base_external=ctx.base_external, remote_version=ctx.version or ctx.remote.version,
               changed_by=ctx.remote.changed_by, changed_at=_changed_at(ctx.remote), title=ctx.remote.title,
               url=ctx.remote.url or ctx.view.link.url, question=question, decided_at=ctx.now, plans=plans,
               meanings=(*meanings, ("custom", "name another status SpecWeave allows"),
                         ("skip", "decide later; the question stays pending")),
               reason=reason)


def custom_choices(current: Status) -> list[Status]:
    """The statuses SpecWeave allows next from `current`, in SpecWeave's order (US-007 AC-04)."""
    return sorted(allowed_from(current), key=_ORDER.__getitem__)


def resolve_choice(
    ask: Ask, choice: str, custom: Status | None, current_local: Status, *, now: datetime | None = None
) -> list[Action]:
    """A person's answer to `ask` as actions (§4, §5).

    - yes / no (for a conflict: take the item's state / keep SpecWeave's and update the item): the plan computed
      when the decision was made (older words such as ``use-specweave`` are read as their yes / no);
    - no: SpecWeave stays; the base takes the external state so the same change is never asked again;
    - custom: `custom` must be reachable from `current_local` by SpecWeave's transitions (else `UsageError`);
    - skip: nothing; the decision stays pending.

    `now` stamps a new base (defaults to the time the decision was made, keeping this function pure).
    """
    choice = canonical_choice(choice)
    if choice not in ask.choices:
        raise UsageError(f"{choice!r} is not an answer to this decision",
                         hint=f"choose one of: {', '.join(ask.choices)}")
    stamp = now or ask.decided_at
    if choice == "skip":
        return [Noop(reason=f"decision on {say.item_ref(ask.link)} skipped; it stays pending")]
    if choice == "custom":
        return _resolve_custom(ask, custom, current_local, stamp)
    plan = ask.plan(choice)
    if plan is None:
        raise UsageError(f"{choice!r} has no plan in this decision", hint="run `weavesync sync` again")
    actions: list[Action] = []
    for action in plan:
        if isinstance(action, ApplyLocal):
            _check_reachable(current_local, action.status)
            if action.status == current_local:
                continue
        actions.append(action)
    return actions


def _resolve_custom(ask: Ask, custom: Status | None, current_local: Status, now: datetime) -> list[Action]:
    if custom is None:
        raise UsageError("a custom answer needs a status",
                         hint="one of: " + ", ".join(s.value for s in custom_choices(current_local)))
    path = _check_reachable(current_local, custom)
    if ask.kind == "confirm" and custom == current_local:
        yes = ask.plan("yes")
        return list(yes) if yes is not None else []
    reason = f"a person chose `{custom.value}` for increment {ask.increment}"
    if path:
        reason += " (via " + " → ".join(s.value for s in [current_local, *path]) + ")"
    actions: list[Action] = []
    if ask.kind == "conflict":
        actions.append(RecordConflict(strategy="prompt", outcome="custom", local=ask.local, external=ask.external,
                                      reason=f"conflict resolved by a person: custom status `{custom.value}`"))
    if custom != current_local:
        actions.append(ApplyLocal(status=custom, then_push_others=True, reason=reason))
    if ask.kind != "confirm":
        # The item's state has been seen and answered: it is not asked about again. The base keeps the local
        # status it had, so the next pass sees a local change to `custom` and brings this item there too (a
        # person who says "paused" for a closed issue means the issue should say paused, not stay closed).
        actions.append(MoveBase(new_base=Base(local=ask.local, external=ask.external, version=ask.remote_version,
                                              synced_at=now), reason=reason))
    return actions


def _check_reachable(src: Status, dst: Status) -> list[Status]:
    try:
        return transition_path(src, dst)
    except ValueError as exc:
        raise UsageError(f"SpecWeave cannot move increment from {src.value} to {dst.value}",
                         hint="reachable next: " + ", ".join(s.value for s in custom_choices(src))) from exc
