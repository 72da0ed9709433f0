"""What `decide()` returns: small frozen action values, each with a `reason` a person understands.

Actions describe; they never run. The caller stores them (desired states go to the outbox in the same transaction
as the decision, sync-semantics.md §3), asks a person about `Ask`s, and renders every reason in the sync log and
the terminal. Every action, `Noop` included, carries a reason (style.md habit 5).

- `Noop`          nothing to do, and why
- `MoveBase`      both sides agree (or a person accepted the difference): store `new_base`
- `Push`          desired state for this link's item (outbox); `comment` is posted once when the push closes
- `ApplyLocal`    set the increment's status (walking SpecWeave's transitions), then push it to the other links
- `Ask`           a decision for a person: inbound change, conflict, or confirmation before a completion push
- `RecordConflict` an entry for the conflict history (`weavesync log --conflicts`)
- `MarkGone`      the item no longer exists: mark the link, never recreate it silently
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from weavesync.model import Base, ExternalState, Link, Status, Target

AskKind = Literal["inbound", "conflict", "confirm"]
ConflictOutcome = Literal["specweave", "external", "custom"]

INBOUND_CHOICES: tuple[str, ...] = ("yes", "no", "custom", "skip")
CONFIRM_CHOICES: tuple[str, ...] = ("yes", "no", "custom", "skip")
CONFLICT_CHOICES: tuple[str, ...] = ("yes", "no", "custom", "skip")
"""One vocabulary for every decision: ``yes`` takes what the question proposes (the tracker's change, or the update
of the item for a confirmation), ``no`` keeps SpecWeave's status as it is, ``custom`` names another status, ``skip``
decides later. `Ask.meanings` says in words what yes and no mean for each question; `resolve --accept` is yes and
``--decline`` is no, whatever the kind."""

CHOICE_ALIASES: dict[str, str] = {"accept": "yes", "decline": "no", "use-external": "yes", "use-specweave": "no",
                                  "external": "yes", "specweave": "no", "y": "yes", "n": "no"}
"""Other words people (and decisions stored before the one vocabulary) use for yes and no."""


def canonical_choice(word: str) -> str:
    """`word` in the one vocabulary (``use-specweave`` -> ``no``); unknown words are returned as they are."""
    folded = word.strip().lower()
    return CHOICE_ALIASES.get(folded, folded)


@dataclass(frozen=True, kw_only=True)
class Action:
    """Base of every action; `reason` is the sentence the sync log and the terminal show."""

    reason: str

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError(f"{type(self).__name__} needs a reason a person understands")


@dataclass(frozen=True, kw_only=True)
class Noop(Action):
    """Nothing to write. Still has a reason, so `--verbose` and the log can say why nothing happened.

    `deferred` marks a change this run leaves alone on purpose (a one-way run): the divergence lives on, so a
    pending decision about it stays pending. Any other outcome without an `Ask` means the link is settled.
    """

    deferred: bool = False
    kept_apart: bool = False
    """Both sides are as they were last agreed, and that agreement was to differ: a person answered "no" to the
    item's change, so SpecWeave keeps its status while the item keeps its state, on purpose."""
    answered: bool = False
    """The question this link raises was already answered, in a clone sharing the store whose commit this clone
    has not yet: not asked again; the answer arrives with that commit (docs/team.md)."""


@dataclass(frozen=True, kw_only=True)
class MoveBase(Action):
    """Both sides now agree (or a person accepted the difference): store `new_base` for this link."""

    new_base: Base


@dataclass(frozen=True, kw_only=True)
class Push(Action):
    """Desired state for the link's item. A newer Push for the same link replaces a pending older one.

    The base is NOT moved here: it moves when the write's receipt comes back (sync-semantics.md §3).
    """

    target: Target
    status: Status
    comment: str | None = None


@dataclass(frozen=True, kw_only=True)
class ApplyLocal(Action):
    """An accepted inbound change: set the increment to `status`, then push it to the increment's other links."""

    status: Status
    then_push_others: bool = True


@dataclass(frozen=True, kw_only=True)
class RecordConflict(Action):
    """One line of conflict history: which strategy resolved it, which side won, and both states."""

    strategy: str
    outcome: ConflictOutcome
    local: Status
    external: ExternalState


@dataclass(frozen=True, kw_only=True)
class MarkGone(Action):
    """The item is gone (404/410 or no longer visible): mark the link so a person can relink or unlink it."""


@dataclass(frozen=True, kw_only=True)
class Ask(Action):
    """A decision for a person (sync-semantics.md §4 and §5).

    On a terminal the caller shows `question` and `choices`; off a terminal it stores the Ask as pending and exits
    with a distinct code; it never picks a default. `plans` holds, for every fixed choice, the actions that choice
    means, computed when the decision was made (so `resolve_choice` needs no mapping); "custom" and "skip" are
    handled by `resolve_choice`.
    """

    kind: AskKind
    proposed: Status | None
    choices: tuple[str, ...]
    increment: str
    link: Link
    local: Status
    external: ExternalState
    external_text: str
    base_external: ExternalState | None
    remote_version: str
    changed_by: str | None
    changed_at: datetime | None
    title: str | None
    url: str | None
    question: str
    decided_at: datetime
    plans: tuple[tuple[str, tuple[Action, ...]], ...] = ()
    meanings: tuple[tuple[str, str], ...] = ()
    """What each choice means for this question, in words (``("yes", "mark `completed`")``), shown the same way
    by the prompt, `pending` and `resolve`."""

    def meaning(self, choice: str) -> str | None:
        return dict(self.meanings).get(choice)

    @property
    def fingerprint(self) -> str:
        """The divergence this question is about: same fingerprint, same question (sync-semantics.md §8).

        The item's version is left out on purpose: a person's comment or an unrelated label moves the version
        but not the divergence, and must not turn one question into two.
        """
        parts = [self.kind, self.link.key, self.local.value, _state_key(self.external),
                 _state_key(self.base_external), self.proposed.value if self.proposed else "-"]
        return "|".join(parts)

    def plan(self, choice: str) -> tuple[Action, ...] | None:
        """The actions precomputed for `choice`, or None when the choice has no fixed plan."""
        for name, actions in self.plans:
            if name == choice:
                return actions
        return None


def _state_key(state: ExternalState | None) -> str:
    if state is None:
        return "-"
    markers = ",".join(sorted(m.casefold() for m in state.markers))
    return f"{state.state.casefold()}/{(state.reason or '').casefold()}/{(state.category or '').casefold()}/{markers}"


__all__ = [
    "CHOICE_ALIASES",
    "CONFIRM_CHOICES",
    "CONFLICT_CHOICES",
    "INBOUND_CHOICES",
    "Action",
    "ApplyLocal",
    "Ask",
    "AskKind",
    "ConflictOutcome",
    "MarkGone",
    "MoveBase",
    "Noop",
    "Push",
    "RecordConflict",
    "canonical_choice",
]
