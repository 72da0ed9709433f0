"""Work item rules of the Azure DevOps sandbox: versions, auth, reads, JSON Patch, states, tags, history."""

from __future__ import annotations

import json

import httpx
from adoclient import PATCH_JSON, Ado


def test_api_version_is_required_with_the_service_error_body(ado: Ado) -> None:
    response = ado.http.get("/Shop/_apis/wit/workitems/1")
    assert response.status_code == 400
    body = response.json()
    assert body["typeKey"] == "VssVersionNotSpecifiedException"
    assert {"$id", "innerException", "message", "typeName", "errorCode", "eventId"} <= set(body)


def test_api_version_in_the_accept_header_is_accepted(ado: Ado) -> None:
    response = ado.http.get("/Shop/_apis/wit/workitems/1", headers={"accept": "application/json;api-version=7.1"})
    assert response.status_code == 200
    assert ado.http.get("/Shop/_apis/wit/workitems/1", params={"api-version": "8.0"}).status_code == 400


def test_bad_pat_gets_401_json(sandbox: object, ado: Ado) -> None:
    response = httpx.get(f"{ado.org}/Shop/_apis/wit/workitems/1", params={"api-version": "7.1"}, auth=("", "nope"))
    assert response.status_code == 401
    assert response.json()["typeKey"] == "UnauthorizedRequestException"
    assert httpx.get(f"{ado.org}/Shop/_apis/wit/workitems/1", params={"api-version": "7.1"}).status_code == 401


def test_get_one_missing_item_is_404_tf401232(ado: Ado) -> None:
    response = ado.get("/Shop/_apis/wit/workitems/99999")
    assert response.status_code == 404
    assert response.json()["message"].startswith("TF401232")


def test_list_by_ids_honours_fields_and_error_policy(ado: Ado) -> None:
    response = ado.get("/Shop/_apis/wit/workitems", ids="1,2", fields="System.State,System.Id")
    assert response.status_code == 200
    value = response.json()["value"]
    assert [v["id"] for v in value] == [1, 2]
    assert set(value[0]["fields"]) == {"System.State", "System.Id"}
    assert ado.get("/Shop/_apis/wit/workitems", ids="1,99999").status_code == 404
    omitted = ado.get("/Shop/_apis/wit/workitems", ids="1,99999", errorPolicy="omit").json()["value"]
    assert omitted[1] is None
    too_many = ",".join(str(n) for n in range(1, 202))
    assert ado.get("/Shop/_apis/wit/workitems", ids=too_many).status_code == 400
    both = ado.get("/Shop/_apis/wit/workitems", ids="1", fields="System.State", **{"$expand": "all"})
    assert both.status_code == 400


def test_workitemsbatch_reads_up_to_200(ado: Ado) -> None:
    response = ado.post("/Shop/_apis/wit/workitemsbatch", {"ids": [2, 1], "fields": ["System.State"]})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and [v["id"] for v in body["value"]] == [2, 1]
    assert ado.post("/Shop/_apis/wit/workitemsbatch", {"ids": list(range(1, 202))}).status_code == 400


def test_patch_needs_json_patch_content_type(ado: Ado) -> None:
    ops = [{"op": "add", "path": "/fields/System.Title", "value": "x"}]
    response = ado.http.patch("/Shop/_apis/wit/workitems/1", params={"api-version": "7.1"}, json=ops)
    assert response.status_code == 415
    assert "application/json-patch+json" in response.json()["message"]


def test_patch_with_stale_rev_is_412_and_changes_nothing(ado: Ado) -> None:
    item = ado.create("Task", "Stale rev")
    ok = ado.patch(item["id"], [{"op": "test", "path": "/rev", "value": 1},
                                {"op": "add", "path": "/fields/System.State", "value": "Active"}])
    assert ok.status_code == 200 and ok.json()["rev"] == 2
    stale = ado.patch(item["id"], [{"op": "test", "path": "/rev", "value": 1},
                                   {"op": "add", "path": "/fields/System.State", "value": "Closed"}])
    assert stale.status_code == 412
    assert stale.json()["typeKey"] == "WorkItemRevisionMismatchException"
    assert ado.get(f"/Shop/_apis/wit/workitems/{item['id']}").json()["fields"]["System.State"] == "Active"


def test_state_is_validated_per_type_and_reason_defaulted(ado: Ado) -> None:
    bug = ado.create("Bug", "No Removed state for an Agile bug")
    refused = ado.patch(bug["id"], [{"op": "add", "path": "/fields/System.State", "value": "Removed"}])
    assert refused.status_code == 400
    body = refused.json()
    assert body["typeKey"] == "RuleValidationException" and body["message"].startswith("TF401320")
    story = ado.create("User Story", "Removable")
    moved = ado.patch(story["id"], [{"op": "add", "path": "/fields/System.State", "value": "removed"}])
    assert moved.status_code == 200
    assert moved.json()["fields"]["System.State"] == "Removed"
    assert moved.json()["fields"]["System.Reason"] == "Removed from the backlog"
    bad_reason = ado.patch(story["id"], [{"op": "add", "path": "/fields/System.State", "value": "Active"},
                                         {"op": "add", "path": "/fields/System.Reason", "value": "Because"}])
    assert bad_reason.status_code == 400


