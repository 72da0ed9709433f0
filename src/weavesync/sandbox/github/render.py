"""JSON representations, complete enough that strict clients (githubkit's pydantic models) accept them.

REST and webhook shapes differ slightly: webhook schemas forbid extra keys (``additionalProperties: false``), so
`issue(..., webhook=True)` leaves out what only the REST API sends (``closed_by``, ``type``...).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from weavesync.sandbox.github.model import Comment, Event, Hook, Issue, Label, Repo, Store, User


def ts(value: datetime | None) -> str | None:
    """GitHub's timestamp shape: UTC, second precision, Z."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, ident: int) -> str:
    return base64.b64encode(f"0:{kind}{ident}".encode()).decode().rstrip("=")


def user(u: User, api: str) -> dict[str, Any]:
    base = f"{api}/users/{u.login}"
    return {
        "login": u.login, "id": u.id, "node_id": node_id("User", u.id),
        "avatar_url": f"{api}/avatars/{u.login}", "gravatar_id": "", "url": base,
        "html_url": f"{api}/{u.login}", "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}", "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs", "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}", "received_events_url": f"{base}/received_events",
        "type": u.kind, "site_admin": False,
    }


def user_by_login(store: Store, login: str | None, api: str) -> dict[str, Any] | None:
    if login is None:
        return None
    found = store.users.get(login.lower())
    return user(found, api) if found is not None else None


def private_user(u: User, api: str, now: datetime) -> dict[str, Any]:
    """``GET /user`` for the token's owner (the private profile GitHub shows yourself)."""
    out = user(u, api) | {
        "name": u.name, "company": None, "blog": "", "location": None, "email": None, "hireable": None,
        "bio": None, "twitter_username": None, "public_repos": 0, "public_gists": 0, "followers": 0,
        "following": 0, "created_at": ts(now), "updated_at": ts(now), "private_gists": 0,
        "total_private_repos": 1, "owned_private_repos": 0, "disk_usage": 0, "collaborators": 0,
        "two_factor_authentication": True, "plan": {"name": "free", "space": 976562499, "private_repos": 10000,
                                                    "collaborators": 0},
    }
    return out


def label(lb: Label, repo: Repo, api: str, *, webhook: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": lb.id, "node_id": node_id("Label", lb.id),
        "url": f"{api}/repos/{repo.full_name}/labels/{lb.name}", "name": lb.name, "color": lb.color,
        "default": lb.default, "description": lb.description,
    }
    if not webhook:
        out |= {"archived_at": None, "archived_by": None}
    return out


def issue_labels(issue: Issue, repo: Repo, api: str, *, webhook: bool = False) -> list[dict[str, Any]]:
    return [label(repo.labels[k], repo, api, webhook=webhook) for k in issue.labels]


def _reactions(url: str) -> dict[str, Any]:
    return {"url": f"{url}/reactions", "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0,
            "confused": 0, "heart": 0, "rocket": 0, "eyes": 0}


def issue(i: Issue, repo: Repo, store: Store, api: str, *, webhook: bool = False) -> dict[str, Any]:
    url = f"{api}/repos/{repo.full_name}/issues/{i.number}"
    assignees = [a for a in (user_by_login(store, login, api) for login in i.assignees) if a is not None]
    out: dict[str, Any] = {
        "url": url, "repository_url": f"{api}/repos/{repo.full_name}", "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments", "events_url": f"{url}/events",
        "html_url": f"{api}/{repo.full_name}/issues/{i.number}", "id": i.id, "node_id": node_id("Issue", i.id),
        "number": i.number, "title": i.title, "user": user_by_login(store, i.user, api),
        "labels": issue_labels(i, repo, api, webhook=webhook), "state": i.state, "locked": False,
        "assignee": assignees[0] if assignees else None, "assignees": assignees, "milestone": None,
        "comments": len(i.comments), "created_at": ts(i.created_at), "updated_at": ts(i.updated_at),
        "closed_at": ts(i.closed_at), "author_association": "MEMBER", "active_lock_reason": None,
        "body": i.body, "reactions": _reactions(url), "timeline_url": f"{url}/timeline",
        "performed_via_github_app": None, "state_reason": i.state_reason,
    }
    if not webhook:
        out |= {"closed_by": user_by_login(store, i.closed_by, api)}
    return out


def comment(c: Comment, repo: Repo, store: Store, api: str) -> dict[str, Any]:
    url = f"{api}/repos/{repo.full_name}/issues/comments/{c.id}"
    return {
        "id": c.id, "node_id": node_id("IssueComment", c.id), "url": url,
        "html_url": f"{api}/{repo.full_name}/issues/{c.issue_number}#issuecomment-{c.id}", "body": c.body,
        "user": user_by_login(store, c.user, api), "created_at": ts(c.created_at), "updated_at": ts(c.updated_at),
        "issue_url": f"{api}/repos/{repo.full_name}/issues/{c.issue_number}", "author_association": "MEMBER",
        "performed_via_github_app": None, "reactions": _reactions(url),
    }


