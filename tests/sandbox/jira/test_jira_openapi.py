"""Requests and responses checked against Atlassian's OpenAPI description (tests/data/jira, see SOURCE.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from sandbox_clients import adf, new_jira_issue

SPEC = Path(__file__).parents[2] / "data" / "jira" / "jira-cloud-v3-openapi-subset.json"


@pytest.fixture(scope="module")
def openapi(jira_url: str) -> OpenAPI:
    spec = json.loads(SPEC.read_text())
    spec["servers"] = [{"url": jira_url}]
    return OpenAPI.from_dict(spec, config=Config(extra_format_validators={"date-time": jira_date_time}))


def jira_date_time(value: object) -> bool:
    """Jira's real timestamps (``2017-01-30T18:32:14.716+0100``, see the webhook fixture) have no colon in the
    offset, which strict RFC 3339 refuses; accept exactly that shape, and RFC 3339 itself."""
    return isinstance(value, str) and JIRA_TIME.fullmatch(value) is not None


JIRA_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?([+-]\d\d:?\d\d|Z)")


def check(openapi: OpenAPI, client: httpx.Client, method: str, path: str, *, params: dict[str, Any] | None = None,
          body: Any = None) -> httpx.Response:
    """Send the call, then validate both the request and the response against the spec."""
    response = client.request(method, path, params=params, json=body)
    request = MockRequest(str(client.base_url).rstrip("/"), method.lower(), path, args=params or {},
                          headers={"authorization": client.headers.get("authorization", "Basic x")},
                          data=json.dumps(body).encode() if body is not None else None)
    openapi.validate_request(request)
    if response.status_code == 204:
        return response  # the spec declares an (empty) JSON schema for 204s, which no real body satisfies
    content_type = response.headers.get("content-type", "application/json").split(";")[0]
    mock = MockResponse(response.content or b"", status_code=response.status_code,
                        headers=dict(response.headers), content_type=content_type)
    openapi.validate_response(request, mock)
    return response


def test_issue_endpoints_match_the_spec(openapi: OpenAPI, bot: httpx.Client) -> None:
    key = new_jira_issue(bot)
    assert check(openapi, bot, "GET", f"/rest/api/3/issue/{key}",
                 params={"expand": "transitions,changelog"}).status_code == 200
    assert check(openapi, bot, "GET", f"/rest/api/3/issue/{key}/transitions",
                 params={"expand": "transitions.fields"}).status_code == 200
    assert check(openapi, bot, "POST", f"/rest/api/3/issue/{key}/transitions",
                 body={"transition": {"id": "11"}}).status_code == 204
    assert check(openapi, bot, "POST", f"/rest/api/3/issue/{key}/comment", body={"body": adf("hi")}
                 ).status_code == 201
    assert check(openapi, bot, "GET", f"/rest/api/3/issue/{key}/comment").status_code == 200
    assert check(openapi, bot, "GET", f"/rest/api/3/issue/{key}/changelog").status_code == 200
    assert check(openapi, bot, "PUT", f"/rest/api/3/issue/{key}",
                 body={"update": {"labels": [{"add": "x"}]}}).status_code == 204


def test_search_and_site_endpoints_match_the_spec(openapi: OpenAPI, bot: httpx.Client) -> None:
    body = {"jql": "project = CORE ORDER BY updated ASC", "fields": ["status", "updated"], "maxResults": 2}
    assert check(openapi, bot, "POST", "/rest/api/3/search/jql", body=body).status_code == 200
    assert check(openapi, bot, "GET", "/rest/api/3/search/jql",
                 params={"jql": "project = CORE", "maxResults": 1}).status_code == 200
    assert check(openapi, bot, "GET", "/rest/api/3/myself").status_code == 200
    assert check(openapi, bot, "GET", "/rest/api/3/statuscategory").status_code == 200
    assert check(openapi, bot, "GET", "/rest/api/3/status").status_code == 200


def test_error_responses_match_the_spec(openapi: OpenAPI, bot: httpx.Client) -> None:
    assert check(openapi, bot, "POST", "/rest/api/3/search/jql", body={"jql": "order by key"}).status_code == 400
    assert check(openapi, bot, "GET", "/rest/api/3/issue/CORE-999999").status_code == 404
