"""`Finding`: one thing `weavesync doctor` found, with how bad it is and the one step that fixes it.

Findings are plain frozen values so the library (`run_checks`), the CLI table and ``--json`` all show the same
thing. The JSON keys are part of weavesync's interface (scripts read them): add keys, never rename them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["ok", "info", "warning", "error"]

SEVERITIES: tuple[Severity, ...] = ("ok", "info", "warning", "error")
"""Mildest first; only ``error`` means broken (doctor exits 1)."""


@dataclass(frozen=True)
class Finding:
    """One result of one check.

    `check` names the group (``config``, ``mapping``, ``increments``, ``credentials``, ``links``, ``workflow``,
    ``webhooks``, ``outbox``, ``decisions``); `fix` is one actionable sentence, None for an ``ok`` finding.
    """

    check: str
    severity: Severity
    message: str
    fix: str | None = None
    tracker: str | None = None
    item: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"check": self.check, "severity": self.severity, "tracker": self.tracker, "item": self.item,
                "message": self.message, "fix": self.fix}


def count(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each severity, every severity present as a key (stable for ``--json``)."""
    out: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        out[finding.severity] += 1
    return out


def broken(findings: Iterable[Finding]) -> bool:
    """True when any finding is an error: the exit code of ``doctor`` is then 1."""
    return any(f.severity == "error" for f in findings)
