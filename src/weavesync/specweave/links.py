"""Every shape of external link SpecWeave has ever written, read into one normalised `Link`.

SpecWeave stores links in at least seven places (research/specweave.md §1.3); its own readers walk
different fallback chains per tracker, which is how issues get lost. weavesync reads all of them at once and
deduplicates on `Link.key`. Each found link also remembers *where* it was found (`Found.path`, `Found.keys`),
so `writer.remove_link` can delete it from every shape. An unknown shape yields a warning naming the file and
the field, never an exception: one odd key must not stop a sync of everything else.

Canonical items: GitHub ``owner/repo#N``, Jira ``KEY-N``, ADO ``org/project/ID``. When the repository (or ADO
organization/project) is not in the link itself, the caller's configured default fills it in; without one the
item stays ``#N`` (or the bare ID) and a warning says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from weavesync.model import Link, LinkRole, Tracker

PathPart = str | int
Path_ = tuple[PathPart, ...]

_GITHUB_URL = re.compile(r"github\.com/([^/\s]+)/([^/\s#?]+)/(?:issues|pull)/(\d+)", re.IGNORECASE)
_ADO_URL = re.compile(
    r"(?:dev\.azure\.com/([^/\s]+)|//([^./\s]+)\.visualstudio\.com)/([^/\s]+)/_workitems/edit/(\d+)",
    re.IGNORECASE,
)
_JIRA_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_STORY = re.compile(r"^us-?(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Defaults:
    """The project's configured coordinates, used only when a link does not carry its own."""

    github_repo: str | None = None
    ado: tuple[str, str] | None = None


@dataclass(frozen=True)
class Found:
    """One link and where it sits in metadata.json.

    With `keys` None, the node at `path` (a dict entry or a list element) is the link and is deleted whole;
    otherwise `keys` are deleted from the dict at `path` (the link shares that dict with other data).
    `file` is None for metadata.json, else the living-docs file the link came from (not editable here).
    """

    link: Link
    path: Path_
    keys: tuple[str, ...] | None = None
    file: str | None = None


