"""Doctor on weavesync's own state and config: dead/retrying outbox entries, pending decisions, webhooks seen in
the store, and an invalid config (which must still leave the store checks running)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.doctor.conftest import MakeProject

from weavesync.doctor import Finding, broken, run_checks
from weavesync.specweave import Project
from weavesync.store import open_store

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def of(findings: list[Finding], check: str, severity: str | None = None) -> list[Finding]:
    return [f for f in findings if f.check == check and (severity is None or f.severity == severity)]


def _entry(project: Project, item: str, *, error: str | None, dead: bool) -> None:
    with open_store(project.state_dir) as store:
        with store.transaction() as conn:
            store.put_desired(conn, link_key=f"jira:{item}", increment="0001-a", tracker="jira", item=item,
                              desired={"state": "Done"}, reason="SpecWeave status changed active -> completed",
                              trigger="cli", now=NOW - timedelta(hours=1))
        if error is None:
            return
        (claimed,) = store.claim(NOW - timedelta(hours=1), worker="w1", limit=1)
        if dead:
            store.bury(claimed.id, error=error, now=NOW - timedelta(minutes=50), worker="w1")
        else:
            store.reschedule(claimed.id, error=error, next_attempt_at=NOW + timedelta(minutes=5),
                             now=NOW - timedelta(minutes=50), worker="w1")


def test_dead_retrying_and_pending_outbox_entries(make_project: MakeProject) -> None:
    project = make_project()
    _entry(project, "CORE-1", error="jira CORE-1: 401 Unauthorized", dead=True)
    _entry(project, "CORE-2", error="jira CORE-2: 503 Service Unavailable", dead=False)
    _entry(project, "CORE-3", error=None, dead=False)
    findings = run_checks(project, {}, now=NOW)
    dead = of(findings, "outbox", "error")
    assert [(f.item, "401 Unauthorized" in f.message) for f in dead] == [("CORE-1", True)]
    assert "weavesync retry --dead" in (dead[0].fix or "")
    retrying = of(findings, "outbox", "warning")
    assert [(f.item, "503" in f.message, "attempt 1" in f.message) for f in retrying] == [("CORE-2", True, True)]
    assert [f.message for f in of(findings, "outbox", "info")] == ["1 write(s) waiting to be carried out"]
    assert broken(findings)


def test_empty_store_is_ok(make_project: MakeProject) -> None:
    findings = run_checks(make_project(), {}, now=NOW)
    assert [f.severity for f in of(findings, "outbox")] == ["ok"]
    assert [f.severity for f in of(findings, "decisions")] == ["ok"]
    assert not broken(findings)


def test_pending_decision_is_listed_with_its_question(make_project: MakeProject) -> None:
    project = make_project()
    question = "Jira CORE-2 was moved to Done by alice. Mark increment 0001-a as completed?"
    with open_store(project.state_dir) as store, store.transaction() as conn:
        store.add_decision(conn, increment="0001-a", link_key="jira:CORE-2", kind="inbound", observed_version="v2",
                           payload={"question": question}, now=NOW)
    found = of(run_checks(project, {}, now=NOW), "decisions")
    assert [(f.severity, f.tracker, f.item, question in f.message) for f in found] == [
        ("warning", "jira", "CORE-2", True)]
    assert "weavesync resolve 0001-a" in (found[0].fix or "")


def test_invalid_config_lists_every_error_and_still_checks_the_store(make_project: MakeProject) -> None:
    project = make_project(block={"conflictResolution": "coin-toss", "mappings": {"github": {"paused": "parked"}}})
    _entry(project, "CORE-1", error="gone", dead=True)
    findings = run_checks(project, {}, now=NOW)
    errors = of(findings, "config", "error")
    paths = sorted(f.message.split(":")[0] for f in errors)
    assert paths == ["$.sync.statusSync.conflictResolution", "$.sync.statusSync.mappings.github.paused"]
    assert all("config validate" in (f.fix or "") for f in errors)
    assert of(findings, "outbox", "error"), "the store is checked even when the config is invalid"


def test_config_that_is_not_json(make_project: MakeProject) -> None:
    project = make_project(raw_config='{"sync": {"statusSync": {},}}')
    errors = of(run_checks(project, {}, now=NOW), "config", "error")
    assert len(errors) == 1 and "line 1" in errors[0].message
    assert errors[0].fix and "JSON" in errors[0].fix


def test_config_warnings_are_findings(make_project: MakeProject) -> None:
    project = make_project(block={"pollIntervalSecs": 30})
    warnings = of(run_checks(project, {}, now=NOW), "config", "warning")
    assert [w.message for w in warnings] == ["$.sync.statusSync.pollIntervalSecs: unknown key, ignored"]


def test_no_webhook_use_is_info(make_project: MakeProject, env: dict[str, str]) -> None:
    findings = run_checks(make_project(("jira",)), env, now=NOW)
    hooks = of(findings, "webhooks")
    assert [(f.severity, f.tracker) for f in hooks] == [("info", "jira")]
    assert "WEAVESYNC_JIRA_WEBHOOK_SECRET" in (hooks[0].fix or "")


def test_secret_without_any_delivery_is_a_warning(make_project: MakeProject, env: dict[str, str]) -> None:
    findings = run_checks(make_project(("jira",)), env | {"WEAVESYNC_JIRA_WEBHOOK_SECRET": "s3cret-value"},
                          now=NOW)
    hooks = of(findings, "webhooks")
    assert [(f.severity, "no delivery" in f.message) for f in hooks] == [("warning", True)]
    assert all("s3cret-value" not in json.dumps(f.to_json()) for f in findings)


def test_deliveries_stuck_unprocessed(make_project: MakeProject, env: dict[str, str]) -> None:
    project = make_project(("jira",))
    with open_store(project.state_dir) as store:
        store.record_delivery(tracker="jira", delivery_id="d-1", headers={}, body=b"{}",
                              now=NOW - timedelta(hours=2))
    findings = run_checks(project, env | {"WEAVESYNC_JIRA_WEBHOOK_SECRET": "s3cret-value"}, now=NOW)
    hooks = of(findings, "webhooks")
    assert [f.severity for f in hooks] == ["ok", "warning"]
    assert "2026-11-24T10:00:00.000Z" in hooks[0].message
    assert "not processed" in hooks[1].message and "weavesync serve" in (hooks[1].fix or "")


def test_deliveries_without_a_secret_are_an_error(make_project: MakeProject, env: dict[str, str]) -> None:
    project = make_project(("jira",))
    with open_store(project.state_dir) as store:
        store.record_delivery(tracker="jira", delivery_id="d-1", headers={}, body=b"{}",
                              now=NOW - timedelta(minutes=1))
    errors = of(run_checks(project, env, now=NOW), "webhooks", "error")
    assert len(errors) == 1 and "WEAVESYNC_JIRA_WEBHOOK_SECRET" in (errors[0].fix or "")


def test_an_open_session_is_accepted_and_left_open(make_project: MakeProject, env: dict[str, str]) -> None:
    from weavesync.executor import SyncSession

    project = make_project(("jira",), links={"0001-a": {"jira": {"issue": "CORE-2"}}})
    with SyncSession.open(project, env=env) as session:
        findings = run_checks(session, now=NOW)
        assert [f.severity for f in of(findings, "credentials")] == ["ok"]
        assert [f.severity for f in of(findings, "decisions")] == ["ok"]
        assert session.store.pending_decisions() == [], "the store is still open for the caller"
