"""Atlassian Document Format helpers, and the hidden-ish markers weavesync leaves in comments and descriptions.

REST v3 refuses plain strings for rich text, so every body weavesync writes is ADF. A marker is one extra text
node at the end (``weavesync-op:<id>`` / ``weavesync-link:<marker>``) rendered small and grey (subscript, muted
colour). ADF has no hidden nodes; we chose a text node over an entity property because a text node survives
copy, edit and export, is returned by every read, and is searchable with JQL ``text ~`` / ``comment ~``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

OP_PREFIX = "weavesync-op:"
LINK_PREFIX = "weavesync-link:"
_MUTED = [{"type": "subsup", "attrs": {"type": "sub"}}, {"type": "textColor", "attrs": {"color": "#97a0af"}}]


def paragraphs(text: str) -> list[dict[str, Any]]:
    """One ADF paragraph per non-empty line (empty text nodes are invalid ADF)."""
    out = []
    for line in text.splitlines() or [text]:
        if line.strip():
            out.append({"type": "paragraph", "content": [{"type": "text", "text": line}]})
    return out


def document(text: str, marker: str | None = None) -> dict[str, Any]:
    """An ADF document for `text`, with `marker` (already prefixed) as a muted text node at the end."""
    content = paragraphs(text)
    if marker:
        content.append({"type": "paragraph", "content": [{"type": "text", "text": marker, "marks": _MUTED}]})
    return {"type": "doc", "version": 1, "content": content}


def op_marker(op_id: str) -> str:
    return OP_PREFIX + op_id


def link_marker(marker: str) -> str:
    return LINK_PREFIX + marker


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "text" and isinstance(node.get("text"), str):
            yield node["text"]
        for child in node.get("content") or []:
            yield from _texts(child)
    elif isinstance(node, list):
        for child in node:
            yield from _texts(child)
    elif isinstance(node, str):
        yield from node.split()


def has_marker(body: Any, marker: str) -> bool:
    """Whether a text node of `body` (ADF, or a v2 plain string) is exactly `marker` (after trimming)."""
    return any(text.strip() == marker for text in _texts(body))


def announces(body: Any, text: str) -> bool:
    """Whether `body` is a comment of weavesync's (it carries an operation marker) saying exactly `text`."""
    if not isinstance(body, dict):
        return False
    texts = [t.strip() for t in _texts(body)]
    said = [t for t in texts if not t.startswith(OP_PREFIX)]
    return len(said) < len(texts) and said == [line.strip() for line in text.splitlines() if line.strip()]
