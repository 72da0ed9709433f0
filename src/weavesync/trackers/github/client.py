"""GitHub REST over the shared `HttpClient`: headers, the rate-limit test for 403s, pages, conditional GETs.

A 403 is a rate limit (retryable) only when GitHub says so in headers: ``x-ratelimit-remaining: 0`` (primary)
or a ``retry-after`` (secondary); every other 403 is a permission problem. Single-issue GETs keep the ETag of
the last answer and send ``If-None-Match``: a 304 costs no rate budget and returns the remembered body (and so
do the pages of an issue's events, which `cached_pages` reads).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from weavesync.trackers.http import Governor, HttpClient, governor_for

API_VERSION = "2022-11-28"
DEFAULT_WRITES_PER_MINUTE = 60.0
"""GitHub asks for at least one second between writes of one user; it keeps secondary limits well away."""
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def is_rate_limited(response: httpx.Response) -> bool:
    """A 403/429 that is GitHub's primary (remaining 0) or secondary (retry-after) limit, not a refusal."""
    if response.status_code not in (403, 429):
        return False
    headers = response.headers
    return headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers


def next_link(response: httpx.Response) -> str | None:
    match = _NEXT.search(response.headers.get("link", ""))
    return match.group(1) if match else None


class GitHubClient:
    def __init__(self, base_url: str, token: str, *, governor: Governor | None = None,
                 writes_per_minute: float | None = DEFAULT_WRITES_PER_MINUTE,
                 transport: httpx.BaseTransport | None = None) -> None:
        if governor is None:
            governor = governor_for("github", base_url.rstrip("/"), token,
                                    lambda: Governor(writes_per_minute=writes_per_minute))
        self.http = HttpClient(
            tracker="github", base_url=base_url, auth_header=f"Bearer {token}", credential_id=token,
            extra_headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION},
            governor=governor, is_rate_limited=is_rate_limited, transport=transport)
        self._etags: dict[str, tuple[str, Any]] = {}
        self._page_etags: dict[str, tuple[str, list[dict[str, Any]], str | None]] = {}
        """Per page URL (query included): its ETag, body and ``rel="next"`` link, for `cached_pages`."""

    def __repr__(self) -> str:
        return f"GitHubClient(base_url={self.http.base_url!r})"

    def get_cached(self, path: str, *, item: str | None = None, ok_statuses: tuple[int, ...] = ()
                   ) -> tuple[int, Any]:
        """(status, body) of a GET, answered from the remembered body on a 304."""
        cached = self._etags.get(path)
        headers = {"If-None-Match": cached[0]} if cached else None
        response = self.http.get(path, item=item, headers=headers, ok_statuses=ok_statuses)
        if response.status_code == 304 and cached is not None:
            return 200, cached[1]
        if response.status_code != 200:
            self._etags.pop(path, None)
            return response.status_code, None
        body = response.json()
        etag = response.headers.get("etag")
        if etag:
            self._etags[path] = (etag, body)
        return 200, body

    def forget(self, path: str) -> None:
        """Drop the remembered body of `path` (after a write changed it)."""
        self._etags.pop(path, None)

    def pages(self, path: str, params: Mapping[str, Any], *, item: str | None = None
              ) -> Iterator[tuple[list[dict[str, Any]], httpx.Response]]:
        """Every page of a list endpoint, following ``rel="next"`` as GitHub asks (never built by hand)."""
        url: str | None = path
        query: Mapping[str, Any] | None = params
        while url is not None:
            response = self.http.get(url, item=item, params=query)
            yield response.json(), response
            url, query = next_link(response), None

    def cached_pages(self, path: str, params: Mapping[str, Any], *, item: str | None = None
                     ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a list endpoint like `pages`, each GET conditional on the ETag of that page's last
        answer: an unchanged page is a 304 (no rate budget) answered from the remembered body and next link."""
        url: str | None = f"{path}?{urlencode(params)}" if params else path
        while url is not None:
            cached = self._page_etags.get(url)
            headers = {"If-None-Match": cached[0]} if cached else None
            response = self.http.get(url, item=item, headers=headers)
            if response.status_code == 304 and cached is not None:
                body, following = cached[1], cached[2]
            else:
                body, following = response.json(), next_link(response)
                etag = response.headers.get("etag")
                if etag:
                    self._page_etags[url] = (etag, body, following)
                else:
                    self._page_etags.pop(url, None)
            yield body
            url = following

    def close(self) -> None:
        self.http.close()
