"""weavesync: keep SpecWeave increment status in sync with GitHub Issues, Jira Cloud and Azure DevOps."""

from weavesync.model import Base, ExternalState, Link, LinkRole, Receipt, RemoteItem, Status, Target, Tracker

__version__ = "0.1.0"

__all__ = [
    "Base",
    "ExternalState",
    "Link",
    "LinkRole",
    "Receipt",
    "RemoteItem",
    "Status",
    "Target",
    "Tracker",
    "__version__",
]
