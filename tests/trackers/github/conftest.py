"""A GitHub sandbox per test module and adapters connected to it as the bot, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from github_helpers import Stats

from sandbox_clients import github_client, new_github_issue, reset_controls
from weavesync.model import Connection, Secret, Tracker
from weavesync.sandbox.server import ACCOUNTS, BOT, PERSON, Sandbox
from weavesync.trackers.github import GitHubAdapter
from weavesync.trackers.http import Governor


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(trackers=("github",)) as running:
        yield running


@pytest.fixture(scope="module")
def url(sandbox: Sandbox) -> str:
    return sandbox.urls["github"]


def _connection(url: str, token: str = ACCOUNTS["github"][BOT].secret) -> Connection:
    return Connection(tracker=Tracker.GITHUB, base_url=url, place={"owner": "acme", "repo": "shop"},
                      token=Secret(token))


@pytest.fixture()
def connect(url: str) -> Callable[..., Connection]:
    """A Connection to the sandbox's acme/shop with the bot's token, or another token."""
    return lambda token=ACCOUNTS["github"][BOT].secret: _connection(url, token)


@pytest.fixture()
def adapter(url: str) -> Iterator[GitHubAdapter]:
    """The bot's adapter with its own governor and no write pacing (pacing has its own test)."""
    made = GitHubAdapter(_connection(url), governor=Governor(writes_per_minute=None))
    yield made
    made.close()


@pytest.fixture(scope="module")
def alice(url: str) -> Iterator[httpx.Client]:
    with github_client(url, PERSON) as client:
        yield client


@pytest.fixture()
def new_issue(alice: httpx.Client) -> Callable[..., dict[str, Any]]:
    def make(title: str = "Increment issue", **fields: Any) -> dict[str, Any]:
        return new_github_issue(alice, title, **fields)

    return make


@pytest.fixture()
def stats(url: str) -> Stats:
    return Stats(url)


@pytest.fixture(autouse=True)
def _clean_controls(url: str) -> Iterator[None]:
    yield
    reset_controls(url, "github")
