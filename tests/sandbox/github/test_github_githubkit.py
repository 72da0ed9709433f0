"""GitHub sandbox against githubkit, unchanged: its strict pydantic models must accept every response."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from githubkit import GitHub, TokenAuthStrategy
from githubkit.exception import RequestFailed

from weavesync.sandbox.server import ACCOUNTS, BOT, PERSON


@pytest.fixture(scope="module")
def gh(url: str) -> Iterator[GitHub[TokenAuthStrategy]]:
    client = GitHub(TokenAuthStrategy(ACCOUNTS["github"][BOT].secret), base_url=url + "/", auto_retry=False)
    yield client


def test_issue_round_trip(gh: GitHub[TokenAuthStrategy]) -> None:
    issues = gh.rest.issues
    created = issues.create("acme", "shop", data={"title": "From githubkit", "labels": ["bug"]}).parsed_data
    n = created.number
    assert issues.get("acme", "shop", n).parsed_data.title == "From githubkit"
    closed = issues.update("acme", "shop", n, data={"state": "closed", "state_reason": "not_planned"}).parsed_data
    assert (closed.state, closed.state_reason) == ("closed", "not_planned")
    labels = issues.add_labels("acme", "shop", n, data={"labels": ["in-progress"]}).parsed_data
    assert [lb.name for lb in labels] == ["bug", "in-progress"]
    assert [lb.name for lb in issues.remove_label("acme", "shop", n, "bug").parsed_data] == ["in-progress"]
    assert [lb.name for lb in issues.set_labels("acme", "shop", n, data={"labels": ["paused"]}).parsed_data] == [
        "paused"]
    issues.remove_all_labels("acme", "shop", n)
    comment = issues.create_comment("acme", "shop", n, data={"body": "hi"}).parsed_data
    assert [c.id for c in issues.list_comments("acme", "shop", n).parsed_data] == [comment.id]
    # GitHub's description types this endpoint without closed/reopened events although the API returns them,
    # so githubkit cannot parse such a page: read it as JSON.
    events = issues.list_events("acme", "shop", n).json()
    assert [e["event"] for e in events] == ["labeled", "closed", "labeled", "unlabeled", "unlabeled", "labeled",
                                            "unlabeled"]
    listed = issues.list_for_repo("acme", "shop", state="all", sort="updated", direction="desc", per_page=5)
    assert listed.parsed_data[0].number == n


def test_paginator_follows_pages(gh: GitHub[TokenAuthStrategy]) -> None:
    numbers = [i.number for i in gh.rest.paginate(gh.rest.issues.list_for_repo, owner="acme", repo="shop",
                                             state="all", per_page=2, direction="asc")]
    assert numbers[:3] == [1, 2, 3] and len(numbers) == len(set(numbers))


def test_user_rate_limit_and_hooks(gh: GitHub[TokenAuthStrategy]) -> None:
    assert gh.rest.users.get_authenticated().parsed_data.login == BOT
    assert gh.rest.rate_limit.get().parsed_data.resources.core.limit == 5000
    hook = gh.rest.repos.create_webhook("acme", "shop", data={
        "config": {"url": "http://127.0.0.1:9/never", "content_type": "json"}, "events": ["issues"]}).parsed_data
    assert hook.events == ["issues"]
    gh.rest.repos.delete_webhook("acme", "shop", hook.id)


def test_errors_surface_as_githubkit_errors(url: str) -> None:
    wrong = GitHub(TokenAuthStrategy("ghp_not_a_token"), base_url=url + "/", auto_retry=False)
    with pytest.raises(RequestFailed) as failed:
        wrong.rest.issues.get("acme", "shop", 1)
    assert failed.value.response.status_code == 401
    alice = GitHub(TokenAuthStrategy(ACCOUNTS["github"][PERSON].secret), base_url=url + "/", auto_retry=False)
    with pytest.raises(RequestFailed) as invalid:
        alice.rest.issues.update("acme", "shop", 1, data={"state": "closed", "state_reason": "reopened"})
    assert invalid.value.response.status_code == 422
