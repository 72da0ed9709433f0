"""The terminal prompter: shows one decision (`engine.Ask`) to a person and reads their answer.

Used only when `cli.session.can_ask` says a person is there. It shows the item (tracker, ref, title, URL), who
changed it and when, SpecWeave's current status, the item's state and the proposal, then asks with the Ask's own
choices (yes / no / custom / skip; for a conflict yes takes the item's state and no keeps SpecWeave's), each with
what it means for this question. There is no default:
an empty or unknown answer is asked again. "custom" lists only the statuses SpecWeave's transitions allow from
the current one (US-007 AC-04). End of input (Ctrl-D, a closed pipe) means "skip": the decision stays pending,
exactly as off a terminal, so nothing is decided for a person who is not answering.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from rich.console import Console
from rich.text import Text

from weavesync.engine import Ask, custom_choices
from weavesync.engine.actions import canonical_choice
from weavesync.engine.describe import item_ref
from weavesync.errors import WeavesyncError
from weavesync.executor import Answer
from weavesync.executor.session import SyncSession
from weavesync.model import Status, format_utc
from weavesync.specweave.rules import rules_for
from weavesync.specweave.statuses import normalise_status

T = TypeVar("T")


@dataclass(frozen=True)
class PromptRules:
    """What SpecWeave's rules say about one decision (`specweave.rules`): lines to show, and the statuses they
    refuse with why (those are never accepted, nor listed under custom)."""

    lines: tuple[str, ...] = ()
    refused: dict[Status, str] = field(default_factory=dict)


RulesFor = Callable[[Ask], PromptRules]

Reader = Callable[[Text], str]
"""Reads one line after showing a prompt; raises EOFError at end of input."""


def match_choice(text: str, choices: Sequence[str]) -> str | None:
    """The choice `text` names: the full word, its number in the list, a unique prefix, or another word for
    yes / no (``accept``, ``decline``, ``use-external``, ``use-specweave``). None when it names none or several."""
    word = text.strip().lower()
    if not word:
        return None
    if word.isdigit():
        index = int(word) - 1
        return choices[index] if 0 <= index < len(choices) else None
    word = canonical_choice(word)
    names = {choice: {choice} for choice in choices}
    exact = [choice for choice, spellings in names.items() if word in spellings]
    if exact:
        return exact[0]
    found = [choice for choice, spellings in names.items() if any(s.startswith(word) for s in spellings)]
    return found[0] if len(found) == 1 else None


def match_status(text: str, allowed: Sequence[Status]) -> Status | None:
    """The status `text` names among `allowed`: its number in the list or any spelling SpecWeave reads."""
    word = text.strip()
    if word.isdigit():
        index = int(word) - 1
        return allowed[index] if 0 <= index < len(allowed) else None
    try:
        status = normalise_status(word)
    except ValueError:
        return None
    return status if status in allowed else None


def describe(ask: Ask) -> Text:
    """The facts a person needs before answering, as plain `Text` (titles may contain rich markup)."""
    lines = Text()
    lines.append(f"Decision for increment {ask.increment}\n", style="bold")
    item = item_ref(ask.link)
    if ask.title:
        item += f" · {ask.title}"
    lines.append(f"  Item:      {item}\n")
    if ask.url:
        lines.append(f"             {ask.url}\n")
    who = ask.changed_by or "someone"
    at = f" at {format_utc(ask.changed_at)}" if ask.changed_at else ""
    lines.append(f"  Changed:   by {who}{at}\n")
    lines.append(f"  Current:   SpecWeave `{ask.local.value}`, item {ask.external_text}\n")
    if ask.proposed is not None:
        lines.append(f"  Proposed:  `{ask.proposed.value}`\n")
    lines.append(ask.question, style="bold")
    for choice in ask.choices:
        meaning = ask.meaning(choice)
        if meaning:
            lines.append(f"\n  {choice:<7} {meaning}")
    return lines


@dataclass
class TerminalPrompter:
    """A `weavesync.executor.Prompter` for a terminal; remembers every answer so the command can report them."""

    console: Console
    read: Reader | None = None
    answered: list[tuple[Ask, Answer | None]] = field(default_factory=list)
    rules: RulesFor | None = None

    def __call__(self, ask: Ask) -> Answer | None:
        answer = self.ask(ask)
        self.answered.append((ask, answer))
        return answer

    def _line(self, prompt: Text) -> str:
        reader = self.read if self.read is not None else self.console.input
        return reader(prompt)

    def ask(self, ask: Ask) -> Answer | None:
        """One decision: None for skip (or end of input), else the person's answer."""
        self.console.print()
        self.console.print(describe(ask))
        rules = self.rules(ask) if self.rules is not None else PromptRules()
        for line in rules.lines:
            self.console.print(Text(f"  SpecWeave: {line}", style="yellow"))
        numbered = "  ".join(f"{n}) {choice}" for n, choice in enumerate(ask.choices, start=1))
        blocked = rules.refused.get(ask.proposed) if ask.proposed is not None else None

        def parse(text: str) -> str | None:
            found = match_choice(text, ask.choices)
            if found == "yes" and blocked is not None:
                self.console.print(Text(f"`{ask.proposed.value if ask.proposed else ''}` is not possible: {blocked}"))
                return None
            return found

        choice = self._until_valid(Text(f"Answer [{'/'.join(ask.choices)}]: "), parse,
                                   f"Please answer one of: {numbered}")
        if choice is None or choice == "skip":
            return None
        if choice != "custom":
            return Answer(choice)
        custom = self._custom(ask, rules)
        return None if custom is None else Answer("custom", custom)

    def _custom(self, ask: Ask, rules: PromptRules) -> Status | None:
        allowed = [s for s in custom_choices(ask.local) if s not in rules.refused]
        if not allowed:
            self.console.print(Text("SpecWeave's rules allow no other status now; the decision stays pending"))
            return None
        listed = "  ".join(f"{n}) {status.value}" for n, status in enumerate(allowed, start=1))
        self.console.print(Text(f"SpecWeave allows from `{ask.local.value}`: {listed}"))
        return self._until_valid(Text("Which status? "), lambda text: match_status(text, allowed),
                                 f"Please choose one of: {listed}")

    def _until_valid(self, prompt: Text, parse: Callable[[str], T | None], again: str) -> T | None:
        """Ask until `parse` accepts a line (there is no default), saying `again` after each miss; None at end
        of input, which leaves the decision pending."""
        while True:
            try:
                text = self._line(prompt)
            except EOFError:
                self.console.print(Text("\nno answer: the decision stays pending"))
                return None
            found = parse(text)
            if found is not None:
                return found
            self.console.print(Text(again))


def specweave_rules(session: SyncSession) -> RulesFor:
    """`PromptRules` for a decision from the project as it is now (WIP limits, the archive)."""

    def rules_for_ask(ask: Ask) -> PromptRules:
        try:
            inc = session.increment(ask.increment)
        except WeavesyncError:
            return PromptRules()
        rules = rules_for(session.project)
        refused = {s: v.refused for s in Status if (v := rules.verdict(inc, s)).refused is not None}
        return PromptRules(tuple(rules.notes(inc, ask.proposed)), refused)

    return rules_for_ask
