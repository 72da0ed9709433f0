"""Step 5 (the sync log as a table) and the closing picture: every increment and item as they stand at the end."""

from __future__ import annotations

from weavesync.demo.events import Emit, Heading, Table
from weavesync.demo.project import INCREMENTS
from weavesync.demo.steps import name
from weavesync.demo.summary import ItemState
from weavesync.demo.world import DemoWorld
from weavesync.engine.describe import external_text
from weavesync.model import Tracker


def _time(ts: object) -> str:
    """``2026-11-24T10:31:02.123Z`` -> ``10:31:02``: the whole run fits in a minute, the date is noise."""
    text = str(ts)
    return text[11:19] if len(text) >= 19 else text


def _change(record: dict[str, object]) -> str:
    before, after = record.get("from"), record.get("to")
    if before is None and after is None:
        return ""
    return f"{before or '-'} → {after or '-'}"


def step_log(world: DemoWorld, emit: Emit) -> int:
    """AC-US4-04: every attempt and outcome, one JSON Lines record each, as `weavesync log` would show them."""
    emit(Heading(5, "The sync log (AC-US4-04)"))
    with world.session() as session:
        records = list(session.log.records())
        path = session.log.path
    rows = [[_time(r["ts"]), str(r["increment"]), f"{name(str(r['tracker']))} {r['item']}", str(r["direction"]),
             _change(r), str(r["outcome"]), "" if r.get("attempt") is None else str(r["attempt"]), str(r["reason"])]
            for r in records]
    emit(Table(f"{len(records)} records, UTC (from {path.name}; query them with `weavesync log`)",
               ["Time", "Increment", "Item", "Dir", "Change", "Outcome", "Try", "Reason"], rows))
    return len(records)


def final_states(world: DemoWorld, emit: Emit) -> tuple[dict[str, str], list[ItemState]]:
    """Each increment's status and each linked item's state, read back from the files and the trackers."""
    statuses: dict[str, str] = {}
    items: list[ItemState] = []
    rows: list[list[str]] = []
    with world.session() as session:
        for inc in INCREMENTS:
            statuses[inc.id] = session.increment(inc.id).status.value
            cells = {tracker: "" for tracker in Tracker}
            for tracker in inc.trackers:
                item = world.item(inc.id, tracker)
                state = world.remote(tracker, item).state
                items.append(ItemState(inc.id, tracker.value, item, external_text(state), state.category,
                                       state.reason))
                cells[tracker] = f"{item}: {external_text(state)}"
            rows.append([inc.id, statuses[inc.id], *(cells[t] for t in Tracker)])
    emit(Table("Where everything stands", ["Increment", "SpecWeave", *(name(t) for t in Tracker)], rows))
    return statuses, items


__all__ = ["final_states", "step_log"]
