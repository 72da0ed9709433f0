"""The GitHub Issues adapter: read many, changes since a cursor, idempotent writes, marked comments, create.

What it writes is only ever the issue's ``state`` + ``state_reason`` and the *managed* labels, each label added
or removed on its own (``POST .../labels``, ``DELETE .../labels/{name}``), so labels people set are never part
of a request and cannot be lost to a race. Reads use list pages of 100 instead of one call per item.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from weavesync.errors import AuthFailed, Rejected
from weavesync.model import Connection, ExternalState, Receipt, RemoteItem, Target, Tracker, without_userinfo
from weavesync.specweave.writers import SPECWEAVE_CLOSE_NOTE
from weavesync.trackers.base import (
    AuthInfo,
    ChangeBatch,
    TargetCheck,
    WayPoint,
    Workflow,
    WorkflowStatus,
    announces,
    partial_write,
)
from weavesync.trackers.github.client import DEFAULT_WRITES_PER_MINUTE, GitHubClient
from weavesync.trackers.github.refs import (
    OP_MARKER,
    IssueRef,
    external_state,
    format_since,
    increment_marker,
    label_names,
    op_marker,
    parse_ref,
    parse_time,
    remote_item,
)
from weavesync.trackers.http import Governor

PER_PAGE = 100
COMPLETION_PREFIX = "Status: completed,"
"""How weavesync's completion comment starts (`engine.describe.completion_comment`)."""
CLOSE_REASONS = ("completed", "not_planned", "duplicate")
OVERLAP = timedelta(seconds=2)
"""``since`` is second-granular and GitHub's search of recent updates may lag a little: re-read a margin."""
_GONE = (301, 404, 410)


def _norm_reason(reason: str | None) -> str | None:
    return "not_planned" if reason == "duplicate" else reason


