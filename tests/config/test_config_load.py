"""load_config over every generation of SpecWeave's sync config, and connection_for over the environment."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from weavesync.config import SyncConfig, connection_for, default_mappings, load_config
from weavesync.errors import ConfigError
from weavesync.model import Connection, ExternalState, Status, Target, Tracker

DATA = Path(__file__).parent / "data"
SAMPLE_INIT = Path(__file__).resolve().parents[2] / "examples" / "sample-project" / ".specweave" / "config.json"

GH, JIRA, ADO = Tracker.GITHUB, Tracker.JIRA, Tracker.ADO


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copy(DATA / name, tmp_path / "config.json"))


# --- generations -------------------------------------------------------------------------------------------------


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "nope.json", env={})
    assert config.trackers == {}
    assert config.conflict_resolution == "prompt"
    assert (config.prompt_user, config.auto_sync, config.enabled, config.completion_comments) == (
        True, True, True, True)
    assert config.user_story_sync == "outbound"
    assert config.poll_interval == 60.0
    assert config.jira_resolutions == {Status.COMPLETED: "Done", Status.ABANDONED: "Won't Do"}
    assert set(config.mappings) == set(Tracker)
    assert config.mappings == default_mappings()


def test_specweave_init_config_has_no_sync_block_and_loads_as_defaults() -> None:
    raw = json.loads(SAMPLE_INIT.read_text())
    assert "sync" not in raw  # the premise: 1.0.593's `specweave init` writes none
    config = load_config(SAMPLE_INIT, env={})
    assert config.trackers == {}
    assert config.mappings == default_mappings()
    assert config.warnings == ()


def test_status_sync_only(tmp_path: Path) -> None:
    config = load_config(copy(tmp_path, "status_sync_only.json"), env={})
    assert config.trackers == {
        GH: {"owner": "acme", "repo": "shop"},
        JIRA: {"domain": "acme.atlassian.net", "projectKey": "CORE"},
        ADO: {"organization": "acme", "project": "Shop"},
    }
    assert config.conflict_resolution == "last-write-wins"
    assert config.prompt_user is False
    assert config.auto_sync is False
    assert config.completion_comments is False
    assert config.user_story_sync == "both"
    assert config.poll_interval == 15.0
    assert config.jira_resolutions == {Status.COMPLETED: "Fixed", Status.ABANDONED: "Won't Fix"}
    jira = config.mappings[JIRA]
    assert jira.target(Status.COMPLETED) == Target("Done", "done", "Fixed")
    assert jira.target(Status.READY_FOR_REVIEW) == Target("Code Review", "indeterminate")
    assert jira.target(Status.PAUSED).state == "Blocked"
    gh = config.mappings[GH]
    assert gh.target(Status.PAUSED).markers == {"on-hold"}
    assert "on-hold" in gh.managed and "paused" not in gh.managed
    ado = config.mappings[ADO]
    assert ado.target(Status.COMPLETED) == Target(None, "Completed", None, frozenset({"shipped"}))
    assert ado.target(Status.ACTIVE) == Target("Doing", "InProgress")


def test_profiles_with_provider_and_status_sync_mixed(tmp_path: Path) -> None:
    config = load_config(copy(tmp_path, "mixed.json"), env={})
    assert config.trackers[GH] == {"owner": "acme", "repo": "shop"}
    assert config.trackers[JIRA] == {"domain": "acme.atlassian.net", "projectKey": "CORE"}
    assert config.trackers[ADO] == {"organization": "acme", "project": "Shop"}
    assert config.place_sources[GH] == ("$.sync.profiles.gh-main.config",)
    # FS-031 mappings: strings keep the status's meaning (close reason), objects keep unnamed parts
    gh = config.mappings[GH]
    assert gh.target(Status.COMPLETED) == Target("closed", None, "completed")
    assert gh.target(Status.ABANDONED) == Target("closed", None, "not_planned", frozenset({"wontfix"}))
    assert gh.target(Status.BACKLOG) == Target("open", None, None, frozenset({"backlog"}))
    ado = config.mappings[ADO]
    assert ado.target(Status.PAUSED) == Target("On Hold", "InProgress")
    assert ado.target(Status.PLANNING) == Target("New", "Proposed")
    assert ado.target(Status.ABANDONED) == Target("Removed", "Removed", None, frozenset({"abandoned"}))
    # ADO "On Hold" cannot be checked offline: a warning, not an error
    on_hold = [w for w in config.warnings if w.path == "$.sync.statusSync.mappings.ado.paused"]
    assert len(on_hold) == 1 and on_hold[0].severity == "warning"


def test_profiles_with_platform_like_the_maintainers_config(tmp_path: Path) -> None:
    config = load_config(copy(tmp_path, "platform_profiles.json"), env={})
    # defaultProfile (jira-beta) wins over the first profile; its missing domain comes from the legacy block
    assert config.trackers[JIRA] == {"projectKey": "BETA", "domain": "example.atlassian.net"}
    assert config.place_sources[JIRA] == ("$.sync.profiles.jira-beta.config", "$.sync.jira")
    assert config.trackers[GH] == {"owner": "example-org", "repo": "tool"}
    assert config.trackers[ADO] == {"organization": "ExampleOrg", "project": "ToolSync"}
    assert config.auto_sync is False  # sync.autoSync, read when statusSync does not say


def test_active_profile_is_honoured_when_no_default_profile(tmp_path: Path) -> None:
    raw = json.loads((DATA / "platform_profiles.json").read_text())
    del raw["sync"]["defaultProfile"]
    raw["sync"]["activeProfile"] = "jira-alpha"
    raw["sync"]["profiles"]["jira-beta"]["config"]["domain"] = "beta.atlassian.net"
    config = load_config(write(tmp_path, raw), env={})
    assert config.trackers[JIRA] == {"domain": "example.atlassian.net", "projectKey": "ALPHA"}


def test_first_profile_wins_without_a_selection(tmp_path: Path) -> None:
    raw = {"sync": {"profiles": {
        "one": {"provider": "azure-devops", "config": {"organization": "o1", "project": "p1"}},
        "two": {"platform": "azuredevops", "config": {"organization": "o2", "project": "p2"}},
        "three": {"provider": "linear", "config": {"team": "x"}},
    }}}
    config = load_config(write(tmp_path, raw), env={})
    assert config.trackers == {ADO: {"organization": "o1", "project": "p1"}}
    assert [w.path for w in config.warnings] == ["$.sync.profiles.three.provider"]


def test_legacy_blocks_only(tmp_path: Path) -> None:
    config = load_config(copy(tmp_path, "legacy_only.json"), env={})
    assert config.trackers == {
        GH: {"owner": "octo", "repo": "widgets"},
        ADO: {"organization": "octo-org", "project": "Widgets"},
    }  # jira is enabled: false
    assert config.conflict_resolution == "external-wins"  # older settings.conflictResolution prefer-external


@pytest.mark.parametrize(
    ("legacy", "own", "expected"),
    [
        ("prefer-local", None, "specweave-wins"),
        ("prefer-external", None, "external-wins"),
        ("prompt", None, "prompt"),
        ("prefer-local", "last-write-wins", "last-write-wins"),
        (None, "external-wins", "external-wins"),
    ],
)
def test_conflict_resolution_sources(tmp_path: Path, legacy: str | None, own: str | None, expected: str) -> None:
    sync: dict[str, object] = {}
    if legacy:
        sync["settings"] = {"conflictResolution": legacy}
    if own:
        sync["statusSync"] = {"conflictResolution": own}
    assert load_config(write(tmp_path, {"sync": sync}), env={}).conflict_resolution == expected


def test_status_sync_place_beats_profiles_and_legacy(tmp_path: Path) -> None:
    raw = {"sync": {
        "statusSync": {"github": {"owner": "mine", "repo": "repo1"}},
        "profiles": {"p": {"provider": "github", "config": {"owner": "prof", "repo": "repo2"}}},
        "github": {"enabled": True, "owner": "legacy", "repo": "repo3"},
    }}
    config = load_config(write(tmp_path, raw), env={})
    assert config.trackers[GH] == {"owner": "mine", "repo": "repo1"}


def test_jira_profile_projects_list_gives_project_key(tmp_path: Path) -> None:
    raw = {"sync": {"profiles": {"j": {"provider": "jira",
                                       "config": {"domain": "x.atlassian.net", "projects": ["ONE", "TWO"]}}}}}
    assert load_config(write(tmp_path, raw), env={}).trackers[JIRA] == {"domain": "x.atlassian.net",
                                                                        "projectKey": "ONE"}


def test_poll_interval_falls_back_to_specweave_scheduler(tmp_path: Path) -> None:
    raw = {"sync": {"orchestration": {"scheduler": {"jobs": {"externalSync": {"enabled": True,
                                                                              "intervalMinutes": 5}}}}}}
    assert load_config(write(tmp_path, raw), env={}).poll_interval == 300.0
    raw["sync"]["orchestration"]["scheduler"]["jobs"]["externalSync"]["enabled"] = False  # type: ignore[index]
    assert load_config(write(tmp_path, raw), env={}).poll_interval == 60.0


def test_mapping_alias_tracker_key_and_status_key(tmp_path: Path) -> None:
    raw = {"sync": {"statusSync": {"mappings": {"azure-devops": {"in-progress": "Committed"}}}}}
    config = load_config(write(tmp_path, raw), env={})
    assert config.mappings[ADO].target(Status.ACTIVE) == Target("Committed", "InProgress")
    assert any(w.path == "$.sync.statusSync.mappings.azure-devops.in-progress" for w in config.warnings)


# --- errors ------------------------------------------------------------------------------------------------------


def test_invalid_json_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{\n  "sync": {\n    "enabled": true,\n  }\n}\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    message = str(info.value)
    assert str(path) in message
    assert "line 4" in message and "column 3" in message


def test_top_level_must_be_an_object(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, [1, 2]), env={})
    assert info.value.path == "$"


def test_invalid_status_sync_lists_every_problem(tmp_path: Path) -> None:
    raw = {"sync": {"statusSync": {
        "conflictResolution": "newest",
        "mappings": {"github": {"paused": {"state": "on-hold", "labels": [7]}, "finished": "closed"}},
    }}}
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, raw), env={})
    message = str(info.value)
    for path in (
        "$.sync.statusSync.conflictResolution",
        "$.sync.statusSync.mappings.github.paused.labels[0]",
        "$.sync.statusSync.mappings.github.paused.state",
        "$.sync.statusSync.mappings.github.finished",
    ):
        assert path in message
    assert info.value.path is not None and info.value.path.startswith("$.sync.statusSync")


def test_bom_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"sync": {"statusSync": {"promptUser": False}}}).encode())
    assert load_config(path, env={}).prompt_user is False


# --- environment -------------------------------------------------------------------------------------------------

TOKEN = "ghp_supersecretvalue123"


def configured() -> SyncConfig:
    return SyncConfig(trackers={
        GH: {"owner": "acme", "repo": "shop"},
        JIRA: {"domain": "acme.atlassian.net", "projectKey": "CORE"},
        ADO: {"organization": "acme", "project": "Shop"},
    })


def test_github_connection_defaults_and_gh_token_fallback() -> None:
    conn = connection_for(configured(), GH, env={"GH_TOKEN": TOKEN})
    assert conn == Connection(GH, "https://api.github.com", {"owner": "acme", "repo": "shop"}, None,
                              conn.token)
    assert conn.token is not None and conn.token.reveal() == TOKEN
    preferred = connection_for(configured(), GH, env={"GH_TOKEN": "other", "GITHUB_TOKEN": TOKEN})
    assert preferred.token is not None and preferred.token.reveal() == TOKEN


def test_base_urls_from_env_and_defaults() -> None:
    env = {"GITHUB_TOKEN": "t", "GITHUB_API_URL": "http://127.0.0.1:9001/", "JIRA_EMAIL": "a@b.c",
           "JIRA_API_TOKEN": "j", "AZURE_DEVOPS_PAT": "p"}
    assert connection_for(configured(), GH, env).base_url == "http://127.0.0.1:9001"
    jira = connection_for(configured(), JIRA, env)
    assert (jira.base_url, jira.user, dict(jira.place)) == (
        "https://acme.atlassian.net", "a@b.c", {"domain": "acme.atlassian.net", "projectKey": "CORE"})
    ado = connection_for(configured(), ADO, env)
    assert (ado.base_url, dict(ado.place)) == ("https://dev.azure.com/acme",
                                               {"organization": "acme", "project": "Shop"})
    env |= {"JIRA_BASE_URL": "http://127.0.0.1:9002", "AZURE_DEVOPS_ORG_URL": "http://127.0.0.1:9003/acme"}
    assert connection_for(configured(), JIRA, env).base_url == "http://127.0.0.1:9002"
    assert connection_for(configured(), ADO, env).base_url == "http://127.0.0.1:9003/acme"


def test_ado_pat_aliases() -> None:
    conn = connection_for(configured(), ADO, env={"ADO_PAT": "alias"})
    assert conn.token is not None and conn.token.reveal() == "alias"


@pytest.mark.parametrize(
    ("tracker", "env", "named"),
    [
        (GH, {}, "GITHUB_TOKEN"),
        (GH, {"GITHUB_TOKEN": "  "}, "GITHUB_TOKEN"),
        (JIRA, {"JIRA_EMAIL": "a@b.c"}, "JIRA_API_TOKEN"),
        (JIRA, {"JIRA_API_TOKEN": "x"}, "JIRA_EMAIL"),
        (ADO, {}, "AZURE_DEVOPS_PAT"),
        (GH, {"GITHUB_TOKEN": "t", "GITHUB_API_URL": "ftp://x"}, "GITHUB_API_URL"),
    ],
)
def test_missing_env_is_a_config_error_with_a_hint(tracker: Tracker, env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as info:
        connection_for(configured(), tracker, env=env)
    assert named in f"{info.value} {info.value.hint}"


def test_unconfigured_or_incomplete_place_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        connection_for(SyncConfig(), JIRA, env={"JIRA_API_TOKEN": "x", "JIRA_EMAIL": "e"})
    assert info.value.hint is not None and "projectKey" in info.value.hint
    partial = SyncConfig(trackers={JIRA: {"projectKey": "CORE"}})
    with pytest.raises(ConfigError) as info:
        connection_for(partial, JIRA, env={"JIRA_API_TOKEN": "x", "JIRA_EMAIL": "e"})
    assert info.value.path == "$.sync.statusSync.jira.domain"


def test_secrets_never_in_repr_or_str(tmp_path: Path) -> None:
    env = {"GITHUB_TOKEN": TOKEN, "WEAVESYNC_GITHUB_WEBHOOK_SECRET": "hook-secret-42",
           "AZURE_DEVOPS_WEBHOOK_SECRET": "ado-hook-pass-77"}
    config = load_config(copy(tmp_path, "mixed.json"), env=env)
    assert set(config.webhook_secrets) == {GH, ADO}
    assert config.webhook_secrets[GH].reveal() == "hook-secret-42"
    conn = connection_for(config, GH, env=env)
    for text in (repr(config), str(config), repr(conn), str(conn)):
        assert TOKEN not in text
        assert "hook-secret-42" not in text and "ado-hook-pass-77" not in text
    assert "acme" in repr(conn)  # the repr is still useful


def test_errors_never_carry_token_values() -> None:
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": f"ftp://user:{TOKEN}@host"}
    with pytest.raises(ConfigError) as info:
        connection_for(configured(), GH, env=env)
    assert TOKEN not in f"{info.value} {info.value.hint}"


def test_loaded_mapping_drives_satisfies(tmp_path: Path) -> None:
    config = load_config(copy(tmp_path, "mixed.json"), env={})
    ado = config.mappings[ADO]
    assert ado.satisfies(ExternalState("On Hold", category="InProgress"), Status.PAUSED)
    assert not ado.satisfies(ExternalState("Active", category="InProgress"), Status.PAUSED)
