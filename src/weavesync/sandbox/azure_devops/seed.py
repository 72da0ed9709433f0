"""The organisation a sandbox starts with, and bulk creation for benchmarks.

Seed ``default``: organisation ``acme`` with project ``Shop`` on the Agile process and a handful of work items of
each type; ``empty``: the same organisation and project with no work items.
"""

from __future__ import annotations

from typing import Any

from weavesync.sandbox.azure_devops.model import AdoState, Identity, WorkItem

ORGANIZATION = "acme"
PROJECT = "Shop"
PROCESS = "Agile"

_DEFAULT_ITEMS = (
    ("Epic", "Storefront relaunch", "Active"),
    ("Feature", "Checkout", "New"),
    ("Feature", "Wish lists", "Active"),
    ("User Story", "Pay by card", "Active"),
    ("User Story", "Save the cart between visits", "New"),
    ("Bug", "Totals round the wrong way", "Active"),
    ("Task", "Write the payment adapter", "New"),
)


def seed(state: AdoState, kind: str, person: Identity) -> None:
    state.add_project(PROJECT, PROCESS)
    if kind == "default":
        project = state.project(PROJECT)
        assert project is not None
        for type_name, title, wanted in _DEFAULT_ITEMS:
            wit = project.type(type_name)
            assert wit is not None
            item = state.create(project, wit, {"System.Title": title}, person)
            if wanted != wit.initial.name:
                state.update(item, {"System.State": wanted, "System.Reason": wit.default_reason(wanted)}, person)


def bulk(state: AdoState, data: dict[str, Any], person: Identity) -> dict[str, Any]:
    """``POST /_sandbox/seed {"count": N, "type": "Feature", "project": "Shop", "state": "Active", "tags": "a; b"}``."""
    count = int(data.get("count", 0))
    if not 0 < count <= 20000:
        raise ValueError("count must be between 1 and 20000")
    project = state.project(str(data.get("project", PROJECT)))
    if project is None:
        raise ValueError(f"no project {data.get('project')!r}")
    wit = project.type(str(data.get("type", "User Story")))
    if wit is None:
        raise ValueError(f"no work item type {data.get('type')!r} in {project.name}")
    wanted = data.get("state")
    target = wit.state(str(wanted)) if wanted else None
    if wanted and target is None:
        raise ValueError(f"no state {wanted!r} for {wit.name}")
    ids: list[int] = []
    with state.lock:
        for n in range(count):
            values: dict[str, Any] = {"System.Title": f"{data.get('title', 'Seeded item')} {n + 1}"}
            if data.get("tags"):
                values["System.Tags"] = str(data["tags"])
            if target is not None:
                values["System.State"] = target.name
                values["System.Reason"] = wit.default_reason(target.name)
            item: WorkItem = state.create(project, wit, values, person)
            ids.append(item.id)
    return {"ids": ids, "first": ids[0], "last": ids[-1], "project": project.name}