def event(e: Event, repo: Repo, store: Store, api: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": e.id, "node_id": node_id("IssueEvent", e.id),
        "url": f"{api}/repos/{repo.full_name}/issues/events/{e.id}", "actor": user_by_login(store, e.actor, api),
        "event": e.event, "commit_id": None, "commit_url": None, "created_at": ts(e.created_at),
        "performed_via_github_app": None,
    }
    if e.label is not None:
        out["label"] = {"name": e.label, "color": e.label_color or "ededed"}
    if e.event == "closed":
        out["state_reason"] = e.state_reason
    return out


def hook(h: Hook, repo: Repo, api: str) -> dict[str, Any]:
    url = f"{api}/repos/{repo.full_name}/hooks/{h.id}"
    config: dict[str, Any] = {"url": h.url, "content_type": h.content_type, "insecure_ssl": h.insecure_ssl}
    if h.secret:
        config["secret"] = "********"
    return {
        "type": "Repository", "id": h.id, "name": "web", "active": h.active, "events": list(h.events),
        "config": config, "updated_at": ts(h.updated_at), "created_at": ts(h.created_at), "url": url,
        "test_url": f"{url}/test", "ping_url": f"{url}/pings", "deliveries_url": f"{url}/deliveries",
        "last_response": {"code": None, "status": "unused", "message": None},
    }


_REPO_URLS = {
    "forks_url": "/forks", "keys_url": "/keys{/key_id}", "collaborators_url": "/collaborators{/collaborator}",
    "teams_url": "/teams", "hooks_url": "/hooks", "issue_events_url": "/issues/events{/number}",
    "events_url": "/events", "assignees_url": "/assignees{/user}", "branches_url": "/branches{/branch}",
    "tags_url": "/tags", "blobs_url": "/git/blobs{/sha}", "git_tags_url": "/git/tags{/sha}",
    "git_refs_url": "/git/refs{/sha}", "trees_url": "/git/trees{/sha}", "statuses_url": "/statuses/{sha}",
    "languages_url": "/languages", "stargazers_url": "/stargazers", "contributors_url": "/contributors",
    "subscribers_url": "/subscribers", "subscription_url": "/subscription", "commits_url": "/commits{/sha}",
    "git_commits_url": "/git/commits{/sha}", "comments_url": "/comments{/number}",
    "issue_comment_url": "/issues/comments{/number}", "contents_url": "/contents/{+path}",
    "compare_url": "/compare/{base}...{head}", "merges_url": "/merges", "archive_url": "/{archive_format}{/ref}",
    "downloads_url": "/downloads", "issues_url": "/issues{/number}", "pulls_url": "/pulls{/number}",
    "milestones_url": "/milestones{/number}", "notifications_url": "/notifications{?since,all,participating}",
    "labels_url": "/labels{/name}", "releases_url": "/releases{/id}", "deployments_url": "/deployments",
}


def repository(repo: Repo, store: Store, api: str) -> dict[str, Any]:
    url = f"{api}/repos/{repo.full_name}"
    owner = store.users[repo.owner.lower()]
    open_count = sum(1 for i in repo.issues.values() if i.state == "open" and not i.deleted)
    host = api.split("://", 1)[-1]
    out: dict[str, Any] = {
        "id": repo.id, "node_id": node_id("Repository", repo.id), "name": repo.name,
        "full_name": repo.full_name, "private": repo.private, "owner": user(owner, api),
        "html_url": f"{api}/{repo.full_name}", "description": None, "fork": False, "url": url,
    }
    out |= {key: url + suffix for key, suffix in _REPO_URLS.items()}
    out |= {
        "created_at": ts(repo.created_at), "updated_at": ts(repo.created_at), "pushed_at": ts(repo.created_at),
        "git_url": f"git://{host}/{repo.full_name}.git", "ssh_url": f"git@{host}:{repo.full_name}.git",
        "clone_url": f"{api}/{repo.full_name}.git", "svn_url": f"{api}/{repo.full_name}", "homepage": None,
        "size": 0, "stargazers_count": 0, "watchers_count": 0, "language": None, "has_issues": True,
        "has_projects": True, "has_downloads": True, "has_wiki": True, "has_pages": False, "forks_count": 0,
        "mirror_url": None, "archived": False, "disabled": False, "open_issues_count": open_count,
        "license": None, "forks": 0, "open_issues": open_count, "watchers": 0, "default_branch": "main",
        "is_template": False, "topics": [], "visibility": "private" if repo.private else "public",
        "web_commit_signoff_required": False, "custom_properties": {},
    }
    return out
