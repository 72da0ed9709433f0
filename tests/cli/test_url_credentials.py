"""Credentials written into a tracker base URL (``GITHUB_API_URL=https://user:secret@host/api``) never show up:
not in ``--debug`` output, error messages, doctor findings, the sync log or any file weavesync writes.

The commands run in a child process (`python -m weavesync`, as the console script does) against the sandbox over
real HTTP, so what is checked is everything the real program prints and writes, its logging setup included.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from weavesync.sandbox import Sandbox

from .conftest import run_entry_point

INC = "0042-checkout"
URL_SECRETS = {"GITHUB_API_URL": ("weavesync-bot", "gh-url-secret-7Q2x"),
               "JIRA_BASE_URL": ("bot%40acme.test", "jira-url-secret-9Lk3"),
               "AZURE_DEVOPS_ORG_URL": ("pat", "ado-url-secret-4Wm8")}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


def _with_userinfo(url: str, user: str, secret: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{user}:{secret}@{rest}"


def _project(root: Path) -> Path:
    folder = root / ".specweave" / "increments" / INC
    folder.mkdir(parents=True)
    (root / ".specweave" / "config.json").write_text(json.dumps({"project": {"name": "shop"}, "sync": {
        "github": {"enabled": True, "owner": "acme", "repo": "shop"},
        "jira": {"enabled": True, "domain": "acme.atlassian.net", "projectKey": "CORE"},
        "ado": {"enabled": True, "organization": "acme", "project": "Shop"}}}))
    _set_status(root, "active")
    return root


def _set_status(root: Path, status: str) -> None:
    """Change the increment's status the way SpecWeave does: both files, every other key kept."""
    folder = root / ".specweave" / "increments" / INC
    meta = folder / "metadata.json"
    data = json.loads(meta.read_text()) if meta.exists() else {
        "id": INC, "type": "feature", "lastActivity": "2026-11-01T09:00:00.000Z"}
    meta.write_text(json.dumps({**data, "status": status}, indent=2))
    (folder / "spec.md").write_text(f"---\nincrement: {INC}\ntitle: Guest checkout\nstatus: {status}\n---\n")


def test_no_url_credential_in_debug_output_logs_or_files(tmp_path: Path, sandbox: Sandbox,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in sandbox.env().items():
        if not key.startswith("SANDBOX_PERSON_"):
            user, secret = URL_SECRETS.get(key, ("", ""))
            monkeypatch.setenv(key, _with_userinfo(value, user, secret) if secret else value)
    monkeypatch.delenv("WEAVESYNC_DATABASE_URL", raising=False)
    root = _project(tmp_path / "proj")
    outputs: list[str] = []

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = run_entry_point("--debug", *args, "--project", str(root), timeout=120)
        outputs.extend((done.stdout, done.stderr))
        return done

    for tracker in ("github", "jira", "ado"):
        made = run("link", INC, tracker, "--create")
        assert made.returncode == 0, made.stderr
    assert run("sync").returncode == 0
    # A failure on the way (one 503 on the GitHub write) goes through the error and retry paths too.
    github = sandbox.urls["github"]
    httpx.post(f"{github}/_sandbox/script", json={"kind": "503", "method": "PATCH", "path": "/issues/"})
    _set_status(root, "completed")
    pushed = run("sync", "--yes", "--json")
    assert pushed.returncode == 0, pushed.stdout
    assert {c["outcome"] for c in json.loads(pushed.stdout)["changes"] if c["action"] == "push"} == {"ok"}
    assert "HTTP Request: PATCH" in pushed.stderr, "--debug shows each request (so the URLs were printed)"
    doctor = run("doctor")
    for name in URL_SECRETS:
        assert f"{name} carries credentials" in doctor.stdout
    assert re.search(r"http://\*\*\*@127\.0\.0\.1:\d+", doctor.stdout), "the URL is shown with its userinfo redacted"
    run("log")

    secrets = [secret for _user, secret in URL_SECRETS.values()]
    for text in outputs:
        for secret in secrets:
            assert secret not in text
    written = [p for p in root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".jsonl" for p in written), "the sync log was written"
    for path in written:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, path
