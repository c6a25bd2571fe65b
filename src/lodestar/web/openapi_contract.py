"""What every JSON route shares in the OpenAPI document: how to authenticate and the error answers.

Added to the generated document once, so a new route under /api/ is documented without repeating it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from lodestar.kit.errors import ERROR_ANSWERS, ErrorBody

SECURITY_SCHEMES = {
    "bearerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token: `lodestar users token EMAIL`, or POST /api/v1/tokens.",
    },
    "writeKey": {
        "type": "http",
        "scheme": "basic",
        "description": "Segment style: a write key as the Basic username, the password empty.",
    },
}


def _error_schemas(schemas: dict[str, Any]) -> dict[str, str]:
    schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas["ErrorBody"] = schema
    # FastAPI's own 422 body is never sent: the app answers every validation error with ErrorBody.
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return {"$ref": "#/components/schemas/ErrorBody"}


def add_shared_contract(doc: dict[str, Any]) -> dict[str, Any]:
    """Documents bearer authentication and the 400/401/403/404/409/422 answers of every /api/ operation."""
    components = doc.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    ref = _error_schemas(components.setdefault("schemas", {}))
    for path, operations in doc["paths"].items():
        if not path.startswith("/api/"):
            continue
        for operation in operations.values():
            operation["security"] = [{"bearerToken": []}]
            responses = operation.setdefault("responses", {})
            for status, text in ERROR_ANSWERS.items():
                responses[str(status)] = {
                    "description": text,
                    "content": {"application/json": {"schema": ref}},
                }
    return doc


def install(app: FastAPI) -> None:
    """Makes the app's /openapi.json carry the shared contract."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_shared_contract(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
