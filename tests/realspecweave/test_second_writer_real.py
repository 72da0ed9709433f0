"""One writer per item (issue 11, point 3): when SpecWeave's own `complete` has closed a GitHub issue and posted
its "Auto-closed by SpecWeave" comment, weavesync neither fights it nor posts a second completion comment.

SpecWeave's GitHub reconciler does that through `gh` (`gh issue comment` then `gh issue close`, with the body
below, copied from `dist/src/sync/github-reconciler.js` of 1.0.593); `gh` cannot reach the sandbox, so the same two
API calls are made here with the bot's own token, right after SpecWeave's real `complete`.
"""

from __future__ import annotations

import httpx

from e2e.conftest import World
from e2e.linked import expresses
from realspecweave.conftest import linked, sync
from specweave_cli import SpecWeaveProject
from weavesync.executor import reconcile
from weavesync.model import Status, Tracker

SPECWEAVE_COMMENT = ("## Increment Completed\n\nAll tasks for increment `{inc}` have been completed.\n\n---\n"
                     "Auto-closed by SpecWeave")


def _comments(world: World, number: str) -> list[str]:
    response = httpx.get(f"{world.env['GITHUB_API_URL']}/repos/acme/shop/issues/{number}/comments",
                         headers={"Authorization": f"Bearer {world.env['GITHUB_TOKEN']}"})
    response.raise_for_status()
    return [c["body"] for c in response.json()]


def test_no_second_completion_comment_after_specweaves_own_close(world: World, project: SpecWeaveProject) -> None:
    project.create("0001-alpha", "Alpha")
    item = linked(world, "0001-alpha")
    number = item.rsplit("#", 1)[1]
    project.complete("0001-alpha")
    api = f"{world.env['GITHUB_API_URL']}/repos/acme/shop/issues/{number}"
    bot = {"Authorization": f"Bearer {world.env['GITHUB_TOKEN']}"}
    httpx.post(f"{api}/comments", headers=bot, json={"body": SPECWEAVE_COMMENT.format(inc="0001-alpha")})
    httpx.patch(api, headers=bot, json={"state": "closed"}).raise_for_status()
    with world.session() as session:
        report = reconcile(session, session.policy(), ["0001-alpha"])
    assert not report.pending and not report.problems
    assert expresses(world, Tracker.GITHUB, item, Status.COMPLETED)  # the managed label is tidied, not fought
    comments = _comments(world, number)
    assert len(comments) == 1 and "Auto-closed by SpecWeave" in comments[0]


def test_weavesync_still_comments_when_it_closes_the_item_itself(world: World, project: SpecWeaveProject) -> None:
    project.create("0001-alpha", "Alpha")
    item = linked(world, "0001-alpha")
    project.complete("0001-alpha")
    sync(world, "0001-alpha")
    comments = _comments(world, item.rsplit("#", 1)[1])
    assert len(comments) == 1 and comments[0].startswith("Status: completed, synced from SpecWeave increment 0001")
