"""The real SpecWeave 1.0.593 CLI, from npm, for tests that check weavesync keeps SpecWeave working (issue 11).

`specweave_bin()` installs ``specweave@1.0.593`` once into a cache folder (``$WEAVESYNC_SPECWEAVE_CACHE``, default
``~/.cache/weavesync-tests``) with npm and returns the path of its ``specweave`` command. When npm or the registry
cannot be reached the test FAILS with the npm output; it is skipped only when ``WEAVESYNC_SKIP_SPECWEAVE=1`` says
so (for a machine with no node at all).

`SpecWeaveProject` drives that CLI the way it runs offline on a test machine (what works with 1.0.593): its own
``HOME`` and ``TMPDIR`` (its ``init`` otherwise edits ``~/.bashrc`` and ``~/.claude/settings.json``), stdin from
/dev/null, ``NO_COLOR=1``, ``SKIP_EXTERNAL_SYNC=1``, ``SPECWEAVE_DISABLE_HOOKS=1``, no tracker token, a stub
``gh`` first on PATH (its ``complete`` calls ``gh`` when GitHub links exist; the stub records the calls) and a
fixed git identity. Nothing here imitates SpecWeave: every status change below is SpecWeave's own command.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

VERSION = "1.0.593"
SKIP_ENV = "WEAVESYNC_SKIP_SPECWEAVE"
CACHE_ENV = "WEAVESYNC_SPECWEAVE_CACHE"
_TOKEN_VARS = ("GITHUB_TOKEN", "GH_TOKEN", "JIRA_API_TOKEN", "AZURE_DEVOPS_PAT", "ADO_PAT", "AZURE_DEVOPS_TOKEN")


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "weavesync-tests") / f"specweave-{VERSION}"


def specweave_bin() -> Path:
    """The `specweave` command of the cached npm install (installed now if missing)."""
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: tests against the real SpecWeave CLI are switched off")
    prefix = cache_root()
    command = prefix / "node_modules" / ".bin" / "specweave"
    package = prefix / "node_modules" / "specweave" / "package.json"
    if command.exists() and package.exists() and json.loads(package.read_text())["version"] == VERSION:
        return command
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(f"npm is not on PATH: cannot install specweave@{VERSION} for the SpecWeave tests "
                    f"(install node/npm, or set {SKIP_ENV}=1 to skip them)", pytrace=False)
    prefix.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--prefix", str(prefix), f"specweave@{VERSION}", "--no-audit",
                           "--no-fund", "--loglevel=error"], capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0 or not command.exists():
        pytest.fail(f"npm install specweave@{VERSION} into {prefix} failed (exit {done.returncode}):\n"
                    f"{done.stdout}\n{done.stderr}\nset {SKIP_ENV}=1 to skip the SpecWeave tests", pytrace=False)
    return command


def package_dir() -> Path:
    return cache_root() / "node_modules" / "specweave"


@dataclass
class SpecWeaveProject:
    """A project made by `specweave init`, driven by SpecWeave's own CLI."""

    command: Path
    root: Path
    sandbox_dir: Path

    @property
    def gh_log(self) -> Path:
        return self.sandbox_dir / "gh-calls.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _TOKEN_VARS}
        env.update(HOME=str(self.sandbox_dir / "home"), TMPDIR=str(self.sandbox_dir / "tmp"), NO_COLOR="1",
                   SKIP_EXTERNAL_SYNC="1", SPECWEAVE_DISABLE_HOOKS="1", CI="1",
                   PATH=f"{self.sandbox_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}",
                   GIT_AUTHOR_NAME="Test", GIT_AUTHOR_EMAIL="test@example.com",
                   GIT_COMMITTER_NAME="Test", GIT_COMMITTER_EMAIL="test@example.com")
        return env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(self.command), *args], cwd=self.root, env=self.env(), capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"specweave {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n"
                                 f"{done.stderr}")
        return done

    # -- SpecWeave's own commands ---------------------------------------------------------------------------------

    def create(self, inc_id: str, title: str, *, kind: str = "feature", active: bool = True) -> None:
        self.run("create-increment", "--id", inc_id, "--title", title, "--description", f"{title}.",
                 "--project", self.root.name, "--type", kind, "--priority", "P1")
        if active:
            self.run("auto", inc_id)  # SpecWeave's only way out of the `planned` its template writes

    def pause(self, inc_id: str, reason: str = "blocked") -> None:
        self.run("pause", inc_id, "--reason", reason)

    def resume(self, inc_id: str) -> None:
        self.run("resume", inc_id, "--force")

    def complete(self, inc_id: str) -> subprocess.CompletedProcess[str]:
        return self.run("complete", inc_id, "--yes", "--skip-validation")

    def abandon(self, inc_id: str, reason: str = "dropped") -> None:
        self.run("abandon", inc_id, "--reason", reason, "--force")

    def archive(self, inc_id: str) -> None:
        """`specweave archive ID`, after committing the increments (its archiver skips uncommitted ones)."""
        self.git("add", "-A", ".specweave/increments")
        self.git("commit", "-qm", f"before archiving {inc_id}", "--no-verify")
        done = self.run("archive", inc_id)
        assert f"Archived: {inc_id}" in done.stdout, done.stdout + done.stderr

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", *args], cwd=self.root, env=self.env(), capture_output=True, text=True,
                              check=True)
        return done.stdout

    # -- what SpecWeave says about the project --------------------------------------------------------------------

    def problems(self) -> set[str]:
        """Every warning or failure of SpecWeave's own `doctor --json`, `check-discipline --json` and `status`."""
        found: set[str] = set()
        doctor = json.loads(self.run("doctor", "--json", "--quick", "--skip-external", check=False).stdout)
        for category in doctor["categories"]:
            for check in category["checks"]:
                if check["status"] in ("warn", "fail") and check["name"] not in _NOISY:
                    details = "; ".join(check.get("details") or [])
                    found.add(f"doctor {check['name']}: {check['status']}: {check.get('message')} {details}".strip())
        discipline = json.loads(self.run("check-discipline", "--json", check=False).stdout)
        for violation in discipline["violations"]:
            found.add(f"check-discipline {violation['type']}: {violation['message']}")
        status = self.run("status").stdout
        if "EXCEEDS LIMIT" in status:
            found.add("status: " + next(line.strip() for line in status.splitlines() if "EXCEEDS LIMIT" in line))
        return found

    def metadata(self, inc_id: str) -> dict[str, Any]:
        for folder in (self.root / ".specweave" / "increments", self.root / ".specweave" / "increments" / "_archive"):
            path = folder / inc_id / "metadata.json"
            if path.exists():
                data: dict[str, Any] = json.loads(path.read_text())
                return data
        raise AssertionError(f"no increment {inc_id}")

    def active_list(self) -> list[str]:
        path = self.root / ".specweave" / "state" / "active-increment.json"
        if not path.exists():
            return []
        ids: list[str] = json.loads(path.read_text()).get("ids", [])
        return ids

    def config(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / ".specweave" / "config.json").read_text())
        return data

    def edit_config(self, **sections: Any) -> None:
        data = self.config()
        for key, value in sections.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key].update(value)
            else:
                data[key] = value
        (self.root / ".specweave" / "config.json").write_text(json.dumps(data, indent=2) + "\n")


