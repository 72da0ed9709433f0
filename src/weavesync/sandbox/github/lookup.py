"""Finding the repository and issue a request names, and GitHub's page/per_page/Link pagination."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar
from urllib.parse import urlencode

from weavesync.sandbox.github.api import ApiError, Req, invalid, not_found
from weavesync.sandbox.github.model import Issue, Repo, Store

T = TypeVar("T")
MAX_PER_PAGE = 100


def find_repo(store: Store, req: Req) -> Repo:
    """The repository of the path; a private one is a 404 to anyone without access, as on GitHub."""
    repo = store.repo(req.params["owner"], req.params["repo"])
    if repo is None or (repo.private and req.user is None):
        raise not_found()
    return repo


def find_issue(repo: Repo, req: Req) -> Issue:
    try:
        number = int(req.params["issue_number"])
    except ValueError:
        raise not_found() from None
    issue = repo.issues.get(number)
    if issue is None:
        raise not_found()
    if issue.deleted:
        raise ApiError(410, "This issue was deleted")
    return issue


def page_args(req: Req) -> tuple[int, int]:
    """(page, per_page): per_page defaults to 30 and is capped at 100, as GitHub does silently."""
    try:
        per_page = int(req.query.get("per_page", "30"))
        page = int(req.query.get("page", "1"))
    except ValueError:
        raise invalid("Issue", "per_page") from None
    return max(1, page), min(MAX_PER_PAGE, max(1, per_page))


def paginate(items: Sequence[T], req: Req, base_url: str) -> tuple[list[T], dict[str, str]]:
    """One page of `items` and the ``Link`` header (next/last/first/prev), absent when everything fits."""
    page, per_page = page_args(req)
    start = (page - 1) * per_page
    chunk = list(items[start:start + per_page])
    last = max(1, -(-len(items) // per_page))
    if last == 1:
        return chunk, {}
    query = [(k, v) for k, v in req.query.multi_items() if k != "page"]
    if not any(k == "per_page" for k, _ in query):
        query.append(("per_page", str(per_page)))

    def link(n: int, rel: str) -> str:
        return f'<{base_url}{req.request.url.path}?{urlencode([*query, ("page", str(n))])}>; rel="{rel}"'

    rels: list[str] = []
    if page > 1:
        rels.append(link(page - 1, "prev"))
    if page < last:
        rels.append(link(page + 1, "next"))
        rels.append(link(last, "last"))
    if page > 1:
        rels.append(link(1, "first"))
    return chunk, {"link": ", ".join(rels)}
