"""``POST /api/v1/commands`` (a structured command, no NLU) and ``GET /api/v1/devices``.

A risky command (a flow asks before it: unlock, open the garage door) first answers 409
(E724) with a ``confirmation_token``; the same command with ``"confirm": "<token>"`` runs.
Only a key with the scope ``control:unconfirmed`` skips that."""

from __future__ import annotations

import logging

from aiohttp import web

from assistant.actions import errors as device_errors
from assistant.actions.describe import describe
from assistant.actions.device import Device
from assistant.actions.result import ActionResult
from assistant.server import device_calls
from assistant.server._body import read_model
from assistant.server.confirmations import needs_confirmation
from assistant.server.errors import (
    ConfirmationInvalidError,
    ConfirmationRequiredError,
    UnsupportedActionError,
    error_body,
)
from assistant.server.keys import CONFIRMATIONS, SERVICES
from assistant.server.middleware import CLIENT, PRINCIPAL, REQUEST_ID
from assistant.server.schemas import CommandRequest, CommandResponse, DeviceOut, DevicesResponse

logger = logging.getLogger(__name__)

# the HTTP status for a failed device call, by failure code (E501 -> 504, ...)
FAILURE_STATUS: dict[str, int] = {
    cls.code: cls.status
    for cls in (device_errors.DeviceTimeoutError, device_errors.DeviceServerError,
                device_errors.CircuitOpenError, device_errors.DeviceUnauthorizedError,
                device_errors.DeviceRejectedError, device_errors.DeviceUnreachableError,
                device_errors.DeviceBusyError)
}


async def post_command(request: web.Request) -> web.Response:
    body = await read_model(request, CommandRequest)
    services = request.app[SERVICES]
    device = services.registry.get(body.device)  # E512 (404) for an unknown id
    if not device.accepts(body.action):
        offered = ", ".join(device.actions) or "none (it only reports)"
        raise UnsupportedActionError(f"{device.id} has no action {body.action!r}",
                                     hint=f"its actions: {offered}")
    refused = _unconfirmed(request, device, body)
    if refused is not None:
        return refused
    result = await device_calls.command(services, [device], body.action, body.params,
                                        requested_by=request[CLIENT])
    reply = describe(result, services.registry)
    out = CommandResponse(device=device.id, action=body.action, ok=result.ok, reply=reply,
                          result=result.to_dict()).model_dump()
    if result.ok:
        return web.json_response(out)
    failure = result.failed[0]
    error = device_errors.DeviceCallError(failure.message, hint=reply)
    error.code = failure.code
    return web.json_response({**error_body(error, request.get(REQUEST_ID)), **out},
                             status=FAILURE_STATUS.get(failure.code, 502))


def _unconfirmed(request: web.Request, device: Device, body: CommandRequest
                 ) -> web.Response | None:
    """The 409 answer for a risky command without a valid confirmation token; None when it
    may run (confirmed, not risky, or a principal with ``control:unconfirmed``)."""
    principal = request[PRINCIPAL]
    flows = request.app[SERVICES].dialogue.get().flows.values()  # E707 while loading
    if principal.allows("control:unconfirmed") or not needs_confirmation(
            flows, device, body.action):
        return None
    tokens = request.app[CONFIRMATIONS]
    if body.confirm is not None and tokens.redeem(body.confirm, principal.id, device.id,
                                                  body.action, body.params):
        return None
    what = f"{body.action} on the {device.name}"
    hint = (f"send the same command again within {tokens.ttl_s:.0f} s with "
            '"confirm": the confirmation_token of this answer')
    error: ConfirmationRequiredError | ConfirmationInvalidError = (
        ConfirmationRequiredError(f"{what} needs a confirmation", hint=hint)
        if body.confirm is None else
        ConfirmationInvalidError(f"the confirmation token for {what} is not valid: unknown, "
                                 "expired, already used or for another command", hint=hint))
    token = tokens.issue(principal.id, device.id, body.action, body.params)
    logger.info("confirmation asked for %s %s (%s)", device.id, body.action, error.code)
    return web.json_response({**error_body(error, request.get(REQUEST_ID)),
                              "confirmation_token": token,
                              "expires_in_s": round(tokens.ttl_s)}, status=error.status)


async def list_devices(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    devices = list(services.registry)
    states = await device_calls.read_states(services, devices, requested_by=request[CLIENT])
    out = DevicesResponse(devices=[_device_out(d, r) for d, r in zip(devices, states)])
    return web.json_response(out.model_dump(mode="json"))


async def get_device(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    device = services.registry.get(request.match_info["device_id"])
    state = await device_calls.read_state(services, device, requested_by=request[CLIENT])
    return web.json_response(_device_out(device, state).model_dump(mode="json"))


def _device_out(device: Device, result: ActionResult) -> DeviceOut:
    response = result.response if result.ok else None
    state = response.get("state") if isinstance(response, dict) else None
    failed = result.failed[0].to_dict() if result.failed else None
    return DeviceOut(id=device.id, name=device.name, room=device.room, type=device.type,
                     aliases=list(device.aliases), capabilities=list(device.capabilities),
                     actions=list(device.actions), reachable=result.ok,
                     state=state if isinstance(state, dict) else None, error=failed)
