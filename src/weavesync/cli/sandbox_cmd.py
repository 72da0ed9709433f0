"""`weavesync sandbox`: run the loopback GitHub, Jira and Azure DevOps servers until SIGINT or SIGTERM.

It prints where the servers listen and the credentials of the two sandbox users (the bot weavesync acts as, and
the person "alice" who changes items by hand), and with ``--env-file`` writes them as ``KEY=VALUE`` lines that a
shell or a test can source. The file holds tokens, so it is created with mode 0600 and replaced atomically (a
reader never sees half of it). Both signals stop the servers cleanly and exit 0: a test or a process manager
stopping the sandbox is the normal way for it to end, not a failure.

The sandbox package is imported only when this command runs: product code never depends on it.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Mapping
from pathlib import Path

import click

from weavesync.cli import render
from weavesync.cli.context import AppState, common_options, current_state, json_option
from weavesync.cli.helptext import examples
from weavesync.cli.signals import stop_on_signals
from weavesync.errors import WeavesyncError

PERSON_PREFIX = "SANDBOX_PERSON_"
_PORT = click.IntRange(0, 65535)


def write_env_file(path: Path, env: Mapping[str, str]) -> None:
    """Write `env` as KEY=VALUE lines to `path`, mode 0600, atomically (temp file in the same folder, rename)."""
    path = path.expanduser()
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("".join(f"{key}={value}\n" for key, value in env.items()))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)  # the umask may not have left exactly 0600
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def check_ports(host: str, ports: Mapping[str, int]) -> None:
    """Fail with one clear line when a chosen port is taken, before any server starts (the servers' own bind
    errors arrive from a background thread as log noise). Port 0 always works."""
    for tracker, port in ports.items():
        if port == 0:
            continue
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise WeavesyncError(f"cannot listen on {host}:{port} for {tracker}: {exc.strerror or exc}",
                                     hint=f"pass another --{tracker}-port, or 0 for any free port") from exc


def grouped(env: Mapping[str, str]) -> dict[str, str]:
    """The bot's variables first, then the person's, so the file reads as two blocks."""
    bot = {k: v for k, v in env.items() if not k.startswith(PERSON_PREFIX)}
    return bot | {k: v for k, v in env.items() if k.startswith(PERSON_PREFIX)}


def _print_banner(state: AppState, urls: Mapping[str, str], env: Mapping[str, str], env_file: Path | None) -> None:
    if state.json:
        render.print_json({
            "urls": dict(urls),
            "bot": {k: v for k, v in env.items() if not k.startswith(PERSON_PREFIX)},
            "person": {k: v for k, v in env.items() if k.startswith(PERSON_PREFIX)},
            "envFile": None if env_file is None else str(env_file),
        })
        return
    if state.quiet:
        return
    click.echo("weavesync sandbox is running; stop it with Ctrl-C or SIGTERM")
    for tracker, url in urls.items():
        click.echo(f"  {tracker:<7} {url}")
    click.echo("\n# the bot weavesync acts as")
    for key, value in env.items():
        if not key.startswith(PERSON_PREFIX):
            click.echo(f"{key}={value}")
    click.echo('\n# the person "alice", who changes items by hand')
    for key, value in env.items():
        if key.startswith(PERSON_PREFIX):
            click.echo(f"{key}={value}")
    if env_file is not None:
        click.echo(f"\nwrote {env_file} (mode 0600)")


@click.command("sandbox", epilog=examples(
    "weavesync sandbox --env-file sandbox.env   # then: set -a; . ./sandbox.env; set +a",
    "weavesync sandbox --github-port 8001 --fault-rate 0.2 --latency-ms 50",
))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--github-port", type=_PORT, default=0, show_default=True, help="0 = any free port.")
@click.option("--jira-port", type=_PORT, default=0, show_default=True, help="0 = any free port.")
@click.option("--ado-port", type=_PORT, default=0, show_default=True, help="0 = any free port.")
@click.option("--latency-ms", type=click.IntRange(min=0), default=0, show_default=True,
              help="Delay added to every response.")
@click.option("--fault-rate", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True,
              help="Share of requests answered with a fault (5xx, reset, timeout, lost response).")
@click.option("--seed", type=click.Choice(["default", "empty"]), default="default", show_default=True,
              help="default: acme/shop, CORE, acme/Shop with users weavesync-bot and alice; empty: users only.")
@click.option("--env-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the URLs and credentials to this file as KEY=VALUE lines (mode 0600).")
@common_options
@json_option
def sandbox(host: str, github_port: int, jira_port: int, ado_port: int, latency_ms: int, fault_rate: float,
            seed: str, env_file: Path | None) -> None:
    """Run the sandbox GitHub, Jira and Azure DevOps servers until interrupted."""
    from weavesync.sandbox import Sandbox  # only this command needs the sandbox (and uvicorn)

    state = current_state()
    stop = threading.Event()

    ports = {"github": github_port, "jira": jira_port, "ado": ado_port}
    check_ports(host, ports)
    box = Sandbox(host=host, ports=ports, latency_ms=latency_ms, fault_rate=fault_rate, seed=seed)
    # Installed before starting, so a signal that arrives during start-up still ends in a clean stop.
    with stop_on_signals(stop):
        try:
            try:
                box.start()
            except RuntimeError as exc:
                raise WeavesyncError(f"the sandbox could not start: {exc}",
                                     hint="a port may be in use: pass another port, or 0 for any free one") from exc
            env = grouped(box.env())
            if env_file is not None:
                write_env_file(env_file, env)
            _print_banner(state, box.urls, env, env_file)
            while not stop.wait(0.5):
                pass
        finally:
            box.stop()
    render.say(state, "weavesync sandbox stopped")
