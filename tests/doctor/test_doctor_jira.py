"""Doctor against the sandbox Jira (real HTTP on 127.0.0.1): credentials, live workflow, screens, gone items."""

from __future__ import annotations

import httpx
from tests.doctor.conftest import MakeProject

from weavesync.doctor import Finding, broken, run_checks
from weavesync.sandbox import Sandbox


def of(findings: list[Finding], check: str, severity: str | None = None) -> list[Finding]:
    return [f for f in findings if f.check == check and (severity is None or f.severity == severity)]


def seed_issue(sandbox: Sandbox, status: str, issuetype: str = "Task") -> str:
    answer = httpx.post(f"{sandbox.urls['jira']}/_sandbox/seed",
                        json={"count": 1, "status": status, "issuetype": issuetype})
    answer.raise_for_status()
    return str(answer.json()["keys"][0])


def test_healthy_jira_project_has_no_error(make_project: MakeProject, env: dict[str, str]) -> None:
    project = make_project(("jira",), links={"0001-a": {"jira": {"issue": "CORE-2"}}})
    findings = run_checks(project, env)
    assert not broken(findings), [f for f in findings if f.severity == "error"]
    auth = of(findings, "credentials", "ok")
    assert [f.tracker for f in auth] == ["jira"]
    assert env["JIRA_EMAIL"] in auth[0].message
    assert "scopes not shown" in auth[0].message
    workflow = of(findings, "workflow", "ok")
    assert workflow and "CORE Task" in workflow[0].message


def test_rejected_token_is_a_credentials_error(make_project: MakeProject, env: dict[str, str]) -> None:
    project = make_project(("jira",), links={"0001-a": {"jira": {"issue": "CORE-2"}}})
    findings = run_checks(project, env | {"JIRA_API_TOKEN": "ATATT3xNotTheRightToken"})
    errors = of(findings, "credentials", "error")
    assert len(errors) == 1 and errors[0].tracker == "jira"
    assert "JIRA_API_TOKEN" in (errors[0].fix or "")
    assert "ATATT3xNotTheRightToken" not in errors[0].message
    assert not of(findings, "workflow"), "no workflow read with credentials that do not work"
    assert broken(findings)


def test_missing_env_var_is_named(make_project: MakeProject, env: dict[str, str]) -> None:
    project = make_project(("jira",))
    without = {k: v for k, v in env.items() if k != "JIRA_EMAIL"}
    errors = of(run_checks(project, without), "credentials", "error")
    assert len(errors) == 1
    assert "JIRA_EMAIL" in errors[0].message and "export JIRA_EMAIL" in (errors[0].fix or "")


def test_mapped_status_missing_from_the_workflow(make_project: MakeProject, env: dict[str, str]) -> None:
    project = make_project(("jira",), links={"0001-a": {"jira": {"issue": "CORE-2"}}},
                           block={"mappings": {"jira": {"paused": "Blocked"}}})
    findings = run_checks(project, env)
    warnings = of(findings, "workflow", "warning")
    assert len(warnings) == 1
    assert "'Blocked'" in warnings[0].message and "CORE Task" in warnings[0].message
    assert "sync.statusSync.mappings.jira.paused" in (warnings[0].fix or "")
    assert "On Hold" in (warnings[0].fix or ""), "the fix lists the statuses that exist"
    assert warnings[0].item == "CORE-2"


def test_unmapped_status_checked_without_links_too(make_project: MakeProject, env: dict[str, str]) -> None:
    project = make_project(("jira",), block={"mappings": {"jira": {"ready_for_review": "Peer Review"}}})
    warnings = of(run_checks(project, env), "workflow", "warning")
    assert [("Peer Review" in w.message, w.item) for w in warnings] == [(True, None)]


def test_resolution_the_done_transition_does_not_offer(make_project: MakeProject, env: dict[str, str],
                                                       sandbox: Sandbox) -> None:
    in_review = seed_issue(sandbox, "In Review")
    project = make_project(("jira",), links={"0001-a": {"jira": {"issue": "CORE-2"}},
                                             "0002-b": {"jira": {"issue": in_review}}},
                           block={"jira": {"resolutions": {"completed": "Fixed"}}})
    findings = run_checks(project, env)
    errors = of(findings, "workflow", "error")
    assert len(errors) == 1, errors
    assert "'Approve'" in errors[0].message and "'Fixed'" in errors[0].message
    assert "sync.statusSync.jira.resolutions.completed" in (errors[0].fix or "")
    assert "Won't Do" in (errors[0].fix or "")
    assert broken(findings)


def test_default_resolutions_fit_the_sandbox_screens(make_project: MakeProject, env: dict[str, str],
                                                     sandbox: Sandbox) -> None:
    in_review = seed_issue(sandbox, "In Review")
    project = make_project(("jira",), links={"0002-b": {"jira": {"issue": in_review}}})
    assert not of(run_checks(project, env), "workflow", "error")


def test_gone_item_is_a_links_warning(make_project: MakeProject, env: dict[str, str]) -> None:
    project = make_project(("jira",), links={"0001-a": {"jira": {"issue": "CORE-2"}},
                                             "0003-c": {"jira": {"issue": "CORE-9999"}}})
    warnings = of(run_checks(project, env), "links", "warning")
    assert [(w.item, "0003-c" in w.message) for w in warnings] == [("CORE-9999", True)]
    assert "weavesync unlink 0003-c jira:CORE-9999" in (warnings[0].fix or "")


def test_unreachable_sandbox_is_an_error_not_a_crash(make_project: MakeProject, env: dict[str, str]) -> None:
    project = make_project(("jira",))
    findings = run_checks(project, env | {"JIRA_BASE_URL": "http://127.0.0.1:9"})
    errors = of(findings, "credentials", "error")
    assert len(errors) == 1 and "cannot check" in errors[0].message
