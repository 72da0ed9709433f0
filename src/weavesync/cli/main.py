"""The `weavesync` command group: the only module that names every command.

Shared options live in `cli.context`, failure handling in `cli.failures`, output helpers in `cli.render`, and
each command (or command group) in its own module.
"""

from __future__ import annotations

import logging

import click

from weavesync import __version__
from weavesync.cli.completion_cmd import completion
from weavesync.cli.config_cmd import config
from weavesync.cli.context import common_options, json_option
from weavesync.cli.demo_cmd import demo
from weavesync.cli.doctor_cmd import doctor
from weavesync.cli.failures import CliGroup
from weavesync.cli.helptext import examples
from weavesync.cli.hooks_cmd import hooks
from weavesync.cli.init_cmd import init
from weavesync.cli.link import link, unlink
from weavesync.cli.sandbox_cmd import sandbox
from weavesync.cli.status import status
from weavesync.cli.sync_commands import SYNC_COMMANDS


@click.group(cls=CliGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=examples(
    "weavesync status                   # increments, their status and links",
    "weavesync plan                     # what sync would change (exit 4 when something)",
    "weavesync sync                     # sync both ways, asking on a terminal",
    "weavesync COMMAND --help           # options and examples of one command",
))
@click.version_option(__version__, prog_name="weavesync")
@common_options
@json_option
def cli() -> None:
    """Keep SpecWeave increment status in sync with GitHub, Jira and Azure DevOps.

    --project, --debug, --quiet and --json may be given before or after the command name.
    Exit codes: 0 ok, 1 error, 2 usage error, 3 decisions pending, 4 drift found (docs/exit-codes.md).
    """


for command in (status, config, link, unlink, sandbox, *SYNC_COMMANDS, doctor, init, hooks, demo, completion):
    cli.add_command(command)


def main() -> None:
    """Console-script entry point (`weavesync = weavesync.cli.main:main`)."""
    # Every retry is a record in the sync log (with --debug, also a log line); without a handler, stamina's own
    # warning would reach stderr as a bare "stamina.retry_scheduled" line.
    logging.getLogger("stamina").addHandler(logging.NullHandler())
    cli(prog_name="weavesync")  # the same name in usage lines and hints, also under `python -m weavesync`
