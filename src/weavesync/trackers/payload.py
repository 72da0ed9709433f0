"""Reading webhook payloads defensively: JSON with a nesting limit, and fields checked for their type.

A delivery is signed by the tracker, yet its shape is still input: a field of the wrong type (a label that is a
string instead of an object, a timestamp of 1e300) must become one `Rejected` naming the field, never an
AttributeError deep inside a parser. The receiver stores that message as the reason the delivery was set aside.
Nesting is bounded before parsing, because the standard json module recurses once per level and a body of
100,000 ``[`` raises RecursionError (or worse, in a thread with a small stack).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from weavesync.errors import Rejected

MAX_DEPTH = 64
"""The deepest nesting accepted; status events nest under ten levels (Jira's ADF descriptions a little more)."""

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """True when JSON `body` nests arrays/objects deeper than `limit` (brackets inside strings do not count)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for found in _BRACKETS.finditer(_STRINGS.sub(b"", body)):
        depth += 1 if found.group() in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


def load_json(body: bytes | str, *, tracker: str, what: str) -> Any:
    """`body` parsed, or `Rejected` naming `what` (``GitHub webhook body``) and why, in one line."""
    raw = body.encode() if isinstance(body, str) else body
    if too_deep(raw):
        raise Rejected(f"{what} nests deeper than {MAX_DEPTH} levels", tracker=tracker)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise Rejected(f"{what} is not valid JSON", tracker=tracker) from exc


def _kind(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null")


class Fields:
    """One JSON object of a payload and where it was found (``issue.fields``), read with type checks.

    A missing or null field reads as absent (None, an empty object or list); a present field of another type is
    `Rejected` with its path, so a parser never trusts a shape it did not check.
    """

    def __init__(self, data: object, path: str, tracker: str) -> None:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise Rejected(f"webhook payload field {path or 'body'} is {_kind(data)}, expected an object",
                           tracker=tracker)
        self.data: Mapping[str, Any] = data
        self.path = path
        self.tracker = tracker

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _wrong(self, key: str, expected: str) -> Rejected:
        return Rejected(f"webhook payload field {self.where(key)} is {_kind(self.data[key])}, expected {expected}",
                        tracker=self.tracker)

    def __contains__(self, key: str) -> bool:
        return self.data.get(key) is not None

    def obj(self, key: str) -> Fields:
        value = self.data.get(key)
        if value is not None and not isinstance(value, dict):
            raise self._wrong(key, "an object")
        return Fields(value, self.where(key), self.tracker)

    def text(self, key: str, *, numbers: bool = False) -> str | None:
        """A string field (``numbers``: an integer is accepted too, as its digits, for ids)."""
        value = self.data.get(key)
        if value is None or isinstance(value, str):
            return value
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        raise self._wrong(key, "a string or an integer" if numbers else "a string")

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._wrong(key, "a number")
        return float(value)

    def objects(self, key: str) -> list[Fields]:
        """An array of objects."""
        return [Fields(v, f"{self.where(key)}[{n}]", self.tracker) for n, v in enumerate(self._array(key))]

    def names(self, key: str) -> list[str]:
        """An array of strings, or of objects whose ``name`` is one (GitHub labels come both ways)."""
        out: list[str] = []
        for n, value in enumerate(self._array(key)):
            name = value if isinstance(value, str) else Fields(value, f"{self.where(key)}[{n}]", self.tracker
                                                                ).text("name")
            out.append(name or "")
        return out

    def _array(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._wrong(key, "an array")
        return value
