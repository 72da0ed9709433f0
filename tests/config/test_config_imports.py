"""weavesync.config imports only model, errors, itself, the standard library and jsonschema (style.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import weavesync.config as config_pkg
from weavesync.config import default_mappings

ALLOWED_WEAVESYNC = ("weavesync.model", "weavesync.errors", "weavesync.config")


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_config_imports_stay_inside_their_boundary() -> None:
    folder = Path(config_pkg.__file__).parent
    files = sorted(folder.glob("*.py"))
    assert len(files) >= 6
    for path in files:
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top == "weavesync":
                assert module.startswith(ALLOWED_WEAVESYNC), f"{path.name} imports {module}"
            else:
                assert top in sys.stdlib_module_names or top == "jsonschema", f"{path.name} imports {module}"


def test_mappings_are_hashable_values() -> None:
    first, second = default_mappings(), default_mappings()
    assert {first[t] for t in first} == {second[t] for t in second}
    assert len({hash(m) for m in first.values()}) == 3
