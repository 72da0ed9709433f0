"""The terminal prompter, driven with scripted input: what it shows, which answers it takes, and that it never
picks an answer by itself (empty and unknown input is asked again, end of input is skip)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC, datetime

import pytest
from rich.console import Console
from rich.text import Text

from weavesync.cli.prompt import TerminalPrompter, match_choice, match_status
from weavesync.engine import Ask
from weavesync.engine.actions import CONFLICT_CHOICES, INBOUND_CHOICES, AskKind
from weavesync.executor import Answer
from weavesync.model import ExternalState, Link, Status, Tracker

WHEN = datetime(2026, 11, 24, 10, 31, 2, tzinfo=UTC)


def ask(kind: AskKind = "inbound", local: Status = Status.ACTIVE, choices: tuple[str, ...] = INBOUND_CHOICES) -> Ask:
    link = Link(Tracker.GITHUB, "acme/shop#101")
    return Ask(kind=kind, proposed=Status.COMPLETED, choices=choices, increment="0042-checkout",
               link=link, local=local, external=ExternalState(state="closed", reason="completed"),
               external_text="closed (completed)", base_external=ExternalState(state="open"), remote_version="7",
               changed_by="alice", changed_at=WHEN, title="Checkout [beta]",
               url="https://github.com/acme/shop/issues/101",
               question="GitHub acme/shop#101 was closed (completed) by alice. Mark increment 0042-checkout as "
                        "`completed`?", decided_at=WHEN, reason="closed in GitHub by alice")


def scripted(answers: Iterable[str]) -> tuple[TerminalPrompter, io.StringIO, list[str]]:
    pending = list(answers)
    prompts: list[str] = []
    out = io.StringIO()

    def read(prompt: Text) -> str:
        prompts.append(prompt.plain)
        if not pending:
            raise EOFError
        return pending.pop(0)

    return TerminalPrompter(Console(file=out, width=120, no_color=True), read=read), out, prompts


def test_shows_the_item_who_when_and_both_statuses() -> None:
    prompter, out, prompts = scripted(["yes"])
    assert prompter(ask()) == Answer("yes")
    shown = out.getvalue()
    for fact in ("GitHub acme/shop#101", "Checkout [beta]", "https://github.com/acme/shop/issues/101", "alice",
                 "2026-11-24T10:31:02.000Z", "SpecWeave `active`", "closed (completed)", "Proposed:  `completed`",
                 "Mark increment 0042-checkout"):
        assert fact in shown, fact
    assert prompts == ["Answer [yes/no/custom/skip]: "]
    assert prompter.answered == [(ask(), Answer("yes"))]


def test_invalid_and_empty_input_is_asked_again() -> None:
    prompter, out, prompts = scripted(["", "maybe", "9", "n"])
    assert prompter(ask()) == Answer("no")
    assert len(prompts) == 4
    assert out.getvalue().count("Please answer one of: 1) yes  2) no  3) custom  4) skip") == 3


def test_custom_lists_only_the_allowed_statuses_and_re_asks() -> None:
    prompter, out, prompts = scripted(["custom", "completed", "planning", "2"])
    assert prompter(ask()) == Answer("custom", Status.PAUSED)
    shown = out.getvalue()
    assert "1) backlog  2) paused  3) ready_for_review  4) abandoned" in shown
    assert "1) completed" not in shown and prompts[1:] == ["Which status? "] * 3


def test_custom_by_name_in_any_spelling() -> None:
    prompter, _out, _prompts = scripted(["c", "Ready-For-Review"])
    assert prompter(ask()) == Answer("custom", Status.READY_FOR_REVIEW)


@pytest.mark.parametrize("script", [[], ["skip"], ["4"], ["custom"]])
def test_skip_and_end_of_input_leave_the_decision_pending(script: list[str]) -> None:
    prompter, _out, _prompts = scripted(script)
    assert prompter(ask()) is None
    assert prompter.answered[0][1] is None


def test_conflict_choices() -> None:
    prompter, _out, prompts = scripted(["external"])
    assert prompter(ask("conflict", choices=CONFLICT_CHOICES)) == Answer("yes")
    assert prompts == ["Answer [yes/no/custom/skip]: "]
    for text, expected in [("1", "yes"), ("2", "no"), ("use-specweave", "no"), ("specweave", "no"),
                           ("use-external", "yes"), ("accept", "yes"), ("decline", "no"), ("y", "yes"),
                           ("use", None), ("sk", "skip"), ("s", "skip"), ("c", "custom")]:
        assert match_choice(text, CONFLICT_CHOICES) == expected, text


def test_match_status() -> None:
    allowed = [Status.BACKLOG, Status.PAUSED]
    assert match_status("1", allowed) is Status.BACKLOG
    assert match_status(" paused ", allowed) is Status.PAUSED
    assert match_status("0", allowed) is None and match_status("3", allowed) is None
    assert match_status("active", allowed) is None and match_status("bogus", allowed) is None
