"""What the demo shows, as plain values: a step heading, a line of text, a table.

The scenario (`weavesync.demo.steps`) produces these and hands them to an `Emit` callback as they happen; the
command line renders them with rich, `--json` prints them as they are, and tests read them. Keeping them free of
rich means the scenario can be driven and checked without a terminal, and the wording lives in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Tone = Literal["plain", "info", "good", "warn", "bad", "dim", "person", "ask"]
"""How a line reads: `person` for what alice does by hand, `ask` for a question, `good`/`warn`/`bad` for outcomes."""


@dataclass(frozen=True)
class Heading:
    """The start of a step; `number` 0 is the set-up."""

    number: int
    title: str
    kind: Literal["heading"] = "heading"


@dataclass(frozen=True)
class Line:
    text: str
    tone: Tone = "plain"
    kind: Literal["line"] = "line"


@dataclass(frozen=True)
class Table:
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]] = field(default_factory=list)
    kind: Literal["table"] = "table"


Event = Heading | Line | Table
Emit = Callable[[Event], None]


def to_json(event: Event) -> dict[str, object]:
    """An event as a JSON object with stable keys (`kind` first)."""
    if isinstance(event, Heading):
        return {"kind": event.kind, "number": event.number, "title": event.title}
    if isinstance(event, Line):
        return {"kind": event.kind, "text": event.text, "tone": event.tone}
    return {"kind": event.kind, "title": event.title, "columns": list(event.columns),
            "rows": [list(row) for row in event.rows]}


def plain_text(event: Event) -> str:
    """An event as unstyled text, for logs and tests that read the story as a person would."""
    if isinstance(event, Heading):
        return f"Step {event.number}: {event.title}" if event.number else event.title
    if isinstance(event, Line):
        return event.text
    lines = [event.title, " | ".join(event.columns)]
    lines.extend(" | ".join(row) for row in event.rows)
    return "\n".join(lines)


__all__ = ["Emit", "Event", "Heading", "Line", "Table", "Tone", "plain_text", "to_json"]
