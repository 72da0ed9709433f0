"""10,000 issues: seeding through the control API, then indexed key lookups and a scan by time still answer."""

from __future__ import annotations

import httpx

from weavesync.sandbox import Sandbox
from weavesync.sandbox.server import ACCOUNTS, BOT


def test_holds_ten_thousand_issues() -> None:
    account = ACCOUNTS["jira"][BOT]
    with Sandbox(trackers=("jira",), seed="empty") as sandbox:
        url = sandbox.urls["jira"]
        keys = httpx.post(f"{url}/_sandbox/seed", json={"count": 10000}, timeout=60).json()["keys"]
        assert len(keys) == 10000 and keys[0] == "CORE-1" and keys[-1] == "CORE-10000"
        with httpx.Client(base_url=url, auth=(account.email or "", account.secret)) as client:
            page = client.post("/rest/api/3/search/jql", json={
                "jql": f"key in ({', '.join(keys[-100:])})", "fields": ["status"], "maxResults": 100}).json()
            assert len(page["issues"]) == 100 and page["isLast"] is True
            ids = client.post("/rest/api/3/search/jql", json={"jql": "project = CORE", "maxResults": 5000}).json()
            assert len(ids["issues"]) == 5000 and ids["nextPageToken"]
            assert client.get("/rest/api/3/issue/CORE-9999").json()["key"] == "CORE-9999"
