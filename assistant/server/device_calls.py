"""Device calls made by the server: the intent is in the audit log before the device is called.

Devices are reached through ``services.adapters`` (``actions.adapter.Adapters``: each device
to the adapter of its kind), never a connection's client directly.

``command`` writes one ``pending`` audit row per device (storage ``begin_device_calls``, its
own transaction), only then calls the devices, then writes each outcome with every HTTP
attempt into its row (``finish_device_calls``). If the intent cannot be written (database
down or frozen: E400/E408, 503 with Retry-After; params that cannot be stored: E407, 422)
no device is called. If the outcome cannot be written the devices did act: the caller gets
the result, the rows stay ``pending`` (outcome unknown) and the error is logged.

Reading state is not an audited action: ``read_state`` / ``read_states`` write no rows, and
successful reads are logged at debug only (a ``GET /api/v1/devices`` reads every device).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from assistant.actions.result import ActionResult, Command, Outcome
from assistant.storage.errors import InvalidRecordError, StorageError

if TYPE_CHECKING:
    from assistant.actions.device import Device
    from assistant.server.services import Services

logger = logging.getLogger(__name__)

#: what is stored instead of a device answer that the database cannot hold
UNSTORABLE = {"not_stored": "the device's answer was not valid JSON text for the audit log"}


async def command(services: Services, devices: Sequence[Device], action: str,
                  params: Mapping[str, Any], *, requested_by: str,
                  conversation_id: str | None = None) -> ActionResult:
    """``action`` on every device at once; one merged result, audited intent-first.

    Raises the storage error (nothing called) when the intent cannot be recorded."""
    started = datetime.now(UTC)
    ids = await services.storage.begin_device_calls([
        {"device_id": d.id, "action": action, "params": dict(params),
         "requested_by": requested_by[:128], "conversation_id": conversation_id,
         "started_at": started}
        for d in devices])
    result = await services.adapters.command_many(
        [Command(d, action, dict(params)) for d in devices], requested_by=requested_by)
    await _finish(services, ids, result.outcomes)
    return result


async def read_state(services: Services, device: Device, *, requested_by: str,
                     conversation_id: str | None = None) -> ActionResult:
    """The device's state; a read, not audited (``conversation_id`` is for the log only)."""
    return await services.adapters.state(device, requested_by=requested_by)


async def read_states(services: Services, devices: Sequence[Device], *,
                      requested_by: str) -> list[ActionResult]:
    """Every device's state at once; reads, not audited. A device busy with its limit of
    calls is reported busy (E507) at once instead of holding up the whole list."""
    return list(await asyncio.gather(*(
        services.adapters.state(d, requested_by=requested_by, queue=False) for d in devices)))


async def _finish(services: Services, ids: Sequence[int], outcomes: Sequence[Outcome]) -> None:
    rows = [_outcome_row(i, o) for i, o in zip(ids, outcomes, strict=True)]
    try:
        try:
            await services.storage.finish_device_calls(rows)
        except InvalidRecordError:
            # a device answered something the database cannot hold (NUL, NaN...): keep
            # the outcome, drop the answer
            await services.storage.finish_device_calls([_storable(row) for row in rows])
    except StorageError as exc:
        # the devices did act; their rows stay "pending" (outcome unknown) for the operator
        logger.error("device calls %s ran but their outcome was not recorded: %s %s",
                     list(ids), exc.code, exc.message,
                     extra={"outcomes": [{k: v for k, v in r.items() if k != "response"}
                                         for r in rows]})


def _outcome_row(call_id: int, o: Outcome) -> dict[str, Any]:
    return {"id": call_id, "success": o.ok, "latency_ms": round(o.latency_ms, 1),
            "status_code": o.status_code,
            "error_code": o.failure.code if o.failure else None,
            "error_message": o.failure.message if o.failure else None,
            "response": _jsonable(o.response),
            "attempt_log": [a.to_dict() for a in o.attempt_log]}


def _storable(row: dict[str, Any]) -> dict[str, Any]:
    clean = {**row, "response": None if row["response"] is None else UNSTORABLE,
             "error_message": _clean(row["error_message"])}
    clean["attempt_log"] = [{**a, "error_message": _clean(a["error_message"])}
                            for a in row["attempt_log"]]
    return clean


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)
