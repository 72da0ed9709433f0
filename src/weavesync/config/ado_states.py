"""Azure DevOps default-process states, offline: for config validation, tests and the sandbox.

Why this exists: ADO state names differ per process (Basic "Doing", Agile "Active", Scrum "Committed") and per
work item type, and none of the default processes has an "On Hold" state. So weavesync's default ADO mapping
names state *categories* (Proposed, InProgress, Resolved, Completed, Removed). Which concrete state a target means
for an item's type is decided only by the ADO adapter at run time, from ``GET .../workitemtypes/{type}/states``
(``trackers/azure_devops/states.py``, with its fallbacks; `weavesync doctor` asks it through
``TrackerAdapter.check_target``). This table is only what config validation knows about the default processes
(`canonical_category`, `known_state_categories`); the states endpoint is authoritative per organization.

Source of `PROCESS_STATES`: MicrosoftDocs/azure-devops-docs ``docs/boards/work-items/workflow-and-state-categories.md``
(revision 07a2023) plus the vsts-rest-api-specs 7.1 example ``workItemTypeStates/GET__workitem_type_states.json``,
as compiled in the project's reference data (``reference/azure-devops/process-states.json``). Two doubtful cells
noted there: Agile User Story "Resolved" is assumed category Resolved; Scrum Epic/Feature use "In Progress".
"""

from __future__ import annotations

from collections.abc import Mapping

CATEGORIES: tuple[str, ...] = ("Proposed", "InProgress", "Resolved", "Completed", "Removed")
"""ADO state categories, spelled as the REST API returns them."""

_AGILE_FULL = (("New", "Proposed"), ("Active", "InProgress"), ("Resolved", "Resolved"), ("Closed", "Completed"),
               ("Removed", "Removed"))
_BASIC = (("To Do", "Proposed"), ("Doing", "InProgress"), ("Done", "Completed"))
_SCRUM_BACKLOG = (("New", "Proposed"), ("Approved", "Proposed"), ("Committed", "InProgress"), ("Done", "Completed"),
                  ("Removed", "Removed"))
_SCRUM_PORTFOLIO = (("New", "Proposed"), ("In Progress", "InProgress"), ("Done", "Completed"),
                    ("Removed", "Removed"))
_CMMI_WORK = (("Proposed", "Proposed"), ("Active", "InProgress"), ("Resolved", "InProgress"), ("Closed", "Completed"))
_CMMI_PORTFOLIO = (*_CMMI_WORK, ("Removed", "Removed"))
_CMMI_TRACKED = (("Proposed", "Proposed"), ("Active", "InProgress"), ("Resolved", "Resolved"),
                 ("Closed", "Completed"))

PROCESS_STATES: Mapping[str, Mapping[str, tuple[tuple[str, str], ...]]] = {
    "Basic": {"Epic": _BASIC, "Issue": _BASIC, "Task": _BASIC},
    "Agile": {
        "User Story": _AGILE_FULL,
        "Bug": (("New", "Proposed"), ("Active", "InProgress"), ("Resolved", "Resolved"), ("Closed", "Completed")),
        "Task": (("New", "Proposed"), ("Active", "InProgress"), ("Closed", "Completed"), ("Removed", "Removed")),
        "Feature": _AGILE_FULL,
        "Epic": _AGILE_FULL,
    },
    "Scrum": {
        "Product Backlog Item": _SCRUM_BACKLOG,
        "Bug": _SCRUM_BACKLOG,
        "Task": (("To Do", "Proposed"), ("In Progress", "InProgress"), ("Done", "Completed"), ("Removed", "Removed")),
        "Feature": _SCRUM_PORTFOLIO,
        "Epic": _SCRUM_PORTFOLIO,
        "Impediment": (("Open", "InProgress"), ("Closed", "Completed")),
    },
    "CMMI": {
        "Requirement": _CMMI_WORK,
        "Task": _CMMI_WORK,
        "Bug": _CMMI_TRACKED,
        "Feature": _CMMI_PORTFOLIO,
        "Epic": _CMMI_PORTFOLIO,
        "Issue": _CMMI_TRACKED,
        "Risk": _CMMI_TRACKED,
        "Review": _CMMI_TRACKED,
    },
}
"""process -> work item type -> ((state name, category), ...) in workflow order."""


def canonical_category(name: str) -> str | None:
    """The API spelling of an ADO category given in any case ("inprogress" -> "InProgress"), or None."""
    folded = name.replace(" ", "").casefold()
    for category in CATEGORIES:
        if category.casefold() == folded:
            return category
    return None


def known_state_categories(state: str) -> frozenset[str]:
    """Every category the default processes give a state of this name (empty when no default process has it).

    "Resolved" yields two (InProgress in CMMI Requirement/Task/Feature/Epic, Resolved elsewhere), so callers must
    not assume one answer.
    """
    folded = state.casefold()
    return frozenset(
        category
        for types in PROCESS_STATES.values()
        for states in types.values()
        for name, category in states
        if name.casefold() == folded
    )


def states_for(process: str, work_item_type: str) -> tuple[tuple[str, str], ...] | None:
    """The default states of one type in one default process (None when the table does not know them)."""
    types = PROCESS_STATES.get(process)
    return None if types is None else types.get(work_item_type)
