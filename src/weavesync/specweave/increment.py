"""One increment as read from disk: a snapshot, never a live view.

`metadata.json` is the truth about status; `spec.md`'s `status:` line is only a mirror, and a disagreement is
reported (`status_mismatch`), not resolved. Leftover fields (`abandonedAt` after a resume) are never read as
a status. Reading never modifies a file. Anything unreadable becomes a `SpecWeaveFileError` naming the file
(relative to the project root) and the field, so one broken increment cannot hide the others.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from weavesync.errors import SpecWeaveFileError
from weavesync.model import Base, Link, Status, parse_utc
from weavesync.specweave import frontmatter, jsonfile
from weavesync.specweave.links import Defaults, Found, LinkReader, story_from_filename
from weavesync.specweave.statuses import normalise_status

METADATA = "metadata.json"
SPEC = "spec.md"
BASES_KEY = "weavesync"
"""weavesync's own top-level key in metadata.json (SpecWeave keeps keys it does not know)."""

INCREMENT_DIR = re.compile(r"^(?P<number>\d{3,}[A-Za-z]?)(?:-(?P<slug>.+))?$")
"""``0042-checkout``, ``0118E-imported``, ``0042``. Anything else in increments/ is not an increment."""

STATUS_TIMESTAMPS: Mapping[Status, tuple[str, ...]] = {
    Status.PAUSED: ("pausedAt",),
    Status.BACKLOG: ("backlogAt",),
    Status.ABANDONED: ("abandonedAt",),
    Status.READY_FOR_REVIEW: ("readyForReviewAt",),
    Status.COMPLETED: ("approvedAt", "completedAt"),
}
"""Per-status fields SpecWeave stamps when it enters a status (used for last-write-wins)."""


@dataclass(frozen=True)
class Increment:
    """A snapshot of one increment folder. Writers return a fresh one; this one never changes."""

    id: str
    number: str
    path: Path
    archived: bool
    status: Status
    raw_status: str
    spec_status: str | None
    status_mismatch: bool
    title: str | None
    metadata: dict[str, Any]
    links: list[Link]
    link_warnings: list[str]
    status_changed_at: datetime | None
    bases: dict[str, Base]
    root: Path = field(repr=False, compare=False)
    """The project root (the folder holding .specweave), for relative paths in messages."""
    defaults: Defaults = field(default_factory=Defaults, repr=False, compare=False)
    found: tuple[Found, ...] = field(default=(), repr=False, compare=False)
    """Where each link was found, for `writer.remove_link`."""

    @property
    def metadata_path(self) -> Path:
        return self.path / METADATA

    @property
    def spec_path(self) -> Path:
        return self.path / SPEC

    @property
    def feature_id(self) -> str:
        """The living-docs feature id SpecWeave derives from the number: 0031 → FS-031, 0118E → FS-118E."""
        return feature_id_for(self.number)

    def rel(self, path: Path) -> str:
        return relative(self.root, path)


def feature_id_for(number: str) -> str:
    digits = number.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    suffix = number[len(digits):]
    return f"FS-{int(digits):03d}{suffix.upper()}"


def relative(root: Path, path: Path) -> str:
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return str(path)


def load_increment(
    path: Path, *, root: Path, archived: bool, defaults: Defaults | None = None, metadata_bytes: bytes | None = None
) -> Increment:
    """Read the increment folder `path`. Raises SpecWeaveFileError for a missing or broken file.

    `metadata_bytes` is metadata.json as the caller already read it (the writer parses exactly the version
    it will compare-and-swap against).
    """
    defaults = defaults or Defaults()
    match = INCREMENT_DIR.match(path.name)
    if match is None:
        raise SpecWeaveFileError(relative(root, path), "is not an increment folder (expected NNNN-slug)")
    meta_file = relative(root, path / METADATA)
    metadata = read_metadata(path / METADATA, meta_file, metadata_bytes)

    raw = metadata.get("status")
    fix = f"set \"status\" to one of: {', '.join(s.value for s in Status)}"
    if raw is None:
        raise SpecWeaveFileError(meta_file, "missing", field="status", hint=fix)
    if not isinstance(raw, str):
        raise SpecWeaveFileError(meta_file, f"must be a string, found {type(raw).__name__}", field="status",
                                 hint=fix)
    try:
        status = normalise_status(raw)
    except ValueError as exc:
        raise SpecWeaveFileError(meta_file, str(exc), field="status", hint=fix) from None

    spec = _read_spec(path / SPEC, relative(root, path / SPEC))
    spec_status = spec.get("status") if spec is not None else None
    spec_status_text = None if spec_status is None else str(spec_status)
    mismatch = spec_status_text is not None and _normalise_or_none(spec_status_text) != status
    title = spec.get("title") if spec is not None else None
    if title is None:
        title = metadata.get("title")

    reader = LinkReader(meta_file, defaults)
    reader.read_metadata(metadata)
    _read_living_docs(reader, root, path.name, match.group("number"), metadata.get("project"))
    tombstones = _tombstones(metadata)
    found = tuple(f for f in reader.found if f.link.key not in tombstones)
    links = [link for link in reader.links() if link.key not in tombstones]

    warnings = list(reader.warnings)
    changed_at = _status_changed_at(metadata, status, meta_file, warnings)
    bases = _read_bases(metadata, meta_file, warnings)
    return Increment(
        id=path.name,
        number=match.group("number"),
        path=path,
        archived=archived,
        status=status,
        raw_status=raw,
        spec_status=spec_status_text,
        status_mismatch=mismatch,
        title=None if title is None else str(title),
        metadata=metadata,
        links=links,
        link_warnings=warnings,
        status_changed_at=changed_at,
        bases=bases,
        root=root,
        defaults=defaults,
        found=found,
    )


