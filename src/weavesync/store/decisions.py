"""Pending decisions (sync-semantics.md §4, §5) and the conflict history (US-006 AC-07).

A decision is stored when weavesync must not choose by itself: an inbound change SpecWeave does not express,
a conflict under the ``prompt`` strategy, or a confirmation before pushing a completion. Off a terminal the
command exits with "pending" and `weavesync resolve` answers later, possibly from another process, so the
question has to live in the store.

Idempotence: reconciling twice must not ask twice, so the same (increment, link, kind, observed version)
pending decision is returned instead of added again. A decision about a different observation of the same
link means the world moved on: the older pending questions for that link are marked ``superseded``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from weavesync.errors import StoreError
from weavesync.store.dialect import inserted_id, lock_key
from weavesync.store.records import Decision
from weavesync.store.schema import DECISION_KINDS, conflicts, decisions


def add_decision(
    conn: Connection,
    *,
    increment: str,
    link_key: str,
    kind: str,
    observed_version: str | None,
    payload: dict[str, Any],
    now: datetime,
    fingerprint: str | None = None,
) -> Decision:
    """Store a pending decision, or return the identical pending one (see the module docstring).

    With a `fingerprint` (the divergence the question is about, kept in the payload), "identical" means the same
    fingerprint, whatever the item's version: an unrelated edit of the item does not make a new question.
    """
    if kind not in DECISION_KINDS:
        raise ValueError(f"unknown decision kind {kind!r}; known: {list(DECISION_KINDS)}")
    lock_key(conn, "decision:" + link_key)
    same_link = (decisions.c.increment == increment, decisions.c.link_key == link_key)
    if fingerprint is not None:
        payload = {**payload, "fingerprint": fingerprint}
        for row in conn.execute(select(decisions).where(*same_link, decisions.c.state == "pending")
                                .order_by(decisions.c.id)):
            if (row.payload or {}).get("fingerprint") == fingerprint:
                return Decision.from_row(row)
    version = (
        decisions.c.observed_version.is_(None)
        if observed_version is None
        else decisions.c.observed_version == observed_version
    )
    existing = conn.execute(
        select(decisions)
        .where(*same_link, decisions.c.kind == kind, version, decisions.c.state == "pending")
        .order_by(decisions.c.id)
        .limit(1)
    ).first()
    if existing is not None:
        return Decision.from_row(existing)
    conn.execute(
        update(decisions)
        .where(*same_link, decisions.c.state == "pending")
        .values(state="superseded", outcome="replaced", resolved_at=now)
    )
    result = conn.execute(
        decisions.insert().values(
            increment=increment,
            link_key=link_key,
            kind=kind,
            observed_version=observed_version,
            payload=payload,
            state="pending",
            created_at=now,
        )
    )
    return _get(conn, inserted_id(result))


def withdraw_decisions(conn: Connection, link_key: str, *, reason: str, now: datetime) -> list[Decision]:
    """Withdraw the pending decisions of a link whose divergence is gone (sync-semantics.md §8): they are kept
    as ``superseded`` with outcome ``withdrawn: <reason>`` and can no longer be answered. Returns them."""
    rows = list(conn.execute(select(decisions).where(decisions.c.link_key == link_key, decisions.c.state == "pending")))
    if rows:
        conn.execute(
            update(decisions)
            .where(decisions.c.id.in_([r.id for r in rows]), decisions.c.state == "pending")
            .values(state="superseded", outcome=f"withdrawn: {reason}"[:200], resolved_at=now)
        )
    return [Decision.from_row(r) for r in rows]


def pending_decisions(conn: Connection, increment: str | None = None) -> list[Decision]:
    stmt = select(decisions).where(decisions.c.state == "pending").order_by(decisions.c.id)
    if increment is not None:
        stmt = stmt.where(decisions.c.increment == increment)
    return [Decision.from_row(r) for r in conn.execute(stmt)]


def answered_decisions(conn: Connection, link_keys: set[str] | None = None) -> list[Decision]:
    """The decisions a person answered (state ``resolved``), oldest first, optionally only those of `link_keys`.

    Every clone on the store reads them before deciding, so a question answered anywhere is not asked again
    anywhere (issue 15, docs/team.md): a clone that has not pulled the answering commit yet meets the same
    divergence and finds its answer here. Few rows: one per answer a person gave."""
    rows = conn.execute(select(decisions).where(decisions.c.state == "resolved").order_by(decisions.c.id))
    return [Decision.from_row(r) for r in rows if link_keys is None or r.link_key in link_keys]


def get_decision(conn: Connection, decision_id: int) -> Decision | None:
    row = conn.execute(select(decisions).where(decisions.c.id == decision_id)).first()
    return None if row is None else Decision.from_row(row)


def resolve_decision(conn: Connection, decision_id: int, *, outcome: str, now: datetime) -> Decision:
    """Record the answer to a pending decision.

    Raises StoreError when the decision does not exist or is no longer pending (answered elsewhere, or
    superseded by a newer observation): the answer would be about a question nobody should answer any more.
    """
    result = conn.execute(
        update(decisions)
        .where(decisions.c.id == decision_id, decisions.c.state == "pending")
        .values(state="resolved", outcome=outcome, resolved_at=now)
    )
    found = _get(conn, decision_id)
    if result.rowcount != 1:
        raise StoreError(
            f"decision {decision_id} is {found.state}, not pending",
            hint="run `weavesync pending` to see the questions still open",
        )
    return found


def record_conflict(
    conn: Connection,
    *,
    increment: str,
    link_key: str,
    local: dict[str, Any],
    external: dict[str, Any],
    strategy: str,
    outcome: str,
    reason: str,
    now: datetime,
) -> dict[str, Any]:
    """Append one conflict and how it was resolved to the history; returns the stored record."""
    result = conn.execute(
        conflicts.insert().values(
            increment=increment,
            link_key=link_key,
            local=local,
            external=external,
            strategy=strategy,
            outcome=outcome,
            reason=reason,
            created_at=now,
        )
    )
    row = conn.execute(select(conflicts).where(conflicts.c.id == inserted_id(result))).one()
    return _conflict(row._mapping)


def conflict_history(conn: Connection, increment: str | None = None) -> list[dict[str, Any]]:
    """Conflicts oldest first: id, increment, link_key, local, external, strategy, outcome, reason, at."""
    stmt = select(conflicts).order_by(conflicts.c.id)
    if increment is not None:
        stmt = stmt.where(conflicts.c.increment == increment)
    return [_conflict(r._mapping) for r in conn.execute(stmt)]


def _conflict(m: Any) -> dict[str, Any]:
    return {
        "id": m["id"],
        "increment": m["increment"],
        "link_key": m["link_key"],
        "local": dict(m["local"]),
        "external": dict(m["external"]),
        "strategy": m["strategy"],
        "outcome": m["outcome"],
        "reason": m["reason"],
        "at": m["created_at"],
    }


def _get(conn: Connection, decision_id: int) -> Decision:
    found = get_decision(conn, decision_id)
    if found is None:
        raise StoreError(f"decision {decision_id} does not exist")
    return found
