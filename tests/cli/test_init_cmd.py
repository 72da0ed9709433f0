"""`weavesync init`: the default statusSync block, added as text so nothing else in config.json changes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from tests.cli.conftest import SAMPLE, Invoke

from weavesync.cli import init_cmd
from weavesync.config import SyncConfig, default_mappings, load_config, validate_config
from weavesync.config.mapping import build_mapping
from weavesync.model import Tracker


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    """examples/sample-project (written by SpecWeave 1.0.593: 2 spaces, no final newline), made writable."""
    target = tmp_path / "sample-project"
    shutil.copytree(SAMPLE, target)
    for folder, dirs, files in os.walk(target):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            path.chmod(path.stat().st_mode | 0o200)
    return target


def config_of(root: Path) -> Path:
    return root / ".specweave" / "config.json"


def test_adds_the_block_and_changes_nothing_else(invoke: Invoke, sample: Path) -> None:
    before = config_of(sample).read_bytes()
    result = invoke("init", "--yes", "--project", str(sample))
    assert result.exit_code == 0, result.output
    after = config_of(sample).read_bytes()
    old, new = json.loads(before), json.loads(after)
    block = new["sync"].pop("statusSync")
    assert new.pop("sync") == {}
    assert new == old and list(new) == list(old)
    # Byte level: the old text up to its closing brace is kept, the block follows in the same style.
    assert after.startswith(before[: before.rindex(b"\n}")])
    assert not after.endswith(b"\n") and b'\n  "sync": {\n    "statusSync": {\n      "enabled": true,' in after
    assert validate_config(json.loads(after)) == []
    loaded = load_config(config_of(sample), env={})
    assert loaded.mappings == default_mappings()
    assert block["conflictResolution"] == "prompt" and block["pollIntervalSeconds"] == 60
    assert "wrote sync.statusSync" in result.stdout and "conflictResolution" in result.stdout


def test_existing_block_is_left_alone_unless_forced(invoke: Invoke, sample: Path) -> None:
    path = config_of(sample)
    data = json.loads(path.read_bytes())
    data["sync"] = {"statusSync": {"conflictResolution": "external-wins"}, "settings": {"x": 1}}
    path.write_text(json.dumps(data, indent=2))
    before = path.read_bytes()
    result = invoke("init", "--yes", "--project", str(sample))
    assert result.exit_code == 0
    assert "already has a sync.statusSync block" in result.stdout and "--force" in result.stdout
    assert path.read_bytes() == before
    forced = invoke("init", "--yes", "--force", "--project", str(sample))
    assert forced.exit_code == 0, forced.output
    after = json.loads(path.read_bytes())
    assert after["sync"]["statusSync"]["conflictResolution"] == "prompt"
    assert after["sync"]["settings"] == {"x": 1} and list(after["sync"]) == ["statusSync", "settings"]


def test_off_a_terminal_without_yes_exits_2(invoke: Invoke, sample: Path) -> None:
    before = config_of(sample).read_bytes()
    result = invoke("init", "--project", str(sample))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "hint: pass --yes to write it, or --dry-run to only see the diff"
    assert config_of(sample).read_bytes() == before


def test_dry_run_shows_the_diff_and_touches_nothing(invoke: Invoke, sample: Path) -> None:
    path = config_of(sample)
    before, stat = path.read_bytes(), path.stat()
    result = invoke("init", "--dry-run", "--project", str(sample))
    assert result.exit_code == 0
    assert result.stdout.startswith("--- a/.specweave/config.json\n+++ b/.specweave/config.json\n@@ ")
    assert '+  "sync": {' in result.stdout and "dry run: nothing written" in result.stdout
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stat.st_mtime_ns


def test_terminal_asks_and_honours_no(invoke: Invoke, sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(init_cmd, "can_ask", lambda state, *, no_input: not state.json)
    before = config_of(sample).read_bytes()
    from click.testing import CliRunner

    from weavesync.cli.main import cli

    declined = CliRunner().invoke(cli, ["init", "--project", str(sample)], input="n\nn\n")  # block, handover
    assert declined.exit_code == 0 and "Write this change to .specweave/config.json?" in declined.stdout
    assert config_of(sample).read_bytes() == before
    accepted = CliRunner().invoke(cli, ["init", "--project", str(sample)], input="y\nn\n")
    assert accepted.exit_code == 0, accepted.output
    written = json.loads(config_of(sample).read_bytes())
    assert "statusSync" in written["sync"]
    # SpecWeave's own closers are on in this project: init offers the handover (declined here), with its diff
    assert "Hand status writes to weavesync now?" in accepted.stdout
    assert '-      "close_github_issue": true' in accepted.stdout
    assert written["hooks"]["post_increment_done"]["close_github_issue"] is True
    handed = CliRunner().invoke(cli, ["init", "--project", str(sample)], input="y\n")
    assert handed.exit_code == 0, handed.output
    assert json.loads(config_of(sample).read_bytes())["hooks"]["post_increment_done"]["close_github_issue"] is False


def test_other_layouts_are_kept(invoke: Invoke, tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / ".specweave").mkdir(parents=True)
    text = ('{\r\n    "name": "caf\\u00e9",\r\n    "sync": {\r\n        "settings": {"conflictResolution": '
            '"prefer-local"}\r\n    }\r\n}\r\n')
    config_of(root).write_bytes(text.encode())
    assert invoke("init", "--yes", "--project", str(root)).exit_code == 0
    after = config_of(root).read_bytes().decode()
    assert after.startswith('{\r\n    "name": "caf\\u00e9",\r\n    "sync": {\r\n        "settings": '
                            '{"conflictResolution": "prefer-local"},\r\n        "statusSync": {\r\n'
                            '            "enabled": true,')
    assert after.endswith("\r\n    }\r\n}\r\n") and "\n" not in after.replace("\r\n", "")
    assert json.loads(after)["sync"]["statusSync"]["conflictResolution"] == "specweave-wins", \
        "the effective policy from SpecWeave's older keys is carried over"


def test_compact_and_empty_files(invoke: Invoke, tmp_path: Path) -> None:
    for text in ('{"a":1}', "{}", '{\n}\n', '{\n  "sync": null\n}'):
        root = tmp_path / f"p{len(text)}"
        (root / ".specweave").mkdir(parents=True)
        config_of(root).write_text(text)
        assert invoke("init", "--yes", "--project", str(root)).exit_code == 0
        data = json.loads(config_of(root).read_text())
        assert data["sync"]["statusSync"]["enabled"] is True
        assert data.get("a", 1) == 1
    assert config_of(tmp_path / "p7").read_text().startswith('{"a":1,"sync":{"statusSync":{"enabled":true,')


def test_missing_or_broken_config(invoke: Invoke, tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / ".specweave").mkdir(parents=True)
    missing = invoke("init", "--yes", "--project", str(root))
    assert missing.exit_code == 1 and "specweave init" in missing.stderr
    config_of(root).write_text('{"a": 1,}')
    broken = invoke("init", "--yes", "--project", str(root))
    assert broken.exit_code == 1 and "invalid JSON" in broken.stderr


def test_json_output(invoke: Invoke, sample: Path) -> None:
    result = invoke("init", "--dry-run", "--json", "--project", str(sample))
    report = json.loads(result.stdout)
    assert list(report) == ["config", "changed", "written", "diff", "reason"]
    assert report["changed"] is True and report["written"] is False and report["diff"].startswith("--- a/")


@pytest.mark.parametrize("tracker", list(Tracker))
def test_written_mapping_reads_back_to_the_same_targets(tracker: Tracker) -> None:
    block = init_cmd.default_block(SyncConfig())
    assert build_mapping(tracker, block["weavesyncMappings"][tracker.value]) == default_mappings()[tracker]
