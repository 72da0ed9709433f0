"""`weavesync status`: every increment, its status and its links; every unreadable file as a problem.

A broken increment never hides the others: it is one ``error:`` line on stderr naming the file and the field,
the rest are still listed, and the exit code is 1. Issue 5 adds ``--remote`` by passing a `RemoteLookup` to
`build_report`; the renderers already show `LinkRow.remote` when it is set.
"""

from __future__ import annotations

import click
from rich.table import Table
from rich.text import Text

from weavesync import exitcodes
from weavesync.cli import render
from weavesync.cli.context import AppState, common_options, current_state, json_option
from weavesync.cli.report import IncrementRow, LinkRow, StatusReport, build_report, by_tracker
from weavesync.specweave import find_project

_STATUS_STYLE = {"active": "cyan", "paused": "yellow", "ready_for_review": "magenta", "completed": "green",
                 "abandoned": "red"}
"""Colour only helps scanning a long list; ``NO_COLOR`` (honoured by rich) turns it off."""


def _status_cell(row: IncrementRow) -> str:
    if row.raw_status != row.status:
        return f"{row.raw_status} -> {row.status}"
    return row.status


def _link_text(link: LinkRow) -> str:
    role = f"user-story {link.story}" if link.story else link.role
    text = f"{link.item} ({role})"
    if link.remote is not None:
        state = link.remote.get("state")
        text += f" [remote: {state}]" if state is not None else ""
    return text


def _links_cell(row: IncrementRow) -> str:
    lines: list[str] = []
    for tracker, links in by_tracker(row.links).items():
        lines.extend(f"{tracker} {_link_text(link)}" for link in links)
    return "\n".join(lines) or "-"


def _table(report: StatusReport) -> Table:
    # Cells are `Text`, not strings: file names and items may contain [brackets] that rich would read as markup.
    table = Table(title=Text(f"SpecWeave increments in {report.project}"), title_justify="left")
    table.add_column("Increment", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Archived")
    table.add_column("spec.md")
    table.add_column("Links")
    for row in report.increments:
        mismatch = f"differs: {row.spec_status}" if row.status_mismatch else ""
        table.add_row(Text(row.id), Text(_status_cell(row), style=_STATUS_STYLE.get(row.status, "")),
                      Text("yes" if row.archived else ""), Text(mismatch, style="yellow"), Text(_links_cell(row)))
    return table


def render_text(state: AppState, report: StatusReport) -> None:
    if report.increments:
        render.console().print(_table(report))
    else:
        render.say(state, f"no readable increments in {report.project}")
    for row in report.increments:
        for warning in row.warnings:
            render.warn(state, f"{row.id}: {warning}")
    for problem in report.problems:
        click.echo(f"error: {' '.join(problem.line().split())}", err=True)
    if report.problems and not state.quiet:
        click.echo(f"{len(report.increments)} increment(s) listed, {len(report.problems)} problem(s)", err=True)


@click.command("status")
@common_options
@json_option
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show every increment with its status and its links per tracker.

    Exit code 1 when a file could not be read (each is named on its own line); the other increments are still
    listed.
    """
    state = current_state()
    project = find_project(state.project)
    report = build_report(project)
    if state.json:
        render.print_json(report.to_json())
    else:
        render_text(state, report)
    ctx.exit(exitcodes.ERROR if report.problems else exitcodes.OK)
