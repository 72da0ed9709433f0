"""Doctor checks for each tracker in use: is its place configured, are credentials in the environment, and does
the tracker accept them (a cheap authenticated call), with the token's scopes where the API shows them.

Only the trackers whose credentials work are handed on to the workflow checks: reading workflows with a rejected
token would only repeat the same failure once per item type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from weavesync.config import SyncConfig, connection_for
from weavesync.config.load import BASE_URL_ENV, TOKEN_ENV
from weavesync.doctor.finding import Finding
from weavesync.errors import AuthFailed, ConfigError, TrackerError
from weavesync.model import Tracker, has_userinfo, redact_userinfo
from weavesync.trackers.base import AuthInfo, TrackerAdapter

CHECK = "credentials"

WRITE_SCOPES: Mapping[Tracker, frozenset[str]] = {Tracker.GITHUB: frozenset({"repo", "public_repo"})}
"""Classic GitHub tokens list their scopes (``X-OAuth-Scopes``); one of these is needed to change issues.
Jira API tokens and Azure DevOps PATs do not show scopes through the API."""


class AdapterSource(Protocol):
    """Where connected adapters come from: a `SyncSession` in practice, a stub in unit tests."""

    def adapter(self, tracker: Tracker) -> TrackerAdapter: ...


def check_credentials(config: SyncConfig, env: Mapping[str, str], trackers: Iterable[Tracker],
                      connect: AdapterSource) -> tuple[list[Finding], dict[Tracker, TrackerAdapter]]:
    """Findings per tracker, and the adapters whose credentials work."""
    findings: list[Finding] = []
    working: dict[Tracker, TrackerAdapter] = {}
    for tracker in trackers:
        name = tracker.value
        try:
            connection = connection_for(config, tracker, env)
        except ConfigError as exc:
            check = "config" if exc.path else CHECK
            findings.append(Finding(check, "error", exc.message, exc.hint, tracker=name))
            continue
        if has_userinfo(connection.base_url):
            findings.append(_userinfo_finding(tracker, connection.base_url))
        try:
            adapter = connect.adapter(tracker)
            info = adapter.check_auth()
        except AuthFailed as exc:
            token = TOKEN_ENV[tracker][0]
            findings.append(Finding(CHECK, "error", f"{name} rejected the credentials: {exc.message}",
                                    f"create a new token with write access and export {token}=<token>",
                                    tracker=name))
            continue
        except TrackerError as exc:
            findings.append(Finding(CHECK, "error", f"cannot check the {name} credentials: {exc.message}",
                                    exc.hint or "check the network and the tracker's base URL, then run doctor again",
                                    tracker=name))
            continue
        except ConfigError as exc:
            findings.append(Finding(CHECK, "error", exc.message, exc.hint, tracker=name))
            continue
        findings += _auth_findings(tracker, info)
        if info.ok:
            working[tracker] = adapter
    return findings, working


def _userinfo_finding(tracker: Tracker, base_url: str) -> Finding:
    """A base URL with ``user:password@`` in it: weavesync drops that part before any request (credentials come
    from the token variables only) and shows the URL with it redacted, so the person learns why it is ignored."""
    variable, token = BASE_URL_ENV[tracker], TOKEN_ENV[tracker][0]
    return Finding(CHECK, "warning",
                   f"{variable} carries credentials ({redact_userinfo(base_url)}): they are ignored, {tracker.value} "
                   f"is called with {token}", f"remove the user:password@ part from {variable}", tracker=tracker.value)


def _auth_findings(tracker: Tracker, info: AuthInfo) -> list[Finding]:
    name = tracker.value
    if not info.ok:
        return [Finding(CHECK, "error", f"{name}: {info.detail or 'the credentials do not work'}",
                        f"give {info.user or 'the account'} access to the configured place, or fix its name in "
                        ".specweave/config.json", tracker=name)]
    who = f"authenticated as {info.user}" if info.user else "credentials accepted"
    scopes = "scopes not shown by the API" if info.scopes is None else f"scopes: {', '.join(info.scopes) or 'none'}"
    detail = f"; {info.detail}" if info.detail else ""
    out = [Finding(CHECK, "ok", f"{who} ({scopes}){detail}", None, tracker=name)]
    needed = WRITE_SCOPES.get(tracker)
    if needed is not None and info.scopes is not None and not needed & set(info.scopes):
        out.append(Finding(CHECK, "warning", f"the {name} token has none of the scopes {', '.join(sorted(needed))}: "
                           "reads may work, writes will fail",
                           f"create a token with the 'repo' scope and export {TOKEN_ENV[tracker][0]}",
                           tracker=name))
    return out