def read_metadata(path: Path, shown: str, data: bytes | None = None) -> dict[str, Any]:
    try:
        data = path.read_bytes() if data is None else data
    except FileNotFoundError:
        raise SpecWeaveFileError(shown, "file is missing") from None
    except OSError as exc:
        raise SpecWeaveFileError(shown, f"cannot be read ({exc.strerror})") from None
    try:
        value, _fmt = jsonfile.loads(data)
    except jsonfile.JsonFileError as exc:
        raise SpecWeaveFileError(shown, str(exc)) from None
    return value


def _read_spec(path: Path, shown: str) -> dict[str, Any] | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SpecWeaveFileError(shown, f"cannot be read ({exc.strerror})") from None
    return parse_spec(data, shown)


def parse_spec(data: bytes, shown: str) -> dict[str, Any] | None:
    """spec.md's front matter (None when it has none); SpecWeaveFileError naming `shown` when it is broken."""
    try:
        matter = frontmatter.split(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SpecWeaveFileError(shown, f"not UTF-8 text (byte {exc.start})") from None
    except frontmatter.FrontMatterError as exc:
        raise SpecWeaveFileError(shown, str(exc), field=exc.field) from None
    return None if matter is None else matter.data


def _normalise_or_none(raw: str) -> Status | None:
    try:
        return normalise_status(raw)
    except ValueError:
        return None


def _read_living_docs(reader: LinkReader, root: Path, inc_id: str, number: str, project: Any) -> None:
    """User-story files of this increment's feature: specs/<project>/[_archive/]FS-NNN/us-*.md."""
    specs = root / ".specweave" / "docs" / "internal" / "specs"
    if not specs.is_dir():
        return
    feature = feature_id_for(number)
    projects = [specs / project] if isinstance(project, str) and (specs / project).is_dir() else sorted(
        p for p in specs.iterdir() if p.is_dir() and not p.name.startswith(".")
    )
    for project_dir in projects:
        for folder in (project_dir / feature, project_dir / "_archive" / feature):
            if not folder.is_dir():
                continue
            for story_file in sorted(folder.glob("us-*.md")):
                shown = relative(root, story_file)
                try:
                    text = story_file.read_bytes().decode("utf-8")
                    matter = frontmatter.split(text)
                except (OSError, UnicodeDecodeError, frontmatter.FrontMatterError) as exc:
                    reader.warnings.append(f"{shown}: front matter unreadable ({exc}); its links are ignored")
                    continue
                if matter is not None:
                    reader.read_user_story(matter.data, shown, story_from_filename(story_file.name))


def _tombstones(metadata: Mapping[str, Any]) -> set[str]:
    own = metadata.get(BASES_KEY)
    unlinked = own.get("unlinked") if isinstance(own, Mapping) else None
    return {str(key) for key in unlinked} if isinstance(unlinked, list) else set()


def _status_changed_at(metadata: Mapping[str, Any], status: Status, shown: str, warnings: list[str]) -> datetime | None:
    for key in (*STATUS_TIMESTAMPS.get(status, ()), "lastActivity"):
        value = metadata.get(key)
        if value is None:
            continue
        try:
            return parse_utc(str(value))
        except ValueError:
            warnings.append(f"{shown}: {key}: not a timestamp ({value!r}), ignored")
    return None


def _read_bases(metadata: Mapping[str, Any], shown: str, warnings: list[str]) -> dict[str, Base]:
    own = metadata.get(BASES_KEY)
    if own is None:
        return {}
    raw = own.get("bases") if isinstance(own, Mapping) else None
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        warnings.append(f"{shown}: {BASES_KEY}.bases: expected an object, ignored")
        return {}
    bases: dict[str, Base] = {}
    for key, value in raw.items():
        try:
            if not isinstance(value, dict):
                raise ValueError("expected an object")
            bases[str(key)] = Base.from_json(value)
        except (KeyError, ValueError, TypeError) as exc:
            warnings.append(f"{shown}: {BASES_KEY}.bases.{key}: invalid base ({exc}), ignored")
    return bases
