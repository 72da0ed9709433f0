"""Azure DevOps default-process states and how a mapping target becomes a concrete ``System.State``.

Why this exists: ADO state names differ per process (Basic "Doing", Agile "Active", Scrum "Committed") and per
work item type, and none of the default processes has an "On Hold" state. So weavesync's default ADO mapping
names state *categories* (Proposed, InProgress, Resolved, Completed, Removed) and the adapter resolves a category
to a state of the item's type at run time, from ``GET .../workitemtypes/{type}/states``. The table below is only
used offline (config validation, tests, the sandbox); the states endpoint is authoritative per organization.

Source of `PROCESS_STATES`: MicrosoftDocs/azure-devops-docs ``docs/boards/work-items/workflow-and-state-categories.md``
(revision 07a2023) plus the vsts-rest-api-specs 7.1 example ``workItemTypeStates/GET__workitem_type_states.json``,
as compiled in the project's reference data (``reference/azure-devops/process-states.json``). Two doubtful cells
noted there: Agile User Story "Resolved" is assumed category Resolved; Scrum Epic/Feature use "In Progress".

Fallbacks (decided here, used by `resolve_ado_state`) when a type has no state in the wanted category:

- ``Resolved`` -> the *last* ``InProgress`` state of the type (Basic, Scrum and CMMI Requirement/Feature have no
  Resolved category; CMMI Feature's "Resolved" state is itself InProgress, and picking the last one keeps
  ready_for_review apart from active, which takes the first).
- ``Removed`` -> the first ``Completed`` state. An abandoned increment's item should leave the board rather than
  stay open; types such as Basic Issue or Agile Bug cannot be removed. The item then reads as Completed, so the
  receipt (what was written) becomes the base and no loop follows; add a tag to the abandoned mapping to tell
  abandoned from completed on such types.
- ``Proposed`` -> the first ``InProgress`` state (Scrum Impediment starts "Open", which is InProgress).
- ``InProgress`` and ``Completed`` exist in every default type; no fallback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from weavesync.model import Target

CATEGORIES: tuple[str, ...] = ("Proposed", "InProgress", "Resolved", "Completed", "Removed")
"""ADO state categories, spelled as the REST API returns them."""

_FALLBACK: Mapping[str, tuple[str, bool]] = {
    # wanted category -> (fallback category, take the last matching state instead of the first)
    "Resolved": ("InProgress", True),
    "Removed": ("Completed", False),
    "Proposed": ("InProgress", False),
}

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


def resolve_ado_state(target: Target, type_states: Sequence[tuple[str, str]]) -> str | None:
    """The concrete state name to write for `target` on a work item type with `type_states` (name, category).

    A named state wins when the type has it (matched case-insensitively, returned in the type's spelling). Else
    the target's category picks the first state of that category in workflow order, with the fallbacks in the
    module docstring. None means the type cannot express the target: the adapter reports it, never guesses.
    """
    if target.state is not None:
        for name, _category in type_states:
            if name.casefold() == target.state.casefold():
                return name
    if target.category is None:
        return None
    wanted = canonical_category(target.category) or target.category
    found = _pick(type_states, wanted, last=False)
    if found is not None:
        return found
    fallback = _FALLBACK.get(wanted)
    if fallback is None:
        return None
    return _pick(type_states, fallback[0], last=fallback[1])


def _pick(type_states: Sequence[tuple[str, str]], category: str, *, last: bool) -> str | None:
    matches = [name for name, cat in type_states if (canonical_category(cat) or cat) == category]
    if not matches:
        return None
    return matches[-1] if last else matches[0]
