"""Helpers for the sandbox Jira tests: ADF bodies, issue creation, a webhook receiver."""

from __future__ import annotations

import httpx


def adf(text: str) -> dict[str, object]:
    return {"type": "doc", "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]}


def new_issue(client: httpx.Client, summary: str = "Sandbox test issue", issuetype: str = "Task") -> str:
    response = client.post("/rest/api/3/issue", json={"fields": {
        "project": {"key": "CORE"}, "summary": summary, "issuetype": {"name": issuetype}}})
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


class Receiver:
    """A loopback HTTP endpoint that records webhook deliveries (raw body and headers)."""

    def __init__(self) -> None:
        import http.server
        import threading

        received: list[tuple[dict[str, str], bytes]] = []
        self.received = received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                received.append(({k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
