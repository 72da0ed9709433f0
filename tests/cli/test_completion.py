"""`weavesync completion`: the scripts click generates, and completion answered through click's env-var protocol."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete

from weavesync.cli.completion_cmd import complete_var, detect_shell
from weavesync.cli.context import AppState
from weavesync.cli.main import cli
from weavesync.errors import UsageError

from .conftest import REPO, Invoke

MARKERS = {"bash": "complete -o nosort -F _weavesync_completion weavesync",
           "zsh": "compdef _weavesync_completion weavesync",
           "fish": "complete --no-files --command weavesync"}


@pytest.mark.parametrize("shell", sorted(MARKERS))
def test_script_for_each_shell(invoke: Invoke, shell: str) -> None:
    result = invoke("completion", shell)
    assert result.exit_code == 0, result.output
    assert MARKERS[shell] in result.stdout
    assert "_WEAVESYNC_COMPLETE" in result.stdout


def test_shell_from_the_environment(invoke: Invoke) -> None:
    result = invoke("completion", env={"SHELL": "/usr/bin/zsh"})
    assert result.exit_code == 0 and MARKERS["zsh"] in result.stdout


def test_unknown_shell_is_one_usage_error_with_a_hint(invoke: Invoke) -> None:
    result = invoke("completion", env={"SHELL": "/bin/tcsh"})
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: cannot tell which shell to complete for (SHELL=/bin/tcsh)",
                                          "hint: name it: weavesync completion bash|zsh|fish"]
    with pytest.raises(UsageError):
        detect_shell({})
    assert invoke("completion", "powershell").exit_code == 2


def _complete(args: list[str], incomplete: str) -> list[str]:
    return [item.value for item in ShellComplete(cli, {}, "weavesync", complete_var("weavesync"))
            .get_completions(args, incomplete)]


def test_completions_in_process() -> None:
    assert _complete([], "sy") == ["sync"]
    assert set(_complete([], "p")) == {"plan", "pending", "pull", "push"}
    assert _complete(["config"], "v") == ["validate"]
    assert "--strategy" in _complete(["sync"], "--st")
    assert _complete(["sync", "--strategy"], "spec") == ["specweave-wins"]
    assert _complete(["completion"], "") == ["bash", "zsh", "fish"]


def test_the_shell_protocol_in_a_child_process() -> None:
    """What the bash script does on <TAB>: call weavesync back with the words and the env var set."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.update({"_WEAVESYNC_COMPLETE": "bash_complete", "COMP_WORDS": "weavesync sy", "COMP_CWORD": "1"})
    done = subprocess.run([sys.executable, "-m", "weavesync"], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["plain,sync"]
    env.update({"COMP_WORDS": "weavesync log --tracker ", "COMP_CWORD": "3"})
    done = subprocess.run([sys.executable, "-m", "weavesync"], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.stdout.splitlines() == ["plain,github", "plain,jira", "plain,ado"]


def _complete_in(args: list[str], incomplete: str) -> list[tuple[str, str | None]]:
    shell = ShellComplete(cli, {"obj": AppState()}, "weavesync", complete_var("weavesync"))
    return [(item.value, item.help) for item in shell.get_completions(args, incomplete)]


def test_increment_ids_complete_from_the_project(project: Path) -> None:
    where = ["--project", str(project)]
    assert _complete_in(["sync", *where], "") == [("0001-status-sync", None), ("0002-checkout", None),
                                                  ("0003-search", "archived")]
    assert _complete_in(["resolve", *where], "2") == [("0002-checkout", None)]
    assert _complete_in(["link", *where], "0003") == [("0003-search", "archived")]
    assert _complete_in(["unlink", *where], "9") == []
    assert _complete_in(["plan", *where, "0001-status-sync"], "00") == [
        ("0001-status-sync", None), ("0002-checkout", None), ("0003-search", "archived")]


def test_increment_ids_from_the_working_directory_and_none_outside_a_project(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project / ".specweave")
    assert [value for value, _help in _complete_in(["push"], "000")] == [
        "0001-status-sync", "0002-checkout", "0003-search"]
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    assert _complete_in(["push"], "") == []
