"""The OpenAPI 3.1 document, as data built from the route table and the pydantic models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from assistant.server.routes import GUARDED_ERRORS, Route
from assistant.server.schemas import CONVERSATION_ID, ErrorResponse

_REASONS = {400: "Invalid body, fields or values, or a malformed request",
            401: "Missing or wrong API key", 403: "Host or Origin not allowed (E713, E714)",
            404: "Not found", 408: "The body did not arrive in time (E715)",
            413: "Body or text too long", 414: "URL too long (E716)",
            415: "The body is not application/json (E712)", 422: "Not possible for the device",
            429: "Rate limit exceeded", 431: "Request headers too large (E717)",
            500: "Unexpected error (E000)", 502: "The device failed",
            503: "Not ready, or the device circuit is open",
            504: "The device did not answer in time"}
EDGE_ERRORS = (400, 403, 414, 431)  # any route: refused at the edge (edge.py)
BODY_ERRORS = (400, 408, 413, 415)  # any route with a JSON body
# the request fields that hold what the user said: at least 1, at most max_text_chars
TEXT_FIELDS = {("MessageRequest", "text"), ("ParseRequest", "text"),
               ("RasaParseRequest", "text"), ("RasaWebhookRequest", "message")}
# path parameters with a format (others are any string: an unknown one answers 404)
PATH_PARAMS: dict[str, dict[str, str]] = {
    "conversation_id": {"type": "string", "pattern": CONVERSATION_ID}}
_REF = "#/components/schemas/"


def document(routes: tuple[Route, ...], *, version: str = "0.1.0", api_keys: bool = True,
             max_text_chars: int = 1000) -> dict[str, Any]:
    """The document for ``routes``. ``api_keys``: the server requires a key (then the
    security schemes, per-operation security and 401 are declared; a loopback instance
    without keys requires none)."""
    schemas: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        op: dict[str, Any] = {"operationId": route.operation_id, "summary": route.summary,
                              "tags": [route.tag]}
        params = [{"name": name, "in": "path", "required": True,
                   "schema": dict(PATH_PARAMS.get(name, {"type": "string"}))}
                  for name in _path_params(route.path)]
        if params:
            op["parameters"] = params
        if route.request is not None:
            op["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": _schema(route.request, schemas, "validation")}}}
        ok: dict[str, Any] = {"description": "OK"}
        if route.response is not None:
            ok["content"] = {"application/json": {"schema": _schema(route.response, schemas)}}
        responses: dict[str, Any] = {"200": ok}
        errors = set(route.errors) | set(EDGE_ERRORS)
        if route.request is not None:
            errors |= set(BODY_ERRORS)
        if not route.public:
            errors |= set(GUARDED_ERRORS) - ({401} if not api_keys else set())
        error_ref = _schema(ErrorResponse, schemas)
        for status in sorted(errors):
            responses[str(status)] = {"description": _REASONS.get(status, "Error"),
                                      "content": {"application/json": {"schema": error_ref}}}
        op["responses"] = responses
        if api_keys:
            op["security"] = [] if route.public else list(_SECURITY)
        paths.setdefault(route.path, {})[route.method.lower()] = op
    _limit_texts(schemas, max_text_chars)
    components: dict[str, Any] = {"schemas": schemas}
    if api_keys:
        components["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Smart-home assistant API", "version": version,
                 "description": "Every error is {\"error\": {\"code\", \"message\", \"hint\"}} "
                                "with a stable code. Bodies are sent as "
                                "Content-Type: application/json."},
        "paths": paths,
        "components": components,
    }


_SECURITY: tuple[dict[str, list[str]], ...] = ({"bearer": []}, {"apiKey": []})


def _limit_texts(schemas: dict[str, Any], max_text_chars: int) -> None:
    for model, field in TEXT_FIELDS:
        prop = schemas.get(model, {}).get("properties", {}).get(field)
        if prop is not None and prop.get("type") == "string":
            prop.update(minLength=1, maxLength=max_text_chars)


def _schema(model: type[BaseModel], schemas: dict[str, Any],
            mode: Literal["validation", "serialization"] = "serialization") -> dict[str, str]:
    """Add ``model`` (and the models it uses) to ``schemas``; return a reference to it."""
    full = model.model_json_schema(ref_template=_REF + "{model}", mode=mode)
    for name, sub in full.pop("$defs", {}).items():
        schemas.setdefault(name, sub)
    schemas.setdefault(model.__name__, full)
    return {"$ref": _REF + model.__name__}


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
