"""The sync commands of issue 6, in the order `weavesync --help` lists them.

`cli.main` adds this tuple to its group in one line, so new sync commands are registered here without touching
the group's module again.
"""

from __future__ import annotations

import click

from weavesync.cli.decisions_cmd import pending, resolve
from weavesync.cli.live_cmd import serve, watch
from weavesync.cli.log_cmd import log
from weavesync.cli.outbox_cmd import outbox, retry
from weavesync.cli.sync_cmd import plan_cmd, pull, push, sync

SYNC_COMMANDS: tuple[click.Command, ...] = (sync, push, pull, plan_cmd, pending, resolve, log, outbox, retry, watch,
                                            serve)
