"""One sandbox Jira server for the whole folder, plus Basic-auth clients for the bot and for alice."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from jira_sandbox_helpers import Receiver

from sandbox_clients import jira_client, reset_controls
from weavesync.sandbox.server import BOT, PERSON, Sandbox


@pytest.fixture(scope="session")
def jira_sandbox() -> Iterator[Sandbox]:
    with Sandbox(trackers=("jira",)) as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def jira_url(jira_sandbox: Sandbox) -> str:
    return jira_sandbox.urls["jira"]


@pytest.fixture(scope="session")
def bot(jira_url: str) -> Iterator[httpx.Client]:
    with jira_client(jira_url, BOT) as client:
        yield client


@pytest.fixture(scope="session")
def alice(jira_url: str) -> Iterator[httpx.Client]:
    with jira_client(jira_url, PERSON) as client:
        yield client


@pytest.fixture(autouse=True)
def _clean_controls(jira_url: str) -> Iterator[None]:
    yield
    reset_controls(jira_url, "jira")


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()
