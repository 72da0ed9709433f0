"""Reading and writing SpecWeave's own files: increments, their statuses, links and weavesync's bases.

Owns everything under `.specweave/increments/` that weavesync touches, and nothing else: it never talks to a
tracker, never decides what to sync, and never imports `trackers`, `engine`, `executor`, `cli` or `web`.

- `statuses`: tolerant reading of status spellings; `transitions`: SpecWeave 1.0.593's lifecycle table.
- `project`: find the project, scan increments (broken ones go to `Scan.problems`).
- `increment`: one increment as a snapshot; `links`: every external-link shape into `model.Link`.
- `writer`: the only code that writes (status, links, bases), atomically and under the increment lock.
- `files`: `atomic_write` and `increment_lock`; `jsonfile`, `frontmatter`: format-preserving I/O.
"""

from weavesync.specweave.files import atomic_write, increment_lock
from weavesync.specweave.increment import Increment
from weavesync.specweave.project import Project, Scan, find_project
from weavesync.specweave.statuses import normalise_status
from weavesync.specweave.transitions import ALLOWED, allowed_from, transition_path
from weavesync.specweave.writer import add_link, remove_link, set_status, write_bases

__all__ = [
    "ALLOWED",
    "Increment",
    "Project",
    "Scan",
    "add_link",
    "allowed_from",
    "atomic_write",
    "find_project",
    "increment_lock",
    "normalise_status",
    "remove_link",
    "set_status",
    "transition_path",
    "write_bases",
]
