"""Device calls made by the server, each written to the audit log before anyone is told.

Every function here calls the device client (failures come back as values) and then
``storage.record_device_calls`` (one row per device, one transaction), so a reply never
reports a call that is not in the audit log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from assistant.actions.result import ActionResult, Command, Outcome

if TYPE_CHECKING:
    from assistant.actions.device import Device
    from assistant.server.services import Services


async def command(services: Services, devices: Sequence[Device], action: str,
                  params: Mapping[str, Any], *, requested_by: str,
                  conversation_id: str | None = None) -> ActionResult:
    """``action`` on every device at once; one merged, audited result."""
    started = datetime.now(UTC)
    result = await services.client.command_many(
        [Command(d, action, dict(params)) for d in devices], requested_by=requested_by)
    await audit(services, result, started, conversation_id)
    return result


async def read_state(services: Services, device: Device, *, requested_by: str,
                     conversation_id: str | None = None) -> ActionResult:
    started = datetime.now(UTC)
    result = await services.client.state(device, requested_by=requested_by)
    await audit(services, result, started, conversation_id)
    return result


async def read_states(services: Services, devices: Sequence[Device], *,
                      requested_by: str) -> list[ActionResult]:
    """Every device's state at once; all the reads audited in one transaction."""
    started = datetime.now(UTC)
    results = list(await asyncio.gather(*(services.client.state(d, requested_by=requested_by)
                                          for d in devices)))
    await services.storage.record_device_calls(
        [_audit_row(r, o, started, None) for r in results for o in r.outcomes])
    return results


async def audit(services: Services, result: ActionResult, started: datetime,
                conversation_id: str | None) -> None:
    """One audit row per device, all in one transaction."""
    await services.storage.record_device_calls(
        [_audit_row(result, o, started, conversation_id) for o in result.outcomes])


def _audit_row(result: ActionResult, o: Outcome, started: datetime,
               conversation_id: str | None) -> dict[str, Any]:
    return {"device_id": o.device_id, "action": o.action, "params": dict(o.params),
            "requested_by": result.requested_by[:128], "success": o.ok, "started_at": started,
            "latency_ms": round(o.latency_ms, 1), "status_code": o.status_code,
            "error_code": o.failure.code if o.failure else None,
            "error_message": o.failure.message if o.failure else None,
            "response": _jsonable(o.response), "conversation_id": conversation_id}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)
