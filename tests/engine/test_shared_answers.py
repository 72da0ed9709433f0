"""Shared decisions (issue 15, sync-semantics.md §8): a question answered in any clone sharing the store is not
asked again, but only that question: the same divergence met after a new change of the item is asked afresh."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from weavesync.config.mapping import default_mappings
from weavesync.engine.actions import Ask, Noop
from weavesync.engine.decide import decide
from weavesync.engine.view import LinkView, Policy, PriorAnswer
from weavesync.model import Base, ExternalState, Status, Tracker

from ._build import NOW, link, remote
from ._fakes import int_version_key

OPEN = ExternalState("open", markers=frozenset({"in-progress"}))
CLOSED = ExternalState("closed", reason="completed")
CLOSED_AT = NOW - timedelta(hours=1)


def view(*answered: PriorAnswer) -> LinkView:
    """Active in SpecWeave, open at the last agreement; a person closed the issue at CLOSED_AT."""
    item = replace(remote(Tracker.GITHUB, CLOSED, "5"), status_changed_at=CLOSED_AT)
    return LinkView(increment="0042-checkout", link=link(Tracker.GITHUB), local=Status.ACTIVE, local_changed_at=None,
                    remote=item, base=Base(Status.ACTIVE, OPEN, "4", NOW - timedelta(days=1)), answered=answered)


def decided(v: LinkView) -> list[object]:
    return list(decide(v, default_mappings()[Tracker.GITHUB], Policy(), now=NOW, version_key=int_version_key))


def test_unanswered_divergence_is_asked() -> None:
    (ask,) = decided(view())
    assert isinstance(ask, Ask) and ask.changed_at == CLOSED_AT


def test_a_question_answered_elsewhere_is_not_asked_again() -> None:
    (ask,) = decided(view())
    assert isinstance(ask, Ask)
    (noop,) = decided(view(PriorAnswer(ask.fingerprint, CLOSED_AT, "no", NOW)))
    assert isinstance(noop, Noop) and noop.answered and not noop.kept_apart
    assert '"no"' in noop.reason and "commit" in noop.reason


def test_the_same_divergence_after_a_new_change_is_asked_again() -> None:
    (ask,) = decided(view())
    assert isinstance(ask, Ask)
    earlier_close = PriorAnswer(ask.fingerprint, CLOSED_AT - timedelta(days=2), "no", NOW - timedelta(days=2))
    (again,) = decided(view(earlier_close))
    assert isinstance(again, Ask), "closed, reopened and closed again: a new change, a new question"


def test_an_answer_to_another_divergence_does_not_count() -> None:
    (ask,) = decided(view())
    assert isinstance(ask, Ask)
    other = PriorAnswer(ask.fingerprint.replace("active", "paused"), CLOSED_AT, "yes", NOW)
    assert isinstance(decided(view(other))[0], Ask)
