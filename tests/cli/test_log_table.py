"""`weavesync log` on a narrow screen: times and increment ids are shown whole (people copy them), never cut.

FORCE_COLOR makes rich treat the runner's stdout as a terminal (the box table); NO_COLOR keeps escapes out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from weavesync.cli.main import cli

from .sync_world import INC, make_world


@pytest.mark.parametrize("extra", [(), ("--conflicts",)])
def test_times_and_ids_are_never_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: tuple[str, ...]
                                     ) -> None:
    world = make_world(tmp_path, monkeypatch)
    world.set_local("paused")
    world.person_closes()  # both sides changed: a conflict, settled by the strategy given below
    assert world.invoke("sync", "--strategy", "specweave-wins").exit_code == 0
    terminal = {"COLUMNS": "90", "FORCE_COLOR": "1", "NO_COLOR": "1"}
    result = CliRunner().invoke(cli, ["log", *extra, "--project", str(world.root)], env=terminal)
    assert result.exit_code == 0, result.output
    assert "┃" in result.stdout and "…" not in result.stdout
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", result.stdout)
    assert INC in result.stdout
