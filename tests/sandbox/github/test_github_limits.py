"""GitHub sandbox: auth, API versions, rate-limit headers, primary and secondary limits, conditional requests."""

from __future__ import annotations

import httpx
import pytest

from weavesync.sandbox.server import BOT


def test_bad_credentials_is_401(url: str) -> None:
    response = httpx.get(f"{url}/repos/acme/shop/issues/1", headers={"Authorization": "Bearer ghp_wrong"})
    assert response.status_code == 401
    assert response.json()["message"] == "Bad credentials"
    assert response.headers["x-ratelimit-limit"] == "60"


def test_user_needs_auth_and_shows_scopes(url: str, bot: httpx.Client) -> None:
    assert httpx.get(f"{url}/user").status_code == 401
    me = bot.get("/user")
    assert me.json()["login"] == BOT
    assert "repo" in me.headers["x-oauth-scopes"].split(", ")


def test_unsupported_api_version_is_400(bot: httpx.Client) -> None:
    response = bot.get("/repos/acme/shop/issues/1", headers={"X-GitHub-Api-Version": "2019-01-01"})
    assert response.status_code == 400


def test_every_response_has_rate_headers_and_they_count_down(bot: httpx.Client) -> None:
    first = bot.get("/repos/acme/shop/issues/1")
    second = bot.get("/repos/acme/shop/issues/2")
    for response in (first, second):
        assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset",
                "x-ratelimit-resource"} <= set(response.headers)
    assert int(second.headers["x-ratelimit-remaining"]) == int(first.headers["x-ratelimit-remaining"]) - 1
    assert "x-ratelimit-remaining" in bot.get("/repos/acme/shop/issues/404404").headers


def test_304_and_rate_limit_endpoint_cost_nothing(bot: httpx.Client) -> None:
    first = bot.get("/repos/acme/shop/issues/1")
    again = bot.get("/repos/acme/shop/issues/1", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]
    status = bot.get("/rate_limit").json()
    assert str(status["resources"]["core"]["remaining"]) == first.headers["x-ratelimit-remaining"]
    assert bot.get("/rate_limit").json()["rate"]["remaining"] == status["rate"]["remaining"]


def test_etag_is_per_token(url: str, bot: httpx.Client, alice: httpx.Client) -> None:
    mine = bot.get("/repos/acme/shop/issues/1").headers["etag"]
    theirs = alice.get("/repos/acme/shop/issues/1", headers={"If-None-Match": mine})
    assert theirs.status_code == 200


@pytest.mark.parametrize("status", [403, 429])
def test_primary_budget_exhausted(url: str, bot: httpx.Client, status: int) -> None:
    httpx.post(f"{url}/_sandbox/ratelimit", json={"login": BOT, "remaining": 1, "reset_in": 120, "status": status})
    assert bot.get("/repos/acme/shop/issues/1").status_code == 200
    refused = bot.get("/repos/acme/shop/issues/1")
    assert refused.status_code == status
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert "API rate limit exceeded" in refused.json()["message"]
    reset = int(refused.headers["x-ratelimit-reset"])
    httpx.post(f"{url}/_sandbox/clock", json={"advance_seconds": 121})
    after = bot.get("/repos/acme/shop/issues/1")
    assert after.status_code == 200 and int(after.headers["x-ratelimit-reset"]) > reset


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_write_points_give_retry_after(url: str, bot: httpx.Client, status: int) -> None:
    httpx.post(f"{url}/_sandbox/ratelimit", json={"points_per_minute": 10, "secondary_status": status})
    assert bot.patch("/repos/acme/shop/issues/1", json={"title": "Checkout: pay with a saved card"}
                     ).status_code == 200
    assert bot.patch("/repos/acme/shop/issues/1", json={"title": "Checkout: pay with a saved card"}
                     ).status_code == 200
    refused = bot.patch("/repos/acme/shop/issues/1", json={"title": "x"})
    assert refused.status_code == status
    assert "secondary rate limit" in refused.json()["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-remaining"] != "0"
    httpx.post(f"{url}/_sandbox/clock", json={"advance_seconds": 61})
    assert bot.patch("/repos/acme/shop/issues/1", json={"title": "Checkout: pay with a saved card"}
                     ).status_code == 200


def test_content_creation_limit(url: str, bot: httpx.Client) -> None:
    httpx.post(f"{url}/_sandbox/ratelimit", json={"content_per_minute": 2})
    for _ in range(2):
        assert bot.post("/repos/acme/shop/issues/1/comments", json={"body": "hi"}).status_code == 201
    refused = bot.post("/repos/acme/shop/issues", json={"title": "third"})
    assert refused.status_code == 403 and "retry-after" in refused.headers
    # reads are not content creation
    assert bot.get("/repos/acme/shop/issues/1/comments").status_code == 200
