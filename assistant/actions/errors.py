"""Device errors (codes E5xx).

E501-E507 describe one failed device call. The REST adapter raises them internally and turns
them into ``Failure`` values, so a caller of ``Adapters.command`` never sees them raised.
The registry errors (E510-E512) and E513 (``scenes.yaml``) are raised: a broken data file
stops start-up.
"""

from __future__ import annotations

from typing import Any

from assistant.errors import AssistantError, ProblemsError


class DeviceCallError(AssistantError):
    """One device call that did not succeed; carries what the device answered, if anything."""

    code = "E500"
    status = 502
    retryable = False  # worth another attempt for an idempotent action
    breaker_failure = False  # counts towards opening the device's circuit

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        status_code: int | None = None,
        response: Any = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status_code = status_code
        self.response = response


class DeviceTimeoutError(DeviceCallError):
    code = "E501"
    status = 504
    retryable = True
    breaker_failure = True


class DeviceServerError(DeviceCallError):
    """The device answered 5xx."""

    code = "E502"
    status = 502
    retryable = True
    breaker_failure = True


class CircuitOpenError(DeviceCallError):
    """Too many consecutive failures: calls are refused locally until the recovery timeout."""

    code = "E503"
    status = 503


class DeviceUnauthorizedError(DeviceCallError):
    """401/403 from the device, or no token configured for it."""

    code = "E504"
    status = 502


class DeviceRejectedError(DeviceCallError):
    """The device answered 4xx: unknown action, unsupported action or bad parameters."""

    code = "E505"
    status = 422


class DeviceUnreachableError(DeviceCallError):
    """Connection refused, reset or DNS failure."""

    code = "E506"
    status = 502
    retryable = True
    breaker_failure = True


class DeviceBusyError(DeviceCallError):
    """The device already had its limit of calls in flight until the call's deadline passed.

    Not a breaker failure: the device answers, only this call could not get a turn.
    """

    code = "E507"
    status = 503


class RegistryValidationError(ProblemsError):
    """``devices.yaml`` has problems; ``problems`` lists every one of them, with file:line."""

    code = "E510"
    status = 422
    subject = "the device registry"
    consequence = "no device was loaded"


class RegistryNotFoundError(AssistantError):
    code = "E511"
    status = 404


class UnknownDeviceError(AssistantError):
    code = "E512"
    status = 404


class ScenesValidationError(ProblemsError):
    """``scenes.yaml`` has problems (or is missing); ``problems`` lists every one, file:line."""

    code = "E513"
    status = 422
    subject = "the scenes file"
    consequence = "no scene was loaded"


class SimulatorPortError(AssistantError):
    code = "E520"
    status = 500
