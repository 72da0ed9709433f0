"""Read and re-write a JSON file so that only the values weavesync changes differ.

SpecWeave writes `metadata.json` with `JSON.stringify(obj, null, 2)`: two-space indentation, no trailing
newline, non-ASCII characters as they are. People and other tools may have re-saved it with 4 spaces, tabs, a
final newline, CRLF or `\\uXXXX` escapes. `JsonFormat` records those choices on read and `dump` reproduces them,
so a file weavesync rewrites differs from the original only where a value changed. Key order is kept because
Python dicts keep insertion order; new keys go at the end, as SpecWeave appends them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_BOM = "\ufeff"
_NON_ASCII_ESCAPE = re.compile(r"\\u(?!00[0-7][0-9a-fA-F])[0-9a-fA-F]{4}")


@dataclass(frozen=True)
class JsonFormat:
    """How a JSON file was laid out: enough to write it back the same way."""

    indent: str | None = "  "
    """None for a one-line (compact) file."""
    compact_separators: tuple[str, str] = (", ", ": ")
    trailing_newline: bool = False
    newline: str = "\n"
    ensure_ascii: bool = False
    bom: bool = False


SPECWEAVE_FORMAT = JsonFormat()
"""What SpecWeave itself writes (used for files weavesync creates)."""


MAX_DEPTH = 100
"""Deepest nesting read (the top-level object is level 1). SpecWeave's files nest about 5 levels; far deeper
values are damage, and they break Python's own recursion (`json`, `copy.deepcopy`, PyYAML) with a
RecursionError that would abort the whole run instead of naming the one broken file."""


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and dicts in `value` nest more than `limit` levels (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


_TOO_DEEP = f"invalid JSON: nested deeper than {MAX_DEPTH} levels"


class JsonFileError(ValueError):
    """The bytes are not a JSON object; `message` says where, for a SpecWeaveFileError."""


def detect_format(text: str) -> JsonFormat:
    """Guess indentation, final newline, line ending, escaping and BOM from the file's text."""
    bom = text.startswith(_BOM)
    body = text[1:] if bom else text
    newline = "\r\n" if "\r\n" in body else "\n"
    indent = "  "
    for line in body.splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and len(stripped) < len(line):
            lead = line[: len(line) - len(stripped)]
            indent = "\t" if lead.startswith("\t") else " " * len(lead)
            break
    trailing = body.endswith("\n")
    ensure_ascii = body.isascii() and bool(_NON_ASCII_ESCAPE.search(body))
    if "\n" not in body.rstrip("\r\n"):
        spaced = re.search(r'"\s*:\s', body) is not None or not re.search(r'"\s*:', body)
        separators = (", ", ": ") if spaced else (",", ":")
        return JsonFormat(
            indent=None,
            compact_separators=separators,
            trailing_newline=trailing,
            newline=newline,
            ensure_ascii=ensure_ascii,
            bom=bom,
        )
    return JsonFormat(indent=indent, trailing_newline=trailing, newline=newline, ensure_ascii=ensure_ascii, bom=bom)


def loads(data: bytes) -> tuple[dict[str, Any], JsonFormat]:
    """Parse a JSON object and its layout. Raises JsonFileError with a one-line reason."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonFileError(f"not UTF-8 text (byte {exc.start})") from None
    fmt = detect_format(text)
    body = text[1:] if fmt.bom else text
    try:
        value = json.loads(body)
    except json.JSONDecodeError as exc:
        raise JsonFileError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise JsonFileError(_TOO_DEEP) from None
    if too_deep(value):
        raise JsonFileError(_TOO_DEEP)
    if not isinstance(value, dict):
        raise JsonFileError(f"expected a JSON object, found {type(value).__name__}")
    return value, fmt


def dumps(value: dict[str, Any], fmt: JsonFormat = SPECWEAVE_FORMAT) -> bytes:
    """Serialise `value` in the layout `fmt` describes."""
    if fmt.indent is None:
        text = json.dumps(value, separators=fmt.compact_separators, ensure_ascii=fmt.ensure_ascii)
    else:
        text = json.dumps(value, indent=fmt.indent, ensure_ascii=fmt.ensure_ascii)
    if fmt.trailing_newline:
        text += "\n"
    if fmt.newline != "\n":
        text = text.replace("\n", fmt.newline)
    if fmt.bom:
        text = _BOM + text
    return text.encode("utf-8")