_NOISY = frozenset({"Working directory"})
"""Doctor checks whose message moves with anything in the folder (counted separately: `untracked`)."""


def make_project(command: Path, base: Path, name: str = "shop") -> SpecWeaveProject:
    """`specweave init` in a fresh git repository `base/name` (with SpecWeave's own first commit)."""
    root = base / name
    sandbox_dir = base / "specweave-env"
    for folder in (root, sandbox_dir / "home", sandbox_dir / "tmp", sandbox_dir / "bin"):
        folder.mkdir(parents=True, exist_ok=True)
    gh = sandbox_dir / "bin" / "gh"
    gh.write_text(f"#!{sys.executable}\nimport sys\nopen({str(sandbox_dir / 'gh-calls.log')!r}, 'a')"
                  ".write(' '.join(sys.argv[1:]) + '\\n')\nsys.exit(1)\n")
    gh.chmod(0o755)
    project = SpecWeaveProject(command, root, sandbox_dir)
    project.git("init", "-q")
    project.run("init", ".", "--quick", "--force", "--adapter", "generic")
    project.git("add", "-A")
    project.git("commit", "-qm", "specweave init", "--no-verify")
    return project


def untracked(root: Path) -> list[str]:
    done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root, capture_output=True,
                          text=True, check=True)
    return [line[3:] for line in done.stdout.splitlines() if line.startswith("??")]


def node_eval(script: str, cwd: Path) -> Any:
    """Run `script` (an ES module) in node inside SpecWeave's package folder; it prints one JSON value."""
    done = subprocess.run(["node", "--input-type=module", "-e", script], cwd=package_dir(), capture_output=True,
                          text=True, timeout=60, check=False, env={**os.environ, "PWD": str(cwd)})
    if done.returncode != 0:
        raise AssertionError(f"node failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])
