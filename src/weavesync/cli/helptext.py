"""The "Examples:" block that ends every command's ``--help``.

Each command passes ``epilog=examples(...)`` to its click decorator. The block starts with click's ``\\b``
marker so the lines are printed as written (click would otherwise re-wrap them into one paragraph), and each
example is a full command line that can be copied; a trailing ``# comment`` says what it is for.
`tests/cli/test_help.py` walks every registered command and fails when one has no example of itself.
"""

from __future__ import annotations


def examples(*lines: str) -> str:
    """An epilog listing `lines` under "Examples:", kept verbatim by click's help formatter."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)
