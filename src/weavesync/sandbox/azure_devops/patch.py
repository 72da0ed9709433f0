"""Applying a JSON Patch document to a work item, with the work item type's rules.

What the service enforces and the sandbox copies: a JSON array of operations (``add``, ``replace``, ``remove``,
``test``); ``test /rev`` that does not match the current revision fails the whole document with 412 (TF26071);
``System.State`` must be a state of the item's type and ``System.Reason`` one the move allows (TF401320), the
reason defaulting to the move's default; ``add`` on ``System.Tags`` merges with the tags already there while
``replace`` overwrites them; read-only fields are refused. Nothing is saved here: the caller gets the changes.
"""

from __future__ import annotations

from typing import Any

from weavesync.sandbox.azure_devops.errors import AdoError, bad_request, rule_error
from weavesync.sandbox.azure_devops.model import WorkItem
from weavesync.sandbox.azure_devops.processes import WorkItemType

READ_ONLY = frozenset({"System.Id", "System.Rev", "System.WorkItemType", "System.TeamProject", "System.CreatedDate",
                       "System.CreatedBy", "System.ChangedDate", "System.ChangedBy", "System.AuthorizedDate",
                       "System.RevisedDate", "System.Watermark", "System.CommentCount",
                       "Microsoft.VSTS.Common.StateChangeDate", "Microsoft.VSTS.Common.ClosedDate",
                       "Microsoft.VSTS.Common.ClosedBy"})
WRITABLE_SYSTEM = frozenset({"System.Title", "System.Description", "System.State", "System.Reason", "System.Tags",
                             "System.History", "System.AssignedTo", "System.AreaPath", "System.IterationPath"})
_OPS = ("add", "replace", "remove", "test")


def split_tags(text: str | None) -> list[str]:
    """Tags as the service stores them: trimmed, de-duplicated without regard to case, sorted."""
    seen: dict[str, str] = {}
    for raw in (text or "").split(";"):
        tag = raw.strip()
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return sorted(seen.values(), key=str.casefold)


def join_tags(tags: list[str]) -> str | None:
    return "; ".join(tags) if tags else None


def _invalid_document() -> AdoError:
    return bad_request("You must pass a valid patch document in the body of the request.",
                       "VssPropertyValidationException")


def _field_ref(path: str, known: dict[str, Any]) -> str:
    ref = path[len("/fields/"):]
    folded = ref.casefold()
    for name in (*known, *WRITABLE_SYSTEM, *READ_ONLY):
        if name.casefold() == folded:
            return name
    if ref.startswith(("Microsoft.VSTS.", "Custom.")):
        return ref
    raise bad_request(f"TF51535: Cannot find field {ref}.", "WorkItemFieldInvalidException", error_code=600171,
                      event_id=3200)


def apply(document: Any, item: WorkItem | None, wit: WorkItemType, *, bypass_rules: bool = False
          ) -> dict[str, Any]:
    """The field changes a valid document makes (None removes a field); raises the service's errors."""
    if not isinstance(document, list) or not document:
        raise _invalid_document()
    current: dict[str, Any] = dict(item.fields) if item is not None else {}
    changes: dict[str, Any] = {}
    for op in document:
        if not isinstance(op, dict) or not isinstance(op.get("op"), str) or not isinstance(op.get("path"), str):
            raise _invalid_document()
        kind, path = op["op"].lower(), op["path"]
        if kind not in _OPS:
            raise bad_request(f"The JSON patch operation '{op['op']}' is not supported for work items.",
                              "VssPropertyValidationException")
        if path.lower() == "/rev":
            if kind != "test":
                raise rule_error("System.Rev", "Rev", op.get("value"), "ReadOnly")
            if item is not None and _as_int(op.get("value")) != item.rev:
                raise AdoError(412, f"TF26071: This work item has been changed by someone else since you opened it. "
                               f"You will need to refresh it and discard your changes. (rev {op.get('value')} "
                               f"requested, {item.rev} current)", "WorkItemRevisionMismatchException",
                               error_code=600122, event_id=3200)
            continue
        if path.lower().startswith("/relations"):
            raise bad_request("The sandbox does not model work item relations.", "VssPropertyValidationException")
        if not path.lower().startswith("/fields/"):
            raise bad_request(f"The path '{path}' is not valid for a work item patch.",
                              "VssPropertyValidationException")
        ref = _field_ref(path, current)
        if kind == "test":
            if current.get(ref) != op.get("value"):
                raise AdoError(412, f"TF26071: test operation on {ref} failed: the value has changed.",
                               "WorkItemRevisionMismatchException", error_code=600122, event_id=3200)
            continue
        if ref in READ_ONLY:
            raise rule_error(ref, ref.rsplit(".", 1)[-1], op.get("value"), "ReadOnly")
        if kind == "remove":
            changes[ref] = None
            current.pop(ref, None)
            continue
        if "value" not in op:
            raise _invalid_document()
        value = op["value"]
        if ref == "System.Tags":
            value = _tags(kind, value, current.get(ref))
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            raise bad_request(f"The value for field {ref} is not valid.", "VssPropertyValidationException")
        changes[ref] = value
        if value is None:
            current.pop(ref, None)
        else:
            current[ref] = value
    if not bypass_rules:
        _check_rules(changes, item, wit)
    return changes


def _tags(kind: str, value: Any, existing: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise bad_request("The value for field System.Tags is not valid.", "VssPropertyValidationException")
    new = split_tags(value)
    if kind == "add":
        new = split_tags("; ".join([*split_tags(existing if isinstance(existing, str) else None), *new]))
    return join_tags(new)


def _check_rules(changes: dict[str, Any], item: WorkItem | None, wit: WorkItemType) -> None:
    created = item is None
    if "System.Title" in changes or created:
        title = changes.get("System.Title")
        if not isinstance(title, str) or not title.strip():
            raise rule_error("System.Title", "Title", "", "InvalidEmpty")
    old_state = None if item is None else str(item.fields.get("System.State"))
    if "System.State" in changes:
        wanted = changes["System.State"]
        found = wit.state(str(wanted)) if isinstance(wanted, str) else None
        if found is None:
            raise rule_error("System.State", "State", wanted)
        changes["System.State"] = found.name
    new_state = changes.get("System.State", old_state if old_state is not None else wit.initial.name)
    moved = created or new_state != old_state
    if "System.Reason" in changes:
        reason = changes["System.Reason"]
        if reason not in wit.allowed_reasons(new_state, created=created):
            raise rule_error("System.Reason", "Reason", reason)
    elif moved:
        changes["System.Reason"] = wit.default_reason(new_state, created=created)


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