def test_tags_add_merges_and_replace_overwrites(ado: Ado) -> None:
    item = ado.create("Task", "Tags", **{"System.Tags": "Tag0"})
    merged = ado.patch(item["id"], [{"op": "add", "path": "/fields/System.Tags", "value": "Tag1; Tag2"}])
    assert merged.json()["fields"]["System.Tags"] == "Tag0; Tag1; Tag2"
    replaced = ado.patch(item["id"], [{"op": "replace", "path": "/fields/System.Tags", "value": "Tag1; Tag2"}])
    assert replaced.json()["fields"]["System.Tags"] == "Tag1; Tag2"
    removed = ado.patch(item["id"], [{"op": "remove", "path": "/fields/System.Tags"}])
    assert "System.Tags" not in removed.json()["fields"]


def test_read_only_fields_and_unknown_ops_are_refused(ado: Ado) -> None:
    assert ado.patch(1, [{"op": "add", "path": "/fields/System.CreatedDate", "value": "2020-01-01"}]
                     ).status_code == 400
    assert ado.patch(1, [{"op": "move", "path": "/fields/System.Title", "from": "/fields/System.Title"}]
                     ).status_code == 400
    assert ado.patch(1, [{"op": "add", "path": "/fields/System.NoSuchField", "value": 1}]).status_code == 400
    assert ado.http.patch("/Shop/_apis/wit/workitems/1", params={"api-version": "7.1"}, content=b"{}",
                          headers=PATCH_JSON).status_code == 400


def test_create_needs_a_title_and_a_known_type(ado: Ado) -> None:
    no_title = ado.http.post("/Shop/_apis/wit/workitems/$Task", params={"api-version": "7.1"},
                             content=json.dumps([{"op": "add", "path": "/fields/System.Description", "value": "x"}]),
                             headers=PATCH_JSON)
    assert no_title.status_code == 400
    unknown = ado.http.post("/Shop/_apis/wit/workitems/$Product%20Backlog%20Item", params={"api-version": "7.1"},
                            content=json.dumps([{"op": "add", "path": "/fields/System.Title", "value": "x"}]),
                            headers=PATCH_JSON)
    assert unknown.status_code == 404


def test_every_change_is_an_update_with_old_and_new_values(ado: Ado, alice: Ado) -> None:
    item = ado.create("Feature", "History")
    alice.patch(item["id"], [{"op": "add", "path": "/fields/System.State", "value": "Active"}])
    updates = ado.get(f"/Shop/_apis/wit/workItems/{item['id']}/updates").json()
    assert updates["count"] == 2
    last = updates["value"][1]
    assert last["rev"] == 2 and last["revisedBy"]["displayName"] == "Alice Example"
    assert last["fields"]["System.State"] == {"oldValue": "New", "newValue": "Active"}
    assert updates["value"][0]["revisedDate"] != "9999-01-01T00:00:00Z"
    assert last["revisedDate"] == "9999-01-01T00:00:00Z"


def test_comments_need_the_preview_version_and_bump_the_rev(ado: Ado) -> None:
    item = ado.create("Task", "Comments")
    path = f"/Shop/_apis/wit/workItems/{item['id']}/comments"
    assert ado.post(path, {"text": "hi"}).status_code == 400
    posted = ado.post(path, {"text": "<p>hi</p>"}, version="7.1-preview.4", format="html")
    assert posted.status_code == 200 and posted.json()["text"] == "<p>hi</p>"
    listed = ado.http.get(path, params={"api-version": "7.1-preview.4"}).json()
    assert listed["totalCount"] == 1 and listed["comments"][0]["id"] == posted.json()["id"]
    after = ado.get(f"/Shop/_apis/wit/workitems/{item['id']}").json()
    assert after["rev"] == 2 and after["fields"]["System.CommentCount"] == 1


def test_type_states_carry_categories(ado: Ado) -> None:
    states = ado.get("/Shop/_apis/wit/workitemtypes/Bug/states").json()["value"]
    assert [(s["name"], s["category"]) for s in states] == [
        ("New", "Proposed"), ("Active", "InProgress"), ("Resolved", "Resolved"), ("Closed", "Completed")]
    assert ado.get("/Shop/_apis/wit/workitemtypes/Nope/states").status_code == 404


def test_second_project_on_another_process(ado: Ado) -> None:
    info = ado.control("POST", "projects", {"name": "Legacy", "process": "Basic"})
    assert info["types"] == ["Epic", "Issue", "Task"]
    issue = ado.create("Issue", "On Basic", project="Legacy")
    assert issue["fields"]["System.State"] == "To Do"
    states = ado.get("/Legacy/_apis/wit/workitemtypes/Issue/states").json()["value"]
    assert [s["category"] for s in states] == ["Proposed", "InProgress", "Completed"]
    assert ado.get(f"/Shop/_apis/wit/workitems/{issue['id']}").status_code == 404
