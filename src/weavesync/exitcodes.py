"""Exit codes: part of weavesync's interface, documented here and in docs/exit-codes.md."""

OK = 0
"""Everything asked for was done (or there was nothing to do)."""
ERROR = 1
"""Something failed: a file, the config, a tracker, the store. The message names it."""
USAGE = 2
"""The command line was wrong: unknown option, bad argument."""
PENDING = 3
"""Decisions are pending: a person must answer with `weavesync resolve` (or run on a terminal)."""
DRIFT = 4
"""`weavesync plan` found something that `sync` would change."""
