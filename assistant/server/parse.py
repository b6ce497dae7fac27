"""``POST /api/v1/parse`` and Rasa's ``POST /model/parse``: the NLU result of one text."""

from __future__ import annotations

from aiohttp import web

from assistant.server._body import check_text, read_model
from assistant.server.keys import SERVICES
from assistant.server.schemas import ParseRequest, RasaParseRequest


async def parse(request: web.Request) -> web.Response:
    body = await read_model(request, ParseRequest)
    return web.json_response(await _parse(request, body.text))


async def rasa_parse(request: web.Request) -> web.Response:
    body = await read_model(request, RasaParseRequest)
    return web.json_response(await _parse(request, body.text))


async def _parse(request: web.Request, text: str) -> dict[str, object]:
    services = request.app[SERVICES]
    check_text(text, services.settings.max_text_chars)
    result = await services.nlu.get().parse(text)  # E200 / E707 while there is none
    return result.to_dict()
