"""Seed data: the ``acme`` organisation, its private repository ``acme/shop``, the accounts and a few issues.

``empty`` keeps the accounts, the repository and its default labels but no issues. `bulk` creates many issues
fast (no webhooks) for benchmarks, through the ``POST /_sandbox/seed`` control.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from weavesync.sandbox.github.model import Repo, Store
from weavesync.sandbox.server import Account

OWNER = "acme"
REPO = "shop"

DEFAULT_LABELS = (
    ("bug", "d73a4a", "Something isn't working"),
    ("documentation", "0075ca", "Improvements or additions to documentation"),
    ("duplicate", "cfd3d7", "This issue or pull request already exists"),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
)


def seed(store: Store, accounts: Mapping[str, Account], kind: str) -> Repo:
    store.add_user(OWNER, "Acme Inc.", kind="Organization")
    for login, account in accounts.items():
        store.add_user(login, account.display_name)
    repo = store.add_repo(OWNER, REPO)
    for name, color, description in DEFAULT_LABELS:
        store.ensure_label(repo, name, color, description, default=True)
    if kind == "default":
        person = "alice"
        store.create_issue(repo, person, "Checkout: pay with a saved card", "As a shopper I want to reuse my card.",
                           ["enhancement"], notify=False)
        fixed = store.create_issue(repo, person, "Cart totals round the wrong way", "12.345 shows as 12.34.",
                                   ["bug"], notify=False)
        store.set_state(repo, fixed, person, "closed", "completed")
        dropped = store.create_issue(repo, person, "Import legacy coupons", None, [], notify=False)
        store.set_state(repo, dropped, person, "closed", "not_planned")
    return repo


def bulk(store: Store, data: Mapping[str, Any]) -> dict[str, Any]:
    """Create ``count`` issues in ``repo`` (default acme/shop) by ``by`` (default alice); every
    ``closed_every``-th one closed as completed; ``labels`` on each; ``body`` may contain ``{n}``."""
    owner, _, name = str(data.get("repo", f"{OWNER}/{REPO}")).partition("/")
    repo = store.repo(owner, name)
    if repo is None:
        raise ValueError(f"no repository {owner}/{name}")
    count = int(data.get("count", 0))
    if not 0 < count <= 20000:
        raise ValueError("count must be between 1 and 20000")
    by = str(data.get("by", "alice"))
    labels = [str(x) for x in data.get("labels", [])]
    every = int(data.get("closed_every", 0))
    title = str(data.get("title", "Seeded issue {n}"))
    body = data.get("body")
    numbers: list[int] = []
    with store.lock:
        for k in range(count):
            n = repo.next_number
            issue = store.create_issue(repo, by, title.format(n=n),
                                       None if body is None else str(body).format(n=n), labels, notify=False)
            if every and (k + 1) % every == 0:
                issue.state, issue.state_reason = "closed", "completed"
                issue.closed_at, issue.closed_by = issue.updated_at, by
            numbers.append(issue.number)
    return {"first": numbers[0], "last": numbers[-1], "count": len(numbers)}
