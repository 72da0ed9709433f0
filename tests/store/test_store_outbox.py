"""The outbox: replacement of desired states, per-link order, failures holding back one link, leases."""

from __future__ import annotations

import pytest
from store_helpers import T0, at, link, put, states

from weavesync.errors import StoreError
from weavesync.store import Store


def test_put_desired_records_a_pending_entry(store: Store) -> None:
    entry = put(store, 1, "closed", op_id="op-1")
    assert (entry.state, entry.attempts, entry.desired, entry.op_id) == ("pending", 0, {"state": "closed"}, "op-1")
    assert entry.link_key == link(1)
    assert entry.next_attempt_at == T0
    assert store.outbox() == [entry]


def test_a_fresh_op_id_is_generated(store: Store) -> None:
    first = put(store, 1, "closed")
    second = put(store, 2, "closed")
    assert len(first.op_id) == 32
    assert first.op_id != second.op_id


def test_a_newer_desired_state_replaces_a_pending_one(store: Store) -> None:
    old = put(store, 1, "closed")
    new = put(store, 1, "open", now=at(5))
    assert new.id == old.id
    assert new.desired == {"state": "open"}
    assert new.reason == "SpecWeave status changed to open"
    assert new.op_id != old.op_id
    assert new.updated_at == at(5)
    assert len(store.outbox()) == 1


def test_replacing_a_retrying_entry_resets_attempts_but_keeps_the_wait(store: Store) -> None:
    old = put(store, 1, "closed")
    (claimed,) = store.claim(T0, worker="w")
    assert store.reschedule(claimed.id, error="429 rate limited", next_attempt_at=at(600), now=at(1), worker="w")
    new = put(store, 1, "open", now=at(2))
    assert (new.id, new.state, new.attempts, new.last_error) == (old.id, "pending", 0, None)
    assert new.next_attempt_at == at(600)
    assert store.claim(at(599), worker="w") == []
    assert [e.desired for e in store.claim(at(600), worker="w")] == [{"state": "open"}]


def test_a_newer_state_queues_behind_an_in_flight_one(store: Store) -> None:
    first = put(store, 1, "closed")
    store.claim(T0, worker="w")
    second = put(store, 1, "open", now=at(1))
    third = put(store, 1, "closed", now=at(2))
    assert second.id != first.id
    assert third.id == second.id  # the queued one is still pending, so it is replaced
    assert states(store) == {first.id: "in_flight", second.id: "pending"}


def test_the_same_op_id_is_not_recorded_twice(store: Store) -> None:
    first = put(store, 1, "closed", op_id="op-7")
    again = put(store, 1, "open", op_id="op-7")
    assert again == first
    assert len(store.outbox()) == 1


def test_claim_takes_only_the_oldest_entry_of_each_link(store: Store) -> None:
    a1 = put(store, 1, "closed")
    b1 = put(store, 2, "closed")
    store.claim(T0, worker="setup")  # both heads in flight, leases live
    a2 = put(store, 1, "open")
    assert store.claim(T0, worker="w") == []  # a2 waits for a1, in flight elsewhere
    assert store.complete(a1.id, receipt={"version": "v2"}, now=at(1), worker="setup")
    assert [e.id for e in store.claim(at(1), worker="w")] == [a2.id]
    assert states(store)[b1.id] == "in_flight"


def test_a_crashed_head_with_a_newer_state_behind_it_is_superseded_not_replayed(store: Store) -> None:
    a1 = put(store, 1, "closed")
    b1 = put(store, 2, "closed")
    store.claim(T0, worker="setup", lease_seconds=0)  # both heads in flight, leases already expired
    a2 = put(store, 1, "open")
    claimed = store.claim(T0, worker="w")
    # b1 has nothing newer: its write is taken over; a1 is obsolete: replaying `closed` before `open` would
    # close and reopen the item for nothing.
    assert sorted(e.id for e in claimed) == sorted([a2.id, b1.id])
    assert all(e.state == "in_flight" and e.claimed_by == "w" for e in claimed)
    assert states(store)[a1.id] == "superseded"


def test_claims_of_dead_workers_are_freed_at_once(store: Store) -> None:
    entry = put(store, 1, "closed")
    store.claim(T0, worker="host:1:dead", lease_seconds=600)
    assert store.claim(T0, worker="w") == []
    assert store.in_flight_claimers() == ["host:1:dead"]
    assert store.expire_claims(["host:1:dead"], now=T0) == 1
    assert [e.id for e in store.claim(T0, worker="w")] == [entry.id]


def test_claim_respects_limit_and_due_time(store: Store) -> None:
    for n in range(5):
        put(store, n, "closed", now=at(n))
    assert [e.link_key for e in store.claim(at(2), worker="w", limit=2)] == [link(0), link(1)]
    assert [e.link_key for e in store.claim(at(2), worker="w")] == [link(2)]
    assert store.claim(at(2), worker="w", limit=0) == []


