"""JSON Schemas of the loaner API's request bodies (``RouteSpec.request_schema``): core puts
them in ``/api/v1/openapi.json`` and the API fuzz test sends bodies made from them. They
describe; the services still validate every field (a body off the schema is a 4xx)."""

from __future__ import annotations

from typing import Any

from plugins.loaner import policy
from plugins.loaner.services import LANGUAGES, PAYMENT_METHODS
from plugins.loaner.terms import ITEM_LENGTH, MAX_CENTS, MAX_ITEMS

CENTS: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": MAX_CENTS}
TEXT: dict[str, Any] = {"type": "string", "maxLength": 400}

UNIT_CREATE: dict[str, Any] = {
    "type": "object", "required": ["body_code", "service_point_id"],
    "properties": {
        "body_code": {"type": "string", "maxLength": 64},
        "service_point_id": {"type": "integer", "minimum": 1},
        "accessories": {"oneOf": [{"type": "string", "maxLength": 2000},
                                  {"type": "array", "items": {"type": "string",
                                                              "maxLength": 80}}]},
        "condition": {"enum": list(policy.CONDITIONS)},
        "notes": TEXT}}

REQUEST: dict[str, Any] = {
    "type": "object", "required": ["case_id", "unit_id", "reason"],
    "properties": {
        "case_id": {"type": "integer", "minimum": 1},
        "unit_id": {"type": "integer", "minimum": 1},
        "reason": TEXT,
        "needed_by": {"type": "string", "format": "date"},
        "other_model_reason": TEXT}}

DECISION: dict[str, Any] = {
    "type": "object", "required": ["accept"],
    "properties": {"accept": {"type": "boolean"}, "note": TEXT}}

LEND: dict[str, Any] = {
    "type": "object", "required": ["condition", "signed_by"],
    "properties": {
        "condition": {"enum": list(policy.CONDITIONS)},
        "signed_by": {"type": "string", "maxLength": 160},
        "language": {"enum": list(LANGUAGES)},
        "accessories": {"type": "array", "items": {"type": "string", "maxLength": 80},
                        "description": "The items that go out (default: the unit's list)."},
        "deposit_cents": {**CENTS, "description": "Default: the model's loaner terms."},
        "deposit_method": {"enum": list(PAYMENT_METHODS)}}}

RETURN: dict[str, Any] = {
    "type": "object", "required": ["condition"],
    "properties": {
        "condition": {"enum": list(policy.CONDITIONS)},
        "accessories": {"type": "object", "description": "Each item that went out: its state "
                        "(default ok).",
                        "additionalProperties": {"enum": ["ok", "missing", "damaged"]}}}}

TERMS: dict[str, Any] = {
    "type": "object", "required": ["model_code"],
    "properties": {
        "model_code": {"type": "string", "maxLength": 32},
        "deposit_cents": CENTS,
        "prices": {"type": "object", "maxProperties": MAX_ITEMS,
                   "propertyNames": {"maxLength": ITEM_LENGTH},
                   "additionalProperties": CENTS}}}

RESERVE: dict[str, Any] = {
    "type": "object", "required": ["unit_id", "case_id", "start_on", "end_on", "reason"],
    "properties": {
        "unit_id": {"type": "integer", "minimum": 1},
        "case_id": {"type": "integer", "minimum": 1},
        "start_on": {"type": "string", "format": "date"},
        "end_on": {"type": "string", "format": "date"},
        "reason": TEXT}}

CANCEL: dict[str, Any] = {"type": "object", "required": ["note"], "properties": {"note": TEXT}}
