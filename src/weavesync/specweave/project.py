"""Find the SpecWeave project and list its increments.

A project is the folder holding `.specweave/`. Increments live in `.specweave/increments/` and, once archived,
in `.specweave/increments/_archive/`; both are listed. Folders that are not named like an increment
(`_archive` itself, dotfiles, `README`) are skipped silently. A broken increment is reported in
`Scan.problems` and the others are still listed, so one bad file never stops a sync of the rest.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from weavesync.errors import ProjectNotFound, SpecWeaveFileError, UsageError
from weavesync.specweave.increment import INCREMENT_DIR, Increment, load_increment, relative
from weavesync.specweave.links import Defaults

SPECWEAVE_DIR = ".specweave"
ARCHIVE = "_archive"


@dataclass(frozen=True)
class Scan:
    """Every readable increment (sorted by id) and one error per unreadable one."""

    increments: list[Increment] = field(default_factory=list)
    problems: list[SpecWeaveFileError] = field(default_factory=list)


@dataclass(frozen=True)
class Project:
    """A SpecWeave project on disk. `root` is the folder that holds `.specweave/`."""

    root: Path

    @property
    def specweave_dir(self) -> Path:
        return self.root / SPECWEAVE_DIR

    @property
    def config_path(self) -> Path:
        return self.specweave_dir / "config.json"

    @property
    def state_dir(self) -> Path:
        return self.specweave_dir / "state"

    @property
    def logs_dir(self) -> Path:
        return self.specweave_dir / "logs"

    @property
    def increments_dir(self) -> Path:
        return self.specweave_dir / "increments"

    def _roots(self) -> tuple[tuple[Path, bool], tuple[Path, bool]]:
        """The two folders increments live in, each with whether it holds archived ones."""
        return (self.increments_dir, False), (self.increments_dir / ARCHIVE, True)

    def increment_dirs(self) -> list[tuple[Path, bool]]:
        """(folder, archived) for every folder named like an increment, sorted by (id, archived)."""
        found: list[tuple[Path, bool]] = []
        for folder, archived in self._roots():
            try:
                entries = list(os.scandir(folder))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for entry in entries:
                if entry.name.startswith((".", "_")) or not INCREMENT_DIR.match(entry.name):
                    continue
                if entry.is_dir():
                    found.append((Path(entry.path), archived))
        return sorted(found, key=lambda pair: (pair[0].name, pair[1]))

    def scan(
        self, *, default_github_repo: str | None = None, default_ado: tuple[str, str] | None = None
    ) -> Scan:
        """Read every increment. Never raises for a broken increment: it goes to `problems`."""
        defaults = Defaults(default_github_repo, default_ado)
        scan = Scan()
        for folder, archived in self.increment_dirs():
            try:
                scan.increments.append(load_increment(folder, root=self.root, archived=archived, defaults=defaults))
            except SpecWeaveFileError as exc:
                scan.problems.append(exc)
        return scan

    def increment(
        self, ref: str, *, default_github_repo: str | None = None, default_ado: tuple[str, str] | None = None
    ) -> Increment:
        """The increment `ref` names: ``0042``, ``42``, ``0042-checkout``, ``0118E`` or ``0118E-slug``.

        Raises UsageError when nothing or more than one increment matches, and SpecWeaveFileError when the
        match cannot be read.
        """
        folder, archived = self._resolve(ref)
        defaults = Defaults(default_github_repo, default_ado)
        return load_increment(folder, root=self.root, archived=archived, defaults=defaults)

    def _resolve(self, ref: str) -> tuple[Path, bool]:
        text = ref.strip()
        if INCREMENT_DIR.match(text):
            # A full id (what the outbox and the store hold): look at the two places it can be, without listing.
            found = [(folder / text, archived) for folder, archived in self._roots() if (folder / text).is_dir()]
            if len(found) == 1:
                return found[0]
        dirs = self.increment_dirs()
        exact = [pair for pair in dirs if pair[0].name == text]
        if not exact:
            wanted = _number_key(text)
            exact = [pair for pair in dirs if wanted is not None and _number_key(pair[0].name) == wanted]
            if wanted is not None and "-" in text:  # "0042-checkout" typed with another zero-padding
                slug = text.split("-", 1)[1]
                exact = [pair for pair in exact if pair[0].name.split("-", 1)[-1] == slug]
        if len(exact) == 1:
            return exact[0]
        where = relative(self.root, self.increments_dir)
        if not exact:
            raise UsageError(f"no increment {text!r} in {where}", hint="list them with `weavesync status`")
        names = ", ".join(relative(self.root, pair[0]) for pair in exact)
        raise UsageError(f"increment {text!r} is ambiguous: {names}", hint="give the full id (NNNN-slug)")


_REF = re.compile(r"^(?P<digits>\d+)(?P<suffix>[A-Za-z]?)(?:-(?P<slug>.+))?$")


def _number_key(text: str) -> tuple[int, str] | None:
    """``0118E-x`` / ``118e`` → (118, "E"): the number as SpecWeave means it, whatever the zero-padding."""
    match = _REF.match(text)
    if match is None:
        return None
    return int(match.group("digits")), match.group("suffix").upper()


def find_project(explicit: Path | None = None, start: Path | None = None) -> Project:
    """Locate the project.

    With `explicit` (``--project DIR``), DIR must itself contain `.specweave/` or be the `.specweave` folder:
    no walking, so a typo never silently picks a parent project. Otherwise walk up from `start` (default: the
    working directory) to the first folder holding `.specweave/`. Raises ProjectNotFound.
    """
    if explicit is not None:
        path = Path(explicit).expanduser().absolute()
        if path.name == SPECWEAVE_DIR and path.is_dir():
            return Project(path.parent)
        if (path / SPECWEAVE_DIR).is_dir():
            return Project(path)
        raise ProjectNotFound(
            f"{path} is not a SpecWeave project (no {SPECWEAVE_DIR}/ folder in it)",
            hint="pass the folder that contains .specweave/, or run `specweave init` there",
        )
    here = Path(start if start is not None else Path.cwd()).expanduser().absolute()
    for folder in (here, *here.parents):
        if (folder / SPECWEAVE_DIR).is_dir():
            return Project(folder)
    raise ProjectNotFound(
        f"no {SPECWEAVE_DIR}/ folder in {here} or any folder above it",
        hint="run weavesync inside a SpecWeave project, or pass --project DIR",
    )