@dataclass
class LinkReader:
    """Collects links and warnings for one increment."""

    file: str
    defaults: Defaults = field(default_factory=Defaults)
    found: list[Found] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    # ---- entry points -------------------------------------------------------------------------------------

    def read_metadata(self, metadata: Mapping[str, Any]) -> None:
        """Read every link shape in a metadata.json object (1.0.x shapes first, then the older ones)."""
        ext = metadata.get("externalLinks")
        if ext is not None:
            self._external_links(ext)
        legacy = (("github", self._legacy_github), ("jira", self._legacy_jira), ("ado", self._legacy_ado))
        for tracker, reader in legacy:
            if tracker in metadata:
                reader(metadata[tracker], (tracker,))
        if "external_sync" in metadata:
            self._external_sync(metadata["external_sync"])
        if "external_ref" in metadata:
            self._external_ref(metadata["external_ref"])

    def read_user_story(self, front: Mapping[str, Any], file: str, story: str | None) -> None:
        """Read `external_tools` from a living-docs user-story file's front matter (role user-story)."""
        tools = front.get("external_tools")
        if tools is None:
            return
        where = (file, "external_tools")
        if not isinstance(tools, Mapping):
            self._warn_at(where, "expected a mapping")
            return
        story_id = _story_id(front.get("id")) or story
        for name, value in tools.items():
            where_text = f"{file}: external_tools.{name}"
            path: Path_ = ("external_tools", name)
            role = LinkRole.USER_STORY
            if not isinstance(value, Mapping):
                self.warnings.append(f"{where_text}: expected a mapping")
            elif name == "github":
                number = value.get("number", value.get("issue", value.get("issueNumber")))
                self._github(number, value.get("url"), value.get("repo"), role, story_id, where_text, path, None,
                             living=file)
            elif name == "jira":
                key = value.get("key", value.get("issueKey"))
                self._jira(key, value.get("url"), value.get("projectKey"), role, story_id, where_text, path, None,
                           living=file)
            elif name == "ado":
                ident = value.get("id", value.get("workItemId"))
                self._ado(ident, value.get("url"), value, role, story_id, where_text, path, None, living=file)
            else:
                self.warnings.append(f"{where_text}: unknown tracker, ignored")

    def links(self) -> list[Link]:
        """The links found, deduplicated on `Link.key` (first shape read wins)."""
        seen: dict[str, Link] = {}
        for found in self.found:
            seen.setdefault(found.link.key, found.link)
        return list(seen.values())

    # ---- metadata shapes ----------------------------------------------------------------------------------

    def _external_links(self, ext: Any) -> None:
        if not isinstance(ext, Mapping):
            self._warn(("externalLinks",), "expected an object")
            return
        for name, value in ext.items():
            path: Path_ = ("externalLinks", name)
            if not isinstance(value, Mapping):
                self._warn(path, "expected an object")
                continue
            if name == "github":
                self._ext_github(value, path)
            elif name == "jira":
                self._ext_jira(value, path)
            elif name == "ado":
                self._ext_ado(value, path)
            else:
                self._warn(path, "unknown tracker, ignored")

    def _ext_github(self, value: Mapping[str, Any], path: Path_) -> None:
        recognised = False
        if "issueNumber" in value or "issue" in value:
            recognised = True
            number = value.get("issueNumber", value.get("issue"))
            self._github(number, value.get("issueUrl", value.get("url")), _repo_of(value), LinkRole.INCREMENT,
                         None, _where(self.file, path), path,
                         _present(value, "issueNumber", "issue", "issueUrl", "url", "repo", "state", "syncedAt"))
        for stories_key in ("issues", "userStories"):
            if stories_key in value:
                recognised = True
                self._story_items(value[stories_key], (*path, stories_key), Tracker.GITHUB, _repo_of(value))
        if not recognised and _has_link_like_keys(value):
            self._warn(path, "unrecognised link shape, ignored")

    def _ext_jira(self, value: Mapping[str, Any], path: Path_) -> None:
        recognised = False
        for key_field, url_field in (("epicKey", "epicUrl"), ("issueKey", "issueUrl")):
            if key_field in value:
                recognised = True
                self._jira(value[key_field], value.get(url_field), value.get("projectKey"), LinkRole.INCREMENT,
                           None, _where(self.file, (*path, key_field)), path, (key_field, url_field))
        if "issues" in value:
            recognised = True
            self._story_items(value["issues"], (*path, "issues"), Tracker.JIRA, None)
        if not recognised and _has_link_like_keys(value):
            self._warn(path, "unrecognised link shape, ignored")

    def _ext_ado(self, value: Mapping[str, Any], path: Path_) -> None:
        recognised = False
        for id_field, url_field in (("featureId", "featureUrl"), ("workItemId", "workItemUrl")):
            if id_field in value:
                recognised = True
                self._ado(value[id_field], value.get(url_field), value, LinkRole.INCREMENT, None,
                          _where(self.file, (*path, id_field)), path, (id_field, url_field))
        if "workItems" in value:
            recognised = True
            self._story_items(value["workItems"], (*path, "workItems"), Tracker.ADO, value)
        if not recognised and _has_link_like_keys(value):
            self._warn(path, "unrecognised link shape, ignored")

    def _story_items(self, items: Any, path: Path_, tracker: Tracker, context: Any) -> None:
        """Per-user-story items: ``{US-001: {...}}`` (1.0.x) or ``[{userStory, number, url}]`` (legacy list)."""
        entries: Iterator[tuple[PathPart, Any, str | None]]
        if isinstance(items, Mapping):
            entries = ((key, entry, str(key)) for key, entry in items.items())
        elif isinstance(items, list):
            entries = (
                (i, entry, _opt(entry.get("userStory")) if isinstance(entry, Mapping) else None)
                for i, entry in enumerate(items)
            )
        else:
            self._warn(path, "expected an object or a list")
            return
        for key, entry, story in entries:
            entry_path = (*path, key)
            if not isinstance(entry, Mapping):
                self._warn(entry_path, "expected an object")
                continue
            where = _where(self.file, entry_path)
            role = LinkRole.USER_STORY if story else LinkRole.INCREMENT
            if tracker is Tracker.GITHUB:
                number = entry.get("issueNumber", entry.get("number", entry.get("issue")))
                url = entry.get("issueUrl", entry.get("url"))
                self._github(number, url, entry.get("repo") or context, role, story, where, entry_path, None)
            elif tracker is Tracker.JIRA:
                self._jira(entry.get("issueKey", entry.get("key")), entry.get("issueUrl", entry.get("url")), None,
                           role, story, where, entry_path, None)
            else:
                ctx = {**(context if isinstance(context, Mapping) else {}), **entry}
                self._ado(entry.get("workItemId", entry.get("id")), entry.get("workItemUrl", entry.get("url")), ctx,
                          role, story, where, entry_path, None)

    def _legacy_github(self, value: Any, path: Path_) -> None:
        """FS-031 ``github: {issue, url}`` and 1.0.x ``github: {issues: [{userStory, number, url}]}``."""
        if not isinstance(value, Mapping):
            self._warn(path, "expected an object")
            return
        recognised = False
        if "issue" in value or "issueNumber" in value:
            recognised = True
            number = value.get("issue", value.get("issueNumber"))
            self._github(number, value.get("url", value.get("issueUrl")), _repo_of(value), LinkRole.INCREMENT, None,
                         _where(self.file, path), path, _present(value, "issue", "issueNumber", "url", "issueUrl",
                                                                  "repo", "synced", "syncedAt"))
        if "issues" in value:
            recognised = True
            self._story_items(value["issues"], (*path, "issues"), Tracker.GITHUB, _repo_of(value))
        if not recognised and _has_link_like_keys(value):
            self._warn(path, "unrecognised link shape, ignored")

    def _legacy_jira(self, value: Any, path: Path_) -> None:
        """FS-031 ``jira: {issue: "PROJ-123", url}``."""
        if not isinstance(value, Mapping):
            self._warn(path, "expected an object")
            return
        key_field = next((k for k in ("issue", "issueKey", "key", "epicKey") if k in value), None)
        if key_field is None:
            if _has_link_like_keys(value):
                self._warn(path, "unrecognised link shape, ignored")
            return
        self._jira(value[key_field], value.get("url"), value.get("projectKey"), LinkRole.INCREMENT, None,
                   _where(self.file, (*path, key_field)), path, _present(value, key_field, "url", "synced", "syncedAt"))

    def _legacy_ado(self, value: Any, path: Path_) -> None:
        """FS-031 ``ado: {workItem: 456, url}`` and the closure fallback ``ado: {work_item_id}``."""
        if not isinstance(value, Mapping):
            self._warn(path, "expected an object")
            return
        id_field = next((k for k in ("workItem", "work_item_id", "workItemId", "id") if k in value), None)
        if id_field is None:
            if _has_link_like_keys(value):
                self._warn(path, "unrecognised link shape, ignored")
            return
        self._ado(value[id_field], value.get("url"), value, LinkRole.INCREMENT, None,
                  _where(self.file, (*path, id_field)), path, _present(value, id_field, "url", "synced", "syncedAt"))

    def _external_sync(self, value: Any) -> None:
        """``external_sync.github.issue`` (the github-pull command's shape)."""
        path: Path_ = ("external_sync",)
        if not isinstance(value, Mapping):
            self._warn(path, "expected an object")
            return
        for name, entry in value.items():
            entry_path = (*path, name)
            if name == "github" and isinstance(entry, Mapping) and "issue" in entry:
                self._github(entry["issue"], entry.get("url"), _repo_of(entry), LinkRole.INCREMENT, None,
                             _where(self.file, entry_path), entry_path, _present(entry, "issue", "url", "repo"))
            elif isinstance(entry, Mapping) and not _has_link_like_keys(entry):
                continue
            else:
                self._warn(entry_path, "unrecognised link shape, ignored")

    def _external_ref(self, value: Any) -> None:
        """``external_ref: "github#owner/repo#N"`` (the done skill's shape)."""
        path: Path_ = ("external_ref",)
        text = value if isinstance(value, str) else ""
        tracker, _, rest = text.partition("#")
        where = _where(self.file, path)
        if tracker == "github" and re.fullmatch(r"[^/#\s]+/[^/#\s]+#\d+", rest):
            repo, _, number = rest.partition("#")
            self._github(number, None, repo, LinkRole.INCREMENT, None, where, path, None)
        elif tracker == "jira" and rest:
            self._jira(rest, None, None, LinkRole.INCREMENT, None, where, path, None)
        elif tracker == "ado" and rest:
            parts = rest.split("/")
            ctx = {"organization": parts[0], "project": parts[1]} if len(parts) == 3 else {}
            self._ado(parts[-1], None, ctx, LinkRole.INCREMENT, None, where, path, None)
        else:
            self._warn(path, f"unrecognised link {text or value!r}, ignored")

    # ---- one link per tracker -----------------------------------------------------------------------------

    def _github(self, number: Any, url: Any, repo: Any, role: LinkRole, story: str | None, where: str,
                path: Path_, keys: tuple[str, ...] | None, living: str | None = None) -> None:
        num = _int(number)
        match = _GITHUB_URL.search(url) if isinstance(url, str) else None
        if num is None and match is not None:
            num = int(match.group(3))
        if num is None:
            self.warnings.append(f"{where}: GitHub link without an issue number, ignored")
            return
        owner_repo = _repo_text(repo)
        if match is not None and int(match.group(3)) == num:
            owner_repo = f"{match.group(1)}/{match.group(2)}"
        if owner_repo is None and self.defaults.github_repo:
            owner_repo = self.defaults.github_repo
        if owner_repo is None:
            self.warnings.append(f"{where}: GitHub issue #{num} names no repository and none is configured")
            item = f"#{num}"
        else:
            item = f"{owner_repo}#{num}"
        self._add(Link(Tracker.GITHUB, item, role, story, _opt(url), where), path, keys, living)

    def _jira(self, key: Any, url: Any, project_key: Any, role: LinkRole, story: str | None, where: str,
              path: Path_, keys: tuple[str, ...] | None, living: str | None = None) -> None:
        text = str(key).strip().upper() if isinstance(key, str | int) and not isinstance(key, bool) else ""
        if text.isdigit() and isinstance(project_key, str) and project_key:
            text = f"{project_key.strip().upper()}-{text}"
        if not _JIRA_KEY.match(text):
            self.warnings.append(f"{where}: Jira link {key!r} is not an issue key (KEY-123), ignored")
            return
        self._add(Link(Tracker.JIRA, text, role, story, _opt(url), where), path, keys, living)

    def _ado(self, work_item: Any, url: Any, context: Any, role: LinkRole, story: str | None, where: str,
             path: Path_, keys: tuple[str, ...] | None, living: str | None = None) -> None:
        ident = _int(work_item)
        match = _ADO_URL.search(url) if isinstance(url, str) else None
        if ident is None and match is not None:
            ident = int(match.group(4))
        if ident is None:
            self.warnings.append(f"{where}: Azure DevOps link without a work item id, ignored")
            return
        ctx = context if isinstance(context, Mapping) else {}
        org = _opt(ctx.get("organization"))
        project = _opt(ctx.get("project"))
        if match is not None:
            org = org or match.group(1) or match.group(2)
            url_project = match.group(3)
            if project is None and not _GUID.match(url_project):
                project = url_project
        if self.defaults.ado is not None:
            org = org or self.defaults.ado[0]
            project = project or self.defaults.ado[1]
        if org and project:
            item = f"{org}/{project}/{ident}"
        else:
            self.warnings.append(f"{where}: Azure DevOps work item {ident} names no organization/project "
                                 "and none is configured")
            item = str(ident)
        self._add(Link(Tracker.ADO, item, role, story, _opt(url), where), path, keys, living)

    def _add(self, link: Link, path: Path_, keys: tuple[str, ...] | None, living: str | None) -> None:
        self.found.append(Found(link, path, keys, living))

    def _warn(self, path: Path_, message: str) -> None:
        self.warnings.append(f"{_where(self.file, path)}: {message}")

    def _warn_at(self, where: tuple[str, str], message: str) -> None:
        self.warnings.append(f"{where[0]}: {where[1]}: {message}")


