"""A running Azure DevOps sandbox and an adapter connected to it as the bot, plus a person's client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from ado_helpers import connection

from weavesync.sandbox import Sandbox
from weavesync.trackers.azure_devops import AdoAdapter


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(trackers=("ado",)) as running:
        yield running


@pytest.fixture()
def adapter(sandbox: Sandbox) -> Iterator[AdoAdapter]:
    made = AdoAdapter(connection(sandbox))
    yield made
    made.close()


@pytest.fixture(scope="module")
def alice(sandbox: Sandbox) -> Iterator[httpx.Client]:
    env = sandbox.env()
    with httpx.Client(base_url=env["AZURE_DEVOPS_ORG_URL"], auth=("", env["SANDBOX_PERSON_AZURE_DEVOPS_PAT"]),
                      params={"api-version": "7.1"}) as client:
        yield client
