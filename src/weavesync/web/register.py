"""`weavesync serve --register`: create the webhooks that point at this receiver, through each tracker's API.

- GitHub: a repository hook (``POST /repos/{owner}/{repo}/hooks``) for ``issues`` events, JSON, with the secret
  GitHub signs with (``X-Hub-Signature-256``).
- Jira: an admin webhook (``POST /rest/webhooks/1.0/webhook``) for ``jira:issue_updated`` filtered to the
  project, with the secret Jira signs with (``X-Hub-Signature``). Needs a Jira administrator's token; dynamic
  webhooks (``/rest/api/3/webhook``) are for Connect/OAuth apps only.
- Azure DevOps: a service-hook subscription (``POST {org}/_apis/hooks/subscriptions``) for ``workitem.updated``
  in the project, consumer Web Hooks with basic auth (ADO signs nothing; the secret is the password).

Registering is idempotent: an existing hook of ours (same URL) is deleted and created again, so a changed
secret takes effect. The trackers' HTTP goes through each adapter's own `HttpClient` (auth, governor, error
classification), reached as ``adapter.client.http``; the adapters themselves have no registration method, so
this module adds none to them and stays the only place that knows these endpoints.
"""

from __future__ import annotations

from typing import Any

from weavesync.config.load import WEBHOOK_SECRET_ENV
from weavesync.errors import ConfigError, ItemGone, WeavesyncError
from weavesync.executor import SyncSession
from weavesync.model import Secret, Tracker
from weavesync.trackers.http import HttpClient
from weavesync.web.app import ROUTES

HOOK_NAME = "weavesync"
ADO_USER = "weavesync"
ADO_API = "7.1"


def hook_url(base_url: str, tracker: Tracker) -> str:
    """The receiver URL for `tracker` under the public base URL the receiver is reachable at."""
    return base_url.rstrip("/") + ROUTES[tracker]


def http_of(session: SyncSession, tracker: Tracker) -> HttpClient:
    """The adapter's HTTP client (``adapter.client.http``), so registration shares its auth and rate governor."""
    client = getattr(session.adapter(tracker), "client", None)
    http = getattr(client, "http", None)
    if not isinstance(http, HttpClient):
        raise WeavesyncError(f"the {tracker.value} adapter exposes no HTTP client to register webhooks with")
    return http


def _secret(session: SyncSession, tracker: Tracker, given: Secret | str | None) -> str:
    if given is not None:
        value = given.reveal() if isinstance(given, Secret) else given
    else:
        found = session.config.webhook_secrets.get(tracker)
        value = found.reveal() if found else ""
    if not value:
        raise ConfigError(f"no webhook secret for {tracker.value}: refusing to register an unsigned webhook",
                          hint=f"export {WEBHOOK_SECRET_ENV[tracker][0]}=<a long random string>")
    return value


def register_github(http: HttpClient, place: dict[str, str], url: str, secret: str) -> str:
    repo = f"/repos/{place['owner']}/{place['repo']}/hooks"
    for hook in http.get(repo, params={"per_page": 100}).json():
        if isinstance(hook, dict) and (hook.get("config") or {}).get("url") == url:
            http.delete(f"{repo}/{hook['id']}")
    created = http.post(repo, json={"name": "web", "active": True, "events": ["issues"],
                                    "config": {"url": url, "content_type": "json", "secret": secret,
                                               "insecure_ssl": "0"}}).json()
    return f"github:{place['owner']}/{place['repo']}:hook/{created['id']}"


def _jira_hook_id(hook: dict[str, Any]) -> str:
    """Jira names a webhook only by its ``self`` URL, which ends with the id."""
    return str(hook["self"]).rstrip("/").rsplit("/", 1)[-1]


def register_jira(http: HttpClient, place: dict[str, str], url: str, secret: str) -> str:
    base = "/rest/webhooks/1.0/webhook"
    for hook in http.get(base).json():
        if isinstance(hook, dict) and hook.get("url") == url:
            http.delete(f"{base}/{_jira_hook_id(hook)}")
    created = http.post(base, json={
        "name": f"{HOOK_NAME} ({place['projectKey']})", "url": url, "events": ["jira:issue_updated"],
        "filters": {"issue-related-events-section": f"project = {place['projectKey']}"},
        "excludeBody": False, "secret": secret}).json()
    return f"jira:{place['projectKey']}:webhook/{_jira_hook_id(created)}"


def _ado_project_id(http: HttpClient, project: str) -> str:
    """The project's GUID (what the service expects in ``publisherInputs.projectId``); its name when the
    projects API is not there (the sandbox matches either)."""
    try:
        found: Any = http.get(f"/_apis/projects/{project}", params={"api-version": ADO_API}).json()
    except ItemGone:
        return project
    return str(found.get("id") or project) if isinstance(found, dict) else project


def register_ado(http: HttpClient, place: dict[str, str], url: str, secret: str) -> str:
    base = "/_apis/hooks/subscriptions"
    version = {"api-version": ADO_API}
    for sub in http.get(base, params=version).json().get("value", []):
        if isinstance(sub, dict) and (sub.get("consumerInputs") or {}).get("url") == url:
            http.delete(f"{base}/{sub['id']}", params=version)
    created = http.post(base, params=version, json={
        "publisherId": "tfs", "eventType": "workitem.updated", "resourceVersion": "1.0",
        "consumerId": "webHooks", "consumerActionId": "httpRequest",
        "publisherInputs": {"projectId": _ado_project_id(http, place["project"])},
        "consumerInputs": {"url": url, "basicAuthUsername": ADO_USER, "basicAuthPassword": secret,
                           "resourceDetailsToSend": "all", "messagesToSend": "none",
                           "detailedMessagesToSend": "none"}}).json()
    return f"ado:{place['organization']}/{place['project']}:subscription/{created['id']}"


_REGISTER = {Tracker.GITHUB: register_github, Tracker.JIRA: register_jira, Tracker.ADO: register_ado}


def register_webhooks(session: SyncSession, url: str, secret: Secret | str | None = None,
                      trackers: list[Tracker] | None = None) -> list[str]:
    """Create a webhook on every configured tracker (or `trackers`) pointing at ``url/webhooks/<tracker>``.

    `url` is the public base URL of `weavesync serve`. `secret` is used for every tracker; None takes each
    tracker's configured webhook secret (the same the receiver verifies with), and a tracker without one is a
    `ConfigError`, never an unsigned hook. Returns one id per created hook (``github:acme/shop:hook/12``).
    Tracker failures are raised as the adapter's `TrackerError`s (a Jira 403 means the token is not an admin's).
    """
    chosen = trackers if trackers is not None else [t for t in Tracker if t in session.config.trackers]
    if not chosen:
        raise ConfigError("no tracker is configured in .specweave/config.json: nothing to register",
                          hint="add a github, jira or ado block under sync (see docs/trackers.md)")
    secrets = {tracker: _secret(session, tracker, secret) for tracker in chosen}
    created: list[str] = []
    for tracker in chosen:
        place = dict(session.config.trackers.get(tracker, {}))
        created.append(_REGISTER[tracker](http_of(session, tracker), place, hook_url(url, tracker),
                                          secrets[tracker]))
    return created
