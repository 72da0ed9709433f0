"""The values every part of weavesync passes around.

All of them are frozen dataclasses or enums, so the decision engine can take them as plain inputs and tests
can build them without any server or file. Tracker-specific detail stays inside each tracker package; what
crosses a package boundary is one of these.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit


class Status(enum.StrEnum):
    """SpecWeave 1.0.x increment statuses (the canonical spellings)."""

    PLANNING = "planning"
    ACTIVE = "active"
    BACKLOG = "backlog"
    PAUSED = "paused"
    READY_FOR_REVIEW = "ready_for_review"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class Tracker(enum.StrEnum):
    """The trackers weavesync knows. Item refs are canonical strings per tracker (see `Link.item`).

    With `trackers.registry`, this enum is the one place that names every tracker.
    """

    GITHUB = "github"
    JIRA = "jira"
    ADO = "ado"

    @property
    def display_name(self) -> str:
        """How people call the tracker in messages ("GitHub", "Azure DevOps")."""
        return _DISPLAY_NAMES.get(self.value, self.value)


_DISPLAY_NAMES = {"github": "GitHub", "jira": "Jira", "ado": "Azure DevOps"}


class LinkRole(enum.StrEnum):
    """An `increment` link stands for the whole increment and syncs both ways; a `user-story` link follows the
    increment outbound only (sync-semantics.md §1)."""

    INCREMENT = "increment"
    USER_STORY = "user-story"


@dataclass(frozen=True, order=True)
class Link:
    """One increment <-> one external item.

    `item` is canonical per tracker: GitHub ``owner/repo#N``, Jira ``KEY-N``, ADO ``org/project/ID``.
    `source` names the metadata shape the link was read from (for messages); it does not take part in equality.
    """

    tracker: Tracker
    item: str
    role: LinkRole = LinkRole.INCREMENT
    story: str | None = None
    url: str | None = field(default=None, compare=False)
    source: str | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """The identity used by the store and the base: ``tracker:item``."""
        return f"{self.tracker.value}:{self.item}"


@dataclass(frozen=True)
class ExternalState:
    """The part of an external item the mapping manages, normalised (sync-semantics.md §1).

    - GitHub: state ``open``/``closed``; reason = ``state_reason``; markers = managed labels present.
    - Jira: state = status name; state_id = status id; category = status category key (new/indeterminate/done).
    - ADO: state = ``System.State``; category = the state's category (Proposed/InProgress/Resolved/Completed/
      Removed); markers = managed tags present.

    Only managed dimensions belong here: labels or tags that the mapping does not name are people's and are
    left out, so a person adding an unrelated label is not a change.
    """

    state: str
    reason: str | None = None
    category: str | None = None
    state_id: str | None = None
    markers: frozenset[str] = frozenset()

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"state": self.state}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.category is not None:
            out["category"] = self.category
        if self.state_id is not None:
            out["stateId"] = self.state_id
        if self.markers:
            out["markers"] = sorted(self.markers)
        return out

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ExternalState:
        markers = data.get("markers") or []
        return cls(
            state=str(data["state"]),
            reason=_opt_str(data.get("reason")),
            category=_opt_str(data.get("category")),
            state_id=_opt_str(data.get("stateId")),
            markers=frozenset(str(m) for m in markers) if isinstance(markers, list) else frozenset(),
        )


@dataclass(frozen=True)
class Target:
    """What the mapping says an item should look like for one SpecWeave status.

    `state` is a concrete state/status name, or None when only a `category` is named (ADO categories, or a
    Jira status-category fallback). `reason` is GitHub's ``state_reason`` for closed items (completed /
    not_planned) or a Jira resolution name. `markers` are the managed labels/tags that must be present; every
    other managed marker must be absent.
    """

    state: str | None
    category: str | None = None
    reason: str | None = None
    markers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RemoteItem:
    """One observation of an external item, as a tracker adapter reads it."""

    link_item: str
    tracker: Tracker
    state: ExternalState
    version: str
    """GitHub ``updated_at``, Jira ``fields.updated``, ADO ``rev``: compared for echo detection."""
    updated_at: datetime | None = None
    status_changed_at: datetime | None = None
    """When the managed status last changed (close/transition time), for last-write-wins; never generic updated."""
    changed_by: str | None = None
    title: str | None = None
    url: str | None = None
    item_type: str | None = None
    project: str | None = None
    created: bool | None = None
    """Set by `TrackerAdapter.create` only: True when this call made the item, False when the marker search
    found one made earlier (a retry after a lost response); None when the adapter does not say."""


@dataclass(frozen=True)
class Base:
    """Both sides as they were the last time they agreed (sync-semantics.md §2)."""

    local: Status
    external: ExternalState
    version: str | None
    synced_at: datetime

    def to_json(self) -> dict[str, object]:
        return {
            "local": self.local.value,
            "external": self.external.to_json(),
            "version": self.version,
            "syncedAt": format_utc(self.synced_at),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Base:
        ext = data["external"]
        if not isinstance(ext, dict):
            raise ValueError("external must be an object")
        return cls(
            local=Status(str(data["local"])),
            external=ExternalState.from_json(ext),
            version=_opt_str(data.get("version")),
            synced_at=parse_utc(str(data["syncedAt"])),
        )


@dataclass(frozen=True)
class Receipt:
    """What a successful write left on the tracker: the new state and version, which become the base."""

    link_item: str
    tracker: Tracker
    state: ExternalState
    version: str
    changed: bool
    """False when the item already satisfied the target and nothing was written."""
    at: datetime | None = None


class Secret:
    """A credential that never shows itself in a repr, a log line or an exception."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Connection:
    """Where a tracker lives and how to authenticate, resolved from config.json plus the environment.

    `place` holds the tracker's coordinates: GitHub ``owner``/``repo``; Jira ``domain``/``projectKey``;
    ADO ``organization``/``project``. `user` is the Jira email (None elsewhere). `token` is the secret.
    `base_url` is kept as configured; whatever is built from it for requests, links or messages goes through
    `without_userinfo` or `redact_userinfo`, so credentials pasted into it never travel or show.
    """

    tracker: Tracker
    base_url: str
    place: Mapping[str, str] = field(default_factory=dict)
    user: str | None = None
    token: Secret | None = field(default=None, repr=False)



