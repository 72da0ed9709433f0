"""weavesync's view of ``.specweave/config.json``: where each tracker lives, how statuses map, and the policy.

Owns reading and validating the config and the status mappings (US-003). Must not import `weavesync.trackers`,
`store`, `engine`, `cli` or `web`: the engine imports `config.mapping`, and adapters receive plain values.
"""

from weavesync.config.load import SyncConfig, connection_for, load_config
from weavesync.config.mapping import TrackerMapping, default_mappings
from weavesync.config.schema import status_sync_schema
from weavesync.config.validate import Problem, validate_config

__all__ = [
    "Problem",
    "SyncConfig",
    "TrackerMapping",
    "connection_for",
    "default_mappings",
    "load_config",
    "status_sync_schema",
    "validate_config",
]
