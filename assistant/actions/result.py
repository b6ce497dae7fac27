"""What a device call did, as a value: shaped like a Home Assistant intent response
(``targets``, ``success``, ``failed``) so the reply can say what really happened."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from assistant.actions.device import Device


@dataclass(frozen=True)
class Command:
    """One action for one device, for ``Adapters.command_many``."""

    device: Device
    action: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Failure:
    device_id: str
    code: str  # E501 timeout, E502 device 5xx, E503 circuit open, E504 unauthorized,
    # E505 rejected (4xx), E506 unreachable, E507 busy (its calls in flight past the deadline)
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"device_id": self.device_id, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt of a call (a retried call has several), for the audit log."""

    number: int  # 1, 2, ...
    started_at: datetime
    latency_ms: float
    status_code: int | None
    error_code: str | None = None  # None: the attempt succeeded
    error_message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"attempt": self.number, "started_at": self.started_at,
                "latency_ms": round(self.latency_ms, 1), "status_code": self.status_code,
                "error_code": self.error_code, "error_message": self.error_message}


@dataclass(frozen=True)
class Outcome:
    """One device's part of a result."""

    device_id: str
    action: str
    params: Mapping[str, Any]
    failure: Failure | None
    status_code: int | None  # None when no HTTP answer came (timeout, refused, circuit open)
    response: Any  # the device's JSON body, if any
    latency_ms: float
    attempts: int
    attempt_log: tuple[Attempt, ...] = ()  # each HTTP attempt made, first first

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass(frozen=True)
class ActionResult:
    requested_by: str
    outcomes: tuple[Outcome, ...]
    latency_ms: float  # wall time of the whole call, retries included

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(o.device_id for o in self.outcomes)

    @property
    def success(self) -> tuple[str, ...]:
        return tuple(o.device_id for o in self.outcomes if o.ok)

    @property
    def failed(self) -> tuple[Failure, ...]:
        return tuple(o.failure for o in self.outcomes if o.failure is not None)

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    @property
    def status_code(self) -> int | None:
        """The HTTP status of a single-target call; None for several targets."""
        return self.outcomes[0].status_code if len(self.outcomes) == 1 else None

    @property
    def response(self) -> Any:
        """The device's JSON for a single target; ``{device_id: json}`` for several."""
        if len(self.outcomes) == 1:
            return self.outcomes[0].response
        return {o.device_id: o.response for o in self.outcomes}

    def to_dict(self) -> dict[str, Any]:
        return {
            "requested_by": self.requested_by,
            "targets": list(self.targets),
            "success": list(self.success),
            "failed": [f.to_dict() for f in self.failed],
            "latency_ms": round(self.latency_ms, 1),
            "status_code": self.status_code,
            "response": self.response,
            "outcomes": [
                {"device_id": o.device_id, "action": o.action, "params": dict(o.params),
                 "ok": o.ok, "status_code": o.status_code, "attempts": o.attempts,
                 "latency_ms": round(o.latency_ms, 1)}
                for o in self.outcomes
            ],
        }
