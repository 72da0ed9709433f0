"""The GitHub adapter's auth check, error classification and rate limits against the sandbox over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from github_helpers import MANAGED

from weavesync.errors import AuthFailed, Retryable
from weavesync.sandbox.server import ACCOUNTS, BOT
from weavesync.trackers.github import KIND, GitHubAdapter
from weavesync.trackers.http import Governor

BAD_TOKEN = "ghp_thisTokenIsWrong00000000000000000000"


def test_check_auth_reports_user_and_scopes(adapter: GitHubAdapter) -> None:
    info = adapter.check_auth()
    assert info.ok and info.user == BOT
    assert info.scopes is not None and "repo" in info.scopes


def test_check_auth_bad_token_is_auth_failed_without_the_secret(connect: Callable[..., Any]) -> None:
    adapter = GitHubAdapter(connect(BAD_TOKEN), governor=Governor())
    with pytest.raises(AuthFailed) as failed:
        adapter.check_auth()
    text = f"{failed.value} {failed.value.hint} {failed.value!r} {adapter!r} {adapter.client!r}"
    assert "Bad credentials" in str(failed.value) and failed.value.status == 401
    assert BAD_TOKEN not in text and ACCOUNTS["github"][BOT].secret not in repr(connect())
    adapter.close()


def test_check_auth_unknown_repo_is_not_ok(url: str, connect: Callable[..., Any]) -> None:
    conn = connect()
    other = type(conn)(tracker=conn.tracker, base_url=url, place={"owner": "acme", "repo": "nope"},
                       token=conn.token)
    info = GitHubAdapter(other, governor=Governor()).check_auth()
    assert not info.ok and info.detail is not None and "acme/nope" in info.detail


def test_kind_connect_builds_a_working_adapter(connect: Callable[..., Any]) -> None:
    adapter = KIND.connect(connect())
    assert adapter.check_auth().ok
    adapter.close()


def test_429_with_retry_after_is_retryable(adapter: GitHubAdapter, url: str) -> None:
    httpx.post(f"{url}/_sandbox/script", json={"kind": "429", "headers": {"retry-after": "7"}})
    with pytest.raises(Retryable) as failed:
        adapter.read_many(["acme/shop#1"], MANAGED)
    assert failed.value.retry_after == 7 and failed.value.status == 429


def test_secondary_limit_403_is_retryable(adapter: GitHubAdapter, url: str) -> None:
    httpx.post(f"{url}/_sandbox/ratelimit", json={"points_per_minute": 1, "secondary_retry_after": 30})
    adapter.read_many(["acme/shop#1"], MANAGED)
    with pytest.raises(Retryable) as failed:
        adapter.read_many(["acme/shop#1"], MANAGED)
    assert failed.value.status == 403 and failed.value.retry_after == 30


def test_primary_limit_403_waits_until_reset(adapter: GitHubAdapter, url: str) -> None:
    httpx.post(f"{url}/_sandbox/ratelimit", json={"login": BOT, "remaining": 0, "reset_in": 600})
    with pytest.raises(Retryable) as failed:
        adapter.read_many(["acme/shop#1"], MANAGED)
    assert failed.value.status == 403
    assert failed.value.retry_after is not None and 0 < failed.value.retry_after <= 600


def test_5xx_and_resets_are_retryable(adapter: GitHubAdapter, url: str) -> None:
    httpx.post(f"{url}/_sandbox/script", json=[{"kind": "503"}, {"kind": "reset"}])
    for _ in range(2):
        with pytest.raises(Retryable):
            adapter.read_many(["acme/shop#1"], MANAGED)
    assert adapter.read_many(["acme/shop#1"], MANAGED)["acme/shop#1"] is not None


def test_conditional_get_saves_budget(adapter: GitHubAdapter, url: str) -> None:
    adapter.read_many(["acme/shop#2"], MANAGED)
    before = httpx.get(f"{url}/_sandbox/ratelimit").json()["budgets"][BOT]["used"]
    found = adapter.read_many(["acme/shop#2"], MANAGED)["acme/shop#2"]
    after = httpx.get(f"{url}/_sandbox/ratelimit").json()["budgets"][BOT]["used"]
    assert found is not None and found.state.state == "closed"
    assert after == before
