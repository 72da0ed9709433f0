"""`weavesync doctor` after `serve` processed deliveries (sandbox, real HTTP): every tracker's webhooks check
names the last delivery whatever became of it (a decision, nothing to do, set aside), and set-aside deliveries
are reported with their error."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner

from weavesync.cli.main import cli
from weavesync.doctor import Finding, run_checks
from weavesync.executor import SyncSession
from weavesync.model import Tracker
from weavesync.sandbox import Sandbox
from weavesync.web import Server, register_webhooks

from .sandbox_world import SECRET_ENV, TIMEOUT, Person, deliver, until


def webhook_findings(session: SyncSession, tracker: Tracker) -> list[Finding]:
    return [f for f in run_checks(session) if f.check == "webhooks" and f.tracker == tracker.value]


def sandbox_deliveries(sandbox: Sandbox, tracker: Tracker, url: str) -> int:
    return len([d for d in sandbox.contexts[tracker.value].webhooks.history if d.url.startswith(url)])


@pytest.mark.parametrize("person", ["github", "jira", "ado"], indirect=True)
def test_doctor_sees_deliveries_that_changed_nothing(sandbox: Sandbox, person: Person,
                                                    linked: Callable[[], tuple[SyncSession, str]]) -> None:
    session, item = linked()
    tracker = person.tracker
    with Server(session, poll_interval=0) as server:
        register_webhooks(session, server.url)
        person.rename(item, "Checkout, renamed")
        until(lambda: sandbox_deliveries(sandbox, tracker, server.url), "the rename's delivery")
        assert sandbox.contexts[tracker.value].webhooks.flush(TIMEOUT)
        assert server.app.state.worker.wait_idle(TIMEOUT)
    assert session.store.unprocessed_deliveries() == [] and session.store.pending_decisions() == []
    found = webhook_findings(session, tracker)
    assert [f.severity for f in found] == ["ok"], [f.message for f in found]
    assert found[0].message.startswith("last webhook delivery at ")


def test_doctor_and_outbox_report_set_aside_deliveries_with_their_error(
        sandbox: Sandbox, linked: Callable[[], tuple[SyncSession, str]]) -> None:
    session, _ = linked()
    with Server(session, poll_interval=0) as server:
        payload = {"action": "labeled", "label": "in-progress", "issue": {"number": 1},
                   "repository": {"full_name": "acme/shop"}}
        assert deliver(server.url, Tracker.GITHUB, payload, "bad-label").status_code == 202
        assert server.app.state.worker.wait_idle(TIMEOUT)
    found = webhook_findings(session, Tracker.GITHUB)
    [aside] = [f for f in found if f.severity == "warning"]
    assert "bad-label" in aside.message and "label is a string" in aside.message
    assert aside.fix is not None and "weavesync outbox" in aside.fix
    assert any(f.severity == "ok" for f in found), "a set-aside delivery still shows the webhook works"
    project = ["--project", str(session.project.root), "--json"]
    env = {**sandbox.env(), **SECRET_ENV}
    listed = CliRunner().invoke(cli, ["outbox", *project], env=env, catch_exceptions=False)
    [delivery] = json.loads(listed.stdout)["deliveries"]
    assert (delivery["tracker"], delivery["delivery"], delivery["state"]) == ("github", "bad-label", "poison")
    assert delivery["error"] == "invalid: webhook payload field label is a string, expected an object"
    doctor = CliRunner().invoke(cli, ["doctor", *project], env=env, catch_exceptions=False)
    assert "bad-label" in json.dumps(json.loads(doctor.stdout))
