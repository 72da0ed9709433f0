"""Every error weavesync raises on purpose.

::

    WeavesyncError                 one line for the user; `hint` says how to fix it
    ├── UsageError                 bad command-line input (exit 2)
    ├── ConfigError                .specweave/config.json or a mapping is invalid; names the JSON path
    ├── SpecWeaveFileError         a SpecWeave file is unreadable or invalid; names the file and the field
    ├── ConcurrentChange           another writer (SpecWeave) changed what weavesync was about to change
    ├── ProjectNotFound            no .specweave/ folder above the working directory
    ├── LockTimeout                another weavesync process holds the increment's lock
    ├── StoreError                 the state store cannot be opened or migrated
    ├── SafetyStop                 a mass change that looks like a misconfiguration (override with --force)
    └── TrackerError               raised by tracker adapters only, classified by status code and headers
        ├── Retryable              connection errors, timeouts, 5xx, 429, secondary limits; has retry_after
        ├── AuthFailed             401 / 403 that is not a rate limit
        ├── ItemGone               404 / 410
        ├── Rejected               400 / 422: the tracker refused the request as invalid
        └── Conflict               409 / 412: someone else changed the item first

Errors carry their data as attributes so callers never parse messages. Messages must never contain secrets:
adapters build them from the request method, a redacted URL and the service's own error text.
"""

from __future__ import annotations


class WeavesyncError(Exception):
    """Base of all expected failures: printed as one line, no traceback unless --debug."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(WeavesyncError):
    exit_code = 2


class ConfigError(WeavesyncError):
    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = path


class SpecWeaveFileError(WeavesyncError):
    def __init__(self, file: str, message: str, *, field: str | None = None, hint: str | None = None) -> None:
        where = f"{file}: {field}: " if field else f"{file}: "
        super().__init__(where + message, hint=hint)
        self.file = file
        self.field = field
        self.detail = message
        """The message without the file and field prefix (for reports that show those in their own columns)."""


class ConcurrentChange(WeavesyncError):
    """Another writer (SpecWeave, a person, git) changed an increment file while weavesync was writing it, in a
    way that contradicts the change weavesync meant (the status, or weavesync's own key). Nothing of the other
    writer's change was reverted. The caller should decide again from the file as it is now: the next sync sees
    the other writer's change as a local change."""

    def __init__(self, file: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(f"{file}: {message}", hint=hint or "run the sync again: it decides from the file as it is now")
        self.file = file


class ProjectNotFound(WeavesyncError):
    pass


class LockTimeout(WeavesyncError):
    pass


class StoreError(WeavesyncError):
    pass


class SafetyStop(WeavesyncError):
    pass


class TrackerError(WeavesyncError):
    """A tracker call failed. `status` is the HTTP status (None for transport errors)."""

    def __init__(
        self,
        message: str,
        *,
        tracker: str,
        status: int | None = None,
        item: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.tracker = tracker
        self.status = status
        self.item = item


class Retryable(TrackerError):
    def __init__(
        self,
        message: str,
        *,
        tracker: str,
        status: int | None = None,
        item: str | None = None,
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, tracker=tracker, status=status, item=item, hint=hint)
        self.retry_after = retry_after


class AuthFailed(TrackerError):
    pass


class ItemGone(TrackerError):
    pass


class Rejected(TrackerError):
    pass


class Conflict(TrackerError):
    pass
