"""Work item types, their states with categories, and the default reason of each transition, per process.

The states and categories come from the project's reference table (``process_states.json``, copied from
MicrosoftDocs/azure-devops-docs, see tests/data/azure_devops/SOURCE.md). Inherited processes on Azure DevOps
Services allow a move between any two states of a type; what the rules check is that the state exists for the
type and that ``System.Reason`` is one the transition allows, defaulting it when the client leaves it out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

STATE_COLORS = {"Proposed": "b2b2b2", "InProgress": "007acc", "Resolved": "ff9d00", "Completed": "339933",
                "Removed": "ffffff"}

# Default reasons of the moves into a state, as the default processes name them; anything else reads
# "Moved to state X" (what inherited processes use for added states).
_REASONS: dict[str, dict[str, str]] = {
    "Agile": {"New": "New", "Active": "Implementation started", "Resolved": "Code complete and unit tests pass",
              "Closed": "Acceptance tests pass", "Removed": "Removed from the backlog"},
    "Scrum": {"New": "New backlog item", "Approved": "Approved by the Product Owner",
              "Committed": "Commitment made by the team",
              "In Progress": "Work started", "To Do": "New task", "Done": "Work finished",
              "Removed": "Removed from the backlog", "Open": "New impediment", "Closed": "Impediment removed"},
    "Basic": {"To Do": "Added to backlog", "Doing": "Started", "Done": "Completed"},
    "CMMI": {"Proposed": "New", "Active": "Accepted", "Resolved": "Code complete and unit tests pass",
             "Closed": "Validation tests pass", "Removed": "Removed from the backlog"},
}


@dataclass(frozen=True)
class StateDef:
    name: str
    category: str

    @property
    def color(self) -> str:
        return STATE_COLORS.get(self.category, "b2b2b2")


@dataclass(frozen=True)
class WorkItemType:
    name: str
    process: str
    states: tuple[StateDef, ...]

    def state(self, name: str) -> StateDef | None:
        """States match case-insensitively, as the service does; the stored spelling is the type's."""
        folded = name.casefold()
        return next((s for s in self.states if s.name.casefold() == folded), None)

    @property
    def initial(self) -> StateDef:
        return self.states[0]

    def default_reason(self, state: str, *, created: bool = False) -> str:
        known = _REASONS.get(self.process, {})
        if created:
            return known.get(state, "New")
        return known.get(state, f"Moved to state {state}")

    def allowed_reasons(self, state: str, *, created: bool = False) -> tuple[str, ...]:
        return (self.default_reason(state, created=created), f"Moved to state {state}")


@cache
def _table() -> dict[str, dict[str, dict[str, str]]]:
    text = resources.files(__package__).joinpath("process_states.json").read_text(encoding="utf-8")
    processes: dict[str, dict[str, dict[str, str]]] = json.loads(text)["processes"]
    return processes


def process_names() -> tuple[str, ...]:
    return tuple(_table())


@cache
def types_of(process: str) -> dict[str, WorkItemType]:
    """The work item types of a default process, keyed by their folded name (type names match case-insensitively)."""
    table = _table().get(process)
    if table is None:
        raise KeyError(process)
    out: dict[str, WorkItemType] = {}
    for type_name, states in table.items():
        if type_name.startswith("x-"):
            continue
        defs = tuple(StateDef(name, category) for name, category in states.items())
        out[type_name.casefold()] = WorkItemType(type_name, process, defs)
    return out
