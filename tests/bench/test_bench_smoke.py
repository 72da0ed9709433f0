"""Every benchmark's `main` runs at a tiny size, so a bench cannot rot unnoticed.

No timing is asserted anywhere (figures depend on the machine); what is asserted is what the benches claim to
count: reads stay batched (fewer calls than items), a sync with nothing changed writes nothing, pushes land,
person-made closes become pending decisions.
"""

from __future__ import annotations

import pytest

from bench import bench_ado_read, bench_github_read, bench_jira_read, bench_sandbox, bench_sync, common

INCREMENTS = 8


@pytest.fixture(scope="module")
def result() -> bench_sync.Result:
    lines: list[str] = []
    found = bench_sync.run(INCREMENTS, changed=3, closed=2, out=lines.append)
    assert any(line.startswith("bench_sync: 8 increments x 3 trackers") for line in lines)
    return found


def test_sync_bench_runs_every_step(result: bench_sync.Result) -> None:
    assert [s.name[0] for s in result.steps] == ["1", "2", "3", "4", "5"]
    assert all(set(s.calls) == {"github", "jira", "ado"} for s in result.steps)


def test_sync_bench_reads_are_batched_and_read_only(result: bench_sync.Result) -> None:
    for name in ("1", "2", "4", "5"):
        step = next(s for s in result.steps if s.name.startswith(name))
        assert step.total_writes == 0, step.name
        for tracker, calls in step.calls.items():
            assert 0 < calls.reads < INCREMENTS, (step.name, tracker, calls.per_route)


def test_sync_bench_pushes_land_and_are_timed(result: bench_sync.Result) -> None:
    push = result.step("3 3 completed locally, sync")
    for tracker in ("github", "jira", "ado"):
        assert push.pushed(tracker) == 3
        assert push.calls[tracker].writes >= 3
        assert len(push.timings[f"{tracker} write"]) == 3


def test_sync_bench_closes_by_a_person_become_pending(result: bench_sync.Result) -> None:
    assert result.step("4 2 closed by a person, sync --no-input").pending == 2 * 3


def test_sync_bench_main_runs_one_tracker(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_sync.main(["--increments", "4", "--changed", "1", "--closed", "1", "--trackers", "jira"]) == 0
    out = capsys.readouterr().out
    assert "4 increments x 1 trackers (jira)" in out and "jira write" in out and "github" not in out


def test_sync_bench_refuses_an_unknown_tracker() -> None:
    with pytest.raises(SystemExit) as stopped:
        bench_sync.main(["--trackers", "gitlab"])
    assert stopped.value.code == 2


def test_read_benches_run(capsys: pytest.CaptureFixture[str]) -> None:
    bench_ado_read.main(["--items", "5"])
    bench_jira_read.main(["--items", "5"])
    bench_github_read.main(["--items", "5", "--capacity", "60", "--rate-seconds", "0.1"])
    out = capsys.readouterr().out
    assert "ado: " in out and "to read 5 linked items" in out
    assert "read_many: 5 items in " in out
    assert "github: " in out and "to read 5 linked issues in a repository of 60" in out


def test_sandbox_bench_runs(capsys: pytest.CaptureFixture[str]) -> None:
    bench_sandbox.main(["--seconds", "0.2", "--threads", "1"])
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines()] == ["github", "jira", "ado"]
    assert all(line.rstrip().endswith("errors 0") for line in out.splitlines())


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert common.percentile(values, 50) == 50.0
    assert common.percentile(values, 99) == 99.0
    assert common.percentile([3.0, 1.0, 2.0], 100) == 3.0
    assert common.percentile([], 95) == 0.0


def test_read_posts_are_not_counted_as_writes() -> None:
    calls = common.Calls({"POST /rest/api/3/search/jql": 2, "POST /{org}/{project}/_apis/wit/workitemsbatch": 1,
                   "GET /repos/{owner}/{repo}/issues": 3, "PATCH /repos/{owner}/{repo}/issues/{issue_number}": 4,
                   "POST /rest/api/3/issue/{key}/transitions": 5})
    assert (calls.reads, calls.writes, calls.total) == (6, 9, 15)
    assert common.is_write("DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name:path}")


def test_slowloris_bench_runs_and_real_deliveries_get_through() -> None:
    from bench import bench_slowloris

    figures = bench_slowloris.main(["--stalled", "30", "--seconds", "2.5", "--every", "0.25", "--fd-limit", "64",
                                    "--read-timeout", "1"])
    assert figures["stalled_opened"] == 30
    assert figures["answers"] == {202: figures["deliveries"]}, "every real delivery is acknowledged"
    assert figures["stalled_closed_by_server"] == 30, "stalled connections are dropped after the read timeout"
