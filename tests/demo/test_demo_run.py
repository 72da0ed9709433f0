"""The demo library, run once against a sandbox the test owns: what the trackers and files hold afterwards."""

from __future__ import annotations

import httpx

from weavesync.demo import RESOLVE_ALL, Heading, Line, Table
from weavesync.sandbox import ACCOUNTS, BOT
from weavesync.sandbox.jira.workflow import STATUSES

from .conftest import LibraryRun, log_records, statuses


def github_issue(run: LibraryRun, item: str) -> object:
    store = run.sandbox.apps["github"].state
    return store.repo.issues[int(item.rsplit("#", 1)[1])]


def jira_issue(run: LibraryRun, key: str) -> object:
    return run.sandbox.apps["jira"].state.state.issues[key]


def ado_item(run: LibraryRun, item: str) -> object:
    return run.sandbox.apps["ado"].state.items[int(item.rsplit("/", 1)[1])]


def test_five_steps_run_in_order(library_run: LibraryRun) -> None:
    numbers = [e.number for e in library_run.events if isinstance(e, Heading)]
    assert numbers == [0, 1, 2, 3, 4, 5]


def test_step1_completion_reaches_all_three_trackers(library_run: LibraryRun) -> None:
    summary = library_run.summary
    github, jira, ado = (summary.item("0001-guest-checkout", t).item for t in ("github", "jira", "ado"))
    # GitHub closed as completed by the bot, then reopened by the bot after the accepted Jira reopen (step 2).
    events = [(e.event, e.actor, e.state_reason) for e in github_issue(library_run, github).events
              if e.event in ("closed", "reopened")]
    assert events[:2] == [("closed", BOT, "completed"), ("reopened", BOT, None)]
    # Jira was walked through the workflow by the bot, with the resolution set on the last hop.
    hops = [(h.author, [(i.field, i.from_string, i.to_string) for i in h.items])
            for h in jira_issue(library_run, jira).histories]
    bot_hops = [items for author, items in hops if author == BOT]
    assert ("status", "In Progress", "In Review") in bot_hops[0]
    assert ("status", "In Review", "Done") in bot_hops[1] and ("resolution", None, "Done") in bot_hops[1]
    text = library_run.text
    assert "transition In Progress → In Review (by weavesync bot)" in text
    assert "transition In Review → Done, resolution Done (by weavesync bot)" in text
    # ADO went to Closed in step 1 (its update history keeps it), then back to Active after the reopen.
    states = [u["fields"]["System.State"]["newValue"] for u in ado_item(library_run, ado).updates
              if "System.State" in u.get("fields", {})]
    assert "Closed" in states and states[-1] == "Active"


def test_step2_without_a_terminal_decisions_are_pending_then_resolved(library_run: LibraryRun) -> None:
    summary = library_run.summary
    assert [(d.increment, d.answer, d.by) for d in summary.decisions] == [
        ("0001-guest-checkout", "yes", "resolve"), ("0002-wishlist", "yes", "resolve")]
    lines = [e.text for e in library_run.events if isinstance(e, Line)]
    step2 = lines[lines.index(next(line for line in lines if line.startswith("alice reopens"))):]
    shown = [line for line in step2 if line.startswith(("$ ", "exit "))][:4]
    assert [line.split("   ")[0] for line in shown] == ["$ weavesync sync", "exit 3: 2 decisions pending, stored "
                                                        "for a person to answer", "$ weavesync pending",
                                                        f"$ {RESOLVE_ALL}"]
    [pending] = [e for e in library_run.events if isinstance(e, Table) and e.title == "Pending decisions"]
    assert [row[0] for row in pending.rows] == ["0001-guest-checkout", "0002-wishlist"]
    assert any("was closed (completed) by alice" in row[2] for row in pending.rows)
    assert summary.statuses["0001-guest-checkout"] == "active", "the accepted reopen"
    assert summary.statuses["0002-wishlist"] == "completed", "the accepted close"
    assert summary.pending == 0
    # The accepted close went on to 0002's other item (AC-US4-06): its ADO work item is Closed.
    assert ado_item(library_run, summary.item("0002-wishlist", "ado").item).fields["System.State"] == "Closed"
    assert statuses(library_run.root) == summary.statuses


def test_step3_retries_grow_and_the_write_lands_once(library_run: LibraryRun) -> None:
    retry = library_run.summary.retry
    assert retry is not None
    assert retry.outcome == "ok" and retry.attempts == 4
    assert retry.waits[0] < retry.waits[1], "exponential backoff grows"
    assert retry.waits[2] == 1.0, "the server's Retry-After is honoured"
    assert retry.refused == {"503": 2, "429": 1}
    assert retry.successful_writes == 1
    issue = github_issue(library_run, retry.item)
    assert (issue.state, issue.state_reason) == ("closed", "completed")
    assert [e.event for e in issue.events].count("closed") == 1, "closed exactly once"
    stats = httpx.get(f"{library_run.sandbox.urls['github']}/_sandbox/stats").json()
    assert stats["scripted"] == [], "every scripted fault was consumed"
    retrying = [r for r in log_records(library_run.root) if r["outcome"] == "retrying"]
    assert [r["attempt"] for r in retrying] == [1, 2, 3]


def test_step4_conflict_is_resolved_by_the_configured_strategy_and_recorded(library_run: LibraryRun) -> None:
    conflict = library_run.summary.conflict
    assert conflict is not None
    assert (conflict.increment, conflict.strategy) == ("0004-payments", "last-write-wins")
    assert conflict.outcome == "specweave", "SpecWeave's change came last"
    assert library_run.summary.statuses["0004-payments"] == "paused"
    assert STATUSES[jira_issue(library_run, conflict.item).status].name == "On Hold"
    history = (library_run.root / ".specweave" / "logs" / "weavesync-conflicts.jsonl").read_text().splitlines()
    assert len(history) == 1 and '"last-write-wins"' in history[0]


def test_step5_log_table_shows_every_record(library_run: LibraryRun) -> None:
    tables = [e for e in library_run.events if isinstance(e, Table) and "records, UTC" in e.title]
    (table,) = tables
    records = log_records(library_run.root)
    assert len(table.rows) == len(records) == library_run.summary.log_records
    assert [row[5] for row in table.rows] == [str(r["outcome"]) for r in records]


def test_summary_states_match_what_the_trackers_hold(library_run: LibraryRun) -> None:
    account = ACCOUNTS["jira"][BOT]
    for found in library_run.summary.items:
        if found.tracker == "jira":
            issue = httpx.get(f"{library_run.sandbox.urls['jira']}/rest/api/3/issue/{found.item}",
                              params={"fields": "status"}, auth=(account.email or "", account.secret)).json()
            assert issue["fields"]["status"]["name"] == found.state
        elif found.tracker == "github":
            assert github_issue(library_run, found.item).state == found.state.split(" ", 1)[0]
        else:
            assert ado_item(library_run, found.item).fields["System.State"] == found.state
