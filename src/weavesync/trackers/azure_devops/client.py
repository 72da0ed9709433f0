"""The Azure DevOps REST 7.1 calls weavesync makes, over the shared `HttpClient`.

One method per call, returning the service's JSON; errors are already typed by `HttpClient` (a 412 revision
mismatch arrives as `Conflict`, TF400733 as `Retryable`). ``api-version`` goes in the query string on every call
(comments are a preview resource: ``7.1-preview.4``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from typing import Any

from weavesync.model import Connection, without_userinfo
from weavesync.trackers.azure_devops.refs import org_url, segment
from weavesync.trackers.http import HttpClient

API = "7.1"
COMMENTS_API = "7.1-preview.4"
BATCH_MAX = 200
UPDATES_PAGE = 200
PATCH_JSON = "application/json-patch+json"


class AdoClient:
    def __init__(self, connection: Connection, *, http: HttpClient | None = None) -> None:
        self.organization = connection.place.get("organization", "")
        self.project = connection.place.get("project", "")
        if not self.organization or not self.project:
            raise ValueError("an Azure DevOps connection needs place.organization and place.project")
        self.org_url = org_url(without_userinfo(connection.base_url), self.organization)
        token = connection.token.reveal() if connection.token is not None else ""
        auth = "Basic " + base64.b64encode(f":{token}".encode()).decode()
        self.http = http or HttpClient(tracker="ado", base_url=self.org_url, auth_header=auth,
                                       credential_id=token,
                                       extra_headers={"Accept": "application/json",
                                                      "X-TFS-FedAuthRedirect": "Suppress"})

    def _wit(self, project: str | None, tail: str) -> str:
        return f"/{segment(project or self.project)}/_apis/wit/{tail}"

    def batch(self, ids: Sequence[int], fields: Sequence[str], *, project: str | None = None
              ) -> list[dict[str, Any] | None]:
        """Up to 200 items in one call; missing ones come back as None (``errorPolicy: omit``)."""
        if len(ids) > BATCH_MAX:
            raise ValueError(f"workitemsbatch takes at most {BATCH_MAX} ids")
        body = {"ids": list(ids), "fields": list(fields), "errorPolicy": "omit"}
        response = self.http.post(self._wit(project, "workitemsbatch"), params={"api-version": API}, json=body)
        value: list[dict[str, Any] | None] = response.json()["value"]
        return value

    def wiql(self, query: str, *, time_precision: bool = True, project: str | None = None) -> dict[str, Any]:
        params = {"api-version": API}
        if time_precision:
            params["timePrecision"] = "true"
        response = self.http.post(self._wit(project, "wiql"), params=params, json={"query": query})
        result: dict[str, Any] = response.json()
        return result

    def patch(self, item_id: int, ops: list[dict[str, Any]], *, project: str | None = None,
              item: str | None = None) -> dict[str, Any]:
        response = self.http.patch(self._wit(project, f"workitems/{item_id}"), params={"api-version": API},
                                   content=json.dumps(ops), headers={"Content-Type": PATCH_JSON}, item=item)
        result: dict[str, Any] = response.json()
        return result

    def create(self, item_type: str, ops: list[dict[str, Any]], *, project: str | None = None) -> dict[str, Any]:
        response = self.http.post(self._wit(project, f"workitems/${segment(item_type)}"),
                                  params={"api-version": API}, content=json.dumps(ops),
                                  headers={"Content-Type": PATCH_JSON})
        result: dict[str, Any] = response.json()
        return result

    def type_states(self, item_type: str, *, project: str | None = None) -> list[dict[str, Any]]:
        response = self.http.get(self._wit(project, f"workitemtypes/{segment(item_type)}/states"),
                                 params={"api-version": API})
        value: list[dict[str, Any]] = response.json()["value"]
        return value

    def updates(self, item_id: int, *, project: str | None = None, item: str | None = None
                ) -> list[dict[str, Any]]:
        """Every revision's changes of an item, oldest first, in pages of 200 (``$top``/``$skip``)."""
        out: list[dict[str, Any]] = []
        while True:
            response = self.http.get(self._wit(project, f"workItems/{item_id}/updates"),
                                     params={"api-version": API, "$top": str(UPDATES_PAGE), "$skip": str(len(out))},
                                     item=item)
            page = list(response.json().get("value") or [])
            out.extend(page)
            if len(page) < UPDATES_PAGE:
                return out

    def comments(self, item_id: int, *, project: str | None = None, item: str | None = None
                 ) -> Iterator[dict[str, Any]]:
        """Every comment of an item, following ``continuationToken`` pages."""
        token: str | None = None
        while True:
            params = {"api-version": COMMENTS_API, "$top": "200"}
            if token:
                params["continuationToken"] = token
            response = self.http.get(self._wit(project, f"workItems/{item_id}/comments"), params=params, item=item)
            body = response.json()
            yield from body.get("comments") or []
            token = body.get("continuationToken")
            if not token:
                return

    def add_comment(self, item_id: int, html_text: str, *, project: str | None = None,
                    item: str | None = None) -> dict[str, Any]:
        response = self.http.post(self._wit(project, f"workItems/{item_id}/comments"),
                                  params={"api-version": COMMENTS_API, "format": "html"}, json={"text": html_text},
                                  item=item)
        result: dict[str, Any] = response.json()
        return result

    def connection_data(self) -> dict[str, Any]:
        response = self.http.get("/_apis/connectionData", params={"api-version": "7.1-preview.1"})
        result: dict[str, Any] = response.json()
        return result

    def close(self) -> None:
        self.http.close()
