"""One Azure DevOps sandbox per test module, over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from adoclient import Ado

from weavesync.sandbox import Sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(trackers=("ado",)) as running:
        yield running


@pytest.fixture(scope="module")
def ado(sandbox: Sandbox) -> Iterator[Ado]:
    client = Ado(sandbox)
    yield client
    client.http.close()


@pytest.fixture(scope="module")
def alice(sandbox: Sandbox) -> Iterator[Ado]:
    client = Ado(sandbox, sandbox.env()["SANDBOX_PERSON_AZURE_DEVOPS_PAT"])
    yield client
    client.http.close()
