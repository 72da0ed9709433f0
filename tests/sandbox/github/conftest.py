"""One GitHub sandbox per test module, plus clients acting as the bot and as alice over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from sandbox_clients import github_client, new_github_issue, reset_controls
from weavesync.sandbox.github import GitHubSandbox
from weavesync.sandbox.server import BOT, PERSON, Sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(trackers=("github",)) as running:
        yield running


@pytest.fixture(scope="module")
def url(sandbox: Sandbox) -> str:
    return sandbox.urls["github"]


@pytest.fixture(scope="module")
def state(sandbox: Sandbox) -> GitHubSandbox:
    found: GitHubSandbox = sandbox.apps["github"].state
    return found


@pytest.fixture(scope="module")
def bot(url: str) -> Iterator[httpx.Client]:
    with github_client(url, BOT) as client:
        yield client


@pytest.fixture(scope="module")
def alice(url: str) -> Iterator[httpx.Client]:
    with github_client(url, PERSON) as client:
        yield client


@pytest.fixture()
def new_issue(bot: httpx.Client) -> Callable[..., dict[str, Any]]:
    def make(title: str = "A test issue", **fields: Any) -> dict[str, Any]:
        return new_github_issue(bot, title, **fields)

    return make


@pytest.fixture(autouse=True)
def _reset_limits(url: str) -> Iterator[None]:
    yield
    reset_controls(url, "github")
