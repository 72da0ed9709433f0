"""Make the repository root importable, so `bench` (a top-level folder, not part of the package) imports under
any way of starting pytest, not only ``python -m pytest`` from the root."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
