"""The sync engine's pure heart: decide what to do for each link, then let others act.

Only `weavesync.model`, `weavesync.errors`, `weavesync.specweave.transitions` and the standard library are imported
here: no HTTP, no database, no CLI, no file access and no clock (style.md §1). The executor stores the actions in
the outbox and carries them out; `retry` tells it how long to wait after a failure.
"""

from weavesync.engine.actions import (
    Action,
    ApplyLocal,
    Ask,
    MarkGone,
    MoveBase,
    Noop,
    Push,
    RecordConflict,
)
from weavesync.engine.decide import custom_choices, decide, kept_apart, managed_part, resolve_choice
from weavesync.engine.view import LinkView, MappingLike, Policy, PriorAnswer

__all__ = [
    "Action",
    "ApplyLocal",
    "Ask",
    "LinkView",
    "MappingLike",
    "MarkGone",
    "MoveBase",
    "Noop",
    "Policy",
    "PriorAnswer",
    "Push",
    "RecordConflict",
    "custom_choices",
    "decide",
    "kept_apart",
    "managed_part",
    "resolve_choice",
]
