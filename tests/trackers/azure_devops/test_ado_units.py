"""Pure parts of the Azure DevOps adapter, without a network: state resolution, cursor, refs, webhooks."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from weavesync.errors import AuthFailed, Rejected
from weavesync.model import Connection, Secret, Target, Tracker
from weavesync.trackers import registry
from weavesync.trackers.azure_devops.cursor import Cursor
from weavesync.trackers.azure_devops.refs import org_url, parse_ref
from weavesync.trackers.azure_devops.states import resolve_state
from weavesync.trackers.base import WorkflowStatus

DATA = Path(__file__).parents[2] / "data" / "azure_devops"
BASIC = [WorkflowStatus("To Do", "Proposed"), WorkflowStatus("Doing", "InProgress"),
         WorkflowStatus("Done", "Completed")]
CMMI_REQ = [WorkflowStatus("Proposed", "Proposed"), WorkflowStatus("Active", "InProgress"),
            WorkflowStatus("Resolved", "InProgress"), WorkflowStatus("Closed", "Completed")]
AGILE_BUG = [WorkflowStatus("New", "Proposed"), WorkflowStatus("Active", "InProgress"),
             WorkflowStatus("Resolved", "Resolved"), WorkflowStatus("Closed", "Completed")]
IMPEDIMENT = [WorkflowStatus("Open", "InProgress"), WorkflowStatus("Closed", "Completed")]


@pytest.mark.parametrize(("target", "states", "expected"), [
    (Target(state="closed"), AGILE_BUG, "Closed"),
    (Target(state=None, category="Completed"), BASIC, "Done"),
    (Target(state=None, category="inprogress"), CMMI_REQ, "Active"),
    (Target(state=None, category="Resolved"), CMMI_REQ, "Resolved"),
    (Target(state=None, category="Resolved"), BASIC, "Doing"),
    (Target(state=None, category="Resolved"), AGILE_BUG, "Resolved"),
    (Target(state=None, category="Proposed"), IMPEDIMENT, "Open"),
    (Target(state="On Hold", category="InProgress"), AGILE_BUG, "Active"),
])
def test_resolve_state(target: Target, states: list[WorkflowStatus], expected: str) -> None:
    assert resolve_state(target, states, "T") == expected


def test_resolve_state_refuses_what_the_type_cannot_express() -> None:
    assert resolve_state(Target(state=None, category="Removed"), AGILE_BUG, "Bug") == "Closed"
    with pytest.raises(Rejected) as caught:
        resolve_state(Target(state="Done"), AGILE_BUG, "Bug", item="acme/Shop/6")
    assert "'Bug'" in str(caught.value) and caught.value.item == "acme/Shop/6"


def test_cursor_round_trips_and_rejects_garbage() -> None:
    cursor = Cursor(datetime(2026, 11, 24, 10, 31, 2, 123000, tzinfo=UTC), frozenset({(15, 7), (12, 3)}))
    text = cursor.format()
    assert text == "2026-11-24T10:31:02.123Z|12:3,15:7"
    assert Cursor.parse(text) == cursor
    assert Cursor.parse("2026-11-24T10:31:02.123Z|").seen == frozenset()
    with pytest.raises(ValueError):
        Cursor.parse("2026-11-24T10:31:02Z|12")


def test_refs_and_org_urls() -> None:
    assert str(parse_ref("acme/Shop Front/42")) == "acme/Shop Front/42"
    for bad in ("acme/42", "acme/Shop/x", "acme/Shop/0", "a/b/c/1"):
        with pytest.raises(ValueError):
            parse_ref(bad)
    assert org_url("https://dev.azure.com", "acme") == "https://dev.azure.com/acme"
    assert org_url("http://127.0.0.1:9/acme/", "acme") == "http://127.0.0.1:9/acme"


def test_kind_is_registered_and_orders_versions() -> None:
    kind = registry.kind(Tracker.ADO)
    assert kind.parse_item(" acme/Shop/7 ") == "acme/Shop/7"
    assert kind.version_key("10") > kind.version_key("9")
    conn = Connection(tracker=Tracker.ADO, base_url="https://dev.azure.com", place={"organization": "acme"},
                      token=Secret("x"))
    assert kind.item_url(conn, "acme/Shop/7") == "https://dev.azure.com/acme/Shop/_workitems/edit/7"


def test_parse_the_real_capture() -> None:
    body = (DATA / "workitem.updated.real-capture.state-change.json").read_bytes()
    kind = registry.kind(Tracker.ADO)
    events = kind.parse_webhook({}, body, frozenset())
    assert len(events) == 1
    event = events[0]
    assert event.item == "ouno/Virtual.Currency/13"
    assert event.delivery_id == "86a00bfb-28a6-4e5e-bed7-6069791f1996"
    assert event.state is not None and event.state.state == "Approved"
    assert event.version == "2" and event.changed_by == "Redacted User"
    assert event.at == datetime(2021, 8, 7, 15, 41, 50, 230000, tzinfo=UTC)


def test_parse_ignores_changes_that_are_not_status() -> None:
    payload = json.loads((DATA / "workitem.updated.real-capture.state-change.json").read_text(encoding="utf-8"))
    payload["resource"]["fields"] = {"System.Title": {"oldValue": "a", "newValue": "b"}}
    assert registry.kind(Tracker.ADO).parse_webhook({}, json.dumps(payload).encode(), frozenset()) == []
    commented = (DATA / "workitem.commented.real-capture.json").read_bytes()
    assert registry.kind(Tracker.ADO).parse_webhook({}, commented, frozenset()) == []


def test_verify_basic_auth() -> None:
    kind = registry.kind(Tracker.ADO)
    good = {"Authorization": "Basic " + base64.b64encode(b"hook:s3cret").decode()}
    kind.verify_webhook(good, b"{}", "hook:s3cret")
    kind.verify_webhook(good, b"{}", "s3cret")
    for headers in ({}, {"Authorization": "Basic " + base64.b64encode(b"hook:nope").decode()},
                    {"Authorization": "Bearer s3cret"}):
        with pytest.raises(AuthFailed) as caught:
            kind.verify_webhook(headers, b"{}", "hook:s3cret")
        assert "s3cret" not in str(caught.value)
