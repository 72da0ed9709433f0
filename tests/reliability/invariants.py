"""The invariants every proof suite checks, one small named function each.

Each function raises `InvariantViolation` (an AssertionError) whose message says which invariant broke, on which
increment or item, and what was seen, so a failing long run reads as a bug report. They take plain observations
(files, decisions, histories) so the suites decide *when* to look; none of them waits or retries.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from weavesync.model import Status, Tracker
from weavesync.store import Decision, OutboxEntry

from .harness import BOT, KEPT_KEY, ItemHistory, decision_item

TERMINAL_STATES = {Tracker.GITHUB: ("closed/completed", "closed/not_planned"),
                   Tracker.JIRA: ("Done", "Won't Do"), Tracker.ADO: ("Closed", "Removed")}
"""Each tracker's states that a completion or abandonment writes (what the completion comment announces)."""

Ref = tuple[Tracker, str]


class InvariantViolation(AssertionError):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"[{name}] {message}")
        self.name = name


def _ref(ref: Ref) -> str:
    return f"{ref[0].value} {ref[1]}"


def files_parse_with_unknown_keys_kept(increments_dir: Path, increments: Iterable[str],
                                       links: Mapping[str, Sequence[Ref]] | None = None) -> None:
    """Every metadata.json parses, keeps the unknown key SpecWeave wrote, names a valid status and keeps its
    links; every spec.md keeps its front matter with a `status:` line."""
    for inc in increments:
        path = increments_dir / inc / "metadata.json"
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise InvariantViolation("files-parse", f"{inc}/metadata.json does not parse: {exc}") from None
        if data.get(KEPT_KEY) != {"note": "kept by every writer", "n": 7}:
            raise InvariantViolation("unknown-keys-kept", f"{inc}/metadata.json lost or changed the unknown key "
                                     f"{KEPT_KEY!r}: {data.get(KEPT_KEY)!r}")
        try:
            Status(data.get("status"))
        except ValueError:
            raise InvariantViolation("files-parse", f"{inc}/metadata.json has status {data.get('status')!r}") from None
        for tracker, _item in (links or {}).get(inc, ()):
            if tracker.value not in (data.get("externalLinks") or {}):
                raise InvariantViolation("unknown-keys-kept", f"{inc}/metadata.json lost its {tracker.value} link: "
                                         f"{data.get('externalLinks')!r}")
        spec = (increments_dir / inc / "spec.md").read_text()
        if not re.match(r"---\n(.*\n)*?status: \S+\n(.*\n)*?---\n", spec):
            raise InvariantViolation("files-parse", f"{inc}/spec.md lost its front matter status: {spec[:200]!r}")


def at_most_one_decision_per_link(decisions: Sequence[Decision]) -> None:
    counts = Counter(decision_item(d) for d in decisions)
    many = {ref: n for ref, n in counts.items() if n > 1}
    if many:
        raise InvariantViolation("one-decision-per-link", "links with several pending decisions: " + ", ".join(
            f"{_ref(ref)} x{n}" for ref, n in many.items()))


def no_decision_about_our_own_write(decisions: Sequence[Decision], touched_by_person: Iterable[Ref]) -> None:
    """A pending decision needs a person's change of that item since the link was last seen settled; it must
    never name weavesync's bot as the one who changed the item."""
    touched = set(touched_by_person)
    for decision in decisions:
        ref = decision_item(decision)
        by = decision.payload.get("changedBy")
        if by and BOT in str(by):
            raise InvariantViolation("no-decision-about-own-write", f"{decision.kind} decision on {_ref(ref)} "
                                     f"says the bot changed it: {decision.payload.get('question')}")
        if ref not in touched:
            raise InvariantViolation("no-decision-about-own-write", f"{decision.kind} decision on {_ref(ref)} but "
                                     f"no person changed that item since it was last in sync: "
                                     f"{decision.payload.get('question')} (local {decision.payload.get('local')}, "
                                     f"external {decision.payload.get('externalText')})")


def no_external_change_applied_without_decision(actual: Mapping[str, Status], expected: Mapping[str, Status],
                                                allowed: Iterable[str], step: str) -> None:
    """SpecWeave's status changes only by SpecWeave itself, an answered decision, or a configured automatic
    policy (`--yes`, a strategy) for the increments that step allowed."""
    may_change = set(allowed)
    for inc, status in actual.items():
        if status is not expected[inc] and inc not in may_change:
            raise InvariantViolation("no-external-change-without-decision",
                                     f"{inc} changed {expected[inc].value} -> {status.value} during `{step}`, "
                                     "which allowed no change of SpecWeave's status")


def no_pending_decision_for_settled_link(decisions: Sequence[Decision], local: Mapping[str, Status],
                                         satisfied: Mapping[Ref, bool]) -> None:
    """A decision lives only while its divergence lives: none pending for a link whose sides agree."""
    for decision in decisions:
        ref = decision_item(decision)
        if satisfied.get(ref):
            raise InvariantViolation("no-decision-for-settled-link",
                                     f"{decision.kind} decision on {_ref(ref)} still pending although the item "
                                     f"already expresses {decision.increment}'s status "
                                     f"{local[decision.increment].value}: {decision.payload.get('question')}")


