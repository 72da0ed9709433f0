"""`weavesync sandbox`: start, print URLs and credentials, write the env file (0600), stop cleanly on a signal.

The in-process tests serve a toy tracker app (the harness is what the command drives; the real tracker apps are
tested under tests/sandbox). The subprocess test runs the real three servers through the installed entry point.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from weavesync.cli.sandbox_cmd import write_env_file
from weavesync.sandbox import server as server_module
from weavesync.sandbox.server import SandboxContext, TrackerApp

from .conftest import REPO, Invoke

BOT_KEYS = ["GITHUB_API_URL", "GITHUB_TOKEN", "JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN",
            "AZURE_DEVOPS_ORG_URL", "AZURE_DEVOPS_PAT"]
PERSON_KEYS = ["SANDBOX_PERSON_GITHUB_TOKEN", "SANDBOX_PERSON_JIRA_EMAIL", "SANDBOX_PERSON_JIRA_API_TOKEN",
               "SANDBOX_PERSON_AZURE_DEVOPS_PAT"]


def _read_env(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    assert all("=" in line for line in lines)
    return dict(line.split("=", 1) for line in lines)


def _wait_for(path: Path, deadline_s: float = 30.0) -> bool:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if path.exists():
            return True
        time.sleep(0.05)
    return False


def _port_closed(url: str) -> bool:
    host, port = url.removeprefix("http://").split("/")[0].split(":")
    with socket.socket() as sock:
        return sock.connect_ex((host, int(port))) != 0


def test_write_env_file_is_0600_and_replaces_a_readable_file(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.env"
    path.write_text("OLD=1\n")
    path.chmod(0o644)
    write_env_file(path, {"A": "1", "B": "x=y"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == "A=1\nB=x=y\n"
    assert [p.name for p in tmp_path.iterdir()] == ["sandbox.env"]


def _toy_app(ctx: SandboxContext) -> TrackerApp:
    async def hello(request: Request) -> Response:
        return JSONResponse({"tracker": ctx.tracker})

    def fault_body(status: int) -> tuple[dict[str, str], bytes]:
        return {"content-type": "application/json"}, json.dumps({"status": status}).encode()

    return TrackerApp(app=Starlette(routes=[Route("/hello", hello)]), fault_body=fault_body)


@pytest.fixture()
def toy_trackers(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("toy_cli_tracker")
    module.create_app = _toy_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "toy_cli_tracker", module)
    for name in ("github", "jira", "ado"):
        monkeypatch.setitem(server_module._MODULES, name, "toy_cli_tracker")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_runs_until_a_signal_then_exits_zero(
    invoke: Invoke, toy_trackers: None, tmp_path: Path, signum: signal.Signals
) -> None:
    env_file = tmp_path / "sandbox.env"
    seen: dict[str, object] = {}

    def poke_then_stop() -> None:
        if _wait_for(env_file):
            env = _read_env(env_file)
            seen["env"] = env
            seen["mode"] = stat.S_IMODE(env_file.stat().st_mode)
            seen["hello"] = httpx.get(f"{env['JIRA_BASE_URL']}/hello").json()
        os.kill(os.getpid(), signum)

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    helper = threading.Thread(target=poke_then_stop)
    helper.start()
    result = invoke("sandbox", "--github-port", "0", "--jira-port", "0", "--ado-port", "0",
                    "--env-file", str(env_file), "--seed", "empty")
    helper.join()
    assert result.exit_code == 0, result.stderr
    env = seen["env"]
    assert isinstance(env, dict)
    assert list(env) == BOT_KEYS + PERSON_KEYS
    assert seen["mode"] == 0o600
    assert seen["hello"] == {"tracker": "jira"}
    for key in BOT_KEYS + PERSON_KEYS:
        assert f"{key}={env[key]}" in result.stdout
    assert "weavesync sandbox stopped" in result.stdout
    for key in ("GITHUB_API_URL", "JIRA_BASE_URL"):
        assert _port_closed(env[key])
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_json_banner(invoke: Invoke, toy_trackers: None, tmp_path: Path) -> None:
    env_file = tmp_path / "sandbox.env"

    def stop() -> None:
        _wait_for(env_file)
        os.kill(os.getpid(), signal.SIGTERM)

    helper = threading.Thread(target=stop)
    helper.start()
    result = invoke("--json", "sandbox", "--env-file", str(env_file))
    helper.join()
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data) == ["urls", "bot", "person", "envFile"]
    assert sorted(data["urls"]) == ["ado", "github", "jira"]
    assert list(data["bot"]) == BOT_KEYS and list(data["person"]) == PERSON_KEYS


def test_bad_option_values_are_usage_errors(invoke: Invoke) -> None:
    for args in (("--fault-rate", "2"), ("--seed", "full"), ("--github-port", "-1")):
        result = invoke("sandbox", *args)
        assert result.exit_code == 2
        assert result.stderr.startswith("error: ")


def test_entry_point_serves_the_three_apis_and_stops_on_sigterm(tmp_path: Path) -> None:
    env_file = tmp_path / "sandbox.env"
    environ = dict(os.environ, PYTHONPATH=str(REPO / "src"), NO_COLOR="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "weavesync", "sandbox", "--github-port", "0", "--jira-port", "0", "--ado-port", "0",
         "--env-file", str(env_file)],
        env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert _wait_for(env_file, 60), "the sandbox never wrote its env file"
        env = _read_env(env_file)
        assert list(env) == BOT_KEYS + PERSON_KEYS
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        github = httpx.get(f"{env['GITHUB_API_URL']}/repos/acme/shop/issues",
                           headers={"Authorization": f"Bearer {env['GITHUB_TOKEN']}"})
        assert github.status_code == 200
        jira = httpx.get(f"{env['JIRA_BASE_URL']}/rest/api/3/myself",
                         auth=(env["JIRA_EMAIL"], env["JIRA_API_TOKEN"]))
        assert jira.status_code == 200
        assert httpx.get(f"{env['GITHUB_API_URL']}/repos/acme/shop/issues",
                         headers={"Authorization": "Bearer wrong"}).status_code == 401
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert env["GITHUB_TOKEN"] in out and env["SANDBOX_PERSON_GITHUB_TOKEN"] in out
    for key in ("GITHUB_API_URL", "JIRA_BASE_URL", "AZURE_DEVOPS_ORG_URL"):
        assert _port_closed(env[key])


def test_port_in_use_is_one_error_line(invoke: Invoke, toy_trackers: None, tmp_path: Path) -> None:
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = invoke("sandbox", "--jira-port", str(port), "--env-file", str(tmp_path / "x.env"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port} for jira: Address already in use",
        "hint: pass another --jira-port, or 0 for any free port",
    ]
    assert not (tmp_path / "x.env").exists()
    assert {sig: signal.getsignal(sig) for sig in handlers} == handlers
