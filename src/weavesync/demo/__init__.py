"""`weavesync demo`'s scenario as a library: a throwaway SpecWeave project synced with the sandbox trackers.

`run_demo(emit, prompter=..., directory=...)` runs the five steps (a completion pushed to GitHub, Jira and Azure
DevOps; a person's close and reopen, with prompts; a failing tracker and its retries; a conflict; the sync log),
hands every `Event` to `emit` as it happens, and returns a `DemoSummary` of what the trackers and files hold at the
end. Rendering is the caller's job (`cli.demo_cmd` uses rich); this package never imports `cli` or rich.

Like the `sandbox` command, only the demo imports `weavesync.sandbox`; product code never does.
"""

from weavesync.demo.events import Emit, Event, Heading, Line, Table, plain_text, to_json
from weavesync.demo.run import run_demo
from weavesync.demo.steps import RESOLVE_ALL
from weavesync.demo.summary import ConflictFacts, DecisionTaken, DemoSummary, ItemState, RetryFacts

__all__ = [
    "RESOLVE_ALL",
    "ConflictFacts",
    "DecisionTaken",
    "DemoSummary",
    "Emit",
    "Event",
    "Heading",
    "ItemState",
    "Line",
    "RetryFacts",
    "Table",
    "plain_text",
    "run_demo",
    "to_json",
]