def has_userinfo(url: str) -> bool:
    """Whether `url` carries ``user[:password]@`` before its host (credentials pasted into a base URL)."""
    return "@" in urlsplit(url).netloc


def without_userinfo(url: str) -> str:
    """`url` with any ``user[:password]@`` removed.

    Credentials come from the token variables only. A base URL such as ``https://me:tok@x.atlassian.net``
    would otherwise make httpx send the URL's user and password as Basic auth *instead of* the configured
    token, and print them in every request line it logs (``--debug``). Every tracker URL weavesync builds
    requests or item links from goes through here, so the userinfo never reaches a request, a log or a file.
    """
    split = urlsplit(url)
    if "@" not in split.netloc:
        return url
    return urlunsplit(split._replace(netloc=split.netloc.rpartition("@")[2]))


def redact_userinfo(url: str) -> str:
    """`url` for people to read: ``https://***@host/path`` when it carries credentials, else unchanged."""
    split = urlsplit(url)
    if "@" not in split.netloc:
        return url
    return urlunsplit(split._replace(netloc="***@" + split.netloc.rpartition("@")[2]))


def format_utc(ts: datetime) -> str:
    """ISO 8601 in UTC with a Z, millisecond precision (the shape SpecWeave writes)."""
    from datetime import UTC

    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    ts = ts.astimezone(UTC)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def parse_utc(text: str) -> datetime:
    """Parse ISO 8601 (with Z or an offset) into an aware UTC datetime."""
    from datetime import UTC

    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
