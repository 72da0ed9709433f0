"""`weavesync doctor [--json]`: every check of `weavesync.doctor`, as one report a person can act on.

The report is a table (one row per finding, with its fix) or, with ``--json``, a document whose keys are stable:
``project``, ``ok``, ``counts`` (every severity), ``findings`` (each ``check``, ``severity``, ``tracker``,
``item``, ``message``, ``fix``). ``--quiet`` leaves out the ``ok`` and ``info`` rows. The exit code is 1 when any
finding is an error, so CI can run doctor as a gate.
"""

from __future__ import annotations

import click
from rich.table import Table
from rich.text import Text

from weavesync import exitcodes
from weavesync.cli import render
from weavesync.cli.context import AppState, common_options, current_state, json_option
from weavesync.cli.progress import progress
from weavesync.doctor import Finding, broken, count, run_checks
from weavesync.specweave import find_project

_STYLE = {"ok": "green", "info": "cyan", "warning": "yellow", "error": "bold red"}


def report_json(project: str, findings: list[Finding]) -> dict[str, object]:
    return {"project": project, "ok": not broken(findings), "counts": count(findings),
            "findings": [f.to_json() for f in findings]}


def _where(finding: Finding) -> str:
    return " ".join(p for p in (finding.tracker, finding.item) if p)


def render_text(state: AppState, project: str, findings: list[Finding]) -> None:
    shown = [f for f in findings if not state.quiet or f.severity in ("warning", "error")]
    if shown:
        table = Table(title=Text(f"weavesync doctor: {project}"), title_justify="left")
        for name, wrap in (("Severity", False), ("Check", False), ("Where", False), ("Finding", True),
                           ("Fix", True)):
            table.add_column(name, no_wrap=not wrap, overflow="fold")
        for finding in shown:
            table.add_row(Text(finding.severity, style=_STYLE[finding.severity]), Text(finding.check),
                          Text(_where(finding)), Text(finding.message), Text(finding.fix or ""))
        render.print_table(table)
    counts = count(findings)
    summary = ", ".join(f"{n} {severity}" for severity, n in reversed(counts.items()))
    render.say(state, f"{'broken' if broken(findings) else 'healthy'}: {summary}")


@click.command("doctor")
@common_options
@json_option
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """Check the config, credentials, live workflows, webhooks, outbox and pending decisions.

    Every finding has a severity (ok, info, warning, error) and a one-sentence fix. Exit code 1 when any finding
    is an error.

    \b
    Examples:
      weavesync doctor
      weavesync doctor --quiet          # only warnings and errors
      weavesync doctor --json | jq '.findings[] | select(.severity == "error")'
    """
    state = current_state()
    project = find_project(state.project)
    with progress(state, "checking the config, the trackers and the state store"):
        findings = run_checks(project)
    if state.json:
        render.print_json(report_json(str(project.root), findings))
    else:
        render_text(state, str(project.root), findings)
    ctx.exit(exitcodes.ERROR if broken(findings) else exitcodes.OK)
