"""A sandbox Jira for the adapter tests, adapters for the bot (and a bad token), and alice's hand."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from jira_adapter_helpers import connection

from weavesync.sandbox import Sandbox
from weavesync.sandbox.server import ACCOUNTS, PERSON
from weavesync.trackers.jira import KIND, JiraAdapter


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(trackers=("jira",)) as running:
        yield running


@pytest.fixture(scope="session")
def url(sandbox: Sandbox) -> str:
    return sandbox.urls["jira"]


@pytest.fixture()
def adapter(url: str) -> Iterator[JiraAdapter]:
    made = KIND.connect(connection(url))
    assert isinstance(made, JiraAdapter)
    yield made
    made.close()


@pytest.fixture(scope="session")
def alice(url: str) -> Iterator[httpx.Client]:
    account = ACCOUNTS["jira"][PERSON]
    with httpx.Client(base_url=url, auth=(account.email or "", account.secret)) as client:
        yield client


@pytest.fixture(autouse=True)
def _reset_controls(url: str) -> Iterator[None]:
    yield
    httpx.delete(f"{url}/_sandbox/script")
    httpx.post(f"{url}/_sandbox/ratelimit", json={"limit": None, "window_seconds": 1})