def no_duplicate_in_histories(history: ItemHistory) -> None:
    """In the tracker's own history: no comment posted twice (same operation marker, or more completion
    comments than completions weavesync made) and no state change by the bot that changed nothing."""
    ops = Counter(c.op for c in history.comments if c.by_bot and c.op)
    twice = [op for op, n in ops.items() if n > 1]
    if twice:
        raise InvariantViolation("no-duplicate-comment", f"{_ref((history.tracker, history.item))}: comment of "
                                 f"operation(s) {twice} posted more than once")
    comments = sum(1 for c in history.comments if c.by_bot and c.completion)
    closes = completions_by_bot(history)
    if comments > closes:
        raise InvariantViolation("no-duplicate-comment", f"{_ref((history.tracker, history.item))}: {comments} "
                                 f"completion comments for {closes} completion(s)/abandonment(s) by weavesync")
    for change in history.changes:
        if change.by_bot and change.before == change.after:
            raise InvariantViolation("no-duplicate-state-change", f"{_ref((history.tracker, history.item))}: the "
                                     f"bot changed the state {change.before} -> {change.after} at {change.at}")


def completions_by_bot(history: ItemHistory) -> int:
    return sum(1 for c in history.changes if c.by_bot and c.after in TERMINAL_STATES[history.tracker])


def one_comment_per_completion(history: ItemHistory) -> None:
    """Once the outbox is empty: exactly one completion comment per completion/abandonment weavesync made."""
    comments = sum(1 for c in history.comments if c.by_bot and c.completion)
    closes = completions_by_bot(history)
    if comments != closes:
        raise InvariantViolation("one-comment-per-completion", f"{_ref((history.tracker, history.item))}: "
                                 f"{comments} completion comment(s) for {closes} completion(s)/abandonment(s) by "
                                 "weavesync (a comment lost or duplicated)")


def outbox_drained(entries: Sequence[OutboxEntry]) -> None:
    """Every write ends done (or superseded): nothing left pending, in flight, retrying or dead."""
    if entries:
        raise InvariantViolation("no-lost-local-change", "outbox entries not done after settling: " + "; ".join(
            f"{e.increment} {e.tracker} {e.item} -> {e.desired.get('status')} [{e.state}, {e.attempts} attempts, "
            f"{e.last_error}]" for e in entries))


def every_link_settled_or_decided(links: Mapping[str, Sequence[Ref]], local: Mapping[str, Status],
                                  satisfied: Mapping[Ref, bool], decisions: Sequence[Decision],
                                  declined: Iterable[Ref], touched_by_person: Iterable[Ref],
                                  describe: Mapping[Ref, str], answered: Iterable[Ref] = ()) -> None:
    """After settling, each link is in sync, or a decision is pending for it, or a person's change was
    declined (the base took it; nothing to ask again). Otherwise a local change was lost (never pushed) or a
    person's change was absorbed without a decision."""
    decided = {decision_item(d) for d in decisions}
    declined_refs = set(declined)
    answered_refs = set(answered)
    touched = set(touched_by_person)
    for inc, refs in links.items():
        for ref in refs:
            if satisfied[ref] or ref in decided or ref in declined_refs:
                continue
            if ref in answered_refs:
                raise InvariantViolation("answered-link-settles",
                                         f"{_ref(ref)} is {describe[ref]} after its decision was answered, {inc} is "
                                         f"{local[inc].value}: the link never comes back in sync (a managed "
                                         "label/tag the person left is not tidied)")
            if ref in touched:
                raise InvariantViolation("no-change-absorbed-without-decision",
                                         f"{_ref(ref)} is {describe[ref]} (a person's change), {inc} is "
                                         f"{local[inc].value}: they disagree and no decision is pending")
            raise InvariantViolation("no-lost-local-change", f"{inc} is {local[inc].value} but {_ref(ref)} is still "
                                     f"{describe[ref]} and no decision is pending (the local change was not pushed)")


class Violations:
    """Collects violations so a long run goes on and reports every kind it met, then fails once at the end."""

    def __init__(self) -> None:
        self.found: list[str] = []

    @contextmanager
    def collect(self, where: str) -> Iterator[None]:
        try:
            yield
        except InvariantViolation as exc:
            self.found.append(f"{where}: {exc}")

    def by_name(self) -> dict[str, int]:
        return dict(Counter(re.search(r"\[([\w-]+)\]", f).group(1) if re.search(r"\[([\w-]+)\]", f) else "?"
                            for f in self.found))

    def write(self, path: Path) -> None:
        """Every violation, one per line (the assertion shows only the first 40)."""
        path.write_text("".join(f"{line}\n" for line in self.found))

    def assert_none(self) -> None:
        if self.found:
            raise AssertionError(f"{len(self.found)} invariant violation(s) {self.by_name()}:\n" +
                                 "\n".join(self.found[:40]))
