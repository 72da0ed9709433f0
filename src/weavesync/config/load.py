"""Read ``.specweave/config.json`` into one frozen `SyncConfig`, and resolve tracker connections.

The file is SpecWeave's, so reading it is tolerant: no file or no ``sync`` block means defaults (SpecWeave
1.0.593's ``specweave init`` writes none), older keys are honoured where they mean the same thing, and only
problems in weavesync's own block (``sync.statusSync``) stop a run, all reported together with their JSON paths.

Secrets and base URLs come from the environment only, never from the config file (which is committed): the
config says *where* (owner/repo, domain/projectKey, organization/project), the environment says *how*.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from weavesync.config.mapping import (
    DEFAULT_JIRA_RESOLUTIONS,
    TrackerMapping,
    build_mapping,
    default_mappings,
    status_from_key,
)
from weavesync.config.places import PLACE_KEYS, read_places
from weavesync.config.shapes import merged_overrides
from weavesync.config.validate import Problem, validate_config
from weavesync.errors import ConfigError
from weavesync.model import Connection, Secret, Status, Tracker

UserStorySync = Literal["outbound", "both"]

_LEGACY_CONFLICT = {"prefer-local": "specweave-wins", "prefer-external": "external-wins", "prompt": "prompt"}

WEBHOOK_SECRET_ENV: Mapping[Tracker, tuple[str, ...]] = {
    Tracker.GITHUB: ("WEAVESYNC_GITHUB_WEBHOOK_SECRET", "GITHUB_WEBHOOK_SECRET"),
    Tracker.JIRA: ("WEAVESYNC_JIRA_WEBHOOK_SECRET", "JIRA_WEBHOOK_SECRET"),
    Tracker.ADO: ("WEAVESYNC_ADO_WEBHOOK_SECRET", "AZURE_DEVOPS_WEBHOOK_SECRET"),
}
"""Env vars holding each tracker's webhook secret, first set one wins (ADO: the basic-auth password or custom
header value of the service hook, since ADO does not sign deliveries)."""

TOKEN_ENV: Mapping[Tracker, tuple[str, ...]] = {
    Tracker.GITHUB: ("GITHUB_TOKEN", "GH_TOKEN"),
    Tracker.JIRA: ("JIRA_API_TOKEN",),
    Tracker.ADO: ("AZURE_DEVOPS_PAT", "ADO_PAT", "AZURE_DEVOPS_TOKEN"),
}
"""ADO_PAT and AZURE_DEVOPS_TOKEN are aliases SpecWeave accepted before it unified on AZURE_DEVOPS_PAT."""

BASE_URL_ENV: Mapping[Tracker, str] = {
    Tracker.GITHUB: "GITHUB_API_URL",
    Tracker.JIRA: "JIRA_BASE_URL",
    Tracker.ADO: "AZURE_DEVOPS_ORG_URL",
}


@dataclass(frozen=True)
class SyncConfig:
    """Everything weavesync reads from config.json (plus webhook secrets from the environment).

    Constructing it with no arguments gives the defaults. `mappings` always holds all three trackers;
    `trackers` only those configured somewhere. `warnings` are the non-blocking problems validation found.
    """

    trackers: dict[Tracker, dict[str, str]] = field(default_factory=dict)
    mappings: dict[Tracker, TrackerMapping] = field(default_factory=default_mappings)
    conflict_resolution: str = "prompt"
    prompt_user: bool = True
    auto_sync: bool = True
    enabled: bool = True
    completion_comments: bool = True
    user_story_sync: UserStorySync = "outbound"
    jira_resolutions: dict[Status, str] = field(default_factory=lambda: dict(DEFAULT_JIRA_RESOLUTIONS))
    poll_interval: float = 60.0
    webhook_secrets: dict[Tracker, Secret] = field(default_factory=dict)
    place_sources: dict[Tracker, tuple[str, ...]] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()
    source: Path | None = None


def load_config(config_path: Path, *, env: Mapping[str, str] | None = None) -> SyncConfig:
    """Read `config_path` (usually ``.specweave/config.json``); defaults when it or its ``sync`` block is absent.

    Raises `ConfigError` naming the file, line and column for invalid JSON, and listing every error (with its
    JSON path; `ConfigError.path` is the first) when the config is invalid. `env` defaults to ``os.environ``
    and is read only for webhook secrets.
    """
    environ = os.environ if env is None else env
    raw = _read_json(config_path)
    if raw is None:
        return SyncConfig(webhook_secrets=webhook_secrets(environ), source=config_path)
    problems = validate_config(raw)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        listing = "; ".join(f"{p.path}: {p.message}" for p in errors)
        raise ConfigError(
            f"{config_path}: {len(errors)} problem(s) in the sync configuration: {listing}",
            path=errors[0].path,
            hint="fix the keys named above (the allowed values are listed), then run `weavesync doctor`",
        )
    warnings = tuple(p for p in problems if p.severity == "warning")
    sync = raw.get("sync")
    if not isinstance(sync, Mapping):
        return SyncConfig(webhook_secrets=webhook_secrets(environ), warnings=warnings, source=config_path)
    return _from_sync(sync, environ, warnings, config_path)


def _read_json(path: Path) -> Mapping[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}",
                          hint="check that the file is readable by this user") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})",
                          hint="save the file as UTF-8 (SpecWeave writes it that way)") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            hint="fix the JSON syntax (a trailing comma or a missing quote is the usual cause)",
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a JSON object", path="$",
                          hint="wrap the settings in { ... } as SpecWeave writes them")
    return data


def _from_sync(
    sync: Mapping[str, Any], env: Mapping[str, str], warnings: tuple[Problem, ...], source: Path
) -> SyncConfig:
    found = sync.get("statusSync")
    block: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    resolutions = dict(DEFAULT_JIRA_RESOLUTIONS)
    resolutions.update(_read_resolutions(block))
    overrides = merged_overrides(block)
    mappings = {
        tracker: build_mapping(tracker, overrides.get(tracker), jira_resolutions=resolutions) for tracker in Tracker
    }
    places, sources = read_places(sync)
    return SyncConfig(
        trackers=places,
        mappings=mappings,
        conflict_resolution=_conflict_resolution(sync, block),
        prompt_user=_flag(block.get("promptUser"), True),
        auto_sync=_flag(block.get("autoSync"), _flag(sync.get("autoSync"), True)),
        enabled=_flag(block.get("enabled"), _flag(sync.get("enabled"), True)),
        completion_comments=_flag(block.get("completionComments"), True),
        user_story_sync="both" if block.get("userStoryLinks") == "both" else "outbound",
        jira_resolutions=resolutions,
        poll_interval=_poll_interval(sync, block),
        webhook_secrets=webhook_secrets(env),
        place_sources=sources,
        warnings=warnings,
        source=source,
    )


def _flag(value: object, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _conflict_resolution(sync: Mapping[str, Any], block: Mapping[str, Any]) -> str:
    value = block.get("conflictResolution")
    if isinstance(value, str):
        return value
    settings = sync.get("settings")
    legacy = settings.get("conflictResolution") if isinstance(settings, Mapping) else None
    return _LEGACY_CONFLICT.get(legacy, "prompt") if isinstance(legacy, str) else "prompt"


def _poll_interval(sync: Mapping[str, Any], block: Mapping[str, Any]) -> float:
    """statusSync.pollIntervalSeconds, else SpecWeave's enabled externalSync scheduler job, else 60 s."""
    value = block.get("pollIntervalSeconds")
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    job = dig(sync, "orchestration", "scheduler", "jobs", "externalSync")
    if isinstance(job, Mapping) and job.get("enabled") is True:
        minutes = job.get("intervalMinutes")
        if isinstance(minutes, int | float) and not isinstance(minutes, bool) and minutes > 0:
            return float(minutes) * 60.0
    return 60.0


