"""How the model reads on the wire: work items, updates and comments in the REST 7.1 shapes.

Identities are kept as `Identity` objects in the model and rendered here, as IdentityRefs for REST and as
``Name <email>`` text for service-hook revisions (the real capture shows both).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from weavesync.sandbox.azure_devops.model import HIDDEN_FIELDS, Comment, Identity, WorkItem

EXPANDS = ("none", "relations", "fields", "links", "all")


def value(raw: Any, base_url: str, *, text_identities: bool = False) -> Any:
    if isinstance(raw, Identity):
        return raw.text if text_identities else raw.ref(base_url)
    return raw


def org_url(base_url: str, org: str) -> str:
    return f"{base_url}/{org}"


def work_item(item: WorkItem, org: str, base_url: str, *, fields: Iterable[str] | None = None,
              expand: str = "none") -> dict[str, Any]:
    """One WorkItem. `fields` (reference names) narrows the fields and may name hidden ones (System.Id/Rev)."""
    root = org_url(base_url, org)
    if fields is None:
        shown = {ref: value(v, base_url) for ref, v in item.fields.items() if ref not in HIDDEN_FIELDS}
    else:
        shown = {}
        for ref in fields:
            match = _field_key(item, ref)
            if match is not None:
                shown[match] = value(item.fields[match], base_url)
    url = f"{root}/{item.project.id}/_apis/wit/workItems/{item.id}"
    out: dict[str, Any] = {"id": item.id, "rev": item.rev, "fields": shown}
    if expand in ("relations", "all"):
        out["relations"] = []
    if expand in ("links", "all") or fields is None:
        out["_links"] = {
            "self": {"href": url}, "workItemUpdates": {"href": f"{url}/updates"},
            "workItemRevisions": {"href": f"{url}/revisions"}, "workItemComments": {"href": f"{url}/comments"},
            "html": {"href": f"{root}/{item.project.id}/_workitems/edit/{item.id}"},
            "workItemType": {"href": f"{root}/{item.project.id}/_apis/wit/workItemTypes/{item.type.name}"},
            "fields": {"href": f"{root}/{item.project.id}/_apis/wit/fields"},
        }
    if item.comments and fields is None:
        last = item.comments[-1]
        out["commentVersionRef"] = {"commentId": last.id, "version": last.version,
                                    "url": f"{url}/comments/{last.id}/versions/{last.version}"}
    out["url"] = url
    return out


def _field_key(item: WorkItem, ref: str) -> str | None:
    if ref in item.fields:
        return ref
    folded = ref.casefold()
    return next((k for k in item.fields if k.casefold() == folded), None)


def update(item: WorkItem, record: dict[str, Any], org: str, base_url: str) -> dict[str, Any]:
    root = f"{org_url(base_url, org)}/{item.project.id}/_apis/wit/workItems/{item.id}"
    fields = {ref: {k: value(v, base_url) for k, v in change.items()} for ref, change in record["fields"].items()}
    by: Identity = record["revisedBy"]
    return {"id": record["id"], "workItemId": item.id, "rev": record["rev"], "revisedBy": by.ref(base_url),
            "revisedDate": record["revisedDate"], "fields": fields,
            "_links": {"self": {"href": f"{root}/updates/{record['id']}"},
                       "workItemUpdates": {"href": f"{root}/updates"}, "parent": {"href": root}},
            "url": f"{root}/updates/{record['id']}"}


def comment(item: WorkItem, c: Comment, org: str, base_url: str) -> dict[str, Any]:
    url = f"{org_url(base_url, org)}/{item.project.id}/_apis/wit/workItems/{item.id}/comments/{c.id}"
    return {"workItemId": item.id, "id": c.id, "version": c.version, "text": c.text, "renderedText": c.rendered,
            "format": c.format, "createdBy": c.created_by.ref(base_url), "createdDate": c.created_date,
            "modifiedBy": c.created_by.ref(base_url), "modifiedDate": c.created_date, "isDeleted": False,
            "mentions": [], "reactions": [], "url": url}
