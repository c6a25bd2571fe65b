"""How the Segment-compatible endpoints appear in the OpenAPI document (they read their bodies themselves)."""

from __future__ import annotations

from typing import Any

from lodestar.events.ingest.messages import TYPES

_OBJECT = {"type": "object", "additionalProperties": True}
_ID = {"type": "string", "minLength": 1}
_MESSAGE_FIELDS: dict[str, Any] = {
    "type": {"type": "string", "enum": list(TYPES)},
    "userId": _ID,
    "anonymousId": _ID,
    "messageId": _ID,
    "event": _ID,
    "groupId": _ID,
    "previousId": _ID,
    "timestamp": {"type": "string", "format": "date-time"},
    "properties": _OBJECT,
    "traits": _OBJECT,
    "context": _OBJECT,
    "integrations": _OBJECT,
}
_WHO = [{"required": ["userId"]}, {"required": ["anonymousId"]}]
_ERROR = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
}
_ANSWERS = {
    "400": "The body is not JSON or gzip, or a message is invalid (the message names the field).",
    "401": "No write key, or an unknown or revoked one.",
    "413": "The body or one message is over its size limit.",
    "429": "Lodestar is shedding load: retry after `Retry-After` seconds.",
}


def _operation(body: dict[str, Any]) -> dict[str, Any]:
    ok = {"type": "object", "required": ["success"], "properties": {"success": {"type": "boolean"}}}
    responses: dict[str, Any] = {
        "200": {"description": "Stored durably.", "content": {"application/json": {"schema": ok}}}
    }
    for status, text in _ANSWERS.items():
        responses[status] = {"description": text, "content": {"application/json": {"schema": _ERROR}}}
    return {
        "security": [{"writeKey": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": responses,
    }


def batch_operation() -> dict[str, Any]:
    """The /v1/batch operation: a list of messages of any type, a shared context, an optional writeKey."""
    message = {"type": "object", "required": ["type"], "properties": _MESSAGE_FIELDS, "anyOf": _WHO}
    body = {
        "type": "object",
        "required": ["batch"],
        "properties": {
            "batch": {"type": "array", "minItems": 1, "maxItems": 20, "items": message},
            "context": _OBJECT,
            "writeKey": {"type": "string"},
            "sentAt": {"type": "string", "format": "date-time"},
        },
    }
    return _operation(body)


def single_operation(call: str) -> dict[str, Any]:
    """The /v1/<call> operation: one message of that type."""
    required = {"track": ["event"], "group": ["groupId"], "alias": ["previousId"]}.get(call, [])
    fields = {k: v for k, v in _MESSAGE_FIELDS.items() if k != "type"}
    return _operation({"type": "object", "required": required, "properties": fields, "anyOf": _WHO})
