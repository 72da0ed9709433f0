"""Third-party clients against the Azure DevOps sandbox: the azure-devops SDK unchanged, and the OpenAPI
description (requests and responses validated with openapi-core). Also the sandbox's request rate."""

from __future__ import annotations

import copy
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from adoclient import Ado
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

DATA = Path(__file__).parents[2] / "data" / "azure_devops"


def _sdk(ado: Ado) -> Any:
    # The SDK caches discovered locations on disk; keep that cache out of the home directory.
    os.environ.setdefault("AZURE_DEVOPS_CACHE_DIR", tempfile.mkdtemp(prefix="ado-sdk-cache-"))
    from azure.devops.connection import Connection
    from msrest.authentication import BasicAuthentication

    connection = Connection(base_url=ado.org, creds=BasicAuthentication("", ado.pat))
    return connection.clients_v7_1.get_work_item_tracking_client()


def test_azure_devops_sdk_reads_writes_and_queries(ado: Ado) -> None:
    from azure.devops.exceptions import AzureDevOpsServiceError
    from azure.devops.v7_1.work_item_tracking.models import (
        JsonPatchOperation,
        TeamContext,
        Wiql,
        WorkItemBatchGetRequest,
    )

    wit = _sdk(ado)
    created = wit.create_work_item([JsonPatchOperation(op="add", path="/fields/System.Title", value="Via SDK")],
                                   "Shop", "User Story")
    assert created.fields["System.State"] == "New"
    updated = wit.update_work_item([JsonPatchOperation(op="test", path="/rev", value=created.rev),
                                    JsonPatchOperation(op="add", path="/fields/System.State", value="Active")],
                                   created.id, project="Shop")
    assert updated.rev == created.rev + 1 and updated.fields["System.Reason"] == "Implementation started"
    with pytest.raises(AzureDevOpsServiceError):
        wit.update_work_item([JsonPatchOperation(op="test", path="/rev", value=created.rev),
                              JsonPatchOperation(op="add", path="/fields/System.State", value="Closed")],
                             created.id, project="Shop")
    batch = wit.get_work_items_batch(WorkItemBatchGetRequest(ids=[1, created.id], fields=["System.State"]),
                                     project="Shop")
    assert [w.fields["System.State"] for w in batch] == ["Active", "Active"]
    result = wit.query_by_wiql(Wiql(query=f"SELECT [System.Id] FROM WorkItems WHERE [System.Id] IN ({created.id})"),
                               team_context=TeamContext(project="Shop"), time_precision=True)
    assert [w.id for w in result.work_items] == [created.id]
    states = wit.get_work_item_type_states("Shop", "User Story")
    assert [s.category for s in states][:2] == ["Proposed", "InProgress"]
    assert [u.rev for u in wit.get_updates(created.id, project="Shop")] == [1, 2]
    from azure.devops.v7_1.work_item_tracking.models import CommentCreate

    comment = wit.add_comment(CommentCreate(text="from the SDK"), "Shop", created.id)
    assert comment.text == "from the SDK"


def _spec(base: str) -> OpenAPI:
    spec = json.loads((DATA / "wit-7.1-openapi3.json").read_text(encoding="utf-8"))
    spec = copy.deepcopy(spec)
    spec["servers"] = [{"url": base}]
    # JSON Patch bodies are JSON; openapi-core only knows application/json by that name.
    config = Config(extra_media_type_deserializers={"application/json-patch+json": json.loads})
    return OpenAPI.from_dict(spec, config=config)


def test_requests_and_responses_match_the_openapi_description(ado: Ado) -> None:
    api = _spec(ado.root)
    session = requests.Session()
    session.auth = ("", ado.pat)
    org = ado.org
    calls = [
        requests.Request("GET", f"{org}/Shop/_apis/wit/workitems/1", params={"api-version": "7.1"}),
        requests.Request("GET", f"{org}/Shop/_apis/wit/workitems", params={"api-version": "7.1", "ids": "1,2"}),
        requests.Request("POST", f"{org}/Shop/_apis/wit/workitemsbatch", params={"api-version": "7.1"},
                         json={"ids": [1, 2], "fields": ["System.State"]}),
        requests.Request("PATCH", f"{org}/Shop/_apis/wit/workitems/3", params={"api-version": "7.1"},
                         data=json.dumps([{"op": "add", "path": "/fields/System.Tags", "value": "x"}]),
                         headers={"Content-Type": "application/json-patch+json"}),
        requests.Request("POST", f"{org}/Shop/_apis/wit/workitems/$Task", params={"api-version": "7.1"},
                         data=json.dumps([{"op": "add", "path": "/fields/System.Title", "value": "spec"}]),
                         headers={"Content-Type": "application/json-patch+json"}),
        requests.Request("POST", f"{org}/Shop/_apis/wit/wiql", params={"api-version": "7.1"},
                         json={"query": "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project"}),
        requests.Request("GET", f"{org}/Shop/_apis/wit/workItems/1/updates", params={"api-version": "7.1"}),
        requests.Request("POST", f"{org}/Shop/_apis/wit/workItems/1/comments",
                         params={"api-version": "7.1-preview.4"}, json={"text": "spec"}),
        requests.Request("GET", f"{org}/Shop/_apis/wit/workItems/1/comments",
                         params={"api-version": "7.1-preview.4", "ids": "1"}),
        requests.Request("GET", f"{org}/Shop/_apis/wit/workitemtypes/Bug/states", params={"api-version": "7.1"}),
    ]
    for call in calls:
        prepared = session.prepare_request(call)
        api.validate_request(RequestsOpenAPIRequest(prepared))
        response = session.send(prepared)
        assert response.status_code == 200, (call.url, response.text)
        api.validate_response(RequestsOpenAPIRequest(prepared), RequestsOpenAPIResponse(response))


def test_serves_well_over_a_thousand_simple_requests_per_second(ado: Ado) -> None:
    """Informative: prints the rate; asserts only that the requests all succeeded (no timed assertions)."""
    n = 2000
    start = time.perf_counter()
    codes = [ado.get("/Shop/_apis/wit/workitems/1").status_code for _ in range(n)]
    elapsed = time.perf_counter() - start
    print(f"ado sandbox: {n / elapsed:.0f} sequential GET work item requests/s")
    assert codes == [200] * n


def test_holds_ten_thousand_items(ado: Ado) -> None:
    seeded = ado.control("POST", "seed", {"count": 10000, "type": "Feature", "state": "Active"})
    assert len(seeded["ids"]) == 10000
    last = ado.get(f"/Shop/_apis/wit/workitems/{seeded['last']}").json()
    assert last["fields"]["System.State"] == "Active" and last["rev"] == 1
    query = {"query": "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project "
                      "AND [System.State] = 'Active' ORDER BY [System.Id] DESC"}
    top = ado.post("/Shop/_apis/wit/wiql", query, **{"$top": "5"}).json()["workItems"]
    assert [w["id"] for w in top] == list(range(seeded["last"], seeded["last"] - 5, -1))