# ---- helpers -----------------------------------------------------------------------------------------------

_LINK_LIKE = re.compile(r"(issue|number|key|id|item|url)", re.IGNORECASE)


def _has_link_like_keys(value: Mapping[str, Any]) -> bool:
    """True when a dict we could not read looks like it was meant to hold a link (worth a warning).

    Bookkeeping-only dicts (``{syncedAt, milestone}``, ``{}``) stay quiet.
    """
    return any(_LINK_LIKE.search(str(key)) for key in value)


def _where(file: str, path: Path_) -> str:
    dotted = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "[")
    return f"{file}: {dotted}"


def _present(value: Mapping[str, Any], *keys: str) -> tuple[str, ...]:
    return tuple(key for key in keys if key in value)


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str):
        text = value.strip().lstrip("#")
        if text.isdigit() and int(text) > 0:
            return int(text)
    return None


def _repo_of(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    repo = value.get("repo")
    owner = value.get("owner")
    if isinstance(repo, str) and "/" not in repo and isinstance(owner, str) and owner:
        return f"{owner}/{repo}"
    return repo


def _repo_text(repo: Any) -> str | None:
    repo = _repo_of(repo)
    if isinstance(repo, str) and re.fullmatch(r"[^/\s#]+/[^/\s#]+", repo.strip()):
        return repo.strip()
    return None


def _story_id(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    match = _STORY.match(value.strip())
    return f"US-{int(match.group(1)):03d}" if match else None


def story_from_filename(name: str) -> str | None:
    """``us-001-pricing-engine-p1.md`` → ``US-001``."""
    return _story_id(name)
