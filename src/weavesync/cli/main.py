"""The `weavesync` command group."""

from __future__ import annotations

import click

from weavesync import __version__


@click.group()
@click.version_option(__version__, prog_name="weavesync")
def cli() -> None:
    """Keep SpecWeave increment status in sync with GitHub, Jira and Azure DevOps."""


def main() -> None:
    cli()
