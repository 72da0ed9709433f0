"""The engine stays pure (style.md §1): it imports only the model, the errors, SpecWeave's transition table, its
own modules and the standard library, and it never reads a clock or a file."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import weavesync.engine

ENGINE = Path(weavesync.engine.__file__).parent
ALLOWED_PROJECT = ("weavesync.model", "weavesync.errors", "weavesync.specweave.transitions", "weavesync.engine")
FORBIDDEN_CALLS = {"now", "utcnow", "today", "open", "time", "monotonic", "random", "sleep"}


def imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_engine_imports_only_what_it_may() -> None:
    for path in sorted(ENGINE.glob("*.py")):
        for module in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            top = module.split(".")[0]
            if top == "weavesync":
                assert module.startswith(ALLOWED_PROJECT), f"{path.name} imports {module}"
            else:
                assert top in sys.stdlib_module_names or top == "__future__", f"{path.name} imports {module}"


def test_engine_reads_no_clock_and_no_file() -> None:
    for path in sorted(ENGINE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert name not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno} calls {name}()"
