"""The OpenAPI 3.1 document, as data built from the route table and the pydantic models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from assistant.server.routes import GUARDED_ERRORS, Route
from assistant.server.schemas import ErrorResponse

_REASONS = {400: "Invalid body or fields", 401: "Missing or wrong API key",
            404: "Not found", 413: "Body or text too long", 422: "Not possible for the device",
            429: "Rate limit exceeded", 500: "Unexpected error (E000)",
            502: "The device failed", 503: "Not ready, or the device circuit is open",
            504: "The device did not answer in time"}
_REF = "#/components/schemas/"


def document(routes: tuple[Route, ...], *, version: str = "0.1.0") -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        op: dict[str, Any] = {"operationId": route.operation_id, "summary": route.summary,
                              "tags": [route.tag]}
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
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
        errors = set(route.errors) | (set() if route.public else set(GUARDED_ERRORS))
        error_ref = _schema(ErrorResponse, schemas)
        for status in sorted(errors):
            responses[str(status)] = {"description": _REASONS.get(status, "Error"),
                                      "content": {"application/json": {"schema": error_ref}}}
        op["responses"] = responses
        if route.public:
            op["security"] = []
        paths.setdefault(route.path, {})[route.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Smart-home assistant API", "version": version,
                 "description": "Every error is {\"error\": {\"code\", \"message\", \"hint\"}} "
                                "with a stable code."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "apiKey": {"type": "apiKey", "in": "header",
                                           "name": "X-API-Key"}},
        },
        "security": [{"bearer": []}, {"apiKey": []}],
    }


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
