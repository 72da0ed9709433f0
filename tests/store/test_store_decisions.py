"""Pending decisions (idempotent, superseded by newer observations) and the conflict history."""

from __future__ import annotations

from typing import Any

import pytest
from store_helpers import T0, at, link

from weavesync.errors import StoreError
from weavesync.store import Decision, Store


def _ask(
    store: Store,
    n: int = 1,
    *,
    version: str | None = "v1",
    kind: str = "inbound",
    increment: str = "0042-checkout",
    now_s: float = 0,
    payload: dict[str, Any] | None = None,
) -> Decision:
    with store.transaction() as conn:
        return store.add_decision(
            conn,
            increment=increment,
            link_key=link(n),
            kind=kind,
            observed_version=version,
            payload=payload or {"proposed": "completed", "by": "alice"},
            now=at(now_s),
        )


def test_the_same_question_is_stored_once(store: Store) -> None:
    first = _ask(store)
    again = _ask(store, now_s=10, payload={"proposed": "abandoned"})
    assert again == first
    assert (first.state, first.kind, first.observed_version, first.created_at) == ("pending", "inbound", "v1", T0)
    assert store.pending_decisions() == [first]


def test_questions_without_a_version_are_also_stored_once(store: Store) -> None:
    first = _ask(store, version=None, kind="confirm")
    assert _ask(store, version=None, kind="confirm").id == first.id
    assert len(store.pending_decisions()) == 1


def test_a_newer_observation_supersedes_the_pending_question(store: Store) -> None:
    old = _ask(store, version="v1")
    other_link = _ask(store, 2, version="v1")
    new = _ask(store, version="v2", kind="conflict", now_s=5)
    assert new.id != old.id
    assert [d.id for d in store.pending_decisions()] == [other_link.id, new.id]
    superseded = store.decision(old.id)
    assert superseded is not None
    assert (superseded.state, superseded.resolved_at) == ("superseded", at(5))


def test_resolve_records_the_answer_once(store: Store) -> None:
    asked = _ask(store)
    answered = store.resolve_decision(asked.id, outcome="yes", now=at(30))
    assert (answered.state, answered.outcome, answered.resolved_at) == ("resolved", "yes", at(30))
    assert store.pending_decisions() == []
    with pytest.raises(StoreError):
        store.resolve_decision(asked.id, outcome="no", now=at(31))
    assert store.decision(asked.id) == answered


def test_a_superseded_or_unknown_question_cannot_be_answered(store: Store) -> None:
    old = _ask(store, version="v1")
    _ask(store, version="v2")
    with pytest.raises(StoreError):
        store.resolve_decision(old.id, outcome="yes", now=at(1))
    with pytest.raises(StoreError):
        store.resolve_decision(12345, outcome="yes", now=at(1))


def test_resolve_inside_a_caller_transaction_rolls_back_with_it(store: Store) -> None:
    asked = _ask(store)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.resolve_decision(asked.id, outcome="yes", now=at(1), conn=conn)
        raise RuntimeError("the status write failed")
    assert store.pending_decisions() == [asked]


def test_pending_decisions_by_increment(store: Store) -> None:
    a = _ask(store, 1, increment="0042-checkout")
    b = _ask(store, 2, increment="0043-search")
    assert store.pending_decisions("0043-search") == [b]
    assert store.pending_decisions("0042-checkout") == [a]


def test_unknown_kind_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        _ask(store, kind="maybe")


def test_conflict_history(store: Store) -> None:
    with store.transaction() as conn:
        first = store.record_conflict(
            conn,
            increment="0042-checkout",
            link_key=link(1),
            local={"status": "completed"},
            external={"state": "open"},
            strategy="last-write-wins",
            outcome="specweave",
            reason="SpecWeave changed last",
            now=T0,
        )
        store.record_conflict(
            conn,
            increment="0043-search",
            link_key=link(2),
            local={"status": "active"},
            external={"state": "closed"},
            strategy="prompt",
            outcome="skipped",
            reason="left for later",
            now=at(1),
        )
    assert first["strategy"] == "last-write-wins"
    assert first["local"] == {"status": "completed"}
    assert first["at"] == T0
    assert [c["increment"] for c in store.conflicts()] == ["0042-checkout", "0043-search"]
    assert store.conflicts("0042-checkout") == [first]
