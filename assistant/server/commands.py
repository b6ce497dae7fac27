"""``POST /api/v1/commands`` (a structured command, no NLU) and ``GET /api/v1/devices``."""

from __future__ import annotations

from aiohttp import web

from assistant.actions import errors as device_errors
from assistant.actions.describe import describe
from assistant.actions.device import Device
from assistant.actions.result import ActionResult
from assistant.server import device_calls
from assistant.server._body import read_model
from assistant.server.errors import UnsupportedActionError, error_body
from assistant.server.keys import SERVICES
from assistant.server.middleware import CLIENT, REQUEST_ID
from assistant.server.schemas import CommandRequest, CommandResponse, DeviceOut, DevicesResponse

# the HTTP status for a failed device call, by failure code (E501 -> 504, ...)
FAILURE_STATUS: dict[str, int] = {
    cls.code: cls.status
    for cls in (device_errors.DeviceTimeoutError, device_errors.DeviceServerError,
                device_errors.CircuitOpenError, device_errors.DeviceUnauthorizedError,
                device_errors.DeviceRejectedError, device_errors.DeviceUnreachableError)
}


async def post_command(request: web.Request) -> web.Response:
    body = await read_model(request, CommandRequest)
    services = request.app[SERVICES]
    device = services.registry.get(body.device)  # E512 (404) for an unknown id
    if not device.accepts(body.action):
        offered = ", ".join(device.actions) or "none (it only reports)"
        raise UnsupportedActionError(f"{device.id} has no action {body.action!r}",
                                     hint=f"its actions: {offered}")
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
