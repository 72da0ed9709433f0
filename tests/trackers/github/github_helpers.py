"""Shared bits of the GitHub adapter tests (a module name no other test folder uses)."""

from __future__ import annotations

from sandbox_clients import request_counts, reset_request_counts

MANAGED = frozenset({"backlog", "in-progress", "paused", "in-review", "wontfix"})


class Stats:
    """The sandbox's per-route request counter."""

    def __init__(self, url: str) -> None:
        self.url = url

    def reset(self) -> None:
        reset_request_counts(self.url)

    def requests(self) -> dict[str, int]:
        return request_counts(self.url)

    def total(self) -> int:
        return sum(self.requests().values())

    def writes(self) -> int:
        return sum(n for k, n in self.requests().items() if k.split()[0] in ("POST", "PATCH", "PUT", "DELETE"))
