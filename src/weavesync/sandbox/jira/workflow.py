"""The static configuration of the sandbox Jira site: status categories, statuses, the CORE workflow, resolutions.

The workflow is deliberately awkward, as real company workflows are: there is no direct transition from To Do to
Done (To Do -> In Progress -> In Review -> Done), and the transitions into Done and Won't Do have a screen that
*requires* `resolution`. An adapter that only tries one direct transition, or forgets the resolution, fails here
exactly as it would against a real site.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    id: int
    key: str
    name: str
    color: str


CATEGORIES: dict[str, Category] = {
    c.key: c
    for c in (
        Category(1, "undefined", "No Category", "medium-gray"),
        Category(2, "new", "To Do", "blue-gray"),
        Category(4, "indeterminate", "In Progress", "yellow"),
        Category(3, "done", "Done", "green"),
    )
}


@dataclass(frozen=True)
class StatusDef:
    id: str
    name: str
    category: str
    description: str = ""


STATUSES: dict[str, StatusDef] = {
    s.id: s
    for s in (
        StatusDef("10000", "To Do", "new", "Work that has not been started."),
        StatusDef("3", "In Progress", "indeterminate", "This issue is being actively worked on at the moment."),
        StatusDef("10001", "In Review", "indeterminate", "Waiting for a review."),
        StatusDef("10002", "On Hold", "indeterminate", "Paused until something else happens."),
        StatusDef("10003", "Done", "done", "Work is finished."),
        StatusDef("10004", "Won't Do", "done", "Work will not be done."),
    )
}
STATUS_BY_NAME: dict[str, StatusDef] = {s.name.lower(): s for s in STATUSES.values()}
INITIAL_STATUS = "10000"


@dataclass(frozen=True)
class ScreenField:
    id: str
    name: str
    required: bool


RESOLUTION_FIELD = ScreenField("resolution", "Resolution", True)


@dataclass(frozen=True)
class TransitionDef:
    id: str
    name: str
    sources: frozenset[str]
    """Status ids the transition is available from."""
    to: str
    screen: tuple[ScreenField, ...] = ()


def _t(tid: str, name: str, sources: tuple[str, ...], to: str, screen: tuple[ScreenField, ...] = ()) -> TransitionDef:
    ids = frozenset(STATUS_BY_NAME[s.lower()].id for s in sources)
    return TransitionDef(tid, name, ids, STATUS_BY_NAME[to.lower()].id, screen)


TRANSITIONS: tuple[TransitionDef, ...] = (
    _t("11", "Start progress", ("To Do",), "In Progress"),
    _t("21", "Request review", ("In Progress",), "In Review"),
    _t("31", "Approve", ("In Review",), "Done", (RESOLUTION_FIELD,)),
    _t("41", "Rework", ("In Review",), "In Progress"),
    _t("51", "Put on hold", ("In Progress", "In Review"), "On Hold"),
    _t("61", "Resume", ("On Hold",), "In Progress"),
    _t("71", "Won't do", ("To Do", "In Progress", "In Review", "On Hold"), "Won't Do", (RESOLUTION_FIELD,)),
    _t("81", "Reopen", ("Done", "Won't Do"), "To Do"),
    _t("91", "Stop progress", ("In Progress",), "To Do"),
)
TRANSITION_BY_ID: dict[str, TransitionDef] = {t.id: t for t in TRANSITIONS}

RESOLUTIONS: dict[str, str] = {"10000": "Done", "10001": "Won't Do", "10002": "Duplicate",
                               "10003": "Cannot Reproduce"}
RESOLUTION_BY_NAME: dict[str, str] = {name.lower(): rid for rid, name in RESOLUTIONS.items()}

ISSUE_TYPES: dict[str, str] = {"10000": "Epic", "10001": "Task", "10002": "Story"}
ISSUE_TYPE_BY_NAME: dict[str, str] = {name.lower(): tid for tid, name in ISSUE_TYPES.items()}


@dataclass(frozen=True)
class Project:
    id: str
    key: str
    name: str


PROJECTS: dict[str, Project] = {"CORE": Project("10000", "CORE", "Core")}


def available(status_id: str) -> list[TransitionDef]:
    """The transitions a user may take from `status_id` (everyone in the sandbox may transition)."""
    return [t for t in TRANSITIONS if status_id in t.sources]
