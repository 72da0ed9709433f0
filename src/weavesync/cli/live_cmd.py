"""`weavesync watch` and `weavesync serve`: the long-running ways to sync, as thin wrappers of the library.

`watch` runs `executor.watch.watch` (file events push local changes within a second; the trackers are polled on
an interval) and `serve` runs the webhook receiver of `weavesync.web` (``--register`` first creates the webhooks
through each tracker's API). Both run unattended, so neither ever prompts: decisions are stored as pending, to
be finished with `weavesync resolve`. Each pass that did something is printed as one line per change, starting
with its UTC time (JSON Lines with ``--jsonl``, each object with a ``ts``). They print a stream, so they take
``--jsonl`` rather than ``--json`` (which promises one document). Ctrl-C or SIGTERM stops them cleanly, exit 0.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import click

from weavesync.cli import render
from weavesync.cli.context import AppState, common_options, current_state, jsonl_option
from weavesync.cli.failures import report_problem
from weavesync.cli.helptext import examples
from weavesync.cli.session import open_session
from weavesync.cli.signals import stop_on_signals
from weavesync.cli.sync_cmd import change_text
from weavesync.cli.sync_report import build_rows
from weavesync.engine.view import CONFLICT_STRATEGIES
from weavesync.executor import ReconcileReport
from weavesync.executor.inbound import DeliveryOutcome, PollOutcome


def stamp() -> str:
    """The UTC time a line of `watch` / `serve` output is printed, to the second (``2026-12-04T17:17:34Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def say_at(state: AppState, message: str) -> None:
    """A line of a long-running command: its UTC time first, so a log of the output says when."""
    render.say(state, f"{stamp()} {message}")


def print_pass(state: AppState, trigger: str, report: ReconcileReport) -> None:
    """One line (or JSON object) per change of a pass; problems go to stderr."""
    for row in build_rows(report, planned=False, local={}, answers={}):
        if row.action == "none":
            continue
        if state.jsonl:
            click.echo(json.dumps({"ts": stamp(), "trigger": trigger, **row.to_json()}, ensure_ascii=False))
            continue
        change = change_text(row)
        error = f" ({row.error})" if row.error else ""
        say_at(state, f"[{trigger}] {row.increment} {row.tracker} {row.item}: {row.action}"
                      f"{' ' + change if change else ''} {row.outcome}{error}")
    for problem in report.problems:
        report_problem(problem)
    if report.pending and not state.jsonl:
        say_at(state, f"[{trigger}] {render.count(len(report.pending), 'decision')} pending: see `weavesync pending`")


@click.command("watch", epilog=examples(
    "weavesync watch",
    "weavesync watch --poll-interval 60 --yes --jsonl >> sync.jsonl",
))
@click.option("--poll-interval", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Seconds between tracker polls (default: statusSync.pollIntervalSeconds); 0 turns polling off.")
@click.option("--debounce-ms", type=click.IntRange(min=1), default=300, show_default=True,
              help="Longest wait to group a burst of file events.")
@click.option("--yes", "-y", is_flag=True, default=False, help="Apply proposals instead of storing decisions.")
@click.option("--strategy", type=click.Choice(CONFLICT_STRATEGIES), default=None,
              help="How to settle conflicts (default: statusSync.conflictResolution).")
@common_options
@jsonl_option
def watch(poll_interval: float | None, debounce_ms: int, yes: bool, strategy: str | None) -> None:
    """Push local status changes as they happen and poll the trackers, until Ctrl-C.

    Never prompts: decisions are stored as pending (finish them with `weavesync resolve`).
    """
    from weavesync.executor.watch import watch as run_watch

    state = current_state()
    stop = threading.Event()
    with open_session(state) as session:
        policy = session.policy(assume_yes=yes, interactive=False, strategy=strategy)
        interval = session.config.poll_interval if poll_interval is None else poll_interval
        polling = f"polling every {interval:g}s" if interval else "polling off"
        say_at(state, f"watching {session.project.increments_dir} ({polling}); Ctrl-C stops")
        with stop_on_signals(stop):
            run_watch(session, policy, stop_event=stop, poll_interval=poll_interval, debounce_ms=debounce_ms,
                      on_report=lambda trigger, report: print_pass(state, trigger, report))
    say_at(state, "weavesync watch stopped")


@click.command("serve", epilog=examples(
    "weavesync serve --port 8787",
    "weavesync serve --host 0.0.0.0 --register --public-url https://sync.example.com",
))
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port to listen on.")
@click.option("--register", is_flag=True, default=False,
              help="First create the webhooks on every configured tracker (needs their webhook secrets).")
@click.option("--public-url", default=None, metavar="URL",
              help="The URL trackers deliver to, for --register (default: http://HOST:PORT).")
@click.option("--poll-interval", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Seconds between fallback polls (default: statusSync.pollIntervalSeconds); 0 turns them off.")
@click.option("--read-timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True, metavar="SECONDS",
              help="Seconds a client may take to send its headers, or pause within its body, before it is dropped.")
@click.option("--max-connections", type=click.IntRange(min=1), default=500, show_default=True,
              help="Open connections before new requests are answered 503 (keep it under the file limit).")
@click.option("--keep-alive", type=click.IntRange(min=1), default=5, show_default=True, metavar="SECONDS",
              help="Seconds an idle connection stays open between two requests.")
@common_options
@jsonl_option
def serve(host: str, port: int, register: bool, public_url: str | None, poll_interval: float | None,
          read_timeout: float, max_connections: int, keep_alive: int) -> None:
    """Receive webhooks from GitHub, Jira and Azure DevOps and sync what they announce, until Ctrl-C.

    Routes: /webhooks/github, /webhooks/jira, /webhooks/ado. Polling stays on as the fallback for missed
    deliveries. Never prompts: decisions are stored as pending.
    """
    from weavesync import web  # only this command needs starlette and uvicorn

    state = current_state()

    def on_delivery(outcome: DeliveryOutcome) -> None:
        if outcome.report is not None:
            print_pass(state, "webhook", outcome.report)
        elif not state.jsonl:
            say_at(state, f"[webhook] {outcome.tracker} delivery {outcome.delivery_id}: {outcome.stored}")

    def on_poll(outcome: PollOutcome) -> None:
        if outcome.error:
            click.echo(f"error: polling {outcome.tracker.value}: {' '.join(outcome.error.split())}", err=True)
        if outcome.report is not None:
            print_pass(state, "poll", outcome.report)

    with open_session(state) as session:
        if register:
            for hook in web.register_webhooks(session, public_url or f"http://{host}:{port}"):
                say_at(state, f"registered webhook {hook}")
        say_at(state, f"receiving webhooks on http://{host}:{port}/webhooks/{{github,jira,ado}}; Ctrl-C stops")
        # uvicorn handles the signal itself, then re-raises it once stopped; with our handler in place that
        # re-raise only sets an event instead of turning a clean stop into KeyboardInterrupt (exit 1).
        with stop_on_signals(threading.Event()):
            web.serve(session, host, port, log_level="warning", poll_interval=poll_interval,
                      read_timeout=read_timeout, max_connections=max_connections, keep_alive=keep_alive,
                      on_delivery=on_delivery, on_poll=on_poll)
    say_at(state, "weavesync serve stopped")
