"""Doctor against the sandbox Azure DevOps (Agile process) and GitHub, over real HTTP on 127.0.0.1."""

from __future__ import annotations

from typing import Any

from tests.doctor.conftest import MakeProject

from weavesync.doctor import Finding, broken, run_checks


def of(findings: list[Finding], check: str, severity: str | None = None) -> list[Finding]:
    return [f for f in findings if f.check == check and (severity is None or f.severity == severity)]


def ado_link(number: int) -> dict[str, Any]:
    return {"externalLinks": {"ado": {"workItemId": number, "organization": "acme", "project": "Shop"}}}


def github_link(number: int) -> dict[str, Any]:
    return {"externalLinks": {"github": {"issueNumber": number, "repo": "acme/shop"}}}


def test_ado_state_missing_for_the_linked_type(make_project: MakeProject, env: dict[str, str]) -> None:
    # acme/Shop/4 is a User Story, /7 a Task: Agile has no "Done" state in either.
    project = make_project(("ado",), links={"0001-a": ado_link(4), "0002-b": ado_link(7)},
                           block={"mappings": {"ado": {"completed": "Done"}}})
    findings = run_checks(project, env)
    missing = [f for f in of(findings, "workflow", "warning") if "'Done'" in f.message]
    assert sorted((f.item, "will write 'Closed'" in f.message) for f in missing) == [
        ("acme/Shop/4", True), ("acme/Shop/7", True)]
    assert "Shop Task" in next(f.message for f in missing if f.item == "acme/Shop/7")
    assert "sync.statusSync.mappings.ado.completed" in (missing[0].fix or "")


def test_ado_statuses_a_type_cannot_tell_apart(make_project: MakeProject, env: dict[str, str]) -> None:
    # An Agile Bug has no Removed state: abandoned falls back to Closed, like completed.
    project = make_project(("ado",), links={"0001-a": ado_link(6)})
    warnings = of(run_checks(project, env), "workflow", "warning")
    assert [("completed and abandoned" in w.message, w.item) for w in warnings] == [(True, "acme/Shop/6")]
    assert "mappings.ado.abandoned.tags" in (warnings[0].fix or "")


def test_ado_defaults_fit_a_user_story(make_project: MakeProject, env: dict[str, str]) -> None:
    findings = run_checks(make_project(("ado",), links={"0001-a": ado_link(4)}), env)
    assert [f.severity for f in of(findings, "workflow")] == ["ok"]
    assert of(findings, "credentials", "ok")[0].message.startswith("authenticated as weavesync bot")


def test_ado_bad_pat(make_project: MakeProject, env: dict[str, str]) -> None:
    findings = run_checks(make_project(("ado",)), env | {"AZURE_DEVOPS_PAT": "not-a-valid-pat"})
    errors = of(findings, "credentials", "error")
    assert [(e.tracker, "AZURE_DEVOPS_PAT" in (e.fix or "")) for e in errors] == [("ado", True)]


def test_github_scopes_shown_and_items_read(make_project: MakeProject, env: dict[str, str]) -> None:
    findings = run_checks(make_project(("github",), links={"0001-a": github_link(1)}), env)
    auth = of(findings, "credentials", "ok")
    assert len(auth) == 1 and "scopes: " in auth[0].message and "repo" in auth[0].message
    assert [f.severity for f in of(findings, "workflow")] == ["ok"]
    assert not broken(findings)


def test_github_bad_token(make_project: MakeProject, env: dict[str, str]) -> None:
    findings = run_checks(make_project(("github",)), env | {"GITHUB_TOKEN": "ghp_wrongwrongwrongwrong"})
    errors = of(findings, "credentials", "error")
    assert [e.tracker for e in errors] == ["github"]
    assert "ghp_wrongwrongwrongwrong" not in errors[0].message


def test_github_repository_not_visible(make_project: MakeProject, env: dict[str, str]) -> None:
    project = make_project(("github",), block={"github": {"repo": "no-such-repo"}})
    errors = of(run_checks(project, env), "credentials", "error")
    assert len(errors) == 1 and "acme/no-such-repo" in errors[0].message


def test_links_to_an_unconfigured_tracker(make_project: MakeProject, env: dict[str, str]) -> None:
    project = make_project(("jira",), links={"0001-a": {"jira": {"issue": "CORE-2"}}, "0002-b": ado_link(4)})
    findings = run_checks(project, env)
    errors = of(findings, "config", "error")
    assert [(e.tracker, "sync.statusSync.ado" in (e.fix or "")) for e in errors] == [("ado", True)]
