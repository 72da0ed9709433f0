"""Hypothesis strategies for engine inputs: states drawn from each tracker's fake mapping, plus oddities."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import strategies as st

from weavesync.engine.view import Policy
from weavesync.model import ExternalState, LinkRole, Status, Tracker

from ._build import CLOSED_AT
from ._fakes import mapping_for

statuses = st.sampled_from(list(Status))
trackers = st.sampled_from(list(Tracker))
versions = st.integers(0, 12).map(str)
times = st.none() | st.integers(-3, 3).map(lambda minutes: CLOSED_AT + timedelta(minutes=minutes))

policies = st.builds(
    Policy,
    conflict_resolution=st.sampled_from(["prompt", "last-write-wins", "specweave-wins", "external-wins"]),
    prompt_user=st.booleans(),
    auto_sync=st.booleans(),
    completion_comments=st.booleans(),
    user_story_sync=st.sampled_from(["outbound", "both"]),
    assume_yes=st.booleans(),
    interactive=st.booleans(),
    direction=st.sampled_from(["both", "push", "pull"]),
)
roles = st.sampled_from(list(LinkRole))


@st.composite
def external_states(draw: st.DrawFn, tracker: Tracker) -> ExternalState:
    """A state the tracker could show: one a status maps to, maybe with people's labels, or an unmapped one."""
    mapping = mapping_for(tracker)
    if draw(st.integers(0, 9)) == 0:
        return ExternalState(state=draw(st.sampled_from(["Blocked", "Triage"])))
    state = mapping.realise(mapping.target(draw(statuses)))
    extra = draw(st.sets(st.sampled_from(["bug", "frontend", "paused", "in-progress"]), max_size=2))
    return replace(state, markers=state.markers | frozenset(extra))


def examples(short: int) -> int:
    """How many examples a property test draws: `short` in CI, 25 times as many in the long run (conftest.py)."""
    from .conftest import LONG

    return short * 25 if LONG else short
