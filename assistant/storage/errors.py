"""Storage errors (codes E4xx). Each message says what failed and how to fix it."""

from __future__ import annotations

from assistant.errors import AssistantError


class StorageError(AssistantError):
    """Root of the storage errors."""

    code = "E499"
    status = 500


#: how long a client should wait before retrying after a database outage (seconds)
RETRY_AFTER_S = 2


class DatabaseUnreachableError(StorageError):
    """The database cannot be opened or connected to (server down, bad path, bad credentials)."""

    code = "E400"
    status = 503
    headers = {"Retry-After": str(RETRY_AFTER_S)}  # noqa: RUF012 - read by the HTTP edge


class MigrationError(StorageError):
    """The schema is not at the revision this code expects, or an upgrade failed."""

    code = "E401"
    status = 503


class DatabaseUrlError(StorageError):
    """The database URL is malformed or names an unsupported database."""

    code = "E402"
    status = 500


class ConversationConflictError(StorageError):
    """The conversation changed since it was read (optimistic version check failed)."""

    code = "E403"
    status = 409


class ConversationNotFoundError(StorageError):
    code = "E404"
    status = 404


class TimerNotFoundError(StorageError):
    code = "E405"
    status = 404


class DatabaseOperationError(StorageError):
    """A statement failed inside the database (constraint, lock timeout, disk full)."""

    code = "E406"
    status = 500


class InvalidRecordError(StorageError):
    """Data handed to storage cannot be stored (not JSON, unknown keys, bad id)."""

    code = "E407"
    status = 422


class DatabaseTimeoutError(StorageError):
    """The database did not answer within ``database_timeout_s`` (frozen, overloaded, locked)."""

    code = "E408"
    status = 503
    headers = {"Retry-After": str(RETRY_AFTER_S)}  # noqa: RUF012 - read by the HTTP edge
