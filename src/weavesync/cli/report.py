"""The facts `weavesync status` shows, as plain data: one builder, two renderings (table and JSON).

Building the report is separate from printing it so the table and the JSON can never disagree, and so issue 5's
``--remote`` can fill `LinkRow.remote` (the live external state read through the adapters) without touching
either renderer's structure: a `RemoteLookup` takes the report and returns it with that field set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from weavesync.config import load_config
from weavesync.errors import ConfigError, SpecWeaveFileError
from weavesync.model import Base, Link, Tracker
from weavesync.specweave import Increment, Project
from weavesync.specweave.increment import relative


@dataclass(frozen=True)
class LinkRow:
    tracker: str
    item: str
    role: str
    story: str | None
    url: str | None
    remote: Mapping[str, object] | None = None
    """Live external state, filled only by a `RemoteLookup` (``status --remote``, issue 5)."""
    base: Base | None = field(default=None, compare=False)
    """The last agreed state (from metadata.json), to tell a divergence kept on purpose from one not synced yet."""

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"tracker": self.tracker, "item": self.item, "role": self.role,
                                  "story": self.story, "url": self.url}
        if self.remote is not None:
            out["remote"] = dict(self.remote)
        return out


@dataclass(frozen=True)
class IncrementRow:
    id: str
    number: str
    status: str
    raw_status: str
    spec_status: str | None
    status_mismatch: bool
    archived: bool
    title: str | None
    links: tuple[LinkRow, ...]
    warnings: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "number": self.number,
            "status": self.status,
            "rawStatus": self.raw_status,
            "specStatus": self.spec_status,
            "statusMismatch": self.status_mismatch,
            "archived": self.archived,
            "title": self.title,
            "links": [link.to_json() for link in self.links],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class ProblemRow:
    """One file weavesync could not read: which file, which field (None when the whole file is bad), why."""

    file: str
    field: str | None
    message: str

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "field": self.field, "message": self.message}

    def line(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class StatusReport:
    project: str
    increments: tuple[IncrementRow, ...] = ()
    problems: tuple[ProblemRow, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        return {
            "project": self.project,
            "increments": [row.to_json() for row in self.increments],
            "problems": [problem.to_json() for problem in self.problems],
        }


RemoteLookup = Callable[[StatusReport], StatusReport]
"""Adds live tracker state to a report (``--remote``); must not remove or reorder anything."""


def link_row(link: Link, base: Base | None = None) -> LinkRow:
    return LinkRow(tracker=link.tracker.value, item=link.item, role=link.role.value, story=link.story,
                   url=link.url, base=base)


def increment_row(inc: Increment) -> IncrementRow:
    return IncrementRow(
        id=inc.id,
        number=inc.number,
        status=inc.status.value,
        raw_status=inc.raw_status,
        spec_status=inc.spec_status,
        status_mismatch=inc.status_mismatch,
        archived=inc.archived,
        title=inc.title,
        links=tuple(link_row(link, inc.bases.get(link.key)) for link in sorted(inc.links)),
        warnings=tuple(inc.link_warnings),
    )


def problem_row(exc: SpecWeaveFileError) -> ProblemRow:
    return ProblemRow(file=exc.file, field=exc.field, message=exc.detail)


@dataclass(frozen=True)
class LinkDefaults:
    """The configured GitHub repository and ADO organization/project, which fill in links that do not name
    their own (FS-031-era links carry only an issue number)."""

    github_repo: str | None = None
    ado: tuple[str, str] | None = None


def link_defaults(project: Project) -> tuple[LinkDefaults, list[ProblemRow]]:
    """The project's `LinkDefaults`. A broken config is a problem to report, not a reason to hide the
    increments, so it comes back as a row and the defaults stay empty."""
    try:
        config = load_config(project.config_path)
    except ConfigError as exc:
        shown = relative(project.root, project.config_path)
        message = exc.message.removeprefix(f"{project.config_path}: ")
        return LinkDefaults(), [ProblemRow(file=shown, field=exc.path, message=message)]
    github = config.trackers.get(Tracker.GITHUB, {})
    ado = config.trackers.get(Tracker.ADO, {})
    return LinkDefaults(
        github_repo=f"{github['owner']}/{github['repo']}" if github.get("owner") and github.get("repo") else None,
        ado=(ado["organization"], ado["project"]) if ado.get("organization") and ado.get("project") else None,
    ), []


def build_report(project: Project, remote: RemoteLookup | None = None) -> StatusReport:
    """Everything `status` shows. Never raises for a broken increment or config: those become problems."""
    defaults, problems = link_defaults(project)
    scan = project.scan(default_github_repo=defaults.github_repo, default_ado=defaults.ado)
    report = StatusReport(
        project=str(Path(project.root)),
        increments=tuple(increment_row(inc) for inc in scan.increments),
        problems=(*problems, *(problem_row(exc) for exc in scan.problems)),
    )
    return remote(report) if remote is not None else report


def by_tracker(links: Sequence[LinkRow]) -> dict[str, list[LinkRow]]:
    """Links grouped per tracker, trackers in the order of `model.Tracker`."""
    out: dict[str, list[LinkRow]] = {}
    for tracker in Tracker:
        rows = [link for link in links if link.tracker == tracker.value]
        if rows:
            out[tracker.value] = rows
    return out


def with_remote(report: StatusReport, states: Mapping[str, Mapping[str, object]]) -> StatusReport:
    """A helper for `RemoteLookup`s: set `remote` on every link whose ``tracker:item`` key is in `states`."""
    rows = []
    for row in report.increments:
        links = tuple(replace(link, remote=states.get(f"{link.tracker}:{link.item}", link.remote))
                      for link in row.links)
        rows.append(replace(row, links=links))
    return replace(report, increments=tuple(rows))
