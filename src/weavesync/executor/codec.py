"""JSON for the values the executor keeps in the store: targets, links and pending decisions.

A pending decision outlives the process that made it (off a terminal, `weavesync resolve` finishes it later),
so an `Ask` with its precomputed plans is stored as JSON and rebuilt exactly. Only this module knows the shape.
"""

from __future__ import annotations

from typing import Any

from weavesync.engine import Action, ApplyLocal, Ask, MarkGone, MoveBase, Noop, Push, RecordConflict
from weavesync.engine.actions import canonical_choice
from weavesync.model import Base, ExternalState, Link, LinkRole, Status, Target, Tracker, format_utc, parse_utc


def target_to_json(target: Target) -> dict[str, Any]:
    return {"state": target.state, "category": target.category, "reason": target.reason,
            "markers": sorted(target.markers)}


def target_from_json(data: dict[str, Any]) -> Target:
    return Target(state=data.get("state"), category=data.get("category"), reason=data.get("reason"),
                  markers=frozenset(data.get("markers") or ()))


def link_to_json(link: Link) -> dict[str, Any]:
    return {"tracker": link.tracker.value, "item": link.item, "role": link.role.value, "story": link.story,
            "url": link.url}


def link_from_json(data: dict[str, Any]) -> Link:
    return Link(tracker=Tracker(data["tracker"]), item=data["item"], role=LinkRole(data.get("role", "increment")),
                story=data.get("story"), url=data.get("url"))


def action_to_json(action: Action) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type(action).__name__, "reason": action.reason}
    if isinstance(action, MoveBase):
        out["base"] = action.new_base.to_json()
    elif isinstance(action, Push):
        out |= {"target": target_to_json(action.target), "status": action.status.value, "comment": action.comment}
    elif isinstance(action, ApplyLocal):
        out |= {"status": action.status.value, "thenPushOthers": action.then_push_others}
    elif isinstance(action, RecordConflict):
        out |= {"strategy": action.strategy, "outcome": action.outcome, "local": action.local.value,
                "external": action.external.to_json()}
    elif isinstance(action, Ask):
        out |= ask_to_json(action)
    return out


def action_from_json(data: dict[str, Any]) -> Action:
    kind, reason = data["type"], data["reason"]
    if kind == "Noop":
        return Noop(reason=reason)
    if kind == "MarkGone":
        return MarkGone(reason=reason)
    if kind == "MoveBase":
        return MoveBase(new_base=Base.from_json(data["base"]), reason=reason)
    if kind == "Push":
        return Push(target=target_from_json(data["target"]), status=Status(data["status"]),
                    comment=data.get("comment"), reason=reason)
    if kind == "ApplyLocal":
        return ApplyLocal(status=Status(data["status"]), then_push_others=bool(data.get("thenPushOthers", True)),
                          reason=reason)
    if kind == "RecordConflict":
        return RecordConflict(strategy=data["strategy"], outcome=data["outcome"], local=Status(data["local"]),
                              external=ExternalState.from_json(data["external"]), reason=reason)
    if kind == "Ask":
        return ask_from_json(data)
    raise ValueError(f"unknown action type {kind!r} in a stored decision")


def ask_to_json(ask: Ask) -> dict[str, Any]:
    return {
        "type": "Ask",
        "reason": ask.reason,
        "kind": ask.kind,
        "proposed": ask.proposed.value if ask.proposed else None,
        "choices": list(ask.choices),
        "increment": ask.increment,
        "link": link_to_json(ask.link),
        "local": ask.local.value,
        "external": ask.external.to_json(),
        "externalText": ask.external_text,
        "baseExternal": ask.base_external.to_json() if ask.base_external else None,
        "remoteVersion": ask.remote_version,
        "changedBy": ask.changed_by,
        "changedAt": format_utc(ask.changed_at) if ask.changed_at else None,
        "title": ask.title,
        "url": ask.url,
        "question": ask.question,
        "decidedAt": format_utc(ask.decided_at),
        "plans": [[name, [action_to_json(a) for a in actions]] for name, actions in ask.plans],
        "meanings": [[name, text] for name, text in ask.meanings],
    }


def ask_from_json(data: dict[str, Any]) -> Ask:
    return Ask(
        reason=data["reason"],
        kind=data["kind"],
        proposed=Status(data["proposed"]) if data.get("proposed") else None,
        choices=tuple(canonical_choice(c) for c in data["choices"]),  # decisions stored before one vocabulary
        increment=data["increment"],
        link=link_from_json(data["link"]),
        local=Status(data["local"]),
        external=ExternalState.from_json(data["external"]),
        external_text=data["externalText"],
        base_external=ExternalState.from_json(data["baseExternal"]) if data.get("baseExternal") else None,
        remote_version=data["remoteVersion"],
        changed_by=data.get("changedBy"),
        changed_at=parse_utc(data["changedAt"]) if data.get("changedAt") else None,
        title=data.get("title"),
        url=data.get("url"),
        question=data["question"],
        decided_at=parse_utc(data["decidedAt"]),
        plans=tuple((canonical_choice(name), tuple(action_from_json(a) for a in actions))
                    for name, actions in data.get("plans", [])),
        meanings=tuple((canonical_choice(name), text) for name, text in data.get("meanings", [])),
    )