class GitHubAdapter:
    """One GitHub connection (a base URL, a token and usually a default ``owner/repo``)."""

    tracker = Tracker.GITHUB

    def __init__(self, connection: Connection, *, governor: Governor | None = None,
                 writes_per_minute: float | None = DEFAULT_WRITES_PER_MINUTE,
                 transport: httpx.BaseTransport | None = None) -> None:
        if connection.token is None or not connection.token:
            raise AuthFailed("no GitHub token configured", tracker="github",
                             hint="set GITHUB_TOKEN (or GH_TOKEN) to a token with the repo scope")
        self.connection = connection
        self.base_url = without_userinfo(connection.base_url).rstrip("/")
        self.client = GitHubClient(self.base_url, connection.token.reveal(), governor=governor,
                                   writes_per_minute=writes_per_minute, transport=transport)
        self._login: str | None = None

    def __repr__(self) -> str:
        return f"GitHubAdapter(base_url={self.base_url!r}, place={dict(self.connection.place)!r})"

    # -- helpers ---------------------------------------------------------------------------------------------
    def _place(self) -> tuple[str, str]:
        owner, repo = self.connection.place.get("owner"), self.connection.place.get("repo")
        if not owner or not repo:
            raise Rejected("no GitHub repository configured (sync.github owner/repo)", tracker="github")
        return owner, repo

    @staticmethod
    def _path(ref: IssueRef) -> str:
        return f"/repos/{ref.owner}/{ref.repo}/issues/{ref.number}"

    def _item(self, issue: dict[str, Any], ref: IssueRef, managed: frozenset[str]) -> RemoteItem:
        return remote_item(issue, ref, managed, self.base_url)

    def _me(self) -> str:
        if self._login is None:
            self._login = str(self.client.http.get("/user").json()["login"])
        return self._login

    # -- read ------------------------------------------------------------------------------------------------
    def read_many(self, items: Sequence[str], managed: frozenset[str]) -> dict[str, RemoteItem | None]:
        """Per repository, walk ``state=all`` pages newest first until every wanted number is seen; numbers
        a listing cannot show (deleted, transferred) or that are cheaper to fetch alone are read one by one,
        so an item is reported gone only after GitHub said so for that very item."""
        groups: dict[tuple[str, str], dict[int, list[tuple[str, IssueRef]]]] = {}
        for text in items:
            ref = parse_ref(text)
            groups.setdefault(ref.key, {}).setdefault(ref.number, []).append((text, ref))
        out: dict[str, RemoteItem | None] = {}
        for wanted in groups.values():
            found = self._scan(wanted)
            for number, entries in wanted.items():
                for text, ref in entries:
                    issue = found.get(number)
                    out[text] = None if issue is None else self._item(issue, ref, managed)
        return out

    def _scan(self, wanted: dict[int, list[tuple[str, IssueRef]]]) -> dict[int, dict[str, Any]]:
        sample = next(iter(wanted.values()))[0][1]
        remaining = set(wanted)
        found: dict[int, dict[str, Any]] = {}
        if len(remaining) > 1:
            params = {"state": "all", "sort": "created", "direction": "desc", "per_page": PER_PAGE}
            path = f"/repos/{sample.owner}/{sample.repo}/issues"
            for page, _ in self.client.pages(path, params):
                for issue in page:
                    if issue["number"] in remaining:
                        remaining.discard(issue["number"])
                        found[issue["number"]] = issue
                if not remaining or not page:
                    break
                lowest = int(page[-1]["number"])
                if lowest <= min(remaining) or -(-(lowest - min(remaining)) // PER_PAGE) > len(remaining):
                    break
        for number in sorted(remaining):
            ref = IssueRef(sample.owner, sample.repo, number)
            status, issue = self.client.get_cached(self._path(ref), item=str(ref), ok_statuses=_GONE)
            if status == 200:
                found[number] = issue
        return found

    def changed_since(self, cursor: str | None, managed: frozenset[str]) -> ChangeBatch:
        """Issues of the configured repository updated since `cursor` (an ``updated_at``), oldest first.

        Each request starts at the last ``updated_at`` already seen (``since`` is inclusive) instead of
        following page numbers: an issue updated while we read moves to the end of the ordering, and page
        numbers would then skip the one that slid into the page already read. Items sharing one second with
        more than a page's worth of others are paged through with ``page``. First read (no cursor): the 100
        most recently updated.
        """
        owner, repo = self._place()
        path = f"/repos/{owner}/{repo}/issues"
        newest: dict[int, dict[str, Any]] = {}
        server_now: datetime | None = None
        if cursor is None:
            response = self.client.http.get(path, params={"state": "all", "sort": "updated", "direction": "desc",
                                                          "per_page": PER_PAGE})
            server_now = _date_header(response)
            self._keep_newest(newest, reversed(response.json()))
        else:
            since = (parse_time(cursor) or datetime.now(UTC)) - OVERLAP
            page = 1
            while True:
                params = {"state": "all", "sort": "updated", "direction": "asc", "since": format_since(since),
                          "per_page": PER_PAGE, "page": page}
                batch = self.client.http.get(path, params=params).json()
                self._keep_newest(newest, batch)
                if len(batch) < PER_PAGE:
                    break
                last = parse_time(batch[-1]["updated_at"]) or since
                if last > since:
                    since, page = last, 1
                else:
                    page += 1
        items = list(newest.values())
        remote = [self._item(i, IssueRef(owner, repo, int(i["number"])), managed) for i in items]
        versions = [str(i["updated_at"]) for i in items]
        if cursor is not None:
            versions.append(cursor)
        if not versions and server_now is not None:
            versions.append(format_since(server_now))
        new_cursor = max(versions, key=lambda v: parse_time(v) or datetime.min.replace(tzinfo=UTC), default="")
        return ChangeBatch(items=remote, cursor=new_cursor)

    @staticmethod
    def _keep_newest(newest: dict[int, dict[str, Any]], batch: Iterable[dict[str, Any]]) -> None:
        """Dedupe by item, keeping the latest version seen (an item may show up twice across overlaps) at the
        place the server's oldest-first order puts it."""
        for issue in batch:
            number = int(issue["number"])
            seen = newest.get(number)
            if seen is None or str(issue["updated_at"]) > str(seen["updated_at"]):
                newest.pop(number, None)
                newest[number] = issue

    # -- write -----------------------------------------------------------------------------------------------
    def write(self, item: str, target: Target, managed: frozenset[str], *, resolution: str | None = None,
              current: RemoteItem | None = None) -> Receipt:
        """Re-read (unless the caller hands a fresh `current`), then change only what differs:
        state/state_reason, then each managed label on its own. `resolution` is a Jira notion and ignored."""
        issue = _issue_view(current) if current is not None else None
        receipt, _ = self._write(parse_ref(item), item, target, managed, issue)
        return receipt

    def _write(self, ref: IssueRef, item: str, target: Target, managed: frozenset[str],
               current: dict[str, Any] | None) -> tuple[Receipt, dict[str, Any]]:
        path = self._path(ref)
        refused = _refusal(target, item)
        if refused is not None:
            raise refused
        want = target.state.casefold() if target.state else None
        reason = target.reason
        issue = current if current is not None else self.client.get_cached(path, item=item)[1]
        changed = False
        if want == "closed" and issue["state"] != "closed":
            issue = self._patch(path, item, {"state": "closed", "state_reason": reason or "completed"})
            changed = True
        elif want == "closed" and reason and _norm_reason(issue.get("state_reason")) != _norm_reason(reason):
            # Naming the state again with the new reason re-closes the issue with it: one PATCH, one ``closed``
            # event. Never reopen-then-close: that is two more events, a reopen notification, and a window in
            # which the issue looks reopened by a person to anyone reading it.
            issue = self._patch(path, item, {"state": "closed", "state_reason": reason})
            if _norm_reason(issue.get("state_reason")) != _norm_reason(reason):
                raise Rejected(f"GitHub kept close reason {issue.get('state_reason')!r} instead of {reason!r}",
                               tracker="github", item=item, hint="change the close reason by hand, then sync")
            changed = True
        elif want == "open" and issue["state"] != "open":
            issue = self._patch(path, item, {"state": "open"})
            changed = True
        if self._sync_labels(path, item, issue, target, managed):
            changed = True
            self.client.forget(path)
            issue = self.client.get_cached(path, item=item)[1]
        state = external_state(issue, managed | target.markers)
        receipt = Receipt(link_item=item, tracker=Tracker.GITHUB, state=state, version=str(issue["updated_at"]),
                          changed=changed, at=parse_time(issue.get("updated_at")))
        return receipt, issue

    def _patch(self, path: str, item: str, body: dict[str, Any]) -> dict[str, Any]:
        self.client.forget(path)
        result: dict[str, Any] = self.client.http.patch(path, item=item, json=body).json()
        return result

    def _sync_labels(self, path: str, item: str, issue: dict[str, Any], target: Target,
                     managed: frozenset[str]) -> bool:
        present = {name.casefold(): name for name in label_names(issue)}
        wanted = {m.casefold(): m for m in target.markers}
        ours = {m.casefold() for m in managed} | set(wanted)
        touched = False
        for key, name in sorted(wanted.items()):
            if key not in present:
                self.client.http.post(f"{path}/labels", item=item, json={"labels": [name]})
                touched = True
        for key, name in sorted(present.items()):
            if key in ours and key not in wanted:
                # 404: someone removed it meanwhile, which is what we wanted
                self.client.http.delete(f"{path}/labels/{quote(name, safe='')}", item=item, ok_statuses=(404,))
                touched = True
        return touched

    def is_partial_write(self, before: ExternalState, target: Target, observed: ExternalState,
                         managed: frozenset[str]) -> bool:
        """A write is the state PATCH, then one call per managed label: on the way means state + reason as
        before or as the target, with the managed labels a mix of old and new (either part may come first)."""
        return partial_write(_way_point(before, target, observed), before, target, observed, managed)

    # -- comment and create -------------------------------------------------------------------------------
    def comment(self, item: str, body: str, op_id: str, *, first_attempt: bool = False,
                announced_since: datetime | None = None) -> bool:
        """Post once per `op_id`: the marker is looked for in the existing comments first, unless the caller
        knows this is the operation's first attempt (nothing can carry the marker yet). With `announced_since`,
        once per closure too (`TrackerAdapter.comment`)."""
        ref = parse_ref(item)
        marker = op_marker(op_id)
        path = f"{self._path(ref)}/comments"
        completion = body.startswith(COMPLETION_PREFIX)
        if not first_attempt:
            for page, _ in self.client.pages(path, {"per_page": PER_PAGE}, item=item):
                if any(marker in (c.get("body") or "") for c in page):
                    return False
                if completion and any(SPECWEAVE_CLOSE_NOTE in (c.get("body") or "") for c in page):
                    return False  # SpecWeave's own closer announced the completion: no second comment
                if any(_same_announcement(c, body, announced_since) for c in page):
                    return False
        self.client.http.post(path, item=item, json={"body": f"{body.rstrip()}\n\n{marker}"})
        return True

    def create(self, title: str, body: str, marker: str, target: Target, managed: frozenset[str],
               *, item_type: str | None = None) -> RemoteItem:
        """Create an issue carrying a hidden increment marker, unless one of ours already carries it (a retry
        after a lost response); then bring it to `target`. `created` says which of the two happened."""
        owner, repo = self._place()
        hidden = increment_marker(marker)
        issue = self._find_marked(owner, repo, hidden)
        made = issue is None
        if issue is None:
            text = body if hidden in body else f"{body.rstrip()}\n\n{hidden}".lstrip()
            issue = self.client.http.post(f"/repos/{owner}/{repo}/issues", json={
                "title": title, "body": text, "labels": sorted(target.markers)}).json()
        ref = IssueRef(owner, repo, int(issue["number"]))
        _, issue = self._write(ref, str(ref), target, managed, issue)
        return replace(self._item(issue, ref, managed | target.markers), created=made)

    def _find_marked(self, owner: str, repo: str, hidden: str) -> dict[str, Any] | None:
        params = {"state": "all", "creator": self._me(), "sort": "created", "direction": "desc",
                  "per_page": PER_PAGE}
        for page, _ in self.client.pages(f"/repos/{owner}/{repo}/issues", params):
            for issue in page:
                if hidden in (issue.get("body") or ""):
                    return issue
        return None

    # -- who changed it -------------------------------------------------------------------------------------
    def last_change(self, item: str, managed: frozenset[str] = frozenset()) -> tuple[str | None, datetime | None]:
        """The newest ``closed``/``reopened`` event, or ``labeled``/``unlabeled`` of a managed label, from the
        issue's events (an issue names who closed it, never who reopened it). Pages are read with their ETags,
        so asking again about an unchanged issue costs no rate budget."""
        ref = parse_ref(item)
        wanted = {m.casefold() for m in managed}
        newest: tuple[datetime, str | None] | None = None
        for page in self.client.cached_pages(f"{self._path(ref)}/events", {"per_page": PER_PAGE}, item=item):
            for event in page:
                if not _counts(event, wanted):
                    continue
                when = parse_time(event.get("created_at"))
                if when is None or (newest is not None and when < newest[0]):
                    continue
                actor = event.get("actor") or {}
                newest = (when, str(actor["login"]) if isinstance(actor, dict) and actor.get("login") else None)
        return (newest[1], newest[0]) if newest is not None else (None, None)

    # -- describe and auth ----------------------------------------------------------------------------------
    def describe_workflow(self, item: str | None = None, item_type: str | None = None) -> Workflow:
        """GitHub issues have two states, each reachable from the other; closing takes a reason."""
        return Workflow(item_type=item_type or "issue",
                        statuses=[WorkflowStatus("open", "open"), WorkflowStatus("closed", "closed")],
                        transitions={"open": ["closed"], "closed": ["open"]})

    def check_target(self, target: Target, *, item: str | None = None, item_type: str | None = None,
                     resolution: str | None = None) -> TargetCheck:
        """Open and closed each reach the other in one step and GitHub has no screens, so only the target's own
        values can be wrong (the same `_refusal` that `write` raises). No call is made: the current state is not
        needed to answer, so `path` stays empty."""
        refused = _refusal(target, item)
        if refused is not None:
            return TargetCheck(state=None, reachable=False, problem=refused.message)
        return TargetCheck(state=target.state.casefold() if target.state else None, reachable=True)

    def check_auth(self) -> AuthInfo:
        """``GET /user`` (raises `AuthFailed` for a bad token), scopes from ``X-OAuth-Scopes`` (absent for
        fine-grained tokens), then whether the configured repository is visible."""
        response = self.client.http.get("/user")
        login = str(response.json()["login"])
        self._login = login
        header = response.headers.get("x-oauth-scopes")
        scopes = [s.strip() for s in header.split(",") if s.strip()] if header is not None else None
        detail = None
        if scopes is not None and not {"repo", "public_repo"} & set(scopes):
            detail = "the token has no repo scope: reading may work, writing will not"
        owner, repo = self.connection.place.get("owner"), self.connection.place.get("repo")
        if owner and repo:
            seen = self.client.http.get(f"/repos/{owner}/{repo}", ok_statuses=(404,))
            if seen.status_code == 404:
                return AuthInfo(ok=False, user=login, scopes=scopes,
                                detail=f"{login} cannot see {owner}/{repo} (404): check the name and access")
        return AuthInfo(ok=True, user=login, scopes=scopes, detail=detail)

    def close(self) -> None:
        self.client.close()


def _refusal(target: Target, item: str | None) -> Rejected | None:
    """Why GitHub cannot take `target` at all (a state other than open/closed, an unknown close reason)."""
    if target.state and target.state.casefold() not in ("open", "closed"):
        return Rejected(f"GitHub issues are open or closed, not {target.state!r}", tracker="github", item=item)
    if target.reason is not None and target.reason not in CLOSE_REASONS:
        return Rejected(f"GitHub close reasons are {', '.join(CLOSE_REASONS)}, not {target.reason!r}",
                        tracker="github", item=item)
    return None


def _way_point(before: ExternalState, target: Target, observed: ExternalState) -> WayPoint:
    """Where `observed`'s state and close reason stand between `before`'s and what `_write` makes of `target`."""

    def key(state: ExternalState) -> tuple[str, str | None]:
        folded = state.state.casefold()
        return folded, _norm_reason(state.reason) if folded == "closed" else None

    at_start = key(observed) == key(before)
    want = target.state.casefold() if target.state else None
    if want is None:
        return WayPoint(at_start=at_start, at_goal=at_start)
    state, reason = key(observed)
    at_goal = state == want and (want == "open" or not target.reason or reason == _norm_reason(target.reason))
    return WayPoint(at_start=at_start, at_goal=at_goal)


def _issue_view(item: RemoteItem) -> dict[str, Any]:
    """The fields `_write` looks at, from a caller's fresh observation instead of a GET of the issue.

    The labels are only the observed managed ones; `_write` only ever adds or removes managed labels, so the
    people's labels it cannot see here are never part of a request."""
    return {"state": item.state.state, "state_reason": item.state.reason, "labels": sorted(item.state.markers),
            "updated_at": item.version}


def _counts(event: dict[str, Any], managed: set[str]) -> bool:
    """Whether an issue event changed the managed status: a close, a reopen, or a managed label (casefolded)."""
    kind = event.get("event")
    if kind in ("closed", "reopened"):
        return True
    label = event.get("label") or {}
    return kind in ("labeled", "unlabeled") and str(label.get("name", "")).casefold() in managed


def _date_header(response: httpx.Response) -> datetime | None:
    value = response.headers.get("date")
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return None


def _same_announcement(comment: dict[str, Any], body: str, since: datetime | None) -> bool:
    """A comment of weavesync's (it carries an operation marker) with `body`, made since the closure began."""
    text = comment.get("body") or ""
    return (text.startswith(f"{body.rstrip()}\n\n{OP_MARKER.partition('{')[0]}")
            and announces(parse_time(comment.get("created_at")), since))
