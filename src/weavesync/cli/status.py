"""`weavesync status`: every increment, its status and its links; every unreadable file as a problem.

A broken increment never hides the others: it is one ``error:`` line on stderr naming the file and the field,
the rest are still listed, and the exit code is 1. ``--remote`` (issue 5) passes a `remote.LiveStatus` to
`build_report`, which reads every link's live state in one batch per tracker; a tracker that cannot be read is
one ``error:`` line naming its links, the other trackers are still shown, and the exit code is 1.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import click
from rich.table import Table
from rich.text import Text

from weavesync import exitcodes
from weavesync.cli import render
from weavesync.cli.context import AppState, common_options, current_state, json_option
from weavesync.cli.helptext import examples
from weavesync.cli.progress import progress
from weavesync.cli.remote import LiveStatus, TrackerProblem
from weavesync.cli.report import IncrementRow, LinkRow, StatusReport, build_report, by_tracker
from weavesync.specweave import find_project

_STATUS_STYLE = {"active": "cyan", "paused": "yellow", "ready_for_review": "magenta", "completed": "green",
                 "abandoned": "red"}
"""Colour only helps scanning a long list; ``NO_COLOR`` (honoured by rich) turns it off."""


def _status_cell(row: IncrementRow) -> str:
    if row.raw_status != row.status:
        return f"{row.raw_status} -> {row.status}"
    return row.status


def remote_text(remote: Mapping[str, object]) -> str:
    """``closed (completed), in sync`` / ``In Progress [in-progress], out of sync`` / ``closed (completed), kept
    apart on purpose (...)`` / ``gone`` / ``not read``."""
    if remote.get("error"):
        return "not read"
    if remote.get("gone"):
        return "gone"
    text = str(remote.get("state"))
    if remote.get("reason"):
        text += f" ({remote['reason']})"
    markers = remote.get("markers")
    if isinstance(markers, list) and markers:
        text += f" [{', '.join(str(m) for m in markers)}]"
    verdict = remote.get("inSync")
    if remote.get("keptApart"):
        text += ", kept apart on purpose (as a person answered)"
    elif verdict is not None:
        text += ", in sync" if verdict else ", out of sync"
    return text


def _link_text(link: LinkRow) -> str:
    role = f"user-story {link.story}" if link.story else link.role
    text = f"{link.item} ({role})"
    if link.remote is not None:
        text += f" [remote: {remote_text(link.remote)}]"
    return text


def _links_cell(row: IncrementRow) -> str:
    lines: list[str] = []
    for tracker, links in by_tracker(row.links).items():
        lines.extend(f"{tracker} {_link_text(link)}" for link in links)
    return "\n".join(lines) or "-"


def _table(report: StatusReport) -> Table:
    """Columns with nothing to say are left out: ``Archived`` when nothing is archived, ``spec.md`` when every
    increment's spec.md agrees with its metadata.json (almost always)."""
    # Cells are `Text`, not strings: file names and items may contain [brackets] that rich would read as markup.
    table = Table(title=Text(f"SpecWeave increments in {report.project}"), title_justify="left")
    archived = any(row.archived for row in report.increments)
    mismatch = any(row.status_mismatch for row in report.increments)
    table.add_column("Increment", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    if archived:
        table.add_column("Archived")
    if mismatch:
        table.add_column("spec.md")
    table.add_column("Links")
    for row in report.increments:
        cells = [Text(row.id), Text(_status_cell(row), style=_STATUS_STYLE.get(row.status, ""))]
        if archived:
            cells.append(Text("yes" if row.archived else ""))
        if mismatch:
            cells.append(Text(f"says {row.spec_status}" if row.status_mismatch else "", style="yellow"))
        table.add_row(*cells, Text(_links_cell(row)))
    return table


def render_text(state: AppState, report: StatusReport, remote_problems: tuple[TrackerProblem, ...] = ()) -> None:
    if report.increments:
        render.print_table(_table(report))
    else:
        render.say(state, f"no readable increments in {report.project}")
    for row in report.increments:
        for warning in row.warnings:
            render.warn(state, f"{row.id}: {warning}")
    for problem in report.problems:
        click.echo(f"error: {' '.join(problem.line().split())}", err=True)
    for tracker_problem in remote_problems:
        click.echo(f"error: {tracker_problem.line()}", err=True)
        if tracker_problem.hint:
            click.echo(f"hint: {' '.join(tracker_problem.hint.split())}", err=True)
    count = len(report.problems) + len(remote_problems)
    if count and not state.quiet:
        click.echo(f"{len(report.increments)} increment(s) listed, {count} problem(s)", err=True)


@click.command("status", epilog=examples(
    "weavesync status",
    "weavesync status --remote          # also read each linked item's live state",
    "weavesync status --json | jq '.increments[] | {id, status}'",
))
@click.option("--remote", is_flag=True, default=False,
              help="Also read every link's live state from its tracker (one batch per tracker).")
@common_options
@json_option
@click.pass_context
def status(ctx: click.Context, remote: bool) -> None:
    """Show every increment with its status and its links per tracker.

    Exit code 1 when a file could not be read (each is named on its own line), or with --remote when a tracker
    could not be read; everything else is still listed.
    """
    state = current_state()
    project = find_project(state.project)
    live = LiveStatus(project, dict(os.environ)) if remote else None
    if live is not None:
        with progress(state, "reading every linked item from its tracker"):
            report = build_report(project, live)
    else:
        report = build_report(project)
    remote_problems = tuple(live.problems) if live is not None else ()
    if state.json:
        data = report.to_json()
        if live is not None:
            data["remoteProblems"] = [problem.to_json() for problem in remote_problems]
        render.print_json(data)
    else:
        render_text(state, report, remote_problems)
    ctx.exit(exitcodes.ERROR if report.problems or remote_problems else exitcodes.OK)
