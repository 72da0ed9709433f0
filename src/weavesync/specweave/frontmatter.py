"""YAML front matter of SpecWeave markdown files (spec.md, living-docs user stories).

Reading uses PyYAML's safe loader *without* the timestamp resolver, so `created: 2026-05-01` stays the string
SpecWeave wrote. Writing never re-serialises YAML: `replace_status_line` edits the one `status:` line in place
and leaves every other byte of the file alone (comments, quoting, line endings, the body).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from weavesync.specweave.jsonfile import MAX_DEPTH, too_deep

__all__ = ["MAX_DEPTH", "FrontMatter", "FrontMatterError", "replace_status_line", "split"]

_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster when built


class _NoTimestampLoader(_SafeBase):  # type: ignore[misc,valid-type]
    """A safe loader that keeps dates and timestamps as the strings found in the file."""


_NoTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _SafeBase.yaml_implicit_resolvers.items()
}

_OPEN = re.compile(r"^---[ \t]*\r?\n?$")
_CLOSE = re.compile(r"^(---|\.\.\.)[ \t]*\r?\n?$")
_TOO_DEEP = f"invalid YAML: nested deeper than {MAX_DEPTH} levels"
_STATUS_LINE = re.compile(r"^(status[ \t]*:[ \t]*)(.*?)([ \t]+#.*)?(\r\n|\n|\r)?$")


class FrontMatterError(ValueError):
    """The front matter is present but broken; `field` names the part ("front matter" or a key)."""

    def __init__(self, message: str, field: str = "front matter") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class FrontMatter:
    """Parsed front matter plus where it sits in the file's lines (keepends)."""

    data: dict[str, Any]
    lines: list[str]
    start: int
    """Index of the first line after the opening ``---``."""
    end: int
    """Index of the closing ``---`` line."""


def split(text: str) -> FrontMatter | None:
    """Find and parse the leading front matter; None when the file has none.

    Raises FrontMatterError when the opening ``---`` is never closed, the YAML is invalid, or it is not a
    mapping.
    """
    lines = text.splitlines(keepends=True)
    if not lines:
        return None
    first = lines[0].lstrip("\ufeff")
    if not _OPEN.match(first):
        return None
    for index in range(1, len(lines)):
        if _CLOSE.match(lines[index]):
            break
    else:
        raise FrontMatterError("front matter opened with '---' is never closed")
    block = "".join(lines[1:index])
    try:
        data = yaml.load(block, Loader=_NoTimestampLoader)  # a SafeLoader subclass: safe
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "could not be parsed"
        raise FrontMatterError(f"invalid YAML{where}: {problem}") from None
    except RecursionError:  # PyYAML's pure-Python parser recurses per level
        raise FrontMatterError(_TOO_DEEP) from None
    if too_deep(data):
        raise FrontMatterError(_TOO_DEEP)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(f"front matter must be a mapping, found {type(data).__name__}")
    return FrontMatter(data=data, lines=lines, start=1, end=index)


def replace_status_line(text: str, new_value: str) -> str | None:
    """Return `text` with the value of its top-level front-matter `status:` line set to `new_value`.

    Keeps the key's spacing, the value's quotes, a trailing comment and the line ending. Returns None when
    there is no front matter or no top-level `status:` line (the caller then leaves the file alone).
    """
    matter = split(text)
    if matter is None:
        return None
    lines = list(matter.lines)
    for index in range(matter.start, matter.end):
        match = _STATUS_LINE.match(lines[index])
        if match is None:
            continue
        prefix, value, comment, ending = match.groups()
        quote = value[0] if len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0] else ""
        lines[index] = f"{prefix}{quote}{new_value}{quote}{comment or ''}{ending or ''}"
        return "".join(lines)
    return None
