"""A sandbox Jira for the adapter tests, adapters for the bot (and a bad token), and alice's hand."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from jira_adapter_helpers import connection

from sandbox_clients import jira_client, reset_controls
from weavesync.sandbox import Sandbox
from weavesync.sandbox.server import PERSON
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
    with jira_client(url, PERSON) as client:
        yield client


@pytest.fixture(autouse=True)
def _reset_controls(url: str) -> Iterator[None]:
    yield
    reset_controls(url, "jira")
