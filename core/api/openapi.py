"""``GET /api/v1/openapi.json``: built from the registered routes, so a route cannot be left
out; request bodies of the contract operations are described by hand, a plugin's through
``RouteSpec.request_schema`` (and its answers through ``response_schema``)."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from core.api.jsonio import ApiResponse
from core.entities.cases import STATES

ERROR = {"$ref": "#/components/schemas/Error"}
#: Starlette's path convertors as JSON Schema (``{case_id:int}`` is digits only).
PATH_TYPES: dict[str, dict[str, Any]] = {"int": {"type": "integer", "minimum": 0}}
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/v1/units"): {
        "type": "object", "required": ["body_code"],
        "properties": {"body_code": {"type": "string"}, "model_code": {"type": "string"},
                       "own_product": {"type": "boolean", "default": True},
                       "oem": {"type": "boolean", "default": False},
                       "customer_id": {"type": "integer"},
                       "sold_on": {"type": "string", "format": "date"}}},
    ("post", "/api/v1/cases"): {
        "type": "object", "required": ["model_code", "customer", "fault_description",
                                       "channel"],
        "properties": {
            "body_code": {"type": ["string", "null"]}, "model_code": {"type": "string"},
            "own_product": {"type": "boolean", "default": True},
            "customer": {"type": "object", "required": ["name", "address", "phone"],
                         "properties": {"name": {"type": "string"},
                                        "address": {"type": "string"},
                                        "phone": {"type": "string"}}},
            "purchase_date": {"type": "string", "format": "date"},
            "fault_description": {"type": "string"},
            "channel": {"enum": ["walk_in", "phone", "shipped_in", "on_site"]}}},
    ("post", "/api/v1/cases/{case_id}/transitions"): {
        "type": "object", "required": ["to"],
        "properties": {"to": {"enum": list(STATES)}, "reason": {"type": "string"},
                       "note": {"type": "string"}, "onsite": {"type": "boolean"},
                       "onsite_address": {"type": "string"},
                       "onsite_from": {"type": "string", "format": "date-time"},
                       "onsite_to": {"type": "string", "format": "date-time"},
                       "technician_id": {"type": "integer"},
                       "coverage_class": {"enum": ["A", "B", "C"]},
                       "fault_found": {"type": "string"}, "faults": {"type": "array"}}},
    ("post", "/api/v1/cases/{case_id}/charges"): {
        "type": "object", "required": ["kind", "description", "unit_price_cents"],
        "properties": {"kind": {"enum": ["labour", "part", "shipping", "other"]},
                       "description": {"type": "string"},
                       "quantity": {"type": "integer", "minimum": 1},
                       "unit_price_cents": {"type": "integer", "minimum": 0},
                       "refurbished": {"type": "boolean"}, "waived": {"type": "boolean"},
                       "waive_reason": {"type": "string"}}},
    ("post", "/api/v1/cases/{case_id}/confirmations"): {
        "type": "object", "required": ["method", "customer_name"],
        "properties": {"method": {"enum": ["phone", "signature", "link"]},
                       "customer_name": {"type": "string"},
                       "accepted": {"type": "boolean", "default": True}}},
    ("post", "/api/v1/cases/{case_id}/holds"): {
        "type": "object", "required": ["kind", "reason"],
        "properties": {"kind": {"type": "string"}, "reason": {"type": "string"}}},
    ("post", "/api/v1/cases/{case_id}/resume"): {
        "type": "object", "required": ["kind"],
        "properties": {"kind": {"type": "string"}, "note": {"type": "string"}}},
    ("post", "/api/v1/cases/{case_id}/transfer"): {
        "type": "object", "required": ["service_point", "reason"],
        "properties": {"service_point": {"type": "string"}, "reason": {"type": "string"},
                       "waybill": {"type": "string"}}},
    ("post", "/api/v1/cases/{case_id}/payments"): {
        "type": "object", "required": ["amount_cents", "method"],
        "properties": {"amount_cents": {"type": "integer", "minimum": 1},
                       "method": {"enum": ["cash", "card", "bank_transfer", "wechat_pay",
                                           "alipay"]}}},
    ("post", "/api/v1/cases/{case_id}/refunds"): {
        "type": "object", "required": ["amount_cents", "method"],
        "properties": {"amount_cents": {"type": "integer", "minimum": 1},
                       "method": {"enum": ["cash", "card", "bank_transfer", "wechat_pay",
                                           "alipay"]},
                       "kind": {"enum": ["refund", "exchange_settlement", "overpayment"]},
                       "note": {"type": "string"}}},
}


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Any printable text up to 128 characters, new for each request. A request "
                   "sent again with the same key (a retry after a timeout) is not done twice: "
                   "it gets the first answer, with the header Idempotent-Replayed: true. The "
                   "same key with a different request is refused (422).",
    "schema": {"type": "string", "maxLength": 128},
}


def document(request: Request) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in request.app.state.registry.routes:
        if not route.path.startswith("/api/v1"):
            continue
        params = re.findall(r"{(\w+)(?::(\w+))?}", route.path)
        path = re.sub(r"{(\w+):\w+}", r"{\1}", route.path)
        for method in route.methods:
            key = (method.lower(), path)
            operation: dict[str, Any] = {
                "operationId": route.id,
                "summary": (route.endpoint.__doc__ or route.id).strip().splitlines()[0],
                "x-permission": route.permission,
                "parameters": [{"name": p, "in": "path", "required": True,
                                "schema": PATH_TYPES.get(kind, {"type": "string"})}
                               for p, kind in params],
                "responses": {"200": {"description": "OK"},
                              "4XX": {"description": "Error",
                                      "content": {"application/json": {"schema": ERROR}}}},
            }
            if method not in ("GET", "HEAD"):  # issue 10: a retry takes effect once
                operation["parameters"].append(IDEMPOTENCY_KEY)
            body = BODIES.get(key) or route.request_schema
            if body is not None and method not in ("GET", "HEAD"):
                operation["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": dict(body)}}}
            if route.response_schema is not None:
                operation["responses"]["200"]["content"] = {
                    "application/json": {"schema": dict(route.response_schema)}}
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": f"aftersales API ({request.app.state.settings.instance_name})",
                 "version": "1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "properties": {"error": {
                "type": "object", "required": ["code", "message", "fields"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                               "fields": {"type": "object"}}}}}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


def openapi(request: Request) -> Response:
    """The OpenAPI document of this instance's API (core and enabled plugins)."""
    return ApiResponse(document(request))