def test_a_failed_write_holds_back_only_its_own_link(store: Store) -> None:
    a1 = put(store, 1, "closed")
    put(store, 2, "closed")
    store.claim(T0, worker="w", limit=1)
    a2 = put(store, 1, "open")
    store.reschedule(a1.id, error="503", next_attempt_at=at(60), now=at(1), worker="w")
    assert [e.link_key for e in store.claim(at(2), worker="w")] == [link(2)]
    assert store.claim(at(59), worker="w") == []
    retried = store.claim(at(60), worker="w")
    assert [(e.id, e.attempts, e.last_error) for e in retried] == [(a1.id, 1, "503")]
    store.complete(a1.id, receipt={}, now=at(61))
    assert [e.id for e in store.claim(at(61), worker="w")] == [a2.id]


def test_a_dead_entry_holds_back_its_link_until_revived(store: Store) -> None:
    a1 = put(store, 1, "closed")
    store.claim(T0, worker="w")
    a2 = put(store, 1, "open")
    assert store.bury(a1.id, error="422 transition needs a resolution field", now=at(1), worker="w")
    dead = store.outbox(["dead"])
    assert [(e.id, e.attempts, e.last_error) for e in dead] == [(a1.id, 1, "422 transition needs a resolution field")]
    assert store.claim(at(100), worker="w") == []
    assert store.revive_dead(now=at(100)) == 1
    revived = store.claim(at(100), worker="w")
    assert [(e.id, e.attempts) for e in revived] == [(a1.id, 0)]
    store.complete(a1.id, receipt={}, now=at(101))
    assert [e.id for e in store.claim(at(101), worker="w")] == [a2.id]


def test_a_newer_desired_state_supersedes_a_dead_one(store: Store) -> None:
    a1 = put(store, 1, "closed")
    store.claim(T0, worker="w")
    store.bury(a1.id, error="401", now=at(1))
    a2 = put(store, 1, "open", now=at(2))
    assert states(store) == {a1.id: "superseded", a2.id: "pending"}
    assert store.outbox(["superseded"])[0].last_error == "401"
    assert [e.id for e in store.claim(at(2), worker="w")] == [a2.id]


def test_revive_dead_for_one_link(store: Store) -> None:
    entries = [put(store, n, "closed") for n in (1, 2)]
    store.claim(T0, worker="w")
    for e in entries:
        store.bury(e.id, error="401", now=at(1))
    assert store.revive_dead(link(2), now=at(2)) == 1
    assert states(store) == {entries[0].id: "dead", entries[1].id: "pending"}
    assert store.revive_dead(now=at(3)) == 1
    assert store.revive_dead(now=at(3)) == 0


def test_an_expired_lease_is_claimed_again_and_the_old_holder_loses_it(store: Store) -> None:
    entry = put(store, 1, "closed")
    (first,) = store.claim(T0, worker="crashed", lease_seconds=30)
    assert first.lease_expires_at == at(30)
    assert store.claim(at(29), worker="other") == []
    (again,) = store.claim(at(30), worker="other", lease_seconds=30)
    assert (again.id, again.claimed_by, again.claims) == (entry.id, "other", 2)
    assert not store.complete(entry.id, receipt={"by": "crashed"}, now=at(31), worker="crashed")
    assert store.complete(entry.id, receipt={"by": "other"}, now=at(32), worker="other")
    assert not store.complete(entry.id, receipt={"by": "other"}, now=at(33), worker="other")
    (done,) = store.outbox(["done"])
    assert done.receipt == {"by": "other"}
    assert done.lease_expires_at is None


def test_extend_lease_keeps_a_slow_write_claimed(store: Store) -> None:
    entry = put(store, 1, "closed")
    store.claim(T0, worker="w", lease_seconds=10)
    assert store.extend_lease(entry.id, worker="w", now=at(9), lease_seconds=10)
    assert not store.extend_lease(entry.id, worker="intruder", now=at(9), lease_seconds=10)
    assert store.claim(at(15), worker="other") == []
    assert store.claim(at(19), worker="other") != []


def test_finishing_an_unknown_entry_is_an_error(store: Store) -> None:
    with pytest.raises(StoreError):
        store.complete(999, receipt={}, now=T0)
    with pytest.raises(StoreError):
        store.bury(999, error="x", now=T0)


def test_finishing_an_entry_that_was_never_claimed_changes_nothing(store: Store) -> None:
    entry = put(store, 1, "closed")
    assert not store.complete(entry.id, receipt={}, now=T0)
    assert states(store) == {entry.id: "pending"}


def test_outbox_filters_by_state(store: Store) -> None:
    a = put(store, 1, "closed")
    b = put(store, 2, "closed")
    store.claim(T0, worker="w", limit=1)
    assert [e.id for e in store.outbox(["pending"])] == [b.id]
    assert [e.id for e in store.outbox(["in_flight", "pending"])] == [a.id, b.id]
    assert store.outbox_entry(a.id) == store.outbox(["in_flight"])[0]
    with pytest.raises(ValueError):
        store.outbox(["flying"])


def test_a_decision_and_its_outbox_rows_commit_together_or_not_at_all(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.put_desired(
            conn,
            link_key=link(1),
            increment="0042-checkout",
            tracker="github",
            item="acme/shop#1",
            desired={"state": "closed"},
            reason="r",
            trigger="cli",
            now=T0,
        )
        store.add_decision(
            conn, increment="0042-checkout", link_key=link(1), kind="confirm", observed_version="v1", payload={}, now=T0
        )
        raise RuntimeError("crash before commit")
    assert store.outbox() == []
    assert store.pending_decisions() == []
