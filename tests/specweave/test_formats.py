"""Unit tests of the format-preserving readers behind the writers."""

from __future__ import annotations

import json

import pytest

import weavesync.specweave as specweave
from weavesync.specweave import frontmatter, jsonfile


@pytest.mark.parametrize(
    "text",
    [
        '{\n  "id": "0001",\n  "status": "planned",\n  "externalLinks": {},\n'
        '  "planning": {\n    "parallel": false\n  }\n}',
        '{\n    "status": "active",\n    "tags": [\n        "a"\n    ]\n}\n',
        '{\n\t"status": "active"\n}',
        '{\r\n  "status": "active",\r\n  "note": "line\\nbreak"\r\n}\r\n',
        '{"status":"active","n":[1,2]}',
        '{"status": "active", "title": "Caf\u00e9"}\n',
        '{\n  "title": "Caf\\u00e9 \\u2603"\n}',
        '\ufeff{\n  "status": "active"\n}',
        '{\n  "title": "\u65e5\u672c"\n}',
    ],
)
def test_json_round_trip_is_byte_identical(text: str) -> None:
    value, fmt = jsonfile.loads(text.encode("utf-8"))
    assert jsonfile.dumps(value, fmt) == text.encode("utf-8")


def test_escaped_file_stays_escaped_and_raw_file_stays_raw() -> None:
    escaped, fmt = jsonfile.loads(b'{\n  "t": "\\u00e9"\n}')
    escaped["u"] = "\u2603"
    assert b"\\u2603" in jsonfile.dumps(escaped, fmt)
    raw, fmt = jsonfile.loads('{\n  "t": "é"\n}'.encode())
    raw["u"] = "\u2603"
    assert "\u2603".encode() in jsonfile.dumps(raw, fmt)


def test_specweave_format_is_json_stringify_2() -> None:
    value = {"a": {"b": [1, "é"]}, "c": {}}
    assert jsonfile.dumps(value) == json.dumps(value, indent=2, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"{", "invalid JSON at line 1"), (b"null", "expected a JSON object"), (b"\xc3", "not UTF-8")],
)
def test_json_errors_are_one_line(data: bytes, message: str) -> None:
    with pytest.raises(jsonfile.JsonFileError, match=message) as caught:
        jsonfile.loads(data)
    assert "\n" not in str(caught.value)


def test_front_matter_keeps_dates_as_strings() -> None:
    matter = frontmatter.split("---\ncreated: 2026-05-01\nat: 2026-05-01T10:00:00Z\nn: 80\n---\nbody\n")
    assert matter is not None
    assert matter.data == {"created": "2026-05-01", "at": "2026-05-01T10:00:00Z", "n": 80}


@pytest.mark.parametrize("text", ["", "# title\n", "text\n---\nstatus: x\n---\n"])
def test_no_front_matter(text: str) -> None:
    assert frontmatter.split(text) is None
    assert frontmatter.replace_status_line(text, "active") is None


def test_empty_front_matter_and_bom() -> None:
    matter = frontmatter.split("---\n---\n")
    assert matter is not None and matter.data == {}
    text = "\ufeff---\nstatus: planned\n---\n"
    assert frontmatter.replace_status_line(text, "active") == "\ufeff---\nstatus: active\n---\n"


def test_public_api() -> None:
    required = {
        "normalise_status", "ALLOWED", "transition_path", "allowed_from", "Project", "find_project", "Increment",
        "set_status", "add_link", "remove_link", "write_bases", "atomic_write", "increment_lock",
    }  # fmt: skip
    assert required <= set(specweave.__all__)
    for name in specweave.__all__:
        assert getattr(specweave, name) is not None
