"""TrackerMapping: defaults, overrides, satisfies() and proposal() tables for the three trackers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weavesync.config import TrackerMapping, default_mappings, validate_config
from weavesync.config.ado_states import PROCESS_STATES
from weavesync.config.mapping import build_mapping
from weavesync.model import ExternalState, Status, Target, Tracker

GH, JIRA, ADO = Tracker.GITHUB, Tracker.JIRA, Tracker.ADO
S = Status
DEFAULTS = default_mappings()


def gh(state: str, reason: str | None = None, *labels: str) -> ExternalState:
    return ExternalState(state=state, reason=reason, markers=frozenset(labels))


def jira(name: str, category: str | None) -> ExternalState:
    return ExternalState(state=name, category=category, state_id="1")


def ado(state: str, category: str | None, *tags: str) -> ExternalState:
    return ExternalState(state=state, category=category, markers=frozenset(tags))


# --- satisfies ---------------------------------------------------------------------------------------------------

GITHUB_SATISFIES = [
    (gh("open"), {S.PLANNING}),
    (gh("OPEN", None, "Backlog"), {S.BACKLOG}),  # case-insensitive state and label
    (gh("open", "reopened", "in-progress"), {S.ACTIVE}),
    (gh("open", None, "paused", "customer-x"), {S.PAUSED}),  # unmanaged labels are people's
    (gh("open", None, "in-review"), {S.READY_FOR_REVIEW}),
    (gh("open", None, "paused", "in-progress"), set()),  # two managed labels: nothing
    (gh("closed", "completed"), {S.COMPLETED}),
    (gh("closed", None), {S.COMPLETED}),  # no reason on the item: not held against it
    (gh("closed", "not_planned", "wontfix"), {S.ABANDONED}),
    (gh("closed", "duplicate", "wontfix"), {S.ABANDONED}),  # duplicate counts as not_planned
    (gh("closed", "not_planned"), set()),  # reason says abandoned, label missing
    (gh("closed", "completed", "wontfix"), set()),
]

JIRA_SATISFIES = [
    (jira("To Do", "new"), {S.PLANNING, S.BACKLOG}),
    (jira("in progress", "indeterminate"), {S.ACTIVE}),
    (jira("On Hold", "indeterminate"), {S.PAUSED}),
    (jira("In Review", "indeterminate"), {S.READY_FOR_REVIEW}),
    (jira("Done", "done"), {S.COMPLETED}),
    (jira("Won't Do", "done"), {S.ABANDONED}),
    (jira("Selected for Development", "new"), set()),  # a named target needs its name
    (jira("Closed", "done"), set()),
]

ADO_SATISFIES = [
    (ado("New", "Proposed"), {S.PLANNING}),
    (ado("To Do", "Proposed", "backlog"), {S.BACKLOG}),
    (ado("Active", "InProgress"), {S.ACTIVE}),
    (ado("Doing", "InProgress", "Paused"), {S.PAUSED}),
    (ado("Resolved", "Resolved"), {S.READY_FOR_REVIEW}),
    (ado("Closed", "Completed"), {S.COMPLETED}),
    (ado("Done", "completed"), {S.COMPLETED}),
    (ado("Removed", "Removed"), {S.ABANDONED}),
    (ado("Active", None), set()),  # without its category a state proves nothing for a category target
    (ado("Committed", "InProgress", "paused", "backlog"), set()),
]


@pytest.mark.parametrize(
    ("tracker", "external", "expected"),
    [(GH, e, x) for e, x in GITHUB_SATISFIES]
    + [(JIRA, e, x) for e, x in JIRA_SATISFIES]
    + [(ADO, e, x) for e, x in ADO_SATISFIES],
)
def test_satisfies_table(tracker: Tracker, external: ExternalState, expected: set[Status]) -> None:
    mapping = DEFAULTS[tracker]
    assert {s for s in Status if mapping.satisfies(external, s)} == expected


# --- proposal ----------------------------------------------------------------------------------------------------

PROPOSALS = [
    # (tracker, external, before, proposal)
    (GH, gh("closed", "completed"), gh("open", None, "in-progress"), S.COMPLETED),
    (GH, gh("closed", "not_planned"), gh("open"), S.ABANDONED),  # label missing, reason decides
    (GH, gh("closed", "duplicate"), gh("open"), S.ABANDONED),
    (GH, gh("closed", "completed", "wontfix"), gh("open"), S.ABANDONED),  # the abandoned label decides
    (GH, gh("closed", "completed", "paused"), gh("open", None, "paused"), S.COMPLETED),
    (GH, gh("open", "reopened"), gh("closed", "completed"), S.ACTIVE),  # reopen: not planning
    (GH, gh("open", "reopened", "paused"), gh("closed", "completed"), S.PAUSED),  # reopen into paused
    (GH, gh("open", "reopened", "backlog"), gh("closed", "completed"), S.ACTIVE),
    (GH, gh("open", None, "in-review"), gh("open", None, "in-progress"), S.READY_FOR_REVIEW),
    (GH, gh("open", None, "paused", "backlog"), gh("open", None, "paused"), S.ACTIVE),
    (GH, gh("open"), None, S.PLANNING),
    (JIRA, jira("Done", "done"), jira("In Progress", "indeterminate"), S.COMPLETED),
    (JIRA, jira("Closed", "done"), jira("In Progress", "indeterminate"), S.COMPLETED),
    (JIRA, jira("Cancelled", "done"), jira("In Progress", "indeterminate"), S.ABANDONED),
    (JIRA, ExternalState("Closed", reason="Won't Do", category="done"), None, S.ABANDONED),
    (JIRA, jira("Won't Do", "done"), None, S.ABANDONED),
    (JIRA, jira("In Progress", "indeterminate"), jira("Done", "done"), S.ACTIVE),
    (JIRA, jira("To Do", "new"), jira("Done", "done"), S.ACTIVE),  # reopen to To Do: active, not planning
    (JIRA, jira("To Do", "new"), jira("In Progress", "indeterminate"), S.ACTIVE),
    (JIRA, jira("On Hold", "indeterminate"), jira("In Progress", "indeterminate"), S.PAUSED),
    (JIRA, jira("Triage", "undefined"), jira("In Progress", "indeterminate"), None),
    (JIRA, jira("Mystery", None), None, None),
    (ADO, ado("Closed", "Completed"), ado("Active", "InProgress"), S.COMPLETED),
    (ADO, ado("Removed", "Removed"), ado("Active", "InProgress"), S.ABANDONED),
    (ADO, ado("Removed", None), ado("Active", None), S.ABANDONED),
    (ADO, ado("Done", None), ado("Doing", None), S.COMPLETED),
    (ADO, ado("Active", "InProgress"), ado("Closed", "Completed"), S.ACTIVE),
    (ADO, ado("New", "Proposed"), ado("Closed", "Completed"), S.ACTIVE),
    (ADO, ado("Resolved", "Resolved"), ado("Active", "InProgress"), S.READY_FOR_REVIEW),
    (ADO, ado("Committed", "InProgress", "paused", "backlog"), None, S.ACTIVE),
    (ADO, ado("Frozen", None), None, None),
]


@pytest.mark.parametrize(("tracker", "external", "before", "expected"), PROPOSALS)
def test_proposal_table(
    tracker: Tracker, external: ExternalState, before: ExternalState | None, expected: Status | None
) -> None:
    assert DEFAULTS[tracker].proposal(external, before) == expected


# --- overrides ---------------------------------------------------------------------------------------------------


def test_string_override_sets_state_clears_markers_keeps_close_reason() -> None:
    mapping = build_mapping(GH, {"abandoned": "closed", "paused": "open"})
    assert mapping.target(S.ABANDONED) == Target("closed", None, "not_planned")
    assert mapping.target(S.PAUSED) == Target("open")
    assert "wontfix" not in mapping.managed and "paused" not in mapping.managed


def test_object_override_replaces_only_named_parts() -> None:
    mapping = build_mapping(GH, {"abandoned": {"labels": ["dropped", "wontfix"]},
                                 "ready_for_review": {"labels": []},
                                 "planning": {"state": "closed"}})
    assert mapping.target(S.ABANDONED) == Target("closed", None, "not_planned", frozenset({"dropped", "wontfix"}))
    assert mapping.target(S.READY_FOR_REVIEW) == Target("open")
    assert mapping.target(S.PLANNING) == Target("closed")  # a new close has no inherited reason
    assert mapping.target(S.ACTIVE) == DEFAULTS[GH].target(S.ACTIVE)  # unnamed: default


def test_github_reason_override() -> None:
    mapping = build_mapping(GH, {"abandoned": {"state": "closed", "reason": "completed", "labels": ["wontfix"]}})
    assert mapping.target(S.ABANDONED).reason == "completed"


def test_jira_override_keeps_category_fallback_and_resolutions() -> None:
    mapping = build_mapping(JIRA, {"paused": "Blocked", "completed": {"state": "Closed", "category": "DONE"}},
                            jira_resolutions={S.COMPLETED: "Fixed"})
    assert mapping.target(S.PAUSED) == Target("Blocked", "indeterminate")
    assert mapping.target(S.COMPLETED) == Target("Closed", "done", "Fixed")
    assert mapping.target(S.ABANDONED).reason == "Won't Do"


def test_ado_override_category_follows_known_state() -> None:
    mapping = build_mapping(ADO, {"ready_for_review": "Resolved", "completed": "Closed", "paused": "On Hold",
                                  "backlog": {"category": "proposed"}})
    assert mapping.target(S.READY_FOR_REVIEW) == Target("Resolved", "Resolved")  # processes disagree: default
    assert mapping.target(S.COMPLETED) == Target("Closed", "Completed")
    assert mapping.target(S.PAUSED) == Target("On Hold", "InProgress")
    assert mapping.target(S.BACKLOG) == Target(None, "Proposed", None, frozenset({"backlog"}))


def test_unknown_keys_and_values_are_skipped_when_building() -> None:
    mapping = build_mapping(GH, {"someday": "open", "active": 5, "done": {"labels": ["shipped"]}})
    assert mapping.target(S.ACTIVE) == DEFAULTS[GH].target(S.ACTIVE)
    assert mapping.target(S.COMPLETED).markers == {"shipped"}  # "done" is read as completed


def test_a_mapping_needs_every_status() -> None:
    with pytest.raises(ValueError, match="planning"):
        TrackerMapping(GH, {S.ACTIVE: Target("open")})


def test_defaults_pass_validation_without_errors() -> None:
    explicit = {t.value: {s.value: _as_value(m.target(s), t) for s in Status} for t, m in DEFAULTS.items()}
    problems = validate_config({"sync": {"statusSync": {"mappings": explicit}}})
    assert [p for p in problems if p.severity == "error"] == []
    assert validate_config({"sync": {"statusSync": {}}}) == []


def _as_value(target: Target, tracker: Tracker) -> dict[str, object]:
    out: dict[str, object] = {}
    if target.state is not None:
        out["state"] = target.state
    if target.category is not None and (tracker is not GH):
        out["category"] = target.category
    if target.reason is not None and tracker is GH:
        out["reason"] = target.reason
    out["tags" if tracker is ADO else "labels"] = sorted(target.markers)
    if tracker is JIRA:
        del out["labels"]
    return out


# --- properties --------------------------------------------------------------------------------------------------

_UNMANAGED = st.frozensets(st.sampled_from(["bug", "customer", "p1", "team-a"]), max_size=3)


def external_for(mapping: TrackerMapping, target: Target, noise: frozenset[str], pick: int) -> ExternalState:
    """An external state that a faithful adapter would read after writing `target` (plus people's labels)."""
    if mapping.tracker is ADO and target.state is None:
        names = sorted({n for types in PROCESS_STATES.values() for states in types.values()
                        for n, c in states if c == target.category})
        state = names[pick % len(names)]
    else:
        assert target.state is not None
        state = target.state
    return ExternalState(state=state, reason=target.reason, category=target.category,
                         markers=target.markers | noise)


@given(tracker=st.sampled_from(list(Tracker)), status=st.sampled_from(list(Status)), noise=_UNMANAGED,
       pick=st.integers(min_value=0, max_value=20))
def test_every_default_target_satisfies_itself_and_proposes_itself_when_unique(
    tracker: Tracker, status: Status, noise: frozenset[str], pick: int
) -> None:
    mapping = DEFAULTS[tracker]
    external = external_for(mapping, mapping.target(status), noise, pick)
    assert mapping.satisfies(external, status)
    if mapping.satisfied_by(external) == [status]:
        assert mapping.proposal(external, None) == status
    else:  # only the deliberate Jira planning/backlog overlap
        assert tracker is JIRA and set(mapping.satisfied_by(external)) == {S.PLANNING, S.BACKLOG}