def dig(data: Mapping[str, Any], *keys: str) -> object:
    """`data[k1][k2]...`, None where a key is missing or a value on the way is not an object."""
    current: object = data
    for key in keys:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def _read_resolutions(block: Mapping[str, Any]) -> dict[Status, str]:
    raw = dig(block, "jira", "resolutions")
    out: dict[Status, str] = {}
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            status = status_from_key(str(key))
            if status is not None and isinstance(value, str):
                out[status] = value
    return out


def webhook_secrets(env: Mapping[str, str]) -> dict[Tracker, Secret]:
    """The webhook secret of each tracker that has one set in the environment."""
    out: dict[Tracker, Secret] = {}
    for tracker, names in WEBHOOK_SECRET_ENV.items():
        value = _first_env(env, names)
        if value is not None:
            out[tracker] = Secret(value)
    return out


def _first_env(env: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = env.get(name)
        if value is not None and value.strip():
            return value.strip()
    return None


def connection_for(config: SyncConfig, tracker: Tracker, env: Mapping[str, str] = os.environ) -> Connection:
    """Where `tracker` lives (from `config`) and how to log in (from `env`), or a `ConfigError` saying what to set.

    Base URLs default to the public services (GitHub ``https://api.github.com``, Jira ``https://<domain>``, ADO
    ``https://dev.azure.com/<organization>``); the env overrides them, for GitHub Enterprise, a Jira proxy or the
    weavesync sandbox. No error message ever contains a secret's value.
    """
    place = config.trackers.get(tracker)
    keys = PLACE_KEYS[tracker]
    if not place:
        raise ConfigError(
            f"{tracker.value} is not configured in .specweave/config.json",
            path=f"$.sync.statusSync.{tracker.value}",
            hint=f"add sync.statusSync.{tracker.value} = {{{', '.join(repr(k) for k in keys)}}} "
            f"(or a sync.profiles entry with provider {tracker.value!r})",
        )
    for key in keys:
        if not place.get(key):
            raise ConfigError(
                f"{tracker.value}: the config names no {key!r}",
                path=f"$.sync.statusSync.{tracker.value}.{key}",
                hint=f"set sync.statusSync.{tracker.value}.{key} in .specweave/config.json",
            )
    token_value = _first_env(env, TOKEN_ENV[tracker])
    if token_value is None:
        names = TOKEN_ENV[tracker]
        also = f" (or {', '.join(names[1:])})" if len(names) > 1 else ""
        raise ConfigError(
            f"{tracker.value}: no credentials: {names[0]} is not set",
            hint=f"export {names[0]}=<token>{also}",
        )
    user: str | None = None
    if tracker is Tracker.JIRA:
        user = _first_env(env, ("JIRA_EMAIL",))
        if user is None:
            raise ConfigError("jira: JIRA_EMAIL is not set (Jira Cloud API tokens need the account e-mail)",
                              hint="export JIRA_EMAIL=<your Atlassian account e-mail>")
    return Connection(tracker=tracker, base_url=base_url(tracker, place, env), place={k: place[k] for k in keys},
                      user=user,
                      token=Secret(token_value))


def base_url(tracker: Tracker, place: Mapping[str, str], env: Mapping[str, str]) -> str:
    """The tracker's API base URL: the env override (`BASE_URL_ENV`), else the public service's."""
    name = BASE_URL_ENV[tracker]
    value = _first_env(env, (name,))
    if value is None:
        if tracker is Tracker.GITHUB:
            value = "https://api.github.com"
        elif tracker is Tracker.JIRA:
            domain = place["domain"]
            value = domain if domain.startswith(("http://", "https://")) else f"https://{domain}"
        else:
            value = f"https://dev.azure.com/{place['organization']}"
    elif not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must be an http(s) URL", hint=f"export {name}=https://...")
    return value.rstrip("/")
